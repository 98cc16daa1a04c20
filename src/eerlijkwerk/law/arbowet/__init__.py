"""Arbeidsomstandighedenwet (Arbowet): accident reporting; lenders' meld- en vergewisplicht (bill 36781)."""

TITLE = "Accidents: reporting and verification (Arbowet, bill 36781)"
#: rules run only when at least one of these tables has rows
REQUIRES_TABLES = ("accidents",)
STATUTES = ("Arbowet", "Wet 36781")

from eerlijkwerk.law.arbowet import fines, rules, tables  # noqa: E402,F401
