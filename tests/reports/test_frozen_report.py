"""A report on review or approved cannot change, proved over every write path found by
introspection: every model that points at a report is a registered part of it, and on
each of them (and on the report and the year's outcome) every save of every field,
``update()``, ``bulk_update``, ``bulk_create``, delete and queryset delete is refused.
Only the workflow's own fields change: on review the decision, once approved the
auditors' statement."""

import datetime

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from associations.models import Association, User
from budgets.models import LineOutcome
from plans import workflow
from reports.freezing import AUDITORS_FIELDS, PARTS, REPORT
from reports.models import AnnualReport
from reports.services import report_create
from tests.plans.test_frozen_graph import REFUSED, changeable_fields, field_writes, other_paths

NV = "ostra-varmland"  # its plan has an internkontrollplan
# Deleting the förbund removes all it owns, frozen or not: the platform administrator's
# deliberate act (plans.freezing._removing_the_forbund), tried by the plan's graph test.
NOT_TRIED = {"delete its association"}


def models_pointing_at_reports() -> set[str]:
    report = apps.get_model(REPORT)
    found = set()
    for model in apps.get_models():
        if model._meta.label.split(".")[1].startswith("Historical"):
            continue  # the audit trail: written by the guards' own saves, never read back
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is report:
                found.add(model._meta.label)
    return found


def test_every_model_that_points_at_a_report_is_frozen_with_it():
    assert models_pointing_at_reports() == {f"reports.{name}" for name in PARTS}


def frozen_report(status) -> AnnualReport:
    association = Association.objects.get(slug=NV)
    kansli = User.objects.get(username=f"{NV}-kansli")
    with scope(association=association):
        report = report_create(
            association=association, acting_user=kansli, year=2022, kind="annual"
        )
        report = workflow.send_for_review(
            document=report,
            acting_user=kansli,
            deadline=timezone.localdate() + datetime.timedelta(days=7),
        )
        if status == AnnualReport.Status.APPROVED:
            report = workflow.record_approval(
                document=report, acting_user=kansli, meeting_date=datetime.date(2023, 3, 20)
            )
        model = apps.get_model("reports", "ReportDocument")
        model.objects.create(
            association=association, report=report, variant="pdf", content=b"%PDF", sha256=""
        )
    return report


def rows_of(report) -> dict:
    rows = {REPORT: report.pk}
    for name in PARTS:
        model = apps.get_model("reports", name)
        rows[model._meta.label] = model._base_manager.filter(report=report).first().pk
    rows["budgets.LineOutcome"] = (
        LineOutcome._base_manager.filter(line__group__budget__plan=report.plan).first().pk
    )
    return rows


def attempt(write) -> str:
    try:
        with transaction.atomic():
            write()
            raise _Written
    except _Written:
        return "written"
    except REFUSED:
        return "refused"


class _Written(Exception):
    pass


@pytest.mark.parametrize("status", [AnnualReport.Status.REVIEW, AnnualReport.Status.APPROVED])
def test_no_write_path_changes_a_frozen_report(demo_plans, status):
    report = frozen_report(status)
    allowed = (
        AUDITORS_FIELDS if status == AnnualReport.Status.APPROVED else workflow_fields_on_review()
    )
    written = []
    with scopes_disabled():
        for label, pk in rows_of(report).items():
            model = apps.get_model(label)
            for f in changeable_fields(model):
                if label == REPORT and f.name in allowed:
                    continue
                writes = field_writes(model, pk, [f])
                if writes is None:
                    continue
                for name, write in zip(["save", "update"], writes, strict=True):
                    if attempt(write) == "written":
                        written.append(f"{label}: {name} {f.name}")
            for name, _policy, write, _key in other_paths(model, pk):
                if name in NOT_TRIED:
                    continue
                if attempt(write) == "written":
                    written.append(f"{label}: {name}")
            if label != REPORT:
                original = model._base_manager.get(pk=pk)
                original.pk = original.id = None
                if attempt(lambda m=model, o=original: m.objects.bulk_create([o])) == "written":
                    written.append(f"{label}: bulk_create")
    assert written == []


def workflow_fields_on_review():
    from plans.freezing import WORKFLOW_FIELDS_ON_REVIEW

    return WORKFLOW_FIELDS_ON_REVIEW


def test_the_approved_report_takes_the_auditors_statement_and_nothing_else(demo_plans):
    report = frozen_report(AnnualReport.Status.APPROVED)
    with scopes_disabled():
        report.auditors_statement = "Vi tillstyrker att styrelsen beviljas ansvarsfrihet."
        report.save()  # allowed
        report.title = "Annan titel"
        assert attempt(report.save) == "refused"
