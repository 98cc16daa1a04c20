"""Wet minimumloon en minimumvakantiebijslag (WML, BWBR0002638): rules, parameters and fine policy."""

from eerlijkwerk.law.wml import fines, rules  # noqa: F401  (registers the rules)
