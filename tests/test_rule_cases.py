"""Every rule has a finding case and a lawful twin at its legal boundary (issue 10, item 7).

``CASES`` maps every rule id to a :class:`Case`: one builder of a small synthetic record set (docs/input-format.md)
called with two values — ``finding`` and ``lawful`` — so that the two halves differ only in that value, which sits at
the rule's boundary (one cent, one minute, one day, one dienst, one worker). The finding half must give at least one
finding of the rule with the values in ``expect`` (computed from the official amount named in the case's ``source``);
the lawful twin must give none. ``test_every_rule_has_both_cases`` fails as soon as a rule is added without cases.

Speed: an audit costs seconds, a case's records nothing. Every half gets its own workers and employers (ids start with
the half's tag, e.g. ``C07F-E1``), so the halves of all cases that share a scenario are written into one record set and
audited once; a finding belongs to the half whose tag its employer carries. The halves do not interact: WML, Atw and
Wav norms are per worker, Waadi/WagwEU/Arbowet norms per employer, Atw record keeping per employer with shift records,
Wav only checks workers with a nationality, and every placement is closed (an open one would run to the last payslip
of the whole audit). ``EERLIJKWERK_CASES_ISOLATED=1`` audits every half on its own instead (slow; to check that sharing
does not change a result).

Sources are in each case (``source``); where a value is not confirmed in the parameter files it says so. Amounts:
WML hourly minimum 21+ EUR 14.40 from 2025-07-01 (Regeling indexatie WML per 1 juli 2025, Stcrt. 2025, 12264), EUR
14.06 from 2025-01-01; the Atw norms of art. 5:3-5:8 Atw (https://wetten.overheid.nl/BWBR0007671, parameters of
law/atw).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest

from eerlijkwerk import law
from eerlijkwerk.engine.rules import RULES
from eerlijkwerk.engine.run import run_audit
from eerlijkwerk.engine.scenario import Scenario
from tests.helpers import PAYSLIP_DEFAULTS, days, weekly_rest_weeks, write_table

Tables = dict[str, list[dict[str, Any]]]
ROOT = Path(__file__).parent.parent
D = Decimal
ADULT = "1990-05-05"
MON = dt.date(2025, 3, 3)  # a Monday
WML_WEEK = {"period_start": "2025-07-07", "period_end": "2025-07-13", "hours_worked": "40"}  # Mon..Sun


@dataclass(frozen=True)
class Case:
    """``build(tag, value)`` -> the tables of one half; ``finding``/``lawful``: the value of each half; ``expect``:
    fields that a finding of the finding half must have; ``scenario``: None (law in force and adopted law), a shipped
    scenario (scenarios/<name>.yaml) or a key of :data:`SCENARIOS`; ``source``: the legal source and official value."""

    build: Callable[[str, Any], Tables]
    finding: Any
    lawful: Any
    expect: dict[str, Any]
    source: str
    scenario: str | None = None

    def half(self, tag: str, which: str) -> Tables:
        return self.build(tag, self.finding if which == "finding" else self.lawful)


# --- builders of the record sets -------------------------------------------------------------------------------

def _emp(tag: str, n: int = 1, **kw) -> dict[str, Any]:
    return {"employer_id": f"{tag}-E{n}", "role": "werkgever", "legal_form": "legal_person", "headcount": "60", **kw}


def _worker(tag: str, n: int = 1, birth: str = ADULT, nationality: str | None = None) -> dict[str, Any]:
    return {"worker_id": f"{tag}-W{n}", "birth_date": birth, "nationality": nationality}


def _slip(tag: str, n: int = 1, worker: int = 1, employer: int = 1, **kw) -> dict[str, Any]:
    return {"payslip_id": f"{tag}-P{n}", "worker_id": f"{tag}-W{worker}", "employer_id": f"{tag}-E{employer}",
            **PAYSLIP_DEFAULTS, **kw}


def wml(**slip) -> Callable[[str, Any], Tables]:
    """One adult worker (21+), one payslip; ``slip`` values may be functions of the case value."""
    def build(tag: str, v: Any) -> Tables:
        row = {k: (x(v) if callable(x) else x) for k, x in slip.items()}
        return {"employers": [_emp(tag)], "workers": [_worker(tag)], "payslips": [_slip(tag, **row)]}
    return build


def atw(shifts: Callable[[Any], list[tuple]], birth: Callable[[Any], str] | str = ADULT,
        payslips: list[dict[str, Any]] | None = None) -> Callable[[str, Any], Tables]:
    """One worker's shifts, (start, end, break minutes) in local time, at an employer of 60."""
    def build(tag: str, v: Any) -> Tables:
        rows = [{"shift_id": f"{tag}-S{i}", "worker_id": f"{tag}-W1", "employer_id": f"{tag}-E1", "start_at": s,
                 "end_at": e, "break_minutes": b} for i, (s, e, b) in enumerate(shifts(v), 1)]
        t: Tables = {"employers": [_emp(tag)], "workers": [_worker(tag, birth=birth(v) if callable(birth) else birth)],
                     "shifts": rows}
        if payslips:
            t["payslips"] = [_slip(tag, i, **p) for i, p in enumerate(payslips, 1)]
        return t
    return build


