"""Reads for plans: the whole plan in a fixed number of queries."""

from django.db.models import Prefetch

from .models import Goal, MeasurementPoint, Plan, PlanIntervention


def _goals_with_points() -> Prefetch:
    # Built per call: a scoped queryset made at import time would be outside any scope.
    points = Prefetch(
        "measurement_points",
        queryset=MeasurementPoint.objects.prefetch_related("counted_interventions"),
    )
    return Prefetch("goals", queryset=Goal.objects.prefetch_related(points))


def plans_of(*, association):
    return Plan.objects.filter(association=association).select_related("copied_from")


def plan_document(*, plan: Plan) -> dict:
    """Everything the plan page (and later the PDF) shows, fully prefetched."""
    interventions = list(
        PlanIntervention.objects.filter(plan=plan)
        .select_related("intervention", "intervention__owner_party")
        .prefetch_related(
            "municipalities",
            "intervention__project_leaders",
            Prefetch("staffing", queryset=plan.staffing_lines().select_related("party")),
            _goals_with_points(),
            Prefetch(
                "measurement_points",
                queryset=MeasurementPoint.objects.filter(goal__isnull=True).prefetch_related(
                    "counted_interventions"
                ),
            ),
        )
    )
    return {
        "plan": plan,
        "sections": list(plan.sections.all()),
        "goal_areas": list(plan.goal_areas.prefetch_related(_goals_with_points())),
        "plan_interventions": interventions,
        "control_points": list(plan.control_points.all()),
        "communication_items": list(plan.communication_items.all()),
    }
