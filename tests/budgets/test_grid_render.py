"""The amount grid's hidden initial values, written directly by ``hidden_initial``, are
what Django's ``as_hidden(only_initial=True)`` renders, for every cell, before and after
a post."""

from django_scopes import scope

from budgets.forms import AmountsForm
from budgets.selectors import budget_table
from budgets.templatetags.budgets import hidden_initial


def same_as_django(form) -> None:
    for name in form.fields:
        bound = form[name]
        if bound.field.show_hidden_initial:
            assert hidden_initial(bound) == bound.as_hidden(only_initial=True), name


def test_hidden_initial_is_djangos_for_every_cell(budget):
    with scope(association=budget.association):
        table = budget_table(budget=budget)
        form = AmountsForm(table=table)
        assert any(form[name].field.show_hidden_initial for name in form.fields)
        same_as_django(form)
        data = {}
        for name in form.fields:
            data[name] = "12 345" if name.startswith("a-") else 'Ny "not" <b>'
            data[form[name].html_initial_name] = "1 & 2"
        same_as_django(AmountsForm(data=data, table=table))
        same_as_django(AmountsForm(data={}, table=table))
