import pytest
from django.db import connection
from django_scopes import scope

from followup import services
from plans.models import Plan
from tests.factories import PlanFactory, PlanInterventionFactory


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://finsam.example.se"


@pytest.fixture
def scoped(association):
    with scope(association=association):
        yield association


@pytest.fixture
def plan(scoped):
    return PlanFactory(association=scoped, year=2026, end_year=2026, title="Verksamhetsplan 2026")


def _set_status(plan, status):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Plan._meta.db_table} SET status = %s WHERE id = %s", [status, plan.pk]
        )


def decided_entry(plan, **kwargs):
    """An intervention entry of ``plan``, the plan then approved: quarters are due, and
    reminded of, only in the years of approved plans. (The status is set directly: the
    board's workflow is not what these tests are about; an approved plan is reopened for
    a second entry in raw SQL, past the freezing guard that rightly refuses it.)"""
    _set_status(plan, Plan.Status.DRAFT)
    plan.status = Plan.Status.DRAFT
    entry = PlanInterventionFactory(association=plan.association, plan=plan, **kwargs)
    _set_status(plan, Plan.Status.APPROVED)
    plan.refresh_from_db()
    return entry


@pytest.fixture
def intervention(plan, members):
    """An intervention of the approved 2026 plan led by the förbund's projektledare."""
    entry = decided_entry(plan, name="Stegen")
    entry.intervention.name = "Stegen"
    entry.intervention.save(update_fields=["name"])
    entry.intervention.project_leaders.add(members["projektledare"])
    return entry.intervention


@pytest.fixture
def measures(scoped):
    return {m.key: m for m in services.standard_measures_ensure(association=scoped) if m.key}
