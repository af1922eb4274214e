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
            level=Goal.Level.LANGSIKTIGT,
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
    lines = {(line.name, line.status): (line.old, line.new) for line in changes.budget.lines}
    assert lines == {
        ("Insatser", "changed"): ([Decimal(5000)], [Decimal(5500)]),
        ("Utgår", "removed"): ([Decimal(300)], [None]),
        ("Ny insats", "added"): ([None], [Decimal(200)]),
    }
    costs = next(t for t in changes.budget.totals if t.label == "Total costs")
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
    revision = workflow.start_revision(plan=earlier, acting_user=members["kansli"])
    amount = BudgetAmount.objects.get(line__group__budget__plan=revision, line__name="Kansli")
    amount.amount = Decimal(1200)
    amount.save()
    changes = plan_changes(earlier=earlier, later=revision)
    assert [(line.name, line.change) for line in changes.budget.lines] == [
        ("Kansli", [Decimal(200)])
    ]
    assert BudgetLine.objects.filter(group__budget__plan=revision).count() == 2
