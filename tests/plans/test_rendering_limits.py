"""PDF rendering: a limit per installation and per person held in the database, drafts'
PDFs cached by what they show and rendered by a job (at once in the request with the
immediate backend, queued for the worker otherwise: ``job_queue``), and a waiting page
while the file is not ready (documents/rendering.py, documents/pdf.py). The renderer is
patched where the PDF itself is not the point."""

import datetime
import os
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from documents import plan_document as document
from documents import rendering
from documents.rendering import RenderBusy, installation_slot, person_slot
from plans.models import Plan, PlanDocument, RenderSlot
from plans.tasks import GONE
from tests.factories import PlanFactory

FAKE_PDF = b"%PDF-1.7 fake"


@pytest.fixture(autouse=True)
def empty_document_cache(db, settings):
    caches[rendering.DOCUMENT_CACHE].clear()
    # Rendered in this process, so that the patched renderer's calls are counted here.
    settings.PDF_RENDER_NICE = 0


@pytest.fixture
def renders(monkeypatch):
    """Replace WeasyPrint by a counter: the list of the HTML it was asked to render."""
    calls = []

    def fake_render_pdf(*, html, context, variant):
        calls.append(html)
        return FAKE_PDF + variant.encode()

    monkeypatch.setattr(document, "render_pdf", fake_render_pdf)
    return calls


