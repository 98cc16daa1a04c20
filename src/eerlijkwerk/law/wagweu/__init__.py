"""Wet arbeidsvoorwaarden gedetacheerde werknemers in de Europese Unie (WagwEU): posting notifications."""

TITLE = "Posted workers (WagwEU)"
#: rules run only when at least one of these tables has rows
REQUIRES_TABLES = ("postings",)
STATUTES = ("WagwEU",)

from eerlijkwerk.law.wagweu import fines, rules, tables  # noqa: E402,F401
