import pytest
from django_scopes import ScopeError, scope

from associations.models import BoardSeat, MemberParty, Membership, OfficeContact
from tests.factories import MemberPartyFactory


@pytest.mark.parametrize("model", [Membership, MemberParty, BoardSeat, OfficeContact])
def test_query_without_scope_raises(db, model):
    with pytest.raises(ScopeError):
        list(model.objects.all())
    with pytest.raises(ScopeError):
        model.objects.filter(pk=1).exists()


def test_scope_returns_only_the_active_associations_rows(association, other_association):
    with scope(association=association):
        own = MemberPartyFactory(association=association)
    with scope(association=other_association):
        MemberPartyFactory(association=other_association)
    with scope(association=association):
        assert list(MemberParty.objects.all()) == [own]
        assert list(association.parties.all()) == [own]
