"""Sessions: cookie or Bearer, idle and absolute limits, logout, and the end of every session on a new password."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.helpers import NEW_PASSWORD, active_student, login, session_token


@pytest.fixture
def active(world):
    return active_student(world)


def sign_in(world, password=NEW_PASSWORD):
    return session_token(world, "jdupont12", password)


def me(world, token, how="bearer"):
    headers = (
        {"Authorization": f"Bearer {token}"} if how == "bearer" else {"Cookie": f"theme=dark; __Host-session={token}"}
    )
    return world.call("GET", "/api/account", headers=headers)


def test_account_with_cookie_or_bearer_and_never_a_secret(active):
    token = sign_in(active)
    for how in ("bearer", "cookie"):
        answer = me(active, token, how)
        assert answer.status == 200
        assert answer.json() == {
            "identifier": "jdupont12",
            "role": "eleve",
            "first_name": "Jeanne",
            "last_name": "Dupont",
            "status": "ACTIVE",
            "email": "jeanne@laposte.net",
            "email_verified": True,
            "pending_email": None,
            "validation_deadline": None,
            "email_undeliverable": None,
        }


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer " + "x" * 43},
        {"Cookie": "__Host-session="},
        {"Cookie": "__Host-session=\x00bad"},
        {"Authorization": "Basic a"},
    ],
)
def test_no_valid_session_is_a_clear_401(active, headers):
    answer = active.call("GET", "/api/account", headers=headers)
    assert answer.status == 401 and answer.json()["error"] == "not_authenticated"


def test_logout_ends_the_session_and_clears_the_cookie(active):
    token = sign_in(active)
    answer = active.call("POST", "/api/logout", headers={"Cookie": f"__Host-session={token}"})
    assert answer.status == 204
    assert "Max-Age=0" in answer.header("Set-Cookie")
    assert me(active, token).status == 401
    assert active.call("POST", "/api/logout").status == 204  # harmless without a session


def test_idle_limit_and_its_refresh(active):
    token = sign_in(active)
    for _ in range(6):  # used every 20 minutes for 2 hours: still alive
        active.clock.advance(minutes=20)
        assert me(active, token).status == 200
    active.clock.advance(minutes=31)
    assert me(active, token).status == 401


def test_absolute_limit(active):
    token = sign_in(active)
    start = active.clock.now()
    while me(active, token).status == 200:  # used every 29 minutes: the idle limit never bites
        active.clock.advance(minutes=29)
        assert active.clock.now() - start < timedelta(hours=13)
    assert timedelta(hours=12) <= active.clock.now() - start < timedelta(hours=12, minutes=29)


def test_a_password_change_ends_every_other_session(active):
    phone, laptop = sign_in(active), sign_in(active)
    answer = active.call(
        "POST",
        "/api/account/password",
        {"current_password": NEW_PASSWORD, "new_password": "Nouveau-Mot-2"},
        headers={"Authorization": f"Bearer {laptop}"},
    )
    assert answer.status == 200 and answer.json()["status"] == "password_changed"
    fresh = answer.json()["session_token"]
    assert "__Host-session=" + fresh in answer.header("Set-Cookie")
    assert me(active, phone).status == 401 and me(active, laptop).status == 401
    assert me(active, fresh).status == 200
    assert login(active, "jdupont12", NEW_PASSWORD).status == 401
    assert login(active, "jdupont12", "Nouveau-Mot-2").status == 200


def test_sessions_are_stored_only_as_hashes(active):
    token = sign_in(active)
    assert all(token not in str(item) for item in active.items())


FROM_ANOTHER_SITE = [
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://evil.example"},  # a browser without fetch metadata
    {"Sec-Fetch-Site": "cross-site", "Origin": "null"},
]
CHANGES = [
    ("/api/logout", None),
    (
        "/api/account/email",
        {
            "current_password": NEW_PASSWORD,
            "new_email": "pirate@example.com",
            "new_email_confirmation": "pirate@example.com",
        },
    ),
    ("/api/account/password", {"current_password": NEW_PASSWORD, "new_password": "Pirate-Mot-9"}),
]


def test_a_request_from_another_site_with_the_session_cookie_changes_nothing(active):
    token = sign_in(active)
    mails = len(active.mails())
    for headers in FROM_ANOTHER_SITE:
        for path, body in CHANGES:
            answer = active.call("POST", path, body, headers={"Cookie": f"__Host-session={token}", **headers})
            assert answer.status == 403, (path, headers, answer.text)
            assert answer.json()["error"] == "cross_site_request" and "autre site" in answer.json()["message"]
            assert answer.header("Set-Cookie") is None
    assert me(active, token, "cookie").status == 200  # still signed in
    assert len(active.mails()) == mails and active.store.get_account("jdupont12").pending_email is None
    assert login(active, "jdupont12", NEW_PASSWORD).status == 200  # the password did not change

    # The service's own pages (same origin) use the cookie; a Bearer token, which a page of another site cannot
    # make a browser send, works from anywhere (the ENT portal).
    own = {"Cookie": f"__Host-session={token}", "Origin": "https://127.0.0.1:3000", "Sec-Fetch-Site": "same-origin"}
    body = {
        "current_password": NEW_PASSWORD,
        "new_email": "jeanne2@laposte.net",
        "new_email_confirmation": "jeanne2@laposte.net",
    }
    assert active.call("POST", "/api/account/email", body, headers=own).status == 202
    portal = {
        "Authorization": f"Bearer {token}",
        "Origin": "https://portail.ent.example",
        "Sec-Fetch-Site": "cross-site",
    }
    answer = active.call(
        "POST", "/api/account/password", {"current_password": NEW_PASSWORD, "new_password": "Nouveau-Mot-2"}, portal
    )
    assert answer.status == 200
    fresh = answer.json()["session_token"]
    assert active.call("POST", "/api/logout", headers={**portal, "Authorization": f"Bearer {fresh}"}).status == 204
    assert me(active, fresh).status == 401
