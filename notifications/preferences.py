"""Which kinds of notification concern a person, and saving their choices."""

from django.db import transaction
from django_scopes import scopes_disabled

from associations.models import Membership, Role

from .models import Delivery, Kind, NotificationPreference

# The kinds each role is sent; the board's decision goes to everyone.
KINDS_BY_ROLE = {
    Role.KANSLI: [Kind.QUARTER_SUBMITTED],
    Role.BOARD_MEMBER: [Kind.REVIEW, Kind.ANSWER],
    Role.PROJECT_LEADER: [Kind.QUARTER_REMINDER, Kind.QUARTER_RETURNED, Kind.QUARTER_APPROVED],
    Role.AUDITOR: [],
}


def kinds_for(*, user) -> list[str]:
    """The kinds that concern ``user`` in any of the förbund they belong to, in
    ``Kind``'s order. Read across förbund: the person's own memberships only."""
    with scopes_disabled():
        roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    wanted = {Kind.DECISION} | {kind for role in roles for kind in KINDS_BY_ROLE.get(role, [])}
    return [kind.value for kind in Kind if kind in wanted]


def current(*, user) -> dict[str, str]:
    return dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))


@transaction.atomic
def preferences_save(*, user, choices: dict[str, str]) -> None:
    """Keep the person's choice per kind (``Delivery``); a kind not given is unchanged."""
    for kind, delivery in choices.items():
        Kind(kind), Delivery(delivery)  # a ValueError on anything else
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"delivery": delivery}
        )
