"""Which grant applies to the IAM identity API Gateway says signed an /api/admin/ request."""

from __future__ import annotations

import pytest

from ent_accounts.principals import Scope, caller_principal, granted_principal

ROLE = "arn:aws:iam::123456789012:role/siecle-sync"


@pytest.mark.parametrize(
    ("signer", "principal"),
    [
        # A session of a role holds the role's grant, whatever the session's name.
        ("arn:aws:sts::123456789012:assumed-role/siecle-sync/nightly-2026-12-03", ROLE),
        ("arn:aws:sts::123456789012:assumed-role/siecle-sync/marie.curie@ac-montpellier.fr", ROLE),
        # The role itself (a grant's ARN), its path dropped: a session's ARN never carries it.
        (ROLE, ROLE),
        ("arn:aws:iam::123456789012:role/integrations/academie/siecle-sync", ROLE),
        # Other partitions keep theirs.
        (
            "arn:aws-us-gov:sts::123456789012:assumed-role/siecle-sync/s1",
            "arn:aws-us-gov:iam::123456789012:role/siecle-sync",
        ),
        ("arn:aws-cn:sts::123456789012:assumed-role/siecle-sync/s1", "arn:aws-cn:iam::123456789012:role/siecle-sync"),
        # An IAM user matches exactly, path included.
        ("arn:aws:iam::123456789012:user/ops/jeanne", "arn:aws:iam::123456789012:user/ops/jeanne"),
    ],
)
def test_a_signer_is_matched_to_the_grant_of_its_role_or_user(signer, principal):
    assert caller_principal(signer) == principal


@pytest.mark.parametrize(
    "signer",
    [
        None,
        "",
        "local",  # the local server's caller: never a grant's principal
        "AROAEXAMPLE:session",  # identity.caller, not an ARN
        "arn:aws:sts::123456789012:assumed-role/siecle-sync",  # no session
        "arn:aws:sts::123456789012:assumed-role/siecle-sync/",
        "arn:aws:sts::12345678901:assumed-role/siecle-sync/s1",  # 11 digits
        "arn:aws:sts::123456789012:federated-user/jeanne",
        "arn:aws:iam::123456789012:root",
        "arn:aws:iam::123456789012:group/ops",
        "arn:aws-iso:sts::123456789012:assumed-role/siecle-sync/s1",  # a partition this service does not know
        "arn:aws:sts::123456789012:assumed-role/siecle-sync/s1 ",
        "arn:aws:sts::123456789012:assumed-role/sièCle/s1",  # IAM names are ASCII
        "xarn:aws:sts::123456789012:assumed-role/siecle-sync/s1",
        "arn:aws:sts::123456789012:assumed-role/" + "r" * 65 + "/s1",
        "arn:aws:iam::123456789012:role/siecle-sync\n",
    ],
)
def test_anything_else_holds_no_grant(signer):
    assert caller_principal(signer) is None


def test_a_grant_names_a_role_or_a_user_never_a_session():
    assert granted_principal(f" {ROLE} ") == ROLE
    assert granted_principal("arn:aws:iam::123456789012:role/a/b/siecle-sync") == ROLE
    assert granted_principal("arn:aws:iam::123456789012:user/jeanne") == "arn:aws:iam::123456789012:user/jeanne"
    assert granted_principal("arn:aws:sts::123456789012:assumed-role/siecle-sync/s1") is None
    assert granted_principal("arn:aws:iam::123456789012:root") is None
    assert granted_principal("siecle-sync") is None


def test_a_scope_covers_its_schools_or_all():
    limited = Scope("x", schools=frozenset({"0341234A"}))
    assert limited.covers("0341234A") and not limited.covers("0751234B")
    assert Scope("x", all_schools=True).covers("0751234B")
    assert not Scope("x").covers("0341234A")


def test_the_admin_principals_parameter_takes_roles_and_users_only():
    from ent_accounts.settings import Settings, SettingsError

    env = {"TABLE_NAME": "t", "ADMIN_PRINCIPALS": f" arn:aws:iam::123456789012:role/ops/ent-ops , {ROLE},"}
    assert Settings.from_env(env).admin_principals == ("arn:aws:iam::123456789012:role/ent-ops", ROLE)
    assert Settings.from_env({"TABLE_NAME": "t"}).admin_principals == ()
    session = "arn:aws:sts::123456789012:assumed-role/ent-ops/s1"
    with pytest.raises(SettingsError, match=r"ADMIN_PRINCIPALS.*not the ARN of an IAM role or user"):
        Settings.from_env({"TABLE_NAME": "t", "ADMIN_PRINCIPALS": session})
