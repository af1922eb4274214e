"""No typed entry is ever lost: every form page, every submit button, every role.

For each role, the form pages are found from the demo data the way a user finds
them: by following the links of the förbund's pages, each link resolved through
the URL configuration. A page counts once per shape (its route and its submit
buttons), so the quarter page is tried as a draft, as a submitted and as an
approved quarter, but a section is edited once. On each such page the browser
types a recognisable value into every visible text, number and e-mail field and
every textarea, presses one of the page's submit buttons, and checks each typed
value: it was stored (the page it lands on or the form reloaded shows it, or the
database holds it) or a new message said why not (an error or warning, or a
field's invalid-feedback). A success message beside a dropped value fails.

A page that answers the press by showing the form again, with no message, has
kept nothing: what its fields show then does not count as stored. Each button
is pressed on a freshly loaded page. Steps that close a plan to the pages tried
after them (send it to the board, record a decision, start a revision, copy it)
come last.
"""

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Q
from django.test import Client
from django.urls import Resolver404, resolve
from django_scopes import scopes_disabled

from associations.models import Association, User
from budgets.demo import change_demo_revision_budget, load_demo_budget
from followup.demo import load_demo_followup
from plans.demo import load_demo_plan
from plans.demo_review import load_demo_review
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

# The role, and the förbund whose demo data gives that role the most forms to fill:
# Östra Värmland has a draft revision and draft, returned and submitted quarters;
# Insjöriket's plan is on review with the board's comments.
ROLES = [
    ("kansli", "ostra-varmland"),
    ("projektledare", "ostra-varmland"),
    ("styrelse", "insjoriket"),
    ("revisor", "ostra-varmland"),
]
# Routes never followed: files, and the pages that end the session's use of the förbund.
NOT_FOLLOWED = {
    "budgets:budget_export",
    "followup:export_csv",
    "followup:export_excel",
    "documents:plan_document",
    "documents:plan_document_pdf",
    "documents:plan_document_pdfa",
    "associations:logo",
}
# Steps after which the plan or quarter is closed to the pages tried after them.
FINAL_STEPS = {"plans:review_send", "plans:decision", "plans:revision_start", "plans:plan_copy"}
PAGES_PER_ROUTE = 12  # links of one route followed, each with other visible words
FILLABLE = (
    "main form input:not([type]), main form input[type=text], main form input[type=number], "
    "main form input[type=email], main form input[type=url], main form input[type=search], "
    "main form textarea"
)
FILLED_TYPES = ("", "text", "number", "email", "url", "search")
MESSAGES = "main .alert:not(.alert-success), main .invalid-feedback, main .errorlist"


@dataclass
class FormPage:
    route: str
    url: str
    buttons: list[str] = field(default_factory=list)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _PageParser(HTMLParser):
    """A page's links with their visible words, and the shape of the POST forms in <main>."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.buttons: list[str] = []
        self.fillable = 0
        self._main = self._form = False
        self._link: list | None = None  # [href, words, stack of "hidden?" per open tag]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._link is not None and tag not in VOID:
            hidden = "visually-hidden" in (attrs.get("class") or "")
            self._link[2].append(hidden or (self._link[2][-1] if self._link[2] else False))
        if tag == "a" and attrs.get("href"):
            self._link = [attrs["href"], [], []]
        if tag == "main":
            self._main = True
        if not self._main:
            return
        if tag == "form":
            self._form = (attrs.get("method") or "get").lower() == "post"
        if not self._form:
            return
        kind = (attrs.get("type") or "").lower()
        typed_into = tag == "textarea" or (tag == "input" and kind in FILLED_TYPES)
        if typed_into and "disabled" not in attrs and "readonly" not in attrs:
            self.fillable += 1
        if (tag == "button" and kind not in ("button", "reset")) or (
            tag == "input" and kind == "submit"
        ):
            self.buttons.append(button_key(attrs.get("name"), attrs.get("value")))

    def handle_data(self, data):
        if self._link is not None and not (self._link[2] and self._link[2][-1]):
            self._link[1].append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            href, words, _stack = self._link
            self.links.append((href, " ".join("".join(words).split())))
            self._link = None
        elif self._link is not None and self._link[2]:
            self._link[2].pop()
        if tag == "main":
            self._main = False
        if tag == "form":
            self._form = False


def button_key(name, value) -> str:
    return f"{name or ''}={value or ''}"


def route_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def form_pages(user: User, slug: str) -> list[FormPage]:
    """The role's form pages, one per route and shape, found by following links.

    Of the links to one route, one is followed per visible link text: one "Redigera"
    of all the sections, but a quarter marked "Utkast", one "Inskickad", one "Godkänd".
    """
    client = Client()
    client.force_login(user)
    start = f"/f/{slug}/"
    queue, seen, per_route, shapes = deque([start]), {start}, {}, {}
    while queue:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _PageParser()
        parser.feed(response.content.decode())
        route = route_of(urlsplit(path).path)
        if parser.fillable and parser.buttons:
            shapes.setdefault((route, tuple(parser.buttons)), FormPage(route, path, parser.buttons))
        for href, words in parser.links:
            target = urlsplit(urljoin(path, href))
            if target.netloc or not target.path.startswith(start):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            link_route = route_of(target.path)
            if link in seen or link_route is None or link_route in NOT_FOLLOWED:
                continue
            seen.add(link)
            texts = per_route.setdefault(link_route, set())
            if words in texts or len(texts) >= PAGES_PER_ROUTE:
                continue
            texts.add(words)
            queue.append(link)
    pages = list(shapes.values())
    pages.sort(key=lambda page: page.route in FINAL_STEPS)
    return pages


class Typed:
    """Recognisable values, one per field, valid for the field's type."""

    def __init__(self):
        self.count = 0

    def value_for(self, kind: str) -> str:
        self.count += 1
        n = self.count
        if kind == "number":
            return str(9000 + n)  # a figure no demo record holds
        if kind == "email":
            return f"skrivet{n}@example.se"
        if kind == "url":
            return f"https://example.se/skrivet-{n}"
        return f"Skrivet värde {n}"


