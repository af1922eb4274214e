import pytest
from django_scopes import scopes_disabled

from audit.models import AuditEvent


@pytest.fixture
def events():
    """Every event written so far, oldest first (across every förbund)."""

    def read(**filters):
        with scopes_disabled():
            return list(AuditEvent.objects.filter(**filters).order_by("pk"))

    return read
