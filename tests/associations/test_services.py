import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from associations import services
from associations.models import Membership, Role, User
from tests.factories import MembershipFactory


@pytest.fixture
def scoped(association):
    with scope(association=association):
        yield association


def test_the_last_kansli_user_cannot_be_removed_or_demoted(
    scoped, members, user_without_association
):
    only_kansli = Membership.objects.get(user=members["kansli"])
    with pytest.raises(ValidationError):
        services.membership_change_role(
            membership=only_kansli, acting_user=members["kansli"], role=Role.AUDITOR
        )
    with pytest.raises(ValidationError):
        services.membership_remove(membership=only_kansli, acting_user=user_without_association)
    only_kansli.refresh_from_db()
    assert only_kansli.role == Role.KANSLI


def test_nobody_removes_themselves(scoped, members):
    second = MembershipFactory(association=scoped, role=Role.KANSLI)
    with pytest.raises(ValidationError):
        services.membership_remove(membership=second, acting_user=second.user)
    services.membership_remove(membership=second, acting_user=members["kansli"])
    assert not Membership.objects.filter(pk=second.pk).exists()
    assert User.objects.filter(pk=second.user_id).exists()  # the account stays
