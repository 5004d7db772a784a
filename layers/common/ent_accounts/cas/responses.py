"""The answers of the validation endpoints, in each shape CAS 3.0 defines: CAS 1 text (§2.4.2), the CAS 2/3 XML of
Appendix A (§2.5.2, §2.5.7), its JSON form (§2.5.1 `format=JSON`), and the SAML 1.1 response of /samlValidate
(§4.2.5), as the CAS clients of the ENT world read them:

- mod_auth_cas walks the XML by local names (serviceResponse → authenticationSuccess → user, attributes' children;
  Envelope → Body → Response → Status/StatusCode, Assertion → AttributeStatement → Subject/NameIdentifier and
  Attribute/AttributeValue), taking each element's inner text as it is: no whitespace inside a value;
- phpCAS strips the `cas:` prefix of each attribute's element name, finds SAML attributes by the assertion namespace
  and succeeds on any NameIdentifier: a failure carries none;
- python-cas reads `tree[0]` as authenticationSuccess, and SAML's StatusCode, NameIdentifier and Attribute by their
  namespaces.

The SAML response is the specification's example (default namespaces, no prefixes to match), unsigned: the service
gets it straight from us over TLS, in answer to its own request. Every value is escaped, and any character XML 1.0
cannot carry (controls, lone surrogates) becomes U+FFFD, so that an answer is well-formed whatever a name holds. An
attribute name is written only when it is a plain XML name (the catalog's always are). Descriptions never echo what
the request sent.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

from ent_accounts.cas.tickets import ServiceTicket
from ent_accounts.clock import iso

CAS_NAMESPACE = "http://www.yale.edu/tp/cas"
SAML_ATTRIBUTE_NAMESPACE = "http://www.ja-sig.org/products/cas/"
TEXT = "text/plain; charset=utf-8"
XML = "application/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
SOAP = "text/xml; charset=utf-8"
SAML_VALIDITY = timedelta(seconds=30)  # the assertion's Conditions: it answers a request made this very moment
# Not in XML 1.0's Char production (§2.2): C0 controls but tab, LF and CR; surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]{0,63}")
_REQUEST_ID = re.compile(r"[A-Za-z0-9_.-]{1,128}")


def cas_attributes(ticket: ServiceTicket) -> dict[str, list[str]]:
    """CAS 3.0's own attributes (Appendix A: authenticationDate, longTermAuthenticationRequestTokenUsed,
    isFromNewLogin), then those the service's registration releases."""
    return {
        "authenticationDate": [iso(ticket.authenticated_at)],
        "longTermAuthenticationRequestTokenUsed": ["false"],  # no "remember me" here
        "isFromNewLogin": ["true" if ticket.from_new_login else "false"],
        **{name: list(values) for name, values in ticket.attributes.items() if _XML_NAME.fullmatch(name)},
    }


# --- CAS 1.0: /cas/validate ---------------------------------------------------------------------------------------


def cas1_success(ticket: ServiceTicket) -> str:
    return f"yes\n{_line(ticket.user)}\n"


def cas1_failure() -> str:
    return "no\n\n"


# --- CAS 2.0 and 3.0: XML ------------------------------------------------------------------------------------------


def xml_success(ticket: ServiceTicket, with_attributes: bool) -> str:
    lines = [
        f'<cas:serviceResponse xmlns:cas="{CAS_NAMESPACE}">',
        "  <cas:authenticationSuccess>",
        f"    <cas:user>{_text(ticket.user)}</cas:user>",
    ]
    if with_attributes:
        lines.append("    <cas:attributes>")
        for name, values in cas_attributes(ticket).items():
            lines += [f"      <cas:{name}>{_text(value)}</cas:{name}>" for value in values]
        lines.append("    </cas:attributes>")
    lines += ["  </cas:authenticationSuccess>", "</cas:serviceResponse>", ""]
    return "\n".join(lines)


def xml_failure(code: str, description: str) -> str:
    return (
        f'<cas:serviceResponse xmlns:cas="{CAS_NAMESPACE}">\n'
        f'  <cas:authenticationFailure code="{_attribute(code)}">{_text(description)}</cas:authenticationFailure>\n'
        "</cas:serviceResponse>\n"
    )


# --- CAS 3.0: JSON -------------------------------------------------------------------------------------------------


def json_success(ticket: ServiceTicket, with_attributes: bool) -> str:
    """Every attribute's value is a list (CAS attributes are multi-valued), as Apereo CAS writes them."""
    success: dict = {"user": _clean(ticket.user)}
    if with_attributes:
        success["attributes"] = {
            name: [_json_value(name, value) for value in values] for name, values in cas_attributes(ticket).items()
        }
    return json.dumps({"serviceResponse": {"authenticationSuccess": success}}, ensure_ascii=False)


def json_failure(code: str, description: str) -> str:
    failure = {"code": code, "description": _clean(description)}
    return json.dumps({"serviceResponse": {"authenticationFailure": failure}}, ensure_ascii=False)


