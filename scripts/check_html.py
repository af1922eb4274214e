"""The Nu HTML checker over every page shape of the application.

A page shape is one URL pattern as seen by one role that may open it (the kansli sees
edit controls the revisor does not), plus the error pages (403, 404, 500, 503), the
login lock-out page and the forms re-rendered with validation errors. The URLs and who
may open them come from the access matrix (``tests/access_matrix.py``), which walks the
URL configuration, so a new URL is checked without editing this script.

It builds a throwaway SQLite database with the demo data, fetches every shape through
Django's test client, writes each page to a temporary folder and runs the checker once
over the folder (one ``java`` start). The pages about a plan, its budget and its
follow-up use the demo's full plan; the other objects are made by the matrix's
factories inside the demo förbund. Exits 1 listing the errors per page shape, with its
URL; 2 when a page could not be fetched as the matrix says.

Then it opens every saved page (but the documents, laid out as printed A4 pages) in
Debian's headless Chromium at 390 × 844, a phone held upright, with the application's
stylesheets, and fails a page that is wider than the screen or whose title (``h1``) is
below the first screen.

    .venv/bin/python scripts/check_html.py [--vnu PATH] [--keep]

The checker's jar comes from npm's ``vnu-jar`` (``scripts/install.sh --test`` puts it
in ``.tools/``).
"""

import argparse
import http.server
import io
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VNU = ROOT / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ROLES = ("kansli", "styrelse", "projektledare", "revisor")
# Downloads, not pages: rendering them would only cost time.
FILE_ROUTE_SUFFIXES = (".pdf", ".xlsx", ".csv")
# URLs outside any förbund, fetched as a logged-in member ("member") or anonymously.
GLOBAL_VIEWERS = ("member", "anonymous")
# The checker's messages that are not errors, each with the reason.
IGNORED_MESSAGES = {
    # The charts are inline SVG whose <style> carries the CSP nonce, or the policy would
    # block it. HTML gives every HTML and SVG element ``nonce`` (HTMLOrSVGElement), but the
    # checker validates SVG against SVG 1.1, which predates it.
    "Attribute “nonce” not allowed on element “style” at this point.",
}
# Forms that a POST without data re-renders with their validation errors.
FORM_NAME_SUFFIXES = ("_create", "_update", "_invite", ":quarter", ":point_assessment")


@dataclass
class Shape:
    """One page to fetch: ``name`` is the URL name, ``viewer`` a role (or "member",
    "anonymous"), ``variant`` tells apart shapes of one URL and viewer."""

    name: str
    viewer: str
    variant: str = ""
    method: str = "get"
    expected_status: int = 200
    url: str = ""
    data: dict = field(default_factory=dict)
    save: bool = True  # False: a step towards the page, not a page to check
    association: str = ""  # the slug of the viewer's förbund when not the demo's
    optional: bool = False  # True: a page that only some states of the data have

    @property
    def label(self) -> str:
        variant = f", {self.variant}" if self.variant else ""
        return f"{self.name} as {self.viewer}{variant}"


def is_file_route(route: str) -> bool:
    return route.endswith(FILE_ROUTE_SUFFIXES)


def matrix_shapes(tenant_urls: dict, global_urls: dict, routes: dict) -> list[Shape]:
    """A GET shape for every URL of the matrix and every viewer it answers 200, and a
    POST-without-data shape for the kansli's forms. Pure: no database, no URLs yet."""
    shapes = []
    for name, (_factory, expected) in sorted(tenant_urls.items()):
        if is_file_route(routes[name]):
            continue
        shapes.extend(Shape(name, role) for role in ROLES if expected[role] == 200)
        if expected["kansli"] == 200 and name.endswith(FORM_NAME_SUFFIXES):
            shapes.append(Shape(name, "kansli", "invalid form", method="post"))
    for name, expected in sorted(global_urls.items()):
        if is_file_route(routes[name]):
            continue
        shapes.extend(Shape(name, viewer) for viewer in GLOBAL_VIEWERS if expected[viewer] == 200)
    return shapes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vnu", type=Path, default=DEFAULT_VNU, help="path of vnu.jar")
    parser.add_argument("--keep", action="store_true", help="keep the pages and the database")
    args = parser.parse_args()
    if not args.vnu.is_file():
        print(f"{args.vnu} is missing: run scripts/install.sh --test", file=sys.stderr)
        return 2

    folder = Path(tempfile.mkdtemp(prefix="finsam-check-html-"))
    try:
        return check(folder, args.vnu)
    finally:
        if args.keep:
            print(f"Pages and database kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def setup_django(folder: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/check-html.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsam.settings")
    # DEBUG off: the site's own 403/404 pages, as production serves them.
    os.environ.update(DEBUG="false", SECRET_KEY="check-html-only-" + "x" * 50)
    os.environ.update(ALLOWED_HOSTS="testserver", SECURE_SSL_REDIRECT="false")
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    sys.path.insert(0, str(ROOT))
    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at")  # static files come from the finders
    django.setup()


