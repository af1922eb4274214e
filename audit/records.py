"""Writing an event to the Händelselogg: the one function that creates ``AuditEvent`` rows.

The summary is written in the installation's language (Swedish) whatever language the
acting person uses: it is stored text, read later by the kansli.
"""

from django.conf import settings
from django.utils import translation
from django_scopes import scopes_disabled

from associations.selectors import roles_by_association
from finsam.middleware import current_client_address

from .models import AuditEvent


def event_record(
    *,
    association_ids,
    kind: str,
    actor=None,
    actor_label: str = "",
    summary,
    target: str = "",
    address: str | None = None,
) -> list[AuditEvent]:
    """One event per förbund in ``association_ids`` (``[None]``: an event of no förbund).

    ``summary`` is a function returning the text, called with the installation's language
    active. ``address`` defaults to the client address of the request being served.
    """
    if address is None:
        address = current_client_address.get()
    if actor is not None and not actor_label:
        actor_label = actor.get_username()
    with translation.override(settings.LANGUAGE_CODE):
        text = str(summary())
    return [
        AuditEvent.objects.create(
            association_id=association_id,
            kind=kind,
            actor=actor,
            actor_label=actor_label[:150],
            address=(address or "")[:64],
            summary=text[:300],
            target=target[:500],
        )
        for association_id in association_ids
    ]


def associations_of(user) -> list[int | None]:
    """The förbund whose Händelselogg shows an event of ``user`` about themself (a login):
    each förbund they are a member of, or no förbund (``[None]``) if none or unknown."""
    if user is None:
        return [None]
    with scopes_disabled():  # a login is no förbund's request: across all of the user's
        ids = sorted(roles_by_association(user=user))
    return ids or [None]
