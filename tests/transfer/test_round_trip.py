"""Every demo förbund exported and imported under a new slug in the same database shows
the same figures and keeps its archived PDFs byte for byte."""

import itertools
import os
import time

import pytest
from django_scopes import scopes_disabled

from associations.demo import DEMO_SLUGS
from associations.models import Association, User
from plans.models import Plan
from plans.tasks import document_approved
from reports.models import AnnualReport
from tests.transfer import compare
from transfer.archive import archive_read
from transfer.exporting import association_export
from transfer.importing import association_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def distinct_pdfs(monkeypatch):
    """WeasyPrint's writer replaced by bytes that differ per file (a render takes a second;
    the import copies bytes whatever they are, and distinct bytes make the comparison
    mean something)."""
    from weasyprint import HTML

    made = itertools.count()

    def write_pdf(self, target=None, **options):
        return b"%PDF-1.7\n% fake " + str(next(made)).encode() + os.urandom(64) + b"\n%%EOF\n"

    monkeypatch.setattr(HTML, "write_pdf", write_pdf)


def archive_approved_documents(association: Association) -> int:
    """What the job queued on approval does (the snapshot of the demo data was taken in a
    transaction rolled back, so its on-commit jobs never ran). Returns how many."""
    approved = 0
    with scopes_disabled():
        for model in (Plan, AnnualReport):
            for pk in model.objects.filter(association=association, status="approved").values_list(
                "pk", flat=True
            ):
                document_approved.call(
                    label=model._meta.label, pk=pk, association_id=association.pk
                )
                approved += 1
    return approved


def round_trip(slug: str) -> tuple[Association, Association, int, float]:
    with scopes_disabled():
        original = Association.objects.get(slug=slug)
    approved = archive_approved_documents(original)
    started = time.monotonic()
    archive = archive_read(association_export(association=original))
    copy = association_import(archive=archive, slug=f"{slug}-kopia").association
    return original, copy, approved, time.monotonic() - started


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_an_imported_copy_shows_the_same_figures_and_pdfs(demo_data, distinct_pdfs, client, slug):
    original, copy, approved, seconds = round_trip(slug)
    print(f"{slug}: round trip {seconds:.2f} s, {sum(compare.row_counts(copy).values())} rows")
    assert copy.slug == f"{slug}-kopia" and copy.name == original.name
    budgets = compare.budget_figures(original)
    assert budgets and compare.budget_figures(copy) == budgets
    assert compare.followup_figures(copy) == compare.followup_figures(original)
    pdfs = compare.archived_pdfs(original)
    assert len(pdfs) >= 2 * approved  # a PDF and a PDF/A per approved document
    assert compare.archived_pdfs(copy) == pdfs
    assert compare.row_counts(copy) == compare.row_counts(original)
    assert compare.orphaned_history(copy) == compare.orphaned_history(original)
    with scopes_disabled():
        client.force_login(User.objects.get(username=f"{slug}-kansli"))
    pages = compare.pages(client, original)
    assert sum(status == 200 for status, _ in pages.values()) >= 5
    assert compare.pages(client, copy) == pages
