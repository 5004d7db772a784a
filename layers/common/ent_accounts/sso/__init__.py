"""Single sign-on, shared by every federation protocol (OpenID Connect in oidc/, CAS in cas/): the registry of the
services (clients) an académie lets sign its students in, the sign-in a service asked for while the person goes
through the pages, and single logout."""
