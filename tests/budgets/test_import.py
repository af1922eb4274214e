"""Reading a workbook back into a budget: all or nothing, with Swedish errors."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import translation
from django_scopes import scope
from openpyxl import Workbook, load_workbook

from budgets import services
from budgets.excel import budget_workbook
from budgets.importing import MAX_BYTES, WorkbookRejected, read_workbook
from budgets.models import BudgetLine, StatedFigure
from budgets.selectors import budget_table
from tests.budgets.conftest import amounts_of


@pytest.fixture(autouse=True)
def swedish():
    with translation.override("sv"):
        yield


def xlsx(rows, title="Budget") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    output = BytesIO()
    book.save(output)
    return output.getvalue()


def do_import(budget, data):
    with scope(association=budget.association):
        parsed = read_workbook(data, budget=budget)
        return services.import_apply(
            budget=budget,
            acting_user=None,
            expected_version=budget.version,
            new_lines=parsed.new_lines,
            amounts=parsed.amounts,
            stated=parsed.stated,
        )


def rejected(budget, data) -> list[str]:
    before = amounts_of(budget)
    with scope(association=budget.association), pytest.raises(WorkbookRejected) as error:
        read_workbook(data, budget=budget)
    assert amounts_of(budget) == before
    return error.value.messages


def exported(budget) -> bytes:
    with scope(association=budget.association):
        return budget_workbook(budget_table(budget=budget), title="Plan")


def test_own_export_round_trips_with_a_changed_line(budget):
    book = load_workbook(BytesIO(exported(budget)))
    sheet = book["Budget"]
    row = next(r for r in sheet.iter_rows() if r[0].value == "Stegen")
    row[3].value = 1_250_000  # Budget 2022
    output = BytesIO()
    book.save(output)

    summary = do_import(budget, output.getvalue())

    assert summary.changed_amounts == 1
    assert summary.created_lines == 0
    assert amounts_of(budget)[("Stegen", "Budget 2022")] == Decimal(1_250_000)
    with scope(association=budget.association):
        table = budget_table(budget=budget)
    assert table.cost_total[2].computed == Decimal(300_000 + 2_000_000 + 1_250_000)


def test_plain_sheet_by_year_adds_a_line_under_a_group_heading(budget):
    data = xlsx(
        [
            ["Post", 2022, "Plan 2023"],
            ["Stegen", 1_100_000, "1 150 000"],
            ["Individinriktade insatser"],
            ["ACTivera", 500_000, None],
            ["varav lön", 400_000, None],
        ]
    )
    summary = do_import(budget, data)
    assert summary.created_lines == 2
    amounts = amounts_of(budget)
    assert amounts[("Stegen", "Budget 2022")] == Decimal(1_100_000)
    assert amounts[("Stegen", "Plan 2023")] == Decimal(1_150_000)
    assert amounts[("Stegen", "Plan 2024")] == Decimal(1_200_000)  # not in the file: unchanged
    assert amounts[("ACTivera", "Budget 2022")] == Decimal(500_000)
    with scope(association=budget.association):
        sub = BudgetLine.objects.get(name="lön", parent__name="ACTivera")
    assert sub.group.name == "Individinriktade insatser"


def test_costs_with_a_minus_sign_are_read_as_costs(budget):
    do_import(budget, xlsx([["Rad", 2022], ["Styrelse", -310_000]]))
    assert amounts_of(budget)[("Styrelse", "Budget 2022")] == Decimal(310_000)


def test_a_typed_total_is_kept_as_stated_and_shown_as_a_difference(budget):
    do_import(budget, xlsx([["Rad", 2022], ["Stegen", 1_200_000], ["Summa kostnader", 3_600_000]]))
    with scope(association=budget.association):
        stated = StatedFigure.objects.get(kind="cost_total")
        table = budget_table(budget=budget)
    assert stated.amount == Decimal(3_600_000)
    assert table.cost_total[2].computed == Decimal(3_500_000)
    assert table.cost_total[2].difference == Decimal(100_000)


def test_an_empty_cell_empties_the_amount(budget):
    do_import(budget, xlsx([["Rad", 2022], ["Stegen", None], ["Styrelse", 1]]))
    amounts = amounts_of(budget)
    assert ("Stegen", "Budget 2022") not in amounts
    assert amounts[("Styrelse", "Budget 2022")] == 1


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["Rad", 2022], ["Stegen", "mycket"]], "rad 2, kolumn B: ”mycket” är inte ett belopp"),
        ([["Rad", 2022], ["Stegen", 10.5]], "rad 2, kolumn B: 10.5 är inte hela kronor"),
        (
            [["Rad", 2022], ["Okända insatser"], ["Ny rad", 5]],
            "rad 2, kolumn A: ”Okända insatser” är inte en grupp i budgeten",
        ),
        ([["Rad", 2022], ["Ny rad", 5]], "rad 2, kolumn A: Okänd rad ”Ny rad”"),
        ([["Rad", 2030], ["Stegen", 5]], "rad 1, kolumn B: Året 2030 ligger utanför planen"),
        ([["Rad", 2021], ["Stegen", 5]], "rad 1, kolumn B: Budgeten har flera kolumner för 2021"),
        ([["Rad", "Kvartal 3"], ["Stegen", 5]], "”Kvartal 3” är varken ett år"),
        ([["Rad", 2022, 2022], ["Stegen", 5, 6]], "rad 1, kolumn C: Kolumnen Budget 2022"),
        (
            [["Rad", 2022], ["Stegen", 5], ["Stegen", 6]],
            "rad 3, kolumn A: ”Stegen” finns också på rad 2",
        ),
        ([["Rad", 2022], ["Medlemsavgifter", -5]], "En intäkt kan inte vara negativ"),
        ([["Rad", 2022], [None, 5]], "rad 2, kolumn A: Raden har belopp men inget namn"),
        ([["Rad", 2022], ["varav lön", 5]], "rad 2, kolumn A: En varav-rad"),
        ([["Rad", 2022], ["Okänd grupp, summa", 5]], "en grupp som budgeten inte har"),
        ([["Rad", 2022]], "Bladet har inga budgetrader"),
        ([[None], ["Stegen"]], "Ingen rubrikrad"),
        ([["Rad", 2022], ["Stegen", 10**20]], "rad 2, kolumn B: Beloppet är för stort"),
        (
            [["Rad", 2022], ["Individinriktade insatser", 5]],
            "rad 2, kolumn A: ”Individinriktade insatser” är en grupp i budgeten",
        ),
        # After "Kostnader" a new line is not put in the income group above it.
        (
            [["Rad", 2022], ["Medlemsavgifter"], ["Kostnader"], ["Ny kostnad", 5]],
            "rad 4, kolumn A: Okänd rad ”Ny kostnad”",
        ),
    ],
)
def test_bad_rows_reject_the_whole_workbook(budget, rows, expected):
    messages = rejected(budget, xlsx(rows))
    assert any(expected.casefold() in m.casefold() for m in messages), messages
    assert all(m.startswith(("Blad Budget", "…")) for m in messages), messages


def test_one_bad_row_among_good_ones_changes_nothing(budget):
    messages = rejected(budget, xlsx([["Rad", 2022], ["Stegen", 1], ["Styrelse", "x"]]))
    assert len(messages) == 1


def test_every_problem_is_listed(budget):
    rows = [["Rad", 2022]] + [["Stegen" if i == 0 else f"varav {i}", "x"] for i in range(60)]
    messages = rejected(budget, xlsx(rows))
    assert len(messages) == 51
    assert messages[-1] == "… och 10 fel till."


def test_a_formula_without_a_calculated_value_is_refused(budget):
    messages = rejected(budget, xlsx([["Rad", 2022], ["Stegen", "=1000+2000"]]))
    assert "Formeln har inget beräknat värde" in messages[0]
    assert "kolumn B" in messages[0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "Filen är tom."),
        (b"this is not a workbook", "Filen är inte en Excel-arbetsbok"),
        (b"PK\x03\x04 broken zip", "Filen är inte en Excel-arbetsbok"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "Filen har ett lösenord"),
        (b"0" * (MAX_BYTES + 1), "Filen är större än 2 MB"),
    ],
)
def test_files_that_are_not_budget_workbooks(budget, data, expected):
    messages = rejected(budget, data)
    assert messages[0].startswith(expected)


def test_an_empty_sheet_is_refused(budget):
    assert rejected(budget, xlsx([]))[0].endswith("Bladet är tomt.")


def test_import_after_someone_else_saved_is_a_conflict(budget):
    with scope(association=budget.association):
        parsed = read_workbook(xlsx([["Rad", 2022], ["Stegen", 1]]), budget=budget)
        loaded = budget.version
        services.amounts_save(budget=budget, acting_user=None, amounts={}, stated={})
        with pytest.raises(services.EditConflict):
            services.import_apply(
                budget=budget,
                acting_user=None,
                expected_version=loaded,
                new_lines=parsed.new_lines,
                amounts=parsed.amounts,
                stated=parsed.stated,
            )
    assert amounts_of(budget)[("Stegen", "Budget 2022")] == Decimal(1_200_000)


def test_a_line_ref_names_either_an_existing_line_or_a_new_one():
    assert not services.LineRef(pk=7).is_new
    assert services.LineRef(new_key="new-3").is_new
    for neither_or_both in ({}, {"pk": 7, "new_key": "new-3"}):
        with pytest.raises(ValueError):
            services.LineRef(**neither_or_both)
