"""Who may do what with follow-up.

Every member reads the dashboard (anyone but the kansli sees small counts
suppressed); the kansli manages settings, measures and assessments and may
enter or correct any intervention's figures; a projektledare enters figures
only for the interventions they lead. The revisor reads every quarter and its
history, and changes none.
"""

import rules

from associations.rules import is_auditor, is_kansli, is_member, is_project_leader


@rules.predicate
def is_project_leader_of(user, intervention):
    if not user.is_authenticated or not hasattr(intervention, "project_leaders"):
        return False
    return intervention.project_leaders.filter(pk=user.pk).exists()


rules.add_rule("followup.view_followup", is_member)
rules.add_rule("followup.see_real_figures", is_kansli)
rules.add_rule("followup.manage_followup", is_kansli)
rules.add_rule("followup.enter_figures", is_kansli | (is_project_leader & is_project_leader_of))
# Reading a quarter page: whoever may enter its figures, and the revisor (every quarter).
rules.add_rule("followup.read_all_quarters", is_kansli | is_auditor)
rules.add_rule(
    "followup.read_quarter", is_kansli | is_auditor | (is_project_leader & is_project_leader_of)
)