def last_ends(shifts: list[tuple], end: str) -> list[tuple]:
    """The shifts with the last one ending at clock time ``end`` (same day as before)."""
    s, e, b = shifts[-1]
    return shifts[:-1] + [(s, e[:11] + end, b)]


LENDER_SLIP = {"period_start": "2025-03-03", "period_end": "2025-03-09", "hours_worked": "40", "gross_wage": "700.00",
               "holiday_allowance": "60.00"}  # lawful under the WML: 40 × 14.06 = 562.40, 8% = 45.00


def lending(placements: Callable[[Any], list[tuple]], admissions: Callable[[Any], list[tuple]],
            accidents: Callable[[Any], list[dict[str, Any]]] | None = None,
            verifications: Callable[[Any], list[dict[str, Any]]] | None = None,
            hirer: dict[str, Any] | None = None) -> Callable[[str, Any], Tables]:
    """Lender E1 (pays the worker, a lawful 2025 payslip), hirer E2 (60 employees); placements as (worker number,
    start, end) at workplace site-1 (always closed); admissions as (kind, valid_from, valid_to) of the lender."""
    def build(tag: str, v: Any) -> Tables:
        pls = placements(v)
        workers = sorted({w for w, _, _ in pls})
        t: Tables = {
            "employers": [_emp(tag, role="uitlener"), _emp(tag, 2, role="inlener", **(hirer or {}))],
            "workers": [_worker(tag, w, nationality="PL") for w in workers],
            "payslips": [_slip(tag, w, worker=w, **LENDER_SLIP) for w in workers],
            "placements": [{"placement_id": f"{tag}-PL{i}", "worker_id": f"{tag}-W{w}", "uitlener_id": f"{tag}-E1",
                            "inlener_id": f"{tag}-E2", "workplace": "site-1", "start_date": s, "end_date": e}
                           for i, (w, s, e) in enumerate(pls, 1)],
            "admissions": [{"admission_id": f"{tag}-A{i}", "employer_id": f"{tag}-E1", "kind": k, "valid_from": s,
                            "valid_to": e} for i, (k, s, e) in enumerate(admissions(v), 1)],
        }
        if accidents:
            t["accidents"] = [{"accident_id": f"{tag}-AC{i}", "employer_id": f"{tag}-E2", "worker_id": f"{tag}-W1",
                               "workplace": "site-1", **a} for i, a in enumerate(accidents(v), 1)]
        if verifications:
            t["verifications"] = [{"verification_id": f"{tag}-V{i}", "accident_id": f"{tag}-AC1",
                                   "uitlener_id": f"{tag}-E1", **x} for i, x in enumerate(verifications(v), 1)]
        return t
    return build


def posting(client: bool) -> Callable[[str, Any], Tables]:
    """A worker posted by foreign employer E1 from 2025-03-03, notified on the value (None: not notified); with
    ``client`` the Dutch client E2."""
    def build(tag: str, v: Any) -> Tables:
        emps = [_emp(tag)] + ([_emp(tag, 2)] if client else [])
        return {"employers": emps, "workers": [_worker(tag, nationality="PL")],
                "postings": [{"posting_id": f"{tag}-PO1", "worker_id": f"{tag}-W1", "employer_id": f"{tag}-E1",
                              "client_id": f"{tag}-E2" if client else None, "start_date": "2025-03-03",
                              "end_date": "2025-03-28", "notified_on": v}]}
    return build


def permit_case(nationality: str, permit: dict[str, Any], slip: dict[str, Any],
                birth: str = ADULT) -> Callable[[str, Any], Tables]:
    """A foreign worker, one payslip at E1 and one permit; permit values may be functions of the case value."""
    def build(tag: str, v: Any) -> Tables:
        pm = {k: (x(v) if callable(x) else x) for k, x in permit.items()}
        sl = {k: (x(v) if callable(x) else x) for k, x in slip.items()}
        return {"employers": [_emp(tag)], "workers": [_worker(tag, birth=birth, nationality=nationality)],
                "payslips": [_slip(tag, **sl)],
                "permits": [{"permit_id": f"{tag}-M1", "worker_id": f"{tag}-W1", "employer_id": f"{tag}-E1", **pm}]}
    return build


