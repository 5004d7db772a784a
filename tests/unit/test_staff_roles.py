"""Each role's limits at its school, and nothing at any other school (answered as an unknown account)."""

from __future__ import annotations

import pytest

from ent_accounts.errors import NotFound
from ent_accounts.staff.members import (
    Action,
    NoSuchSchool,
    Role,
    RoleTooLow,
    StaffMember,
    StaffStatus,
    actor,
    authorize,
    normalize_email,
)

ALLOWED = {
    Role.ADMINISTRATEUR: set(Action),
    Role.GESTIONNAIRE: {Action.LIST, Action.VIEW, Action.IMPORT, Action.LETTERS, Action.RESET, Action.DELETE},
    Role.LECTEUR: {Action.LIST, Action.VIEW},
}


def member(roles, status=StaffStatus.ACTIVE):
    return StaffMember("a1b2c3", "claire.martin@ac-montpellier.fr", "Claire", "Martin", status, roles)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_the_matrix_at_the_members_school(role, action):
    someone = member({"0341234A": role})
    if action in ALLOWED[role]:
        assert authorize(someone, "0341234A", action) is role
    else:
        with pytest.raises(RoleTooLow) as refused:
            authorize(someone, "0341234A", action)
        assert refused.value.status == 403 and "Votre rôle" in refused.value.message


@pytest.mark.parametrize("action", list(Action))
def test_another_school_is_an_unknown_account_whatever_the_role(action):
    administrator = member({"0341234A": Role.ADMINISTRATEUR})
    with pytest.raises(NoSuchSchool) as refused:
        authorize(administrator, "0759999Z", action)
    # The very answer of an account the school does not have: same class, status, code and sentence.
    assert isinstance(refused.value, NotFound)
    assert (refused.value.status, refused.value.code, refused.value.message) == (
        NotFound.status,
        NotFound.code,
        NotFound.message,
    )


def test_roles_in_several_schools_are_each_their_own():
    someone = member({"0341234A": Role.ADMINISTRATEUR, "0759999Z": Role.LECTEUR})
    assert authorize(someone, "0341234A", "delete") is Role.ADMINISTRATEUR
    with pytest.raises(RoleTooLow):
        authorize(someone, "0759999Z", "delete")


@pytest.mark.parametrize("status", [StaffStatus.INVITED, StaffStatus.DISABLED])
def test_a_member_not_active_has_no_role_anywhere(status):
    with pytest.raises(NoSuchSchool):
        authorize(member({"0341234A": Role.ADMINISTRATEUR}, status), "0341234A", "list")


def test_an_unknown_action_is_a_bug_not_a_permission():
    with pytest.raises(ValueError):
        authorize(member({"0341234A": Role.ADMINISTRATEUR}), "0341234A", "everything")


def test_the_audit_trail_names_the_member_not_the_address():
    assert actor(member({})) == "staff:a1b2c3"
    assert normalize_email("  Claire.MARTIN@Ac-Montpellier.fr ") == "claire.martin@ac-montpellier.fr"
