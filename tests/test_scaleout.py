"""Three web processes and one worker on one PostgreSQL database and one Redis: what one
process did, the others see, because nothing is kept in a process's memory or on its disk.

Each web process is gunicorn from ``docker/gunicorn.conf.py`` with the production
settings (``DEBUG=false``, ``TASKS_BACKEND=database``, ``CACHE_URL`` on Redis), one sync
worker each, on its own port, as the proxy's upstreams are; the worker is
``manage.py db_worker``. A client that keeps its cookies walks between them as the
proxy's round robin would. Redis is a ``redis-server`` this test starts on a free port
(scripts/install.sh --test installs it).

Runs only when the test database is PostgreSQL (marker ``scaleout``; ``.ci/run``'s
PostgreSQL pass): an in-memory SQLite test database is invisible to other processes.
"""

import datetime
import html
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled
from django_tasks_db.models import DBTaskResult
from PIL import Image

from associations.models import AssociationLogo, User
from associations.versioning import EditConflict
from budgets.models import Budget
from documents import plan_document
from plans.models import Plan, PlanDocument, RenderSlot, Section
from tests.factories import MembershipFactory, PlanFactory, SectionFactory
from tests.test_worker import database_url

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's
START_TIMEOUT = 90
JOB_TIMEOUT = 120

pytestmark = [
    pytest.mark.scaleout,
    pytest.mark.skipif(
        not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="needs PostgreSQL: another process cannot see the in-memory SQLite test database",
    ),
    pytest.mark.django_db(transaction=True),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, *, timeout: float, what: str):
    """``check()``'s first true value, asked every quarter second for ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def redis_url(tmp_path):
    """A Redis of this test's own, on a free port, forgetting everything when stopped."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing: run bash scripts/install.sh --test")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _answers(port), timeout=20, what="redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop([process])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@dataclass
class Stack:
    ports: list[int]
    cache: RedisCache
    logs: Path

    def url(self, process: int, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[process]}{path}"


@pytest.fixture
def stack(redis_url, tmp_path):
    """Three gunicorn web processes and one worker, all on the test database and Redis."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "scale-out-test-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "CACHE_URL": redis_url,
        "TASKS_BACKEND": "database",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "PDF_RENDER_LIMIT": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mails"),
        "GUNICORN_WORKERS": "1",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    ports = [free_port() for _ in range(3)]
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = []
    try:
        for index, port in enumerate(ports):
            command = [sys.executable, "-m", "gunicorn", "--config", "docker/gunicorn.conf.py"]
            processes.append(
                _start(command + ["finsam.wsgi:application"], env, logs / f"web{index}.log", port)
            )
        worker = [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-startup-delay",
            "--interval",
            "0.5",
        ]
        processes.append(
            _start(worker + ["--queue-name", "default,documents"], env, logs / "worker.log")
        )
        for port in ports:
            wait_for(
                lambda port=port: _ready(port), timeout=START_TIMEOUT, what=f"gunicorn on {port}"
            )
        yield Stack(ports=ports, cache=RedisCache(redis_url, {}), logs=logs)
    finally:
        stop(processes)


def _start(command, env, log: Path, port: int | None = None) -> subprocess.Popen:
    if port is not None:
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    @property
    def html(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def text(self) -> str:
        """The page as read: character references resolved."""
        return html.unescape(self.html)

    def __repr__(self) -> str:
        """The status and the page's error messages, for a failed assertion."""
        errors = re.findall(
            r'class="[^"]*(?:invalid-feedback|alert-danger)[^"]*"[^>]*>(.*?)</', self.text, re.S
        )
        return f"Answer({self.status}, errors={[' '.join(e.split()) for e in errors]})"