def _weekly_rest(first_saturday_end: str) -> list[tuple]:
    return weekly_rest_weeks(MON, first_saturday_end)


def _series(n: int) -> list[tuple]:
    """n - 1 day diensten on consecutive days, then a night dienst (22:00-05:00) on the next day."""
    return days(MON, n - 1, "08:00", "16:00", 30) + [(f"{MON + dt.timedelta(days=n - 1)} 22:00",
                                                       f"{MON + dt.timedelta(days=n)} 05:00", 30)]


def _late_nights(n: int) -> list[tuple]:
    """n night diensten 22:00-06:00 (7.5 h of work, ending after 02:00), every 2, 2, 3 days: 37 fit in 13 weeks."""
    out, d = [], MON
    for i in range(n):
        out.append((f"{d} 22:00", f"{d + dt.timedelta(days=1)} 06:00", 30))
        d += dt.timedelta(days=3 if i % 3 == 2 else 2)
    return out


_AV4 = [s for w in range(4) for s in days(MON + dt.timedelta(weeks=w), 5, "07:00", "18:45", 45)]  # 4 × 5 × 11 h
_AV16 = [s for w in range(16) for s in days(MON + dt.timedelta(weeks=w), 4, "07:00", "17:30", 30)
         + days(MON + dt.timedelta(weeks=w, days=4), 1, "07:00", "15:30", 30)]  # 16 × (4 × 10 h + 8 h) = 16 × 48 h
_NAV = [(f"{d} 19:30", f"{d + dt.timedelta(days=1)} 06:15", 45)  # 16 weeks × 4 night diensten of 10 h
        for w in range(16) for d in [MON + dt.timedelta(weeks=w, days=k) for k in range(4)]]
_NIGHTS3 = days(MON, 3, "22:00", "06:00", 30, next_day_end=True)

ATW = "https://wetten.overheid.nl/BWBR0007671"
WML = "https://wetten.overheid.nl/BWBR0002638"
WML_RATE = "EUR 14.40/h for 21+ from 2025-07-01 (Regeling indexatie WML per 1 juli 2025, Stcrt. 2025, 12264)"
SECTOR_BAN = "sector-ban-what-if"


# --- the cases -------------------------------------------------------------------------------------------------

