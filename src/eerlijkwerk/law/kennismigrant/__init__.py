"""Kennismigrant and EU Blue Card salary criteria (Vreemdelingenbesluit 2000 art. 3.30a, 3.30b; IND)."""

TITLE = "Knowledge migrants and EU Blue Card: salary criterion"
#: rules run only when at least one of these tables has rows
REQUIRES_TABLES = ("permits",)
STATUTES = ("Vb 2000",)

from eerlijkwerk.law.kennismigrant import rules  # noqa: E402,F401
from eerlijkwerk.law.kennismigrant.rules import coverage_notes  # noqa: E402,F401
