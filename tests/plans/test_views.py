"""Plan pages through the client: saving, bad input, conflicts, freezing, query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from plans.models import Goal, MeasurementPoint, Plan, PlanIntervention, Section, StaffingLine
from tests.factories import (
    GoalAreaFactory,
    GoalFactory,
    MeasurementPointFactory,
    MemberPartyFactory,
    MembershipFactory,
    PlanFactory,
    PlanInterventionFactory,
    SectionFactory,
    StaffingLineFactory,
)


@pytest.fixture
def draft(association):
    with scope(association=association):
        return PlanFactory(association=association, year=2023, end_year=2023, title="VP 2023")


def url(plan, name, **kwargs):
    return reverse(
        f"plans:{name}",
        kwargs={"association_slug": plan.association.slug, "plan_pk": plan.pk, **kwargs},
    )


def test_kansli_creates_a_plan(kansli_client, association):
    response = kansli_client.post(
        reverse("plans:plan_create", kwargs={"association_slug": association.slug}),
        {"title": "Budget 2022 och verksamhetsplan 2022-2024", "year": 2022, "end_year": 2024},
    )
    assert response.status_code == 302
    with scope(association=association):
        plan = Plan.objects.get()
    assert (plan.year, plan.end_year, plan.status) == (2022, 2024, "draft")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "year": 2022, "end_year": 2022}, "title"),
        ({"title": "VP", "year": 2022, "end_year": 2021}, "__all__"),
        ({"title": "VP", "year": "tjugo", "end_year": 2022}, "year"),
    ],
)
def test_bad_plan_input(kansli_client, association, data, field):
    response = kansli_client.post(
        reverse("plans:plan_create", kwargs={"association_slug": association.slug}), data
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    with scopes_disabled():
        assert not Plan.objects.exists()


def test_section_edit_conflict_keeps_the_users_text_and_shows_the_saved_one(kansli_client, draft):
    with scope(association=draft.association):
        section = SectionFactory(association=draft.association, plan=draft, body="Original")
    edit = url(draft, "sections_update", pk=section.pk)
    form = {"heading": section.heading, "level": 1, "kind": "other", "version": 1}
    assert kansli_client.post(edit, {**form, "body": "Första"}).status_code == 302
    response = kansli_client.post(edit, {**form, "body": "Andra"})
    assert response.status_code == 200
    assert response.context["conflict_current"].body == "Första"
    assert "Någon annan" in str(response.context["form"].non_field_errors())
    html = response.content.decode()
    assert "Andra</textarea>" in html and "Första" in html
    assert response.context["form"]["version"].value() == 2
    with scope(association=draft.association):
        assert Section.objects.get(pk=section.pk).body == "Första"


def test_measurement_point_form_validates(kansli_client, draft):
    with scope(association=draft.association):
        goal = GoalFactory(association=draft.association, plan=draft)
    create = url(draft, "points_create")
    base = {"parent": f"goal-{goal.pk}", "text": "90 % upplever stöd", "gender_split": "on"}
    response = kansli_client.post(create, {**base, "kind": "share_target", "target_percent": "150"})
    assert "mellan 0 och 100" in str(response.context["form"].errors["target_percent"])
    response = kansli_client.post(create, {**base, "kind": "milestone", "deadline": "2030-03-31"})
    assert "inom planens år (2023)" in str(response.context["form"].errors["deadline"])
    response = kansli_client.post(create, {"text": "x", "kind": "qualitative"})
    assert response.context["form"].errors["parent"] == ["Detta fält måste fyllas i."]
    response = kansli_client.post(
        create, {**base, "kind": "count_floor", "target_count": "3", "measure": "activities"}
    )
    assert "deltagare" in str(response.context["form"].errors["measure"])
    with scope(association=draft.association):
        assert not MeasurementPoint.objects.exists()
    response = kansli_client.post(
        create,
        {
            **base,
            "kind": "share_target",
            "target_percent": "90",
            "survey_threshold": "5",
            "indicators": "1, 3, 5",
        },
    )
    assert response.status_code == 302


def test_goal_form_offers_only_this_plans_goal_areas(kansli_client, draft, other_association):
    with scopes_disabled():
        own = GoalAreaFactory(association=draft.association, plan=draft)
        other_plan_area = GoalAreaFactory(association=draft.association)
        foreign = GoalAreaFactory(association=other_association)
    response = kansli_client.get(url(draft, "goals_create"))
    assert response.context["form"].fields["parent"].choices == [
        ("", "---------"),
        ("Målområden", [(f"goal_area-{own.pk}", own.name)]),
    ]
    for area in (other_plan_area, foreign):
        response = kansli_client.post(
            url(draft, "goals_create"),
            {"parent": f"goal_area-{area.pk}", "level": "kortsiktigt", "text": "x"},
        )
        assert "parent" in response.context["form"].errors
    with scopes_disabled():
        assert not Goal.objects.exists()


def test_a_measurement_point_belongs_to_one_goal_or_one_intervention(kansli_client, draft):
    """One choice, *Hör till*, with the plan's goals and its interventions in two groups:
    both cannot be chosen, and changing it moves the point from one to the other."""
    with scope(association=draft.association):
        goal = GoalFactory(association=draft.association, plan=draft)
        entry = PlanInterventionFactory(association=draft.association, plan=draft)
    page = kansli_client.get(url(draft, "points_create") + f"?plan_intervention={entry.pk}")
    html = page.content.decode()
    assert re.search(r'<label\s+for="id_parent"[^>]*>\s*Hör till', html)
    assert '<optgroup label="Mål">' in html and '<optgroup label="Insatser">' in html
    assert f'<option value="plan_intervention-{entry.pk}" selected>' in html
    data = {"parent": f"goal-{goal.pk}", "text": "Minst 40 deltagare", "kind": "qualitative"}
    assert kansli_client.post(url(draft, "points_create"), data).status_code == 302
    with scope(association=draft.association):
        point = MeasurementPoint.objects.get(text="Minst 40 deltagare")
        assert (point.goal_id, point.plan_intervention_id) == (goal.pk, None)
    edit = url(draft, "points_update", pk=point.pk)
    assert f'<option value="goal-{goal.pk}" selected>' in kansli_client.get(edit).content.decode()
    data |= {"parent": f"plan_intervention-{entry.pk}", "version": point.version}
    assert kansli_client.post(edit, data).status_code == 302
    with scope(association=draft.association):
        point.refresh_from_db()
        assert (point.goal_id, point.plan_intervention_id) == (None, entry.pk)
    # A value that is no choice of this plan (typed by hand) is refused at the field.
    response = kansli_client.post(edit, data | {"parent": "goal-0"})
    assert "parent" in response.context["form"].errors


def test_intervention_with_staffing_and_bad_inputs(kansli_client, draft, association, members):
    with scope(association=association):
        kommun = MemberPartyFactory(association=association)
    data = {
        "name": "Stegen Karlstad",
        "kind": "individ",
        "status": "running",
        "start_year": "2019",
        "places": "-3",
        "project_leaders": [members["revisor"].pk],
        "municipalities": [kommun.pk],
    }
    response = kansli_client.post(url(draft, "interventions_create"), data)
    errors = response.context["form"].errors
    assert "places" in errors and "project_leaders" in errors
    data.update(places="145", project_leaders=[members["projektledare"].pk])
    assert kansli_client.post(url(draft, "interventions_create"), data).status_code == 302
    with scope(association=association):
        entry = PlanIntervention.objects.get()
    response = kansli_client.post(
        url(draft, "staffing_create"),
        {"plan_intervention": entry.pk, "role": "Case manager", "percent": "150"},
    )
    assert "percent" in response.context["form"].errors
    response = kansli_client.post(
        url(draft, "staffing_create"),
        {
            "plan_intervention": entry.pk,
            "role": "Case manager",
            "percent": "50",
            "party": kommun.pk,
        },
    )
    assert response.status_code == 302
    with scope(association=association):
        assert StaffingLine.objects.get().percent == 50


def test_approved_plan_is_read_only_through_every_page(kansli_client, association):
    with scope(association=association):
        plan = PlanFactory(association=association)
        section = SectionFactory(association=association, plan=plan, body="Fastställd")
        plan.status = Plan.Status.APPROVED
        plan.save()
    for name, kwargs in [
        ("plan_update", {}),
        ("sections_create", {}),
        ("sections_update", {"pk": section.pk}),
        ("sections_delete", {"pk": section.pk}),
    ]:
        response = kansli_client.post(url(plan, name, **kwargs), {"body": "x", "heading": "x"})
        assert response.status_code == 302
        assert response["Location"] == url(plan, "plan_detail")
    response = kansli_client.post(url(plan, "sections_move", pk=section.pk), {"direction": "up"})
    assert response.status_code == 302
    with scope(association=association):
        assert Section.objects.get(pk=section.pk).body == "Fastställd"
        assert Section.objects.count() == 1


def grow(plan, n):
    association = plan.association
    with scopes_disabled():
        area = GoalAreaFactory(association=association, plan=plan)
        for _ in range(n):
            SectionFactory(association=association, plan=plan)
            entry = PlanInterventionFactory(association=association, plan=plan)
            StaffingLineFactory(association=association, plan_intervention=entry)
            goal = GoalFactory(association=association, plan=plan, goal_area=area)
            MeasurementPointFactory(association=association, plan=plan, goal=goal)
            entry_goal = GoalFactory(
                association=association, plan=plan, goal_area=None, plan_intervention=entry
            )
            MeasurementPointFactory(association=association, plan=plan, goal=entry_goal)
            MembershipFactory(association=association, role="projektledare")


@pytest.mark.parametrize("role", ["kansli", "revisor"])
def test_plan_page_queries_stay_flat_from_5_to_50_interventions(client, members, draft, role):
    client.force_login(members[role])
    counts = []
    for n in (5, 45):
        grow(draft, n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(draft, "plan_detail")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_projektledare_reads_but_cannot_edit(client, members, draft):
    client.force_login(members["projektledare"])
    html = client.get(url(draft, "plan_detail")).content.decode()
    assert "VP 2023" in html
    assert url(draft, "sections_create") not in html
    assert client.post(url(draft, "sections_create"), {"heading": "x"}).status_code == 403


def test_textarea_line_breaks_are_stored_as_newlines(kansli_client, draft):
    response = kansli_client.post(
        url(draft, "sections_create"),
        {"heading": "Målgrupp", "level": 1, "kind": "malgrupp", "body": "Ett\r\n\r\n- två\r\n"},
    )
    assert response.status_code == 302
    with scope(association=draft.association):
        assert Section.objects.get().body == "Ett\n\n- två"


def test_large_ids_are_written_without_thousands_separators(kansli_client, draft):
    with scope(association=draft.association):
        section = SectionFactory(association=draft.association, plan=draft, pk=1234567)
        goal = GoalFactory(association=draft.association, plan=draft, pk=7654321)
    html = kansli_client.get(url(draft, "plan_detail")).content.decode()
    assert f'id="section-{section.pk}"' in html
    assert f"?goal={goal.pk}" in html


def test_a_plan_for_a_year_that_has_one_links_to_it(client, members, association):
    with scope(association=association):
        existing = PlanFactory(association=association, year=2023, end_year=2023, title="VP 2023")
    client.force_login(members["kansli"])
    url = reverse("plans:plan_create", kwargs={"association_slug": association.slug})
    response = client.post(url, {"year": "2023", "end_year": "2023", "title": "Ny plan"})
    assert response.status_code == 200
    link = reverse(
        "plans:plan_detail", kwargs={"association_slug": association.slug, "plan_pk": existing.pk}
    )
    assert f'href="{link}"' in response.content.decode()
    with scope(association=association):
        assert Plan.objects.filter(association=association).count() == 1