def check(folder: Path, vnu: Path) -> int:
    setup_django(folder)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    logging.disable(logging.CRITICAL)  # one request line per page would bury the errors

    pages = folder / "pages"
    pages.mkdir()
    fetched, failures = fetch_all(pages)
    for failure in failures:
        print(f"could not fetch: {failure}", file=sys.stderr)
    names = {shape.name for shape in fetched.values()}
    print(f"Page shapes checked: {len(fetched)} ({len(names)} URL patterns and error pages)")
    errors = run_vnu(vnu, pages)
    report(errors, fetched)
    narrow = check_narrow_screen(pages)
    report_narrow(narrow, fetched)
    if failures:
        return 2
    return 1 if errors or narrow else 0


# A phone held upright: no page may be wider, and its title must be on the first screen.
NARROW_VIEWPORT = {"width": 390, "height": 844}
# The documents (the plan's, the annual report's) are laid out as their printed A4 pages,
# and are read as such: they are not pages of the application's own layout.
NARROW_EXEMPT = re.compile(r"-document-as-")
MEASURE_JS = """() => {
  const title = document.querySelector("h1");
  return {
    width: document.documentElement.scrollWidth,
    title: title ? Math.round(title.getBoundingClientRect().top + window.scrollY) : null,
  };
}"""


