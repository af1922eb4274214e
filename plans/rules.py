"""Who may read and edit plans. Kansli edits; every role reads."""

import rules

from associations.rules import is_kansli, is_member

rules.add_rule("plans.view_plan", is_member)
rules.add_rule("plans.edit_plan", is_kansli)
