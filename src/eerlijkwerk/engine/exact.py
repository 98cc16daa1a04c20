"""Exact arithmetic for rule expressions, portable across backends.

Money inside a rule expression is **integer cents**, hours are integer hundredths of an hour, percentages integer
basis points (hundredths of a percent). Input columns are DECIMAL(.,2) and outputs are DECIMAL(14,2): the conversion
at both ends is exact. Why not decimals throughout: backends turn DECIMAL / DECIMAL into floating point (DuckDB returns
DOUBLE), and Ibis types a DECIMAL × DECIMAL product with the operands' scale, so ``1.25 × 1.25`` silently becomes
1.56 (measured with ibis 12 on DuckDB; engine-notes.md §3). Integer arithmetic has neither problem; the only division
is an integer division to whole cents, rounded in the direction the caller names. Overflow bounds are kept by input
limits (money ≤ EUR 1,000,000 and hours ≤ 24 × days per payslip; see records/schema.py).

Age is computed from year, month and day explicitly (engine-notes.md §2).
"""

from __future__ import annotations

from decimal import Decimal

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir


@ibis.udf.scalar.builtin(name="divide")
def _int_divide(a: dt.Int64, b: dt.Int64) -> dt.Int64:
    """DuckDB's integer division (``a // b`` on integers, exact also on HUGEINT). Ibis compiles ``//`` to
    FLOOR(a / b) through DOUBLE, which is inexact beyond 2^53."""


def to_units(x: ir.NumericValue, units: int = 100) -> ir.IntegerValue:
    """DECIMAL(., 2) (EUR, hours) to integer hundredths, exactly (the product keeps scale 2 and is whole)."""
    return (x * units).cast("int64")


def cents_to_eur(cents: ir.IntegerValue) -> ir.NumericValue:
    """Whole cents to EUR as DECIMAL(14,2), exactly (both operands of one decimal type, see module docstring)."""
    return (cents.cast("decimal(18,2)") * ibis.literal(Decimal("0.01"), type="decimal(18,2)")).cast("decimal(14,2)")


def div_ceil(a: ir.IntegerValue, b: ir.IntegerValue) -> ir.IntegerValue:
    """⌈a / b⌉ for a >= 0, b > 0: an amount owed, as the smallest whole-cent payment that discharges it."""
    return _int_divide(a + b - 1, b)


def div_half_up(a: ir.IntegerValue, b: ir.IntegerValue) -> ir.IntegerValue:
    """a / b rounded to the nearest whole unit, a half upwards, for a >= 0, b > 0 (⌊(2a + b) / 2b⌋): the
    commercial rounding to the cent (e.g. the minimum wage due for a period, docs/engine.md)."""
    return _int_divide(2 * a + b, 2 * b)


def div_floor(a: ir.IntegerValue, b: ir.IntegerValue) -> ir.IntegerValue:
    """⌊a / b⌋ for a >= 0, b > 0: a limit, as the largest whole-cent amount that stays within it."""
    return _int_divide(a, b)


def is_leap(year: ir.IntegerValue) -> ir.BooleanValue:
    return (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))


def birthday(birth: ir.DateValue, age: ir.IntegerValue) -> ir.DateValue:
    """The date on which someone born on ``birth`` reaches ``age``.

    For a 29 February birth in a non-leap year this is 1 March: the age is reached when the full year has elapsed,
    the same convention as :func:`age_at` (docs/engine.md)."""
    y = birth.year() + age
    feb29 = (birth.month() == 2) & (birth.day() == 29) & ~is_leap(y)
    return ibis.ifelse(feb29, ibis.date(y, 3, 1), ibis.date(y, birth.month(), birth.day()))


def age_at(birth: ir.DateValue, d: ir.DateValue) -> ir.IntegerValue:
    """Completed years on date ``d`` (explicit: portable where ``delta(unit='year')`` is not)."""
    before = (d.month() < birth.month()) | ((d.month() == birth.month()) & (d.day() < birth.day()))
    return d.year() - birth.year() - ibis.ifelse(before, 1, 0)
