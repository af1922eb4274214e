"""Who may read and edit budgets. Every role reads; kansli will edit (next step)."""

import rules

from associations.rules import is_kansli, is_member

rules.add_rule("budgets.view_budget", is_member)
rules.add_rule("budgets.edit_budget", is_kansli)
