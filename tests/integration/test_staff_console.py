"""The school staff's console: invitation, enrolment of the TOTP application, sign-in in two steps, sessions kept
apart from the students', and the secret never stored nor logged in clear."""

from __future__ import annotations

import base64
import json

import pytest

from ent_accounts.staff import totp
from tests.integration.helpers import NEW_PASSWORD, active_student
from tests.support.browser import Browser
from tests.support.staff import STAFF_PASSWORD, enrol, field_error, invitation_code, invite, sign_in

EMAIL = "claire.martin@ac-montpellier.fr"


def test_invite_accept_enrol_sign_in_and_out(world):
    invited = invite(world)
    mail = world.mails()[-1]
    assert mail.to == [EMAIL] and "Invitation à la console" in mail.subject and "0341234A" in mail.html
    browser, secret, codes = enrol(world)
    assert len(codes) == 10 and len(set(codes)) == 10
    home = browser.get("/etablissement")
    assert "Bonjour Claire" in home.text and "0341234A" in home.text and "Administrateur" in home.text
    world.clock.advance(seconds=30)
    browser.post("/etablissement/deconnexion", {})
    assert "Vous êtes déconnecté" in browser.page.text
    assert "Connexion du personnel" in browser.get("/etablissement").text  # signed out: the login page

    browser, page = sign_in(world, EMAIL, secret)
    assert "Bonjour Claire" in page.text, page.text
    events = [event["type"] for event in world.store.staff_events(invited.member.member_id)]
    assert events[:3] == ["staff_invited", "staff_invitation_accepted", "staff_totp_enrolled"]
    assert "staff_signed_out" in events and events[-1] == "staff_signed_in"


def test_the_invitation_works_once_and_for_72_hours(world):
    invite(world)
    code = invitation_code(world, EMAIL)
    world.clock.advance(hours=72, seconds=1)
    assert Browser(world).get(f"/etablissement/invitation?code={code}").status == 410
    invite(world)  # invited again: a new link
    enrol(world)
    assert Browser(world).get(f"/etablissement/invitation?code={invitation_code(world, EMAIL)}").status == 410


def test_a_password_the_policy_refuses_is_said_next_to_its_field(world):
    invite(world)
    browser = Browser(world)
    browser.get(f"/etablissement/invitation?code={invitation_code(world, EMAIL)}")
    page = browser.post(
        "/etablissement/invitation",
        {"code": invitation_code(world, EMAIL), "new_password": "Claire-Martin-2026", "new_password_confirmation": "x"},
    )
    assert page.status == 400
    assert "ne doit pas contenir votre" in field_error(page, "new_password")  # said to staff: "vous"
    assert field_error(page, "new_password_confirmation")


def test_a_wrong_enrolment_code_keeps_the_same_secret_on_the_page(world):
    invite(world)
    browser = Browser(world)
    browser.get(f"/etablissement/invitation?code={invitation_code(world, EMAIL)}")
    page = browser.post(
        "/etablissement/invitation",
        {
            "code": invitation_code(world, EMAIL),
            "new_password": STAFF_PASSWORD,
            "new_password_confirmation": STAFF_PASSWORD,
        },
    )
    secret = page.text.split('id="secret">')[1].split("<")[0]
    page = browser.post("/etablissement/activation-code", {"code": "000000"})
    assert page.status == 401 and "n'est pas valide" in field_error(page, "code")
    assert secret in page.text  # the same key: the one the application may already hold


def test_the_second_step_refuses_a_replayed_code_and_a_wrong_one(world):
    invite(world)
    _, secret, _ = enrol(world)
    code = totp.code_at(secret, world.clock.now())
    # The enrolment accepted this step's code: the same code again is refused, even within its 30 seconds.
    _, page = sign_in(world, EMAIL, code=code)
    assert page.status == 401 and "n'est pas valide" in field_error(page, "code")
    world.clock.advance(seconds=30)
    _, page = sign_in(world, EMAIL, secret)
    assert "Bonjour Claire" in page.text
    _, page = sign_in(world, EMAIL, code=totp.code_at(secret, world.clock.now()))
    assert page.status == 401  # that code was just used


def test_a_recovery_code_works_once_and_the_page_says_how_many_remain(world):
    invite(world)
    _, _, codes = enrol(world)
    _, page = sign_in(world, EMAIL, code=codes[0].lower())
    assert "il vous en reste 9" in page.text
    _, page = sign_in(world, EMAIL, code=codes[0])
    assert page.status == 401
    browser, page = sign_in(world, EMAIL, code=codes[1])
    assert "il vous en reste 8" in page.text
    assert "Il vous reste <strong>8</strong> codes" in browser.get("/etablissement/codes-de-secours").text
    member = world.store.staff_member_by_email(EMAIL)
    used = [e for e in world.store.staff_events(member.member_id) if e.get("method") == "recovery_code"]
    assert [e["remaining"] for e in used] == ["9", "8"]  # each use audited, with what remains
    assert not any(codes[0] in str(e) for e in world.store.staff_events(member.member_id))


