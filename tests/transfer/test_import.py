"""An import into an installation without the förbund, under its own slug, and the
logo's bytes."""

import io

import pytest
from django_scopes import scopes_disabled

from associations.models import Association, AssociationLogo, OutgoingMail
from audit.models import AuditEvent, Kind
from tests.access_matrix import SVG_LOGO
from tests.transfer import compare
from transfer.archive import archive_read
from transfer.exporting import association_export
from transfer.importing import association_import

pytestmark = pytest.mark.django_db


def test_the_logo_comes_back_byte_for_byte(association, members):
    with scopes_disabled():
        AssociationLogo.objects.create(
            association=association, content_type="image/svg+xml", image=SVG_LOGO, sha256="0" * 64
        )
    archive = archive_read(association_export(association=association))
    assert any(name.startswith("files/associations.associationlogo/") for name in archive.names)
    copy = association_import(archive=archive, slug="kopia").association
    with scopes_disabled():
        assert bytes(AssociationLogo.objects.get(association=copy).image) == SVG_LOGO


def test_an_installation_without_the_forbund_gets_it_under_its_own_slug(demo_data):
    """As another installation would: the original moved aside here first (its people
    stay, as they would be found there by their addresses), then imported with no --slug.
    (Removing a förbund is the platform administrator's other tool.)"""
    with scopes_disabled():
        original = Association.objects.get(slug="samspelet")
    before = (
        compare.budget_figures(original),
        compare.followup_figures(original),
        compare.row_counts(original),
    )
    content = association_export(association=original).read()
    Association.objects.filter(pk=original.pk).update(slug="samspelet-forut")
    with scopes_disabled():
        logged, mails = AuditEvent.objects.count(), OutgoingMail.objects.count()
    copy = association_import(archive=archive_read(io.BytesIO(content))).association
    with scopes_disabled():  # an import tells no one; its one event opens the new log
        assert (AuditEvent.objects.count(), OutgoingMail.objects.count()) == (logged + 1, mails)
        event = AuditEvent.objects.latest("pk")
    assert (event.association, event.kind, event.actor) == (copy, Kind.IMPORTED, None)
    assert event.summary.startswith("All data importerad från ett arkiv av /f/samspelet/")
    assert copy.slug == "samspelet"
    after = (compare.budget_figures(copy), compare.followup_figures(copy), compare.row_counts(copy))
    assert after == before
