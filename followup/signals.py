"""What happens to a quarter's figures, for the apps above ``followup`` to act on (the
notifications app mails the people concerned). Sent inside the transaction of the event.

- ``quarter_report_transitioned(report, action, acting_user, reason)``: a quarter was
  submitted, approved, returned (with ``reason``) or reopened (``followup.workflow``'s
  action names).
"""

from django.dispatch import Signal

quarter_report_transitioned = Signal()
