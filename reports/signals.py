"""What happens to an approved report, for the apps above ``reports`` to act on (the audit
app writes it to the förbund's Händelselogg). Sent inside the transaction of the event.

- ``auditors_statement_recorded(report, acting_user)``: an auditor recorded (or
  corrected) the auditors' statement on ``report``.
"""

from django.dispatch import Signal

auditors_statement_recorded = Signal()
