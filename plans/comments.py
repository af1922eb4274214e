"""The board's comments on a plan under review: writes and the one read the pages use.

Board members (styrelse) comment while the plan is on review, on the plan as a
whole or on one part of it; kansli and board members answer in the thread;
kansli marks a comment handled. An author edits or withdraws only their own
comment, and only while the review is open. Every write saves only the fields
it changes (``update_fields``), so an author's edit and the kansli's "handled"
made at the same moment both survive; new comments are separate rows, so two
board members commenting at once lose nothing.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.rules import can

from . import signals
from .models import Comment, Goal, MeasurementPoint, Plan, PlanIntervention, Section

TARGET_MODELS = {
    "section": Section,
    "goal": Goal,
    "measurement_point": MeasurementPoint,
    "plan_intervention": PlanIntervention,
}
TARGET_KINDS = (*TARGET_MODELS, "budget_line")


def _budget_lines(plan: Plan):
    # The model the comment's foreign key names: plans' models name the budget line
    # by label ("budgets.BudgetLine"), and plans imports nothing of budgets.
    BudgetLine = Comment._meta.get_field("budget_line").related_model
    return BudgetLine.objects.filter(group__budget__plan=plan).select_related("group", "parent")


def target_choices(*, plan: Plan) -> list[tuple[str, list[tuple[str, str]]]]:
    """What a comment can be about, "kind:pk" with the part's full words, grouped by kind of
    part and the budget by its groups (a fixed number of queries). Empty groups are left out.
    """

    def text(value):
        return " ".join(str(value).split())

    groups = [
        (_("The plan"), [("", _("The plan as a whole"))]),
        (_("Sections"), [(f"section:{s.pk}", text(s.heading)) for s in plan.sections.all()]),
        (_("Goals"), [(f"goal:{g.pk}", text(g.text)) for g in plan.goals.all()]),
        (
            _("Measurement points"),
            [(f"measurement_point:{p.pk}", text(p.text)) for p in plan.measurement_points.all()],
        ),
        (
            _("Interventions"),
            [
                (f"plan_intervention:{e.pk}", text(e.name))
                for e in plan.plan_interventions.select_related("intervention")
            ],
        ),
    ]
    by_group: dict = {}
    for line in sorted(_budget_lines(plan), key=_budget_line_order):
        name = f"{line.parent.name}: {line.name}" if line.parent_id else line.name
        by_group.setdefault(line.group, []).append((f"budget_line:{line.pk}", text(name)))
    groups += [
        (_("Budget: %(group)s") % {"group": group.name}, choices)
        for group, choices in by_group.items()
    ]
    return [(name, choices) for name, choices in groups if choices]


def _budget_line_order(line) -> tuple:
    """As the budget page lists them: income before costs, groups and lines in their order,
    a "varav" line after the line it is part of."""
    parent = line.parent if line.parent_id else line
    return (
        line.group.side != "income",
        line.group.order,
        line.group_id,
        parent.order,
        parent.pk,
        line.parent_id is not None,
        line.order,
        line.pk,
    )


def target_url(comment: Comment, *, association_slug: str) -> str:
    """The page and anchor where the part a comment is about is shown ("" for the plan as a
    whole): the plan page, or the budget page for a budget line."""
    if not comment.anchor:
        return ""
    page = "budgets:budget_detail" if comment.budget_line_id else "plans:plan_detail"
    kwargs = {"association_slug": association_slug, "plan_pk": comment.plan_id}
    return f"{reverse(page, kwargs=kwargs)}#{comment.anchor}"


def resolve_target(*, plan: Plan, key: str):
    """``(field name, object)`` for a "kind:pk" key of ``plan``; ``(None, None)`` for the plan."""
    if not key:
        return None, None
    kind, _sep, pk = key.partition(":")
    if not pk.isdigit() or kind not in (*TARGET_MODELS, "budget_line"):
        raise ValidationError({"target": _("Choose what the comment is about.")})
    if kind == "budget_line":
        queryset = _budget_lines(plan)
    else:
        queryset = TARGET_MODELS[kind].objects.filter(plan=plan)
    target = queryset.filter(pk=int(pk)).first()
    if target is None:
        raise ValidationError({"target": _("Choose what the comment is about.")})
    return kind, target


def unhandled_count(*, plan: Plan) -> int:
    """How many of the board's comments (threads, not answers) are open: neither handled by
    the kansli nor withdrawn."""
    return Comment.objects.filter(plan=plan, parent=None, withdrawn=False, handled=False).count()


def _label(kind, target) -> str:
    if target is None:
        return ""
    if kind == "budget_line":
        return f"{target.group.name}: {target.name}"[:200]
    if kind == "plan_intervention":
        return target.name[:200]
    return str(target)[:200]


def _ensure_open(plan: Plan) -> None:
    status = Plan.objects.filter(pk=plan.pk).values_list("status", flat=True).first()
    if status != Plan.Status.REVIEW:
        raise ValidationError(_("Comments can be written only while the plan is on review."))


def _ensure_allowed(user, rule: str, plan: Plan) -> None:
    if not can(user, rule, plan):
        raise PermissionDenied(_("Your role does not allow this."))


def _body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({"body": _("Write the comment.")})
    return body


# A second identical post within this time is the same comment sent twice (a double
# click, the browser resending the form), not a new one.
RESENT_WITHIN = datetime.timedelta(minutes=10)


def _just_posted(*, plan: Plan, author, parent, body: str, kind=None, target=None):
    """The author's comment that this post repeats, if it is one sent twice."""
    latest = (
        Comment.objects.filter(plan=plan, author=author, parent=parent, withdrawn=False)
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is None or latest.body != body:
        return None
    if timezone.now() - latest.created_at > RESENT_WITHIN:
        return None
    if parent is None and any(
        getattr(latest, f"{name}_id") != (target.pk if name == kind else None)
        for name in TARGET_KINDS
    ):
        return None
    return latest


@transaction.atomic
def comment_create(*, plan: Plan, acting_user, body: str, target_key: str = "") -> Comment:
    """A board member's new comment on the plan or one of its parts. The same comment
    posted twice in a row (a double click) is kept once."""
    _ensure_allowed(acting_user, "plans.add_comment", plan)
    _ensure_open(plan)
    kind, target = resolve_target(plan=plan, key=target_key)
    body = _body(body)
    repeated = _just_posted(
        plan=plan, author=acting_user, parent=None, body=body, kind=kind, target=target
    )
    if repeated is not None:
        return repeated
    comment = Comment(
        association_id=plan.association_id,
        plan=plan,
        author=acting_user,
        body=body,
        target_label=_label(kind, target),
    )
    if kind:
        setattr(comment, kind, target)
    comment._history_user = acting_user
    comment.save()
    return comment


@transaction.atomic
def comment_reply(*, parent: Comment, acting_user, body: str) -> Comment:
    """An answer in a comment's thread (kansli, or a board member)."""
    plan = parent.plan
    _ensure_allowed(acting_user, "plans.answer_comment", plan)
    _ensure_open(plan)
    if parent.parent_id is not None:
        parent = parent.parent
    if parent.withdrawn:
        raise ValidationError(_("The comment has been withdrawn."))
    body = _body(body)
    repeated = _just_posted(plan=plan, author=acting_user, parent=parent, body=body)
    if repeated is not None:
        return repeated
    reply = Comment(
        association_id=plan.association_id,
        plan=plan,
        parent=parent,
        author=acting_user,
        body=body,
    )
    reply._history_user = acting_user
    reply.save()
    signals.comment_answered.send(sender=Comment, reply=reply, acting_user=acting_user)
    return reply


def _ensure_own(comment: Comment, user) -> None:
    if comment.author_id != user.pk:
        raise PermissionDenied(_("You can change only your own comments."))
    if comment.withdrawn:
        raise ValidationError(_("The comment has been withdrawn."))


@transaction.atomic
def comment_update(*, comment: Comment, acting_user, body: str) -> Comment:
    _ensure_own(comment, acting_user)
    _ensure_open(comment.plan)
    comment.body = _body(body)
    comment.edited_at = timezone.now()
    comment._history_user = acting_user
    comment.save(update_fields=["body", "edited_at"])
    return comment


@transaction.atomic
def comment_withdraw(*, comment: Comment, acting_user) -> Comment:
    _ensure_own(comment, acting_user)
    _ensure_open(comment.plan)
    comment.withdrawn = True
    comment._history_user = acting_user
    comment.save(update_fields=["withdrawn"])
    return comment


@transaction.atomic
def comment_mark_handled(*, comment: Comment, acting_user, handled: bool = True) -> Comment:
    """Kansli marks a comment (the start of a thread) handled, or not handled again."""
    _ensure_allowed(acting_user, "plans.handle_comment", comment.plan)
    if comment.parent_id is not None:
        raise ValidationError(_("Mark the comment that starts the thread."))
    comment.handled = handled
    comment.handled_by = acting_user if handled else None
    comment.handled_at = timezone.now() if handled else None
    comment._history_user = acting_user
    comment.save(update_fields=["handled", "handled_by", "handled_at"])
    return comment


def comment_threads(*, plan: Plan) -> list[Comment]:
    """The plan's comments that start a thread, oldest first, each with ``reply_list``.

    A fixed number of queries whatever the number of comments.
    """
    return list(
        Comment.objects.filter(plan=plan, parent__isnull=True)
        .select_related(
            "author",
            "handled_by",
            "section",
            "goal",
            "measurement_point",
            "plan_intervention__intervention",
            "budget_line__group",
        )
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Comment.objects.select_related("author").order_by("created_at", "pk"),
                to_attr="reply_list",
            )
        )
    )


def thread_heads(*, plan: Plan) -> list[Comment]:
    """The comments that start a thread, in ``comment_threads``' order, with only what
    places them (``Comment.anchor``): what an approved plan's kept body is keyed on."""
    return list(
        Comment.objects.filter(plan=plan, parent__isnull=True).only(
            "pk",
            "section_id",
            "goal_id",
            "measurement_point_id",
            "plan_intervention_id",
            "budget_line_id",
        )
    )


def threads_by_anchor(threads: list[Comment]) -> dict[str, list[Comment]]:
    """Threads keyed by the id of the part on the plan page ("" for the plan as a whole)."""
    result: dict[str, list[Comment]] = {}
    for thread in threads:
        result.setdefault(thread.anchor, []).append(thread)
    return result
