"""Wet minimumloon en minimumvakantiebijslag (WML, BWBR0002638): rules, parameters and fine policy."""

TITLE = "Minimum wage and holiday allowance (Wet minimumloon en minimumvakantiebijslag)"
STATUTES = ("WML",)

from eerlijkwerk.law.wml import fines, rules  # noqa: E402,F401  (registers the rules)
