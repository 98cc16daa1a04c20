"""Shift records for the demo dataset, with planted working-time (Atw) violations of known number.

``add_shifts(out_dir, seed)`` reads the employers.csv, workers.csv and payslips.csv that eerlijkwerk.demo.generate
wrote in ``out_dir`` and writes ``shifts.csv`` (docs/input-format.md): for every worker paid by one staffing agency
(SUBSET_EMPLOYER) in a 17-week window, day shifts whose worked time equals the hours of each weekly payslip, clearly
within every norm (at most 5 days a week, at most 10 h of work a day from 07:00 with 30 min break above 5.5 h, free
weekends). Then it plants violations, each kind on its own workers, each built so that it breaks one norm only:

- in one or two weeks (the shifts then show more hours than the payslip where the violation needs them — unpaid
  hours, which the minimum-wage rules, reading payslips, do not see): a dienst over 12 h, a week over 60 h, 4 weeks
  over 55 h on average, a second shortened daily rest, no weekly rest, a missing break, a sixth 12-hour night
  dienst in 14 × 24 h, a second shortened rest after night diensten, too little rest after three nights, eight
  consecutive diensten with a night dienst, and workers with no shift records at all (art. 4:3: one finding per
  payslip with hours; such workers are not placed with a hirer in the window, whose records would count);
- over the whole window: 17 weeks of 50 h (48 h average over 16 weeks), 16 weeks of 5 night diensten of 9.5 h
  ending at 02:00 (40 h average with 16 or more night diensten), 13 weeks of 3 night diensten ending at 06:00 (more
  than 36 in 16 weeks).

The base schedule is checked while it is built: no worker's payslip hours reach 48 h a week on average over 16
weeks (the highest possible week is 50 h), so every finding is a planted one.

Returns (and does not write elsewhere) the manifest ``{"counts": {rule: n}, "findings": [...], "window": ...}``; each
finding names the rule, the worker and the shift (``shift_id``, the first record of the dienst or series the finding
is about), the week (``period_start``, Monday of the first week of the window: the fine policy's week since 2019-09-04,
atw.week_definitie) or the payslip (``payslip_id``). The
lead merges it into planted.json. Local times in Europe/Amsterdam; the window avoids the DST nights.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

SUBSET_EMPLOYER = "90000001"  # weekly pay periods, about 300 workers in an 8-week stretch
WINDOW_START = dt.date(2025, 6, 2)  # a Monday on the demo's weekly pay grid; the window holds no DST night
WEEKS = 17  # the norms over 16 consecutive weeks need 16 weeks of records and more
DAY_START = dt.time(7, 0)
FMT = "%Y-%m-%d %H:%M"

#: planted workers per kind (agency workers, in the window)
PLANT = {
    "atw.shift_too_long": 3, "atw.week_too_long": 2, "atw.average_4_weeks": 2, "atw.daily_rest": 2,
    "atw.weekly_rest": 2, "atw.break": 3, "atw.night_shift_too_long": 2, "atw.rest_after_night_shift": 2,
    "atw.rest_after_night_series": 1, "atw.consecutive_shifts_with_night": 1, "atw.records_missing": 3,
}
#: planted workers with schedules over (almost) the whole window
LONG = ("atw.average_16_weeks", "atw.night_average_16_weeks", "atw.late_night_shifts")


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _at(d: dt.date, hh: int, mm: int = 0, days: int = 0) -> dt.datetime:
    return dt.datetime.combine(d + dt.timedelta(days=days), dt.time(hh, mm))


class Writer:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.count: dict[str, int] = defaultdict(int)

    def add(self, worker: str, employer: str, start: dt.datetime, end: dt.datetime, brk: int) -> str:
        self.count[worker] += 1
        sid = f"SH-{worker}-{self.count[worker]:03d}"
        self.rows.append({"shift_id": sid, "worker_id": worker, "employer_id": employer,
                          "start_at": start.strftime(FMT), "end_at": end.strftime(FMT), "break_minutes": brk})
        return sid

    def day(self, worker: str, employer: str, d: dt.date, minutes: int, start: dt.time = DAY_START) -> str:
        """A day shift of ``minutes`` worked time from ``start``, with the break the law needs (30 min above 5.5 h,
        45 min above 10 h)."""
        brk = 45 if minutes > 600 else 30 if minutes > 330 else 0
        s = dt.datetime.combine(d, start)
        return self.add(worker, employer, s, s + dt.timedelta(minutes=minutes + brk), brk)


def _week_plan(minutes: int) -> list[int]:
    """Worked minutes per day (Monday first) for a week of ``minutes``: at most 5 days of at most 10 h."""
    if minutes <= 0:
        return []
    n = min(5, max(1, math.ceil(minutes / 600)))
    base, extra = divmod(minutes, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def _base_week(w: Writer, worker: str, monday: dt.date, minutes: int) -> list[str]:
    return [w.day(worker, SUBSET_EMPLOYER, monday + dt.timedelta(days=i), m) for i, m in enumerate(_week_plan(minutes))]


def _first_window(per_week: list[int], above: int, weeks: int = 16) -> int:
    """Index (relative to the first week of ``per_week``; negative = before it) of the first week of the first run of
    ``weeks`` consecutive weeks whose total exceeds ``above``. Weeks outside ``per_week`` count as 0 (no records):
    that is how the audit reads "every period of 16 consecutive weeks" at the edge of the records."""
    for end in range(len(per_week)):
        if sum(per_week[max(0, end - weeks + 1):end + 1]) > above:
            return end - weeks + 1
    raise AssertionError("no run exceeds the limit")


def add_shifts(out_dir: Path, seed: int = 2026) -> dict:
    """Write ``out_dir/shifts.csv`` for the demo records already in ``out_dir`` and return the manifest of planted
    Atw violations (see the module docstring)."""
    out_dir = Path(out_dir)
    rng = random.Random(seed)
    payslips = _read(out_dir / "payslips.csv")
    workers = {r["worker_id"]: r for r in _read(out_dir / "workers.csv")}
    employers = {r["employer_id"] for r in _read(out_dir / "employers.csv")}
    assert SUBSET_EMPLOYER in employers
    placed: set[str] = set()  # agency workers placed with a hirer during the window (the hirer keeps the records)
    if (out_dir / "placements.csv").exists():
        for pl in _read(out_dir / "placements.csv"):
            ends = dt.date.fromisoformat(pl["end_date"]) if pl["end_date"] else dt.date.max
            if pl["uitlener_id"] == SUBSET_EMPLOYER and dt.date.fromisoformat(pl["start_date"]) <= WINDOW_START + \
                    dt.timedelta(weeks=WEEKS) and ends >= WINDOW_START:
                placed.add(pl["worker_id"])
    end = WINDOW_START + dt.timedelta(weeks=WEEKS)

    # weekly hours of each agency worker in the window (the agency pays weekly: one payslip a week)
    hours: dict[str, dict[dt.date, int]] = defaultdict(dict)
    slips: dict[str, list[dict[str, str]]] = defaultdict(list)
    for p in payslips:
        if p["employer_id"] != SUBSET_EMPLOYER:
            continue
        ps, pe = dt.date.fromisoformat(p["period_start"]), dt.date.fromisoformat(p["period_end"])
        if pe < WINDOW_START or ps >= end:
            continue
        assert ps >= WINDOW_START and pe < end and (pe - ps).days == 6 and ps.weekday() == 0, p
        if p["hours_worked"]:
            hours[p["worker_id"]][ps] = int(Decimal(p["hours_worked"]) * 60)
        slips[p["worker_id"]].append(p)
    agency = sorted(hours)
    # adults only (every demo worker is 18 or older in the window; checked so that the norms apply)
    assert all(dt.date.fromisoformat(workers[x]["birth_date"]) < dt.date(WINDOW_START.year - 18, 1, 1) for x in agency)
    mondays = [WINDOW_START + dt.timedelta(weeks=k) for k in range(WEEKS)]

    # planted workers: those paid in every week of the window (so a planted week never falls on an unpaid week)
    full = [x for x in agency if len(hours[x]) == WEEKS]
    rng.shuffle(full)
    chosen: dict[str, list[str]] = {}
    for kind, n in list(PLANT.items()) + [(k, 1) for k in LONG]:
        pool = [x for x in full if x not in placed] if kind == "atw.records_missing" else full
        chosen[kind] = [x for x in pool if not any(x in v for v in chosen.values())][:n]
        assert len(chosen[kind]) == n, kind
    planted = {x for xs in chosen.values() for x in xs}
    limit = 16 * 48 * 60  # the base schedule must stay clear of the 16-week average (checked, not assumed)
    for x in agency:
        weekly = [hours[x].get(m, 0) for m in mondays]
        assert all(sum(weekly[k:k + 16]) <= limit for k in range(len(weekly))), x

    w = Writer()
    findings: list[dict[str, Any]] = []

    def base(worker: str, skip: set[dt.date] = frozenset()) -> None:
        for m in mondays:
            if m not in skip:
                _base_week(w, worker, m, hours[worker].get(m, 0))

    for x in agency:
        if x not in planted:
            base(x)

    emp = SUBSET_EMPLOYER
    wk = mondays[6]  # the week in which most plants sit
    for x in chosen["atw.shift_too_long"]:
        # 12 h 15 of work (45 min break): 07:00–20:00, then 11 h of rest; the rest of the week's hours on 4 days
        base(x, {wk})
        sid = w.day(x, emp, wk, 735)
        for k, m in enumerate(_week_plan(max(0, hours[x][wk] - 735))[:4], start=1):
            w.day(x, emp, wk + dt.timedelta(days=k), m)
        findings.append({"rule": "atw.shift_too_long", "worker_id": x, "shift_id": sid})
    for x in chosen["atw.week_too_long"]:
        # 5 × 12 h (07:00–19:45) + Saturday 2 h = 62 h in the week of Monday wk (Monday–Sunday weeks)
        base(x, {wk})
        for k in range(5):
            w.day(x, emp, wk + dt.timedelta(days=k), 720)
        w.day(x, emp, wk + dt.timedelta(days=5), 120)
        findings.append({"rule": "atw.week_too_long", "worker_id": x, "period_start": str(wk)})
    for x in chosen["atw.average_4_weeks"]:
        # 4 weeks of 5 × 11 h 12 = 56 h (4 × 55 h = 220 h < 224 h)
        four = set(mondays[6:10])
        base(x, four)
        for m in sorted(four):
            for k in range(5):
                w.day(x, emp, m + dt.timedelta(days=k), 672)
        findings.append({"rule": "atw.average_4_weeks", "worker_id": x,
                         "period_start": str(mondays[6])})
    for x in chosen["atw.daily_rest"]:
        # Monday and Tuesday 08:00–21:01 with 61 min break (12 h of work): the rest in the 24 h from each start is
        # 10 h 59 and 9 h 59 — two shortened daily rests within 7 × 24 h; the second is the finding
        base(x, {wk})
        w.add(x, emp, _at(wk, 8), _at(wk, 21, 1), 61)
        sid = w.add(x, emp, _at(wk, 8, days=1), _at(wk, 21, 1, days=1), 61)
        for k, m in enumerate(_week_plan(max(0, hours[x][wk] - 1440))[:3], start=2):
            w.day(x, emp, wk + dt.timedelta(days=k), min(m, 600))
        findings.append({"rule": "atw.daily_rest", "worker_id": x, "shift_id": sid})
    for x in chosen["atw.weekly_rest"]:
        # 12 consecutive days of 8 h (Monday wk .. Friday wk+1): no 36 h rest in 7 × 24 h and, with the weekend
        # after, 63.5 h (< 72 h) of rest in parts of 32 h in 14 × 24 h
        two = {wk, wk + dt.timedelta(weeks=1)}
        base(x, two)
        first = None
        for k in range(12):
            sid = w.day(x, emp, wk + dt.timedelta(days=k), 480)
            first = first or sid
        findings.append({"rule": "atw.weekly_rest", "worker_id": x, "shift_id": first})
    for x in chosen["atw.break"]:
        # one day of 6 h of work without a break
        base(x, {wk})
        plan = _week_plan(hours[x][wk])
        sid = w.add(x, emp, _at(wk, 7), _at(wk, 13), 0)
        for k, m in enumerate(plan[1:], start=1):
            w.day(x, emp, wk + dt.timedelta(days=k), m)
        findings.append({"rule": "atw.break", "worker_id": x, "shift_id": sid})
    for x in chosen["atw.night_shift_too_long"]:
        # six night diensten of 11 h (19:00–06:00, 45 min break: 10 h 15 of work) every other day: the 12-hour
        # exception (art. 5:8 lid 3) allows 5 in 14 × 24 h; nothing else in those two weeks
        two = {wk, wk + dt.timedelta(weeks=1)}
        base(x, two)
        sid = None
        for k in range(6):
            d = wk + dt.timedelta(days=2 * k)
            sid = w.add(x, emp, _at(d, 19), _at(d, 6, days=1), 45)
        findings.append({"rule": "atw.night_shift_too_long", "worker_id": x, "shift_id": sid})
    for x in chosen["atw.rest_after_night_shift"]:
        # nights Mon 22:00–06:00, Tue 19:59–03:59, then Wed 17:58–01:00 (no night dienst: 1 h in 00:00–06:00):
        # 13 h 59 of rest after each of the two nights, a second shortening within 7 × 24 h
        base(x, {wk})
        w.add(x, emp, _at(wk, 22), _at(wk, 6, days=1), 30)
        sid = w.add(x, emp, _at(wk, 19, 59, days=1), _at(wk, 3, 59, days=2), 30)
        w.add(x, emp, _at(wk, 17, 58, days=2), _at(wk, 1, days=3), 30)
        findings.append({"rule": "atw.rest_after_night_shift", "worker_id": x, "shift_id": sid})
    for x in chosen["atw.rest_after_night_series"]:
        # three nights Mon–Wed 22:00–06:00, then a day dienst Friday 10:00–14:00: 28 h of rest, not 46 h
        base(x, {wk})
        sid = None
        for k in range(3):
            s = w.add(x, emp, _at(wk, 22, days=k), _at(wk, 6, days=k + 1), 30)
            sid = sid or s
        w.add(x, emp, _at(wk, 10, days=4), _at(wk, 14, days=4), 0)
        findings.append({"rule": "atw.rest_after_night_series", "worker_id": x, "shift_id": sid})
    for x in chosen["atw.consecutive_shifts_with_night"]:
        # week wk-1 only Monday and Tuesday; then 7 day diensten Monday wk .. Sunday and a night Monday wk+1
        # 22:00–05:00 (8 consecutive diensten, art. 5:8 lid 6); free until the week after
        prev, nxt = wk - dt.timedelta(weeks=1), wk + dt.timedelta(weeks=1)
        base(x, {prev, wk, nxt})
        for k, m in enumerate(_week_plan(hours[x][prev])[:2]):
            w.day(x, emp, prev + dt.timedelta(days=k), m)
        first = None
        for k in range(7):
            sid = w.day(x, emp, wk + dt.timedelta(days=k), 450)
            first = first or sid
        w.add(x, emp, _at(nxt, 22), _at(nxt, 5, days=1), 30)
        findings.append({"rule": "atw.consecutive_shifts_with_night", "worker_id": x, "shift_id": first})
    for x in chosen["atw.records_missing"]:
        # no shift record at all: every payslip with hours in the window is a record-keeping finding
        for p in slips[x]:
            if p["hours_worked"] and Decimal(p["hours_worked"]) > 0:
                findings.append({"rule": "atw.records_missing", "worker_id": x, "payslip_id": p["payslip_id"]})

    # schedules over the window
    a16 = chosen["atw.average_16_weeks"][0]
    for m in mondays:  # 17 weeks of 5 × 10 h (07:00–17:30): 50 h a week, above 48 on average over 16 weeks
        for j in range(5):
            w.day(a16, emp, m + dt.timedelta(days=j), 600)
    first = _first_window([50] * WEEKS, 16 * 48)
    findings.append({"rule": "atw.average_16_weeks", "worker_id": a16,
                     "period_start": str(WINDOW_START + dt.timedelta(weeks=first))})
    n40 = chosen["atw.night_average_16_weeks"][0]
    for m in mondays[:16]:  # 16 weeks of 5 nights 16:00–02:00 (9 h 30 of work, 2 h in 00:00–06:00): 47.5 h a week
        for j in range(5):
            w.add(n40, emp, _at(m, 16, days=j), _at(m, 2, days=j + 1), 30)
    base(n40, set(mondays[:16]))
    first = _first_window([95] * 16, 16 * 40 * 2)  # in half hours: 47.5 h a week, limit 16 × 40 h
    findings.append({"rule": "atw.night_average_16_weeks", "worker_id": n40,
                     "period_start": str(WINDOW_START + dt.timedelta(weeks=first))})
    late = chosen["atw.late_night_shifts"][0]
    for m in mondays[:13]:  # 13 weeks of 3 nights (Mon, Wed, Fri 22:00–06:00) = 39 ending after 02:00
        for j in (0, 2, 4):
            w.add(late, emp, _at(m, 22, days=j), _at(m, 6, days=j + 1), 30)
    base(late, set(mondays[:13]))
    first = _first_window([3] * 13, 36)
    findings.append({"rule": "atw.late_night_shifts", "worker_id": late,
                     "period_start": str(WINDOW_START + dt.timedelta(weeks=first))})

    w.rows.sort(key=lambda r: (r["start_at"], r["worker_id"]))
    with open(out_dir / "shifts.csv", "w", encoding="utf-8", newline="") as fh:
        wr = csv.DictWriter(fh, fieldnames=["shift_id", "worker_id", "employer_id", "start_at", "end_at",
                                            "break_minutes"], lineterminator="\n")
        wr.writeheader()
        wr.writerows(w.rows)
    counts: dict[str, int] = defaultdict(int)
    for f in findings:
        counts[f["rule"]] += 1
    return {
        "seed": seed,
        "window": {"agency": SUBSET_EMPLOYER, "first_day": str(WINDOW_START), "last_day": str(end - dt.timedelta(days=1))},
        "rows": {"shifts": len(w.rows), "workers_with_shifts": len(w.count)},
        "planted": {**PLANT, **{k: 1 for k in LONG}},
        "counts": dict(sorted(counts.items())),
        "findings": findings,
        "notes": ("Planted violations that need more hours than the payslip (weeks over 60 h, averages) record unpaid "
                  "hours in the shifts; the minimum-wage rules read only payslips. Records-missing findings are one "
                  "per payslip with hours of the worker without any shift record."),
    }
