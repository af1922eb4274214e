"""What a page of a förbund shows, with every database id and the slug taken out, so
that the original and its imported copy can be compared."""

import dataclasses
import hashlib
import re
from decimal import Decimal

from django.apps import apps
from django.db import models
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from budgets.selectors import Figure, budget_table
from followup.models import Measure
from followup.selectors import followup_years, year_figures
from plans.models import Intervention, Plan, PlanDocument
from reports.models import AnnualReport, ReportDocument
from transfer import groups
from transfer.exporting import rows_of


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


ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')
DIGITS = re.compile(r"\d+")
VARYING = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|nonce="[^"]*"')


def normalised_html(html: str, slug: str) -> str:
    """The page's ``<main>`` with the slug, every number inside an attribute (ids, URLs)
    and the CSRF token taken out: what is left is what a reader sees."""
    main = html[html.index("<main") : html.index("</main>")]
    main = VARYING.sub("", main).replace(f"/f/{slug}/", "/f/SLUG/")
    return ATTRIBUTE.sub(lambda m: f'{m[1]}="{DIGITS.sub("N", m[2])}"', main)


PLAN_PAGES = ("plans:plan_detail", "plans:history", "plans:budget_history", "plans:changes")
PAGES = ("followup:dashboard", "reports:report_list")


def _page(client, association, name: str, **kwargs) -> tuple[int, str]:
    response = client.get(reverse(name, kwargs={"association_slug": association.slug, **kwargs}))
    if response.status_code != 200:
        return response.status_code, ""
    return 200, normalised_html(response.content.decode(), association.slug)


def pages(client, association) -> dict:
    """Each plan's page, history, budget history and changes, each report's page, the
    follow-up dashboard and the report list: (status, normalised ``<main>``)."""
    with scope(association=association):
        plans = list(Plan.objects.filter(association=association).order_by("year", "pk"))
        reports = list(AnnualReport.objects.filter(association=association).order_by("pk"))
    found = {name: _page(client, association, name) for name in PAGES}
    for plan in plans:
        for name in PLAN_PAGES:
            found[(name, *plan_key(plan))] = _page(client, association, name, plan_pk=plan.pk)
    for report in reports:
        key = ("reports:report_detail", report.year, report.kind)
        found[key] = _page(client, association, key[0], report_pk=report.pk)
    return found


def row_counts(association) -> dict:
    """Rows per model of the förbund's data."""
    with scopes_disabled():
        return {
            label: rows_of(apps.get_model(label), association).count()
            for label in groups.import_order()
        }


def orphaned_history(association) -> dict:
    """Per history table: how many rows name a record of it that is no longer there (so
    a copy's history names its own records, not stand-ins, wherever they exist)."""
    found = {}
    with scopes_disabled():
        for label in groups.import_order():
            model = apps.get_model(label)
            if not groups.is_history(model):
                continue
            live = set(rows_of(model.instance_type, association).values_list("pk", flat=True))
            ids = list(rows_of(model, association).values_list("id", flat=True))
            found[label] = sum(i not in live for i in ids)
    return found