def _json_value(name: str, value: str) -> str | bool:
    if name in ("longTermAuthenticationRequestTokenUsed", "isFromNewLogin"):
        return value == "true"
    return _clean(value)


# --- SAML 1.1: /cas/samlValidate -----------------------------------------------------------------------------------

_ENVELOPE_START = (
    '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">\n'
    "<SOAP-ENV:Header/>\n"
    "<SOAP-ENV:Body>\n"
)
_ENVELOPE_END = "</SOAP-ENV:Body>\n</SOAP-ENV:Envelope>\n"
_RESPONSE_NAMESPACES = (
    'xmlns="urn:oasis:names:tc:SAML:1.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" '
    'xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol"'
)


def saml_success(
    ticket: ServiceTicket, now: datetime, issuer: str, recipient: str, request_id: str | None = None
) -> str:
    """The SAML 1.1 Response: an assertion of `ticket.user` for the recipient (the TARGET), its attributes in an
    AttributeStatement (namespace http://www.ja-sig.org/products/cas/), and the password authentication."""
    instant = _saml_instant(now)
    subject = (
        f"<Subject><NameIdentifier>{_text(ticket.user)}</NameIdentifier><SubjectConfirmation>"
        "<ConfirmationMethod>urn:oasis:names:tc:SAML:1.0:cm:artifact</ConfirmationMethod>"
        "</SubjectConfirmation></Subject>"
    )
    attributes = "".join(
        f'<Attribute AttributeName="{name}" AttributeNamespace="{SAML_ATTRIBUTE_NAMESPACE}">'
        + "".join(f"<AttributeValue>{_text(value)}</AttributeValue>" for value in values)
        + "</Attribute>\n"
        for name, values in cas_attributes(ticket).items()
    )
    assertion = (
        f'<Assertion xmlns="urn:oasis:names:tc:SAML:1.0:assertion" AssertionID="{_new_id()}" '
        f'IssueInstant="{instant}" Issuer="{_attribute(issuer)}" MajorVersion="1" MinorVersion="1">\n'
        f'<Conditions NotBefore="{instant}" NotOnOrAfter="{_saml_instant(now + SAML_VALIDITY)}">'
        f"<AudienceRestrictionCondition><Audience>{_text(recipient)}</Audience></AudienceRestrictionCondition>"
        "</Conditions>\n"
        f"<AttributeStatement>{subject}\n{attributes}</AttributeStatement>\n"
        f'<AuthenticationStatement AuthenticationInstant="{_saml_instant(ticket.authenticated_at)}" '
        f'AuthenticationMethod="urn:oasis:names:tc:SAML:1.0:am:password">{subject}</AuthenticationStatement>\n'
        "</Assertion>\n"
    )
    status = '<Status><StatusCode Value="samlp:Success"/></Status>\n'
    return _saml_response(now, recipient, request_id, status + assertion)


def saml_failure(code: str, description: str, now: datetime, recipient: str, request_id: str | None = None) -> str:
    """A SAML 1.1 Response without assertion: the requester's fault (samlp:Requester, samlp:RequestDenied), or ours
    (samlp:Responder, for INTERNAL_ERROR); the CAS code and description in the StatusMessage."""
    if code == "INTERNAL_ERROR":
        status_code = '<StatusCode Value="samlp:Responder"/>'
    else:
        status_code = '<StatusCode Value="samlp:Requester"><StatusCode Value="samlp:RequestDenied"/></StatusCode>'
    status = f"<Status>{status_code}<StatusMessage>{_text(f'{code}: {description}')}</StatusMessage></Status>\n"
    return _saml_response(now, recipient, request_id, status)


def _saml_response(now: datetime, recipient: str, request_id: str | None, content: str) -> str:
    in_response_to = f' InResponseTo="{request_id}"' if request_id and _REQUEST_ID.fullmatch(request_id) else ""
    return (
        _ENVELOPE_START
        + f'<Response {_RESPONSE_NAMESPACES} IssueInstant="{_saml_instant(now)}" MajorVersion="1" MinorVersion="1" '
        f'Recipient="{_attribute(recipient)}" ResponseID="{_new_id()}"{in_response_to}>\n'
        + content
        + "</Response>\n"
        + _ENVELOPE_END
    )


def _saml_instant(moment: datetime) -> str:
    return iso(moment).replace("Z", ".000Z")


def _new_id() -> str:
    return "_" + secrets.token_hex(16)  # an xsd:ID: starts with a letter or "_"


# --- escaping -------------------------------------------------------------------------------------------------------


def _clean(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _text(value: str) -> str:
    return escape(_clean(value))


def _attribute(value: str) -> str:
    return escape(_clean(value), {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _line(value: str) -> str:
    """One line of CAS 1's answer: no line break or control character can add a line."""
    return re.sub(r"[\x00-\x1f\x7f]", "\ufffd", _clean(value))
