"""Wet arbeid vreemdelingen (Wav, BWBR0007149): work permits, the art. 23 wage claim, and the Wav fine policy."""

TITLE = "Work permits (Wet arbeid vreemdelingen)"
STATUTES = ("Wav",)

from eerlijkwerk.law.wav import fines, rules, tables  # noqa: E402,F401
