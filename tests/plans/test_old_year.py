"""After "Starta planen för 2023", the texts that still name 2022 are listed for the
kansli on the new draft."""

import pytest
from django.urls import reverse
from django_scopes import scope

from plans.selectors import old_year_mentions, plan_document
from plans.services import plan_copy_to_next_year
from tests.factories import GoalAreaFactory, GoalFactory, PlanInterventionFactory, SectionFactory


@pytest.fixture
def copied(plan, members):
    association = plan.association
    SectionFactory(association=association, plan=plan, heading="Mål 2022", body="Under 2022 …")
    SectionFactory(association=association, plan=plan, heading="Syfte", body="Dnr 20221, 12022")
    area = GoalAreaFactory(association=association, plan=plan)
    GoalFactory(association=association, plan=plan, goal_area=area, text="Fler i arbete")
    PlanInterventionFactory(association=association, plan=plan, purpose="Stöd 2022–2024")
    return plan_copy_to_next_year(plan=plan, acting_user=members["kansli"])


def test_the_parts_that_name_the_old_year_and_which_of_their_fields(copied):
    mentions = old_year_mentions(plan=copied)
    assert [(m.url_name, m.label) for m in mentions] == [
        ("plans:sections_update", "Mål 2022"),
        ("plans:interventions_update", copied.plan_interventions.get().name),
    ]
    assert len(mentions[0].fields) == 2  # heading and text
    assert len(mentions[1].fields) == 1  # purpose
    # Found the same in the parts the plan page has read (no query per kind).
    with scope(association=copied.association):
        document = plan_document(plan=copied)
    assert old_year_mentions(plan=copied, document=document) == mentions


def test_a_plan_not_copied_names_nothing(plan):
    SectionFactory(association=plan.association, plan=plan, heading="Mål 2021")
    assert old_year_mentions(plan=plan) == []


def test_the_kansli_sees_the_list_and_the_board_does_not(client, copied, members):
    url = reverse(
        "plans:plan_detail",
        kwargs={"association_slug": copied.association.slug, "plan_pk": copied.pk},
    )
    with scope(association=copied.association):
        section = copied.sections.get(heading="Mål 2022")
    edit = reverse(
        "plans:sections_update",
        kwargs={
            "association_slug": copied.association.slug,
            "plan_pk": copied.pk,
            "pk": section.pk,
        },
    )
    client.force_login(members["kansli"])
    page = client.get(url).content.decode()
    assert 'id="old-year-heading"' in page and f'href="{edit}"' in page
    client.force_login(members["styrelse"])
    assert 'id="old-year-heading"' not in client.get(url).content.decode()
