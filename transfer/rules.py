"""Who may export the förbund's whole data: the kansli (``associations.rules``' predicates).
Importing is the platform administrator's, from the command line (``import_forbund``)."""

import rules

from associations.rules import is_kansli

rules.add_rule("transfer.export_association", is_kansli)
