"""Kansli edits a budget in the browser: amounts, layout, settings, import."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope
from openpyxl import Workbook

from budgets import services
from budgets.models import Budget, BudgetAmount, BudgetColumn, BudgetGroup, BudgetLine
from tests.budgets.conftest import amounts_of, build_budget
from tests.factories import MemberPartyFactory, PlanFactory


def url(name, budget, **kwargs):
    return reverse(
        name,
        kwargs={"association_slug": budget.association.slug, "plan_pk": budget.plan_id, **kwargs},
    )


def grid_data(client, budget):
    """The amount grid as the browser would post it back unchanged."""
    form = client.get(url("budgets:budget_amounts", budget)).context["form"]
    data = {}
    for name, field in form.fields.items():
        data[name] = data[f"initial-{name}"] = field.initial or ""
    return data


def cell(budget, line_name, column_label):
    with scope(association=budget.association):
        line = BudgetLine.objects.get(group__budget=budget, name=line_name)
        column = BudgetColumn.objects.get(budget=budget, label=column_label)
    return f"a-{line.pk}-{column.pk}"


def test_kansli_changes_amounts_in_the_grid(kansli_client, budget):
    data = grid_data(kansli_client, budget)
    data[cell(budget, "Stegen", "Budget 2022")] = "1 300 000"
    data[cell(budget, "Styrelse", "Plan 2024")] = ""
    response = kansli_client.post(url("budgets:budget_amounts", budget), data, follow=True)
    assert "2 belopp ändrade." in response.content.decode()
    amounts = amounts_of(budget)
    assert amounts[("Stegen", "Budget 2022")] == Decimal(1_300_000)
    assert ("Styrelse", "Plan 2024") not in amounts


def test_a_bad_amount_saves_nothing_and_says_where(kansli_client, budget):
    data = grid_data(kansli_client, budget)
    data[cell(budget, "Stegen", "Budget 2022")] = "1 300 000"
    data[cell(budget, "Styrelse", "Budget 2022")] = "tre tusen"
    response = kansli_client.post(url("budgets:budget_amounts", budget), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "”tre tusen” är inte ett belopp i kronor." in page
    assert 'value="1 300 000"' in page  # the user's input is kept
    assert amounts_of(budget)[("Stegen", "Budget 2022")] == Decimal(1_200_000)


@pytest.mark.parametrize(
    ("line", "typed", "message"),
    [
        ("Medlemsavgifter", "−100", "En intäkt kan inte vara negativ."),
        ("Stegen", "99999999999999999999", "Beloppet är för stort: högst 99 999 999 999 999 kr."),
    ],
)
def test_an_amount_the_budget_cannot_hold_is_refused_at_its_cell(
    kansli_client, budget, line, typed, message
):
    before = amounts_of(budget)
    data = grid_data(kansli_client, budget)
    data[cell(budget, line, "Budget 2022")] = typed
    response = kansli_client.post(url("budgets:budget_amounts", budget), data)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&nbsp;", " ").replace("\u00a0", " ")
    assert amounts_of(budget) == before
    # The budget page still works (a too large amount once broke every page of it).
    assert kansli_client.get(url("budgets:budget_detail", budget)).status_code == 200


def test_a_cost_typed_with_a_minus_sign_is_that_cost(kansli_client, budget):
    data = grid_data(kansli_client, budget)
    data[cell(budget, "Styrelse", "Budget 2022")] = "−310 000"
    kansli_client.post(url("budgets:budget_amounts", budget), data)
    assert amounts_of(budget)[("Styrelse", "Budget 2022")] == Decimal(310_000)


def test_two_editors_of_different_cells_both_keep_their_changes(client, members, budget):
    client.force_login(members["kansli"])
    first = grid_data(client, budget)
    second = dict(first)
    first[cell(budget, "Stegen", "Budget 2022")] = "1 250 000"
    client.post(url("budgets:budget_amounts", budget), first)
    second[cell(budget, "Styrelse", "Budget 2022")] = "333 000"
    response = client.post(url("budgets:budget_amounts", budget), second)
    assert response.status_code == 302
    amounts = amounts_of(budget)
    assert amounts[("Stegen", "Budget 2022")] == Decimal(1_250_000)
    assert amounts[("Styrelse", "Budget 2022")] == Decimal(333_000)


def test_two_editors_of_the_same_cell_lose_nothing(client, members, budget):
    """The second is told, nothing of theirs is saved, and their input stays in the form."""
    client.force_login(members["kansli"])
    first = grid_data(client, budget)
    second = dict(first)
    stegen = cell(budget, "Stegen", "Budget 2022")
    first[stegen] = "1 250 000"
    client.post(url("budgets:budget_amounts", budget), first)
    second[stegen] = "1 111 000"
    second[cell(budget, "Styrelse", "Budget 2022")] = "333 000"
    response = client.post(url("budgets:budget_amounts", budget), second)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Någon annan ändrade 1 av siffrorna du ändrade" in page
    assert "Ändrat av någon annan till 1 250 000 kr." in page.replace("\u00a0", " ")
    assert 'value="1 111 000"' in page
    amounts = amounts_of(budget)
    assert amounts[("Stegen", "Budget 2022")] == Decimal(1_250_000)
    assert amounts[("Styrelse", "Budget 2022")] == Decimal(300_000)
    # Saving the re-shown form again is a choice made knowing the other figure.
    again = dict(response.context["form"].data.items())
    client.post(url("budgets:budget_amounts", budget), again)
    amounts = amounts_of(budget)
    assert amounts[("Stegen", "Budget 2022")] == Decimal(1_111_000)
    assert amounts[("Styrelse", "Budget 2022")] == Decimal(333_000)


def test_a_stated_total_typed_in_the_grid_is_shown_beside_the_computed_one(kansli_client, budget):
    data = grid_data(kansli_client, budget)
    with scope(association=budget.association):
        column = BudgetColumn.objects.get(budget=budget, label="Budget 2022")
    data[f"s-cost_total-{column.pk}"] = "3 500 100"
    kansli_client.post(url("budgets:budget_amounts", budget), data)
    page = kansli_client.get(url("budgets:budget_detail", budget)).content.decode()
    assert "angivet 3\u00a0500\u00a0100\u00a0kr" in page.replace("&nbsp;", "\u00a0")


def test_an_approved_plan_freezes_its_budget(client, members, association):
    budget = build_budget(association, status="approved")
    client.force_login(members["kansli"])
    response = client.get(url("budgets:budget_amounts", budget), follow=True)
    assert "kan inte längre ändras" in response.content.decode()
    with scope(association=association), pytest.raises(ValidationError):
        services.amounts_save(budget=budget, acting_user=None, amounts={})
    before = amounts_of(budget)
    data = {"version": budget.version}
    client.post(url("budgets:budget_amounts", budget), data)
    client.post(url("budgets:line_create", budget), {"name": "X", "version": budget.version})
    assert amounts_of(budget) == before
    with scope(association=association):
        assert not BudgetLine.objects.filter(name="X").exists()


def test_kansli_creates_a_budget_laid_out_for_the_plan(kansli_client, association):
    with scope(association=association):
        plan = PlanFactory(association=association, year=2025, end_year=2027)
        MemberPartyFactory(association=association, name="Region Värmland")
    create = reverse(
        "budgets:budget_create", kwargs={"association_slug": association.slug, "plan_pk": plan.pk}
    )
    kansli_client.post(create)
    with scope(association=association):
        budget = Budget.objects.get(plan=plan)
        labels = [c.label for c in budget.columns.all()]
        lines = list(BudgetLine.objects.filter(group__budget=budget).values_list("name", flat=True))
    assert labels == ["Budget 2024", "Prognos 2024", "Budget 2025", "Plan 2026", "Plan 2027"]
    assert "Region Värmland" in lines
    assert "Planen har redan en budget." in kansli_client.post(create, follow=True).content.decode()


def test_kansli_adds_a_varav_line_and_a_column(kansli_client, budget):
    with scope(association=budget.association):
        group = BudgetGroup.objects.get(budget=budget, name="Individinriktade insatser")
        team = BudgetLine.objects.get(name="Samordningsteam")
        board = BudgetLine.objects.get(name="Styrelse")
    data = {"group": group.pk, "parent": team.pk, "name": "Lokaler", "version": budget.version}
    kansli_client.post(url("budgets:line_create", budget), data)
    with scope(association=budget.association):
        assert BudgetLine.objects.get(name="Lokaler").parent == team

    bad = {"group": group.pk, "parent": board.pk, "name": "Fel", "version": budget.version + 1}
    response = kansli_client.post(url("budgets:line_create", budget), bad)
    assert "Raden den är en del av ligger i en annan grupp." in response.content.decode()

    column = {"kind": "plan", "year": 2026, "label": "Plan 2026", "version": budget.version + 1}
    response = kansli_client.post(url("budgets:column_create", budget), column)
    assert "En budget- eller plankolumn gäller ett av planens år, 2022–2024." in (
        response.content.decode()
    )


def test_a_new_column_takes_its_place_by_year(kansli_client, budget):
    column = {"kind": "outcome", "year": 2021, "label": "Utfall 2021", "version": budget.version}
    response = kansli_client.post(url("budgets:column_create", budget), column)
    assert response.status_code == 302
    with scope(association=budget.association):
        labels = list(
            BudgetColumn.objects.filter(budget=budget)
            .order_by("order")
            .values_list("label", flat=True)
        )
    assert labels == [
        "Budget 2021", "Prognos 2021", "Utfall 2021", "Budget 2022", "Plan 2023", "Plan 2024"
    ]  # fmt: skip


def test_removing_a_group_removes_its_lines_and_keeps_the_history(kansli_client, budget):
    with scope(association=budget.association):
        group = BudgetGroup.objects.get(budget=budget, name="Individinriktade insatser")
    kansli_client.post(
        url("budgets:group_delete", budget, pk=group.pk), {"version": budget.version}
    )
    with scope(association=budget.association):
        assert not BudgetLine.objects.filter(group__budget=budget, name="Stegen").exists()
        removed = BudgetLine.history.filter(name="Stegen", history_type="-")
        assert removed.count() == 1


def test_contributions_by_rule_split_the_total(kansli_client, budget, association):
    with scope(association=association):
        MemberPartyFactory(association=association, kind="state", name="Försäkringskassan")
        MemberPartyFactory(association=association, kind="region", name="Region")
        MemberPartyFactory(association=association, kind="kommun", name="Kommunen", population=1)
    data = {"unit": "kr", "contributions": "rule", "version": budget.version}
    kansli_client.post(url("budgets:budget_settings", budget), data)
    page = kansli_client.get(url("budgets:budget_detail", budget)).content.decode()
    assert "Den här budgeten tar medlemsavgifterna enligt regeln" in page
    assert "2\u00a0000\u00a0000\u00a0kr" in page.replace("&nbsp;", "\u00a0")  # the state's half


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    output = BytesIO()
    book.save(output)
    return output.getvalue()


def upload(client, budget, content, name="budget.xlsx"):
    return client.post(
        url("budgets:budget_import", budget),
        {"file": SimpleUploadedFile(name, content), "version": budget.version},
        follow=True,
    )


def test_kansli_imports_a_workbook(kansli_client, budget):
    response = upload(kansli_client, budget, xlsx([["Rad", 2022], ["Stegen", 1_400_000]]))
    assert "Arbetsboken har importerats: 1 rader lästa, 1 belopp ändrade" in (
        response.content.decode()
    )
    assert amounts_of(budget)[("Stegen", "Budget 2022")] == Decimal(1_400_000)


def test_a_broken_workbook_is_refused_with_its_problems(kansli_client, budget):
    before = amounts_of(budget)
    response = upload(
        kansli_client, budget, xlsx([["Rad", 2030], ["Stegen", "x"], ["Styrelse", 5]])
    )
    page = response.content.decode()
    assert "Arbetsboken importerades inte; ingenting i budgeten har ändrats." in page
    assert "Blad Sheet, rad 1, kolumn B: Året 2030 ligger utanför planen" in page
    response = upload(kansli_client, budget, b"%PDF-1.4 not a workbook", name="plan.pdf")
    assert "Filen är inte en Excel-arbetsbok" in response.content.decode()
    assert amounts_of(budget) == before


def test_only_kansli_edits(client, members, budget):
    for role in ("styrelse", "projektledare", "revisor"):
        client.force_login(members[role])
        assert client.get(url("budgets:budget_amounts", budget)).status_code == 403
        response = upload(client, budget, xlsx([["Rad", 2022], ["Stegen", 1]]))
        assert response.status_code == 403
    assert amounts_of(budget)[("Stegen", "Budget 2022")] == Decimal(1_200_000)


def test_a_line_or_group_the_export_could_not_tell_apart_is_refused(budget):
    with scope(association=budget.association):
        stegen = BudgetLine.objects.get(group__budget=budget, name="Stegen")
        twin = BudgetLine(association=budget.association, group=stegen.group, name=" stegen ")
        with pytest.raises(ValidationError) as error:
            twin.full_clean()
        assert "name" in error.value.message_dict
        group = BudgetGroup(
            association=budget.association,
            budget=budget,
            side="cost",
            category="individual",
            name="Individinriktade  INSATSER",
        )
        with pytest.raises(ValidationError) as error:
            group.full_clean()
        assert "name" in error.value.message_dict


@pytest.mark.parametrize(
    ("side", "category", "fits"),
    [
        ("income", "board", False),
        ("cost", "contributions", False),
        ("cost", "equity_used", False),
        ("income", "equity_used", True),
        ("income", "other", True),
        ("cost", "other", True),
        ("allocation", "buffer", True),
        ("allocation", "unallocated", True),
        ("cost", "unallocated", True),
        ("cost", "buffer", False),
        ("income", "buffer", False),
        ("allocation", "individual", False),
        ("allocation", "contributions", False),
    ],
)
def test_a_groups_category_fits_its_side(budget, side, category, fits):
    with scope(association=budget.association):
        group = BudgetGroup(
            association=budget.association, budget=budget, side=side, category=category, name="Ny"
        )
        if fits:
            group.full_clean()
        else:
            with pytest.raises(ValidationError) as error:
                group.full_clean()
            assert "category" in error.value.message_dict


def note_cell(budget, line_name, column_label):
    return "n-" + cell(budget, line_name, column_label)[2:]


def notes_of(budget):
    with scope(association=budget.association):
        return {
            (a.line.name, a.column.label): a.note
            for a in BudgetAmount.objects.filter(line__group__budget=budget, note__gt="")
        }


def test_kansli_writes_a_note_on_an_amount_and_the_page_shows_it(kansli_client, budget):
    data = grid_data(kansli_client, budget)
    data[note_cell(budget, "Stegen", "Budget 2022")] = "  funktion   utreds "
    response = kansli_client.post(url("budgets:budget_amounts", budget), data, follow=True)
    assert response.status_code == 200
    assert notes_of(budget) == {("Stegen", "Budget 2022"): "funktion utreds"}
    assert (
        "funktion utreds"
        in kansli_client.get(url("budgets:budget_detail", budget)).content.decode()
    )
    # Emptying it removes it; the amount stays.
    data = grid_data(kansli_client, budget)
    data[note_cell(budget, "Stegen", "Budget 2022")] = ""
    kansli_client.post(url("budgets:budget_amounts", budget), data)
    assert notes_of(budget) == {}
    assert amounts_of(budget)[("Stegen", "Budget 2022")] == Decimal(1_200_000)


def test_a_note_needs_an_amount(kansli_client, budget):
    data = grid_data(kansli_client, budget)
    data[cell(budget, "Stegen", "Budget 2022")] = ""
    data[note_cell(budget, "Stegen", "Budget 2022")] = "se utveckl.strateg"
    response = kansli_client.post(url("budgets:budget_amounts", budget), data)
    assert response.status_code == 200
    assert "En anteckning behöver ett belopp i sin cell." in response.content.decode()
    assert notes_of(budget) == {}
    assert amounts_of(budget)[("Stegen", "Budget 2022")] == Decimal(1_200_000)


def test_two_editors_of_the_same_note_lose_nothing(client, members, budget):
    client.force_login(members["kansli"])
    first = grid_data(client, budget)
    second = dict(first)
    note = note_cell(budget, "Stegen", "Budget 2022")
    first[note] = "första"
    client.post(url("budgets:budget_amounts", budget), first)
    second[note] = "andra"
    response = client.post(url("budgets:budget_amounts", budget), second)
    assert response.status_code == 200
    assert "Ändrat av någon annan till ”första”." in response.content.decode()
    assert notes_of(budget) == {("Stegen", "Budget 2022"): "första"}


def test_an_exported_note_comes_back_unchanged_through_the_import(kansli_client, budget):
    """The note is the cell's comment in Excel; the import leaves notes as they are."""
    data = grid_data(kansli_client, budget)
    data[note_cell(budget, "Stegen", "Budget 2022")] = '=HYPERLINK("x")'
    kansli_client.post(url("budgets:budget_amounts", budget), data)
    exported = kansli_client.get(url("budgets:budget_export", budget)).content
    upload = SimpleUploadedFile("budget.xlsx", exported)
    response = kansli_client.post(url("budgets:budget_import", budget), {"file": upload})
    assert response.status_code == 302
    assert notes_of(budget) == {("Stegen", "Budget 2022"): '=HYPERLINK("x")'}


def test_a_second_create_racing_the_first_gets_the_budget_that_exists(
    kansli_client, association, monkeypatch
):
    """Four "Skapa budget" at once once gave IntegrityErrors: the later request had checked
    for a budget before the first one was saved. Here the check is made to miss it."""
    with scope(association=association):
        plan = PlanFactory(association=association, year=2025, end_year=2027)
    create = reverse(
        "budgets:budget_create", kwargs={"association_slug": association.slug, "plan_pk": plan.pk}
    )
    assert kansli_client.post(create).status_code == 302
    real_filter = Budget.objects.filter

    def stale_filter(*args, **kwargs):  # the check made before the first request committed
        queryset = real_filter(*args, **kwargs)
        return queryset.none() if kwargs.keys() == {"plan"} else queryset

    monkeypatch.setattr(Budget.objects, "filter", stale_filter)
    response = kansli_client.post(create, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse(
        "budgets:budget_detail", kwargs={"association_slug": association.slug, "plan_pk": plan.pk}
    )
    assert "Planen har redan en budget." in response.content.decode()
    with scope(association=association):
        assert real_filter(plan=plan).count() == 1