CASES: dict[str, Case] = {
    # WML (BWBR0002638). 40 h in 2025-07-07..13 at 14.40 = 576.00 due, exactly (no rounding involved).
    "wml.underpayment": Case(
        wml(**WML_WEEK, holiday_allowance="50.00", gross_wage=lambda v: v), "575.98", "576.00",
        {"due": D("576.00"), "paid": D("575.98"), "shortfall": D("0.02")},
        f"art. 7 en 8 WML ({WML}): 40 h × {WML_RATE} = 576.00; paid 576.00 lawful, 575.98 short by 0.02 (a 2-cent "
        "shortfall: the rounding of the due is being changed, issue 10 item 3)"),
    "wml.housing_deduction": Case(
        wml(**WML_WEEK, gross_wage="576.00", holiday_allowance="50.00", housing_authorised="true",
            housing_certified="true", housing_deduction=lambda v: v), "144.01", "144.00",
        {"threshold": D("144.00"), "amount": D("0.01"), "reason": "above_cap"},
        f"art. 13 WML ({WML}) and wml.huisvesting_max_inhouding: at most 25% of the minimum wage due, 25% × 576.00 "
        "= 144.00 (authorised, certified housing); 144.01 is 0.01 above the cap"),
    "wml.health_insurance_deduction": Case(
        wml(period_start="2025-07-01", period_end="2025-07-31", hours_worked="160", gross_wage="2304.00",
            holiday_allowance="200.00", health_insurance_authorised="true", health_insurance_deduction=lambda v: v),
        "2054.81", "2054.80", {"amount": D("0.01"), "reason": "above_annual_cap", "shortfall": D("0.01")},
        f"art. 13 WML ({WML}), art. 2b Besluit: 2025 annual cap EUR 2,054.80 (1,868 × 1.10; secondary source, "
        "zorgverzekering_max_inhouding.yaml); July 2025, 160 h × 14.40 = 2,304.00 due"),
    "wml.other_deduction": Case(
        wml(**WML_WEEK, gross_wage="586.00", holiday_allowance="50.00", other_deductions=lambda v: v), "10.01",
        "10.00", {"amount": D("10.01"), "shortfall": D("0.01"), "reason": "deduction_not_allowed"},
        f"art. 13 WML ({WML}): no other deduction from the minimum wage; gross 586.00 − due 576.00 leaves 10.00 above "
        "it, from which 10.00 may be deducted, 10.01 cuts 0.01 into the minimum wage"),
    "wml.cash_payment": Case(
        wml(**WML_WEEK, gross_wage="600.00", holiday_allowance="50.00", net_paid_bank="400.00",
            net_paid_cash=lambda v: v), "24.01", "24.00", {"amount": D("24.01"), "threshold": D("24.00")},
        f"art. 7a WML ({WML}): the minimum wage by bank transfer; gross 600.00 − due 576.00 = 24.00 may be paid in "
        "cash"),
    "wml.holiday_allowance": Case(
        wml(**WML_WEEK, gross_wage="576.00", holiday_allowance=lambda v: v), "46.07", "46.08",
        {"due": D("46.08"), "paid": D("46.07"), "shortfall": D("0.01")},
        f"art. 15 WML ({WML}), wml.vakantiebijslag_percentage 8%: 8% × 576.00 = 46.08 exactly"),
    "wml.records_missing": Case(
        wml(period_start="2025-07-07", period_end="2025-07-13", gross_wage="576.00", holiday_allowance="50.00",
            hours_worked=lambda v: v), "", "40", {"reason": "hour records"},
        f"art. 18b lid 2 WML ({WML}): records of hours worked; an empty hours cell is no hour record "
        "(docs/input-format.md)"),

    # Atw (BWBR0007671), workers of 18 and older; diensten from 2025-03-03 (a Monday). Week-based cases keep their
    # work inside Monday..Saturday, so they hold under the Sunday-Saturday week (Beleidsregel 2013) and a
    # Monday-Sunday week alike (issue 10 item 1 is re-reading atw.week_definitie).
    "atw.shift_too_long": Case(
        atw(lambda v: [("2025-03-03 08:00", f"2025-03-03 {v}", 45)]), "20:46", "20:45",
        {"hours": D("12.02"), "threshold": D("12.00")},
        f"art. 5:7 lid 2 onder a Atw ({ATW}): at most 12 h per dienst; 08:00-20:45 with 45 min break = 12 h, to "
        "20:46 = 12 h 1 min (shown rounded up)"),
    "atw.week_too_long": Case(
        atw(lambda v: last_ends(days(MON, 6, "07:00", "17:45", 45), v)), "17:46", "17:45",
        {"hours": D("60.02"), "threshold": D("60.00")},
        f"art. 5:7 lid 2 onder b Atw ({ATW}): at most 60 h per week; Monday-Saturday 6 × 10 h = 60 h, one minute "
        "more on Saturday"),
    "atw.average_4_weeks": Case(
        atw(lambda v: last_ends(_AV4, v)), "18:46", "18:45", {"hours": D("55.01"), "threshold": D("55.00")},
        f"art. 5:7 lid 3 Atw ({ATW}): at most 55 h a week on average over 4 consecutive weeks; 4 × 5 × 11 h = "
        "55 h average, one minute more in the fourth week"),
    "atw.average_16_weeks": Case(
        atw(lambda v: last_ends(_AV16, v)), "15:31", "15:30", {"hours": D("48.01"), "threshold": D("48.00")},
        f"art. 5:7 lid 2 onder c Atw ({ATW}): at most 48 h a week on average over 16 consecutive weeks; 16 weeks of "
        "4 × 10 h + 8 h = 48 h, one minute more on the last Friday"),
    "atw.daily_rest": Case(
        atw(lambda v: [("2025-03-03 10:00", "2025-03-03 23:00", 60), (f"2025-03-04 {v[0]}", f"2025-03-04 {v[1]}", 0)]),
        ("05:00", "09:00"), ("10:00", "14:00"),
        {"hours": D("6.00"), "threshold": D("8.00"), "reason": "rest_below_minimum"},
        f"art. 5:3 lid 2 Atw ({ATW}): 11 h uninterrupted rest in every 24 h, once per 7 × 24 h 8 h. Lawful: 23:00 to "
        "10:00 = exactly 11 h; finding: 23:00 to 05:00 = 6 h, clearly below 8 h (the reading of a shortening is being "
        "changed, issue 10 item 1, so no case sits between 8 and 11 h)"),
    "atw.weekly_rest": Case(
        atw(_weekly_rest), "20:01", "20:00", {"hours": D("35.98"), "threshold": D("36.00")},
        f"art. 5:5 lid 2 Atw ({ATW}): 36 h uninterrupted rest in 7 × 24 h, or 72 h in parts of 32 h in 14 × 24 h; "
        "Saturday 20:00 to Monday 08:00 = 36 h, from 20:01 35 h 59 (and 71 h 59 in 14 × 24 h)"),
    "atw.break": Case(
        atw(lambda v: [("2025-03-03 08:00", f"2025-03-03 {v}", 0)]), "13:31", "13:30",
        {"hours": D("5.52"), "threshold": D("0.50"), "amount": D("0.00")},
        f"art. 5:4 lid 2 Atw ({ATW}): more than 5.5 h of work needs a break of 30 min; exactly 5.5 h needs none"),
    "atw.night_shift_too_long": Case(
        atw(lambda v: [("2025-03-03 18:00", f"2025-03-04 {v}", 45)]), "06:46", "06:45",
        {"hours": D("12.02"), "threshold": D("10.00"), "reason": "more than 12 h: the exception cannot apply"},
        f"art. 5:8 lid 1 en 3 Atw ({ATW}): a night dienst at most 10 h, 12 h at most 5 times in 14 × 24 h with 12 h "
        "rest after; 18:00-06:45 with 45 min break = 12 h (the first, rest open), to 06:46 more than 12 h"),
    "atw.night_average_16_weeks": Case(
        atw(lambda v: last_ends(_NAV, v)), "06:16", "06:15", {"hours": D("40.01"), "threshold": D("40.00")},
        f"art. 5:8 lid 2 Atw ({ATW}): with 16 or more night diensten in 16 weeks at most 40 h a week on average; "
        "64 night diensten of 10 h = 40 h average, one minute more on the last"),
    "atw.late_night_shifts": Case(
        atw(_late_nights), 37, 36, {"amount": D("37.00"), "threshold": D("36.00")},
        f"art. 5:8 lid 8 Atw ({ATW}): at most 36 night diensten ending after 02:00 in 16 consecutive weeks"),
    "atw.rest_after_night_shift": Case(
        atw(lambda v: [("2025-03-03 22:00", "2025-03-04 06:00", 30), ("2025-03-04 19:59", "2025-03-05 03:59", 30),
                       (f"2025-03-05 {v}", "2025-03-06 01:00", 30)]), "17:58", "17:59",
        {"hours": D("13.98"), "threshold": D("14.00")},
        f"art. 5:8 lid 4 Atw ({ATW}): 14 h rest after a night dienst ending after 02:00, once per 7 × 24 h 8 h; the "
        "first rest is shortened (13 h 59), the second is 14 h (lawful) or 13 h 59 (a second shortening)"),
    "atw.rest_after_night_series": Case(
        atw(lambda v: _NIGHTS3 + [(f"2025-03-08 {v}", "2025-03-08 08:00", 0)]), "03:59", "04:00",
        {"amount": D("3.00"), "hours": D("45.98"), "threshold": D("46.00")},
        f"art. 5:8 lid 5 Atw ({ATW}): 46 h rest after 3 or more consecutive night diensten; the third ends Thursday "
        "06:00, the next dienst starts Saturday 04:00 (46 h) or 03:59"),
    "atw.consecutive_shifts_with_night": Case(
        atw(_series), 8, 7, {"amount": D("8.00"), "threshold": D("7.00")},
        f"art. 5:8 lid 6 Atw ({ATW}): at most 7 consecutive diensten when one of them is a night dienst"),
    "atw.records_missing": Case(
        atw(lambda v: [("2025-03-02 08:00", "2025-03-02 16:00", 30), (f"{v} 08:00", f"{v} 16:00", 30)],
            payslips=[{**LENDER_SLIP}]), "2025-03-10", "2025-03-09",
        {"hours": D("40.00"), "reason": "no_time_records"},
        f"art. 4:3 lid 1 Atw ({ATW}): a record of working times; a payslip of 2025-03-03..09 with 40 h and a shift on "
        "its last day (lawful) or only on the day after (finding), within the span of the employer's shift records"),
    "atw.minor_not_covered": Case(
        atw(lambda v: [("2025-03-03 08:00", "2025-03-03 16:00", 30)], birth=lambda v: v), "2007-03-04", "2007-03-03",
        {"hours": D("7.50"), "amount": D("1.00"), "reason": "not_yet_covered"},
        f"art. 5:7 lid 1 / 5:7 lid 2 Atw ({ATW}), atw.volwassen_leeftijd 18: 18 on the shift day (born 2007-03-03) is "
        "checked as an adult; born a day later the worker is 17 that day and is listed as not covered"),

    # Wav (BWBR0007149): pay periods only (with shifts, coverage is decided per hour: tests/test_wav.py).
    "wav.no_permit": Case(
        permit_case("UA", {"permit_type": "twv", "valid_from": "2025-01-01", "valid_to": lambda v: v},
                    {"period_start": "2025-03-09", "period_end": "2025-03-09", "hours_worked": "8",
                     "gross_wage": "120.00", "holiday_allowance": "10.00"}), "2025-03-08", "2025-03-09",
        {"hours": D("8.00"), "presumption": False, "reason": "employer of record"},
        "art. 2 lid 1 Wav (https://wetten.overheid.nl/BWBR0007149): a Ukrainian national (not exempt, "
        "wav.vrijgestelde_nationaliteiten) works 8 h on 2025-03-09 (a one-day pay period, no shifts: the pay period "
        "decides; hours = the hours worked without a permit); a TWV for this employer valid up to that day covers "
        "it, one ending the day before does not"),
    # Vreemdelingenbesluit 2000 (BWBR0011825), IND salary criterion.
    "kennismigrant.salary_below_criterion": Case(
        permit_case("IN", {"permit_type": "kennismigrant", "valid_from": "2025-01-01", "valid_to": "2027-12-31",
                           "salary_category": "under_30"},
                    {"period_start": "2025-03-01", "period_end": "2025-03-31", "hours_worked": "160",
                     "holiday_allowance": "400.00", "gross_wage": lambda v: v}, birth="1999-01-01"),
        "4170.99", "4171.00", {"threshold": D("4171.00"), "shortfall": D("0.01"), "paid": D("4170.99")},
        "art. 3.30a Vb 2000; IND criterion 2025 for kennismigrants under 30: EUR 4,171 gross a month (confirmed by "
        "Rijksoverheid 2025-07-04, salariscriterium.yaml); a calendar month, permit and period in the same year"),

    # WagwEU (BWBR0042971; BWB id to confirm, docs/sources-wav.md).
    "wagweu.no_notification": Case(
        posting(client=False), "2025-03-04", "2025-03-03", {"reason": "notified late, on 2025-03-04"},
        "art. 8 lid 1 WagwEU: notify the posting before the work starts; work starts 2025-03-03, notified that day "
        "(lawful) or a day late"),
    "wagweu.client_no_check": Case(
        posting(client=True), "2025-03-04", "2025-03-03", {"reason": "notified late, on 2025-03-04"},
        "art. 8 lid 3 WagwEU: the Dutch client checks the notification; notified on the first day of work (lawful) "
        "or a day late"),

    # Waadi (BWBR0009616) and Wtta (Kamerstuk 36446; Stb. 2026, 41).
    "waadi.unregistered_lender": Case(
        lending(lambda v: [(1, "2025-03-01", v)], lambda v: [("waadi_registration", "2020-01-01", "2025-03-15")]),
        "2025-03-16", "2025-03-15",
        {"period_start": dt.date(2025, 3, 16), "period_end": dt.date(2025, 3, 16), "hours": D("1.00")},
        "art. 7a lid 1 Waadi (https://wetten.overheid.nl/BWBR0009616, registration duty since 2012-07-01): the "
        "registration ends 2025-03-15; lending up to that day is lawful, one day more is not"),
    "waadi.hirer_unregistered_lender": Case(
        lending(lambda v: [(1, "2025-03-01", v)], lambda v: [("waadi_registration", "2020-01-01", "2025-03-15")]),
        "2025-03-16", "2025-03-15", {"period_start": dt.date(2025, 3, 16), "hours": D("1.00")},
        "art. 7a lid 2 Waadi (https://wetten.overheid.nl/BWBR0009616): the hirer may not hire from an unregistered "
        "lender; the registration ends 2025-03-15"),
    "wtta.not_admitted_lender": Case(
        lending(lambda v: [(1, v, v)], lambda v: [("waadi_registration", "2020-01-01", None)]),
        "2027-01-01", "2026-12-31",
        {"period_start": dt.date(2027, 1, 1), "reason": "not registered with the NAU under the Wtta transition scheme"},
        "Wtta (Kamerstuk 36446, Stb. 2026, 41), in force 2027-01-01 (Rijksoverheid 2025-11-11, confirmed): a lender "
        "with only a Waadi registration lends lawfully on 2026-12-31, not on 2027-01-01"),
    "wtta.hirer_not_admitted_lender": Case(
        lending(lambda v: [(1, v, v)], lambda v: [("waadi_registration", "2020-01-01", None)]),
        "2027-01-01", "2026-12-31", {"period_start": dt.date(2027, 1, 1)},
        "Wtta (Kamerstuk 36446), in force 2027-01-01: the hirer may not hire from a lender without Wtta "
        "registration"),
    "waadi.hiring_limit": Case(
        lending(lambda v: [(1, "2024-03-01", v)],
                lambda v: [("waadi_registration", "2012-07-01", None), ("wtta_transition", "2026-12-01", None)]),
        "2027-03-01", "2027-02-28",
        {"period_end": dt.date(2027, 3, 1), "amount": D("1096.00"), "threshold": D("36.00")},
        "proposed maximum hiring term of 36 months (Kamerbrief 2024-12-19, 2024D51121; not law), scenario "
        "scenarios/hiring-limit-36-months.yaml: from 2024-03-01, 36 months = 1,095 days end on 2027-02-28",
        scenario="hiring-limit-36-months"),
    "waadi.sector_ban": Case(
        lending(lambda v: [(1, "2025-12-01", v)], lambda v: [("waadi_registration", "2012-07-01", None)],
                hirer={"sector_sbi": "1011"}),
        "2026-01-01", "2025-12-31",
        {"period_start": dt.date(2026, 1, 1), "period_end": dt.date(2026, 1, 1), "reason": "vlees"},
        "proposed sector ban on hiring (Kamerbrief 2025-06-20, Kamerstukken 25883/29544 nr. 530; no sector, no date "
        "is law): a what-if ban in 'vlees' (SBI 101, our mapping, unconfirmed) from 2026-01-01",
        scenario=SECTOR_BAN),

    # Arbowet (BWBR0010346) and bill 36781 (proposed).
    "arbowet.accident_not_reported": Case(
        lending(lambda v: [(1, "2025-03-01", "2025-03-31")], lambda v: [("waadi_registration", "2020-01-01", None)],
                accidents=lambda v: [{"occurred_on": "2025-03-05", "severity": "hospital_admission",
                                      "hospital_nights": "3", "reported_on": v, "reported_by": "employer"}]),
        None, "2025-03-05", {"reason": "not reported", "detail": "hospital_admission"},
        "art. 9 lid 1 Arbowet (https://wetten.overheid.nl/BWBR0010346): an accident causing a hospital admission is "
        "reported 'direct'; the law sets no number of days, so reported on the day is lawful and only no report is "
        "a finding (meldplicht_werkgever.yaml)"),
    "arbowet.accident_cause": Case(
        lending(lambda v: [(1, "2025-03-01", "2025-03-31")], lambda v: [("waadi_registration", "2020-01-01", None)],
                accidents=lambda v: [{"occurred_on": "2025-03-05", "severity": "hospital_admission",
                                      "hospital_nights": "3", "reported_on": "2025-03-05", "reported_by": "employer",
                                      "cause_category": v, "cause_article": "art. 7.7 Arbobesluit" if v else None}]),
        "4", None, {"amount": D("4.00"), "reason": "art. 7.7 Arbobesluit"},
        "Beleidsregel boeteoplegging arbowetgeving (BWBR0032326): the violation that caused a serious accident, as "
        "the inspector established it (norm category 4); without a cause recorded there is none"),
    "arbowet.lender_not_reported": Case(
        lending(lambda v: [(1, "2027-07-01", "2027-08-31")],
                lambda v: [("waadi_registration", "2020-01-01", None), ("wtta_transition", "2026-12-01", None)],
                accidents=lambda v: [{"occurred_on": "2027-08-02", "severity": "hospital_admission",
                                      "reported_on": "2027-08-02", "reported_by": "employer",
                                      "lender_reported_on": v}]),
        None, "2027-08-02", {"reason": "not reported"},
        "bill 36781 (Kamerstuk 36781, proposed; duty from 2027-07-01 in meldplicht_uitlener.yaml, unconfirmed), "
        "scenario scenarios/bill-36781-lenders.yaml: the lender reports a serious accident of its lent worker",
        scenario="bill-36781-lenders"),
    "arbowet.placement_before_verification": Case(
        lending(lambda v: [(1, "2027-07-01", "2027-08-31"), (2, v, "2027-08-31")],
                lambda v: [("waadi_registration", "2020-01-01", None), ("wtta_transition", "2026-12-01", None)],
                accidents=lambda v: [{"occurred_on": "2027-08-02", "severity": "hospital_admission",
                                      "reported_on": "2027-08-02", "reported_by": "employer",
                                      "lender_reported_on": "2027-08-02"}],
                verifications=lambda v: [{"verified_on": "2027-08-10"}]),
        "2027-08-09", "2027-08-10", {"period_end": dt.date(2027, 8, 9), "reason": "verified only on 2027-08-10"},
        "bill 36781 (proposed; vergewisplicht from 2027-07-01, unconfirmed), scenario "
        "scenarios/bill-36781-lenders.yaml: after the accident the lender verifies the workplace (2027-08-10) before "
        "placing a worker there again; a placement from that day is lawful, from the day before it is not",
        scenario="bill-36781-lenders"),
}


