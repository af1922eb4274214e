import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_scopes import scope

from associations import services
from associations.models import Membership, Role, User
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def scoped(association):
    with scope(association=association):
        yield association


def invite(association, acting_user, **overrides):
    data = {
        "email": "ny.person@example.se",
        "first_name": "Ny",
        "last_name": "Person",
        "role": Role.BOARD_MEMBER,
    }
    data.update(overrides)
    return services.membership_invite(
        association=association, acting_user=acting_user, base_url="http://testserver", **data
    ).membership


def test_invite_new_person_creates_account_without_password_and_mails_a_link(
    scoped, members, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = invite(scoped, members["kansli"])
    assert membership.role == Role.BOARD_MEMBER
    assert not membership.user.has_usable_password()
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body
    assert mail.outbox[0].to == ["ny.person@example.se"]


def test_invite_existing_account_of_another_forbund_adds_membership(
    scoped, members, other_association, django_capture_on_commit_callbacks
):
    existing = UserFactory(email="Känd@Example.se")
    with scope(association=other_association):
        MembershipFactory(association=other_association, user=existing)
    with django_capture_on_commit_callbacks(execute=True):
        membership = invite(scoped, members["kansli"], email="känd@example.se")
    assert membership.user == existing
    assert User.objects.filter(email__iexact="känd@example.se").count() == 1
    assert "/accounts/login/" in mail.outbox[0].body


def test_invite_refuses_a_person_already_in_the_forbund(scoped, members):
    with pytest.raises(ValidationError) as error:
        invite(scoped, members["kansli"], email=members["revisor"].email.upper())
    assert "email" in error.value.error_dict
    assert Membership.objects.filter(association=scoped).count() == 4


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
