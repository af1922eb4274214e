"""How much the förbund home page costs compared with a bare template view, on one stack.

Builds a throwaway SQLite database with the demo data, starts gunicorn on the loopback
address with the production settings (DEBUG off; HTTPS-only settings relaxed because the
benchmark speaks plain HTTP), logs in as ``samspelet-kansli`` and sends the same number of
requests from concurrent clients to the förbund home page and to ``/bench/bare/`` (a
``TemplateView`` that the settings enable only with ``BENCH_VIEWS=true``). Both go through
the same middleware with the same session cookie (the session is read and, as the settings
save it on every request, written each time), so the ratio of their latencies is what the
home page adds: the tenant middleware's membership lookup, the view and its template.

Run from the project folder: ``.venv/bin/python bench/home_page.py`` (see bench/README.md).
Standard library only; the project's virtualenv provides Django and gunicorn.
"""

import argparse
import http.client
import math
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only
LOGIN_PATH = "/accounts/login/"
HOME_PATH = "/f/samspelet/"
BARE_PATH = "/bench/bare/"
USERNAME = "samspelet-kansli"
PASSWORD = "demo"
REQUEST_TIMEOUT = 30.0  # seconds, per request (gunicorn's own worker timeout is 30 s too)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class BenchError(Exception):
    """A failure that ends the run with a message and a non-zero exit status."""


@dataclass
class Response:
    status: int
    body: bytes
    headers: http.client.HTTPMessage
    seconds: float


@dataclass
class Phase:
    """The outcome of one target's requests."""

    label: str
    path: str
    latencies: list[float] = field(default_factory=list)
    failures: Counter = field(default_factory=Counter)
    sizes: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def count(self):
        return len(self.latencies) + sum(self.failures.values())


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per target [400]")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients [20]")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers [2]")
    parser.add_argument(
        "--warmup", type=int, default=20, help="uncounted requests per target first [20]"
    )
    parser.add_argument(
        "--timeout", type=float, default=300, help="limit for the whole run, seconds [300]"
    )
    parser.add_argument(
        "--journal-mode",
        choices=["wal", "delete"],
        default="wal",
        help="SQLite journal mode of the throwaway database [wal]; 'delete' is SQLite's and "
        "the project's default, where concurrent session writes wait on the file lock",
    )
    args = parser.parse_args()
    for name in ("requests", "clients", "workers", "timeout"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name} must be positive")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    return args


class Deadline:
    def __init__(self, seconds):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()

    def check(self, doing):
        if self.left() <= 0:
            raise BenchError(f"Time limit of {self.seconds:.0f} s reached while {doing}.")


def bench_environment(database):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="finsam.settings",
        DATABASE_URL=f"sqlite:///{database}",
        DEBUG="false",
        SECRET_KEY="bench-only-not-a-secret-" + "x" * 40,
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        BENCH_VIEWS="true",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env, deadline, *args):
    command = [sys.executable, "manage.py", *args]
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=max(deadline.left(), 1),
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"Time limit reached during: manage.py {' '.join(args)}") from error
    if done.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def set_journal_mode(database, mode):
    """Persistently set the journal mode of the SQLite file (WAL lets reads run during a write)."""
    connection = sqlite3.connect(database)
    try:
        got = connection.execute(f"PRAGMA journal_mode={mode}").fetchone()[0]
    finally:
        connection.close()
    if got != mode:
        raise BenchError(f"SQLite kept journal_mode={got}, not {mode}.")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def gunicorn_command(port, workers):
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "finsam.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
    ]
    try:
        from gunicorn import config
    except ImportError as error:
        raise BenchError("gunicorn is missing: run this with .venv/bin/python.") from error
    if hasattr(config, "ControlSocketDisable"):  # 25.1+ opens a control socket in ~ otherwise
        command.append("--no-control-socket")
    return command


def request(port, method, path, cookies, body=None, headers=None):
    """One request on a fresh connection (sync workers close it after each response)."""
    headers = dict(headers or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        seconds = time.perf_counter() - started
    finally:
        connection.close()
    for header in response.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0":
                cookies.pop(name, None)
            else:
                cookies[name] = morsel.value
    return Response(response.status, content, response.headers, seconds)


def wait_until_serving(server, port, deadline, log_path):
    while True:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with status {server.returncode}.\n{tail(log_path)}")
        deadline.check("waiting for gunicorn to answer")
        try:
            if request(port, "GET", LOGIN_PATH, {}).status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)


def log_in(port):
    """Log in through the login form; return the cookies (session and CSRF)."""
    cookies = {}
    form = request(port, "GET", LOGIN_PATH, cookies)
    match = CSRF_INPUT.search(form.body.decode("utf-8", "replace"))
    if form.status != 200 or not match or "csrftoken" not in cookies:
        raise BenchError(f"GET {LOGIN_PATH} gave {form.status} without a CSRF token and cookie.")
    body = urlencode(
        {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1)}
    )
    answer = request(
        port,
        "POST",
        LOGIN_PATH,
        cookies,
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{HOST}:{port}{LOGIN_PATH}",
        },
    )
    if answer.status != 302 or "sessionid" not in cookies:
        raise BenchError(
            f"Logging in as {USERNAME} failed: POST {LOGIN_PATH} answered {answer.status} "
            "(200 means the form was shown again: wrong password or demo data missing)."
        )
    return cookies


