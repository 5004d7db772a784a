"""The CAS server (Apereo CAS Protocol 3.0.3): /cas/login, /cas/logout and the validations (/cas/validate,
/cas/serviceValidate, /cas/proxyValidate, /cas/p3/serviceValidate, /cas/samlValidate), framework-free like oidc/.

It stands on single sign-on's shared parts (sso/): the same client registry (a client registered with service URLs
is a CAS service), the same pending sign-in and pages, the same session (a student signed in to an OpenID Connect
service opens a CAS one without the password again), and the same single logout."""
