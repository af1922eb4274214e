"""Who may read and edit plans, and who takes part in the board's review.

Kansli edits and runs the review; every role reads, comments included; board
members (styrelse) comment while the plan is on review. The board's decision is
recorded by the kansli, or by the chair where the förbund allows it
(``Association.chair_records_decision``): a styrelse member whose board seat in
that förbund is the chair's (``BoardSeat.user``).
"""

import rules

from associations.models import Association, BoardSeat
from associations.rules import association_id_of, is_board_member, is_kansli, is_member


@rules.predicate
def is_recording_chair(user, target):
    association_id = association_id_of(target)
    if association_id is None or not is_board_member(user, target):
        return False
    allowed = (
        Association.objects.filter(pk=association_id)
        .values_list("chair_records_decision", flat=True)
        .first()
    )
    return bool(allowed) and (
        BoardSeat.objects.filter(
            association_id=association_id, user=user, office=BoardSeat.Office.CHAIR
        ).exists()
    )


rules.add_rule("plans.view_plan", is_member)
rules.add_rule("plans.edit_plan", is_kansli)
# The workflow (see ``plans.workflow``).
rules.add_rule("plans.send_for_review", is_kansli)
rules.add_rule("plans.record_decision", is_kansli | is_recording_chair)
rules.add_rule("plans.start_revision", is_kansli)
# Comments: every role reads; board members comment; kansli answers and marks handled.
rules.add_rule("plans.view_comments", is_member)
rules.add_rule("plans.add_comment", is_board_member)
rules.add_rule("plans.answer_comment", is_kansli | is_board_member)
rules.add_rule("plans.handle_comment", is_kansli)
rules.add_rule("plans.view_history", is_member)
