"""Demo annual reports, from ``reports/demo/<slug>-<year>.json`` (idempotent).

Each report is created by the service from the förbund's approved plan and filled from
its outcome and follow-up; the demo file adds what the kansli writes (the sections, a
few interventions' narratives), a status, comment and result for the rows the follow-up
leaves open (so that each report has a measurement point of each status and a control
with a deviation), and the board's decision and the auditors' statement where it has
them. The texts are invented.
"""

import datetime
import json
from itertools import cycle
from pathlib import Path

from django.db import transaction
from django_scopes import scope

from associations.models import User

from .models import AnnualReport, ControlResult, GoalResult, InterventionResult, ReportSection
from .services import DEFAULT_SECTIONS, plan_covering, report_create

DEMO_DIR = Path(__file__).resolve().parent / "demo"
COMMENTS = {
    GoalResult.Status.REACHED: "Målet nåddes under året.",
    GoalResult.Status.PARTLY: "Arbetet har påbörjats men är inte klart; det fortsätter 2023.",
    GoalResult.Status.NOT_REACHED: "Målet nåddes inte: insatsen startade senare än planerat.",
}


def load_demo_reports(associations: dict) -> None:
    """``associations``: slug → Association, as ``load_demo_associations`` returns them."""
    for path in sorted(DEMO_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        association = associations.get(path.stem.rsplit("-", 1)[0])
        if association is not None:
            _load_report(association, data)


@transaction.atomic
def _load_report(association, data: dict) -> None:
    with scope(association=association):
        if AnnualReport.objects.filter(
            association=association, year=data["year"], kind=data["kind"]
        ).exists():
            return
        if plan_covering(association=association, year=data["year"]) is None:
            return
        kansli = User.objects.filter(username=f"{association.slug}-kansli").first()
        report = report_create(
            association=association, acting_user=kansli, year=data["year"], kind=data["kind"]
        )
        _write(report, data)
        _decide(report, data)


def _write(report: AnnualReport, data: dict) -> None:
    sections = list(ReportSection.objects.filter(report=report).order_by("order"))
    for section, key in zip(sections, DEFAULT_SECTIONS, strict=False):
        section.body = data["sections"].get(key, "")
        section.save()
    narratives = data.get("narratives", {})
    for result in InterventionResult.objects.filter(report=report).select_related(
        "plan_intervention"
    ):
        if result.plan_intervention.name in narratives:
            result.narrative = narratives[result.plan_intervention.name]
            result.save()
    statuses = cycle(
        [GoalResult.Status.PARTLY, GoalResult.Status.NOT_REACHED, GoalResult.Status.REACHED]
    )
    for result in GoalResult.objects.filter(report=report).order_by("order"):
        # The follow-up's own status where it counted the point; the others get one of
        # each status in turn, as the kansli would set them.
        if not result.status and not result.computed:
            result.status = next(statuses)
        if not result.status:
            continue
        if not result.comment:
            result.comment = COMMENTS[result.status]
        result.save()
    for index, result in enumerate(ControlResult.objects.filter(report=report).order_by("order")):
        result.result = ControlResult.Result.DEVIATION if index == 1 else ControlResult.Result.DONE
        if index == 1:
            result.deviation = "Kontrollen visade att rutinen inte följts fullt ut under året."
            result.action = "Rutinen har gåtts igenom med kansliet och följs upp nästa år."
        result.save()


def _decide(report: AnnualReport, data: dict) -> None:
    """The board's decision as the demo file gives it, set as recorded (the archived
    PDFs are rendered at the first download, as after a decision whose rendering failed)."""
    if data["status"] != AnnualReport.Status.APPROVED:
        return
    report.status = AnnualReport.Status.APPROVED
    report.approved_on = datetime.date.fromisoformat(data["approved_on"])
    report.approval_paragraph = data.get("paragraph", "")
    report.approval_dnr = data.get("dnr", "")
    auditors = data.get("auditors")
    if auditors:
        report.auditors_statement_on = datetime.date.fromisoformat(auditors["on"])
        report.auditors_recommend_discharge = auditors["recommend"]
        report.auditors_statement = auditors["text"]
        report.auditors_statement_by = User.objects.filter(
            username=f"{report.association.slug}-revisor"
        ).first()
    report.save()  # still a draft as stored: the save that approves it
