"""Waadi (art. 7a registration) and Wtta (admission, NAU register), hiring limit and sector ban."""

TITLE = "Staffing agencies: registration and admission (Waadi, Wtta)"
#: rules run only when at least one of these tables has rows
REQUIRES_TABLES = ("placements",)
STATUTES = ("Waadi", "Wtta")

from eerlijkwerk.law.waadi import fines, rules, tables  # noqa: E402,F401
