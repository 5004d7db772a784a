"""The OpenID Connect provider's protocol core, free of any web framework or AWS client (like authlib's core):
request validation, token issuance, claims, discovery, signing. The HTTP glue is web/routes/oidc.py."""
