"""What a page of a förbund shows, with every database id and the slug taken out, so
that the original and its imported copy can be compared."""

import dataclasses
import hashlib
from decimal import Decimal

from django.db import models
from django_scopes import scope

from budgets.selectors import Figure, budget_table
from followup.models import Measure
from followup.selectors import followup_years, year_figures
from plans.models import Intervention, Plan, PlanDocument
from reports.models import ReportDocument


def _figures(value):
    """The figures in a budget table, nested as the table nests them."""
    if isinstance(value, Figure):
        return (value.computed, value.stated, value.tkr, str(value.gap) if value.gap else None)
    if isinstance(value, models.Model):
        return str(value)
    if dataclasses.is_dataclass(value):
        return {
            f.name: _figures(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in ("budget", "pk", "id")
        }
    if isinstance(value, list | tuple):
        return [_figures(item) for item in value]
    if isinstance(value, dict):
        return {str(_figures(k)): _figures(v) for k, v in value.items()}
    if isinstance(value, Decimal | int | str | bool | type(None)):
        return value
    return str(value)


def plan_key(plan: Plan) -> tuple:
    return (plan.year, plan.end_year, plan.title, plan.status)


def budget_figures(association) -> dict:
    with scope(association=association):
        return {
            plan_key(plan): _figures(budget_table(budget=plan.budget))
            for plan in Plan.objects.filter(association=association).select_related("budget")
            if hasattr(plan, "budget")
        }


def followup_figures(association) -> dict:
    with scope(association=association):
        names = dict(Intervention.objects.filter(association=association).values_list("pk", "name"))
        measures = {
            f"m{pk}": name
            for pk, name in Measure.objects.filter(association=association).values_list(
                "pk", "name"
            )
        }
        return {
            year: sorted(
                (names[iid], quarter, measures.get(key, key), gender, value)
                for (iid, quarter, key, gender), value in year_figures(
                    association=association, year=year
                ).items()
            )
            for year in followup_years(association=association)
        }


def archived_pdfs(association) -> list:
    with scope(association=association):
        plans = [
            (plan_key(d.plan), d.variant, d.approval_key, hashlib.sha256(d.content).hexdigest())
            for d in PlanDocument.objects.filter(association=association).select_related("plan")
        ]
        reports = [
            (d.report.year, d.report.kind, d.variant, d.approval_key, d.sha256)
            for d in ReportDocument.objects.filter(association=association).select_related("report")
        ]
    return sorted(plans) + sorted(reports)
