"""No provisional password nor idempotency key in any log line or stored item, along a school's whole path."""

from __future__ import annotations

import io
import re

import pypdf

from tests.integration.school import UAI, letters_pdf, new_key, post_accounts, reset, row


def test_no_school_secret_in_logs_or_in_the_table(world, log_lines):
    key = new_key()
    rows = [row("Dupont", "Jeanne", school_class="4e B"), row("Martin", "Adam", school_class="4e B")]
    first = post_accounts(world, rows, key=key)
    replay = post_accounts(world, rows, key=key)
    post_accounts(world, [row("Dupont", "Jeanne"), row("Bad1", "X")], key=new_key())  # refused
    secrets = [key] + [a["provisional_password"] for a in first.json()["accounts"]]
    secrets.append(reset(world, "jdupont").json()["provisional_password"])
    pdf = letters_pdf(world.call("POST", "/api/admin/letters", {"uai": UAI, "class": "4e B"}))
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        secrets.append(re.search(r"Mot de passe provisoire : (\S{12})", page.extract_text()).group(1))

    assert replay.json() == first.json()
    assert len(set(secrets)) == 6
    text = log_lines.text()
    assert '"resource":"/api/admin/accounts"' in text.replace(" ", "")  # the capture works
    stored = repr(world.items())
    assert "IDEMPOTENCY#" in stored  # the replay record is there …
    for secret in secrets:
        assert secret not in text
        assert secret not in stored  # … and holds no password in clear, nor the key it is sealed with