class Browser:
    """One person's cookies, taken from process to process: the proxy's round robin."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def request(self, process: int, path: str, *, data=None, content_type=None) -> Answer:
        request = urllib.request.Request(self.stack.url(process, path), data=data)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())

    def get(self, process: int, path: str) -> Answer:
        return self.request(process, path)

    def submit(self, process: int, path: str, changes: dict, *, page: str | None = None):
        """POST the form of ``path`` (read from ``page`` or fetched on the same process)
        with every field as the page filled it, and ``changes`` on top."""
        page = page if page is not None else self.get(process, path).html
        fields = {**form_fields(page, path), **changes}
        return self.request(
            process,
            path,
            data=urlencode(fields, doseq=True).encode(),
            content_type="application/x-www-form-urlencoded",
        )

    def upload(self, process: int, path: str, name: str, filename: str, content: bytes):
        fields = form_fields(self.get(process, path).html, path)
        boundary = uuid.uuid4().hex
        body = BytesIO()
        for key, value in fields.items():
            body.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode()
            )
            body.write(f"{value}\r\n".encode())
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode()
        )
        body.write(content + f"\r\n--{boundary}--\r\n".encode())
        return self.request(
            process,
            path,
            data=body.getvalue(),
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    def log_in(self, process: int, username: str, password: str = PASSWORD) -> Answer:
        return self.submit(
            process, "/accounts/login/", {"username": username, "password": password}
        )


class _FormReader(HTMLParser):
    """The fields of the form whose action is ``action``, as a browser would send them
    (the first radio or option checked or selected; unchecked boxes left out)."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.inside = False
        self.found = False
        self.fields: dict = {}
        self.textarea = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") in (self.action, "", None) and not self.found
            self.found = self.found or self.inside
        elif tag == "option" and self.inside and self.select:
            # A browser sends the selected option, or else the first.
            if "selected" in attrs or self.select not in self.fields:
                self.fields[self.select] = attrs.get("value", "")
        elif not self.inside or not attrs.get("name"):
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.setdefault(attrs["name"], attrs.get("value", "on"))
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.fields[self.textarea] = ""
        elif tag == "select":
            self.select = attrs["name"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.inside and self.textarea:
            self.fields[self.textarea] += data


def form_fields(page: str, action: str) -> dict:
    reader = _FormReader(action)
    reader.feed(page)
    assert reader.found, f"no form posting to {action}"
    return reader.fields


def png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (60, 30), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def forbund(association):
    """A förbund with a kansli user, a draft and a plan ready for the board."""
    with scopes_disabled():
        kansli = MembershipFactory(association=association, role="kansli").user
        locked = MembershipFactory(association=association, role="kansli").user
    # The tests' fast hasher is unknown to the production settings the processes run.
    User.objects.filter(pk__in=[kansli.pk, locked.pk]).update(
        password=Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    )
    with scope(association=association):
        draft = PlanFactory(
            association=association, year=2028, end_year=2028, title="Verksamhetsplan 2028"
        )
        section = SectionFactory(
            association=association, plan=draft, heading="Inledning", body="Första texten"
        )
        decided = PlanFactory(
            association=association, year=2027, end_year=2027, title="Verksamhetsplan 2027"
        )
        SectionFactory(association=association, plan=decided, heading="Syfte", body="Text")
    return {
        "association": association,
        "kansli": kansli,
        "locked": locked,
        "draft": draft,
        "section": section,
        "decided": decided,
    }


def plan_url(name: str, forbund: dict, plan: Plan, **kwargs) -> str:
    slug = forbund["association"].slug
    return reverse(name, kwargs={"association_slug": slug, "plan_pk": plan.pk, **kwargs})


def test_three_processes_share_everything(stack, forbund):
    browser = Browser(stack)
    slug = forbund["association"].slug
    home = f"/f/{slug}/"

    # A session begun on one process goes on on the others.
    logged_in = browser.log_in(0, forbund["kansli"].username)
    assert logged_in.status == 302, logged_in.text[logged_in.text.find("<main") :][:1500]
    for process in (1, 2):
        page = browser.get(process, home)
        assert page.status == 200, page.text[:300]
        assert forbund["association"].name in page.text

    check_lockout(stack, forbund)
    check_logo(stack, browser, forbund)
    check_edit_conflict(browser, forbund)
    check_render_limit(browser, forbund)
    check_approval_and_kept_body(stack, browser, forbund)


def check_lockout(stack: Stack, forbund: dict) -> None:
    """Five failed logins spread over three processes lock the account on all of them."""
    stranger = Browser(stack)
    username = forbund["locked"].username
    for attempt in range(5):
        answer = stranger.log_in(attempt % 3, username, password="wrong")
        assert answer.status in (200, 429), answer.status
    for process in range(3):
        answer = Browser(stack).log_in(process, username)
        assert answer.status == 429, (process, answer.status)


def check_logo(stack: Stack, browser: Browser, forbund: dict) -> None:
    """A logo uploaded through one process is served by another (it is in the database)."""
    slug = forbund["association"].slug
    answer = browser.upload(0, f"/f/{slug}/logo/edit/", "file", "logo.png", png())
    assert answer.status == 302, answer
    with scopes_disabled():
        stored = AssociationLogo.objects.get(association=forbund["association"])
    served = browser.get(2, f"/f/{slug}/logo/?v={stored.sha256[:12]}")
    assert served.status == 200
    assert served.body == bytes(stored.image)


def check_edit_conflict(browser: Browser, forbund: dict) -> None:
    """Two people open the same part on two processes; the second save is refused."""
    path = plan_url("plans:sections_update", forbund, forbund["draft"], pk=forbund["section"].pk)
    first = browser.get(0, path).html
    second = browser.get(1, path).html
    saved = browser.submit(0, path, {"body": "Ändrad på process 1"}, page=first)
    assert saved.status == 302, saved
    refused = browser.submit(1, path, {"body": "Ändrad på process 2"}, page=second)
    assert refused.status == 200
    with translation.override("sv"):
        message = str(EditConflict(None).messages[0])
    assert message[:60] in refused.text
    with scope(association=forbund["association"]):
        assert Section.objects.get(pk=forbund["section"].pk).body == "Ändrad på process 1"


def check_render_limit(browser: Browser, forbund: dict) -> None:
    """The one render slot is held (a render elsewhere): downloads on every process wait,
    the worker cannot render; once it is free the worker renders and any process serves."""
    path = plan_url("documents:plan_document_pdf", forbund, forbund["draft"])
    RenderSlot.objects.update_or_create(
        name="site:0",
        defaults={"holder": "elsewhere", "until": timezone.now() + datetime.timedelta(minutes=5)},
    )
    for process in range(3):
        waiting = browser.get(process, path)
        assert waiting.status == 503, (process, waiting.status)

    def requeued():
        return DBTaskResult.objects.filter(queue_name="documents").count() >= 2

    # The worker took the job, found no free slot and queued it again for later.
    wait_for(requeued, timeout=JOB_TIMEOUT, what="the worker finding no free slot")
    assert browser.get(1, path).status == 503
    RenderSlot.objects.filter(name="site:0").update(holder="", until=None)

    def served():
        answer = browser.get(2, path)
        return answer if answer.status == 200 else None

    pdf = wait_for(served, timeout=JOB_TIMEOUT, what="the worker's render of the draft")
    assert pdf.body.startswith(b"%PDF")
    assert browser.get(0, path).body == pdf.body


def check_approval_and_kept_body(stack: Stack, browser: Browser, forbund: dict) -> None:
    """The plan is sent and approved through one process; the worker archives its PDFs;
    its document body is rendered once and then read from the cache by every process."""
    plan = forbund["decided"]
    deadline = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    sent = browser.submit(0, plan_url("plans:review_send", forbund, plan), {"deadline": deadline})
    assert sent.status == 302, sent
    decided = browser.submit(
        1,
        plan_url("plans:decision", forbund, plan),
        {
            "outcome": "approved",
            "meeting_date": timezone.localdate().isoformat(),
            "paragraph": "12",
        },
    )
    assert decided.status == 302, decided

    def archived():
        return PlanDocument.objects.filter(plan=plan).count() == len(PlanDocument.Variant)

    with scope(association=forbund["association"]):
        wait_for(archived, timeout=JOB_TIMEOUT, what="the worker's archive of the approved plan")

    path = plan_url("documents:plan_document", forbund, plan)
    bodies = [main_of(browser.get(process, path).html) for process in range(3)]
    assert bodies[0] == bodies[1] == bodies[2]
    with scope(association=forbund["association"]):
        fresh = Plan.objects.get(pk=plan.pk)
        key = plan_document.body_cache_key(
            plan=fresh, budget=Budget.objects.filter(plan=fresh).first()
        )
    toc, main = stack.cache.get(key)
    assert main in bodies[0]
    stack.cache.set(key, (toc, "<p>KEPT-BODY</p>"))
    for process in range(3):
        assert "KEPT-BODY" in browser.get(process, path).html


def main_of(page: str) -> str:
    """The document's body: the page without its toolbar (its nonce differs per request)."""
    return page[page.index("<main") : page.index("</main>")]
