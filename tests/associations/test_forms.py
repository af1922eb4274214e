"""Bad input gets a Swedish message next to the field and writes nothing."""

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from associations.models import Association, BoardSeat, MemberParty
from tests.factories import BoardSeatFactory, MemberPartyFactory


def url(association, name, **kwargs):
    return reverse(f"associations:{name}", kwargs={"association_slug": association.slug, **kwargs})


# The settings the form always sends (the förbund's defaults).
DEADLINES = {
    "audit_retention_months": "24",
    "quarter_deadline_days": "15",
    "reminder_days_before": "5",
    "next_plan_month": "9",
    "next_plan_day": "1",
}


def party_data(**overrides):
    data = {"kind": "kommun", "name": "Storfors kommun", "population": "4000", "order": "1"}
    data.update(overrides)
    return data


def test_kansli_adds_a_member_party(kansli_client, association):
    response = kansli_client.post(url(association, "party_create"), party_data())
    assert response.status_code == 302
    with scope(association=association):
        party = MemberParty.objects.get()
    assert (party.name, party.population) == ("Storfors kommun", 4000)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (party_data(population="-5"), "population", "större än eller lika med 0"),
        (party_data(population="0"), "population", "större än eller lika med 1"),
        (party_data(population="99999999999"), "population", "mindre än eller lika med 5000000"),
        (party_data(name=""), "name", "Detta fält måste fyllas i"),
        (party_data(kind="region", population="100"), "population", "bara för kommuner"),
    ],
)
def test_bad_party_input_is_refused_in_swedish(kansli_client, association, data, field, message):
    response = kansli_client.post(url(association, "party_create"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    with scopes_disabled():
        assert not MemberParty.objects.exists()


def test_duplicate_party_name_is_refused(kansli_client, association):
    with scope(association=association):
        MemberPartyFactory(association=association, name="Storfors kommun")
    response = kansli_client.post(url(association, "party_create"), party_data())
    assert response.status_code == 200
    assert "redan en medlemspart med det här namnet" in str(response.context["form"].errors)
    with scopes_disabled():
        assert MemberParty.objects.count() == 1


def test_board_form_offers_only_own_parties(kansli_client, association, other_association):
    with scopes_disabled():
        own = MemberPartyFactory(association=association)
        foreign = MemberPartyFactory(association=other_association)
    response = kansli_client.get(url(association, "board_create"))
    choices = list(response.context["form"].fields["party"].queryset)
    assert choices == [own]
    response = kansli_client.post(
        url(association, "board_create"),
        {"name": "X", "party": foreign.pk, "seat": "ordinarie", "office": "ledamot"},
    )
    assert response.status_code == 200
    assert "party" in response.context["form"].errors
    with scopes_disabled():
        assert not BoardSeat.objects.exists()


def test_second_chair_is_refused(kansli_client, association):
    with scopes_disabled():
        seat = BoardSeatFactory(association=association, office="ordforande")
    response = kansli_client.post(
        url(association, "board_create"),
        {"name": "Ny", "party": seat.party_id, "seat": "ordinarie", "office": "ordforande"},
    )
    assert response.status_code == 200
    assert "redan någon med den här funktionen" in str(response.context["form"].errors)


def test_a_second_region_is_refused(kansli_client, association):
    with scopes_disabled():
        MemberPartyFactory(association=association, kind="region", name="Region Värmland")
    response = kansli_client.post(
        url(association, "party_create"),
        party_data(kind="region", name="Region Örebro län", population=""),
    )
    assert response.status_code == 200
    assert "har redan Region som medlem" in " ".join(response.context["form"].errors["kind"])


def test_one_account_is_tied_to_one_seat(kansli_client, association, members):
    with scopes_disabled():
        seat = BoardSeatFactory(association=association, user=members["styrelse"])
    response = kansli_client.post(
        url(association, "board_create"),
        {
            "name": "Ny",
            "party": seat.party_id,
            "seat": "ersattare",
            "office": "ledamot",
            "user": members["styrelse"].pk,
        },
    )
    assert response.status_code == 200
    assert "redan kopplat till en annan plats" in str(response.context["form"].errors)


def test_deputy_cannot_be_chair(kansli_client, association):
    with scopes_disabled():
        party = MemberPartyFactory(association=association)
    response = kansli_client.post(
        url(association, "board_create"),
        {"name": "Ny", "party": party.pk, "seat": "ersattare", "office": "ordforande"},
    )
    assert "office" in response.context["form"].errors


@pytest.mark.parametrize("org_number", ["2220002352", "222000-235", "abcdef-ghij"])
def test_org_number_must_have_the_swedish_form(kansli_client, association, org_number):
    response = kansli_client.post(
        url(association, "details_update"),
        {"name": association.name, "org_number": org_number, **DEADLINES},
    )
    assert response.status_code == 200
    assert "NNNNNN-NNNN" in str(response.context["form"].errors["org_number"])
    association.refresh_from_db()
    assert association.org_number == ""


def test_details_are_saved(kansli_client, association):
    response = kansli_client.post(
        url(association, "details_update"),
        {"name": "Samordningsförbundet Östra Värmland", "org_number": "222000-2352", **DEADLINES},
    )
    assert response.status_code == 302
    association.refresh_from_db()
    assert association.org_number == "222000-2352"


def test_the_kansli_sets_the_deadlines_of_the_to_do_list(kansli_client, association):
    settings = {
        "audit_retention_months": "24",
        "quarter_deadline_days": "20",
        "reminder_days_before": "3",
        "next_plan_month": "10",
        "next_plan_day": "15",
    }
    response = kansli_client.post(
        url(association, "details_update"), {"name": association.name, **settings}
    )
    assert response.status_code == 302
    association.refresh_from_db()
    assert association.quarter_deadline_days == 20
    assert association.reminder_days_before == 3
    assert association.next_plan_start(2026).isoformat() == "2026-10-15"


@pytest.mark.parametrize(
    "field, value",
    [
        ("quarter_deadline_days", "0"),
        ("quarter_deadline_days", "91"),
        ("reminder_days_before", "31"),
        ("next_plan_month", "13"),
        ("next_plan_day", "32"),
    ],
)
def test_deadline_settings_out_of_range_are_refused(kansli_client, association, field, value):
    response = kansli_client.post(
        url(association, "details_update"),
        {"name": association.name, **DEADLINES, field: value},
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    association.refresh_from_db()
    assert association.quarter_deadline_days == 15
    assert association.next_plan_start(2026).isoformat() == "2026-09-01"


@pytest.mark.parametrize("month, day", [("2", "29"), ("4", "31")])
def test_a_next_plan_day_missing_some_years_is_refused(kansli_client, association, month, day):
    response = kansli_client.post(
        url(association, "details_update"),
        {"name": association.name, **DEADLINES, "next_plan_month": month, "next_plan_day": day},
    )
    assert response.status_code == 200
    assert "next_plan_day" in response.context["form"].errors
    assert "Välj en dag som finns" in response.content.decode()
    association.refresh_from_db()
    assert association.next_plan_start(2026).isoformat() == "2026-09-01"


def test_invite_form_refuses_an_email_already_in_the_forbund(kansli_client, association, members):
    response = kansli_client.post(
        url(association, "membership_invite"),
        {
            "email": members["styrelse"].email,
            "first_name": "A",
            "last_name": "B",
            "role": "revisor",
        },
    )
    assert response.status_code == 200
    assert "redan" in str(response.context["form"].errors["email"])


def test_slug_is_unique_with_a_swedish_message(association):
    duplicate = Association(name="Kopia", slug=association.slug)
    with pytest.raises(Exception) as error:
        duplicate.full_clean()
    assert "använder redan den här adressen" in str(error.value)


def test_removing_a_party_with_board_members_is_refused(kansli_client, association):
    with scopes_disabled():
        seat = BoardSeatFactory(association=association)
    response = kansli_client.post(url(association, "party_delete", pk=seat.party_id), follow=True)
    assert "styrelseledamöter" in response.content.decode()
    with scopes_disabled():
        assert MemberParty.objects.filter(pk=seat.party_id).exists()
