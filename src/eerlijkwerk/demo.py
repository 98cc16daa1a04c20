"""A seeded, realistic demo dataset: a staffing-agency payroll with known, planted WML violations.

``generate(out_dir)`` writes employers.csv, workers.csv, contracts.csv and payslips.csv in the input format
(docs/input-format.md) plus ``planted.json``: every violation planted in the data, with the amounts the law gives for
it, so an audit of the folder can be checked finding by finding (tests/test_demo.py).

The data are fictional: pseudonymous worker ids (W00001…), made-up birth dates, placeholder KvK numbers (9000000x).
Pay periods run from 2024-07-01 to 2026-06-28 (weekly and 4-weekly; the hourly minimum wage exists since 2024, and the
2026-07-01 amount is not confirmed, so no period reaches it).

Compliant payslips are clearly compliant: the hourly wage is the highest minimum rate that can apply in the period
(the worker's age band at the period's end, at the rate in force on the period's last day) plus a margin of
EUR 0.50–3.00, overtime at 125%; holiday allowance 8% of the gross wage; housing (authorised, certified housing, never
for a posted worker) at most 25% of the lowest minimum wage that can be due for the period; health insurance
(authorised) well within the year's cap. Periods that straddle a 1 January / 1 July rate change or a birthday occur
naturally and are kept.

Planted violations sit on distinct payslips of distinct workers, in periods with one rate and one age band, so their
expected values follow from the simple arithmetic below — written here independently of the engine, in Decimal, from
the parameter files: due = hours × hourly rate for the worker's age, rounded up to the cent; holiday allowance due =
8% of the exact due, rounded up; housing cap = 25% of the exact due, rounded down.

Labour migration (work permits, placements, postings, lenders' registrations, accidents) and its planted Wav, Waadi,
WagwEU, kennismigrant and Arbowet violations are added afterwards by :mod:`eerlijkwerk.demo_migration`.

CLI: ``python -m eerlijkwerk.demo --out DIR [--seed N] [--workers N]`` (see :func:`main`).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

WINDOW_START = dt.date(2024, 7, 1)  # a Monday; first pay period
WINDOW_END = dt.date(2026, 6, 30)  # no period ends later (2026-07-01 amount unconfirmed)
ADULT_AGE = 21

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
OVERTIME_PREMIUM = Decimal("1.25")

#: Planted violations for the default size (2,000 workers); scaled down for smaller datasets.
PLANTED = {
    "underpayment_rate": 32,  # paid EUR 0.50–2.00/h below the minimum rate
    "underpayment_youth": 8,  # a youth paid the rate of a younger age
    "underpayment_claim": 5,  # hours from the worker's claim only; paid for fewer hours
    "housing_unauthorised": 15,
    "housing_above_cap": 10,
    "housing_posted": 5,
    "health_unauthorised": 8,
    "other_deduction": 8,
    "cash": 10,
    "holiday_short": 12,
    "no_hours": 6,
    "no_wage": 4,
    "contract_without_payslips": 2,
}
DEFAULT_WORKERS = 2000

NATIONALITIES = [("PL", 34), ("RO", 24), ("BG", 10), ("NL", 8), ("LT", 6), ("HU", 6), ("PT", 6), ("LV", 3),
                 ("SK", 2), ("ES", 1)]

PAYSLIP_COLUMNS = ["payslip_id", "worker_id", "employer_id", "period_start", "period_end", "hours_worked",
                   "overtime_hours", "hours_basis", "gross_wage", "holiday_allowance", "housing_deduction",
                   "housing_authorised", "housing_certified", "health_insurance_deduction",
                   "health_insurance_authorised", "other_deductions", "net_paid_bank", "net_paid_cash"]


# --- legal values (read from the parameter files; the arithmetic on them is this module's own) -------------------

class Law:
    """Hourly minimum wage by date and age, holiday-allowance and housing percentages, health-insurance caps."""

    def __init__(self) -> None:
        from eerlijkwerk.engine.run import load_parameters

        params = load_parameters()
        self.hourly = [(iv.valid_from, iv.valid_to, {int(k): Decimal(v) for k, v in iv.value.items()})
                       for iv in params.timeline("wml.minimumloon_uur")]
        self.holiday_pct = params.value_at("wml.vakantiebijslag_percentage", WINDOW_START)
        self.housing_pct = params.value_at("wml.huisvesting_max_inhouding", WINDOW_START)
        for d in (WINDOW_END, dt.date(2025, 1, 1)):
            assert params.value_at("wml.vakantiebijslag_percentage", d) == self.holiday_pct
            assert params.value_at("wml.huisvesting_max_inhouding", d) == self.housing_pct
        self.health_cap = {y: Decimal(params.value_at("wml.zorgverzekering_max_inhouding", dt.date(y, 6, 30)))
                           for y in range(WINDOW_START.year, WINDOW_END.year + 1)}
        # the compliant pay rule relies on rates that never fall, over time or with age, inside the window
        inside = [rates for (f, t, rates) in self.hourly if f <= WINDOW_END and (t is None or t > WINDOW_START)]
        assert inside and self.interval(WINDOW_START) is not None and self.interval(WINDOW_END) is not None
        for a, b in zip(inside, inside[1:]):
            assert all(b[k] >= a[k] for k in a)
        for rates in inside:
            ages = sorted(rates)
            assert all(rates[x] <= rates[y] for x, y in zip(ages, ages[1:]))

    def interval(self, d: dt.date) -> int | None:
        for i, (f, t, _) in enumerate(self.hourly):
            if f <= d and (t is None or d < t):
                return i
        return None

    def rate(self, d: dt.date, age: int) -> Decimal:
        return self.hourly[self.interval(d)][2][min(age, ADULT_AGE)]


def age_on(birth: dt.date, d: dt.date) -> int:
    """Completed years on ``d`` (birth dates here are never 29 February)."""
    return d.year - birth.year - (1 if (d.month, d.day) < (birth.month, birth.day) else 0)


def cents_up(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_CEILING)


def cents_down(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_FLOOR)


def cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


# --- the population -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Employer:
    employer_id: str
    role: str
    legal_form: str
    sector_sbi: str
    pay_weeks: int = 0  # 1 = weekly, 4 = 4-weekly pay periods; 0 = does not pay (inlener)
    posting: bool = False  # a foreign agency posting workers to the Netherlands
    share: int = 0  # weight when assigning workers


EMPLOYERS = [
    Employer("90000001", "uitlener", "legal_person", "7820", pay_weeks=1, share=30),
    Employer("90000002", "uitlener", "legal_person", "7820", pay_weeks=1, share=24),
    Employer("90000003", "uitlener", "legal_person", "7820", pay_weeks=4, share=23),
    Employer("90000004", "uitlener", "legal_person", "7830", pay_weeks=4, share=18),
    Employer("90000005", "werkgever", "natural_person", "0113", pay_weeks=1, share=2),  # tuinder, eenmanszaak
    Employer("PL-KRS-0000459812", "uitlener", "legal_person", "7820", pay_weeks=1, posting=True, share=2),
    Employer("90000011", "inlener", "legal_person", "1011"),  # meat processing
    Employer("90000012", "inlener", "legal_person", "5210"),  # warehousing / distribution
    Employer("90000013", "inlener", "legal_person", "0113"),  # greenhouse horticulture
    Employer("90000014", "inlener", "legal_person", "4631"),  # wholesale fruit and vegetables
]


@dataclass
class Worker:
    worker_id: str
    birth: dt.date
    nationality: str
    margin: Decimal  # EUR/h above the highest minimum rate of the period
    tax_rate: Decimal  # crude wage-tax stand-in for the net pay (not audited)
    rent_week: Decimal  # agency housing per week (0 = own housing)
    health_week: Decimal  # collective health insurance per week (0 = none through the employer)
    part_time: Decimal | None  # contracted hours per week when part-time


@dataclass
class Contract:
    contract_id: str
    worker: Worker
    employer: Employer
    start: dt.date
    end: dt.date | None
    contract_type: str
    fulltime: Decimal
    posted: bool
    periods: list[tuple[dt.date, dt.date]] = field(default_factory=list)


@dataclass
class Slip:
    payslip_id: str
    contract: Contract
    start: dt.date
    end: dt.date
    hours: Decimal | None
    overtime: Decimal
    hours_basis: str = "records"
    gross: Decimal | None = None
    holiday: Decimal = ZERO
    housing: Decimal = ZERO
    housing_authorised: bool = False
    housing_certified: bool = False
    health: Decimal = ZERO
    health_authorised: bool = False
    other: Decimal = ZERO
    bank: Decimal = ZERO
    cash: Decimal = ZERO
    weeks: int = 1
    tag: str = ""  # planted kind, "" = compliant

    @property
    def worker(self) -> Worker:
        return self.contract.worker


def _weighted(rng: random.Random, items: list[tuple[Any, int]]) -> Any:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def _money(rng: random.Random, lo: str, hi: str, step: str = "0.50") -> Decimal:
    lo_d, hi_d, st = Decimal(lo), Decimal(hi), Decimal(step)
    n = int((hi_d - lo_d) / st)
    return (lo_d + st * rng.randint(0, n)).quantize(CENT)


def _birth(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    while True:
        d = first + dt.timedelta(days=rng.randint(0, (last - first).days))
        if not (d.month == 2 and d.day == 29):
            return d


def _make_workers(rng: random.Random, n: int) -> list[Worker]:
    workers = []
    for i in range(n):
        youth = rng.random() < 0.09
        if youth:  # 18–20 on 2024-07-01; those born before 2005-07-01 turn 21 inside the window
            birth = _birth(rng, dt.date(2003, 7, 2), dt.date(2006, 6, 30))
        else:
            birth = _birth(rng, dt.date(1966, 1, 1), dt.date(2003, 7, 1))
        nat = _weighted(rng, NATIONALITIES)
        migrant = nat != "NL"
        workers.append(Worker(
            worker_id=f"W{i + 1:05d}",
            birth=birth,
            nationality=nat,
            margin=Decimal("0.05") * rng.randint(10, 60),
            tax_rate=Decimal(rng.randint(3, 12)) / HUNDRED,
            rent_week=_money(rng, "85.00", "125.00") if migrant and rng.random() < 0.7 else ZERO,
            health_week=_money(rng, "30.00", "33.00", "0.25") if migrant and rng.random() < 0.6 else ZERO,
            part_time=Decimal(rng.choice([16, 20, 24, 28, 32])) if rng.random() < 0.15 else None,
        ))
    return workers


def _grid(pay_weeks: int) -> list[tuple[dt.date, dt.date]]:
    out = []
    start = WINDOW_START
    while True:
        end = start + dt.timedelta(days=7 * pay_weeks - 1)
        if end > WINDOW_END:
            return out
        out.append((start, end))
        start = end + dt.timedelta(days=1)


GRIDS = {1: _grid(1), 4: _grid(4)}


def _make_contracts(rng: random.Random, workers: list[Worker]) -> list[Contract]:
    payers = [e for e in EMPLOYERS if e.pay_weeks]
    regular = [(e, e.share) for e in payers if not e.posting]
    posting = next(e for e in payers if e.posting)
    n_posted = max(10, round(len(workers) * 0.015))
    posted_ids = {w.worker_id for w in rng.sample(workers, n_posted)}
    contracts: list[Contract] = []
    for w in workers:
        if w.worker_id in posted_ids:
            spells = [posting]
        else:
            spells = [_weighted(rng, regular)]
            if rng.random() < 0.25:  # a second spell: back next season, or with another agency
                spells.append(spells[0] if rng.random() < 0.5 else _weighted(rng, regular))
        free_from = WINDOW_START
        for emp in spells:
            grid = GRIDS[emp.pay_weeks]
            weeks = _weighted(rng, [((8, 26), 50), ((26, 60), 30), ((60, 104), 20)])
            n = max(1, -(-rng.randint(*weeks) // emp.pay_weeks))
            first_ok = next((i for i, (s, _) in enumerate(grid) if s >= free_from), None)
            if first_ok is None:
                break
            last_start = max(first_ok, len(grid) - n)
            i0 = rng.randint(first_ok, last_start) if len(contracts) % 3 else first_ok  # a third start on day one
            periods = grid[i0:i0 + n]
            if not periods:
                break
            start, end = periods[0][0], periods[-1][1]
            open_ended = periods[-1] == grid[-1] and rng.random() < 0.5
            if emp.posting:
                ctype, posted = "uitzend", True
            elif emp.legal_form == "natural_person":
                ctype, posted = _weighted(rng, [("bepaalde_tijd", 3), ("oproep", 1)]), False
            else:
                ctype, posted = _weighted(rng, [("uitzend", 88), ("payroll", 5), ("onbepaalde_tijd", 4),
                                                ("bepaalde_tijd", 3)]), False
            fulltime = Decimal(_weighted(rng, [(40, 50), (38, 38), (36, 12)]))
            contracts.append(Contract(
                contract_id=f"C{len(contracts) + 1:05d}", worker=w, employer=emp, start=start,
                end=None if open_ended else end, contract_type=ctype, fulltime=fulltime, posted=posted,
                periods=periods))
            free_from = end + dt.timedelta(days=rng.randint(14, 120))
    return contracts


# --- pay ------------------------------------------------------------------------------------------------------------

def _week_hours(rng: random.Random, w: Worker, fulltime: Decimal) -> Decimal:
    base = w.part_time or fulltime
    r = rng.random()
    if r < 0.08:  # a short week: holiday day, sick day, no work
        return max(Decimal(8), base - Decimal(8) * rng.randint(1, 2))
    if r < 0.50:  # overtime
        return base + Decimal("0.25") * rng.randint(2, 40)
    return base


class Payroll:
    def __init__(self, law: Law, rng: random.Random):
        self.law = law
        self.rng = rng

    # the law for one period, simply: one rate and one age band (planted rows only)
    def simple(self, s: Slip) -> bool:
        w = s.worker
        return (self.law.interval(s.start) == self.law.interval(s.end)
                and min(age_on(w.birth, s.start), ADULT_AGE) == min(age_on(w.birth, s.end), ADULT_AGE))

    def exact_due(self, s: Slip, hours: Decimal | None = None) -> Decimal:
        assert self.simple(s)
        return (s.hours if hours is None else hours) * self.law.rate(s.end, age_on(s.worker.birth, s.end))

    def due(self, s: Slip) -> Decimal:
        return cents(self.exact_due(s))  # half-up to the cent, as the engine (docs/engine.md "Exact money")

    def holiday_due(self, s: Slip) -> Decimal:
        return cents_up(self.exact_due(s) * self.law.holiday_pct / HUNDRED)

    def housing_cap(self, s: Slip) -> Decimal:
        return cents_down(self.exact_due(s) * self.law.housing_pct / HUNDRED)

    # bounds that hold for any period, also one that straddles a rate change or a birthday
    def max_rate(self, s: Slip) -> Decimal:
        return self.law.rate(s.end, age_on(s.worker.birth, s.end))

    def min_rate(self, s: Slip) -> Decimal:
        return self.law.rate(s.start, age_on(s.worker.birth, s.start))

    def compliant(self, s: Slip) -> None:
        """Fill the money columns of a clearly compliant payslip."""
        w, c = s.worker, s.contract
        rate = self.max_rate(s) + w.margin
        normal = s.hours - s.overtime
        s.gross = cents(normal * rate + s.overtime * rate * OVERTIME_PREMIUM)
        s.holiday = cents(s.gross * self.law.holiday_pct / HUNDRED)
        if w.rent_week and not c.posted:
            lowest_cap = cents_down(s.hours * self.min_rate(s) * self.law.housing_pct / HUNDRED)
            s.housing = min(w.rent_week * s.weeks, lowest_cap)
            s.housing_authorised = s.housing_certified = True
        if w.health_week and not c.posted:
            s.health = w.health_week * s.weeks
            s.health_authorised = True
        if self.rng.random() < 0.03:  # small deduction from the part of the wage above the minimum
            other = Decimal(self.rng.choice(["2.50", "5.00", "7.50"])) * s.weeks
            if s.gross - other >= cents_up(s.hours * self.max_rate(s)) + Decimal(10):
                s.other = other
        self.net(s)

    def net(self, s: Slip, cash: Decimal = ZERO) -> None:
        gross = s.gross or ZERO
        tax = cents(gross * s.worker.tax_rate)
        net = max(ZERO, gross - tax - s.housing - s.health - s.other)
        s.cash = min(cash, net)
        s.bank = net - s.cash


def _make_slips(rng: random.Random, payroll: Payroll, contracts: list[Contract], skip: set[str]) -> list[Slip]:
    slips: list[Slip] = []
    for c in contracts:
        if c.contract_id in skip:
            continue
        for start, end in c.periods:
            weeks = c.employer.pay_weeks
            hours = sum((_week_hours(rng, c.worker, c.fulltime) for _ in range(weeks)), Decimal(0))
            overtime = max(Decimal(0), hours - (c.worker.part_time or c.fulltime) * weeks)
            s = Slip(payslip_id="", contract=c, start=start, end=end, hours=hours, overtime=overtime, weeks=weeks)
            payroll.compliant(s)
            slips.append(s)
    slips.sort(key=lambda s: (s.start, s.contract.employer.employer_id, s.worker.worker_id))
    for i, s in enumerate(slips):
        s.payslip_id = f"P{i + 1:07d}"
    return slips


# --- planted violations ---------------------------------------------------------------------------------------------

def _finding(rule: str, s: Slip, **values: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"rule": rule, "payslip_id": s.payslip_id, "worker_id": s.worker.worker_id,
                           "employer_id": s.contract.employer.employer_id, "period_start": s.start.isoformat(),
                           "period_end": s.end.isoformat(), "kind": s.tag}
    for k, v in values.items():
        out[k] = str(v) if isinstance(v, Decimal) else v
    out.setdefault("presumption", s.hours_basis == "worker_claim")
    return out


def _at_minimum(payroll: Payroll, s: Slip) -> Decimal:
    """Gross exactly the minimum wage due; holiday allowance 8% of it, rounded up (>= 8% of the exact due)."""
    s.gross = payroll.due(s)
    s.holiday = cents_up(s.gross * payroll.law.holiday_pct / HUNDRED)
    s.other = ZERO
    return s.gross


def _underpayment(payroll: Payroll, s: Slip, unlawful: Decimal = ZERO) -> dict[str, Any]:
    due = payroll.due(s)
    paid = s.gross - unlawful
    assert paid < due, s
    return _finding("wml.underpayment", s, due=due, paid=paid, shortfall=due - paid, amount=unlawful)


def _plant(rng: random.Random, payroll: Payroll, slips: list[Slip], n: dict[str, int]) -> list[dict[str, Any]]:
    law = payroll.law
    candidates = [s for s in slips if payroll.simple(s)]
    rng.shuffle(candidates)
    used_workers: set[str] = set()
    findings: list[dict[str, Any]] = []

    def pick(kind: str, count: int, ok) -> list[Slip]:
        got = []
        for s in candidates:
            if len(got) == count:
                break
            if s.tag or s.worker.worker_id in used_workers or not ok(s):
                continue
            s.tag = kind
            used_workers.add(s.worker.worker_id)
            got.append(s)
        if len(got) < count:
            raise ValueError(f"not enough payslips to plant {count} × {kind}; generate more workers")
        return got

    posted = lambda s: s.contract.posted  # noqa: E731
    not_posted = lambda s: not s.contract.posted  # noqa: E731

    # scarce kinds first
    for s in pick("housing_posted", n["housing_posted"], posted):
        _at_minimum(payroll, s)
        s.housing = _money(rng, "80.00", "110.00") * s.weeks
        s.housing_authorised = s.housing_certified = True  # still unlawful: posted worker (WagwEU)
        payroll.net(s)
        findings.append(_finding("wml.housing_deduction", s, due=s.gross, paid=s.gross - s.housing,
                                 shortfall=s.housing, amount=s.housing, reason="posted_worker",
                                 threshold=payroll.housing_cap(s)))
        findings.append(_underpayment(payroll, s, s.housing))

    def youth_ok(s: Slip) -> bool:
        return age_on(s.worker.birth, s.end) in (19, 20)

    for s in pick("underpayment_youth", n["underpayment_youth"], youth_ok):
        age = age_on(s.worker.birth, s.end)
        wrong = law.rate(s.end, age - 1 if rng.random() < 0.6 else 18)  # the rate of a younger age
        s.gross = cents(s.hours * wrong)
        s.holiday = max(cents(s.gross * law.holiday_pct / HUNDRED), payroll.holiday_due(s))
        s.other = ZERO
        payroll.net(s)
        findings.append(_underpayment(payroll, s))

    for s in pick("underpayment_rate", n["underpayment_rate"], lambda s: True):
        rate = payroll.max_rate(s) - Decimal("0.05") * rng.randint(10, 40)
        s.gross = cents(s.hours * rate)  # every hour, overtime included, at the reduced flat rate
        s.holiday = max(cents(s.gross * law.holiday_pct / HUNDRED), payroll.holiday_due(s))
        s.other = ZERO
        payroll.net(s)
        findings.append(_underpayment(payroll, s))

    for s in pick("underpayment_claim", n["underpayment_claim"], lambda s: s.hours >= 24 * s.weeks):
        # the worker says they worked 6–14 h a week more than the agency paid for (hours_worked holds the claim);
        # the paid hours are at the minimum rate + at most EUR 0.50, so the unpaid hours always leave a shortfall
        s.hours_basis = "worker_claim"
        paid_hours = s.hours - Decimal(rng.randint(6, 14) * s.weeks)
        s.gross = cents(paid_hours * (payroll.max_rate(s) + min(s.worker.margin, Decimal("0.50"))))
        s.holiday = max(cents(s.gross * law.holiday_pct / HUNDRED), payroll.holiday_due(s))
        s.other = ZERO
        payroll.net(s)
        findings.append(_underpayment(payroll, s))

    for s in pick("housing_unauthorised", n["housing_unauthorised"], not_posted):
        _at_minimum(payroll, s)
        s.housing = (s.worker.rent_week or _money(rng, "85.00", "125.00")) * s.weeks
        s.housing_authorised, s.housing_certified = False, rng.random() < 0.7
        payroll.net(s)
        findings.append(_finding("wml.housing_deduction", s, due=s.gross, paid=s.gross - s.housing,
                                 shortfall=s.housing, amount=s.housing, reason="no_written_authorisation",
                                 threshold=payroll.housing_cap(s)))
        findings.append(_underpayment(payroll, s, s.housing))

    for s in pick("housing_above_cap", n["housing_above_cap"], not_posted):
        _at_minimum(payroll, s)
        cap = payroll.housing_cap(s)
        s.housing = cap + _money(rng, "5.00", "60.00", "0.25")
        s.housing_authorised = s.housing_certified = True
        payroll.net(s)
        unlawful = s.housing - cap
        findings.append(_finding("wml.housing_deduction", s, due=s.gross, paid=s.gross - unlawful,
                                 shortfall=unlawful, amount=unlawful, reason="above_cap", threshold=cap))
        findings.append(_underpayment(payroll, s, unlawful))

    for s in pick("health_unauthorised", n["health_unauthorised"], not_posted):
        _at_minimum(payroll, s)
        s.health = (s.worker.health_week or Decimal("32.50")) * s.weeks
        s.health_authorised = False
        payroll.net(s)
        findings.append(_finding("wml.health_insurance_deduction", s, due=s.gross, paid=s.gross - s.health,
                                 shortfall=s.health, amount=s.health, reason="no_written_authorisation"))
        findings.append(_underpayment(payroll, s, s.health))

    for s in pick("other_deduction", n["other_deduction"], lambda s: True):
        _at_minimum(payroll, s)
        what, amount = rng.choice([("boete (te laat)", "50.00"), ("boete (no-show)", "75.00"),
                                   ("gereedschap", "25.00"), ("werkkleding", "40.00"), ("veiligheidsschoenen", "59.95"),
                                   ("vervoer", "20.00"), ("administratiekosten", "15.00")])
        s.other = Decimal(amount)
        payroll.net(s)
        findings.append(_finding("wml.other_deduction", s, due=s.gross, paid=s.gross - s.other,
                                 shortfall=s.other, amount=s.other, reason="deduction_not_allowed", note=what))
        findings.append(_underpayment(payroll, s, s.other))

    for s in pick("cash", n["cash"], lambda s: True):
        _at_minimum(payroll, s)
        payroll.net(s)  # all to the bank first, then most of it moved to cash
        bank = min(_money(rng, "20.00", "60.00", "5.00"), cents_down(s.bank / 4))
        s.cash, s.bank = s.bank - bank, bank
        assert s.cash > 0
        # gross is exactly the minimum: nothing above it may be paid in cash (threshold = gross − due = 0.00)
        findings.append(_finding("wml.cash_payment", s, due=s.gross, amount=s.cash, threshold=ZERO))

    for s in pick("holiday_short", n["holiday_short"], lambda s: True):
        # gross stays the compliant wage above the minimum; too little holiday allowance reserved
        pct = Decimal(rng.choice(["0", "4", "5", "6"]))
        s.holiday = cents_down(s.gross * pct / HUNDRED)
        due = payroll.holiday_due(s)
        assert s.holiday < due and s.gross >= payroll.due(s) + s.other
        findings.append(_finding("wml.holiday_allowance", s, due=due, paid=s.holiday, shortfall=due - s.holiday))

    for s in pick("no_hours", n["no_hours"], lambda s: True):
        s.hours, s.overtime = None, None
        findings.append(_finding("wml.records_missing", s, reason="hour records"))

    for s in pick("no_wage", n["no_wage"], lambda s: True):
        s.gross = None
        findings.append(_finding("wml.records_missing", s, reason="wage records"))

    return findings


# --- output ---------------------------------------------------------------------------------------------------------

def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return str(v.quantize(CENT))
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        wr = csv.writer(fh, lineterminator="\n")
        wr.writerow(header)
        wr.writerows([_fmt(v) for v in r] for r in rows)


def _scaled(workers: int) -> dict[str, int]:
    if workers >= DEFAULT_WORKERS:
        return dict(PLANTED)
    return {k: max(1, round(v * workers / DEFAULT_WORKERS)) for k, v in PLANTED.items()}


#: the demo's size range: below MIN_WORKERS not every kind of violation can be planted
MIN_WORKERS, MAX_WORKERS = 200, 200_000


def generate(out_dir: Path, seed: int = 2026, workers: int = DEFAULT_WORKERS, migration: bool = True) -> dict:
    """Write the demo dataset to ``out_dir`` (created if needed) and return the manifest (also in planted.json).

    With ``migration`` (the default) :func:`eerlijkwerk.demo_migration.add_migration` then adds work permits,
    placements, postings, lenders' registrations and accidents, with their planted violations, to the same folder."""
    if not MIN_WORKERS <= workers <= MAX_WORKERS:
        raise ValueError(f"the demo needs {MIN_WORKERS:,} to {MAX_WORKERS:,} workers (at least {MIN_WORKERS} to plant "
                         f"every kind of violation); got {workers:,}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    law = Law()
    payroll = Payroll(law, rng)
    n = _scaled(workers)

    people = _make_workers(rng, workers)
    contracts = _make_contracts(rng, people)

    # contracts of which no payslip at all exists (the worker has no other contract with that employer)
    per_pair: dict[tuple[str, str], int] = defaultdict(int)
    for c in contracts:
        per_pair[(c.worker.worker_id, c.employer.employer_id)] += 1
    lone = [c for c in contracts if per_pair[(c.worker.worker_id, c.employer.employer_id)] == 1 and not c.posted]
    no_slips = rng.sample(lone, n["contract_without_payslips"])
    skip = {c.contract_id for c in no_slips}

    slips = _make_slips(rng, payroll, contracts, skip)
    findings = _plant(rng, payroll, slips, n)
    for c in no_slips:
        findings.append({"rule": "wml.records_missing", "contract_id": c.contract_id, "worker_id": c.worker.worker_id,
                         "employer_id": c.employer.employer_id, "period_start": c.start.isoformat(),
                         "period_end": c.end.isoformat() if c.end else None, "kind": "contract_without_payslips",
                         "reason": "payslips at all (contract without any pay record)", "presumption": False})

    # sanity: health-insurance deductions per worker, employer and year of period_end stay within the year's cap
    health: dict[tuple[str, str, int], Decimal] = defaultdict(Decimal)
    for s in slips:
        health[(s.worker.worker_id, s.contract.employer.employer_id, s.end.year)] += s.health
    assert all(v <= law.health_cap[k[2]] for k, v in health.items())

    # files
    headcount: dict[str, int] = defaultdict(int)
    for c in contracts:
        headcount[c.employer.employer_id] += 1
    _write(out_dir / "employers.csv", ["employer_id", "role", "legal_form", "sector_sbi", "headcount"],
           [[e.employer_id, e.role, e.legal_form, e.sector_sbi,
             headcount[e.employer_id] if e.pay_weeks else rng.randint(150, 900)] for e in EMPLOYERS])
    _write(out_dir / "workers.csv", ["worker_id", "birth_date", "nationality"],
           [[w.worker_id, w.birth, w.nationality] for w in people])
    _write(out_dir / "contracts.csv", ["contract_id", "worker_id", "employer_id", "start_date", "end_date",
                                       "contract_type", "fulltime_hours_per_week", "posted_worker"],
           [[c.contract_id, c.worker.worker_id, c.employer.employer_id, c.start, c.end, c.contract_type,
             int(c.fulltime), c.posted] for c in contracts])
    _write(out_dir / "payslips.csv", PAYSLIP_COLUMNS,
           [[s.payslip_id, s.worker.worker_id, s.contract.employer.employer_id, s.start, s.end, s.hours, s.overtime,
             s.hours_basis, s.gross, s.holiday, s.housing, s.housing_authorised, s.housing_certified, s.health,
             s.health_authorised, s.other, s.bank, s.cash] for s in slips])

    counts: dict[str, int] = defaultdict(int)
    for f in findings:
        counts[f["rule"]] += 1
    under = sum((Decimal(f["shortfall"]) for f in findings if f["rule"] == "wml.underpayment"), ZERO)
    presumed = sum((Decimal(f["shortfall"]) for f in findings if f["rule"] == "wml.underpayment" and f["presumption"]),
                   ZERO)
    holiday = sum((Decimal(f["shortfall"]) for f in findings if f["rule"] == "wml.holiday_allowance"), ZERO)
    manifest = {
        "seed": seed,
        "workers": workers,
        "window": {"first_period_start": WINDOW_START.isoformat(), "last_period_end": max(s.end for s in slips).isoformat()},
        "rows": {"employers": len(EMPLOYERS), "workers": len(people), "contracts": len(contracts), "payslips": len(slips)},
        "planted": n,
        "counts": dict(sorted(counts.items())),
        "findings": findings,
        "totals": {
            "back_pay_owed": str(under + holiday),  # minimum wage shortfalls + holiday-allowance shortfalls
            "underpayment_shortfall": str(under),
            "of_which_presumed": str(presumed),
            "holiday_allowance_shortfall": str(holiday),
        },
        "notes": ("Deduction findings (housing, health insurance, other) repeat the shortfall of the underpayment "
                  "finding of the same payslip; back_pay_owed counts it once."),
    }
    (out_dir / "planted.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if migration:
        from eerlijkwerk.demo_migration import add_migration

        manifest = add_migration(out_dir, manifest, seed)
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="eerlijkwerk demo", description="Write the demo staffing-agency dataset.")
    ap.add_argument("--out", type=Path, required=True, help="folder to write the CSV files and planted.json into")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    args = ap.parse_args(argv)
    m = generate(args.out, seed=args.seed, workers=args.workers)
    print(f"{m['rows']['payslips']} payslips for {m['rows']['workers']} workers written to {args.out}; "
          f"planted: {', '.join(f'{k} {v}' for k, v in m['counts'].items())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
