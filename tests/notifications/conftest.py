import pytest
from django_scopes import scope

from followup import services
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


@pytest.fixture
def intervention(plan, members):
    """An intervention of the 2026 plan led by the förbund's projektledare."""
    entry = PlanInterventionFactory(association=plan.association, plan=plan, name="Stegen")
    entry.intervention.name = "Stegen"
    entry.intervention.save(update_fields=["name"])
    entry.intervention.project_leaders.add(members["projektledare"])
    return entry.intervention


@pytest.fixture
def measures(scoped):
    return {m.key: m for m in services.standard_measures_ensure(association=scoped) if m.key}
