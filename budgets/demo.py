"""Demo budgets, transcribed from the seed plans into ``budgets/demo/<slug>.json``.

Idempotent: a plan's budget and the förbund's rules are created once. Stated
totals are loaded as stated, slips included, so the page shows the differences.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django_scopes import scope

from associations.models import MemberParty
from plans.models import Intervention

from .models import (
    AccountMapping,
    Budget,
    BudgetAmount,
    BudgetColumn,
    BudgetGroup,
    BudgetLine,
    FinancialRule,
    LineOutcome,
    StatedFigure,
)
from .outcome import mapping_save, outcome_import_read

DEMO_DIR = Path(__file__).resolve().parent / "demo"


def read_demo_budget(slug: str) -> dict:
    return json.loads((DEMO_DIR / f"{slug}.json").read_text(encoding="utf-8"))


@transaction.atomic
def load_demo_budget(plan) -> Budget:
    """The demo förbund's budget for ``plan``, from its seed file (idempotent).

    Long because it is data: it lays out one seed's columns, groups, lines and amounts
    in the order the seed gives them, and a split would only scatter that order."""
    association = plan.association
    data = read_demo_budget(association.slug)
    with scope(association=association):
        existing = Budget.objects.filter(plan=plan).first()
        if existing is not None:
            return existing
        source = data["budget"]
        budget = Budget.objects.create(
            association=association,
            plan=plan,
            unit=source["unit"],
            costs_negative=source["costs_negative"],
        )
        parties = {p.name: p for p in MemberParty.objects.filter(association=association)}
        interventions = {i.name: i for i in Intervention.objects.filter(association=association)}
        columns = {}
        seen_years = set()
        for order, column in enumerate(source["columns"], start=1):
            opening = source["opening_equity"].get(column["key"])
            # Only where no earlier column carries the equity into this one, unless the
            # plan states the column's opening equity itself ("opening_equity" on it).
            carried = column["year"] - 1 in seen_years or column["year"] in seen_years
            if carried:
                opening = None
            opening = column.get("opening_equity", opening)
            columns[column["key"]] = BudgetColumn.objects.create(
                association=association,
                budget=budget,
                kind=column["kind"],
                year=column["year"],
                label=column["label"],
                opening_equity=None if opening is None else Decimal(opening),
                order=order,
            )
            seen_years.add(column["year"])

        def amounts(line, values, notes=None):
            notes = notes or {}
            BudgetAmount.objects.bulk_create(
                BudgetAmount(
                    association=association,
                    line=line,
                    column=columns[key],
                    amount=Decimal(value),
                    note=notes.get(key, ""),
                )
                for key, value in values.items()
            )

        def stated(kind, values, group=None):
            StatedFigure.objects.bulk_create(
                StatedFigure(
                    association=association,
                    budget=budget,
                    column=columns[key],
                    group=group,
                    kind=kind,
                    amount=Decimal(value),
                )
                for key, value in values.items()
            )

        for order, group_data in enumerate(source["groups"], start=1):
            group = BudgetGroup.objects.create(
                association=association,
                budget=budget,
                side=group_data["side"],
                category=group_data["category"],
                name=group_data["name"],
                order=order,
            )
            for line_order, line_data in enumerate(group_data["lines"], start=1):
                line = BudgetLine.objects.create(
                    association=association,
                    group=group,
                    name=line_data["name"],
                    party=parties.get(line_data["party"]),
                    intervention=interventions.get(line_data["intervention"]),
                    order=line_order,
                )
                amounts(line, line_data["amounts"], line_data.get("notes"))
                for sub_order, sub in enumerate(line_data["sub_lines"], start=1):
                    sub_line = BudgetLine.objects.create(
                        association=association,
                        group=group,
                        parent=line,
                        name=sub["name"],
                        party=parties.get(sub.get("party")),
                        order=sub_order,
                    )
                    amounts(sub_line, sub["amounts"])
            stated(StatedFigure.Kind.GROUP_TOTAL, group_data["stated_totals"], group)
        for kind in ("income_total", "cost_total", "result", "equity_end"):
            stated(kind, source["stated"][kind])

        if not FinancialRule.objects.filter(association=association).exists():
            for order, rule in enumerate(data["rules"], start=1):
                FinancialRule.objects.create(
                    association=association,
                    kind=rule["kind"],
                    value=Decimal(str(rule["value"])),
                    category=rule["category"] or "",
                    text=rule["text"],
                    order=order,
                )
    return budget


def change_demo_revision_budget(plan, user) -> None:
    """Two cost amounts of the demo revision change, so "What changed" shows them
    (``plans.demo_review.load_demo_review`` calls it through the ``load_demo`` command)."""
    amounts = BudgetAmount.objects.filter(
        line__group__budget__plan=plan, line__group__side=BudgetGroup.Side.COST
    ).order_by("line__group__order", "line__order", "pk")
    for amount, change in zip(amounts[:2], [Decimal(150000), Decimal(-50000)], strict=False):
        amount.amount += change
        amount._history_user = user
        amount.save()


SIE_DIR = DEMO_DIR / "sie"
OUTCOME_DIR = DEMO_DIR / "outcome"


def demo_sie_file(slug: str, year: int) -> Path:
    return SIE_DIR / f"{slug}-{year}.se"


def load_demo_outcome(plan, user=None) -> None:
    """The year's outcome for a demo plan that is approved (idempotent): read from the
    förbund's sample SIE file through its account mapping where the repository has one
    (``demo/sie/``), else typed in from ``demo/outcome/<slug>-<year>.json``, invented
    close to the budget."""
    association = plan.association
    sie_path = demo_sie_file(association.slug, plan.year)
    typed_path = OUTCOME_DIR / f"{association.slug}-{plan.year}.json"
    if not (sie_path.exists() or typed_path.exists()):
        return
    with scope(association=association), transaction.atomic():
        budget = Budget.objects.filter(plan=plan).first()
        if budget is None or LineOutcome.objects.filter(line__group__budget=budget).exists():
            return
        if sie_path.exists():
            if not AccountMapping.objects.filter(association=association).exists():
                mapping = sie_path.with_suffix(".mapping.json")
                for item in json.loads(mapping.read_text(encoding="utf-8")):
                    mapping_save(
                        association=association,
                        acting_user=user,
                        accounts=item["accounts"],
                        line_name=item["line"],
                    )
            outcome_import_read(
                budget=budget,
                content=sie_path.read_bytes(),
                file_name=sie_path.name,
                acting_user=user,
            )
            return
        typed = json.loads(typed_path.read_text(encoding="utf-8"))["lines"]
        for line in BudgetLine.objects.filter(group__budget=budget, name__in=list(typed)):
            LineOutcome.objects.create(
                association=association, line=line, amount=Decimal(typed[line.name])
            )
