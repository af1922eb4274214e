"""The jobs plans gives the job runner (django-tasks, ``settings.TASKS``).

``document_approved`` runs what the apps above plans do once the board's approval of
a document is committed (``extensions.document_approved``: ``documents`` archives a
plan's PDF and PDF/A, ``reports`` an annual report's). It is queued on "documents" by
``workflow.record_approval`` after the commit, so the decision is answered without
waiting 2–3 s for the renders: a worker (``manage.py db_worker``) makes them, or, with
the immediate backend, the web process right after the commit. Plans knows no app
above it: the job names the document by its model's label and primary key. The
document itself is frozen from the decision on; what its print takes from the förbund
(logo, board) is as it stands when the job runs, seconds later with a running worker.

A job that fails or never runs loses nothing: the decision is committed before the job
is queued, and the first download of an approved document that has no stored file
renders and stores it (``documents.pdf.stored_pdf``).
"""

from django.apps import apps
from django_scopes import scope
from django_tasks import task

from associations.models import Association

from . import extensions
from .models import BoardDecided

# A job's result when what it names no longer exists: the förbund was removed (the
# platform administrator's ``association_remove``) or the document deleted while the job
# waited in the queue. The job ends quietly instead of failing in the worker.
GONE = "gone"


@task(queue_name="documents")
def document_approved(*, label: str, pk: int, association_id: int) -> str:
    """Archive the files of the approved document ``label`` ("plans.Plan",
    "reports.AnnualReport") ``pk``, read in the scope of its förbund. Returns what was
    done, for the job's result."""
    association = Association.objects.filter(pk=association_id).first()
    if association is None:
        return GONE  # the förbund was removed while the job waited
    with scope(association=association):
        document = apps.get_model(label).objects.filter(pk=pk).first()
        if document is None:
            return GONE
        if document.status != BoardDecided.Status.APPROVED:
            return "not approved"  # cannot happen through the workflow: nothing to archive
        extensions.document_approved(document=document)
    return "archived"
