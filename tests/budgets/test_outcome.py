"""The year's outcome against the budget: entered by hand or read from the books' SIE file
through the förbund's account mapping (issue 16, "Outcome per budget line")."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from associations.models import Association, User
from budgets.demo import demo_sie_file
from budgets.models import AccountMapping, Budget, LineOutcome, OutcomeImport
from budgets.outcome import (
    AccountsUnmapped,
    Comparison,
    OutcomeConflict,
    OutcomeRejected,
    mapping_for,
    mapping_save,
    outcome_import_apply,
    outcome_import_read,
    outcome_save,
    outcome_table,
    pending_result,
)
from followup.dashboard import cost_per_participant, dashboard
from plans.models import Plan

NV = "norra-vastmanland"
SAMPLE = demo_sie_file(NV, 2022).read_bytes()


def nv_budget(year=2022):
    association = Association.objects.get(slug=NV)
    with scope(association=association):
        return Budget.objects.select_related("plan", "plan__association").get(
            plan__association=association, plan__year=year
        )


def kansli():
    return User.objects.get(username=f"{NV}-kansli")


def outcomes(budget) -> dict[str, Decimal]:
    with scopes_disabled():
        return {
            o.line.name: o.amount
            for o in LineOutcome.objects.filter(line__group__budget=budget).select_related("line")
        }


def forget_outcome(budget) -> None:
    with scopes_disabled():
        for outcome in LineOutcome.objects.filter(line__group__budget=budget):
            outcome.delete()


# The comparison: hand-computed figures -------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "outcome", "deviation", "percent"),
    [
        (Decimal(455100), Decimal(457300), Decimal(2200), Decimal("0.5")),  # Styrelse, NV
        (Decimal(801800), Decimal(778200), Decimal(-23600), Decimal("-2.9")),
        (Decimal(1590000), Decimal(1590000), Decimal(0), Decimal("0.0")),
        (Decimal(0), Decimal(12000), Decimal(12000), None),  # no per cent of nothing
        # A result budgeted at −592 500 kr that came out at −565 250 kr: 27 250 kr better,
        # +4.6 % of the budget's size (the sign follows the kronor).
        (Decimal(-592500), Decimal(-565250), Decimal(27250), Decimal("4.6")),
        (None, Decimal(100), None, None),
        (Decimal(100), None, None, None),
    ],
)
def test_deviation_in_kronor_and_per_cent(budget, outcome, deviation, percent):
    figures = Comparison(budget, outcome)
    assert figures.deviation == deviation
    assert figures.deviation_percent == percent


def testcost_per_participant_in_whole_kronor():
    # 1 561 200 kr for 37 participants: 42 194.59 → 42 195 kr; none without participants.
    assert cost_per_participant(Decimal(1561200), 37) == Decimal(42195)
    assert cost_per_participant(Decimal(1561200), 0) is None
    assert cost_per_participant(None, 10) is None


def test_the_sample_file_gives_each_line_its_accounts(demo_plans):
    """load_demo reads the sample SIE file into Norra Västmanland 2022; each line is the
    sum of its accounts with the budget's signs (income credit in the books)."""
    budget = nv_budget()
    got = outcomes(budget)
    assert got["Medel från huvudmännen"] == 3523000 + 1761500 + 1761500  # 3010-3019, credit
    assert got["Samordningsteam FNS"] == 1561200  # 4011
    assert got["Kurator till samordningsteam"] == 182000 + 57200  # the range 4015-4016
    assert got["Andra utbildningar/seminarier"] == 0  # no account: nothing in the books
    with scope(association=budget.association):
        table = outcome_table(budget=budget)
    styrelse = next(r for b in table.costs for r in b.rows if r.line.name == "Styrelse")
    assert (styrelse.figures.budget, styrelse.figures.outcome) == (455100, 457300)
    assert styrelse.figures.deviation == 2200
    assert table.complete
    # The year's result is income less costs, from the same rows.
    assert table.result.outcome == table.income_total.outcome - table.cost_total.outcome
    assert table.cost_total.outcome == sum(r.figures.outcome for b in table.costs for r in b.rows)
    fns = next(i for i in table.interventions if i.intervention.name == "Samordningsteam FNS")
    assert (fns.figures.budget, fns.figures.outcome) == (1523000, 1561200)


