"""The request of /cas/samlValidate (CAS 3.0 §4.2.2–4.2.4): a SOAP 1.1 envelope whose body is a SAML 1.0/1.1
`samlp:Request` carrying the service ticket as its `samlp:AssertionArtifact`.

The body comes from whoever calls, so it is parsed defensively: at most MAX_BODY bytes (mod_auth_cas, phpCAS and
python-cas send under 600), with defusedxml, which refuses any DTD, entity declaration or external reference before
they are expanded (no "billion laughs", no file or URL read through an entity); an XML declaration naming an encoding
Python does not know (expat raises LookupError) is refused like any malformed body. Namespaces are checked (SOAP's
envelope, SAML 1.0's protocol, which SAML 1.1 keeps); exactly one artifact is expected. What the caller cannot
receive a SAML answer for (a body that is not this) raises SamlRequestError, answered INVALID_REQUEST.
"""

from __future__ import annotations

from dataclasses import dataclass

SOAP_ENVELOPE = "http://schemas.xmlsoap.org/soap/envelope/"
SAML_PROTOCOL = "urn:oasis:names:tc:SAML:1.0:protocol"
MAX_BODY = 16 * 1024


class SamlRequestError(Exception):
    """The body is not a SAML 1.x request with one assertion artifact (the message says why, in English, for the
    service's logs)."""


@dataclass(frozen=True)
class SamlRequest:
    artifact: str  # the service ticket
    request_id: str | None  # RequestID, echoed as InResponseTo when it is a plain identifier


def parse_saml_request(body: bytes | str | None) -> SamlRequest:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    if not body:
        raise SamlRequestError("the body must be a SAML 1.1 request")
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if len(raw) > MAX_BODY:
        raise SamlRequestError(f"the body is larger than {MAX_BODY} bytes")
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError, LookupError) as error:  # LookupError: an unknown encoding
        raise SamlRequestError(f"the body is not acceptable XML ({type(error).__name__})") from None
    if root.tag != f"{{{SOAP_ENVELOPE}}}Envelope":
        raise SamlRequestError("the body must be a SOAP 1.1 envelope")
    body_element = root.find(f"{{{SOAP_ENVELOPE}}}Body")
    request = None if body_element is None else body_element.find(f"{{{SAML_PROTOCOL}}}Request")
    if request is None:
        raise SamlRequestError("the SOAP body must hold a samlp:Request")
    artifacts = request.findall(f"{{{SAML_PROTOCOL}}}AssertionArtifact")
    if len(artifacts) != 1:
        raise SamlRequestError("the request must hold exactly one samlp:AssertionArtifact")
    artifact = (artifacts[0].text or "").strip()
    if not artifact:
        raise SamlRequestError("the samlp:AssertionArtifact is empty")
    return SamlRequest(artifact, request.get("RequestID"))
