"""No password, code or token ever appears in a log line, at DEBUG, along the whole path and its errors."""

from __future__ import annotations

from tests.integration.helpers import BIRTH_DATE, NEW_PASSWORD, last_code, login


def test_no_secret_in_any_log_line(world, log_lines):
    provisional = world.provision("jdupont12")
    secrets = [provisional, NEW_PASSWORD, "Mauvais-Mot-9"]

    login(world, "jdupont12", "Mauvais-Mot-9")
    answer = login(world, "jdupont12", provisional)
    challenge = answer.json()["challenge_token"]
    secrets.append(challenge)
    world.call(
        "POST",
        "/api/first-connection",
        {"challenge_token": challenge, "new_password": "faible", "birth_date": BIRTH_DATE},
    )
    world.call(
        "POST",
        "/api/first-connection",
        {
            "challenge_token": challenge,
            "new_password": NEW_PASSWORD,
            "birth_date": BIRTH_DATE,
            "email": "jeanne@laposte.net",
        },
    )
    world.call("POST", "/api/validation-mail", {"identifier": "jdupont12", "password": NEW_PASSWORD})
    codes = [last_code(world)]
    world.call("POST", "/api/validate-email", {"code": codes[0]})
    world.call("GET", f"/valider-adresse-mail?code={codes[0]}")
    session = login(world, "jdupont12", NEW_PASSWORD).json()["session_token"]
    secrets += ["faible", session, *codes]
    world.call("POST", "/api/login", '{"identifier": "jdupont12", "password": "Mauvais-Mot-9"')  # broken JSON

    text = log_lines.text()
    assert log_lines.json(), "the handlers logged nothing: the capture is broken"
    assert any(line.get("correlation_id") for line in log_lines.json())  # API Gateway request id
    for secret in secrets:
        assert secret not in text
    # Nor their stored forms' source: hashes are not secrets, but the stored hash of a password is not logged either.
    account = world.store.get_account("jdupont12")
    assert account.password_hash not in text


def test_each_secret_appears_only_where_it_is_meant_to(world, log_lines):
    """Passwords never leave the request; each code travels in its own mail only; no error body repeats a secret."""
    provisional = world.provision("jdupont12")
    answers = []

    def call(*args, **kwargs):
        answers.append(world.call(*args, **kwargs))
        return answers[-1]

    challenge = call("POST", "/api/login", {"identifier": "jdupont12", "password": provisional}).json()
    call(
        "POST",
        "/api/first-connection",
        {"challenge_token": challenge["challenge_token"], "new_password": "x", "birth_date": BIRTH_DATE},
    )
    call(
        "POST",
        "/api/first-connection",
        {
            "challenge_token": challenge["challenge_token"],
            "new_password": NEW_PASSWORD,
            "birth_date": BIRTH_DATE,
            "email": "jeanne@laposte.net",
        },
    )
    activation = last_code(world)
    call("POST", "/api/validate-email", {"code": activation})
    call("POST", "/api/password/forgot", {"identifier": "jdupont12"})
    world.deliver_queued_mail()
    reset = last_code(world)
    call("POST", "/api/password/reset", {"code": reset, "new_password": "faible"})
    call("POST", "/api/password/reset", {"code": reset, "new_password": "Nouveau-Mot-2"})
    call("POST", "/api/password/reset", {"code": reset, "new_password": "Nouveau-Mot-2"})  # used: 410

    mails = world.mails()
    for secret in (provisional, NEW_PASSWORD, "Nouveau-Mot-2", challenge["challenge_token"]):
        assert all(secret not in mail.html for mail in mails)
    # validation mail, reset mail, notice of the new password: each code only in its own mail
    assert [activation in mail.html for mail in mails] == [True, False, False]
    assert [reset in mail.html for mail in mails] == [False, True, False]
    for answer in answers[1:]:  # the first answer hands the challenge out, as documented
        for secret in (provisional, NEW_PASSWORD, "Nouveau-Mot-2", "faible", activation, reset):
            assert secret not in answer.text
    stored = str(world.items())
    for secret in (provisional, NEW_PASSWORD, "Nouveau-Mot-2", activation, reset, challenge["challenge_token"]):
        assert secret not in stored and secret not in log_lines.text()


def test_no_code_token_reference_or_client_secret_of_single_sign_on_in_any_log_line(world, log_lines):
    from http.cookies import SimpleCookie

    from tests.integration.oidc import code_from, sign_in, sso_world

    rp = sso_world(world)
    first = world.call("GET", rp.authorize_url())
    reference = next(
        morsel.value
        for raw in first.headers["set-cookie"]
        for name, morsel in SimpleCookie(raw).items()
        if name == "__Host-sign_in"
    )
    browser, code = sign_in(world, rp)
    answer = rp.token(code).json()
    rp.token(code)  # presented again: refused, logged as such
    rp.userinfo(answer["access_token"])
    browser.get(rp.authorize_url(prompt="none"))
    second = code_from(browser, rp)
    browser.get(f"/oidc/logout?id_token_hint={answer['id_token']}")
    text = log_lines.text()
    assert "tokens issued" in text and "code issued" in text  # the capture works
    for secret in (reference, code, second, answer["access_token"], answer["id_token"], rp.secret, rp.verifier):
        assert secret not in text


def test_no_cas_ticket_session_or_sign_in_reference_in_any_log_line(world, log_lines):
    """CAS's round trip at DEBUG: the login through the pages, tickets validated by every endpoint (and refused),
    samlValidate, the logout: neither a ticket, nor the session, nor the pending sign-in's reference is logged."""
    from tests.integration.cas import cas_world, login_url, saml_validation, sign_in, validation
    from tests.support.oidc import RpBrowser

    cas_world(world)
    browser = RpBrowser(world)
    _, first = sign_in(world, browser)
    secrets = [first, NEW_PASSWORD, browser.cookies["__Host-session"]]
    for path in ("/cas/validate", "/cas/serviceValidate", "/cas/p3/serviceValidate", "/cas/p3/proxyValidate"):
        _, ticket = sign_in(world, browser)
        secrets.append(ticket)
        validation(world, path, ticket)
        validation(world, path, ticket, format="JSON")  # spent: refused
    _, ticket = sign_in(world, browser)
    secrets.append(ticket)
    validation(world, "/cas/serviceValidate", ticket, "https://pronote.example.fr/pronote/autre.html")
    _, ticket = sign_in(world, browser)
    secrets.append(ticket)
    saml_validation(world, ticket)
    pending = RpBrowser(world)
    pending.get(login_url())
    secrets.append(pending.cookies["__Host-sign_in"])
    world.call("GET", "/cas/logout", headers=browser._headers())
    text = log_lines.text()
    assert "cas ticket validated" in text and "cas validation refused" in text
    for secret in secrets:
        assert secret not in text and secret[3:] not in text
