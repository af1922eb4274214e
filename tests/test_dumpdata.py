"""``manage.py dumpdata`` works under the tenant scope, and ``loaddata`` of its output into
an emptied database gives every förbund back row for row (the content hash of
``finsam.content_hash``)."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_scopes import scopes_disabled

from finsam.content_hash import association_paths, content_hashes
from plans.models import Plan

# What Django recreates itself after a flush (post_migrate), referred to by natural keys.
DUMP = ["--natural-foreign", "--exclude=contenttypes", "--exclude=auth.permission"]


def test_the_content_hash_reaches_the_rows_a_forbund_owns_through_others():
    paths = association_paths()
    assert paths["plans.Plan"] == "association"
    assert paths["budgets.BudgetAmount"] == "association"
    # A many-to-many link of a plan part reaches its förbund through the part's keys.
    assert paths["plans.CountedIntervention"].endswith("__association")
    assert "associations.User" not in paths


def test_the_content_hash_sees_a_changed_value(demo_data):
    before = content_hashes()
    with scopes_disabled():
        plan = Plan.objects.filter(association__slug="samspelet").order_by("pk").first()
        Plan.objects.filter(pk=plan.pk).update(updated_at=plan.updated_at)
    assert content_hashes() == before
    with scopes_disabled():
        Plan._base_manager.filter(pk=plan.pk).update(version=plan.version + 1)
    after = content_hashes()
    assert after["samspelet"] != before["samspelet"]
    assert {k: v for k, v in after.items() if k != "samspelet"} == {
        k: v for k, v in before.items() if k != "samspelet"
    }


def test_dumpdata_and_loaddata_into_an_emptied_database_give_every_forbund_back(
    demo_data, tmp_path
):
    before = content_hashes()
    assert len(before) == 5 and all(h.rows > 100 for h in before.values())
    dump = tmp_path / "finsam.json"

    call_command("dumpdata", *DUMP, output=str(dump), verbosity=0)
    assert any(row["model"] == "plans.plan" for row in json.loads(dump.read_text()))

    if connection.vendor == "postgresql":
        # The demo rows were put back in this test's transaction with their foreign keys
        # checked at commit; PostgreSQL truncates no table with such checks pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # back as Django creates them, for loaddata
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    assert content_hashes() == {}
    call_command("loaddata", str(dump), verbosity=0)

    assert content_hashes() == before


@pytest.mark.django_db
def test_djangos_own_dumpdata_meets_the_scope(association, tmp_path):
    """Why the project overrides the command (``finsam/management/commands/``)."""
    from django.core.management.commands.dumpdata import Command as DjangosDumpdata

    with pytest.raises(CommandError, match="scope"):
        call_command(DjangosDumpdata(), "associations", output=str(tmp_path / "x.json"))
    call_command("dumpdata", "associations", output=str(tmp_path / "y.json"))
    assert association.slug in (tmp_path / "y.json").read_text()
