"""Board comments: who writes what when, threads, concurrency, flat query counts."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from budgets.models import BudgetLine
from plans import comments
from plans.models import Comment, Plan
from tests.factories import PlanFactory, SectionFactory
from tests.plans.helpers import add_budget, board_member


@pytest.fixture
def on_review(plan):
    SectionFactory(association=plan.association, plan=plan, heading="Inledning")
    add_budget(plan)
    plan.status = Plan.Status.REVIEW
    plan.save()
    return plan


def line_key(plan, name="Insatser"):
    line = BudgetLine.objects.get(group__budget__plan=plan, name=name)
    return f"budget_line:{line.pk}", line


def test_board_member_comments_on_a_budget_line(on_review, members):
    key, line = line_key(on_review)
    comment = comments.comment_create(
        plan=on_review,
        acting_user=members["styrelse"],
        body="Varför ökar insatserna?",
        target_key=key,
    )
    assert comment.budget_line == line and comment.target_label == "Kostnader: Insatser"
    assert comment.author == members["styrelse"] and not comment.handled
    whole = comments.comment_create(
        plan=on_review, acting_user=members["styrelse"], body="Bra plan"
    )
    assert whole.target is None and whole.anchor == ""


def test_the_same_comment_sent_twice_is_kept_once(on_review, members):
    key, _line = line_key(on_review)
    board = members["styrelse"]
    first = comments.comment_create(
        plan=on_review, acting_user=board, body="Varför?", target_key=key
    )
    again = comments.comment_create(
        plan=on_review, acting_user=board, body=" Varför?\r\n", target_key=key
    )
    assert again == first
    # The same words about something else, or as a new answer, are new comments.
    other = comments.comment_create(plan=on_review, acting_user=board, body="Varför?")
    assert other != first
    answer = comments.comment_reply(parent=first, acting_user=members["kansli"], body="Därför.")
    assert comments.comment_reply(parent=first, acting_user=members["kansli"], body="Därför.") == (
        answer
    )
    assert Comment.objects.filter(plan=on_review).count() == 3


def test_target_choices_cover_every_kind_of_part(on_review):
    keys = [
        key for _group, choices in comments.target_choices(plan=on_review) for key, _ in choices
    ]
    assert "" in keys
    assert any(k.startswith("section:") for k in keys)
    assert sum(k.startswith("budget_line:") for k in keys) == 2


def test_a_part_of_another_plan_is_refused(on_review, members):
    other = PlanFactory(association=on_review.association, year=2030, end_year=2030)
    section = SectionFactory(association=on_review.association, plan=other)
    with pytest.raises(ValidationError):
        comments.comment_create(
            plan=on_review,
            acting_user=members["styrelse"],
            body="x",
            target_key=f"section:{section.pk}",
        )


@pytest.mark.parametrize("role", ["kansli", "projektledare", "revisor"])
def test_only_board_members_start_a_comment(on_review, members, role):
    with pytest.raises(PermissionDenied):
        comments.comment_create(plan=on_review, acting_user=members[role], body="x")


@pytest.mark.parametrize("status", [Plan.Status.DRAFT, Plan.Status.APPROVED, Plan.Status.SENT_BACK])
def test_comments_only_while_on_review(plan, members, status):
    plan.status = status
    plan.save()
    with pytest.raises(ValidationError):
        comments.comment_create(plan=plan, acting_user=members["styrelse"], body="x")


def test_kansli_answers_and_marks_handled(on_review, members):
    comment = comments.comment_create(plan=on_review, acting_user=members["styrelse"], body="?")
    reply = comments.comment_reply(parent=comment, acting_user=members["kansli"], body="Svar")
    assert reply.parent == comment
    comments.comment_mark_handled(comment=comment, acting_user=members["kansli"])
    comment.refresh_from_db()
    assert comment.handled and comment.handled_by == members["kansli"]
    with pytest.raises(PermissionDenied):
        comments.comment_mark_handled(comment=comment, acting_user=members["styrelse"])
    for role in ["projektledare", "revisor"]:
        with pytest.raises(PermissionDenied):
            comments.comment_reply(parent=comment, acting_user=members[role], body="x")


def test_author_edits_and_withdraws_only_their_own_while_open(on_review, members):
    colleague = board_member(on_review.association)
    comment = comments.comment_create(plan=on_review, acting_user=members["styrelse"], body="A")
    with pytest.raises(PermissionDenied):
        comments.comment_update(comment=comment, acting_user=colleague, body="B")
    with pytest.raises(PermissionDenied):
        comments.comment_withdraw(comment=comment, acting_user=members["kansli"])
    comments.comment_update(comment=comment, acting_user=members["styrelse"], body="A2")
    comment.refresh_from_db()
    assert comment.body == "A2" and comment.edited_at is not None
    on_review.status = Plan.Status.APPROVED
    on_review.save()
    with pytest.raises(ValidationError):
        comments.comment_update(comment=comment, acting_user=members["styrelse"], body="A3")
    with pytest.raises(ValidationError):
        comments.comment_withdraw(comment=comment, acting_user=members["styrelse"])


def test_withdrawn_comment_cannot_be_edited_or_answered(on_review, members):
    comment = comments.comment_create(plan=on_review, acting_user=members["styrelse"], body="A")
    comments.comment_withdraw(comment=comment, acting_user=members["styrelse"])
    with pytest.raises(ValidationError):
        comments.comment_update(comment=comment, acting_user=members["styrelse"], body="B")
    with pytest.raises(ValidationError):
        comments.comment_reply(parent=comment, acting_user=members["kansli"], body="x")


def test_edit_and_handled_at_the_same_time_both_survive(on_review, members):
    comment = comments.comment_create(plan=on_review, acting_user=members["styrelse"], body="A")
    authors_copy = Comment.objects.get(pk=comment.pk)
    kanslis_copy = Comment.objects.get(pk=comment.pk)
    comments.comment_mark_handled(comment=kanslis_copy, acting_user=members["kansli"])
    comments.comment_update(comment=authors_copy, acting_user=members["styrelse"], body="A2")
    comment.refresh_from_db()
    assert comment.body == "A2" and comment.handled


@pytest.mark.django_db(transaction=True)
def test_two_board_members_commenting_at_once_lose_nothing(association, members):
    with scope(association=association):
        plan = PlanFactory(association=association)
        plan.status = Plan.Status.REVIEW
        plan.save()
        second = board_member(association)
    barrier = threading.Barrier(2)
    errors = []

    def write(user, text):
        try:
            barrier.wait(timeout=5)
            with scope(association=association):
                comments.comment_create(plan=plan, acting_user=user, body=text)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=(members["styrelse"], "Från ledamot A")),
        threading.Thread(target=write, args=(second, "Från ledamot B")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with scope(association=association):
        assert sorted(Comment.objects.filter(plan=plan).values_list("body", flat=True)) == [
            "Från ledamot A",
            "Från ledamot B",
        ]


def review_url(plan, name="review", **kwargs):
    return reverse(
        f"plans:{name}",
        kwargs={"association_slug": plan.association.slug, "plan_pk": plan.pk, **kwargs},
    )


def test_board_member_comments_through_the_page(client, on_review, members):
    key, line = line_key(on_review)
    client.force_login(members["styrelse"])
    page = client.get(review_url(on_review))
    assert page.status_code == 200 and page.context["may_comment"]
    response = client.post(
        review_url(on_review, "comment_create"), {"target": key, "body": "Fråga om insatser"}
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.budget_line == line
    assert "Fråga om insatser" in client.get(review_url(on_review)).content.decode()


@pytest.mark.parametrize("role", ["projektledare", "revisor"])
def test_readers_see_comments_without_forms(client, on_review, members, role):
    comments.comment_create(plan=on_review, acting_user=members["styrelse"], body="Synpunkt X")
    client.force_login(members[role])
    page = client.get(review_url(on_review))
    html = page.content.decode()
    assert "Synpunkt X" in html and not page.context["may_comment"]
    assert client.post(review_url(on_review, "comment_create"), {"body": "y"}).status_code == 403


def test_comments_are_not_part_of_the_plan_text(client, on_review, members):
    comments.comment_create(plan=on_review, acting_user=members["styrelse"], body="Hemlig åsikt")
    client.force_login(members["revisor"])
    html = client.get(review_url(on_review, "plan_detail")).content.decode()
    assert "Hemlig åsikt" not in html


def add_comments(plan, members, n):
    sections = list(plan.sections.all())
    for i in range(n):
        c = comments.comment_create(
            plan=plan,
            acting_user=members["styrelse"],
            body=f"Kommentar {i}",
            target_key=f"section:{sections[0].pk}" if i % 2 else "",
        )
        comments.comment_reply(parent=c, acting_user=members["kansli"], body="Svar")


@pytest.mark.parametrize("name", ["review", "plan_detail"])
def test_pages_take_the_same_queries_for_3_and_30_comments(client, on_review, members, name):
    client.force_login(members["kansli"])
    counts = []
    for n in (3, 27):
        add_comments(on_review, members, n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(review_url(on_review, name)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_kansli_edits_its_own_answer_but_not_the_board_members_comment(client, on_review, members):
    comment = comments.comment_create(plan=on_review, acting_user=members["styrelse"], body="?")
    answer = comments.comment_reply(parent=comment, acting_user=members["kansli"], body="Svar")
    client.force_login(members["kansli"])
    edit = review_url(on_review, "comment_update", pk=answer.pk)
    assert client.post(edit, {"body": "Rättat svar"}).status_code == 302
    answer.refresh_from_db()
    assert answer.body == "Rättat svar"
    other = review_url(on_review, "comment_update", pk=comment.pk)
    assert client.post(other, {"body": "x"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "?"


def test_the_about_list_is_grouped_by_kind_of_part_and_budget_group_with_full_labels(plan):
    heading = "Samverkan mellan parterna " + "och de kommuner som ingår i förbundet " * 3
    SectionFactory(association=plan.association, plan=plan, heading=heading.strip())
    add_budget(plan)
    groups = comments.target_choices(plan=plan)
    names = [str(name) for name, _choices in groups]
    assert names == ["Planen", "Avsnitt", "Budget: Kostnader"]  # no empty group
    labels = [label for _name, choices in groups for _key, label in choices]
    assert heading.strip() in labels
    budget = dict(groups[-1][1])
    assert sorted(budget.values()) == ["Insatser", "Kansli"]


def test_the_about_of_a_comment_links_to_its_part(client, on_review, members):
    key, line = line_key(on_review)
    section = on_review.sections.get(heading="Inledning")
    board = members["styrelse"]
    comments.comment_create(plan=on_review, acting_user=board, body="Budget?", target_key=key)
    comments.comment_create(
        plan=on_review, acting_user=board, body="Text?", target_key=f"section:{section.pk}"
    )
    kwargs = {"association_slug": on_review.association.slug, "plan_pk": on_review.pk}
    client.force_login(board)
    html = client.get(reverse("plans:review", kwargs=kwargs)).content.decode()
    budget_page = reverse("budgets:budget_detail", kwargs=kwargs)
    plan_page = reverse("plans:plan_detail", kwargs=kwargs)
    assert f'href="{budget_page}#budget-line-{line.pk}"' in html
    assert f'href="{plan_page}#section-{section.pk}"' in html


def test_the_budget_page_has_a_comment_link_beside_each_line_for_the_board(
    client, on_review, members
):
    kwargs = {"association_slug": on_review.association.slug, "plan_pk": on_review.pk}
    lines = list(BudgetLine.objects.filter(group__budget__plan=on_review))
    create = reverse("plans:comment_create", kwargs=kwargs)
    client.force_login(members["styrelse"])
    html = client.get(reverse("budgets:budget_detail", kwargs=kwargs)).content.decode()
    for line in lines:
        assert f'id="budget-line-{line.pk}"' in html
        assert f'href="{create}?target=budget_line:{line.pk}"' in html
    assert html.count(">Kommentera<") == len(lines)
    client.force_login(members["kansli"])
    html = client.get(reverse("budgets:budget_detail", kwargs=kwargs)).content.decode()
    assert f"{create}?target" not in html
