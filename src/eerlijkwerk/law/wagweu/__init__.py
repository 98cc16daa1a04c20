"""Wet arbeidsvoorwaarden gedetacheerde werknemers in de Europese Unie (WagwEU): posting notifications."""

TITLE = "Posted workers (WagwEU)"
STATUTES = ("WagwEU",)

from eerlijkwerk.law.wagweu import fines, rules, tables  # noqa: E402,F401
