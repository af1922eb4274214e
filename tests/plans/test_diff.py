"""What changed between two versions: word diff, parts matched by content, budget lines."""

from decimal import Decimal

from django.utils import translation

from budgets.models import BudgetAmount, BudgetLine
from plans.diff import plan_changes, word_diff
from plans.models import Goal, Plan
from tests.factories import (
    GoalAreaFactory,
    GoalFactory,
    MeasurementPointFactory,
    PlanFactory,
    SectionFactory,
)
from tests.plans.helpers import add_budget


def test_word_diff_marks_removed_and_added_words():
    assert word_diff("Minst 200 deltagare", "Minst 250 deltagare") == (
        "Minst <del>200</del><ins>250</ins> deltagare"
    )
    assert word_diff("a b", "a b") == "a b"
    assert word_diff("", "Ny") == "<ins>Ny</ins>"


def test_word_diff_escapes_text():
    html = word_diff("<b>x</b>", "<script>alert(1)</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html


def versions(association):
    earlier = PlanFactory(association=association, year=2022, end_year=2024)
    later = PlanFactory(association=association, year=2022, end_year=2024, revision_of=earlier)
    for plan, body in [
        (earlier, "Förbundet arbetar med 3 insatser."),
        (later, "Förbundet arbetar med 4 insatser."),
    ]:
        SectionFactory(association=association, plan=plan, heading="Inledning", body=body)
        SectionFactory(association=association, plan=plan, heading="Vision", body="Samma")
        area = GoalAreaFactory(association=association, plan=plan, name="Förebygga")
        goal = GoalFactory(
            association=association,
            plan=plan,
            goal_area=area,
            level=Goal.Level.LONG_TERM,
            text="Fler deltagare går vidare till arbete eller studier",
        )
        MeasurementPointFactory(
            association=association,
            plan=plan,
            goal=goal,
            text="Minst 200 kvinnor och män deltar",
            target_count=200 if plan is earlier else 250,
        )
    SectionFactory(association=association, plan=earlier, heading="Gammalt avsnitt", body="x")
    GoalFactory(
        association=association,
        plan=later,
        goal_area=later.goal_areas.get(),
        text="Tjänstedesign ska vara välkänt hos parterna",
    )
    add_budget(earlier, lines=[("Kansli", 1000), ("Insatser", 5000), ("Utgår", 300)])
    add_budget(later, lines=[("Kansli", 1000), ("Insatser", 5500), ("Ny insats", 200)])
    return earlier, later


def test_plan_changes(scoped):
    earlier, later = versions(scoped)
    with translation.override("en"):
        changes = plan_changes(earlier=earlier, later=later)
    assert changes.title is None
    assert [c.label for c in changes.sections.changed] == ["Inledning"]
    assert "<del>3</del><ins>4</ins>" in changes.sections.changed[0].diff
    assert [c.label for c in changes.sections.removed] == ["Gammalt avsnitt"]
    assert changes.sections.added == []
    assert [c.new for c in changes.goals.added] == ["Tjänstedesign ska vara välkänt hos parterna"]
    assert not changes.goals.removed and not changes.goals.changed
    (point,) = changes.points.changed
    assert "<del>200,</del><ins>250,</ins>" in point.diff
    lines = {
        (line.name, line.status): (line.old, line.new) for line in changes.extra["budget"].lines
    }
    assert lines == {
        ("Insatser", "changed"): ([Decimal(5000)], [Decimal(5500)]),
        ("Utgår", "removed"): ([Decimal(300)], [None]),
        ("Ny insats", "added"): ([None], [Decimal(200)]),
    }
    costs = next(t for t in changes.extra["budget"].totals if t.label == "Total costs")
    assert (costs.old, costs.new, costs.change) == (
        [Decimal(6300)],
        [Decimal(6700)],
        [Decimal(400)],
    )
    assert not changes.nothing_changed


def test_identical_versions_have_no_changes(scoped):
    earlier = PlanFactory(association=scoped)
    SectionFactory(association=scoped, plan=earlier, heading="A", body="B")
    add_budget(earlier)
    later = PlanFactory(association=scoped, revision_of=earlier)
    SectionFactory(association=scoped, plan=later, heading="A", body="B")
    add_budget(later)
    assert plan_changes(earlier=earlier, later=later).nothing_changed


def test_the_changes_page(client, members, association):
    from django.urls import reverse
    from django_scopes import scope

    with scope(association=association):
        earlier, later = versions(association)
    client.force_login(members["revisor"])
    response = client.get(
        reverse(
            "plans:changes",
            kwargs={"association_slug": association.slug, "plan_pk": later.pk},
        )
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<del>3</del><ins>4</ins>" in html
    assert "Tjänstedesign ska vara välkänt hos parterna" in html
    assert "5\u00a0500\u00a0kr" in html


def test_budget_line_amount_change_found_after_a_real_revision(scoped, members):
    from plans import workflow

    earlier = PlanFactory(association=scoped)
    add_budget(earlier)
    earlier.status = Plan.Status.APPROVED
    earlier.save()
    revision = workflow.start_revision(document=earlier, acting_user=members["kansli"])
    amount = BudgetAmount.objects.get(line__group__budget__plan=revision, line__name="Kansli")
    amount.amount = Decimal(1200)
    amount.save()
    changes = plan_changes(earlier=earlier, later=revision)
    assert [(line.name, line.change) for line in changes.extra["budget"].lines] == [
        ("Kansli", [Decimal(200)])
    ]
    assert BudgetLine.objects.filter(group__budget__plan=revision).count() == 2


# A renamed heading, Markdown bodies, columns a year on ------------------------------


def test_render_text_drops_the_markdown_markers():
    from plans.richtext import render_text

    text = render_text(
        "Vi **arbetar** med:\n\n- Stegen\n- [Lärvux](https://x.se)\n\n### Mål\n\nFler"
    )
    assert "**" not in text and "- " not in text and "#" not in text and "](" not in text
    assert text.split() == ["Vi", "arbetar", "med:", "•", "Stegen", "•", "Lärvux", "Mål", "Fler"]
    assert render_text("**Stegen** *Lärvux*\n**Jobbstart**") == "Stegen Lärvux Jobbstart"
    assert (
        render_text("1. Ett\n2. Två\n\nrad ett  \nrad två") == "1. Ett\n2. Två\n\nrad ett\nrad två"
    )


def test_a_renamed_heading_is_a_heading_change(scoped):
    earlier = PlanFactory(association=scoped)
    later = PlanFactory(association=scoped, revision_of=earlier)
    SectionFactory(association=scoped, plan=earlier, heading="Vision", body="Alla ska med.")
    SectionFactory(association=scoped, plan=later, heading="Vår vision", body="Alla ska med.")
    SectionFactory(association=scoped, plan=earlier, heading="Mål", body="Fler i arbete i år.")
    SectionFactory(
        association=scoped, plan=later, heading="Målen", body="Fler i arbete eller studier i år."
    )
    sections = plan_changes(earlier=earlier, later=later).sections
    assert sections.added == [] and sections.removed == []
    renamed = {c.old_label: c for c in sections.changed}
    assert set(renamed) == {"Vision", "Mål"}
    assert renamed["Vision"].label == "Vår vision"
    assert renamed["Vision"].heading_diff == "<del>Vision</del><ins>Vår vision</ins>"
    assert not renamed["Vision"].body_changed
    assert renamed["Mål"].label == "Målen"
    assert "<ins>eller studier </ins>" in renamed["Mål"].diff


def test_a_body_is_diffed_as_rendered_text(scoped):
    earlier = PlanFactory(association=scoped)
    later = PlanFactory(association=scoped, revision_of=earlier)
    SectionFactory(
        association=scoped,
        plan=earlier,
        heading="Insatser",
        body="Förbundet **finansierar**:\n\n- Stegen\n- Lärvux",
    )
    SectionFactory(
        association=scoped,
        plan=later,
        heading="Insatser",
        body="Förbundet **finansierar**:\n\n- Stegen\n- Lärvux\n- Jobbstart",
    )
    (change,) = plan_changes(earlier=earlier, later=later).sections.changed
    assert "**" not in change.diff and "- " not in change.diff
    assert change.diff.endswith("Lärvux<ins>\n• Jobbstart</ins>")
    assert change.old_label is None


def _budget(plan, columns, lines):
    """``columns``: [(kind, year, label)]; ``lines``: [(side, group, name, {label: amount})]."""
    from budgets.models import Budget, BudgetColumn, BudgetGroup

    association = plan.association
    budget = Budget.objects.create(association=association, plan=plan)
    by_label = {}
    for order, (kind, year, label) in enumerate(columns, start=1):
        by_label[label] = BudgetColumn.objects.create(
            association=association,
            budget=budget,
            kind=kind,
            year=year,
            label=label,
            order=order,
            opening_equity=Decimal(1000) if order == 1 else None,
        )
    groups = {}
    for order, (side, group, name, amounts) in enumerate(lines, start=1):
        if group not in groups:
            groups[group] = BudgetGroup.objects.create(
                association=association,
                budget=budget,
                side=side,
                category="contributions" if side == "income" else "individual",
                name=group,
                order=order,
            )
        line = BudgetLine.objects.create(
            association=association, group=groups[group], name=name, order=order
        )
        for label, amount in amounts.items():
            BudgetAmount.objects.create(
                association=association,
                line=line,
                column=by_label[label],
                amount=Decimal(amount),
            )
    return budget


def test_this_years_plan_against_last_years_pairs_columns_by_year(scoped):
    """Last year's "Budget 2022" is this year's "Beslutad budget 2022", its "Plan 2023"
    this year's "Budget 2023"; a line only in last year's 2021 column is no news."""
    earlier = PlanFactory(association=scoped, year=2022, end_year=2023)
    later = PlanFactory(association=scoped, year=2023, end_year=2024, copied_from=earlier)
    _budget(
        earlier,
        [
            ("forecast", 2021, "Prognos 2021"),
            ("budget", 2022, "Budget 2022"),
            ("plan", 2023, "Plan 2023"),
        ],
        [
            (
                "income",
                "Medlemsavgifter",
                "Avgifter",
                {"Prognos 2021": 900, "Budget 2022": 1000, "Plan 2023": 1000},
            ),
            (
                "cost",
                "Insatser",
                "Stegen",
                {"Prognos 2021": 400, "Budget 2022": 500, "Plan 2023": 500},
            ),
            ("cost", "Insatser", "Avslutad 2021", {"Prognos 2021": 300}),
        ],
    )
    _budget(
        later,
        [
            ("decided", 2022, "Beslutad budget 2022"),
            ("forecast", 2022, "Prognos 2022"),
            ("budget", 2023, "Budget 2023"),
            ("plan", 2024, "Plan 2024"),
        ],
        [
            (
                "income",
                "Medlemsavgifter",
                "Avgifter",
                {"Beslutad budget 2022": 1000, "Budget 2023": 1100, "Plan 2024": 1100},
            ),
            ("cost", "Insatser", "Stegen", {"Beslutad budget 2022": 500, "Budget 2023": 600}),
        ],
    )
    with translation.override("en"):
        budget = plan_changes(earlier=earlier, later=later).extra["budget"]
    assert [(c.earlier, c.later) for c in budget.columns] == [
        ("Budget 2022", "Beslutad budget 2022"),
        ("Plan 2023", "Budget 2023"),
    ]
    lines = {(line.name, line.status): line.cells for line in budget.lines}
    assert lines == {
        ("Avgifter", "changed"): [
            (Decimal(1000), Decimal(1000), Decimal(0)),
            (Decimal(1000), Decimal(1100), Decimal(100)),
        ],
        ("Stegen", "changed"): [
            (Decimal(500), Decimal(500), Decimal(0)),
            (Decimal(500), Decimal(600), Decimal(100)),
        ],
    }
    totals = {t.label: t.cells for t in budget.totals}
    assert totals["Insatser, total"][1] == (Decimal(500), Decimal(600), Decimal(100))
    assert totals["Total income"][1] == (Decimal(1000), Decimal(1100), Decimal(100))
    assert totals["Result of the year"][1] == (Decimal(500), Decimal(500), Decimal(0))
    # Equity from the budget's own figures: 1000 at the start of 2021 plus the results.
    assert totals["Equity at the end of the year"][0] == (
        Decimal(1000 + 200 + 500),
        Decimal(1000 + 500),
        Decimal(-200),
    )


def test_a_missing_figure_is_missing_not_zero(scoped):
    """The later version states no equity to start from: its equity is missing, and so is
    the change (not a change to zero)."""
    earlier = PlanFactory(association=scoped, year=2022, end_year=2022)
    later = PlanFactory(association=scoped, year=2022, end_year=2022, revision_of=earlier)
    columns = [("budget", 2022, "Budget 2022")]
    lines = [
        ("income", "Medlemsavgifter", "Avgifter", {"Budget 2022": 1000}),
        ("cost", "Insatser", "Stegen", {"Budget 2022": 500}),
    ]
    _budget(earlier, columns, lines)
    later_budget = _budget(later, columns, lines)
    later_budget.columns.update(opening_equity=None)
    with translation.override("en"):
        budget = plan_changes(earlier=earlier, later=later).extra["budget"]
    assert budget.lines == []
    totals = {t.label: t.cells for t in budget.totals}
    assert totals["Equity at the end of the year"] == [(Decimal(1500), None, None)]
    assert totals["Result of the year"] == [(Decimal(500), Decimal(500), Decimal(0))]


def test_changes_page_of_next_years_copy_shows_only_what_changed(client, demo_data):
    """Norra Västmanland 2023, started from 2022 with one amount changed: the page pairs
    the columns a year on, shows that one line with its totals, and no Markdown."""
    from django.urls import reverse
    from django_scopes import scope

    from associations.models import Association, User
    from plans import services
    from plans.models import Section

    association = Association.objects.get(slug="norra-vastmanland")
    kansli = User.objects.get(username="norra-vastmanland-kansli")
    with scope(association=association):
        plan = Plan.objects.get(association=association, year=2022)
        new = services.plan_copy_to_next_year(plan=plan, acting_user=kansli)
        amount = BudgetAmount.objects.get(
            line__group__budget__plan=new,
            line__name="Samordningsteam FNS",
            column__label="Budget 2023",
        )
        amount.amount += 10_000
        amount.save()
        section = Section.objects.filter(plan=new).exclude(body="").order_by("order").first()
        section.body = f"**Nytt:** en mening till.\n\n- en punkt\n\n{section.body}"
        section.save()
        changes = plan_changes(earlier=plan, later=new)
    assert [(line.name, line.status) for line in changes.extra["budget"].lines] == [
        ("Samordningsteam FNS", "changed")
    ]
    client.force_login(kansli)
    response = client.get(
        reverse(
            "plans:changes",
            kwargs={"association_slug": association.slug, "plan_pk": new.pk},
        )
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "**" not in html and "- en punkt" not in html
    assert "Fritt eget kapital" not in html  # no allocations: not on the budget page either
    assert "<ins>Nytt: en mening till.\n• en punkt" in html
    assert "Budget 2023 (tidigare: Plan 2023)" in html
    assert "10\u00a0000\u00a0kr" in html
    assert "text-bg-success" not in html and "text-bg-danger" not in html  # none added/removed


def test_columns_pair_by_year_across_two_years():
    """A plan compared with the one two years before: its decided budget with what that
    plan planned for the year."""
    from types import SimpleNamespace as Column

    from budgets.columns import paired_columns

    earlier = [Column(pk=1, kind="budget", year=2022), Column(pk=2, kind="plan", year=2023)]
    later = [
        Column(pk=3, kind="decided", year=2023),
        Column(pk=4, kind="forecast", year=2023),
        Column(pk=5, kind="budget", year=2024),
    ]
    assert [(o.pk, n.pk) for o, n in paired_columns(earlier, later)] == [(2, 3)]
