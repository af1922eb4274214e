import pytest
from django_scopes import scope

from tests.factories import PlanFactory


@pytest.fixture
def scoped(association):
    with scope(association=association):
        yield association


@pytest.fixture
def plan(scoped):
    return PlanFactory(
        association=scoped, year=2022, end_year=2024, title="Verksamhetsplan 2022-2024"
    )
