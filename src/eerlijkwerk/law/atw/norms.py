"""Atw norms as Ibis expressions: dated parameter values chosen by the local day, time arithmetic, display helpers.

Time is integer **seconds**: an instant is its Unix epoch second (UTC), so a duration is a difference of two instants
and a daylight-saving change neither adds nor removes an hour. A *wall-clock* second is the epoch second of the local
Europe/Amsterdam clock reading taken as if it were UTC; it is used only for calendar days, weeks and clock times (the
night window, "ends after 02:00"). Local day number = wall-clock second // 86,400 (days since 1970-01-01).

A parameter value is chosen by the local day its norm is measured on: :meth:`Norms.value` builds a ``CASE`` over the
parameter's validity intervals (``valid_from <= day < valid_to``, see engine-notes.md §1: no as-of joins), NULL where
no value applies — a comparison with NULL is never a finding, so a day outside every interval is not evaluated.

Three DuckDB functions are used as Ibis built-ins (the engine runs on DuckDB): ``epoch_ms`` (instant of a
TIMESTAMPTZ), ``make_timestamp`` and ``timezone`` (the instant of a wall-clock reading in Europe/Amsterdam). The last
is called only for shifts during which the UTC offset changes (two nights a year), so the common path is integer
arithmetic.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterable

import ibis
import ibis.expr.datatypes as dtypes
import ibis.expr.types as ir

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.exact import cents_to_eur

TZ = "Europe/Amsterdam"  # the zone of the records' local times (records/reader.py)
DAY = 86_400
HOUR = 3_600
EPOCH = dt.date(1970, 1, 1)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CONF_RANK = {"confirmed": 0, "secondary": 1, "unconfirmed": 2}


@ibis.udf.scalar.builtin(name="epoch_ms")
def _epoch_ms(ts: dtypes.Timestamp(timezone="UTC")) -> dtypes.int64:  # type: ignore[empty-body]
    ...


@ibis.udf.scalar.builtin(name="make_timestamp")
def _make_timestamp(us: dtypes.int64) -> dtypes.Timestamp():  # type: ignore[empty-body]
    ...


@ibis.udf.scalar.builtin(name="timezone")
def _zone_instant(zone: dtypes.string, ts: dtypes.Timestamp()) -> dtypes.Timestamp(timezone="UTC"):  # type: ignore[empty-body]
    ...


def instant_s(ts: ir.TimestampValue) -> ir.IntegerValue:
    """Epoch second (UTC) of a TIMESTAMPTZ."""
    return _epoch_ms(ts) // 1000


def wall_s(local: ir.TimestampValue) -> ir.IntegerValue:
    """Wall-clock second of a local TIMESTAMP (its clock reading counted as if it were UTC)."""
    return local.epoch_seconds().cast("int64")


def wall_to_instant(wall: ir.IntegerValue, offset: ir.IntegerValue, offset_changes: ir.BooleanValue) -> ir.IntegerValue:
    """The instant of a wall-clock reading near a shift. Where the UTC offset is the same at the shift's start and end
    (``offset`` = wall − instant), it holds throughout the shift: instant = wall − offset. Where it changes during the
    shift, the time-zone database decides (DuckDB ``timezone``)."""
    exact = instant_s(_zone_instant(TZ, _make_timestamp(wall * 1_000_000)))
    return ibis.ifelse(offset_changes, exact, wall - offset)


def day_to_date(day: ir.IntegerValue) -> ir.DateValue:
    return _make_timestamp(day.cast("int64") * (DAY * 1_000_000)).date()


def wall_text(wall: ir.IntegerValue) -> ir.StringValue:
    """'YYYY-MM-DD HH:MM' of a wall-clock second."""
    return _make_timestamp(wall.cast("int64") * 1_000_000).strftime("%Y-%m-%d %H:%M")


@ibis.udf.scalar.builtin(name="printf")
def _printf(fmt: dtypes.string, a: dtypes.int64, b: dtypes.int64, c: dtypes.string) -> dtypes.string:  # type: ignore[empty-body]
    ...


def hm(sec: ir.IntegerValue) -> ir.StringValue:
    """A duration in seconds as 'H:MM' (':SS' added when not whole minutes)."""
    sec = sec.cast("int64")
    secs = ibis.ifelse(sec % 60 == 0, "", _printf(":%02d", sec % 60, 0, ""))
    return _printf("%d:%02d%s", sec // HOUR, (sec % HOUR) // 60, secs)


def hours(sec: ir.IntegerValue, *, up: bool) -> ir.NumericValue:
    """Seconds as hours, DECIMAL(10,2), rounded away from the norm it is compared with: a measured quantity above a
    maximum is rounded up, one below a minimum down, so the shown value never looks compliant when it is not (the
    comparison itself is exact, in seconds)."""
    x = sec.cast("int64") * 100
    hundredths = (x + HOUR - 1) // HOUR if up else x // HOUR
    return cents_to_eur(hundredths).cast("decimal(10,2)")


def hours_literal(sec: ir.IntegerValue) -> ir.NumericValue:
    """A legal threshold in seconds as hours (thresholds are whole hundredths of an hour)."""
    return cents_to_eur(sec.cast("int64") * 100 // HOUR).cast("decimal(14,2)")


def _day_number(d: dt.date) -> int:
    return (d - EPOCH).days


def _scaled(v: Any, units: int, where: str) -> int:
    if isinstance(v, str) and ":" in v:  # a clock time "HH:MM" -> seconds of the day
        hh, mm = v.split(":")
        return int(hh) * HOUR + int(mm) * 60
    if isinstance(v, str) and v.lower() in WEEKDAYS:
        return WEEKDAYS.index(v.lower())
    d = Decimal(v) * units
    if d != d.to_integral_value():
        raise ValueError(f"{where}: {v} is not whole in units of 1/{units}")
    return int(d)


class Norms:
    """Dated parameter values as expressions of a local day number (see the module docstring)."""

    def __init__(self, ctx: AuditContext):
        self.ctx = ctx

    def _intervals(self, pid: str) -> list[tuple[int, int | None, Any, str]]:
        out = []
        for iv in self.ctx.params.timeline(pid):
            vt = None if iv.valid_to is None else _day_number(iv.valid_to)
            out.append((_day_number(iv.valid_from), vt, iv.value, iv.entry.confidence.value))
        return out

    def value(self, pid: str, field: str | None, day: ir.IntegerValue, units: int = 1) -> ir.IntegerValue:
        """``field`` of parameter ``pid`` on ``day`` × ``units`` as an exact integer (hours × 3600 = seconds; a clock
        time 'HH:MM' becomes seconds of the day; a weekday name its index, Monday = 0). NULL where none applies."""
        branches = []
        for vf, vt, val, _ in self._intervals(pid):
            v = val if field is None else (val or {}).get(field)
            if v is None:
                continue
            cond = day >= vf if vt is None else (day >= vf) & (day < vt)
            branches.append((cond, ibis.literal(_scaled(v, units, f"{pid}.{field}"), type="int64")))
        if not branches:
            return ibis.null("int64")
        return ibis.cases(*branches, else_=ibis.null("int64"))

    def constant(self, pid: str, field: str | None, units: int = 1) -> int:
        """A value that sets the *shape* of a computation (a window length in weeks), so it must be one number over
        the whole timeline; a dated change would need a window per interval (not implemented: raises)."""
        vals = {_scaled(val if field is None else val[field], units, f"{pid}.{field}")
                for _, _, val, _ in self._intervals(pid) if val is not None and (field is None or val.get(field) is not None)}
        if len(vals) != 1:
            raise ValueError(f"{pid}.{field}: expected one value over the whole timeline, found {sorted(vals)}")
        return vals.pop()

    def seconds(self, pid: str, field: str, day: ir.IntegerValue) -> ir.IntegerValue:
        """A number of hours as seconds."""
        return self.value(pid, field, day, units=HOUR)

    def confidence(self, pids: Iterable[str], day: ir.IntegerValue) -> ir.StringValue:
        """The lowest confidence of the values of ``pids`` that apply on ``day``."""
        ranks = []
        for pid in pids:
            branches = []
            for vf, vt, _, conf in self._intervals(pid):
                cond = day >= vf if vt is None else (day >= vf) & (day < vt)
                branches.append((cond, ibis.literal(CONF_RANK[conf], type="int64")))
            ranks.append(ibis.cases(*branches, else_=ibis.literal(0, type="int64")) if branches else ibis.literal(0))
        worst = ibis.greatest(*ranks) if len(ranks) > 1 else ranks[0]
        return worst.cases((2, "unconfirmed"), (1, "secondary"), else_="confirmed")

    def week_index(self, day: ir.IntegerValue) -> ir.IntegerValue:
        """Number of the week (atw.week_definitie: from the configured weekday 00:00) containing local ``day``.
        1970-01-01 was a Thursday (index 3); a week starting on weekday w begins on days ≡ w − 3 (mod 7)."""
        w = self.value("atw.week_definitie", "week_starts_day", day)
        k = (10 - w) % 7  # (3 − w) mod 7, kept positive
        return (day + k) // 7

    def week_first_day(self, week: ir.IntegerValue, day: ir.IntegerValue) -> ir.IntegerValue:
        """Local day number of the first day of ``week`` (the week definition applying on ``day``)."""
        w = self.value("atw.week_definitie", "week_starts_day", day)
        k = (10 - w) % 7
        return week * 7 - k
