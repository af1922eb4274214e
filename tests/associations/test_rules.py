import pytest

from associations.rules import can
from tests.conftest import ROLES

PERMISSIONS = {
    "associations.view_association": {"kansli", "styrelse", "projektledare", "revisor"},
    "associations.manage_association": {"kansli"},
    "associations.manage_memberships": {"kansli"},
}


@pytest.mark.parametrize("permission", sorted(PERMISSIONS))
@pytest.mark.parametrize("role", ROLES)
def test_role_permissions_in_own_association(permission, role, association, members):
    assert can(members[role], permission, association) == (role in PERMISSIONS[permission])


@pytest.mark.parametrize("permission", sorted(PERMISSIONS))
def test_no_permission_in_another_association(permission, association, outsider):
    assert not can(outsider, permission, association)


def test_inactive_user_has_no_permission(association, members):
    user = members["kansli"]
    user.is_active = False
    assert not can(user, "associations.view_association", association)


def test_superuser_without_membership_cannot_manage_a_forbund(association, admin_user):
    # Platform administrators work in Django admin, not inside a förbund's pages.
    assert not can(admin_user, "associations.manage_association", association)
