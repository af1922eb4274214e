"""Optimistic concurrency: the one version check every save of an edited record makes.

A record that two people may edit at once carries a ``version``. The editor's form
sends the version it loaded; the save claims the next version in one conditional
UPDATE, so of two saves based on the same version exactly one succeeds, and the other
gets ``EditConflict`` carrying the record as saved now (the form shows it beside the
editor's input, which is kept). Plans, budgets and follow-up all save through here.
"""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _


class EditConflict(ValidationError):
    """Someone else saved the record after the editor loaded it."""

    def __init__(self, current):
        self.current = current
        super().__init__(
            _(
                "Someone else saved a change to this while you were editing. Your changes "
                "have not been saved; they are still in the form. Compare with the saved "
                "version below and save again to keep yours."
            )
        )


def claim_version(model, pk: int, expected_version: int) -> int:
    """Take the next version of ``model``'s record ``pk`` if it still has
    ``expected_version``, and return the new version; otherwise nothing is written and
    ``EditConflict`` carries the record as it is saved now."""
    claimed = model.objects.filter(pk=pk, version=expected_version).update(version=F("version") + 1)
    if not claimed:
        raise EditConflict(model.objects.get(pk=pk))
    return expected_version + 1


def ensure_version(record, expected_version: int | None) -> None:
    """For a record already read under a row lock (or about to be claimed): raise
    ``EditConflict`` if it is no longer the version the editor loaded. None: the
    caller did not say which version it loaded, and nothing is checked."""
    if expected_version is not None and record.version != expected_version:
        raise EditConflict(record)
