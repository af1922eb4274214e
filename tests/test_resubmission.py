"""Nothing is made twice: every create form carries a one-time token, and the same form
sent again is answered with what its first sending made."""

import re
import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from associations.models import FormSubmission, MemberParty
from associations.resubmission import TOKEN_FIELD
from plans.models import Plan, Section
from tests.access_matrix import TENANT_URLS
from tests.factories import PlanFactory
from tests.test_access_matrix import tenant_url

CREATE_FORMS = sorted(
    name
    for name, (_factory, expected) in TENANT_URLS.items()
    if expected["kansli"] == 200 and re.search(r"_(create|invite)$", name)
)


def token_of(html: str) -> str:
    match = re.search(rf'name="{TOKEN_FIELD}" value="([0-9a-f-]+)"', html)
    assert match, f"no {TOKEN_FIELD} in the form"
    return match[1]


def test_the_create_forms_are_found():
    assert len(CREATE_FORMS) >= 15
    assert "plans:sections_create" in CREATE_FORMS


@pytest.mark.parametrize("name", CREATE_FORMS)
def test_every_create_form_carries_a_fresh_token(name, kansli_client, association):
    _factory, _expected = TENANT_URLS[name]
    url = tenant_url(name, association, _factory)
    first = token_of(kansli_client.get(url).content.decode())
    second = token_of(kansli_client.get(url).content.decode())
    assert uuid.UUID(first) and first != second


@pytest.fixture
def draft(association):
    with scope(association=association):
        return PlanFactory(association=association, year=2024, end_year=2026)


def sections_url(plan):
    return reverse(
        "plans:sections_create",
        kwargs={"association_slug": plan.association.slug, "plan_pk": plan.pk},
    )


def section_data(token, heading="Inledning"):
    return {
        "heading": heading,
        "level": 1,
        "kind": "inledning",
        "body": "Förbundets uppdrag.",
        TOKEN_FIELD: token,
    }


def sections(plan):
    with scope(association=plan.association):
        return list(Section.objects.filter(plan=plan).values_list("heading", flat=True))


def test_a_section_sent_twice_is_made_once(kansli_client, draft):
    token = token_of(kansli_client.get(sections_url(draft)).content.decode())
    first = kansli_client.post(sections_url(draft), section_data(token))
    assert first.status_code == 302
    again = kansli_client.post(sections_url(draft), section_data(token))
    assert again.status_code == 302
    assert again.url == first.url  # taken to the section the first sending made
    assert sections(draft) == ["Inledning"]
    texts = [str(m) for m in get_messages(again.wsgi_request)]
    assert "Formuläret hade redan skickats och sparats; det har inte sparats en gång till." in (
        texts
    )
    # A form shown anew has a new token: a second section with the same heading is allowed.
    token = token_of(kansli_client.get(sections_url(draft)).content.decode())
    kansli_client.post(sections_url(draft), section_data(token))
    assert sections(draft) == ["Inledning", "Inledning"]


def test_a_sending_at_the_same_moment_finds_the_token_claimed(kansli_client, draft, association):
    """The request that loses the race on the token's unique row makes nothing."""
    token = uuid.uuid4()
    with scopes_disabled():
        FormSubmission.objects.create(
            association=association, token=token, result_url="/f/forbund-a/plans/"
        )
    response = kansli_client.post(sections_url(draft), section_data(str(token)))
    assert response.status_code == 302 and response.url == "/f/forbund-a/plans/"
    assert sections(draft) == []


def test_a_refused_form_can_be_corrected_and_sent_with_its_token(kansli_client, draft):
    token = token_of(kansli_client.get(sections_url(draft)).content.decode())
    refused = kansli_client.post(sections_url(draft), section_data(token, heading=""))
    assert refused.status_code == 200
    assert token_of(refused.content.decode()) == token
    assert kansli_client.post(sections_url(draft), section_data(token)).status_code == 302
    assert sections(draft) == ["Inledning"]


def test_a_member_party_sent_twice_is_made_once(kansli_client, association):
    url = reverse("associations:party_create", kwargs={"association_slug": association.slug})
    token = token_of(kansli_client.get(url).content.decode())
    data = {"kind": "kommun", "name": "Arvika", "population": 25000, "order": 0, TOKEN_FIELD: token}
    assert kansli_client.post(url, data).status_code == 302
    assert kansli_client.post(url, data).status_code == 302
    with scope(association=association):
        assert MemberParty.objects.filter(name="Arvika").count() == 1


def test_a_plan_sent_twice_is_made_once(kansli_client, association):
    url = reverse("plans:plan_create", kwargs={"association_slug": association.slug})
    token = token_of(kansli_client.get(url).content.decode())
    data = {"title": "Verksamhetsplan 2030", "year": 2030, "end_year": 2032, TOKEN_FIELD: token}
    first = kansli_client.post(url, data)
    again = kansli_client.post(url, data)
    assert again.url == first.url
    with scope(association=association):
        assert Plan.objects.filter(year=2030).count() == 1


def test_a_form_sent_again_that_its_own_first_sending_makes_invalid_is_answered_as_resent(
    kansli_client, association
):
    """A budget line's name is unique in its group and the budget's version moves on with
    the save: the second sending of the same form must not be refused by what its first
    sending made. It is answered like any resent form, with the line made once."""
    from tests.budgets.conftest import build_budget

    budget = build_budget(association)
    url = reverse(
        "budgets:line_create",
        kwargs={"association_slug": association.slug, "plan_pk": budget.plan_id},
    )
    token = token_of(kansli_client.get(url).content.decode())
    with scope(association=association):
        group = budget.groups.get(name="Styrelse")
    data = {"group": group.pk, "name": "Revision", "version": budget.version, TOKEN_FIELD: token}
    first = kansli_client.post(url, data)
    assert first.status_code == 302
    again = kansli_client.post(url, data)
    assert again.status_code == 302, "the resent form was refused instead of found saved"
    assert again.url == first.url
    texts = [str(m) for m in get_messages(again.wsgi_request)]
    assert "Formuläret hade redan skickats och sparats; det har inte sparats en gång till." in (
        texts
    )
    with scope(association=association):
        assert group.lines.filter(name="Revision").count() == 1
