"""Reads about förbund and memberships.

Reading a user's memberships across förbund is the one place in the request
cycle that must look past the tenant scope: it is how we learn which förbund
a user may enter. It is done here, visibly, and nowhere else.
"""

from django.db.models import Q
from django_scopes import scopes_disabled

from .models import Association, BoardSeat, MemberParty, Membership, OfficeContact


def memberships_across_associations(*, user) -> list[Membership]:
    """Every membership of ``user``, in every förbund (scope deliberately disabled).

    Cached on the user object, which lives for one request.
    """
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_finsam_memberships", None)
    if cached is None:
        with scopes_disabled():
            cached = list(
                Membership.objects.filter(user=user)
                .select_related("association")
                .order_by("association__name")
            )
        user._finsam_memberships = cached
    return cached


def forget_cached_memberships(*, user) -> None:
    """Drop the per-request cache after the user's memberships changed."""
    user.__dict__.pop("_finsam_memberships", None)


def roles_by_association(*, user) -> dict[int, str]:
    """``{association_id: role}`` for ``user``."""
    return {m.association_id: m.role for m in memberships_across_associations(user=user)}


def association_overview(*, association: Association) -> dict:
    """What the förbund's home page shows: parties, board and kansli contacts."""
    parties = list(MemberParty.objects.filter(association=association))
    seats = list(BoardSeat.objects.filter(association=association).select_related("party"))
    seats_by_party = {party.pk: [] for party in parties}
    for seat in seats:
        seats_by_party.setdefault(seat.party_id, []).append(seat)
    return {
        "parties": parties,
        "kommuner": [p for p in parties if p.kind == "kommun"],
        "board_by_party": [(party, seats_by_party.get(party.pk, [])) for party in parties],
        "chair": next((s for s in seats if s.office == BoardSeat.Office.CHAIR), None),
        "vice_chair": next((s for s in seats if s.office == BoardSeat.Office.VICE_CHAIR), None),
        "board_count": len(seats),
        "contacts": list(OfficeContact.objects.filter(association=association)),
    }


def parties_for_year(*, association, year: int, keep=()):
    """The member parties a plan for ``year`` may name: those still members that
    year, and those in ``keep`` (already named by the record being edited)."""
    kept = [party.pk if hasattr(party, "pk") else party for party in keep if party]
    return MemberParty.objects.filter(association=association).filter(
        Q(member_until__isnull=True) | Q(member_until__gte=year) | Q(pk__in=kept)
    )