def _sector_ban_scenario() -> Scenario:
    """A what-if of the proposed sector ban (waadi.sectorverbod has no date and no sector in law)."""
    return Scenario(name="sector ban in vlees from 2026-01-01 (what-if)", enable_rules=["waadi.sector_ban"],
                    parameters={"waadi.sectorverbod": {dt.date(2025, 6, 20): {
                        "value": {"sectors": [{"name": "vlees", "sbi_codes": ["SBI 101"]}], "ban_from": "2026-01-01"},
                        "status": "proposed", "confidence": "unconfirmed",
                        "source": "what-if on Kamerbrief 2025-06-20 (2025D29205)",
                        "url": "https://www.tweedekamer.nl/kamerstukken/brieven_regering/detail?did=2025D29205"}}})


def scenario(name: str | None) -> Scenario | None:
    if name is None:
        return None
    if name == SECTOR_BAN:
        return _sector_ban_scenario()
    return Scenario.load(ROOT / "scenarios" / f"{name}.yaml")


# --- running the halves ----------------------------------------------------------------------------------------

ISOLATED = os.environ.get("EERLIJKWERK_CASES_ISOLATED") == "1"
TAGS = {rule_id: f"C{i:02d}" for i, rule_id in enumerate(sorted(CASES))}


def tag(rule_id: str, which: str) -> str:
    return TAGS[rule_id] + ("F" if which == "finding" else "L")