def fill_page(page, typed: Typed) -> list[tuple[str, str, str]]:
    """Type into every visible, enabled field of <main>; ``(name, kind, value)`` each."""
    filled = []
    for field_locator in page.locator(FILLABLE).all():
        if not field_locator.is_visible() or not field_locator.is_enabled():
            continue
        # The field's three attributes in one trip to the page (three ``get_attribute``).
        readonly, kind, name = field_locator.evaluate(
            "el => ['readonly', 'type', 'name'].map((attribute) => el.getAttribute(attribute))"
        )
        if readonly is not None:
            continue
        kind = (kind or "text").lower()
        value = typed.value_for(kind)
        field_locator.fill(value)
        filled.append((name or "", kind, value))
    return filled


def messages_on(page) -> set[str]:
    return {" ".join(text.split()) for text in page.locator(MESSAGES).all_inner_texts()}


def shown_on(page) -> tuple[str, set[str]]:
    """The text of the page's <main> and the values of its fields."""
    return page.evaluate(
        """() => [document.querySelector('main').innerText,
                  Array.from(document.querySelectorAll('main input, main textarea'))
                       .map((el) => el.value)]"""
    )


def not_shown(page, filled):
    text, values = shown_on(page)
    values = set(values)
    return [(n, kind, v) for n, kind, v in filled if v not in text and v not in values]


TEXT_FIELDS = (models.CharField, models.TextField)
NUMBER_FIELDS = (models.IntegerField, models.DecimalField)


def stored_in_database(value: str, kind: str) -> bool:
    """Some record of the application holds ``value`` (a text within a text field; a number
    as a whole figure)."""
    number = kind == "number"
    with scopes_disabled():
        for model in apps.get_models():
            query = Q()
            for f in model._meta.get_fields():
                if getattr(f, "choices", None) or not f.concrete or f.is_relation:
                    continue
                if number and isinstance(f, NUMBER_FIELDS):
                    query |= Q(**{f.name: int(value)})
                elif not number and isinstance(f, TEXT_FIELDS):
                    query |= Q(**{f"{f.name}__contains": value})
            if query and model._default_manager.filter(query).exists():
                return True
    return False


def press(page, base: str, form_page: FormPage, button: str, typed: Typed) -> list[str]:
    """Fill the page, press ``button``; the typed values neither kept nor explained."""
    url = base + form_page.url
    page.goto(url, wait_until="domcontentloaded")
    name, _sep, value = button.partition("=")
    selector = ", ".join(
        f"{part}[name='{name}']" + (f"[value='{value}']" if value else ":not([value])")
        if name
        else f"{part}:not([name])"
        for part in (
            "main form[method=post] button",
            "main form[method=post] input[type=submit]",
        )
    )
    buttons = page.locator(selector)
    if buttons.count() == 0:
        return []  # an earlier step changed the state: the button is no longer offered
    if not buttons.first.is_visible():
        # The page's script hid it because it does the button's work as the user types
        # (the amount grid's "Räkna om summorna"): nobody can press it.
        return []
    before = messages_on(page)
    filled = fill_page(page, typed)
    if not filled:
        return []
    with page.expect_navigation(wait_until="domcontentloaded") as navigation:
        buttons.first.click()
    after = messages_on(page) - before
    if after:
        return []
    landed = page.url
    # The form shown again in answer to the POST itself (no redirect) kept nothing.
    redirected = navigation.value is not None and navigation.value.request.method == "GET"
    lost = not_shown(page, filled) if redirected else filled
    if lost and landed.split("#")[0] != url:
        page.goto(url, wait_until="domcontentloaded")
        lost = not_shown(page, lost)
    lost = [(n, kind, v) for n, kind, v in lost if not stored_in_database(v, kind)]
    return [
        f"{form_page.url} [{button}]: {n}={v!r} neither stored nor explained (landed on {landed})"
        for n, _kind, v in lost
    ]


def load_demo_data():
    with scopes_disabled():
        associations = {a.slug: a for a in Association.objects.all()}
        for slug in {slug for _role, slug in ROLES}:
            plan = load_demo_plan(associations[slug], before_approval=load_demo_budget)
            load_demo_budget(plan)
            load_demo_followup(associations[slug], plan)
        load_demo_review(associations, change_budget=change_demo_revision_budget)


def test_every_typed_value_is_stored_or_a_message_says_why_not(browser, demo):
    load_demo_data()
    typed = Typed()
    failures, tried = [], set()
    for role, slug in ROLES:
        with scopes_disabled():
            user = User.objects.get(username=f"{slug}-{role}")
        pages = form_pages(user, slug)
        context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            login(page, demo, user.username)
            for form_page in pages:
                tried.add(form_page.route)
                for button in dict.fromkeys(form_page.buttons):
                    failures += press(page, demo, form_page, button, typed)
        finally:
            context.close()
    # The pages this test is about were found and tried.
    assert {
        "followup:quarter",
        "plans:sections_create",
        "plans:sections_update",
        "plans:comment_create",
        "budgets:budget_amounts",
        "budgets:line_create",
        "associations:party_create",
    } <= tried, sorted(tried)
    assert not failures, "\n".join(failures)