def check_target(port, label, path, cookies):
    response = request(port, "GET", path, dict(cookies))
    if response.status == 200:
        return
    hint = ""
    if path == BARE_PATH and response.status == 404:
        hint = " The bare view is not installed: see bench/README.md (BENCH_VIEWS)."
    elif response.status == 302:
        hint = f" Redirected to {response.headers.get('Location')}: the session was not accepted."
    raise BenchError(f"GET {path} ({label}) answered {response.status}, not 200.{hint}")


def run_phase(port, phase, cookies, requests, clients, deadline):
    """Send ``requests`` GETs to ``phase.path`` from ``clients`` threads."""
    lock = threading.Lock()
    left = requests
    results = [([], Counter(), []) for _ in range(clients)]

    def take():
        nonlocal left
        with lock:
            if left <= 0:
                return False
            left -= 1
            return True

    def client(latencies, failures, sizes):
        jar = dict(cookies)  # each client has its own copy of the session cookie
        while deadline.left() > 0 and take():
            try:
                response = request(port, "GET", phase.path, jar)
            except (OSError, http.client.HTTPException) as error:
                failures[type(error).__name__] += 1
                continue
            if response.status == 200:
                latencies.append(response.seconds)
                sizes.append(len(response.body))
            else:
                failures[f"HTTP {response.status}"] += 1

    threads = [
        threading.Thread(target=client, args=result, daemon=True, name=f"client-{number}")
        for number, result in enumerate(results)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(deadline.left(), 0) + REQUEST_TIMEOUT)
    phase.seconds = time.perf_counter() - started
    if any(thread.is_alive() for thread in threads):
        raise BenchError(f"{phase.label}: clients still busy after the time limit.")
    for latencies, failures, sizes in results:
        phase.latencies.extend(latencies)
        phase.failures.update(failures)
        phase.sizes.extend(sizes)
    missing = requests - phase.count
    if missing:
        raise BenchError(
            f"Time limit of {deadline.seconds:.0f} s reached while requesting {phase.path}: "
            f"{missing} of {requests} requests not sent (raise --timeout)."
        )
    return phase


def percentile(values, p):
    """Nearest-rank percentile of ``values`` (not empty)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def tail(path, lines=30):
    try:
        text = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "gunicorn log (last lines):\n" + "\n".join(text[-lines:])


def stop(server):
    if server.poll() is None:
        server.terminate()  # SIGTERM: graceful shutdown of gunicorn and its workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def report(args, phases):
    print(
        f"\n{args.requests} requests per target, {args.clients} concurrent clients, "
        f"gunicorn {args.workers} sync workers, SQLite (journal_mode={args.journal_mode}), "
        "DEBUG=false\n"
    )
    print(f"{'target':<26}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}{'KiB':>8}")
    for phase in phases:
        if not phase.latencies:
            print(f"{phase.label + ' ' + phase.path:<26}{'no successful responses':>35}")
            continue
        print(
            f"{phase.label + ' ' + phase.path:<26}"
            f"{percentile(phase.latencies, 50) * 1000:>9.1f}"
            f"{percentile(phase.latencies, 95) * 1000:>9.1f}"
            f"{phase.count / phase.seconds:>9.1f}"
            f"{sum(phase.sizes) / len(phase.sizes) / 1024:>8.1f}"
        )
    home, bare = phases
    if home.latencies and bare.latencies:
        ratios = [percentile(home.latencies, p) / percentile(bare.latencies, p) for p in (50, 95)]
        print(f"\nratio home/bare: p50 {ratios[0]:.2f}x, p95 {ratios[1]:.2f}x")


def main():
    args = parse_args()
    deadline = Deadline(args.timeout)
    # A plain `kill` must still stop gunicorn: SIGTERM interrupts like Ctrl-C, so finally runs.
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    with tempfile.TemporaryDirectory(prefix="finsam-bench-", ignore_cleanup_errors=True) as tmp:
        database = Path(tmp) / "bench.sqlite3"
        env = bench_environment(database)
        log_path = Path(tmp) / "gunicorn.log"
        print(f"Database {env['DATABASE_URL']}: migrate, load_demo …", flush=True)
        manage(env, deadline, "migrate", "--noinput", "-v0")
        manage(env, deadline, "load_demo")
        set_journal_mode(database, args.journal_mode)

        port = free_port()
        print(f"gunicorn on http://{HOST}:{port}/ with {args.workers} workers …", flush=True)
        with open(log_path, "wb") as log:
            server = subprocess.Popen(
                gunicorn_command(port, args.workers),
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_serving(server, port, deadline, log_path)
            cookies = log_in(port)
            print(f"Logged in as {USERNAME}.", flush=True)
            phases = [Phase("home", HOME_PATH), Phase("bare", BARE_PATH)]
            for phase in phases:
                check_target(port, phase.label, phase.path, cookies)
            for phase in phases:
                if args.warmup:
                    warmup = Phase(phase.label, phase.path)
                    run_phase(port, warmup, cookies, args.warmup, args.clients, deadline)
                    if warmup.failures:
                        raise BenchError(f"Warm-up of {phase.path} failed: {dict(warmup.failures)}")
                deadline.check(f"benchmarking {phase.path}")
                print(f"Measuring {phase.path} …", flush=True)
                run_phase(port, phase, cookies, args.requests, args.clients, deadline)
            report(args, phases)
            failed = [phase for phase in phases if phase.failures]
            if failed:
                details = "; ".join(f"{p.path}: {dict(p.failures)}" for p in failed)
                raise BenchError(f"Not every response was 200 — {details}\n{tail(log_path)}")
        finally:
            stop(server)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        sys.exit(130)
