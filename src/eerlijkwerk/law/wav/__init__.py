"""Wet arbeid vreemdelingen (Wav, BWBR0007149): work permits, the art. 23 wage claim, and the Wav fine policy."""

TITLE = "Work permits (Wet arbeid vreemdelingen)"
STATUTES = ("Wav",)

from eerlijkwerk.law.wav import fines, rules, tables  # noqa: E402,F401
from eerlijkwerk.law.wav.claims import extra_tables  # noqa: E402,F401
from eerlijkwerk.law.wav.rules import coverage_notes  # noqa: E402,F401
