"""The demo data of the board's review."""

from django.core.management import call_command
from django_scopes import scopes_disabled

from associations.models import BoardSeat
from plans.diff import plan_changes
from plans.models import Comment, Plan


def test_demo_review_data(demo_data):
    call_command("load_demo", verbosity=0)  # idempotent
    with scopes_disabled():
        lines = {
            p.association.slug: p.approval_line()
            for p in Plan.objects.filter(revision_of=None).select_related("association")
        }
        assert lines == {
            "samspelet": "Antagen av styrelsen 2021-11-23",
            "ostra-varmland": "Fastställd av styrelsen 2021-12-01 §39",
            "norra-vastmanland": "Antagen av förbundsstyrelsen 2021-11-18",
            "sollentuna-upplands-vasby-sigtuna": "Fastställt av styrelsen den 2021-11-25",
            "insjoriket": "",
        }
        insjoriket = Plan.objects.get(association__slug="insjoriket")
        assert insjoriket.status == Plan.Status.REVIEW and insjoriket.review_deadline
        threads = Comment.objects.filter(plan=insjoriket, parent=None)
        assert threads.count() == 2
        # The kansli has answered the question on the budget line (the board member's
        # "Att göra" shows the answer).
        answers = Comment.objects.filter(plan=insjoriket, parent__isnull=False)
        assert [a.parent.budget_line_id is not None for a in answers] == [True]
        assert answers.get().author.username == "insjoriket-kansli"
        assert Comment.objects.filter(plan=insjoriket, budget_line__isnull=False).count() == 1

        revision = Plan.objects.get(revision_of__isnull=False)
        assert revision.association.slug == "ostra-varmland"
        assert revision.status == Plan.Status.DRAFT
        changes = plan_changes(earlier=revision.revision_of, later=revision)
        assert changes.sections.changed and changes.goals.added and changes.points.changed
        assert len(changes.extra["budget"].lines) == 2

        chair = BoardSeat.objects.get(association__slug="ostra-varmland", office="ordforande")
        assert chair.user.username == "ostra-varmland-styrelse"
        assert chair.association.chair_records_decision
