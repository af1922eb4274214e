"""The two many-to-many tables of plan parts become models of their own, over the same
tables and columns (state only: nothing changes in the database), so that the
freezing guards see every write to them."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("associations", "0006_party_member_until"),
        ("plans", "0007_fill_plan_intervention_words"),
    ]

    state_operations = [
        migrations.CreateModel(
            name="CountedIntervention",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "intervention",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="plans.intervention"
                    ),
                ),
                (
                    "measurementpoint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="plans.measurementpoint"
                    ),
                ),
            ],
            options={
                "verbose_name": "intervention counted",
                "verbose_name_plural": "interventions counted",
                "db_table": "plans_measurementpoint_counted_interventions",
                "unique_together": {("measurementpoint", "intervention")},
            },
        ),
        migrations.AlterField(
            model_name="measurementpoint",
            name="counted_interventions",
            field=models.ManyToManyField(
                blank=True,
                help_text="For a number of participants: the interventions whose figures are summed.",
                related_name="+",
                through="plans.CountedIntervention",
                to="plans.intervention",
                verbose_name="interventions counted",
            ),
        ),
        migrations.CreateModel(
            name="PlanInterventionMunicipality",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "memberparty",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="associations.memberparty"
                    ),
                ),
                (
                    "planintervention",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="plans.planintervention"
                    ),
                ),
            ],
            options={
                "verbose_name": "municipality served",
                "verbose_name_plural": "municipalities served",
                "db_table": "plans_planintervention_municipalities",
                "unique_together": {("planintervention", "memberparty")},
            },
        ),
        migrations.AlterField(
            model_name="planintervention",
            name="municipalities",
            field=models.ManyToManyField(
                blank=True,
                related_name="+",
                through="plans.PlanInterventionMunicipality",
                to="associations.memberparty",
                verbose_name="municipalities served",
            ),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=state_operations, database_operations=[]
        )
    ]
