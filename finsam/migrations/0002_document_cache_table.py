"""The table of the ``documents`` cache, which holds drafts' PDFs (``plans.rendering``).
``createcachetable`` makes every configured cache's missing table; with other backends
configured this does nothing."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("finsam", "0001_rate_limit_cache_table")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