def test_the_dashboard_takes_the_real_outcome_per_intervention(demo_plans):
    budget = nv_budget()
    with scope(association=budget.association):
        data = dashboard(
            association=budget.association, year=2022, suppress=True, today=date(2023, 1, 15)
        )
    block = next(b for b in data["blocks"] if b.intervention.name == "Samordningsteam FNS")
    assert block.outcome == 1561200
    assert not block.cost_from_budget


def test_the_dashboards_kept_outcome_follows_a_changed_outcome(demo_plans):
    """The approved plan's outcome per intervention is kept in the shared cache; a
    changed outcome row is shown at once, and so is a removed one."""
    budget = nv_budget()
    assert budget.plan.status == "approved"

    def fns_outcome():
        with scope(association=budget.association):
            data = dashboard(
                association=budget.association, year=2022, suppress=True, today=date(2023, 1, 15)
            )
        return next(b for b in data["blocks"] if b.intervention.name == "Samordningsteam FNS")

    assert fns_outcome().outcome == 1561200
    assert fns_outcome().outcome == 1561200  # read from the cache
    with scopes_disabled():
        LineOutcome.objects.filter(line__name="Samordningsteam FNS").update(amount=1600000)
    assert fns_outcome().outcome == 1600000
    forget_outcome(budget)
    assert fns_outcome().cost_from_budget


# Importing -----------------------------------------------------------------------------


def test_an_import_with_every_account_mapped_is_applied_at_once(demo_plans):
    budget = nv_budget()
    forget_outcome(budget)
    with scope(association=budget.association):
        done = outcome_import_read(
            budget=budget, content=SAMPLE, file_name="bok.se", acting_user=kansli()
        )
    assert done.status == OutcomeImport.Status.APPLIED
    assert outcomes(budget)["Samordningsteam FNS"] == 1561200


def test_accounts_without_a_line_are_listed_with_their_sums_and_nothing_is_written(
    demo_plans,
):
    budget = nv_budget()
    forget_outcome(budget)
    with scope(association=budget.association):
        AccountMapping.objects.get(first_account=4011).delete()
        waiting = outcome_import_read(
            budget=budget, content=SAMPLE, file_name="bok.se", acting_user=kansli()
        )
        assert waiting.status == OutcomeImport.Status.WAITING
        assert outcomes(budget) == {}
        unmapped = pending_result(waiting).unmapped
        assert [(u.account, u.amount) for u in unmapped] == [(4011, Decimal("1561200.00"))]
        with pytest.raises(AccountsUnmapped):
            outcome_import_apply(outcome_import=waiting, acting_user=kansli(), new_lines={})
        assert outcomes(budget) == {}
        outcome_import_apply(
            outcome_import=waiting,
            acting_user=kansli(),
            new_lines={4011: "Samordningsteam FNS"},
        )
        waiting.refresh_from_db()
        assert waiting.status == OutcomeImport.Status.APPLIED
        assert AccountMapping.objects.filter(first_account=4011, last_account=4011).exists()
    assert outcomes(budget)["Samordningsteam FNS"] == 1561200


def next_years_file() -> bytes:
    """The sample file moved on a year: the same accounts in the books of 2023."""
    text = SAMPLE.replace(b"#RAR 0 20220101 20221231", b"#RAR 0 20230101 20231231")
    text = text.replace(b"#RAR -1 20210101 20211231", b"#RAR -1 20220101 20221231")
    return text.replace(b"#VER A ", b"#VER B ").replace(b" 2022", b" 2023")