def test_codes_count_in_the_lock_out(world):
    invite(world)
    _, secret, _ = enrol(world)
    world.clock.advance(seconds=30)
    statuses = []
    for _ in range(5):
        _, page = sign_in(
            world, EMAIL, code="123456" if totp.code_at(secret, world.clock.now()) != "123456" else "654321"
        )
        statuses.append(page.status)
    assert statuses == [401, 401, 401, 401, 429]
    _, page = sign_in(world, EMAIL, secret)  # even the right password is refused while locked
    assert page.status == 429 and "Réessayez dans 1 minute" in page.text


def test_a_disabled_member_is_refused_and_their_session_ends(world):
    from ent_accounts.flows import staff as flows

    invited = invite(world)
    browser, secret, _ = enrol(world)
    flows.disable(world.services, invited.member.member_id, "ops", "test")
    assert "Connexion du personnel" in browser.get("/etablissement").text
    world.clock.advance(seconds=30)
    _, page = sign_in(world, EMAIL, secret)
    assert page.status == 403 and "désactivé" in page.text


def test_staff_and_student_sessions_open_nothing_of_each_other(world):
    from tests.integration.helpers import session_token

    invite(world)
    browser, _, _ = enrol(world)
    staff_token = browser.cookies["__Secure-staff_session"]
    student = active_student(world)
    student_token = session_token(student, "jdupont12", NEW_PASSWORD)
    # The staff token as a student's session: refused by the student pages and API.
    assert world.call("GET", "/api/account", headers={"Authorization": f"Bearer {staff_token}"}).status == 401
    desk = world.call("GET", "/bureau", headers={"Cookie": f"__Host-session={staff_token}"})
    assert desk.status in (302, 303) and "/connexion" in desk.header("Location")
    # The student's token as a staff session: the console's login page.
    home = world.call("GET", "/etablissement", headers={"Cookie": f"__Secure-staff_session={student_token}"})
    assert home.status == 303 and "/etablissement/connexion" in home.header("Location")


def test_the_staff_cookie_is_scoped_to_the_console(world):
    invite(world)
    browser = Browser(world)
    browser.get(f"/etablissement/invitation?code={invitation_code(world, EMAIL)}")
    answer = world.call(
        "POST",
        "/etablissement/invitation",
        f"code={invitation_code(world, EMAIL)}&new_password={STAFF_PASSWORD}&new_password_confirmation={STAFF_PASSWORD}"
        f"&csrf_token={browser.page.text.split('name="csrf_token" value="')[1].split('"')[0]}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items()),
        },
    )
    cookie = next(c for c in answer.headers["set-cookie"] if c.startswith("__Secure-staff_session="))
    assert "Path=/etablissement" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "SameSite=Lax" in cookie


def test_another_schools_administrator_cannot_invite_here(world):
    from ent_accounts.errors import NotFound
    from ent_accounts.staff.members import RoleTooLow

    invited = invite(world)
    enrol(world)
    member = world.store.get_staff_member(invited.member.member_id)
    with pytest.raises(NotFound):
        invite(world, "paul@ac-montpellier.fr", uai="0759999Z", role="lecteur", by_member=member)
    assert not world.store.school_staff("0759999Z")
    invite(world, "paul@ac-montpellier.fr", role="lecteur", by_member=member)
    enrol(world, "paul@ac-montpellier.fr")
    reader = world.store.staff_member_by_email("paul@ac-montpellier.fr")
    with pytest.raises(RoleTooLow):
        invite(world, "zoe@ac-montpellier.fr", role="lecteur", by_member=reader)


def test_the_totp_secret_is_never_in_clear_in_the_table_nor_the_logs(world, capsys):
    invite(world)
    _, secret, codes = enrol(world)
    dump = json.dumps(world.items(), default=lambda value: base64.b64encode(value).decode())
    raw_key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    for needle in (secret, totp.grouped(secret), base64.b64encode(raw_key).decode(), raw_key.hex(), *codes):
        assert needle not in dump
    logs = capsys.readouterr()
    assert secret not in logs.out + logs.err and codes[0] not in logs.out + logs.err


