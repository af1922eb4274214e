"""The demo follow-up: loaded once, plausible against the seeds."""

import datetime

import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from associations.demo import DEMO_SLUGS, load_demo_associations
from associations.models import Association
from budgets.demo import load_demo_budget
from followup.dashboard import dashboard
from followup.demo import load_demo_followup
from followup.models import QuarterReport, QuarterValue
from followup.suppression import LOW
from plans.demo import load_demo_plan

SLUGS = ["samspelet", "norra-vastmanland", "insjoriket"]


def load(slugs=SLUGS):
    """What ``load_demo`` does, for the förbund these tests read (the whole command is
    slow, and ``test_demo_follow_up_loads_once`` runs it)."""
    associations = load_demo_associations()
    for slug in slugs:
        plan = load_demo_plan(associations[slug])
        load_demo_budget(plan)
        load_demo_followup(associations[slug], plan)


@pytest.fixture
def demo(db):
    load()


def board_dashboard(slug, year):
    association = Association.objects.get(slug=slug)
    with scope(association=association):
        return dashboard(
            association=association, year=year, suppress=True, today=datetime.date(2026, 1, 1)
        )


def test_demo_follow_up_loads_once(db):
    call_command("load_demo", verbosity=0)
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
