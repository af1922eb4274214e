"""Demo follow-up: invented but plausible quarterly figures (``followup/demo/<slug>.json``).

Loaded through the services as the förbund's demo kansli user, so every rule
holds and the history shows who entered what. Idempotent: a förbund that has
any quarterly report is left alone.
"""

import datetime
import json
from pathlib import Path

from django.db import transaction
from django_scopes import scope

from associations.models import Membership, Role
from plans.models import Intervention, MeasurementPoint

from . import services, workflow
from .models import FollowUpMethod, Gender, QuarterReport

DEMO_DIR = Path(__file__).resolve().parent / "demo"

# The steps from a draft to each status.
STEPS = {
    "draft": [],
    "submitted": [workflow.SUBMIT],
    "approved": [workflow.SUBMIT, workflow.APPROVE],
    "returned": [workflow.SUBMIT, workflow.RETURN],
}
RETURN_REASON = "Summan av avslutade stämmer inte med förra kvartalets aktiva. Kontrollera."


def read_demo_followup(slug: str) -> dict | None:
    path = DEMO_DIR / f"{slug}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _values(data: dict, measures_by_key: dict) -> dict:
    values = {}
    for key, value in data.items():
        measure = measures_by_key[key]
        if isinstance(value, list):
            values[(measure.pk, Gender.WOMEN)], values[(measure.pk, Gender.MEN)] = value
        else:
            values[(measure.pk, Gender.ALL)] = value
    return values


@transaction.atomic
def load_demo_followup(association, plan=None) -> None:
    """The demo förbund's follow-up, from its seed file (idempotent).

    Long because it is data: settings, reports, figures and assessments in the order the
    seed gives them, and a split would only scatter that order."""
    data = read_demo_followup(association.slug)
    if data is None:
        return
    with scope(association=association):
        if QuarterReport.objects.filter(association=association).exists():
            return
        kansli_members = Membership.objects.filter(
            association=association, role=Role.KANSLI
        ).select_related("user")
        # The förbund's own demo kansli user, not the one who works in several förbund.
        kansli = (
            kansli_members.filter(user__username=f"{association.slug}-kansli").first()
            or kansli_members.order_by("user__username").first()
        ).user
        measures = services.standard_measures_ensure(association=association)
        by_key = {m.key: m for m in measures if m.key}
        interventions = {i.name: i for i in Intervention.objects.filter(association=association)}
        for name, settings in data["settings"].items():
            intervention = interventions[name]
            services.followup_settings_save(
                intervention=intervention,
                acting_user=kansli,
                expected_version=None,
                focus=intervention.kind,
                precise_focus=settings.get("precise_focus", ""),
                method=settings.get("method", FollowUpMethod.AGGREGATED),
                esf_funded=settings.get("esf_funded", False),
                measures=[by_key[key] for key in settings["measures"]],
            )
        year = data["year"]
        for name, quarters in data["quarters"].items():
            intervention = interventions[name]
            for quarter, entry in sorted(quarters.items()):
                report = services.quarter_report_save(
                    intervention=intervention,
                    year=year,
                    quarter=int(quarter),
                    acting_user=kansli,
                    expected_version=None,
                    values=_values(entry["values"], by_key),
                    comment=entry.get("comment", ""),
                )
                for action in STEPS[entry["status"]]:
                    report = services.quarter_report_transition(
                        report=report,
                        acting_user=kansli,
                        action=action,
                        reason=RETURN_REASON if action == workflow.RETURN else "",
                    )
        points = list(MeasurementPoint.objects.filter(association=association, plan__year=year))
        for item in data.get("assessments", []):
            point = next((p for p in points if p.text.startswith(item["text"])), None)
            if point is None:
                continue
            services.point_assessment_save(
                point=point,
                acting_user=kansli,
                expected_version=None,
                status=item.get("status", ""),
                comment=item.get("comment", ""),
                assessed_on=datetime.date.fromisoformat(item["date"]) if item.get("date") else None,
                measure=by_key.get(item.get("measure", "")),
            )