def group(rule_id: str, which: str) -> tuple:
    sc = CASES[rule_id].scenario
    return (sc, rule_id, which) if ISOLATED else (sc,)


def write_records(folder: Path, halves: list[Tables]) -> Path:
    tables: dict[str, list[dict[str, Any]]] = {}
    if not any("payslips" in h for h in halves):  # a required table with at least one row: a lawful filler payslip
        halves = halves + [{"employers": [_emp("FILL")], "workers": [_worker("FILL")],
                            "payslips": [_slip("FILL", **LENDER_SLIP)]}]
    for h in halves:
        for name, rows in h.items():
            tables.setdefault(name, []).extend(rows)
    for name, rows in tables.items():
        write_table(folder, name, rows)
    return folder


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    """``audit(rule_id, which)`` -> the findings of that half (findings whose employer carries the half's tag)."""
    results: dict[tuple, Any] = {}

    def get(rule_id: str, which: str) -> list[dict[str, Any]]:
        key = group(rule_id, which)
        if key not in results:
            members = [(r, w) for r in CASES for w in ("finding", "lawful") if group(r, w) == key]
            folder = write_records(tmp_path_factory.mktemp("cases"),
                                   [CASES[r].half(tag(r, w), w) for r, w in members])
            res = run_audit(folder, scenario=scenario(key[0]))
            rejected = [(x["tbl"], x["row_nr"], x["col"], x["reason"]) for x in res.rejects.to_pylist()]
            assert rejected == [], rejected  # every case's records are valid input
            results[key] = res
        prefix = tag(rule_id, which) + "-"
        return [f for f in results[key].findings.to_pylist() if f["employer_id"].startswith(prefix)]

    return get


