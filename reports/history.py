"""The audit trail of a report, read from django-simple-history with the plan's reader
(``plans.history.history_entries``): the report and each of its parts, newest first."""

from plans.history import HistoryEntry, history_entries, newest_first

from .models import AnnualReport, ControlResult, GoalResult, InterventionResult, ReportSection


def report_history(*, report: AnnualReport) -> list[HistoryEntry]:
    """Who changed what in the report and its parts, and when; newest first."""
    entries = history_entries(
        AnnualReport,
        AnnualReport.history.filter(id=report.pk).select_related("history_user"),
        lambda r: r.title,
    )
    labels = {
        ReportSection: lambda r: r.heading,
        GoalResult: lambda r: str(r.point_id),
        InterventionResult: lambda r: str(r.plan_intervention_id),
        ControlResult: lambda r: str(r.control_point_id),
    }
    names = {
        GoalResult: dict(report.goal_results.values_list("point_id", "point__text")),
        InterventionResult: dict(
            report.intervention_results.values_list(
                "plan_intervention_id", "plan_intervention__name"
            )
        ),
        ControlResult: dict(
            report.control_results.values_list("control_point_id", "control_point__routine")
        ),
    }
    for model, label_of in labels.items():
        records = model.history.filter(report_id=report.pk).select_related("history_user")
        if model in names:
            key = {
                GoalResult: "point_id",
                InterventionResult: "plan_intervention_id",
                ControlResult: "control_point_id",
            }[model]

            def label_of(r, key=key, known=names[model]):
                return str(known.get(getattr(r, key), ""))[:80]

        entries += history_entries(model, records, label_of)
    return newest_first(entries)
