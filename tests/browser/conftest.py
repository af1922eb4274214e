"""Browser tests: Debian's headless Chromium driven by Playwright, checked with axe-core.

No browser is ever downloaded: Playwright launches ``/usr/bin/chromium``, which
the README's test command (``bash scripts/install.sh --test``) installs.
"""

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright

from tests import snapshots

# Playwright's sync API runs an event loop in the test thread; Django would
# otherwise refuse the ORM calls the tests make next to it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per test session (per xdist worker)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing. The browser tests use Debian's Chromium and never "
            "download one: run the README's test command (`bash scripts/install.sh --test`), "
            "which installs it (apt-get install chromium).",
            pytrace=False,
        )
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) whose language is Swedish, as our users' is.

    The pages run under their Content-Security-Policy; anything it blocks (Chromium
    reports each on the console) fails the test.
    """
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    try:
        yield page
    finally:
        context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)


@pytest.fixture
def demo(transactional_db, live_server, settings, demo_snapshots):
    """The five demo förbund and their users, served over HTTP; returns the base URL.

    They come from the session's snapshot (``tests/snapshots.py``): committed here, and
    flushed with the rest after the test."""
    return _serve(live_server, settings, demo_snapshots["associations"])


@pytest.fixture
def full_demo(transactional_db, live_server, settings, demo_snapshots):
    """All that ``manage.py load_demo`` loads (plans, follow-up, the board's review,
    reports), served over HTTP as ``demo`` is; returns the base URL."""
    return _serve(live_server, settings, demo_snapshots["full"])


def _serve(live_server, settings, snapshot) -> str:
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    host = re.sub(r"^https?://", "", live_server.url).rsplit(":", 1)[0]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, host, "localhost", "127.0.0.1"]
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0
    snapshots.restore(snapshot)
    return live_server.url


def login(page, base_url, username, password="demo"):
    """Log in through the login form and check that we left the login page."""
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name='username']").fill(username)
    page.locator("input[name='password']").fill(password)
    page.locator("main form button[type='submit']").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


AXE_SCRIPT = Axe().axe_script  # the axe-core that axe-playwright-python bundles
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}


def assert_no_axe_violations(page):
    """Run axe-core (WCAG 2.0/2.1 A and AA) on the page; fail with a readable list.

    As ``Axe().run`` does (the script injected, then ``axe.run`` with these options), but
    only the violations come back from the page: the whole result (every rule that passed
    or did not apply, with its description) takes as long again to carry over."""
    page.evaluate(AXE_SCRIPT)
    violations = page.evaluate(
        "options => axe.run(options).then(results => results.violations)", AXE_OPTIONS
    )
    if violations:
        lines = [f"{len(violations)} axe violation(s) on {page.url}:"]
        for violation in violations:
            targets = [
                " ".join(str(part) for part in node["target"]) for node in violation["nodes"][:3]
            ]
            more = len(violation["nodes"]) - len(targets)
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
                f"    nodes: {targets}{f' (+{more} more)' if more > 0 else ''}"
            )
            summary = violation["nodes"][0].get("failureSummary", "") if violation["nodes"] else ""
            if summary:
                lines.append("    first node: " + " ".join(summary.split()))
        pytest.fail("\n".join(lines), pytrace=False)
