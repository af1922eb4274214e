"""A real worker (``manage.py db_worker``) against PostgreSQL: the jobs the application
queues with ``TASKS_BACKEND=database`` (the archive of an approved plan, a mail, a
draft's PDF) are run by another process, which finds them and the data they need in the
database alone. The worker renders as in production: a draft in a child process at
``PDF_RENDER_NICE``.

Runs only when the test database is PostgreSQL: an in-memory SQLite test database is
invisible to another process.
"""

import datetime
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks_db.models import DBTaskResult

from associations.models import OutgoingMail
from associations.outbox import queue_mail
from plans import workflow
from plans.models import PlanDocument
from tests.factories import PlanFactory

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(
        not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="needs PostgreSQL: another process cannot see the in-memory SQLite test database",
    ),
    pytest.mark.django_db(transaction=True),
]


def database_url() -> str:
    """The URL of the test database this test writes to."""
    db = django_settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def run_worker(mail_folder: Path) -> subprocess.CompletedProcess:
    """Every job waiting on both queues, run by ``db_worker`` in its own process."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "database",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_folder),
    }
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--batch",
            "--no-startup-delay",
            "--queue-name",
            "default,documents",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def database_jobs(settings):
    """Jobs wait in the database for a worker, as with ``TASKS_BACKEND=database``."""
    settings.TASKS = {
        "default": {
            "BACKEND": django_settings.TASKS_BACKENDS["database"],
            "QUEUES": ["default", "documents"],
        }
    }


def test_the_worker_archives_an_approved_plan_and_sends_the_mail(
    association, members, database_jobs, tmp_path
):
    kansli = members["kansli"]
    with scope(association=association):
        plan = PlanFactory(association=association, title="Verksamhetsplan 2022")
        workflow.send_for_review(
            document=plan,
            acting_user=kansli,
            deadline=timezone.localdate() + datetime.timedelta(days=7),
        )
        workflow.record_approval(
            document=plan,
            acting_user=kansli,
            meeting_date=datetime.date(2021, 12, 1),
            paragraph="39",
        )
        # Queued, not rendered: the decision was answered without the PDFs.
        assert not PlanDocument.objects.filter(plan=plan).exists()
    mail = queue_mail(
        to=["styrelsen@example.se"],
        subject="Planen är fastställd",
        body="Verksamhetsplan 2022 är fastställd.",
        association=association,
    )
    with scopes_disabled():
        assert OutgoingMail.objects.get(pk=mail.pk).status == OutgoingMail.Status.QUEUED
    assert set(DBTaskResult.objects.values_list("queue_name", flat=True)) == {
        "default",
        "documents",
    }

    worker = run_worker(tmp_path)

    assert worker.returncode == 0, worker.stdout + worker.stderr
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {"SUCCESSFUL"}, worker.stdout + worker.stderr
    with scope(association=association):
        stored = {d.variant: bytes(d.content) for d in PlanDocument.objects.filter(plan=plan)}
    assert set(stored) == {"pdf", "pdfa"}
    assert all(content.startswith(b"%PDF-") for content in stored.values())
    with scopes_disabled():
        mail.refresh_from_db()
    assert mail.status == OutgoingMail.Status.SENT
    written = [path.read_text() for path in tmp_path.iterdir()]
    assert any("To: styrelsen@example.se" in text for text in written)


def test_the_worker_renders_the_draft_a_download_asked_for(
    association, members, database_jobs, client, tmp_path
):
    from django.core.cache import caches
    from django.urls import reverse

    from documents import rendering

    caches[rendering.DOCUMENT_CACHE].clear()
    with scope(association=association):
        draft = PlanFactory(association=association, title="Verksamhetsplan 2025")
    url = reverse(
        "documents:plan_document_pdf",
        kwargs={"association_slug": association.slug, "plan_pk": draft.pk},
    )
    client.force_login(members["revisor"])
    assert client.get(url).status_code == 503  # the pending page: the render is queued
    assert client.get(url).status_code == 503
    assert DBTaskResult.objects.filter(queue_name="documents").count() == 1

    worker = run_worker(tmp_path)

    assert worker.returncode == 0, worker.stdout + worker.stderr
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