def check_narrow_screen(pages: Path) -> dict[str, str]:
    """Open every saved page in headless Chromium (Debian's) at 390 × 844 with the
    application's stylesheets (served from static/ beside the pages); returns, by file
    name, what is wrong: wider than the screen, or the title below the first screen."""
    import functools
    import threading

    from playwright.sync_api import sync_playwright

    (pages / "static").symlink_to(ROOT / "static", target_is_directory=True)
    handler = functools.partial(QuietHandler, directory=str(pages))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    problems = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
            )
            page = browser.new_context(viewport=NARROW_VIEWPORT).new_page()
            for file in sorted(pages.glob("*.html")):
                if NARROW_EXEMPT.search(file.name):
                    continue
                page.goto(f"{base}/{file.name}", wait_until="load")
                measured = page.evaluate(MEASURE_JS)
                if measured["width"] > NARROW_VIEWPORT["width"]:
                    problems[file.name] = f"{measured['width']} px wide"
                elif measured["title"] is None or measured["title"] > NARROW_VIEWPORT["height"]:
                    problems[file.name] = f"its title at {measured['title']} px"
            browser.close()
    finally:
        server.shutdown()
    return problems


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the saved pages and static/ to the browser, without a line per request."""

    def log_message(self, *args):
        pass


def report_narrow(problems: dict[str, str], fetched: dict[str, Shape]) -> None:
    width = NARROW_VIEWPORT["width"]
    print(f"At {width} px: {len(problems) or 'no'} page shapes too wide or titled too low.")
    for filename, problem in sorted(problems.items()):
        shape = fetched.get(filename)
        label = f"{shape.label}: {shape.url}" if shape else filename
        print(f"  {label}: {problem}", file=sys.stderr)


def fetch_all(pages: Path) -> tuple[dict[str, Shape], list[str]]:
    """Fetch every shape, write each HTML page to ``pages``; returns the shapes by file
    name and the shapes that did not answer as expected."""
    from django.test import Client
    from django_scopes import scopes_disabled

    from tests import access_matrix
    from tests.test_access_matrix import ALL_URLS

    demo = Demo.load()
    shapes = matrix_shapes(access_matrix.TENANT_URLS, access_matrix.GLOBAL_URLS, ALL_URLS)
    gets = [shape for shape in shapes if shape.method == "get"]
    posts = [shape for shape in shapes if shape.method == "post"]
    urls = {}
    with scopes_disabled():
        for shape in shapes:
            if shape.name not in urls:
                urls[shape.name] = demo.url(shape.name, access_matrix)
            shape.url = urls[shape.name]
    # The demo's plans and quarters in their other states, the pages only errors show,
    # then the POSTs, which may write, after every GET.
    extra = [*demo.plan_state_shapes(access_matrix), *demo.quarter_shapes()]
    ordered = [*gets, *extra, *error_shapes(demo), *posts]

    fetched, failures = {}, []
    clients = {}
    for number, shape in enumerate(ordered, start=1):
        key = (shape.association, shape.viewer)
        if key not in clients:
            clients[key] = demo.client(shape.viewer, shape.association, Client)
        client = clients[key]
        if shape.method == "post":
            response = client.post(shape.url, shape.data)
        else:
            response = client.get(shape.url)
        if response.status_code != shape.expected_status:
            if shape.optional or shape.method == "post" and response.status_code == 302:
                continue  # no such page in this state, or the form took no data as valid
            failures.append(f"{shape.label}: {shape.url} answered {response.status_code}")
            continue
        if not shape.save or not response.get("Content-Type", "").startswith("text/html"):
            continue
        filename = f"{number:03d}-{re.sub(r'[^a-z0-9]+', '-', shape.label.lower())}.html"
        (pages / filename).write_bytes(response.content)
        fetched[filename] = shape
    for filename, body in server_error_pages():
        (pages / filename).write_text(body, encoding="utf-8")
        fetched[filename] = Shape(filename.removesuffix(".html"), "anonymous", url="(handler)")
    return fetched, failures


class Demo:
    """The demo förbund whose pages are crawled, its users and its full plan."""

    def __init__(self, association, plan, other_plans, quarter_reports):
        self.association = association
        self.plan = plan
        self.other_plans = other_plans
        self.quarter_reports = quarter_reports

    @classmethod
    def load(cls):
        """The demo förbund with a revision in draft (every page has content and edit
        controls there), its plan, the demo's plans in the other states, and one of its
        quarterly reports in each state."""
        from django_scopes import scopes_disabled

        from budgets.models import Budget
        from followup.models import QuarterReport
        from plans.models import Plan

        with scopes_disabled():
            budgets = Budget.objects.select_related("plan__association").order_by("pk")
            drafts = [b.plan for b in budgets if b.plan.status == Plan.Status.DRAFT]
            plan = next((p for p in drafts if p.revision_of_id), drafts[0])
            other_plans = {}
            for budget in budgets:
                if budget.plan.status != Plan.Status.DRAFT:
                    other_plans.setdefault(budget.plan.status, budget.plan)
            reports = {}  # each state shows other controls
            for report in QuarterReport.objects.filter(association=plan.association):
                reports.setdefault(report.status, report)
        return cls(plan.association, plan, other_plans, reports)

    def client(self, viewer, association_slug, client_class):
        from django.contrib.auth import get_user_model

        slug = association_slug or self.association.slug
        username = {"member": f"{slug}-styrelse", "anonymous": None}.get(viewer, f"{slug}-{viewer}")
        client = client_class()
        if username:
            client.force_login(get_user_model().objects.get(username=username))
        return client

    def plan_state_shapes(self, access_matrix) -> list[Shape]:
        """The pages about any plan, as the kansli sees a demo plan in each other state
        (approved, on review): a page the state does not offer is left out."""
        from django.urls import reverse

        shapes = []
        for status, plan in sorted(self.other_plans.items()):
            slug = plan.association.slug
            for name, (factory, expected) in sorted(access_matrix.TENANT_URLS.items()):
                if factory not in plan_factories(access_matrix) or expected["kansli"] != 200:
                    continue
                url = reverse(name, kwargs={"association_slug": slug, "plan_pk": plan.pk})
                if is_file_route(url):
                    continue
                shape = Shape(name, "kansli", f"demo plan {status}", url=url, association=slug)
                shape.optional = True
                shapes.append(shape)
        return shapes

    def url(self, name, access_matrix) -> str:
        """The URL of ``name``: the demo's plan where the matrix asks for any plan, else
        the object the matrix's factory makes inside the demo förbund."""
        from django.urls import reverse

        from tests.test_access_matrix import url_kwargs

        if name in access_matrix.GLOBAL_URLS:
            return reverse(name, kwargs=access_matrix.GLOBAL_URL_KWARGS.get(name))
        factory, _ = access_matrix.TENANT_URLS[name]
        kwargs = {"association_slug": self.association.slug}
        if factory in plan_factories(access_matrix):
            kwargs["plan_pk"] = self.plan.pk
        elif factory is not None:
            kwargs.update(url_kwargs(name, factory(self.association)))
        return reverse(name, kwargs=kwargs)

    def quarter_shapes(self) -> list[Shape]:
        from django.urls import reverse

        from tests.access_matrix import FOLLOWUP_URLS

        name = "followup:quarter"
        if name not in FOLLOWUP_URLS:
            return []
        _factory, expected = FOLLOWUP_URLS[name]
        shapes = []
        for status, report in sorted(self.quarter_reports.items()):
            kwargs = {
                "association_slug": self.association.slug,
                "pk": report.intervention_id,
                "year": report.year,
                "quarter": report.quarter,
            }
            url = reverse(name, kwargs=kwargs)
            # The projektledare leads some demo interventions only: theirs are fetched.
            roles = [r for r in ROLES if expected[r] == 200 and r != "projektledare"]
            shapes.extend(Shape(name, role, f"demo {status}", url=url) for role in roles)
        return shapes


