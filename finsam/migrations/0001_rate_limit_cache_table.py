"""The table of Django's database cache, which holds the mail rate-limit counters
(``finsam.ratelimit``). Created by ``migrate`` so that no installation needs a separate
``createcachetable`` step; with another cache backend configured this does nothing."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
