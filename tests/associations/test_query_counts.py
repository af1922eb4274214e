"""Pages keep a flat number of queries as the förbund grows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from tests.factories import BoardSeatFactory, MembershipFactory, OfficeContactFactory


def grow(association, n):
    with scopes_disabled():
        for _ in range(n):
            seat = BoardSeatFactory(association=association)
            BoardSeatFactory(association=association, party=seat.party, seat="ersattare")
            OfficeContactFactory(association=association)
            MembershipFactory(association=association, role="styrelse")


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "name",
    [
        "associations:home",
        "associations:party_list",
        "associations:board_list",
        "associations:contact_list",
        "associations:membership_list",
        "associations:board_create",
    ],
)
def test_page_queries_do_not_grow_with_the_data(name, kansli_client, association):
    url = reverse(name, kwargs={"association_slug": association.slug})
    grow(association, 3)
    small = count_queries(kansli_client, url)
    grow(association, 30)
    large = count_queries(kansli_client, url)
    assert large == small, f"{name}: {small} queries with 3 parties, {large} with 33"
