"""What happens in the board's review, for the apps above ``plans`` to act on (the
notifications app mails the people concerned). Each is sent inside the transaction of
the event, so what a receiver writes (a notification, a mail in the outbox) is kept or
rolled back with it.

- ``sent_for_review(document, acting_user)``: a plan or report went to the board.
- ``decision_recorded(document, acting_user, approved)``: the board's decision was
  recorded: approved (``approved=True``) or sent back to the kansli.
- ``comment_answered(reply, acting_user)``: an answer was written in a comment's thread.
"""

from django.dispatch import Signal

sent_for_review = Signal()
decision_recorded = Signal()
comment_answered = Signal()
