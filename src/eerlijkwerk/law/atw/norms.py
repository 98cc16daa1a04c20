"""Atw norms as DuckDB SQL expressions: dated parameter values chosen by the local day, time arithmetic, display
helpers.

The Atw rules are plain DuckDB SQL (base.py, rules.py): they run over tens of millions of shift records, and SQL
text costs nothing to build, where compiling Ibis expressions cost seconds per audit. Every helper here returns an SQL
expression (a string) over the expressions it is given.

Time is integer **seconds**: an instant is its Unix epoch second (UTC), so a duration is a difference of two instants
and a daylight-saving change neither adds nor removes an hour. A *wall-clock* second is the epoch second of the local
Europe/Amsterdam clock reading taken as if it were UTC; it is used only for calendar days, weeks and clock times (the
night window, "ends after 02:00"). Local day number = wall-clock second // 86,400 (days since 1970-01-01).

A parameter value is chosen by the local day its norm is measured on: :meth:`Norms.value` builds a ``CASE`` over the
parameter's validity intervals (``valid_from <= day < valid_to``, see engine-notes.md §1: no as-of joins), NULL where
no value applies — a comparison with NULL is never a finding, so a day outside every interval is not evaluated.

Integer division is written ``CAST(FLOOR(a / b) AS BIGINT)`` (:func:`fdiv`): a floor, also for negative numbers. The
instant of a wall-clock reading comes from DuckDB's ``timezone`` only for records during which the UTC offset changes
(two nights a year); the common path is integer arithmetic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.params import CONFIDENCE_RANK

TZ = "Europe/Amsterdam"  # the zone of the records' local times (records/reader.py)
DAY = 86_400
HOUR = 3_600
EPOCH = dt.date(1970, 1, 1)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDEF = "atw.week_definitie"
CONF_RANK = CONFIDENCE_RANK


def fdiv(a: str, b: str | int) -> str:
    """⌊a / b⌋ as BIGINT."""
    return f"CAST(FLOOR(({a}) / ({b})) AS BIGINT)"


def lit(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def instant_s(ts: str) -> str:
    """Epoch second (UTC) of a TIMESTAMPTZ."""
    return fdiv(f"epoch_ms({ts})", 1000)


def wall_s(local: str) -> str:
    """Wall-clock second of a local TIMESTAMP (its clock reading counted as if it were UTC)."""
    return f"CAST(epoch(CAST({local} AS TIMESTAMP)) AS BIGINT)"


def wall_to_instant(wall: str, offset: str, offset_changes: str) -> str:
    """The instant of a wall-clock reading near a shift. Where the UTC offset is the same at the shift's start and end
    (``offset`` = wall − instant), it holds throughout the shift: instant = wall − offset. Where it changes during the
    shift, the time-zone database decides (DuckDB ``timezone``)."""
    exact = instant_s(f"timezone('{TZ}', make_timestamp(({wall}) * 1000000))")
    return f"CASE WHEN {offset_changes} THEN {exact} ELSE ({wall}) - ({offset}) END"


def day_to_date(day: str) -> str:
    return f"CAST(make_timestamp(CAST({day} AS BIGINT) * {DAY * 1_000_000}) AS DATE)"


def date_text(day: str) -> str:
    """'YYYY-MM-DD' of a local day number."""
    return f"strftime({day_to_date(day)}, '%Y-%m-%d')"


def wall_text(wall: str) -> str:
    """'YYYY-MM-DD HH:MM' of a wall-clock second."""
    return f"strftime(make_timestamp(({wall}) * 1000000), '%Y-%m-%d %H:%M')"


def text(x: str) -> str:
    return f"CAST({x} AS VARCHAR)"


def hm(sec: str) -> str:
    """A duration in seconds as 'H:MM' (':SS' added when not whole minutes)."""
    s = f"CAST({sec} AS BIGINT)"
    return (f"printf('%d:%02d%s', {fdiv(s, HOUR)}, {fdiv(f'{s} % {HOUR}', 60)}, "
            f"CASE WHEN ({s} % 60) = 0 THEN '' ELSE printf(':%02d', {s} % 60, 0, '') END)")


def cents_to_eur(cents: str) -> str:
    """Whole cents to EUR as DECIMAL(14,2), exactly (engine/exact.py)."""
    return f"CAST(CAST({cents} AS DECIMAL(18, 2)) * CAST(0.01 AS DECIMAL(18, 2)) AS DECIMAL(14, 2))"


def hours(sec: str, *, up: bool) -> str:
    """Seconds as hours, DECIMAL(10,2), rounded away from the norm it is compared with: a measured quantity above a
    maximum is rounded up, one below a minimum down, so the shown value never looks compliant when it is not (the
    comparison itself is exact, in seconds)."""
    x = f"CAST({sec} AS BIGINT) * 100"
    hundredths = fdiv(f"{x} + {HOUR} - 1", HOUR) if up else fdiv(x, HOUR)
    return f"CAST({cents_to_eur(hundredths)} AS DECIMAL(10, 2))"


def hours_literal(sec: str) -> str:
    """A legal threshold in seconds as hours (thresholds are whole hundredths of an hour)."""
    return f"CAST({cents_to_eur(fdiv(f'CAST({sec} AS BIGINT) * 100', HOUR))} AS DECIMAL(14, 2))"


def age_at(birth: str, date: str) -> str:
    """Completed years on ``date`` (engine/exact.py: age_at)."""
    before = (f"(month({date}) < month({birth}) OR (month({date}) = month({birth}) "
              f"AND day({date}) < day({birth})))")
    return f"(year({date}) - year({birth}) - CASE WHEN {before} THEN 1 ELSE 0 END)"


def birthday(birth: str, age: str) -> str:
    """The date on which someone born on ``birth`` reaches ``age`` (29 February: 1 March in a non-leap year; engine/
    exact.py: birthday)."""
    y = f"(year({birth}) + {age})"
    leap = f"(({y} % 4) = 0 AND (({y} % 100) <> 0 OR ({y} % 400) = 0))"
    return (f"CASE WHEN month({birth}) = 2 AND day({birth}) = 29 AND NOT {leap} THEN make_date({y}, 3, 1) "
            f"ELSE make_date({y}, month({birth}), day({birth})) END")


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
    """Dated parameter values as SQL expressions of a local day number (see the module docstring).

    ``days``: the range of local days every norm is read for (the records' days with a margin for the windows); a
    parameter with one value over that whole range is written as that value for every known day instead of a
    ``CASE`` over its intervals."""

    def __init__(self, ctx: AuditContext, days: tuple[int, int] | None = None):
        self.ctx = ctx
        self.days = days

    def _covering(self, intervals: list[tuple[int, int | None, Any, str]]) -> tuple[int, int | None, Any, str] | None:
        """The interval that alone covers the whole range ``days`` (no other one meets it), if any."""
        if self.days is None:
            return None
        lo, hi = self.days
        meeting = [iv for iv in intervals if iv[0] <= hi and (iv[1] is None or iv[1] > lo)]
        if len(meeting) == 1 and meeting[0][0] <= lo and (meeting[0][1] is None or meeting[0][1] > hi):
            return meeting[0]
        return None

    def _intervals(self, pid: str) -> list[tuple[int, int | None, Any, str]]:
        out = []
        for iv in self.ctx.params.timeline(pid):
            vt = None if iv.valid_to is None else _day_number(iv.valid_to)
            out.append((_day_number(iv.valid_from), vt, iv.value, iv.entry.confidence.value))
        return out

    @staticmethod
    def _cond(day: str, vf: int, vt: int | None) -> str:
        return f"({day}) >= {vf}" if vt is None else f"(({day}) >= {vf} AND ({day}) < {vt})"

    def value(self, pid: str, field: str | None, day: str, units: int = 1) -> str:
        """``field`` of parameter ``pid`` on ``day`` × ``units`` as an exact integer (hours × 3600 = seconds; a clock
        time 'HH:MM' becomes seconds of the day; a weekday name its index, Monday = 0). NULL where none applies."""
        intervals = self._intervals(pid)
        only = self._covering(intervals)
        if only is not None:  # NULL stays NULL: a day can be unknown (e.g. a week without a week definition)
            v = only[2] if field is None else (only[2] or {}).get(field)
            return ("CAST(NULL AS BIGINT)" if v is None else
                    f"(CASE WHEN ({day}) IS NOT NULL THEN CAST({_scaled(v, units, f'{pid}.{field}')} AS BIGINT) END)")
        branches = []
        for vf, vt, val, _ in intervals:
            v = val if field is None else (val or {}).get(field)
            if v is None:
                continue
            value = _scaled(v, units, f"{pid}.{field}")
            branches.append(f"WHEN {self._cond(day, vf, vt)} THEN CAST({value} AS BIGINT)")
        if not branches:
            return "CAST(NULL AS BIGINT)"
        return f"(CASE {' '.join(branches)} ELSE CAST(NULL AS BIGINT) END)"

    def fixed(self, pid: str, field: str | None, units: int = 1) -> int | None:
        """The value of ``field`` on every day of the range ``days``, if it has one value there (else None)."""
        only = self._covering(self._intervals(pid))
        v = None if only is None else (only[2] if field is None else (only[2] or {}).get(field))
        return None if v is None else _scaled(v, units, f"{pid}.{field}")

    def constant(self, pid: str, field: str | None, units: int = 1) -> int:
        """A value that sets the *shape* of a computation (a window length in weeks), so it must be one number over
        the whole timeline; a dated change would need a window per interval (not implemented: raises)."""
        vals = {_scaled(val if field is None else val[field], units, f"{pid}.{field}")
                for _, _, val, _ in self._intervals(pid) if val is not None and (field is None or val.get(field) is not None)}
        if len(vals) != 1:
            raise ValueError(f"{pid}.{field}: expected one value over the whole timeline, found {sorted(vals)}")
        return vals.pop()

    def bounds(self, pid: str, field: str | None, units: int = 1) -> tuple[int, int]:
        """The smallest and the largest value of ``field`` over the whole timeline (for a bound that holds on every
        day, e.g. a width to bucket time by)."""
        vals = [_scaled(val if field is None else val[field], units, f"{pid}.{field}")
                for _, _, val, _ in self._intervals(pid)
                if val is not None and (field is None or val.get(field) is not None)]
        if not vals:
            raise ValueError(f"{pid}.{field}: no value")
        return min(vals), max(vals)

    def seconds(self, pid: str, field: str, day: str) -> str:
        """A number of hours as seconds."""
        return self.value(pid, field, day, units=HOUR)

    def confidence(self, pids: Iterable[str], day: str) -> str:
        """The lowest confidence of the values of ``pids`` that apply on ``day``."""
        ranks = []
        for pid in pids:
            intervals = self._intervals(pid)
            only = self._covering(intervals)
            if only is not None:  # (a NULL day: no interval, rank 0, as below)
                ranks.append(f"(CASE WHEN ({day}) IS NOT NULL THEN {CONF_RANK[only[3]]} ELSE 0 END)")
                continue
            branches = [f"WHEN {self._cond(day, vf, vt)} THEN {CONF_RANK[conf]}" for vf, vt, _, conf in intervals]
            ranks.append(f"(CASE {' '.join(branches)} ELSE 0 END)" if branches else "0")
        worst = f"greatest({', '.join(ranks)})" if len(ranks) > 1 else ranks[0]
        return f"(CASE {worst} WHEN 2 THEN 'unconfirmed' WHEN 1 THEN 'secondary' ELSE 'confirmed' END)"

    def _week_defs(self) -> list[tuple[int, int | None, int, int, int, int | None, str]]:
        """The week definitions of atw.week_definitie in date order: (first day, end day or None, shift, offset, first
        week number, last week number or None, label). Week number of local day d under a definition starting on
        weekday w: ⌊(d + shift) / 7⌋ + offset, shift = (3 − w) mod 7 (1970-01-01 was a Thursday, index 3). The offset
        makes the day a definition takes effect start a new week number: the week in which the definition changes is
        cut there into two short weeks, so no week is longer than 7 days and the numbers keep increasing."""
        out: list[tuple[int, int | None, int, int, int, int | None, str]] = []
        for iv in self.ctx.params.timeline(WEEKDEF):
            v = iv.value
            vf = _day_number(iv.valid_from)
            vt = None if iv.valid_to is None else _day_number(iv.valid_to)
            shift = (10 - WEEKDAYS.index(v["week_starts_day"].lower())) % 7
            if out:
                pvf, _, ps, po, _, _, _ = out[-1]
                offset = ((vf - 1 + ps) // 7 + po) + 1 - (vf + shift) // 7
            else:
                offset = 0
            first = (vf + shift) // 7 + offset
            last = None if vt is None else (vt - 1 + shift) // 7 + offset
            label = (f"week {v['week_starts_day'].capitalize()} {v['week_starts_time']} – "
                     f"{v['week_ends_day'].capitalize()} {v['week_ends_time']}: {iv.entry.source}, from "
                     f"{iv.valid_from.isoformat()}")
            out.append((vf, vt, shift, offset, first, last, label))
        return out

    def week_index(self, day: str) -> str:
        """Number of the calendar week (atw.week_definitie in force on local ``day``) containing ``day``; NULL before the
        first definition. See :meth:`_week_defs` for the week in which the definition changes."""
        branches = [f"WHEN {self._cond(day, vf, vt)} THEN {fdiv(f'CAST({day} AS BIGINT) + {sh}', 7)} + {o}"
                    for vf, vt, sh, o, _, _, _ in self._week_defs()]
        return f"(CASE {' '.join(branches)} ELSE CAST(NULL AS BIGINT) END)" if branches else "CAST(NULL AS BIGINT)"

    def _week_cond(self, week: str, first: int, last: int | None) -> str:
        return f"({week}) >= {first}" if last is None else f"(({week}) >= {first} AND ({week}) <= {last})"

    def week_first_day(self, week: str, day: str | None = None) -> str:
        """Local day number of the first day of week number ``week`` (under the definition that numbered it; ``day``
        is not used: the number says which definition applies). NULL for a number before the first definition."""
        branches = [f"WHEN {self._week_cond(week, fw, lw)} THEN greatest((({week}) - {o}) * 7 - {sh}, {vf})"
                    for vf, _, sh, o, fw, lw, _ in self._week_defs()]
        return f"(CASE {' '.join(branches)} ELSE CAST(NULL AS BIGINT) END)" if branches else "CAST(NULL AS BIGINT)"

    def week_label(self, week: str) -> str:
        """The week definition that numbered week ``week``, as text ('week Monday 00:00 – Sunday 24:00: <source>,
        from 2019-09-04'), for the finding's explanation."""
        branches = [f"WHEN {self._week_cond(week, fw, lw)} THEN {lit(label)}"
                    for _, _, _, _, fw, lw, label in self._week_defs()]
        return f"(CASE {' '.join(branches)} ELSE 'no week definition' END)" if branches else "'no week definition'"

    def weeks_label(self, first: str, last: str) -> str:
        """The week definition(s) used by the weeks ``first``..``last`` (both named where they differ)."""
        a, b = self.week_label(first), self.week_label(last)
        return f"(CASE WHEN {a} = {b} THEN {b} ELSE {a} || '; then ' || {b} END)"
