import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from budgets.models import FinancialRule
from tests.factories import FinancialRuleFactory


def rule_url(association, name="rule_create"):
    return reverse(f"budgets:{name}", kwargs={"association_slug": association.slug})


def test_kansli_records_the_equity_rule(kansli_client, association):
    response = kansli_client.post(
        rule_url(association),
        {"kind": "equity_max_percent_of_income", "value": "20", "text": "Högst 20 %"},
    )
    assert response.status_code == 302
    with scope(association=association):
        rule = FinancialRule.objects.get()
    assert (rule.kind, rule.value, rule.category) == ("equity_max_percent_of_income", 20, "")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "equity_max_percent_of_income", "value": "120"}, "value", "högst 100"),
        ({"kind": "group_target_share", "value": "72"}, "category", "Välj gruppen"),
        (
            {"kind": "equity_min_amount", "value": "500000", "category": "individual"},
            "category",
            "Bara en målandel",
        ),
        ({"kind": "equity_min_amount", "value": "-1"}, "value", "större än eller lika med 0"),
        ({"kind": "equity_min_amount", "value": "mycket"}, "value", "Fyll i ett tal"),
    ],
)
def test_bad_rules_are_refused_in_swedish(kansli_client, association, data, field, message):
    response = kansli_client.post(rule_url(association), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    with scopes_disabled():
        assert not FinancialRule.objects.exists()


def test_rule_list_queries_stay_flat(kansli_client, association):
    counts = []
    for n in (3, 30):
        with scopes_disabled():
            for _ in range(n):
                FinancialRuleFactory(association=association)
        with CaptureQueriesContext(connection) as queries:
            assert kansli_client.get(rule_url(association, "rule_list")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