@pytest.fixture
def fake_clock(monkeypatch):
    """``time.monotonic`` and ``time.sleep`` of documents.rendering on a clock that only
    sleeping moves: waiting is counted, not spent. ``on_sleep`` runs at each sleep."""

    class Clock:
        now = 0.0
        slept = []
        on_sleep = None

        def monotonic(self):
            return self.now

        def sleep(self, seconds):
            self.slept.append(seconds)
            self.now += seconds
            if self.on_sleep:
                self.on_sleep()

    clock = Clock()
    monkeypatch.setattr(rendering.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(rendering.time, "sleep", clock.sleep)
    return clock


@contextmanager
def render_slot(*, user_id: int, wait: float):
    """The slots a draft's render holds: the person's, then one of the installation's."""
    with person_slot(user_id=user_id), installation_slot(wait=wait):
        yield


def can_render(*, user_id: int, wait: float = 0) -> bool:
    """Whether a slot is given now (and given back at once)."""
    try:
        with render_slot(user_id=user_id, wait=wait):
            return True
    except RenderBusy:
        return False


def held_by_someone_else(name: str) -> None:
    """A slot that another worker holds (claimed, not yet expired)."""
    assert rendering._claim(name, "another-worker")


# The limit ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_limit_one_a_second_render_is_refused_while_the_first_runs(settings):
    settings.PDF_RENDER_LIMIT = 1
    with render_slot(user_id=1, wait=0):
        assert not can_render(user_id=2, wait=0)
    with render_slot(user_id=2, wait=0):  # freed when the first finished
        pass


@pytest.mark.django_db
def test_the_limit_is_a_setting(settings):
    settings.PDF_RENDER_LIMIT = 2
    with render_slot(user_id=1, wait=0), render_slot(user_id=2, wait=0):
        assert not can_render(user_id=3, wait=0)
    assert set(RenderSlot.objects.values_list("name", flat=True)) == {
        "site:0",
        "site:1",
        "user:1",
        "user:2",
        "user:3",
    }


@pytest.mark.django_db
def test_one_person_renders_one_at_a_time_even_with_slots_free(settings, fake_clock):
    settings.PDF_RENDER_LIMIT = 3
    with render_slot(user_id=1, wait=5):
        assert not can_render(user_id=1, wait=5)
        with render_slot(user_id=2, wait=5):
            pass
    assert fake_clock.slept == []  # refused at once: the person's own render is running


@pytest.mark.django_db
def test_a_waiting_render_takes_the_slot_when_it_frees(settings, fake_clock):
    settings.PDF_RENDER_LIMIT = 1
    held_by_someone_else("site:0")
    fake_clock.on_sleep = lambda: rendering._release("site:0", "another-worker")
    with render_slot(user_id=2, wait=5):
        assert RenderSlot.objects.get(name="site:0").holder not in ("", "another-worker")
    assert fake_clock.slept == [rendering.POLL_INTERVAL]


@pytest.mark.django_db
def test_a_render_waits_at_most_the_setting_then_is_refused(settings, fake_clock):
    settings.PDF_RENDER_LIMIT = 1
    held_by_someone_else("site:0")
    assert not can_render(user_id=2, wait=3)
    assert sum(fake_clock.slept) == pytest.approx(3)
    # The person's slot was given back with the refusal.
    assert RenderSlot.objects.get(name="user:2").holder == ""


@pytest.mark.django_db
def test_an_expired_slot_of_a_killed_worker_is_taken_over(settings):
    settings.PDF_RENDER_LIMIT = 1
    held_by_someone_else("site:0")
    held_by_someone_else("user:7")
    assert not can_render(user_id=8, wait=0)
    RenderSlot.objects.update(until=timezone.now() - timedelta(seconds=1))
    with render_slot(user_id=7, wait=0):
        assert RenderSlot.objects.filter(holder="another-worker").count() == 0
    # Released by its new holder; the killed worker's late release changes nothing.
    rendering._release("site:0", "another-worker")
    assert set(RenderSlot.objects.values_list("holder", flat=True)) == {""}


@pytest.mark.django_db
def test_a_slot_is_held_no_longer_than_the_timeout(settings):
    settings.PDF_RENDER_SLOT_TIMEOUT = 60
    before = timezone.now()
    with render_slot(user_id=1, wait=0):
        until = RenderSlot.objects.get(name="site:0").until
    assert before + timedelta(seconds=60) <= until <= timezone.now() + timedelta(seconds=60)


@pytest.mark.django_db
def test_a_failed_render_gives_its_slots_back(settings):
    settings.PDF_RENDER_LIMIT = 1
    with pytest.raises(ValueError), render_slot(user_id=1, wait=0):
        raise ValueError("WeasyPrint failed")
    assert set(RenderSlot.objects.values_list("holder", flat=True)) == {""}


# The cache and the view ----------------------------------------------------------------


def pdf_url(association, plan, name="documents:plan_document_pdf"):
    return reverse(name, kwargs={"association_slug": association.slug, "plan_pk": plan.pk})


@pytest.fixture
def draft(association):
    with scope(association=association):
        return PlanFactory(association=association, title="Verksamhetsplan 2025")


@pytest.mark.django_db
def test_an_unchanged_draft_is_not_rendered_again(association, members, client, draft, renders):
    client.force_login(members["revisor"])
    first = client.get(pdf_url(association, draft))
    second = client.get(pdf_url(association, draft))
    assert first.status_code == second.status_code == 200
    assert first.content == second.content == FAKE_PDF + b"pdf"
    assert len(renders) == 1
    # The archive variant is a file of its own.
    assert (
        client.get(pdf_url(association, draft, "documents:plan_document_pdfa")).status_code == 200
    )
    assert len(renders) == 2


@pytest.mark.django_db
def test_a_changed_draft_is_rendered_again(association, members, client, draft, renders):
    client.force_login(members["revisor"])
    client.get(pdf_url(association, draft))
    with scope(association=association):
        Plan.objects.filter(pk=draft.pk).update(title="Verksamhetsplan 2025, reviderad")
    response = client.get(pdf_url(association, draft))
    assert response.status_code == 200
    assert len(renders) == 2
    assert "reviderad" in renders[1]
    # Only the latest file of the plan and variant is kept.
    key = rendering._cache_key(owner=f"plan:{draft.pk}", variant="pdf")
    digest, _content = caches[rendering.DOCUMENT_CACHE].get(key)
    assert digest == rendering.content_hash(html=renders[1], variant="pdf")


@pytest.mark.django_db
def test_a_cached_draft_is_served_while_every_slot_is_taken(
    association, members, client, draft, renders, settings
):
    settings.PDF_RENDER_WAIT = 0
    client.force_login(members["revisor"])
    client.get(pdf_url(association, draft))
    held_by_someone_else("site:0")
    response = client.get(pdf_url(association, draft))
    assert response.status_code == 200
    assert response.content == FAKE_PDF + b"pdf"
    assert len(renders) == 1


@pytest.mark.django_db
def test_no_slot_in_time_gives_the_waiting_page(
    association, members, client, draft, renders, settings
):
    settings.PDF_RENDER_WAIT = 0
    held_by_someone_else("site:0")
    client.force_login(members["revisor"])
    url = pdf_url(association, draft)
    response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == str(rendering.RETRY_AFTER)
    assert "no-store" in response["Cache-Control"]
    assert not response.has_header("Content-Disposition")
    page = response.content.decode()
    assert "PDF:en förbereds" in page
    assert f'<meta http-equiv="refresh" content="{rendering.RETRY_AFTER}">' in page
    assert f'href="{url}"' in page  # the button to ask again, without JavaScript
    assert renders == []


@pytest.mark.django_db
def test_a_persons_second_download_at_once_gets_the_waiting_page_at_once(
    association, members, client, draft, renders, fake_clock
):
    held_by_someone_else(f"user:{members['revisor'].pk}")  # their first download
    client.force_login(members["revisor"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(pdf_url(association, draft)).status_code == 503
    assert fake_clock.slept == []
    assert renders == []
    # Answered before the document is built (it reads the plan's sections and more).
    assert not any("plans_section" in query["sql"] for query in queries.captured_queries)
    client.force_login(members["kansli"])
    assert client.get(pdf_url(association, draft)).status_code == 200


@pytest.mark.django_db
def test_an_approved_plans_stored_pdf_needs_no_slot(
    association, members, client, renders, settings
):
    settings.PDF_RENDER_WAIT = 0
    with scope(association=association):
        plan = PlanFactory(
            association=association,
            status=Plan.Status.APPROVED,
            approved_on=datetime.date(2024, 11, 30),
        )
        PlanDocument.objects.create(
            association=association,
            plan=plan,
            variant="pdf",
            approval_key=document.approval_key(plan),
            content=b"%PDF stored",
            sha256="0" * 64,
        )
    held_by_someone_else("site:0")
    client.force_login(members["revisor"])
    response = client.get(pdf_url(association, plan))
    assert response.status_code == 200
    assert response.content == b"%PDF stored"
    assert renders == []


@pytest.mark.django_db
def test_with_a_wait_set_the_download_waits_for_the_slot_to_free(
    association, members, client, draft, renders, settings, fake_clock
):
    settings.PDF_RENDER_WAIT = 5
    held_by_someone_else("site:0")
    fake_clock.on_sleep = lambda: rendering._release("site:0", "another-worker")
    client.force_login(members["revisor"])
    response = client.get(pdf_url(association, draft))
    assert response.status_code == 200
    assert len(renders) == 1
    assert fake_clock.slept == [rendering.POLL_INTERVAL]


# With a worker: the render is a job ------------------------------------------------------

RENDER_JOB = "render_draft"


@pytest.mark.django_db
def test_with_a_worker_the_download_queues_the_render_once_and_then_serves_it(
    association, members, client, draft, renders, job_queue
):
    client.force_login(members["revisor"])
    url = pdf_url(association, draft)
    first = client.get(url)
    assert first.status_code == 503  # answered at once: the render waits for the worker
    assert "PDF:en förbereds" in first.content.decode()
    assert "Sidan frågar igen av sig själv" in first.content.decode()
    assert renders == []
    assert job_queue.names() == [RENDER_JOB]
    assert job_queue.waiting[0].task.queue_name == "documents"
    # Asked again (the page's refresh, or somebody else) while the job waits: not twice.
    client.force_login(members["kansli"])
    assert client.get(url).status_code == 503
    assert job_queue.names() == [RENDER_JOB]
    assert job_queue.run_next() == "rendered"
    assert len(renders) == 1
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == FAKE_PDF + b"pdf"
    assert job_queue.waiting == []
    assert len(renders) == 1


@pytest.mark.django_db
def test_a_job_renders_the_draft_as_it_is_when_the_job_runs(
    association, members, client, draft, renders, job_queue
):
    client.force_login(members["revisor"])
    url = pdf_url(association, draft)
    client.get(url)
    with scope(association=association):
        Plan.objects.filter(pk=draft.pk).update(title="Verksamhetsplan 2025, reviderad")
    job_queue.run_next()
    assert "reviderad" in renders[0]
    # The request now sees the changed draft, whose file is already made.
    response = client.get(url)
    assert response.status_code == 200
    assert len(renders) == 1
    assert job_queue.waiting == []


@pytest.mark.django_db
def test_a_job_that_finds_every_slot_taken_is_queued_again_not_waiting_in_the_worker(
    association, members, client, draft, renders, job_queue, settings, fake_clock
):
    settings.PDF_RENDER_LIMIT = 1
    client.force_login(members["revisor"])
    client.get(pdf_url(association, draft))
    held_by_someone_else("site:0")  # another worker's render
    assert job_queue.run_next() == "queued again"
    assert renders == []
    assert fake_clock.slept == []
    again = job_queue.waiting
    assert [job.task.name for job in again] == [RENDER_JOB]
    assert again[0].task.run_after > timezone.now()
    rendering._release("site:0", "another-worker")
    assert job_queue.run_next() == "rendered"
    assert client.get(pdf_url(association, draft)).status_code == 200


@pytest.mark.django_db
def test_a_failed_render_is_an_error_not_a_waiting_page_for_ever(
    association, members, client, draft, job_queue, monkeypatch
):
    def broken(**kwargs):
        raise ValueError("WeasyPrint failed")

    monkeypatch.setattr(document, "render_pdf", broken)
    client.force_login(members["revisor"])
    url = pdf_url(association, draft)
    assert client.get(url).status_code == 503
    with pytest.raises(ValueError, match="WeasyPrint failed"):
        job_queue.run_next()
    # The next download says so (the server error page) and queues no new render.
    with pytest.raises(rendering.RenderFailed):
        client.get(url)
    assert job_queue.waiting == []
    assert set(RenderSlot.objects.values_list("holder", flat=True)) == {""}


@pytest.mark.django_db
def test_with_the_immediate_backend_a_failed_render_is_an_error_at_once(
    association, members, client, draft, monkeypatch
):
    tries = []

    def broken(**kwargs):
        tries.append(kwargs["html"])
        raise ValueError("WeasyPrint failed")

    monkeypatch.setattr(document, "render_pdf", broken)
    client.force_login(members["revisor"])
    with pytest.raises(ValueError, match="WeasyPrint failed"):
        client.get(pdf_url(association, draft))
    # Not tried again at every download while it fails (for ``JOB_TIMEOUT`` seconds).
    with pytest.raises(rendering.RenderFailed):
        client.get(pdf_url(association, draft))
    assert len(tries) == 1
    assert set(RenderSlot.objects.values_list("holder", flat=True)) == {""}


@pytest.mark.django_db
def test_with_the_immediate_backend_the_draft_is_built_once_per_download(
    association, members, client, draft, renders, monkeypatch
):
    built = []
    real = document.render_document_html

    def counted(**kwargs):
        built.append(kwargs["for_screen"])
        return real(**kwargs)

    monkeypatch.setattr(document, "render_document_html", counted)
    client.force_login(members["revisor"])
    assert client.get(pdf_url(association, draft)).status_code == 200
    assert built == [False]
    assert len(renders) == 1


@pytest.mark.django_db
def test_a_render_job_reads_the_plan_only_in_its_forbunds_scope(
    association, other_association, draft, renders
):
    # In another förbund's scope the plan is not found: the job ends as if it were gone.
    done = document.render_draft.call(
        plan_id=draft.pk, association_id=other_association.pk, variant="pdf", digest="x"
    )
    assert (done, renders) == (GONE, [])


def test_a_download_does_not_wait_by_default():
    """Waiting holds a sync worker, which other förbund's pages need (bench/abuse.py)."""
    from finsam import settings as project_settings

    assert project_settings.PDF_RENDER_WAIT == 0
    assert project_settings.PDF_RENDER_LIMIT == 1


# The render at a lower priority -----------------------------------------------------------


def own_priority() -> bytes:
    return str(os.getpriority(os.PRIO_PROCESS, 0)).encode()


@pytest.fixture
def single_threaded(monkeypatch):
    """As in a gunicorn sync worker. A test process may run other threads (the browser
    tests' live server, in the same xdist worker), and then ``run_niced`` rightly renders
    in itself; these tests are about the child."""
    monkeypatch.setattr(rendering.threading, "active_count", lambda: 1)


def test_a_render_runs_in_a_child_at_a_lower_priority(settings, single_threaded):
    settings.PDF_RENDER_NICE = 10
    parent = os.getpriority(os.PRIO_PROCESS, 0)
    assert rendering.run_niced(own_priority) == str(min(parent + 10, 19)).encode()
    assert os.getpriority(os.PRIO_PROCESS, 0) == parent  # the worker keeps its own


def test_a_threaded_process_renders_in_itself(settings):
    settings.PDF_RENDER_NICE = 10
    parent = os.getpriority(os.PRIO_PROCESS, 0)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert rendering.run_niced(own_priority) == str(parent).encode()
    finally:
        release.set()
        other.join()


def test_an_error_in_the_child_is_raised_in_the_worker(settings, single_threaded):
    settings.PDF_RENDER_NICE = 10

    def broken():
        raise ValueError("WeasyPrint could not")

    with pytest.raises(RuntimeError, match="WeasyPrint could not"):
        rendering.run_niced(broken)


def test_the_child_renders_the_same_pdf_as_the_worker(settings, association, draft):
    with scope(association=association):
        context = document.document_context(plan=draft, association=association)
        html = document.render_document_html(context=context, for_screen=False)
    settings.PDF_RENDER_NICE = 10
    forked = rendering.run_niced(document.render_pdf, html=html, context=context, variant="pdf")
    assert forked == document.render_pdf(html=html, context=context, variant="pdf")
