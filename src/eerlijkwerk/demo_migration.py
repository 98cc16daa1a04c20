"""Labour migration added to the demo records: work permits, placements, postings, lenders' registrations, accidents.

:func:`add_migration` runs after :func:`eerlijkwerk.demo.generate` wrote the WML records. It reads the written CSV
files, changes the nationality of a subset of workers to one outside the EU/EEA/Switzerland, and writes
``permits.csv``, ``placements.csv``, ``postings.csv``, ``admissions.csv`` and ``accidents.csv`` (docs/input-format.md),
plus one extra hirer in ``employers.csv`` (a natural person). Most of it is lawful; the planted violations are listed
in ``planted.json`` with what the law gives for them, computed here from the published amounts (written below with
their sources), not by the engine:

- ``wav.no_permit`` (art. 2 lid 1 Wav): workers with no permit at all, with a TWV for another employer, with a TWV
  that expired at a pay-period boundary before their last pay period (established) or in the middle of their last
  pay period (a presumption: the records do not show on which days of that period the work was done), and posted
  third-country nationals whose posting was not (timely) notified. One finding per worker per employer in the chain:
  the employer of record (who is also the lender) and, for a placed worker, the hirer. Fine: the norm amount of the
  policy in force on the last day of illegal work; no culpability assessed (100%), no aggravation recorded.
  Art. 23 Wav claim rows: one per such worker at the employer of record.
- ``kennismigrant.salary_below_criterion``: pay periods of knowledge migrants paid below the IND salary criterion of
  their category as of the permit's valid_from (the yearly indexation does not reopen a permit), converted per
  period (1 week × 12/52, 4 weeks × 12/13), threshold rounded up to the cent.
- ``wagweu.no_notification`` / ``wagweu.client_no_check``: the two postings of third-country nationals, one not
  notified, one notified after the start.
- ``waadi.unregistered_lender`` / ``waadi.hirer_unregistered_lender``: one lender's registration lapses for four
  months (a suspended register entry covers the gap); every placement day in the gap counts.
- ``arbowet.accident_not_reported`` / ``arbowet.accident_cause``: accidents of placed workers at the hirer's site.
- Scenario only (``waadi.hiring_limit``, proposed): three long placements from 2022-01-01, two beyond 36 months.

Everything else is compliant by construction, and some of it on purpose at a boundary (see ``controls`` in the
manifest): permits renewed without a gap, a TWV of the lender covering the days at the hirer, a posted
third-country national notified in time who meets art. 4.6 BuWav, an accident reported late (art. 9 Arbowet sets no
number of days: no finding by default), an accident of severity 'other', a placement of exactly 36 months.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import json
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable

from eerlijkwerk.demo import ADULT_AGE, CENT, _fmt, DEFAULT_WORKERS, WINDOW_START, Law, age_on

# --- the law, as published (independent of the engine's parameter handling) ------------------------------------

#: Wav norm amount per illegally employed foreign national by the employer's legal form, by the policy in force on
#: the violation date: Beleidsregel boeteoplegging Wav 2017 (EUR 8,000 / 4,000) and 2025 (Stcrt. 2025, 3117, in
#: force 2025-02-01: EUR 6,000 / 3,000).
WAV_NORM = [(dt.date(2017, 7, 5), {"legal_person": Decimal(8000), "natural_person": Decimal(4000)}),
            (dt.date(2025, 2, 1), {"legal_person": Decimal(6000), "natural_person": Decimal(3000)})]
#: art. 23 Wav: employment presumed to have lasted at least six months
ART23_MIN_MONTHS = 6
#: IND salary criteria (EUR gross a month excl. holiday allowance), by the date the period ends
KM_CRITERIA = [
    (dt.date(2024, 6, 12), {"age_30_plus": 5331, "under_30": 3909, "blue_card": 5331}),
    (dt.date(2025, 1, 1), {"age_30_plus": 5688, "under_30": 4171, "blue_card": 5688}),
    (dt.date(2026, 1, 1), {"age_30_plus": 5942, "under_30": 4357, "blue_card": 5942}),
]
#: Waadi art. 7a fines (NLA 'Boetes Waadi'): per offender by the number of workers; hirer natural person × 0.5
WAADI_BANDS = [(1, 9, Decimal(8000)), (10, 29, Decimal(16000)), (30, None, Decimal(32000))]
WAADI_NATURAL_HIRER = Decimal("0.5")
WAADI_DUTY_FROM = dt.date(2012, 7, 1)
#: WagwEU (postedworkers.nl): notification not made, 1–9 workers EUR 1,500; client did not check EUR 1,500 / 750
WAGWEU_NOTIFICATION_1_9 = Decimal(1500)
WAGWEU_CLIENT = {"legal_person": Decimal(1500), "natural_person": Decimal(750)}
#: Arbowet (Beleidsregel boeteoplegging arbowetgeving, BWBR0032326, version from 2019-07-23): category amounts,
#: art. 9 lid 1 not reported by the employer → category 5; size percentages; accident multipliers (art. 1 lid 10)
ARBO_CATEGORY = {1: Decimal(340), 2: Decimal(750), 3: Decimal(1500), 4: Decimal(3000), 5: Decimal(4500),
                 6: Decimal(9000), 7: Decimal(13500)}
ARBO_NOT_REPORTED_CATEGORY = 5
ARBO_SIZE = [(0, 4, 10), (5, 9, 20), (10, 39, 30), (40, 99, 50), (100, 249, 60), (250, 499, 80), (500, None, 100)]
ARBO_HOSPITAL_MULTIPLIER = [(7, Decimal(4)), (2, Decimal("3.5"))]  # nights ≥ 7: × 4; 2 to < 7: × 3.5
REPORTABLE = ("death", "permanent_injury", "hospital_admission")

# --- the demo's choices ------------------------------------------------------------------------------------------

#: for the default size (2,000 workers); scaled down for smaller datasets
MIGRATION = {
    "non_eu_with_valid_permit": 150,
    "no_permit": 6,
    "twv_other_employer": 4,
    "twv_expired": 3,
    "twv_expired_mid_period": 1,
    "kennismigrant_below_criterion": 5,
    "placed_workers": 240,
}
NON_EU = [("UA", 30), ("IN", 20), ("TR", 15), ("PH", 15), ("MA", 10), ("SY", 10)]
VALID_KINDS = [("twv", 45), ("gvva", 15), ("kennismigrant", 15), ("eu_blue_card", 5), ("arbeid_vrij", 20)]
LENDERS = ("90000001", "90000002", "90000003", "90000004")
HIRERS = ("90000011", "90000012", "90000013", "90000014")
POSTING_EMPLOYER = "PL-KRS-0000459812"
#: a natural person (eenmanszaak) hiring from the agencies: Waadi hirer fine × 0.5, small company for the Arbo size
SMALL_HIRER = {"employer_id": "90000015", "role": "inlener", "legal_form": "natural_person", "sector_sbi": "0113",
               "headcount": "7"}
#: the lender whose registration lapses: registered until LAPSE_LAST, suspended entry in the gap, registered again
LAPSING_LENDER = "90000003"
LAPSE_LAST = dt.date(2025, 4, 30)
REREGISTERED = dt.date(2025, 9, 1)
#: the 36-month hiring-limit scenario (proposed law: only with the scenario)
LONG_START = dt.date(2022, 1, 1)
HIRING_LIMIT_MONTHS = 36
HIRING_LIMIT_SCENARIO = {
    "name": "36-month hiring limit (Kamerbrief 2024-12-19)",
    "description": "The announced maximum term at the same hirer, applied from 2020-01-01 so that the demo's long "
                   "placements are counted.",
    "use_proposed_values": True,
    "enable_rules": ["waadi.hiring_limit"],
    "parameters": {"waadi.inleentermijn": {"2020-01-01": {
        "value": "36", "status": "proposed", "confidence": "secondary", "source": "Kamerbrief 2024-12-19",
        "url": "https://www.tweedekamer.nl/kamerstukken/brieven_regering/detail?did=2024D51121"}}},
}
LAST_DAY = dt.date(2026, 6, 30)  # no date in the added records is later (the 2026-07-01 law is not confirmed)

DAY = dt.timedelta(days=1)


def _d(s: str | None) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rd = csv.DictReader(fh)
        return list(rd.fieldnames or []), list(rd)


def _write(path: Path, header: list[str], rows: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        wr = csv.writer(fh, lineterminator="\n")
        wr.writerow(header)
        for r in rows:
            wr.writerow([_fmt(r.get(k)) for k in header])


def _weighted(rng: random.Random, items: list[tuple[Any, int]]) -> Any:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def _days(a: dt.date, b: dt.date) -> list[dt.date]:
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


def _scaled(workers: int) -> dict[str, int]:
    if workers >= DEFAULT_WORKERS:
        return dict(MIGRATION)
    return {k: max(1, round(v * workers / DEFAULT_WORKERS)) for k, v in MIGRATION.items()}


def _wav_norm(day: dt.date, form: str) -> Decimal:
    return [v for f, v in WAV_NORM if f <= day][-1][form]


def _criterion(cat: str, period_end: dt.date, criterion_date: dt.date | None = None) -> int:
    """The criterion for a pay period: that of the permit's criterion date (its valid_from), or the one in force on
    the period's last day where that is lower (kennismigrant/rules.py; the indexation does not reopen a permit)."""
    at_end = [v for f, v in KM_CRITERIA if f <= period_end][-1][cat]
    if criterion_date is None:
        return at_end
    return min(at_end, [v for f, v in KM_CRITERIA if f <= max(criterion_date, KM_CRITERIA[0][0])][-1][cat])


