"""Each plan's entry takes the words it printed until now from its intervention, and
the project leaders' names as they read today; from here on they are the plan's own."""

from django.db import migrations
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def fill_from_intervention(apps, schema_editor):
    PlanIntervention = apps.get_model("plans", "PlanIntervention")
    entries = PlanIntervention.objects.select_related("intervention").prefetch_related(
        "intervention__project_leaders"
    )
    for entry in entries.iterator(chunk_size=500):
        intervention = entry.intervention
        leaders = sorted(
            intervention.project_leaders.all(),
            key=lambda user: (user.last_name, user.first_name, user.username),
        )
        entry.name = intervention.name
        entry.kind = intervention.kind
        entry.start_year = intervention.start_year
        entry.owner_party_id = intervention.owner_party_id
        entry.project_leader_names = ", ".join(
            f"{user.first_name} {user.last_name}".strip() or user.username for user in leaders
        )
        # The migration's models are not the app's: no freezing guard applies.
        PlanIntervention.objects.filter(pk=entry.pk).update(
            name=entry.name,
            kind=entry.kind,
            start_year=entry.start_year,
            owner_party_id=entry.owner_party_id,
            project_leader_names=entry.project_leader_names,
        )

    # The history shows each record under its name: earlier records take today's.
    HistoricalPlanIntervention = apps.get_model("plans", "HistoricalPlanIntervention")
    Intervention = apps.get_model("plans", "Intervention")
    name = Intervention.objects.filter(pk=OuterRef("intervention_id")).values("name")[:1]
    HistoricalPlanIntervention.objects.filter(name="").update(name=Coalesce(Subquery(name), Value("")))

class Migration(migrations.Migration):
    dependencies = [("plans", "0006_plan_intervention_own_words")]

    operations = [migrations.RunPython(fill_from_intervention, migrations.RunPython.noop)]
