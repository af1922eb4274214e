"""The demo follow-up: loaded once, plausible against the seeds."""

import datetime
from collections import Counter

import pytest
from django.db.models import Q
from django.utils import translation
from django_scopes import scope, scopes_disabled

from associations.demo import DEMO_SLUGS, load_demo_associations
from associations.models import Association
from budgets.demo import load_demo_budget
from followup.dashboard import dashboard
from followup.demo import load_demo_followup
from followup.models import QuarterReport, QuarterValue
from followup.suppression import LOW
from plans.demo import load_demo_plan
from plans.models import MeasurementPoint

SLUGS = ["samspelet", "norra-vastmanland", "insjoriket"]


def load(slugs=SLUGS):
    """What ``load_demo`` does, for the förbund these tests read (the whole command is
    slow, and ``test_demo_follow_up_loads_once`` runs it)."""
    associations = load_demo_associations()
    for slug in slugs:
        plan = load_demo_plan(associations[slug], before_approval=load_demo_budget)
        load_demo_budget(plan)
        load_demo_followup(associations[slug], plan)


@pytest.fixture
def demo(demo_plans):
    """Every förbund's demo plan, budget and follow-up (``load`` for all five)."""


def board_dashboard(slug, year):
    association = Association.objects.get(slug=slug)
    with scope(association=association):
        return dashboard(
            association=association, year=year, suppress=True, today=datetime.date(2026, 1, 1)
        )


def test_demo_follow_up_loads_once(demo_data):
    """``demo_data``: what ``load_demo`` loaded into an empty database."""
    with scopes_disabled():
        before = (QuarterReport.objects.count(), QuarterValue.objects.count())
        years = set(QuarterReport.objects.values_list("association__slug", "year"))
    load(DEMO_SLUGS)
    with scopes_disabled():
        assert (QuarterReport.objects.count(), QuarterValue.objects.count()) == before
    assert ("insjoriket", 2023) in years and ("samspelet", 2022) in years
    assert {slug for slug, _ in years} == set(DEMO_SLUGS)


def test_samspelet_reaches_200_in_the_stegen(demo):
    data = board_dashboard("samspelet", 2022)
    row = next(r for r in data["points"] if r.point.text.startswith("Minst 200 kvinnor"))
    assert row.result.automatic and row.result.figure >= 200
    assert row.result.status == "reached"


def test_norra_vastmanland_teams_reach_about_120(demo):
    data = board_dashboard("norra-vastmanland", 2022)
    teams = [b for b in data["blocks"] if b.intervention.name.startswith("Samordningsteam")]
    total = sum(b.year.grand_total.value for b in teams)
    assert len(teams) == 4 and 100 <= total <= 140


def test_demo_has_missing_quarters_and_small_cells(demo):
    data = board_dashboard("samspelet", 2022)
    assert any(b.missing for b in data["blocks"])
    hidden = [cell.hidden for b in data["blocks"] for row in b.quarters.cells for cell in row]
    assert LOW in hidden


def test_samspelet_larvux_points_count_what_they_are_about(demo):
    data = board_dashboard("samspelet", 2022)

    def row(start):
        return next(r for r in data["points"] if r.point.text.startswith(start))

    ended = row("Minst 5 elever har avslutat sin lärlingsutbildning")
    into_work = row("Minst 3 av eleverna har gått vidare till någon form av anställning")
    # 17 took part; 5 ended and none of them into work.
    assert (ended.result.figure, ended.result.measure) == (5, "ended")
    assert ended.result.status == "reached"
    assert (into_work.result.figure, into_work.result.measure) == (0, "ended_work")
    assert into_work.result.status == "not_reached"
    with translation.override("sv"):
        assert into_work.measure_label == "avslutade till arbete"


def test_the_summary_follows_the_plan_and_adds_up(demo):
    data = board_dashboard("samspelet", 2022)
    association = Association.objects.get(slug="samspelet")
    with scope(association=association):
        plan = data["plan"]
        areas = [
            a.name
            for a in plan.goal_areas.order_by("order", "pk")
            if MeasurementPoint.objects.filter(goal__goal_area=a).exists()
        ]
        entries = [
            e.intervention.name
            for e in plan.plan_interventions.order_by("order", "pk").select_related("intervention")
            if MeasurementPoint.objects.filter(
                Q(plan_intervention=e) | Q(goal__plan_intervention=e)
            ).exists()
        ]
    summary = data["summary"]
    assert [row.name for row in summary.rows] == areas + entries
    assert areas != sorted(areas)  # the plan's order, not the alphabet's
    assert sum(row.total for row in summary.rows) == len(data["points"])
    for row in summary.rows:
        assert sum(row.cells) == row.total
    statuses = [status for status, _label in summary.columns]
    assert statuses[:5] == ["reached", "on_track", "behind", "not_reached", "no_data"]
    by_status = Counter(r.result.status for r in data["points"])
    for index, status in enumerate(statuses):
        assert sum(row.cells[index] for row in summary.rows) == by_status[status]
