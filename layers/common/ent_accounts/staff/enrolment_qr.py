"""The enrolment key as a QR code, the way staff add it to an authenticator application: the page is open on a
computer and the phone's camera reads the otpauth:// URI (the key, its issuer and account) off the screen.

segno draws it (pure Python, no dependency), shipped in the school console's layer (layers/admin) only: imported here
when the enrolment page is drawn, never at a cold start of another page.
"""

from __future__ import annotations

SCALE = 4  # pixels per module before CSS sizes it (the SVG scales: viewBox, no fixed size)
QUIET_ZONE = 4  # modules of white around it, as ISO/IEC 18004 asks so that a camera finds the code


def enrolment_qr_svg(uri: str) -> str:
    """An inline SVG of `uri` (dark on white whatever the theme), titled for assistive technology."""
    import segno

    # Level L (segno raises it where the size allows): a screen is not a worn label, and the fewer modules, the
    # larger each one for the camera (a 190-character URI: version 8, 49 modules, where M needs 57).
    code = segno.make(uri, error="l", micro=False)
    return code.svg_inline(
        scale=SCALE,
        border=QUIET_ZONE,
        dark="#000",
        light="#fff",
        omitsize=True,
        title="QR code de la clé, à scanner avec l'application d'authentification",
        svgclass="ent-qr__code",
        lineclass=None,
    )