def _period_fraction(start: dt.date, end: dt.date) -> Fraction:
    """The IND conversion of a monthly amount to a pay period (the demo has only 1-week and 4-week periods)."""
    n = (end - start).days + 1
    return {7: Fraction(12, 52), 28: Fraction(12, 13)}[n]


def _ceil_cents(x: Fraction) -> Decimal:
    c = -((-x.numerator * 100) // x.denominator)
    return (Decimal(c) / 100).quantize(CENT)


def _add_months(d: dt.date, m: int) -> dt.date:
    y, mo = divmod(d.month - 1 + m, 12)
    y += d.year
    return dt.date(y, mo + 1, min(d.day, calendar.monthrange(y, mo + 1)[1]))


def _months(first: dt.date, last: dt.date) -> Fraction:
    """Whole calendar months from ``first`` to the day after ``last``, plus the rest as a fraction of the next month."""
    end = last + DAY
    m = 0
    while _add_months(first, m + 1) <= end:
        m += 1
    base, nxt = _add_months(first, m), _add_months(first, m + 1)
    return m + Fraction((end - base).days, (nxt - base).days)


def _band(n: int, bands) -> Decimal:
    return next(a for lo, hi, a in bands if n >= lo and (hi is None or n <= hi))


def _arbo_size(headcount: int) -> int:
    return next(p for lo, hi, p in ARBO_SIZE if headcount >= lo and (hi is None or headcount <= hi))


# --- the records as written ----------------------------------------------------------------------------------------

class Slip:
    __slots__ = ("row", "id", "worker", "employer", "start", "end", "hours", "gross")

    def __init__(self, row: dict[str, str]):
        self.row = row
        self.id = row["payslip_id"]
        self.worker = row["worker_id"]
        self.employer = row["employer_id"]
        self.start = _d(row["period_start"])
        self.end = _d(row["period_end"])
        self.hours = Decimal(row["hours_worked"]) if row["hours_worked"] else None
        self.gross = Decimal(row["gross_wage"]) if row["gross_wage"] else None

    @property
    def days(self) -> list[dt.date]:
        return _days(self.start, self.end)


class Demo:
    """The base records read back, indexed per worker."""

    def __init__(self, out: Path):
        self.out = out
        self.emp_header, self.employers = _read(out / "employers.csv")
        self.wrk_header, self.workers = _read(out / "workers.csv")
        self.con_header, self.contracts = _read(out / "contracts.csv")
        self.slip_header, slip_rows = _read(out / "payslips.csv")
        self.slips = [Slip(r) for r in slip_rows]
        self.worker = {w["worker_id"]: w for w in self.workers}
        self.slips_of: dict[str, list[Slip]] = defaultdict(list)
        for s in self.slips:
            self.slips_of[s.worker].append(s)
        for v in self.slips_of.values():
            v.sort(key=lambda s: s.start)
        self.contracts_of: dict[str, list[dict[str, str]]] = defaultdict(list)
        for c in self.contracts:
            self.contracts_of[c["worker_id"]].append(c)
        self.employer = {e["employer_id"]: e for e in self.employers}
        self.last_period_end = max(s.end for s in self.slips)

    def single_employer(self, w: str) -> str | None:
        """The one employer of all the worker's payslips and contracts, or None."""
        emps = {s.employer for s in self.slips_of[w]} | {c["employer_id"] for c in self.contracts_of[w]}
        return next(iter(emps)) if len(emps) == 1 and self.slips_of[w] else None

    def posted(self, w: str) -> bool:
        return any(c["posted_worker"] == "true" for c in self.contracts_of[w])


def _runs(slips: list[Slip]) -> list[list[Slip]]:
    """Consecutive pay periods (a contract spell) as runs."""
    runs: list[list[Slip]] = []
    for s in slips:
        if runs and runs[-1][-1].end + DAY == s.start:
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


# --- the generator -------------------------------------------------------------------------------------------------

def add_migration(out_dir: Path, manifest: dict, seed: int) -> dict:
    """Add work permits, placements, postings, admissions and accidents to the demo records in ``out_dir`` (written by
    :func:`eerlijkwerk.demo.generate`), rewrite the changed files and ``planted.json``; return the new manifest."""
    out = Path(out_dir)
    rng = random.Random(seed * 1_000_003 + 77)
    demo = Demo(out)
    law = Law()
    n = _scaled(len(demo.workers))
    planted_workers = {f["worker_id"] for f in manifest["findings"]}
    findings: list[dict[str, Any]] = []
    fines: list[dict[str, Any]] = []
    controls: list[dict[str, Any]] = []

    # extra hirer: a natural person
    demo.employers.append(dict(SMALL_HIRER))
    demo.employer[SMALL_HIRER["employer_id"]] = demo.employers[-1]
    form = {e["employer_id"]: e["legal_form"] or "legal_person" for e in demo.employers}
    headcount = {e["employer_id"]: int(e["headcount"]) for e in demo.employers if e["headcount"]}

    # ---- who can become a non-EU worker: clean records, one employer, not posted ----------------------------------
    ids = sorted(demo.worker)
    rng.shuffle(ids)
    clean = [w for w in ids if w not in planted_workers and demo.single_employer(w) and not demo.posted(w)
             and len(demo.slips_of[w]) >= 3 and all(s.hours and s.gross for s in demo.slips_of[w])]
    used: set[str] = set()

    def take(count: int, ok, what: str) -> list[str]:
        got = [w for w in clean if w not in used and ok(w)][:count]
        if len(got) < count:
            raise ValueError(f"not enough workers to plant {count} × {what}; generate more workers")
        used.update(got)
        return got

    emp_of = {w: demo.single_employer(w) for w in clean}
    late = lambda w: demo.slips_of[w][-1].end >= dt.date(2025, 2, 1)  # noqa: E731
    at_lender = lambda w: emp_of[w] in LENDERS  # noqa: E731

    # three long placements for the hiring-limit scenario: EU workers from day one, at a lender other than the
    # lapsing one, paid at least until mid-2025
    long_workers = take(3, lambda w: at_lender(w) and emp_of[w] != LAPSING_LENDER
                        and demo.slips_of[w][0].start == WINDOW_START
                        and demo.slips_of[w][-1].end >= dt.date(2025, 7, 1), "long placements")

    natural = [w for w in clean if emp_of[w] == "90000005"]
    no_permit = take(1, lambda w: emp_of[w] == "90000005" and late(w), "no permit (natural person)") if natural else []
    no_permit += take(n["no_permit"] - len(no_permit), lambda w: at_lender(w) and late(w), "no permit")
    twv_other = take(n["twv_other_employer"], lambda w: at_lender(w) and late(w), "TWV for another employer")
    expired = take(n["twv_expired"], lambda w: late(w) and len(demo.slips_of[w]) >= 4
                   and demo.slips_of[w][-2].end + DAY == demo.slips_of[w][-1].start, "expired TWV")
    expired_mid = take(n["twv_expired_mid_period"], lambda w: late(w) and len(demo.slips_of[w]) >= 3,
                       "TWV expired mid-period")
    n_valid = n["non_eu_with_valid_permit"]
    n_km_below = n["kennismigrant_below_criterion"]
    valid = take(n_valid, lambda w: True, "valid permits")
    kinds = {w: _weighted(rng, VALID_KINDS) for w in valid}
    km_needed = n_km_below + 2
    for w in valid:  # enough knowledge migrants for the planted periods
        if sum(1 for k in kinds.values() if k == "kennismigrant") >= km_needed:
            break
        if kinds[w] in ("twv", "gvva"):
            kinds[w] = "kennismigrant"

    non_eu = no_permit + twv_other + expired + expired_mid + valid
    for w in non_eu:
        demo.worker[w]["nationality"] = _weighted(rng, NON_EU)

    # ---- permits --------------------------------------------------------------------------------------------------
    permits: list[dict[str, Any]] = []

    def permit(w: str, ptype: str, employer: str | None, start: dt.date, end: dt.date, cat: str | None = None):
        permits.append({"permit_id": f"M{len(permits) + 1:05d}", "worker_id": w, "employer_id": employer,
                        "permit_type": ptype, "valid_from": start, "valid_to": end, "salary_category": cat})

    def span(w: str) -> tuple[dt.date, dt.date]:
        first, last = demo.slips_of[w][0].start, demo.slips_of[w][-1].end
        a = max(WINDOW_START, first - dt.timedelta(days=rng.randint(0, 90)))
        b = min(LAST_DAY, last + dt.timedelta(days=rng.randint(0, 400)))
        return a, b

    km_slips: dict[str, str] = {}  # payslip_id -> salary category (knowledge migrants and Blue Card holders)
    km_from: dict[str, dt.date] = {}  # payslip_id -> the permit's valid_from (its criterion date)
    renewals = 0
    for w in valid:
        e, kind = emp_of[w], kinds[w]
        a, b = span(w)
        if kind in ("twv", "gvva"):
            slips = demo.slips_of[w]
            if kind == "twv" and len(slips) >= 4 and renewals < max(1, n_valid // 15):
                # renewed without a gap: the first TWV ends on a day inside a pay period, the next starts the day after
                cut = slips[len(slips) // 2].start + dt.timedelta(days=2)
                permit(w, "twv", e, a, cut)
                permit(w, "twv", e, cut + DAY, b)
                renewals += 1
                controls.append({"case": "TWV renewed without a gap", "worker_id": w, "employer_id": e,
                                 "day_boundary": (cut + DAY).isoformat(), "expected": "no wav.no_permit"})
            else:
                permit(w, kind, e, a, b)
        elif kind in ("kennismigrant", "eu_blue_card"):
            if kind == "eu_blue_card":
                cat = "blue_card"
            else:
                cat = "under_30" if age_on(_d(demo.worker[w]["birth_date"]), demo.slips_of[w][0].start) < 30 \
                    else "age_30_plus"
            permit(w, kind, e, a, b, cat)
            for s in demo.slips_of[w]:
                km_slips[s.id] = cat
                km_from[s.id] = a
        else:
            permit(w, "arbeid_vrij", None, a, b)
    for w in twv_other:
        other = rng.choice([x for x in LENDERS if x != emp_of[w]])
        permit(w, "twv", other, *span(w))
    expiry: dict[str, dt.date] = {}
    for w in expired:
        slips = demo.slips_of[w]
        k = len(slips) - 1 - rng.randint(1, min(3, len(slips) - 3))  # last covered period; later ones are not
        expiry[w] = slips[k].end
        permit(w, "twv", emp_of[w], span(w)[0], expiry[w])
    for w in expired_mid:
        last = demo.slips_of[w][-1]
        expiry[w] = last.start + dt.timedelta(days=rng.randint(1, (last.end - last.start).days - 1))
        permit(w, "twv", emp_of[w], span(w)[0], expiry[w])

    # ---- knowledge migrants' pay: comfortably above the criterion, except the planted periods -----------------------
    slip_by_id = {s.id: s for s in demo.slips}
    km_workers = sorted({slip_by_id[p].worker for p, c in km_slips.items() if c != "blue_card"})
    rng.shuffle(km_workers)
    below: dict[str, Decimal] = {}  # payslip_id -> shortfall
    for w in km_workers:
        if len(below) == n_km_below:
            break
        s = rng.choice(demo.slips_of[w])
        room = _ceil_cents(_criterion(km_slips[s.id], s.end, km_from[s.id]) * _period_fraction(s.start, s.end)) \
            - s.gross
        if room >= Decimal("10.00"):  # paid below the criterion, but never below the original (compliant) wage
            below[s.id] = (Decimal(rng.randint(1_000, int(min(room, Decimal(400)) * 100))) / 100).quantize(CENT)
    if len(below) < n_km_below:
        raise ValueError("not enough knowledge migrants to plant the salary-criterion periods")
    for pid, cat in sorted(km_slips.items()):
        s = slip_by_id[pid]
        crit = _criterion(cat, s.end, km_from[pid])
        exact = crit * _period_fraction(s.start, s.end)
        threshold = _ceil_cents(exact)
        old = s.gross
        if pid in below:
            new = threshold - below[pid]
            assert new >= old  # the original compliant wage (above the minimum wage) is below the criterion
            findings.append({
                "rule": "kennismigrant.salary_below_criterion", "payslip_id": pid, "worker_id": s.worker,
                "employer_id": s.employer, "period_start": s.start.isoformat(), "period_end": s.end.isoformat(),
                "kind": "kennismigrant_below_criterion", "paid": str(new), "threshold": str(threshold),
                "shortfall": str(below[pid].quantize(CENT)), "reason": cat, "presumption": False,
                "arithmetic": f"{crit} × {_period_fraction(s.start, s.end)} = {float(exact):.4f} "
                              f"→ {threshold} (rounded up); paid {new}"})
        else:
            new = max(old, _ceil_cents(exact * Fraction(rng.randint(105, 130), 100)))
        s.gross = new
        s.row["gross_wage"] = str(new)
        s.row["holiday_allowance"] = str((new * 8 / 100).quantize(CENT, ROUND_HALF_UP))
        bank = Decimal(s.row["net_paid_bank"]) + ((new - old) * Decimal("0.62")).quantize(CENT, ROUND_HALF_UP)
        s.row["net_paid_bank"] = str(bank)

    # ---- postings: every posted worker; two third-country nationals without a (timely) notification ----------------
    postings: list[dict[str, Any]] = []
    posted = sorted(w for w in demo.worker if demo.posted(w))
    tcn_pool = [w for w in posted if w not in planted_workers and demo.slips_of[w]
                and demo.slips_of[w][-1].end >= dt.date(2025, 2, 1)]
    rng.shuffle(tcn_pool)
    if len(tcn_pool) < 3:
        raise ValueError("not enough posted workers for the third-country-national postings")
    tcn_unnotified, tcn_late, tcn_ok = tcn_pool[:3]
    for w, nat in ((tcn_unnotified, "UA"), (tcn_late, "BY"), (tcn_ok, "MD")):
        demo.worker[w]["nationality"] = nat
    for w in posted:
        slips = demo.slips_of[w]
        if not slips:
            continue
        start, end = slips[0].start, slips[-1].end
        client = rng.choice(HIRERS)
        row = {"posting_id": f"PO{len(postings) + 1:04d}", "worker_id": w, "employer_id": POSTING_EMPLOYER,
               "client_id": client, "start_date": start, "end_date": end,
               "notified_on": max(WINDOW_START, start - dt.timedelta(days=rng.randint(0, 10))),
               "self_employed": False, "third_country_national": False, "tcn_conditions_met": False,
               "sector": demo.employer[client]["sector_sbi"]}
        if w == tcn_unnotified:
            row.update(notified_on=None, third_country_national=True, tcn_conditions_met=False)
        elif w == tcn_late:
            row.update(notified_on=start + dt.timedelta(days=rng.randint(2, 9)), third_country_national=True,
                       tcn_conditions_met=True)
        elif w == tcn_ok:
            row.update(third_country_national=True, tcn_conditions_met=True)
            controls.append({"case": "posted third-country national, notified in time, art. 4.6 BuWav met",
                             "worker_id": w, "expected": "no wav.no_permit, no wagweu finding"})
        postings.append(row)
        if w in (tcn_unnotified, tcn_late):
            reason = "not notified" if row["notified_on"] is None else f"notified late, on {row['notified_on']}"
            base = {"worker_id": w, "period_start": start.isoformat(), "period_end": end.isoformat(),
                    "reason": reason, "presumption": False, "kind": "posting_tcn"}
            findings.append({"rule": "wagweu.no_notification", "employer_id": POSTING_EMPLOYER, **base,
                             "detail": "employer"})
            findings.append({"rule": "wagweu.client_no_check", "employer_id": client, **base})
            fines.append({"rule": "wagweu.client_no_check", "employer_id": client, "worker_id": w,
                          "violation_date": start.isoformat(),
                          "amount": str(WAGWEU_CLIENT[form[client]].quantize(CENT))})
    notify_groups: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    for p in postings:
        if p["notified_on"] is None or p["notified_on"] > p["start_date"]:
            notify_groups[(p["employer_id"], p["start_date"])].add(p["worker_id"])
    for (employer, start), ws in sorted(notify_groups.items()):  # one fine per posting employer and start date
        assert len(ws) <= 9
        fines.append({"rule": "wagweu.no_notification", "employer_id": employer, "worker_id": None,
                      "violation_date": start.isoformat(), "amount": str(WAGWEU_NOTIFICATION_1_9.quantize(CENT)),
                      "arithmetic": f"posting of {len(ws)} worker(s) not notified in time: band 1-9"})

    # ---- placements -------------------------------------------------------------------------------------------------
    placements: list[dict[str, Any]] = []
    workplaces = {h: [f"{h}-{c}" for c in "AB"] for h in HIRERS + (SMALL_HIRER["employer_id"],)}

    def place(w: str, lender: str, hirer: str, start: dt.date, end: dt.date | None) -> dict[str, Any]:
        p = {"placement_id": f"PL{len(placements) + 1:05d}", "worker_id": w, "uitlener_id": lender,
             "inlener_id": hirer, "workplace": rng.choice(workplaces[hirer]), "start_date": start, "end_date": end,
             "relation": "uitlening"}
        placements.append(p)
        return p

    def place_runs(w: str, hirer: str | None = None, must_cover: tuple[dt.date, dt.date] | None = None) -> None:
        """One or two placements of ``w`` over consecutive pay periods of one spell, aligned to period bounds."""
        slips = demo.slips_of[w]
        runs = _runs(slips)
        lender = emp_of.get(w) or slips[0].employer
        if must_cover:
            run = next(r for r in runs if r[0].start <= must_cover[0] and r[-1].end >= must_cover[1])
            i = max(k for k, s in enumerate(run) if s.start <= must_cover[0])
            j = min(k for k, s in enumerate(run) if s.end >= must_cover[1])
            place(w, lender, hirer or rng.choice(HIRERS), run[i].start, run[j].end)
            return
        run = rng.choice(runs)
        i = rng.randint(0, max(0, len(run) // 2 - 1))
        j = rng.randint(i, len(run) - 1)
        h = hirer or _weighted(rng, [(x, 10) for x in HIRERS] + [(SMALL_HIRER["employer_id"], 1)])
        open_end = j == len(run) - 1 and run[-1] is slips[-1] and rng.random() < 0.4
        place(w, lender, h, run[i].start, None if open_end else run[j].end)
        if not open_end and j + 2 < len(run) and rng.random() < 0.3:  # next assignment at another hirer
            h2 = rng.choice([x for x in HIRERS if x != h])
            k = rng.randint(j + 1, len(run) - 1)
            place(w, lender, h2, run[j + 1].start, run[k].end)

    # forced: two of the workers without a permit, one with a TWV for another employer, and valid non-EU workers
    forced = [w for w in no_permit if at_lender(w)][:2] + twv_other[:1]
    for w in forced:  # the last three pay periods of the last spell, at most
        last_run = _runs(demo.slips_of[w])[-1]
        place_runs(w, must_cover=(last_run[-min(3, len(last_run))].start, last_run[-1].end))
    valid_at_lender = [w for w in valid if at_lender(w)]
    for w in valid_at_lender[: max(3, len(valid_at_lender) // 4)]:
        place_runs(w)
        controls.append({"case": f"{kinds[w]} for the lender covers the days at the hirer", "worker_id": w,
                         "employer_id": emp_of[w], "expected": "no wav.no_permit for lender or hirer"})
    # the lapsing lender: one worker across the whole gap at the small hirer, one at a regular hirer
    gap = (LAPSE_LAST + DAY, REREGISTERED - DAY)
    placed = {p["worker_id"] for p in placements}
    across = [w for w in ids if w not in planted_workers and w not in used and w not in placed
              and emp_of.get(w) == LAPSING_LENDER and any(r[0].start <= gap[0] and r[-1].end >= gap[1]
                                                         for r in _runs(demo.slips_of[w]))]
    if len(across) < 2:
        raise ValueError("not enough workers of the lapsing lender to place across the gap")
    place_runs(across[0], hirer=SMALL_HIRER["employer_id"], must_cover=gap)
    place_runs(across[1], hirer=HIRERS[1], must_cover=gap)
    used.update(across[:2])
    # random placements of EU workers at the lenders (any records; their payslips are not changed)
    placed = {p["worker_id"] for p in placements}
    pool = [w for w in ids if w not in used and w not in placed and demo.single_employer(w) in LENDERS
            and not demo.posted(w)]
    for w in pool[: max(0, n["placed_workers"] - len(placed))]:
        emp_of.setdefault(w, demo.single_employer(w))
        place_runs(w)
    # the long placements (scenario): 36 months exactly; one day over; two spells adding up
    for w in long_workers:
        emp_of.setdefault(w, demo.single_employer(w))
    h_long = [HIRERS[0], HIRERS[2], HIRERS[3]]
    exactly = _add_months(LONG_START, HIRING_LIMIT_MONTHS) - DAY
    place(long_workers[0], emp_of[long_workers[0]], h_long[0], LONG_START, exactly)
    place(long_workers[1], emp_of[long_workers[1]], h_long[1], LONG_START, exactly + DAY)
    place(long_workers[2], emp_of[long_workers[2]], h_long[2], LONG_START, dt.date(2023, 6, 30))
    place(long_workers[2], emp_of[long_workers[2]], h_long[2], dt.date(2023, 10, 1), dt.date(2025, 6, 30))
    controls.append({"case": "placement of exactly 36 months at one hirer", "worker_id": long_workers[0],
                     "employer_id": h_long[0], "period": [LONG_START.isoformat(), exactly.isoformat()],
                     "expected": "no waadi.hiring_limit, also with the scenario"})

    # ---- admissions: every lender registered; one lapses ---------------------------------------------------------
    admissions: list[dict[str, Any]] = []
    for e in demo.employers:
        if e["role"] != "uitlener":
            continue
        reg = f"NL-{e['employer_id'][-4:]}-{rng.randint(1000, 9999)}"
        row = {"admission_id": f"A{len(admissions) + 1:03d}", "employer_id": e["employer_id"],
               "kind": "waadi_registration", "status": "active", "valid_from": dt.date(2015, 3, 2) +
               dt.timedelta(days=rng.randint(0, 2000)), "valid_to": None, "register_number": reg}
        if e["employer_id"] == LAPSING_LENDER:
            row["valid_to"] = LAPSE_LAST
            admissions.append(row)
            admissions.append({**row, "admission_id": f"A{len(admissions) + 1:03d}", "status": "suspended",
                               "valid_from": gap[0], "valid_to": gap[1]})
            admissions.append({**row, "admission_id": f"A{len(admissions) + 1:03d}", "status": "active",
                               "valid_from": REREGISTERED, "valid_to": None})
        else:
            admissions.append(row)
    assert all(a["valid_from"] <= LONG_START for a in admissions if a["valid_from"] < gap[0])

    # ---- accidents at the hirers' sites, on placed workers -----------------------------------------------------
    accidents: list[dict[str, Any]] = []
    slips_days = {w: {d for s in demo.slips_of[w] for d in s.days} for w in demo.slips_of}
    cands = [p for p in placements if p["start_date"] >= WINDOW_START and p["worker_id"] not in non_eu]
    rng.shuffle(cands)
    small = next(p for p in placements if p["inlener_id"] == SMALL_HIRER["employer_id"]
                 and p["worker_id"] not in non_eu)
    plan = [  # severity, nights, reported after (days; None = not reported), cause category, cause article
        ("hospital_admission", 4, None, None, None),
        ("permanent_injury", None, None, None, None),  # at the small hirer
        ("hospital_admission", 1, 6, None, None),  # reported late: no deadline in the law → no finding by default
        ("hospital_admission", 3, 0, 4, "art. 3.16 Arbobesluit (fall from height)"),
        ("hospital_admission", 9, 0, 5, "art. 7.7 Arbobesluit (unguarded machine)"),
        ("other", None, None, None, None),  # not reportable
    ]
    hurt: set[str] = set()
    for k, (sev, nights, after, cat, article) in enumerate(plan):
        p = small if k == 1 else next(p for p in cands if p["worker_id"] not in hurt and p is not small)
        hurt.add(p["worker_id"])
        end = p["end_date"] or demo.last_period_end
        days = sorted(d for d in slips_days[p["worker_id"]] if p["start_date"] <= d <= min(end, dt.date(2026, 6, 1)))
        day = rng.choice(days)
        reported = None if after is None else day + dt.timedelta(days=after)
        a = {"accident_id": f"AC{k + 1:02d}", "occurred_on": day, "employer_id": p["inlener_id"],
             "workplace": p["workplace"], "worker_id": p["worker_id"], "severity": sev, "reported_on": reported,
             "reported_by": None if reported is None else "hirer", "hospital_nights": nights,
             "lender_reported_on": None, "cause_category": cat, "cause_article": article}
        accidents.append(a)
        hirer, w = p["inlener_id"], p["worker_id"]
        pct = _arbo_size(headcount[hirer])
        base = {"employer_id": hirer, "worker_id": w, "period_start": day.isoformat(), "period_end": day.isoformat(),
                "presumption": False, "kind": "accident", "accident_id": a["accident_id"]}
        if sev in REPORTABLE and reported is None:
            findings.append({"rule": "arbowet.accident_not_reported", **base, "reason": "not reported", "detail": sev})
            amount = ARBO_CATEGORY[ARBO_NOT_REPORTED_CATEGORY] * pct / 100
            fines.append({"rule": "arbowet.accident_not_reported", "employer_id": hirer, "worker_id": w,
                          "violation_date": day.isoformat(), "amount": str(amount.quantize(CENT)),
                          "arithmetic": f"category 5 EUR 4,500 × {pct}% (headcount {headcount[hirer]})"})
        elif sev in REPORTABLE and after:
            controls.append({"case": f"accident reported {after} day(s) after it happened", "accident_id": a["accident_id"],
                             "expected": "no arbowet.accident_not_reported: art. 9 Arbowet says 'direct' and sets no "
                                         "number of days (a scenario can set arbowet.meldplicht_werkgever.deadline_days)"})
        elif sev == "other":
            controls.append({"case": "accident of severity 'other', not reported", "accident_id": a["accident_id"],
                             "expected": "no finding: not reportable under art. 9 lid 1 Arbowet"})
        if cat is not None:
            mult = next(m for lo, m in ARBO_HOSPITAL_MULTIPLIER if nights >= lo)
            findings.append({"rule": "arbowet.accident_cause", **base, "reason": article, "amount": str(Decimal(cat)),
                             "detail": f"{sev}, {nights} night(s) in hospital"})
            amount = ARBO_CATEGORY[cat] * mult * pct / 100
            fines.append({"rule": "arbowet.accident_cause", "employer_id": hirer, "worker_id": w,
                          "violation_date": day.isoformat(), "amount": str(amount.quantize(CENT)),
                          "arithmetic": f"category {cat} EUR {ARBO_CATEGORY[cat]} × {mult} ({nights} nights) × {pct}% "
                                        f"(headcount {headcount[hirer]})"})

    # ---- expected Wav findings: every work day of every non-EU worker against the chain and the permits ----------
    wav_workers = no_permit + twv_other + expired + expired_mid + valid + [tcn_unnotified, tcn_late, tcn_ok]
    pl_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in placements:
        pl_of[p["worker_id"]].append(p)
    perm_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in permits:
        perm_of[m["worker_id"]].append(m)
    post_ok = {p["worker_id"]: p for p in postings if p["third_country_national"] and p["tcn_conditions_met"]
               and p["notified_on"] is not None and p["notified_on"] <= p["start_date"]}
    claims: list[dict[str, Any]] = []
    for w in wav_workers:
        parties: dict[dt.date, dict[str, str]] = {}  # day -> party -> role
        for s in demo.slips_of[w]:
            if not s.hours:
                continue
            for d in s.days:
                parties.setdefault(d, {})[s.employer] = "employer of record"
                for p in pl_of[w]:
                    if p["start_date"] <= d and (p["end_date"] is None or d <= p["end_date"]):
                        parties[d].setdefault(p["uitlener_id"], "lender (uitlener)")
                        parties[d].setdefault(p["inlener_id"], "hirer (inlener)")

        def covered(d: dt.date) -> bool:
            if w in post_ok and post_ok[w]["start_date"] <= d <= post_ok[w]["end_date"]:
                return True
            return any(m["valid_from"] <= d <= m["valid_to"] and
                       (m["permit_type"] == "arbeid_vrij" or m["employer_id"] in parties[d]) for m in perm_of[w])

        unc = {d for d in parties if not covered(d)}
        by_party: dict[str, set[dt.date]] = defaultdict(set)
        for d in unc:
            for party in parties[d]:
                by_party[party].add(d)
        if w in valid or w == tcn_ok:
            assert not unc, (w, min(unc))
            continue
        assert unc, w
        for party, days in sorted(by_party.items()):
            roles = {parties[d][party] for d in days}
            role = min(roles)
            established = any(all(d in days for d in s.days) for s in demo.slips_of[w] if s.hours)
            first, last = min(days), max(days)
            # hours without a permit (no shift records in this demo): per pay period, its hours when every day is
            # uncovered, else hours × uncovered days / days in the period, half-up to 0.01 h (law/wav/rules.py)
            hours = Decimal(0)
            for s in demo.slips_of[w]:
                mine = [d for d in s.days if d in days and (s.employer == party or any(
                    party in (p["uitlener_id"], p["inlener_id"]) and p["start_date"] <= d
                    and (p["end_date"] is None or d <= p["end_date"]) for p in pl_of[w]))]
                if s.hours and mine:
                    hours += s.hours if len(mine) == len(s.days) else (
                        s.hours * len(mine) / len(s.days)).quantize(CENT, ROUND_HALF_UP)
            kind = ("no_permit" if w in no_permit else "twv_other_employer" if w in twv_other else
                    "twv_expired" if w in expired else "twv_expired_mid_period" if w in expired_mid else "posted_tcn")
            findings.append({"rule": "wav.no_permit", "employer_id": party, "worker_id": w,
                             "period_start": first.isoformat(), "period_end": last.isoformat(), "hours": str(hours),
                             "reason": role, "detail": demo.worker[w]["nationality"], "presumption": not established,
                             "kind": kind})
            norm = _wav_norm(last, "natural_person" if form[party] == "natural_person" else "legal_person")
            fines.append({"rule": "wav.no_permit", "employer_id": party, "worker_id": w,
                          "violation_date": last.isoformat(), "amount": str(norm.quantize(CENT)),
                          "arithmetic": f"norm {norm} ({form[party]}, policy of {last}); culpability not assessed: "
                                        f"100%; no aggravation recorded"})
            if role == "employer of record":
                claims.append(_art23(demo, law, w, party, first, last))

    # ---- expected Waadi findings: placement days of a lender without an active registration ----------------------
    active: dict[str, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for a in admissions:
        if a["kind"] == "waadi_registration" and a["status"] == "active":
            active[a["employer_id"]].append((a["valid_from"], a["valid_to"]))
    off_lender: dict[str, dict[str, set]] = defaultdict(lambda: {"days": set(), "workers": set()})
    off_hirer: dict[tuple[str, str], dict[str, set]] = defaultdict(lambda: {"days": set(), "workers": set()})
    for p in placements:
        end = p["end_date"] or max(demo.last_period_end, p["start_date"])
        for d in _days(p["start_date"], end):
            if d < WAADI_DUTY_FROM or any(f <= d and (t is None or d <= t) for f, t in active[p["uitlener_id"]]):
                continue
            for bucket in (off_lender[p["uitlener_id"]], off_hirer[(p["inlener_id"], p["uitlener_id"])]):
                bucket["days"].add(d)
                bucket["workers"].add(p["worker_id"])
    for lender, b in sorted(off_lender.items()):
        nw = len(b["workers"])
        findings.append({"rule": "waadi.unregistered_lender", "employer_id": lender, "worker_id": None,
                         "period_start": min(b["days"]).isoformat(), "period_end": max(b["days"]).isoformat(),
                         "hours": nw, "presumption": False, "kind": "registration_lapsed",
                         "reason": "no registration as lender in the trade register (art. 7a Waadi)"})
        fines.append({"rule": "waadi.unregistered_lender", "employer_id": lender, "worker_id": None,
                      "violation_date": max(b["days"]).isoformat(),
                      "amount": str(_band(nw, WAADI_BANDS).quantize(CENT)), "arithmetic": f"{nw} worker(s)"})
    for (hirer, lender), b in sorted(off_hirer.items()):
        nw = len(b["workers"])
        amount = _band(nw, WAADI_BANDS) * (WAADI_NATURAL_HIRER if form[hirer] == "natural_person" else 1)
        findings.append({"rule": "waadi.hirer_unregistered_lender", "employer_id": hirer, "worker_id": None,
                         "period_start": min(b["days"]).isoformat(), "period_end": max(b["days"]).isoformat(),
                         "hours": nw, "presumption": False, "kind": "registration_lapsed",
                         "detail": f"lender {lender}",
                         "reason": "no registration as lender in the trade register (art. 7a Waadi)"})
        fines.append({"rule": "waadi.hirer_unregistered_lender", "employer_id": hirer, "worker_id": None,
                      "violation_date": max(b["days"]).isoformat(), "amount": str(amount.quantize(CENT)),
                      "arithmetic": f"{nw} worker(s); {form[hirer]}"})

    # ---- the hiring-limit scenario: cumulative placement days per worker and hirer -------------------------------
    scenario_findings = []
    per_pair: dict[tuple[str, str], set[dt.date]] = defaultdict(set)
    for p in placements:
        end = p["end_date"] or max(demo.last_period_end, p["start_date"])
        per_pair[(p["worker_id"], p["inlener_id"])].update(_days(p["start_date"], end))
    for (w, hirer), days in sorted(per_pair.items()):
        ordered = sorted(days)
        limit = (_add_months(ordered[0], HIRING_LIMIT_MONTHS) - ordered[0]).days
        if len(ordered) > limit:
            scenario_findings.append({
                "rule": "waadi.hiring_limit", "scenario": "hiring_limit_36_months", "employer_id": hirer,
                "worker_id": w, "period_start": ordered[0].isoformat(), "period_end": ordered[limit].isoformat(),
                "amount": str(Decimal(limit + 1)), "threshold": str(Decimal(HIRING_LIMIT_MONTHS)),
                "detail": f"{limit} days from the first day"})

    # ---- write --------------------------------------------------------------------------------------------------
    _write(out / "employers.csv", demo.emp_header, demo.employers)
    _write(out / "workers.csv", demo.wrk_header, demo.workers)
    _write(out / "payslips.csv", demo.slip_header, (s.row for s in demo.slips))
    tables = {
        "permits": (["permit_id", "worker_id", "employer_id", "permit_type", "valid_from", "valid_to",
                     "salary_category"], permits),
        "placements": (["placement_id", "worker_id", "uitlener_id", "inlener_id", "workplace", "start_date",
                        "end_date", "relation"], placements),
        "postings": (["posting_id", "worker_id", "employer_id", "client_id", "start_date", "end_date", "notified_on",
                      "self_employed", "third_country_national", "tcn_conditions_met", "sector"], postings),
        "admissions": (["admission_id", "employer_id", "kind", "status", "valid_from", "valid_to", "register_number"],
                       admissions),
        "accidents": (["accident_id", "occurred_on", "employer_id", "workplace", "worker_id", "severity",
                       "reported_on", "reported_by", "hospital_nights", "lender_reported_on", "cause_category",
                       "cause_article"], accidents),
    }
    for name, (header, rows) in tables.items():
        _write(out / f"{name}.csv", header, rows)

    m = dict(manifest)
    m["rows"] = {**manifest["rows"], "employers": len(demo.employers),
                 **{name: len(rows) for name, (_, rows) in tables.items()}}
    m["planted"] = {**manifest["planted"], **{f"migration_{k}": v for k, v in n.items()},
                    "migration_posted_tcn": 2}
    m["findings"] = manifest["findings"] + findings
    counts: dict[str, int] = defaultdict(int)
    for f in m["findings"]:
        counts[f["rule"]] += 1
    m["counts"] = dict(sorted(counts.items()))
    m["fines"] = fines
    m["art23_claims"] = claims
    m["scenarios"] = {"hiring_limit_36_months": HIRING_LIMIT_SCENARIO}
    m["scenario_findings"] = scenario_findings
    m["controls"] = controls
    m["totals"] = {**manifest["totals"], "kennismigrant_shortfall": str(sum(
        (Decimal(f["shortfall"]) for f in findings if f["rule"] == "kennismigrant.salary_below_criterion"),
        Decimal("0.00")))}
    m["notes"] = manifest["notes"] + (
        " Fines are listed for the Wav, Waadi, WagwEU and Arbowet findings only (computed from the published amounts; "
        "no culpability, aggravation or moderation recorded). Wav findings without a payslip are identified by rule, "
        "employer, worker and period. The lender of a placed worker is also the employer of record, so the lender's "
        "days are part of the employer-of-record finding. Scenario findings appear only with the named scenario.")
    (out / "planted.json").write_text(json.dumps(m, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return m


def _art23(demo: Demo, law: Law, w: str, employer: str, first: dt.date, last: dt.date) -> dict[str, Any]:
    """Art. 23 Wav claim floor: max(recorded months, 6) × 52/12 weeks × full-time week × the statutory minimum hourly
    wage for the worker's age on the last day (rounded up to the cent), less the gross wages of the periods."""
    months = _months(first, last)
    presumed = max(months, Fraction(ART23_MIN_MONTHS))
    cts = sorted((c for c in demo.contracts_of[w] if c["employer_id"] == employer and _d(c["start_date"]) <= last),
                 key=lambda c: c["start_date"])
    fulltime = Decimal(cts[-1]["fulltime_hours_per_week"]) if cts else Decimal(40)
    age = min(age_on(_d(demo.worker[w]["birth_date"]), last), ADULT_AGE)
    hourly = law.rate(last, age)
    due = _ceil_cents(presumed * Fraction(52, 12) * Fraction(fulltime) * Fraction(hourly))
    paid = sum((s.gross or Decimal(0) for s in demo.slips_of[w]
                if s.employer == employer and s.end >= first and s.start <= last), Decimal("0.00"))
    return {"employer_id": employer, "worker_id": w, "first_day": first.isoformat(), "last_day": last.isoformat(),
            "presumed_months": str((Decimal(presumed.numerator) / Decimal(presumed.denominator)).quantize(
                CENT, ROUND_HALF_UP)),
            "weekly_hours": str(fulltime), "hourly_wage_floor": str(hourly), "wage_due_floor": str(due),
            "gross_paid": str(paid.quantize(CENT)), "claim_floor": str(max(Decimal(0), due - paid).quantize(CENT))}
