"""WML fines: the Beleidsregel boeteoplegging WML in force on the date of the violation (docs/fine-policy-wml.md).

One fine per employee per offence (art. 7, 7a, 15, 18b lid 2), each step named: the norm amount from the table and
every factor applied to it (natural person, recidivism under art. 18f WML from the prior_violations table, the
inspector's moderations from fine_factors). Factors that the inspector decides (moderations, the employer's proof of
a short employment) are inputs with a stated default, never guessed. Deduction findings (art. 13) are part of the
underpayment they cause and are priced there, not fined twice.

The pricing runs in DuckDB (fines_sql.py), so hundreds of thousands of fines take seconds; this module keeps the
calendar arithmetic in Python (:func:`months_exact`, used by the Wav claims and as the reference the SQL is tested
against).

Policy sources: parameters/boete_*.yaml (BWBR0041512 and predecessors).
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from fractions import Fraction





def months_exact(start: dt.date, end_inclusive: dt.date) -> Fraction:
    """Length of [start, end_inclusive] in months, exactly: whole calendar months from ``start`` plus the remaining
    days as a fraction of the following month (1 Jan – 31 Jan = 1; 1 Jan – 14 Feb = 1 + 14/28)."""
    end = end_inclusive + dt.timedelta(days=1)
    months = 0

    def add(d: dt.date, m: int) -> dt.date:
        y, mo = divmod(d.month - 1 + m, 12)
        y += d.year
        return dt.date(y, mo + 1, min(d.day, calendar.monthrange(y, mo + 1)[1]))

    while add(start, months + 1) <= end:
        months += 1
    base = add(start, months)
    nxt = add(start, months + 1)
    return months + Fraction((end - base).days, (nxt - base).days)


def months_between(start: dt.date, end_inclusive: dt.date) -> Decimal:
    """:func:`months_exact` as a Decimal (for display and band lookup; band edges are whole months, so the
    28-digit precision cannot move a value across one)."""
    m = months_exact(start, end_inclusive)
    return Decimal(m.numerator) / Decimal(m.denominator)


# The fines themselves are priced in DuckDB (fines_sql.py): one query per offence over all findings.
from eerlijkwerk.law.wml.fines_sql import fines_sql  # noqa: E402,F401  (the engine calls fines.fines_sql)
