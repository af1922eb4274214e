"""Attacks on the server as a member or a stranger would try them, against gunicorn on
PostgreSQL with the production settings; prints per attack whether the server held, the
time taken and how much memory the worker gained.

Creates the PostgreSQL database ``finsam_abuse`` on 127.0.0.1:5432 (dropped at the end),
migrates it and loads the demo data, starts gunicorn from ``docker/gunicorn.conf.py`` on
the loopback address with a local SMTP sink as its mail server, and runs each attack of
``ATTACKS`` in order. Memory is read from ``/proc``: each worker's resident size (VmRSS)
and peak (VmHWM) before and after the attack.

Run from the project folder: ``.venv/bin/python bench/abuse.py`` (see bench/README.md).
Standard library only (and psycopg, a dependency of the project, to create the database).

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
DATABASE = "finsam_abuse"
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
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise BenchError("gunicorn did not answer within 60 s")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_request(self.port, "GET", "/healthz").status == 200:
                    break
            time.sleep(0.2)
        # Every worker answers the login page once, so each has loaded what it keeps.
        for _ in range(workers * 3):
            http_request(self.port, "GET", "/accounts/login/")

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


# Running ----------------------------------------------------------------------------------


# Every demo user gets an address (the attacked kansli user a fixed one), so a reset
# request for any of them would send a mail.
GIVE_ADDRESSES = f"""
from associations.models import User
for user in User.objects.exclude(username__in=["admin", "{KANSLI}"]):
    User.objects.filter(pk=user.pk).update(email=user.username + "@example.se")
User.objects.filter(username="{KANSLI}").update(email="{TARGET_EMAIL}")
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
