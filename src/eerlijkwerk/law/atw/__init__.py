"""Arbeidstijdenwet (Atw, BWBR0007671): working and rest times of workers aged 18 and over, on shift records, and the
Atw fine policy (Beleidsregel boeteoplegging Arbeidstijdenwet en Arbeidstijdenbesluit 2013, BWBR0032353).

See docs/atw.md: the rules, their articles, how windows are evaluated, DST, and the fine steps.
"""

TITLE = "Working time (Arbeidstijdenwet)"
#: rules run only when at least one of these tables has rows
REQUIRES_TABLES = ("shifts",)
STATUTES = ("Atw",)

from eerlijkwerk.law.atw import fines, rules  # noqa: E402,F401  (registers the rules)
