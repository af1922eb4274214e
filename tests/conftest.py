import functools

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connections
from django.test import TransactionTestCase, override_settings
from django_scopes import scopes_disabled

from tests import snapshots
from tests.factories import AssociationFactory, MembershipFactory, UserFactory

ROLES = ["kansli", "styrelse", "projektledare", "revisor"]


def plain_settings() -> dict:
    """Fast hashing and plain static storage (no collectstatic) in tests."""
    return {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "STORAGES": {
            **django_settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        "SECURE_SSL_REDIRECT": False,
        "ALLOWED_HOSTS": ["testserver", "localhost", "127.0.0.1"],
        "LANGUAGE_CODE": "sv",
        # Mails go through the outbox, as in production, and are delivered to Django's
        # in-memory ``mail.outbox`` by the immediate job runner once the test's
        # transaction "commits" (``django_capture_on_commit_callbacks(execute=True)``).
        "EMAIL_BACKEND": "associations.outbox.OutboxBackend",
        "OUTBOX_DELIVERY_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TASKS": {
            "default": {
                "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                "QUEUES": ["default", "documents"],
            }
        },
    }


def _delete_every_row(ops, style, tables, *, reset_sequences=False, allow_cascade=False):
    """PostgreSQL's flush as ``DELETE FROM`` each table instead of one ``TRUNCATE`` of all
    of them: the same empty tables (the sequences go on, as ``reset_sequences=False``
    leaves them), but a test's few rows are deleted in milliseconds where truncating
    every table (new files for each table and index) takes seconds, and waits for every
    other connection's open transaction. Django's foreign keys are checked at commit,
    so the order of the tables does not matter."""
    if reset_sequences or allow_cascade:
        return type(ops).sql_flush(
            ops, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    return [f"DELETE FROM {ops.quote_name(table)}" for table in tables]


_flush_after_a_transactional_test = TransactionTestCase._fixture_teardown


def _fixture_teardown_by_delete(test_case):
    """The flush after each transactional test (browser tests, ``transaction=True``),
    by ``DELETE`` on PostgreSQL (``_delete_every_row``). A test's own ``flush`` command
    still truncates."""
    patched = []
    for alias in test_case._databases_names(include_mirrors=False):
        ops = connections[alias].ops
        if connections[alias].vendor == "postgresql":
            ops.sql_flush = functools.partial(_delete_every_row, ops)
            patched.append(ops)
    try:
        _flush_after_a_transactional_test(test_case)
    finally:
        for ops in patched:
            del ops.sql_flush


TransactionTestCase._fixture_teardown = _fixture_teardown_by_delete


@pytest.fixture(autouse=True)
def _fast_and_plain(settings):
    """The settings of ``plain_settings`` in every test."""
    for name, value in plain_settings().items():
        setattr(settings, name, value)


def _load_demo_associations():
    from associations.demo import load_demo_associations

    load_demo_associations()


def _load_demo_plans():
    """What ``load_demo`` does before the board's review: each förbund's plan, budget,
    the year's outcome and follow-up."""
    from associations.demo import load_demo_associations
    from budgets.demo import load_demo_budget, load_demo_outcome
    from followup.demo import load_demo_followup
    from plans.demo import load_demo_plan

    for association in load_demo_associations().values():
        plan = load_demo_plan(association, before_approval=load_demo_budget)
        load_demo_budget(plan)
        load_demo_outcome(plan)
        load_demo_followup(association, plan)


@pytest.fixture(scope="session")
def demo_snapshots(django_db_setup, django_db_blocker):
    """The demo data in three stages, each loaded on the one before and kept as the rows
    added to an empty database (see ``tests/snapshots.py``): the förbund and their users;
    also every förbund's plan, budget and follow-up; all that ``manage.py load_demo``
    loads (the board's review as well). Loaded once per test session and xdist worker."""
    with django_db_blocker.unblock(), override_settings(**plain_settings()):
        associations, plans, full = snapshots.take(
            _load_demo_associations,
            _load_demo_plans,
            lambda: call_command("load_demo", verbosity=0),
        )
    return {"associations": associations, "plans": plans, "full": full}


@pytest.fixture
def demo_data(db, demo_snapshots):
    """The demo data as ``manage.py load_demo`` leaves it, in this test's transaction:
    the five förbund with their users, plans, budgets, follow-up and the board's review."""
    snapshots.restore(demo_snapshots["full"])


@pytest.fixture
def demo_plans(db, demo_snapshots):
    """The five demo förbund with their users and each one's plan, budget and follow-up
    (``load_demo`` without the board's review), in this test's transaction."""
    snapshots.restore(demo_snapshots["plans"])


@pytest.fixture
def fake_pdf(monkeypatch):
    """WeasyPrint's PDF writer replaced by a few fixed bytes, for the tests of what goes on
    around a PDF (who may download it, its name, that an approval stores it), where a real
    render (a second or more each) is not the point. Tests of a PDF's content render it."""
    from weasyprint import HTML

    def write_pdf(self, target=None, **options):
        return b"%PDF-1.7\n% fake: WeasyPrint replaced by the fake_pdf fixture\n%%EOF\n"

    monkeypatch.setattr(HTML, "write_pdf", write_pdf)


@pytest.fixture
def association(db):
    return AssociationFactory(slug="forbund-a", name="Samordningsförbundet A")


@pytest.fixture
def other_association(db):
    return AssociationFactory(slug="forbund-b", name="Samordningsförbundet B")


@pytest.fixture
def members(association):
    """One user per role in ``association``: ``members["kansli"]`` etc."""
    with scopes_disabled():
        return {role: MembershipFactory(association=association, role=role).user for role in ROLES}


@pytest.fixture
def outsider(other_association):
    """A kansli user of another förbund."""
    with scopes_disabled():
        return MembershipFactory(association=other_association, role="kansli").user


@pytest.fixture
def kansli_client(client, members):
    client.force_login(members["kansli"])
    return client


@pytest.fixture
def user_without_association(db):
    return UserFactory()


class JobQueue:
    """The jobs queued through django-tasks while a worker would run them later: the
    ``DummyBackend`` keeps them, ``run_next()`` runs the oldest (of a task) as
    ``db_worker`` would (in this process and transaction) and returns what it returned."""

    def __init__(self):
        from django_tasks import task_backends

        self.backend = task_backends["default"]

    @property
    def waiting(self) -> list:
        return [job for job in self.backend.results if job.status == "READY"]

    def names(self) -> list[str]:
        return [job.task.name for job in self.waiting]

    def run_next(self, name: str | None = None):
        """Run the oldest waiting job (of the task ``name``, if given)."""
        job = next(job for job in self.waiting if name in (None, job.task.name))
        object.__setattr__(job, "status", "RUNNING")
        try:
            returned = job.task.call(*job.args, **job.kwargs)
        except Exception:
            object.__setattr__(job, "status", "FAILED")
            raise
        object.__setattr__(job, "status", "SUCCESSFUL")
        return returned


@pytest.fixture
def job_queue(settings) -> JobQueue:
    """Jobs wait in a queue (as with ``TASKS_BACKEND=database``) instead of running at
    once; the test runs them with ``job_queue.run_next()``."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "documents"],
        }
    }
    return JobQueue()


def login_verified(client, user) -> None:
    """Log ``user`` in with the second factor given (an app device made for the test), as
    Django admin needs (``associations.two_factor``)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from associations import two_factor

    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.pop(two_factor.SESSION_KEY, None)
    session.save()


# The longest tests (tens of seconds each with ``--durations``; a module named alone stands
# for its tests), started first within their group of pytest-django's order. xdist's work
# stealing hands out the tests still waiting at the end of a worker's share, so a long
# test left to the end keeps one worker busy while the other has nothing left to do;
# started early, the short tests fill in around it.
LONGEST_FIRST = [
    # In a transaction:
    "tests/plans/test_frozen_graph.py::test_no_write_path_changes_a_frozen_plan",
    "tests/plans/test_document.py",  # its module fixture renders six PDFs
    # Transactional (the browser):
    "tests/browser/test_no_input_lost.py",
    "tests/browser/test_plans.py::test_kansli_starts_2023_from_2022_and_edits_it",
    "tests/browser/test_review.py::test_review_from_draft_to_approval_and_revision",
    "tests/browser/test_plans.py::test_draft_plan_and_every_form_are_accessible_for_kansli",
    "tests/browser/test_report_document.py::test_board_member_reads_and_downloads_the_report",
    "tests/browser/test_reports.py::test_kansli_drafts_the_report",
    "tests/browser/test_reports.py::test_the_board_approves_the_report_and_an_auditor_records_the_statement",
]


def _django_group(item) -> int:
    """pytest-django's order of ``item``: 0 in a transaction, 1 transactional, 2 without the
    database (``pytest_django.plugin.pytest_collection_modifyitems``)."""
    from django.test import TestCase, TransactionTestCase
    from pytest_django.fixtures import validate_django_db

    test_class = getattr(item, "cls", None)
    if test_class and issubclass(test_class, TransactionTestCase):
        return 0 if issubclass(test_class, TestCase) else 1
    marker = item.get_closest_marker("django_db")
    transactional = uses_db = False
    if marker:
        transaction, reset_sequences, *_rest = validate_django_db(marker)
        uses_db, transactional = True, bool(transaction or reset_sequences)
    fixtures = getattr(item, "fixturenames", ())
    transactional = transactional or "transactional_db" in fixtures or "live_server" in fixtures
    uses_db = uses_db or "db" in fixtures
    return 1 if transactional else 0 if uses_db else 2


def _rank(item) -> int:
    path, _sep, name = item.nodeid.partition("::")
    function = name.split("[", 1)[0]
    for index, entry in enumerate(LONGEST_FIRST):
        if entry in (path, f"{path}::{function}"):
            return index
    return len(LONGEST_FIRST)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """After pytest-django's order (tests in a transaction, then transactional tests, then
    those without the database, as Django orders them), ``LONGEST_FIRST`` first within
    their group; the groups, and the order of all other tests, stay as they are."""
    items.sort(key=lambda item: (_django_group(item), _rank(item)))
