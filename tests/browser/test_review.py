"""The board's review in a real browser: kansli sends the Insjöriket draft to the board,
a board member comments on a budget line, kansli answers, marks it handled and records
the approval with § and dnr; the plan is then read-only; a revision is started, changed,
and its changes against the approved version are shown. axe on every page visited."""

import datetime

import pytest
from django.utils import timezone, translation
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from budgets.models import BudgetLine
from plans.models import Plan
from tests.browser.conftest import assert_no_axe_violations, login
from tests.browser.test_plans import INSJORIKET, load_plan, plan_url, save, sv

with translation.override("sv"):
    COMMENT_VERB = translation.pgettext("verb", "Comment")  # the link; the noun is "Kommentar"

pytestmark = pytest.mark.browser


def test_review_from_draft_to_approval_and_revision(demo, page, browser, fake_pdf):
    plan = load_plan(INSJORIKET)
    assert plan.status == Plan.Status.DRAFT
    with scopes_disabled():
        line = BudgetLine.objects.filter(group__budget__plan=plan).order_by("pk").last()
    detail = plan_url(demo, INSJORIKET, plan.pk)

    # Kansli sends the draft to the board.
    login(page, demo, f"{INSJORIKET}-kansli")
    page.goto(detail)
    page.get_by_role("link", name=sv("Send to the board for review")).click()
    assert_no_axe_violations(page)
    deadline = timezone.localdate() + datetime.timedelta(days=10)
    page.get_by_label(sv("Comments due by")).fill(deadline.isoformat())
    page.get_by_label(sv("Message to the board")).fill("Synpunkter på budgeten, tack.")
    save(page)
    expect(page.locator("#review-heading")).to_be_visible()
    expect(page.get_by_role("link", name=sv("Edit title and years"))).to_have_count(0)
    assert_no_axe_violations(page)

    # A board member sees it on the home page and comments on a budget line.
    board = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    board_page = board.new_page()
    try:
        login(board_page, demo, f"{INSJORIKET}-styrelse")
        board_page.goto(f"{demo}/f/{INSJORIKET}/")
        awaiting = board_page.locator("#todo-reviews_waiting")
        expect(awaiting).to_be_visible()
        assert_no_axe_violations(board_page)
        # A comment on a section, from the link beside it on the plan page; then edited.
        board_page.goto(detail)
        assert_no_axe_violations(board_page)
        comment_link = board_page.locator("section[id^='section-'] a", has_text=COMMENT_VERB)
        comment_link.first.click()
        assert_no_axe_violations(board_page)
        board_page.locator("main form textarea[name='body']").fill("Tydligare tidsplan?")
        board_page.locator("main form input[type='submit'][name='submit']").click()
        board_page.locator("article a", has_text=sv("Edit")).first.click()
        assert_no_axe_violations(board_page)
        board_page.locator("main form textarea[name='body']").fill("Tydligare tidsplan, tack.")
        board_page.locator("main form input[type='submit'][name='submit']").click()
        expect(board_page.get_by_text("Tydligare tidsplan, tack.")).to_be_visible()
        board_page.goto(plan_url(demo, INSJORIKET, plan.pk, "review/"))
        board_page.get_by_role("link", name=sv("Write a comment")).click()
        board_page.locator("main form select[name='target']").select_option(
            f"budget_line:{line.pk}"
        )
        board_page.locator("main form textarea[name='body']").fill("Varför ökar beloppet här?")
        board_page.locator("main form input[type='submit'][name='submit']").click()
        expect(board_page.get_by_text("Varför ökar beloppet här?")).to_be_visible()
        assert_no_axe_violations(board_page)
    finally:
        board.close()

    # Kansli answers in the thread and marks the comment handled.
    page.goto(plan_url(demo, INSJORIKET, plan.pk, "review/"))
    expect(page.get_by_text("Varför ökar beloppet här?")).to_be_visible()
    assert_no_axe_violations(page)
    thread = page.locator("article", has_text="Varför ökar beloppet här?")
    thread.locator("a", has_text=sv("Answer")).click()
    assert_no_axe_violations(page)
    page.locator("main form textarea[name='body']").fill("Fler platser i ACTivera 2023.")
    save(page)
    expect(page.get_by_text("Fler platser i ACTivera 2023.")).to_be_visible()
    thread.locator("button", has_text=sv("Mark as handled")).click()
    expect(thread.locator(".badge", has_text=sv("Handled"))).to_be_visible()
    expect(thread).to_contain_text("Fler platser i ACTivera 2023.")

    # Kansli records the approval with § and dnr.
    page.goto(detail)
    page.get_by_role("link", name=sv("Record the board's decision")).click()
    assert_no_axe_violations(page)
    page.get_by_label(sv("Date of the board meeting")).fill("2022-12-07")
    page.get_by_label(sv("Minute paragraph (§)")).fill("§12")
    page.get_by_label(sv("File number (dnr)")).fill("2022/31")
    # One comment is still open: the page says so and asks for a confirmation.
    expect(page.locator("main .alert-warning")).to_contain_text("1 kommentar")
    save(page)
    expect(page.locator("main .invalid-feedback, main .alert-danger").first).to_be_visible()
    page.locator("input[name='confirm_unhandled']").check()
    save(page)
    with scopes_disabled():
        approved = Plan.objects.get(pk=plan.pk)
    assert approved.status == Plan.Status.APPROVED
    line_text = approved.approval_line()
    assert "2022-12-07 §12" in line_text and "2022/31" in line_text
    expect(page.locator("article header")).to_contain_text(line_text)
    # Read-only everywhere: no edit controls on the plan page, the edit forms send back.
    expect(page.locator(".part-actions")).to_have_count(0)
    page.goto(plan_url(demo, INSJORIKET, plan.pk, "edit/"))
    expect(page).to_have_url(detail)
    assert_no_axe_violations(page)

    # A revision: change a section, and see what changed.
    page.get_by_role("link", name=sv("Start a revision")).click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name=sv("Start the revision")).click()
    with scopes_disabled():
        revision = Plan.objects.get(revision_of=approved)
        section = revision.sections.order_by("order").first()
    expect(page).to_have_url(plan_url(demo, INSJORIKET, revision.pk))
    page.goto(plan_url(demo, INSJORIKET, revision.pk, f"sections/{section.pk}/edit/"))
    page.locator("main form textarea[name='body']").fill(section.body + " Reviderad 2023.")
    save(page)
    page.goto(plan_url(demo, INSJORIKET, revision.pk, "changes/"))
    expect(page.locator("ins", has_text="Reviderad")).to_be_visible()
    assert_no_axe_violations(page)
    for rest in ["history/", "budget-history/"]:
        page.goto(plan_url(demo, INSJORIKET, revision.pk, rest))
        expect(page.locator("h1")).to_be_visible()
        assert_no_axe_violations(page)