def test_the_mapping_is_kept_for_next_years_budget(demo_plans):
    """The 2023 plan, copied from 2022 and approved, has lines of its own with the same
    names: its import needs no mapping."""
    from plans.services import plan_copy_to_next_year

    budget = nv_budget()
    with scope(association=budget.association):
        count = AccountMapping.objects.count()
        copy = plan_copy_to_next_year(plan=budget.plan, acting_user=kansli())
        Plan._base_manager.filter(pk=copy.pk).update(status=Plan.Status.APPROVED)
        next_budget = Budget.objects.get(plan=copy)
        done = outcome_import_read(
            budget=next_budget, content=next_years_file(), file_name="bok.se", acting_user=kansli()
        )
        assert done.status == OutcomeImport.Status.APPLIED
        assert AccountMapping.objects.count() == count
    assert outcomes(next_budget)["Samordningsteam FNS"] == 1561200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ((b"#ORGNR 222000-1875", b"#ORGNR 222000-9999"), "inte 222000-1875"),
        ((b"#RAR 0 20220101 20221231", b"#RAR 0 20210101 20211231"), "2021-12-31, inte 2022"),
        ((b"#SIETYP 4", b"#SIETYP 3"), "SIE typ 3"),
    ],
)
def test_a_file_for_another_organisation_or_year_is_refused_and_nothing_kept(
    demo_plans, change, message
):
    budget = nv_budget()
    forget_outcome(budget)
    old, new = change
    assert old in SAMPLE
    with scope(association=budget.association), pytest.raises(OutcomeRejected) as refused:
        outcome_import_read(
            budget=budget, content=SAMPLE.replace(old, new), file_name="x.se", acting_user=None
        )
    assert any(message in text for text in refused.value.messages)
    with scopes_disabled():
        assert OutcomeImport.objects.filter(file_name="x.se").count() == 0
    assert outcomes(budget) == {}


def test_a_forbund_without_organisation_number_is_told_to_enter_it(demo_plans):
    budget = nv_budget()
    Association.objects.filter(slug=NV).update(org_number="")
    budget.plan.association.org_number = ""
    with scope(association=budget.association), pytest.raises(OutcomeRejected) as refused:
        outcome_import_read(budget=budget, content=SAMPLE, file_name="x.se", acting_user=None)
    assert "organisationsnummer" in refused.value.messages[0]


def test_outcome_waits_for_the_approved_plan(demo_plans):
    """Insjöriket's 2023 plan is a draft in the demo's plans: no outcome yet."""
    with scopes_disabled():
        budget = Budget.objects.get(plan__association__slug="insjoriket", plan__year=2023)
    assert budget.plan.status != Plan.Status.APPROVED
    with scope(association=budget.association), pytest.raises(ValidationError) as refused:
        outcome_save(budget=budget, acting_user=None, changes={})
    assert "inte fastställd" in refused.value.messages[0]


# Entering by hand ------------------------------------------------------------------------


def test_entering_checks_each_cell_against_what_the_editor_loaded(demo_plans):
    budget = nv_budget()
    with scope(association=budget.association):
        line = LineOutcome.objects.get(line__name="Styrelse", line__group__budget=budget)
        assert (
            outcome_save(
                budget=budget,
                acting_user=kansli(),
                changes={line.line_id: (Decimal(457300), Decimal(460000))},
            )
            == 1
        )
        line.refresh_from_db()
        assert (line.amount, line.source) == (460000, LineOutcome.Source.ENTERED)
        with pytest.raises(OutcomeConflict) as conflict:
            outcome_save(
                budget=budget,
                acting_user=kansli(),
                changes={line.line_id: (Decimal(457300), Decimal(1))},
            )
        assert conflict.value.current == {line.line_id: 460000}
        outcome_save(
            budget=budget, acting_user=kansli(), changes={line.line_id: (Decimal(460000), None)}
        )
        assert not LineOutcome.objects.filter(pk=line.pk).exists()


# The mapping -----------------------------------------------------------------------------


def test_a_narrower_mapping_wins_and_crossing_ranges_are_refused(demo_plans):
    association = Association.objects.get(slug=NV)
    with scope(association=association):
        wide = mapping_save(
            association=association, acting_user=None, accounts="6000-6999", line_name="A"
        )
        narrow = mapping_save(
            association=association, acting_user=None, accounts="6100", line_name="B"
        )
        mappings = [wide, narrow]
        assert mapping_for(mappings, 6100) == narrow
        assert mapping_for(mappings, 6101) == wide
        for accounts in ("6900-7100", "6000-6999", "abc", "7000-6000"):
            with pytest.raises(ValidationError):
                mapping_save(
                    association=association, acting_user=None, accounts=accounts, line_name="C"
                )


