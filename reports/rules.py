"""Who may read and draft the annual report.

Every role reads the förbund's reports (the report is public: small counts are
suppressed for all but the kansli, ``followup.see_real_figures``); the kansli drafts
them. The board's review and decision use the plan's rules (``plans.*``); an auditor
records the auditors' statement on the approved report (``reports.workflow``).
"""

import rules

from associations.rules import is_auditor, is_kansli, is_member

rules.add_rule("reports.view_report", is_member)
rules.add_rule("reports.edit_report", is_kansli)
rules.add_rule("reports.record_auditors_statement", is_auditor)
