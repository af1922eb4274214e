"""Who may read and edit budgets.

Every member of the förbund reads its budgets, whatever the role; only the kansli
edits them: every write view requires ``budgets.edit_budget``, and the budget page
asks the same rule before it shows a button. Whether a budget can change at all
follows its plan's status (``services.ensure_budget_editable``).
"""

import rules

from associations.rules import is_kansli, is_member

rules.add_rule("budgets.view_budget", is_member)
rules.add_rule("budgets.edit_budget", is_kansli)
# Entering the year's outcome and mapping the books' accounts to budget lines: kansli.
rules.add_rule("budgets.enter_outcome", is_kansli)