# Pages -------------------------------------------------------------------------------------


def url(name, budget, **kwargs):
    return reverse(
        f"budgets:{name}",
        kwargs={"association_slug": NV, "plan_pk": budget.plan_id, **kwargs},
    )


@pytest.mark.parametrize("role", ["kansli", "styrelse", "projektledare", "revisor"])
def test_every_role_reads_budget_against_outcome(client, demo_plans, role):
    budget = nv_budget()
    client.force_login(User.objects.get(username=f"{NV}-{role}"))
    html = client.get(url("outcome", budget)).content.decode()
    assert "Budget mot utfall 2022" in html
    assert "457\xa0300\xa0kr" in html and "+2\xa0200\xa0kr" in html and "+0,5\xa0%" in html
    import_link = url("outcome_import", budget)
    assert (import_link in html) == (role == "kansli")


@pytest.mark.parametrize("name", ["outcome_edit", "outcome_import", "account_mapping"])
@pytest.mark.parametrize("role", ["styrelse", "projektledare", "revisor"])
def test_only_the_kansli_enters_outcome(client, demo_plans, name, role):
    budget = nv_budget()
    client.force_login(User.objects.get(username=f"{NV}-{role}"))
    assert client.get(url(name, budget)).status_code == 403
    assert client.post(url(name, budget), {}).status_code == 403


def test_another_forbunds_outcome_is_not_found(client, demo_plans):
    budget = nv_budget()
    client.force_login(User.objects.get(username="samspelet-kansli"))
    for name in ("outcome", "outcome_edit", "outcome_import"):
        page = reverse(
            f"budgets:{name}", kwargs={"association_slug": "samspelet", "plan_pk": budget.plan_id}
        )
        assert client.get(page).status_code == 404


def test_kansli_uploads_the_file_and_sees_the_outcome(client, demo_plans):
    budget = nv_budget()
    forget_outcome(budget)
    client.force_login(kansli())
    response = client.post(
        url("outcome_import", budget),
        {"file": SimpleUploadedFile("nv-2022.se", SAMPLE)},
        follow=True,
    )
    html = response.content.decode()
    assert "Utfallet har lästs in från nv-2022.se" in html
    assert "1\xa0561\xa0200\xa0kr" in html


def test_a_broken_file_lists_each_problem_with_its_line(client, demo_plans):
    budget = nv_budget()
    forget_outcome(budget)
    broken = SAMPLE.replace(b"#RES 0 4011 1561200.00", b"#RES 0 4011 tolv")
    broken = broken.replace(b"#ORGNR 222000-1875", b"#ORGNR 556000-0000")
    client.force_login(kansli())
    html = client.post(
        url("outcome_import", budget), {"file": SimpleUploadedFile("b.se", broken)}
    ).content.decode()
    assert "Filen har de här problemen" in html
    line = SAMPLE.split(b"\r\n").index(b"#RES 0 4011 1561200.00") + 1
    assert f"Rad {line}: ”tolv” är inget belopp" in html
    assert "inte 222000-1875" in html
    assert outcomes(budget) == {}


def test_a_file_over_20_mb_is_refused_by_the_form(client, demo_plans):
    budget = nv_budget()
    client.force_login(kansli())
    big = SimpleUploadedFile("big.se", b"#FLAGGA 0\r\n" + b" " * (20 * 1024 * 1024))
    html = client.post(url("outcome_import", budget), {"file": big}).content.decode()
    assert "större än 20 MB" in html
    with scopes_disabled():
        assert not OutcomeImport.objects.filter(file_name="big.se").exists()