def plan_factories(access_matrix) -> set:
    """The matrix's factories that stand for "any plan" (with a budget or not)."""
    names = ("plan", "plan_with_budget")
    return {getattr(access_matrix, name) for name in names if hasattr(access_matrix, name)}


def error_shapes(demo) -> list[Shape]:
    slug = demo.association.slug
    return [
        Shape("404", "kansli", "in a förbund", url=f"/f/{slug}/plans/0/", expected_status=404),
        Shape("404", "anonymous", url="/no-such-page/", expected_status=404),
        Shape("403", "styrelse", url=f"/f/{slug}/parties/", expected_status=403),
        Shape(
            "login",
            "anonymous",
            "wrong password",
            method="post",
            url="/accounts/login/",
            data={"username": "nobody", "password": "wrong"},
        ),
    ] + [
        # AXES_FAILURE_LIMIT failures lock the name out: the last answer is the lock-out page.
        Shape(
            "login",
            "anonymous",
            "locked out",
            method="post",
            url="/accounts/login/",
            data={"username": "locked-out", "password": "wrong"},
            expected_status=status,
            save=status != 200,
        )
        for status in (200, 200, 200, 200, 429)
    ]


def server_error_pages() -> list[tuple[str, str]]:
    """The 500 and 503 pages, from the handler Django calls (no URL fails on purpose)."""
    from django.db import OperationalError
    from django.test import RequestFactory

    from finsam.errors import server_error

    request = RequestFactory().get("/")
    pages = [("500.html", server_error(request).content.decode())]
    try:
        raise OperationalError("the database is away (check_html.py)")
    except OperationalError:
        pages.append(("503.html", server_error(request).content.decode()))
    return pages


def run_vnu(vnu: Path, pages: Path) -> dict[str, list[str]]:
    """Run the checker once over every page; its errors by file name."""
    files = sorted(str(path) for path in pages.glob("*.html"))
    result = subprocess.run(
        ["java", "-jar", str(vnu), "--errors-only", "--format", "gnu", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    errors: dict[str, list[str]] = {}
    # GNU format: "file:/tmp/…/042-x.html":12.3-12.40: error: message
    for line in result.stderr.splitlines() + result.stdout.splitlines():
        match = re.match(r'^"?(?:file:)?(?P<path>[^"]+?\.html)"?:(?P<rest>.*)$', line)
        if match and match["rest"].split(": error: ")[-1] in IGNORED_MESSAGES:
            continue
        if match:
            errors.setdefault(Path(match["path"]).name, []).append(match["rest"].strip())
        elif line.strip():
            errors.setdefault("(checker)", []).append(line)
    if result.returncode not in (0, 1):
        errors.setdefault("(checker)", []).append(f"java exited {result.returncode}")
    return errors


def report(errors: dict[str, list[str]], fetched: dict[str, Shape]) -> None:
    if not errors:
        print("No HTML errors.")
        return
    count = sum(len(lines) for lines in errors.values())
    print(f"{count} HTML errors on {len(errors)} pages:")
    for filename, lines in sorted(errors.items()):
        shape = fetched.get(filename)
        print(f"\n{shape.label}: {shape.url}" if shape else f"\n{filename}")
        for line in lines:
            print(f"  {line}")


if __name__ == "__main__":
    sys.exit(main())
