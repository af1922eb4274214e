"""A number of activities was always counted from activities: say so in the new field.

A number of participants is left without a measure: until the kansli says which figure
it is about (participants, ended, ended into work or studies), the dashboard does not
claim it.
"""

from django.db import migrations


def activity_points_count_activities(apps, schema_editor):
    MeasurementPoint = apps.get_model("plans", "MeasurementPoint")
    MeasurementPoint.objects.filter(kind="activity_count", measure="").update(measure="activities")


class Migration(migrations.Migration):
    dependencies = [("plans", "0004_measurement_point_measure")]

    operations = [
        migrations.RunPython(activity_points_count_activities, migrations.RunPython.noop),
    ]