def test_the_mapping_page_chooses_a_line_for_each_unmapped_account(client, demo_plans):
    budget = nv_budget()
    forget_outcome(budget)
    with scopes_disabled():
        AccountMapping.objects.filter(first_account__in=[4011, 4012]).delete()
    client.force_login(kansli())
    response = client.post(
        url("outcome_import", budget), {"file": SimpleUploadedFile("n.se", SAMPLE)}
    )
    with scopes_disabled():
        waiting = OutcomeImport.objects.get(status=OutcomeImport.Status.WAITING)
    assert response["Location"] == url("outcome_mapping", budget, import_pk=waiting.pk)
    page = client.get(response["Location"]).content.decode()
    assert "4011" in page and "1\xa0561\xa0200\xa0kr" in page and "1\xa0548\xa0300\xa0kr" in page
    # One left out: nothing read, and the page says which.
    html = client.post(
        response["Location"], {"account-4011": "Samordningsteam FNS", "account-4012": ""}
    ).content.decode()
    assert "Välj budgetrad för konto 4012" in html
    assert outcomes(budget) == {}
    client.post(
        response["Location"],
        {"account-4011": "Samordningsteam FNS", "account-4012": "Samordningsteam Sala"},
    )
    assert outcomes(budget)["Samordningsteam Sala"] == 1548300


def test_the_grid_saves_what_was_typed(client, demo_plans):
    budget = nv_budget()
    with scopes_disabled():
        line = LineOutcome.objects.get(line__name="Styrelse", line__group__budget=budget)
    client.force_login(kansli())
    form = client.get(url("outcome_edit", budget)).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update({f"initial-{name}": form[name].value() for name in form.fields})
    data[f"o-{line.line_id}"] = "460 000"
    response = client.post(url("outcome_edit", budget), data, follow=True)
    assert "1 utfall ändrat" in response.content.decode()
    line.refresh_from_db()
    assert line.amount == 460000
    data[f"o-{line.line_id}"] = "fyra"
    html = client.post(url("outcome_edit", budget), data).content.decode()
    assert "är inte ett belopp i kronor" in html or "inte ett belopp" in html


def test_a_line_with_neither_budget_nor_outcome_does_not_blank_the_summary(demo_plans):
    """Samspelet's income has a line with no budget for 2022 and no outcome: the year's
    income, result and equity are still computed, from the lines that have figures."""
    from budgets.outcome import outcome_summary

    with scopes_disabled():
        budget = Budget.objects.get(plan__association__slug="samspelet", plan__year=2022)
    with scope(association=budget.association):
        table = outcome_table(budget=budget)
        summary = outcome_summary(budget=budget, table=table)
    empty = [r for b in table.income for r in b.rows if r.figures.budget is None]
    assert empty and all(r.figures.outcome is None for r in empty)
    assert summary.income.value == table.income_total.outcome == 9790000
    assert summary.result.value == table.result.outcome


def test_the_grid_refuses_a_minus_sign(client, demo_plans):
    budget = nv_budget()
    with scopes_disabled():
        line = LineOutcome.objects.get(line__name="Styrelse", line__group__budget=budget)
    client.force_login(kansli())
    form = client.get(url("outcome_edit", budget)).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update({f"initial-{name}": form[name].value() for name in form.fields})
    data[f"o-{line.line_id}"] = "-5 000"
    html = client.post(url("outcome_edit", budget), data).content.decode()
    assert "utan minustecken" in html
    line.refresh_from_db()
    assert line.amount == 457300


def test_the_outcome_page_takes_as_many_queries_for_40_more_lines(client, demo_plans):
    """The page reads the budget table and the outcomes in a fixed number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from budgets.models import BudgetGroup, BudgetLine

    budget = nv_budget()
    client.force_login(User.objects.get(username=f"{NV}-styrelse"))
    counts = []
    for more in (0, 40):
        with scopes_disabled():
            Plan._base_manager.filter(pk=budget.plan_id).update(status=Plan.Status.DRAFT)
            group = BudgetGroup.objects.filter(budget=budget, side="cost").first()
            for i in range(more):
                line = BudgetLine.objects.create(
                    association=budget.association, group=group, name=f"Rad {i}", order=100 + i
                )
                LineOutcome.objects.create(
                    association=budget.association, line=line, amount=Decimal(1000 + i)
                )
            Plan._base_manager.filter(pk=budget.plan_id).update(status=Plan.Status.APPROVED)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("outcome", budget)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
