from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from associations.demo import DEMO_SLUGS
from associations.models import Association, BoardSeat, MemberParty, Membership, User


def snapshot():
    with scopes_disabled():
        return (
            list(Association.objects.values_list("slug", "name", "org_number")),
            list(MemberParty.objects.values_list("association__slug", "name", "population")),
            list(BoardSeat.objects.values_list("name", "party__name", "office")),
            list(Membership.objects.values_list("user__username", "association__slug", "role")),
            list(User.objects.values_list("username", "password")),
        )


def test_load_demo_creates_the_five_seed_forbund_and_is_idempotent(db):
    # The command itself, from an empty database (the other demo tests start from the
    # session's snapshot of it, ``demo_data``).
    call_command("load_demo", verbosity=0)
    first = snapshot()
    call_command("load_demo", verbosity=0)
    assert snapshot() == first
    assert sorted(slug for slug, *_ in first[0]) == sorted(DEMO_SLUGS)


def test_demo_users_and_roles(demo_data):
    for slug in DEMO_SLUGS:
        for role in ["kansli", "styrelse", "projektledare", "revisor"]:
            user = User.objects.get(username=f"{slug}-{role}")
            assert user.check_password("demo")
            with scope(association=Association.objects.get(slug=slug)):
                assert Membership.objects.get(user=user).role == role
    with scopes_disabled():
        multi = Membership.objects.filter(user__username="flera-forbund")
        assert sorted(m.association.slug for m in multi) == ["ostra-varmland", "samspelet"]
    assert User.objects.get(username="admin").is_superuser


def test_seed_facts_are_loaded(demo_data):
    ostra = Association.objects.get(slug="ostra-varmland")
    assert ostra.org_number == "222000-2352"
    with scope(association=ostra):
        chair = BoardSeat.objects.get(office="ordforande")
        assert (chair.name, chair.party.name) == ("Pernilla Matsson", "Försäkringskassan")
    sollentuna = Association.objects.get(slug="sollentuna-upplands-vasby-sigtuna")
    with scope(association=sollentuna):
        populations = dict(
            MemberParty.objects.filter(kind="kommun").values_list("name", "population")
        )
    # The seed's contribution split (762 300 / 467 775 / 502 425) is 44/27/29 %.
    total = sum(populations.values())
    assert [round(100 * p / total) for p in populations.values()] == [44, 27, 29]