def _ids() -> list[str]:
    law.statute_packages()
    return sorted(set(RULES) | set(CASES))


def test_every_rule_has_both_cases():
    """Every registered rule (all statute packages imported) has a finding case and a lawful twin that differ, and
    CASES names no rule that does not exist. A new rule without cases fails here."""
    law.statute_packages()
    missing = sorted(set(RULES) - set(CASES))
    assert missing == [], f"rules without a finding case and a lawful twin in tests/test_rule_cases.py: {missing}"
    assert sorted(set(CASES) - set(RULES)) == []
    for rule_id, case in CASES.items():
        f, lw = case.half("T", "finding"), case.half("T", "lawful")
        assert f and lw and f != lw, rule_id
        assert case.expect and case.source, rule_id
        assert (case.scenario is not None) == (RULES[rule_id].status.value == "proposed"), rule_id


@pytest.mark.parametrize("rule_id", _ids())
def test_finding_case(audit, rule_id):
    """The finding half has a finding of the rule with the expected values (see the case's source)."""
    assert rule_id in CASES, f"{rule_id}: no case"
    case = CASES[rule_id]
    found = [f for f in audit(rule_id, "finding") if f["rule_id"] == rule_id]
    assert found, f"{rule_id}: no finding in the finding case ({case.source})"
    got = [{k: f[k] for k in case.expect} for f in found]
    assert case.expect in got, (rule_id, got)


@pytest.mark.parametrize("rule_id", _ids())
def test_lawful_twin(audit, rule_id):
    """The lawful twin, which differs from the finding case only at the rule's boundary, has no finding of it."""
    assert rule_id in CASES, f"{rule_id}: no case"
    found = [f for f in audit(rule_id, "lawful") if f["rule_id"] == rule_id]
    assert found == [], (rule_id, CASES[rule_id].source)
