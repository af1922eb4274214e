import pytest
from django_scopes import scope

from followup import services
from followup.models import Gender
from tests.factories import PlanFactory, PlanInterventionFactory


@pytest.fixture
def scoped(association):
    with scope(association=association):
        yield association


@pytest.fixture
def plan(scoped):
    return PlanFactory(association=scoped, year=2022, end_year=2022, title="Verksamhetsplan 2022")


@pytest.fixture
def intervention(plan, members):
    """An individual intervention in the 2022 plan, led by the förbund's projektledare."""
    entry = PlanInterventionFactory(association=plan.association, plan=plan)
    entry.intervention.project_leaders.add(members["projektledare"])
    return entry.intervention


@pytest.fixture
def other_intervention(plan):
    """An intervention in the same plan that the projektledare does not lead."""
    return PlanInterventionFactory(association=plan.association, plan=plan).intervention


@pytest.fixture
def measures(scoped):
    return {m.key: m for m in services.standard_measures_ensure(association=scoped) if m.key}


def counts(measures, **by_key):
    """``counts(measures, active=(10, 8), ended=(2, 1))`` → the service's ``values``."""
    values = {}
    for key, value in by_key.items():
        measure = measures[key]
        if isinstance(value, tuple):
            values[(measure.pk, Gender.WOMEN)], values[(measure.pk, Gender.MEN)] = value
        else:
            values[(measure.pk, Gender.ALL)] = value
    return values
