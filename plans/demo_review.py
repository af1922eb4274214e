"""Demo data of the board's review, on top of the seed plans (``plans.demo``).

- Östra Värmland: the demo board member is tied to the chair's seat (Pernilla
  Matsson), the förbund lets the chair record the board's decision, and its
  approved 2022 plan has a revision in draft with a few real changes (a section,
  a new goal, a measurement point and two budget amounts), so "What changed"
  shows something.
- Insjöriket: the 2023 plan is on review by the board, with two board comments
  (one on a budget line).

Idempotent: each step is done once and left alone afterwards.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from associations.models import BoardSeat, User

from . import comments, services, workflow
from .models import Comment, Goal, MeasurementPoint, Plan, Section


def _user(association, role):
    return User.objects.filter(username=f"{association.slug}-{role}").first()


def tie_chair_to_demo_board_member(association) -> None:
    board_member = _user(association, "styrelse")
    with scope(association=association):
        chair = BoardSeat.objects.filter(
            association=association, office=BoardSeat.Office.CHAIR
        ).first()
        if chair is None or board_member is None or chair.user_id:
            return
        chair.user = board_member
        chair.save(update_fields=["user"])
        if not association.chair_records_decision:
            association.chair_records_decision = True
            association.save(update_fields=["chair_records_decision"])


def put_on_review_with_comments(association) -> None:
    kansli, board_member = _user(association, "kansli"), _user(association, "styrelse")
    with scope(association=association):
        plan = Plan.objects.filter(association=association, year=2023).first()
        if plan is None or kansli is None or board_member is None:
            return
        if plan.status != Plan.Status.DRAFT or Comment.objects.filter(plan=plan).exists():
            return
        workflow.send_for_review(
            document=plan,
            acting_user=kansli,
            deadline=timezone.localdate() + datetime.timedelta(days=14),
            message="Styrelsen ombeds lämna synpunkter på verksamhetsplan och budget 2023 "
            "inför beslutet.",
        )
        choices = dict(
            pair for _group, pairs in comments.target_choices(plan=plan) for pair in pairs
        )
        lines = [key for key in choices if key.startswith("budget_line:")]
        line_key = next((key for key in lines if "ACT" in choices[key]), lines[-1] if lines else "")
        question = comments.comment_create(
            plan=plan,
            acting_user=board_member,
            body="Hur har fördelningen mellan ACTivera-enheterna räknats fram? Jag saknar en "
            "motivering till beloppen.",
            target_key=line_key,
        )
        comments.comment_reply(
            parent=question,
            acting_user=kansli,
            body="Fördelningen följer antalet deltagare per enhet 2022; motiveringen läggs "
            "till i budgetens kommentar.",
        )
        section = Section.objects.filter(plan=plan).order_by("order").first()
        comments.comment_create(
            plan=plan,
            acting_user=board_member,
            body="Bra att övergången till den nya utförarmodellen beskrivs. Kan tidsplanen "
            "för avvecklingen av Balder och Primus förtydligas?",
            target_key=f"section:{section.pk}" if section else "",
        )


def start_revision_with_changes(association, *, change_budget=None) -> None:
    """``change_budget(plan, user)``: what the revision changes in its budget
    (``budgets.demo.change_demo_revision_budget``; plans imports nothing of budgets)."""
    kansli = _user(association, "kansli")
    with scope(association=association):
        plan = Plan.objects.filter(
            association=association, status=Plan.Status.APPROVED, revision_of__isnull=True
        ).first()
        if plan is None or kansli is None or plan.revisions.exists():
            return
        revision = workflow.start_revision(document=plan, acting_user=kansli)

        section = revision.sections.exclude(body="").order_by("order").first()
        if section is not None:
            section.body += (
                "\n\nPlanen revideras 2023: förbundet prioriterar unga vuxna som varken "
                "arbetar eller studerar."
            )
            services.plan_part_save(
                instance=section, acting_user=kansli, expected_version=section.version
            )
        area = revision.goal_areas.order_by("order").first()
        if area is not None:
            services.plan_part_save(
                instance=Goal(
                    plan=revision,
                    goal_area=area,
                    level=Goal.Level.SHORT_TERM,
                    text="Minst två nya samverkansinsatser för unga vuxna startar under 2023.",
                ),
                acting_user=kansli,
            )
        point = MeasurementPoint.objects.filter(plan=revision).order_by("pk").first()
        if point is not None:
            point.text += " Resultatet redovisas för styrelsen varje kvartal."
            services.plan_part_save(
                instance=point, acting_user=kansli, expected_version=point.version
            )
        if change_budget is not None:
            change_budget(revision, kansli)


@transaction.atomic
def load_demo_review(associations: dict, *, change_budget=None) -> None:
    """``associations``: slug → Association, as ``load_demo_associations`` returns them;
    ``change_budget``: see ``start_revision_with_changes`` (the ``load_demo`` command
    passes budgets')."""
    ostra = associations.get("ostra-varmland")
    if ostra is not None:
        tie_chair_to_demo_board_member(ostra)
        start_revision_with_changes(ostra, change_budget=change_budget)
    insjoriket = associations.get("insjoriket")
    if insjoriket is not None:
        put_on_review_with_comments(insjoriket)