def test_a_forged_post_is_refused_and_nothing_is_checked(world):
    invite(world)
    enrol(world)
    browser = Browser(world)
    browser.get("/etablissement/connexion")
    page = browser.post("/etablissement/connexion", {"email": EMAIL, "password": STAFF_PASSWORD}, csrf=False)
    assert page.status == 403 and "rechargez-la" in page.text
    assert "__Secure-staff_session" not in browser.cookies


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/etablissement/invitation", 410),
        ("GET", "/etablissement/invitation?code=" + "x" * 43, 410),
        ("GET", "/etablissement/invitation?code=a&code=b", 410),
        ("GET", "/etablissement/code", 303),
        ("GET", "/etablissement/activation-code", 303),
        ("GET", "/etablissement/codes-de-secours", 303),
        ("GET", "/etablissement/role", 410),
        ("GET", "/etablissement/role?code=" + "x" * 43, 410),
        ("GET", "/etablissement/role?code=a&code=b", 410),
    ],
)
def test_links_without_their_session_or_code_answer_in_french_never_500(world, method, url, status):
    answer = world.call(method, url)
    assert answer.status == status
    if status != 303:
        assert answer.header("Content-Type").startswith("text/html") and 'lang="fr"' in answer.text


@pytest.mark.parametrize(
    "body",
    [
        {
            "email": "claire@ac-montpellier.fr",
            "first_name": "Claire",
            "last_name": "Martin",
            "uai": "12",
            "role": "lecteur",
        },
        {"email": "claire@ac-montpellier.fr", "first_name": "", "last_name": "Martin", "uai": "0341234A", "role": "x"},
        {"email": "claire", "first_name": "Claire", "last_name": "Martin", "uai": "0341234A", "role": "lecteur"},
        {"email": 3, "first_name": "Claire", "last_name": "Martin", "uai": "0341234A", "role": "lecteur"},
        {"first_name": "Claire"},
    ],
)
def test_the_staff_route_refuses_bad_input_in_french(world, body):
    answer = world.call("POST", "/api/admin/staff", body)
    assert answer.status == 400 and answer.json()["fields"], answer.text
    assert not world.mails()


def test_a_change_saved_from_before_a_sign_in_cannot_write_a_used_code_back(world):
    """Taking a TOTP step or a recovery code moves the member's version: a change computed from an earlier read
    (another request, saved at that read's version) is refused, so it never writes back the older step or the used
    code, which would make them work again."""
    from ent_accounts.store import Conflict

    invite(world)
    _, secret, codes = enrol(world)
    read_before = world.store.staff_member_by_email(EMAIL)
    world.clock.advance(seconds=30)
    sign_in(world, EMAIL, secret)  # takes the next step
    stale = world.store.staff_writes().save_member(
        read_before.with_changes(first_name="Claire-Marie"), read_before.version
    )
    with pytest.raises(Conflict):
        stale.commit()
    read_before = world.store.staff_member_by_email(EMAIL)
    sign_in(world, EMAIL, code=codes[0])
    stale = world.store.staff_writes().save_member(read_before, read_before.version)
    with pytest.raises(Conflict):
        stale.commit()
    _, page = sign_in(world, EMAIL, code=codes[0])
    assert page.status == 401  # still used


def test_kms_not_answering_at_the_second_step_charges_no_attempt(world, monkeypatch):
    """The TOTP secret is opened (KMS Decrypt) before the attempt is claimed in the lock-out: a KMS outage answers
    503 in French and leaves the counter as it was, so an outage never locks staff out."""
    from ent_accounts.errors import ServiceBusy
    from tests.support.store_helpers import login_throttle

    invite(world)
    _, secret, _ = enrol(world)
    world.clock.advance(seconds=30)
    before = login_throttle(world.store, f"staff:{EMAIL}").failures

    def kms_down(*_):
        raise ServiceBusy()

    monkeypatch.setattr(world.services.staff_secrets, "open", kms_down)
    _, page = sign_in(world, EMAIL, secret)
    assert page.status == 503 and "Traceback" not in page.text
    assert login_throttle(world.store, f"staff:{EMAIL}").failures == before
    monkeypatch.undo()
    _, page = sign_in(world, EMAIL, secret)
    assert "Bonjour Claire" in page.text


def test_an_invitation_sent_again_voids_the_earlier_link(world):
    """Invited again (the first mail lost, or sent to a shared mailbox): only the latest link opens the invitation,
    so a link someone else may have read stops working as soon as a new one is sent."""
    invite(world)
    first = invitation_code(world, EMAIL)
    invite(world)
    second = invitation_code(world, EMAIL)
    assert first != second
    assert Browser(world).get(f"/etablissement/invitation?code={first}").status == 410
    assert Browser(world).get(f"/etablissement/invitation?code={second}").status == 200
    enrol(world)  # with the latest link
