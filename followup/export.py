"""The follow-up of a year as a table for Excel and CSV, in the national system's shape.

One row per intervention, quarter and gender (``Kön``: Kvinnor / Män; counts
that are not split by gender, e.g. meetings, on a row of their own), with the
registration fields of Uppföljning Finsam and the insats's budget and outcome
for the year. Figures of submitted and approved quarters. Anyone but the
kansli gets small counts suppressed, consistently with the dashboard.
"""

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from budgets.models import BudgetColumn
from finsam.exports import safe_csv_value, text_cell
from plans.models import Intervention

from .dashboard import _budget_by_intervention
from .models import Focus, FollowUpMethod, Gender, Measure, QuarterReport
from .selectors import QUARTERS, figure_key, plan_for_year, year_figures
from .suppression import suppress_table


@dataclass
class ExportTable:
    headers: list[str]
    rows: list[list]


def export_table(*, association, year: int, suppress: bool) -> ExportTable:
    """The year's follow-up as one table for a spreadsheet, suppressed as the dashboard is.

    Long because it is one table's layout: the columns are built in the order they
    are written, and each part needs the same figures and suppression at hand."""
    figures = year_figures(association=association, year=year)
    statuses = {
        (r.intervention_id, r.quarter): r.get_status_display()
        for r in QuarterReport.objects.filter(association=association, year=year)
    }
    measures = list(Measure.objects.filter(association=association))
    keys = {(iid, q) for (iid, q, _k, _g) in figures}
    ids = {iid for iid, _q in keys}
    interventions = list(
        Intervention.objects.filter(association=association, pk__in=ids).select_related("followup")
    )
    used = {k for (_i, _q, k, _g) in figures}
    measures = [m for m in measures if figure_key(m) in used]
    money = _budget_by_intervention(
        plan=plan_for_year(association=association, year=year), year=year
    )

    # Suppress per intervention and measure: quarters × (women, men), as the dashboard does.
    shown = {}
    for intervention in interventions:
        for measure in measures:
            key = figure_key(measure)
            if measure.by_gender:
                rows = [
                    [figures.get((intervention.pk, q, key, g)) for g in (Gender.WOMEN, Gender.MEN)]
                    for q in QUARTERS
                ]
                table = suppress_table(rows, suppress=suppress)
                for q, cells in zip(QUARTERS, table.cells, strict=True):
                    shown[(intervention.pk, q, key, Gender.WOMEN)] = cells[0]
                    shown[(intervention.pk, q, key, Gender.MEN)] = cells[1]
            else:
                rows = [[figures.get((intervention.pk, q, key, Gender.ALL))] for q in QUARTERS]
                table = suppress_table(rows, suppress=suppress)
                for q, cells in zip(QUARTERS, table.cells, strict=True):
                    shown[(intervention.pk, q, key, Gender.ALL)] = cells[0]

    headers = [
        _("Intervention (insats)"),
        _("Focus (inriktning)"),
        _("Precise focus (preciserad inriktning)"),
        _("Follow-up method (uppföljningsmetod)"),
        _("ESF funded"),
        _("Year"),
        _("Quarter"),
        _("Status"),
        _("Gender (kön)"),
        *[m.name for m in measures],
        _("Budget for the year (kr)"),
        _("Outcome for the year (kr)"),
    ]
    rows = []
    for intervention in interventions:
        settings = getattr(intervention, "followup", None)
        focus = settings.focus if settings else intervention.kind
        method = settings.method if settings else FollowUpMethod.AGGREGATED
        amounts = money.get(intervention.pk, {})
        budget = amounts.get(BudgetColumn.Kind.BUDGET, amounts.get(BudgetColumn.Kind.DECIDED))
        outcome = amounts.get(BudgetColumn.Kind.OUTCOME)
        for q in QUARTERS:
            if (intervention.pk, q) not in keys:
                continue
            genders = [Gender.WOMEN, Gender.MEN]
            if any(not m.by_gender for m in measures):
                genders.append(Gender.ALL)
            for gender in genders:
                cells = []
                for measure in measures:
                    if measure.by_gender == (gender == Gender.ALL):
                        cells.append(None)
                        continue
                    cell = shown.get((intervention.pk, q, figure_key(measure), gender))
                    cells.append(_cell_value(cell))
                if all(c is None for c in cells):
                    continue
                rows.append(
                    [
                        intervention.name,
                        str(Focus(focus).label),
                        settings.precise_focus if settings else "",
                        str(FollowUpMethod(method).label),
                        _("Yes") if settings and settings.esf_funded else _("No"),
                        year,
                        q,
                        str(statuses.get((intervention.pk, q), "")),
                        str(Gender(gender).label) if gender != Gender.ALL else _("Not by gender"),
                        *cells,
                        None if budget is None else int(budget),
                        None if outcome is None else int(outcome),
                    ]
                )
    return ExportTable(headers=headers, rows=rows)


def _cell_value(cell):
    if cell is None or cell.value is None:
        return None
    return cell.label if cell.hidden else cell.value


def as_csv(table: ExportTable) -> bytes:
    """UTF-8 with a byte-order mark and semicolons, as Excel in Sweden opens it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([safe_csv_value(v) for v in table.headers])
    for row in table.rows:
        writer.writerow(["" if v is None else safe_csv_value(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_workbook(table: ExportTable, *, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (_("Follow-up") + f" {title}")[:31]
    # Every text is written as a string cell: a name starting with "=" is no formula.
    sheet.append([text_cell(sheet, v) for v in table.headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([text_cell(sheet, v) for v in row])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(table.headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(header) + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
