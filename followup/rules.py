"""Who may do what with follow-up.

Every member reads the dashboard (anyone but the kansli sees small counts
suppressed); the kansli manages settings, measures and assessments and may
enter or correct any intervention's figures; a projektledare enters figures
only for the interventions they lead.
"""

import rules

from associations.rules import is_kansli, is_member, is_projektledare


@rules.predicate
def leads_intervention(user, intervention):
    if not user.is_authenticated or not hasattr(intervention, "project_leaders"):
        return False
    return intervention.project_leaders.filter(pk=user.pk).exists()


rules.add_rule("followup.view_followup", is_member)
rules.add_rule("followup.see_real_figures", is_kansli)
rules.add_rule("followup.manage_followup", is_kansli)
rules.add_rule("followup.enter_figures", is_kansli | (is_projektledare & leads_intervention))
