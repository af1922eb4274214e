"""Who reads the förbund's Händelselogg: the kansli (``associations.rules``' predicates).
The platform administrator reads every förbund's in Django admin."""

import rules

from associations.rules import is_kansli

rules.add_rule("audit.view_events", is_kansli)
