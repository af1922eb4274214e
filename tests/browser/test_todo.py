""" "Att göra" in a real browser: each demo role logs in, sees what waits for it on the
förbund's home page (the demo data has something for every role), follows the first
link to the page where it is done, and both pages pass axe."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_axe_violations, login
from tests.browser.test_plans import sv

pytestmark = pytest.mark.browser

# role: (förbund, the group's heading, where its first link leads)
WAITING = {
    "kansli": ("samspelet", "Quarters to approve", r"/followup/interventions/\d+/2022/q3/$"),
    "styrelse": ("insjoriket", "Waiting for your review", r"/plans/\d+/review/$"),
    "projektledare": (
        "ostra-varmland",
        "Quarters returned for revision",
        r"/followup/interventions/\d+/2022/q3/$",
    ),
    "revisor": ("ostra-varmland", "Auditors' statements to record", r"/auditors-statement/$"),
}


@pytest.mark.parametrize("role", list(WAITING))
def test_each_role_sees_its_to_do_list_and_follows_a_link(full_demo, page, role):
    slug, heading, target = WAITING[role]
    login(page, full_demo, f"{slug}-{role}")
    page.goto(f"{full_demo}/f/{slug}/")
    todo = page.locator("#todo")
    expect(todo.get_by_role("heading", name=sv("To do"))).to_be_visible()
    group = todo.get_by_role("list", name=sv(heading))
    expect(group).to_be_visible()
    expect(todo.get_by_text(sv("Nothing is waiting for you right now."))).to_have_count(0)
    assert_no_axe_violations(page)
    group.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(target))
    expect(page.locator("h1")).to_be_visible()
    assert_no_axe_violations(page)


def test_a_role_with_nothing_waiting_is_told_so(full_demo, page):
    login(page, full_demo, "samspelet-revisor")  # the statement of 2022 is recorded
    page.goto(f"{full_demo}/f/samspelet/")
    todo = page.locator("#todo")
    expect(todo.get_by_text(sv("Nothing is waiting for you right now."))).to_be_visible()


def test_a_board_member_chooses_a_daily_summary_from_the_top_bar(full_demo, page):
    """E-postaviseringar: reached from every page's top bar, only the kinds of the
    person's role, saved and shown as saved."""
    login(page, full_demo, "insjoriket-styrelse")
    page.goto(f"{full_demo}/f/insjoriket/")
    page.get_by_role("link", name=sv("E-mail notifications")).click()
    expect(page.locator("h1")).to_have_text(sv("E-mail notifications"))
    expect(page.get_by_text(sv("A quarter is submitted"))).to_have_count(0)
    review = page.get_by_role("group", name=sv("A plan or report is sent to the board"))
    review.get_by_label(sv("In a daily summary")).check()
    assert_no_axe_violations(page)
    page.get_by_role("button", name=sv("Save")).click()
    expect(page.get_by_text(sv("Your choices are saved."))).to_be_visible()
    review = page.get_by_role("group", name=sv("A plan or report is sent to the board"))
    expect(review.get_by_label(sv("In a daily summary"))).to_be_checked()
