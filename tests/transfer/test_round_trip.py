"""Every demo förbund exported and imported under a new slug in the same database shows
the same figures and keeps its archived PDFs byte for byte."""

import time

import pytest
from django_scopes import scopes_disabled

from associations.demo import DEMO_SLUGS
from associations.models import Association
from tests.transfer import compare
from transfer.archive import archive_read
from transfer.exporting import association_export
from transfer.importing import association_import

pytestmark = pytest.mark.django_db


def round_trip(slug: str) -> tuple[Association, Association, float]:
    with scopes_disabled():
        original = Association.objects.get(slug=slug)
    started = time.monotonic()
    archive = archive_read(association_export(association=original))
    copy = association_import(archive=archive, slug=f"{slug}-kopia")
    return original, copy, time.monotonic() - started


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_an_imported_copy_shows_the_same_figures_and_pdfs(demo_data, slug):
    original, copy, seconds = round_trip(slug)
    print(f"{slug}: round trip {seconds:.2f} s")
    assert copy.slug == f"{slug}-kopia" and copy.name == original.name
    budgets = compare.budget_figures(original)
    assert budgets and compare.budget_figures(copy) == budgets
    assert compare.followup_figures(copy) == compare.followup_figures(original)
    assert compare.archived_pdfs(copy) == compare.archived_pdfs(original)
