"""WML arithmetic on small constructed records: period splits, boundaries, deductions, and an independent oracle.

Amounts: hourly minimum 21+ 2025-01-01 EUR 14.06 (SVB), 2025-07-01 EUR 14.40 (Stcrt. 2025, 12264); age 20 on
2025-01-01 EUR 11.25 (SVB); weekly 21+ 2022-01-01 EUR 398.10 (Stcrt. 2021, 44177). Housing cap 25% and holiday
allowance 8% of the minimum wage due (art. 13, 15 WML).
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eerlijkwerk.engine.run import load_parameters, run_audit
from tests.helpers import records

CENT = Decimal("0.01")


def audit(tmp_path, payslips, **kw):
    return run_audit(records(tmp_path, payslips, **kw))


def ev(result, pid="P1"):
    return {r["payslip_id"]: r for r in result.evaluations.to_pylist()}[pid]


def rules_found(result):
    return sorted(result.findings.column("rule_id").to_pylist())


def test_period_split_at_rate_change(tmp_path):
    """2025-06-16..2025-07-13, 160 h: 15 days at 14.06 and 13 days at 14.40 →
    160 × (15 × 14.06 + 13 × 14.40) / 28 = 2274.857… → 2274.86 (rounded half-up to the cent)."""
    r = audit(tmp_path, [{"period_start": "2025-06-16", "period_end": "2025-07-13", "hours_worked": "160",
                          "gross_wage": "2274.86", "holiday_allowance": "182.00"}])
    e = ev(r)
    assert e["minimum_wage_due"] == Decimal("2274.86") and e["shortfall"] == 0 and rules_found(r) == []
    assert "2025-06-16..2025-06-30" in e["rate_detail"] and "2025-07-01..2025-07-13" in e["rate_detail"]


def test_period_split_at_birthday(tmp_path):
    """Turns 21 on 2025-03-10: 9 days at the age-20 rate 11.25, 22 days at 14.06 over 31 days, 155 h →
    155 × (9 × 11.25 + 22 × 14.06) / 31 = 5 × 410.57 = 2052.85."""
    r = audit(tmp_path, [{"period_start": "2025-03-01", "period_end": "2025-03-31", "hours_worked": "155",
                          "gross_wage": "2052.84", "holiday_allowance": "170"}],
              workers=[{"worker_id": "W1", "birth_date": "2004-03-10"}])
    assert ev(r)["minimum_wage_due"] == Decimal("2052.85")
    f = r.findings.to_pylist()
    assert [x["rule_id"] for x in f] == ["wml.underpayment"] and f[0]["shortfall"] == CENT


def test_leap_day_birthday(tmp_path):
    """Born 2004-02-29: in 2025 (no 29 February) the 21st birthday is taken as 1 March; 2025-02-28 is at age 20."""
    r = audit(tmp_path, [{"period_start": "2025-02-28", "period_end": "2025-03-01", "hours_worked": "16",
                          "gross_wage": "300", "holiday_allowance": "30"}],
              workers=[{"worker_id": "W1", "birth_date": "2004-02-29"}])
    # 8 h at 11.25 + 8 h at 14.06 = 90.00 + 112.48 = 202.48
    assert ev(r)["minimum_wage_due"] == Decimal("202.48")


def test_before_2024_hourly_from_weekly_amount_and_fulltime_week(tmp_path):
    """Before 2024: hourly = weekly amount ÷ the employer's full-time week. 2022-01-03..09, 38 h at a 38-hour
    employer = 398.10; at a 40-hour employer 38 h = 38 × 398.10 / 40 = 378.195 → 378.20."""
    contracts = [{"contract_id": "C1", "worker_id": "W1", "employer_id": "90000001", "start_date": "2021-01-01",
                  "fulltime_hours_per_week": "38"}]
    r = audit(tmp_path / "a", [{"period_start": "2022-01-03", "period_end": "2022-01-09", "hours_worked": "38",
                                "gross_wage": "398.10", "holiday_allowance": "31.85"}], contracts=contracts)
    assert ev(r)["minimum_wage_due"] == Decimal("398.10") and rules_found(r) == []
    contracts[0]["fulltime_hours_per_week"] = "40"
    r = audit(tmp_path / "b", [{"period_start": "2022-01-03", "period_end": "2022-01-09", "hours_worked": "38",
                                "gross_wage": "378.19", "holiday_allowance": "31"}], contracts=contracts)
    assert ev(r)["minimum_wage_due"] == Decimal("378.20") and rules_found(r) == ["wml.underpayment"]


def test_exactly_due_is_no_finding_one_cent_less_is(tmp_path):
    """40 h × 14.06 = 562.40 (2025-01-06..12)."""
    base = {"period_start": "2025-01-06", "period_end": "2025-01-12", "hours_worked": "40", "holiday_allowance": "45.00"}
    r = audit(tmp_path, [{**base, "gross_wage": "562.40"}, {**base, "gross_wage": "562.39"}])
    f = r.findings.to_pylist()
    assert [(x["rule_id"], x["payslip_id"], x["shortfall"]) for x in f] == [("wml.underpayment", "P2", CENT)]


def test_due_rounds_half_up_once_per_period(tmp_path):
    """The law rounds the hourly amount (art. 14 lid 10 WML: EUR 14.71 from 2026-01-01, Regeling indexatie WML per
    1 januari 2026), not the product: 151.33 h × 14.71 = 2,226.0643, rounded half-up to the cent as Besluit
    minimumjeugdloon art. 2 lid 2 rounds derived amounts: 2,226.06 (docs/engine.md "Exact money"). A payroll paying
    hours × rate commercially rounded (2,226.06) has paid the minimum wage; 2,226.05 is EUR 0.01 short. Rounding
    the product up (2,226.07) made the first a 1-cent underpayment. An exact half cent rounds up:
    0.50 h × 14.71 = 7.355 → 7.36."""
    base = {"period_start": "2026-02-01", "period_end": "2026-02-28", "holiday_allowance": "200.00"}
    r = audit(tmp_path, [{**base, "hours_worked": "151.33", "gross_wage": "2226.06"},
                         {**base, "hours_worked": "151.33", "gross_wage": "2226.05"},
                         {**base, "hours_worked": "0.50", "gross_wage": "7.35"},
                         {**base, "hours_worked": "0.50", "gross_wage": "7.36"}],
              workers=[{"worker_id": "W1", "birth_date": "1990-05-05"}])
    assert ev(r, "P1")["minimum_wage_due"] == Decimal("2226.06") and ev(r, "P1")["shortfall"] == 0
    assert ev(r, "P3")["minimum_wage_due"] == Decimal("7.36")
    f = [(x["payslip_id"], x["shortfall"]) for x in r.findings.to_pylist() if x["rule_id"] == "wml.underpayment"]
    assert sorted(f) == [("P2", CENT), ("P3", CENT)]


def test_housing_cap_boundary(tmp_path):
    """Authorised, certified housing: cap 25% × 562.40 = 140.60. Deducting 140.60 from a wage of exactly the minimum
    is lawful; 140.61 is EUR 0.01 above the cap and cuts into the minimum wage."""
    base = {"period_start": "2025-01-06", "period_end": "2025-01-12", "hours_worked": "40", "gross_wage": "562.40",
            "holiday_allowance": "45", "housing_authorised": "true", "housing_certified": "true"}
    r = audit(tmp_path, [{**base, "housing_deduction": "140.60"}, {**base, "housing_deduction": "140.61"}])
    assert ev(r, "P1")["housing_cap"] == Decimal("140.60")
    f = {(x["rule_id"], x["payslip_id"]): x for x in r.findings.to_pylist()}
    assert set(f) == {("wml.housing_deduction", "P2"), ("wml.underpayment", "P2")}
    assert f[("wml.housing_deduction", "P2")]["amount"] == CENT and f[("wml.housing_deduction", "P2")]["reason"] == "above_cap"


def test_housing_without_authorisation_whole_amount_unlawful(tmp_path):
    r = audit(tmp_path, [{"period_start": "2025-01-06", "period_end": "2025-01-12", "hours_worked": "40",
                          "gross_wage": "600.00", "holiday_allowance": "48", "housing_deduction": "100",
                          "housing_certified": "true"}])
    f = {x["rule_id"]: x for x in r.findings.to_pylist()}
    # 600.00 − 100.00 = 500.00 counts as paid; shortfall 562.40 − 500.00 = 62.40
    assert f["wml.housing_deduction"]["amount"] == Decimal("100.00")
    assert f["wml.housing_deduction"]["reason"] == "no_written_authorisation"
    assert f["wml.underpayment"]["shortfall"] == Decimal("62.40")


def test_deduction_from_wage_above_minimum_is_not_a_wml_finding(tmp_path):
    """Art. 13 forbids deductions from the minimum wage: a deduction paid from the part above it is not a WML matter."""
    r = audit(tmp_path, [{"period_start": "2025-01-06", "period_end": "2025-01-12", "hours_worked": "40",
                          "gross_wage": "700.00", "holiday_allowance": "56", "other_deductions": "100"}])
    assert rules_found(r) == []


def test_health_insurance_annual_cap_cumulates(tmp_path):
    """2025 cap EUR 2,054.80 (parameters/zorgverzekering_max_inhouding.yaml): 12 monthly deductions of 180.00 =
    2,160.00; the part above the cap (105.20) falls in December."""
    months = [(dt.date(2025, m, 1), dt.date(2025, m + 1, 1) - dt.timedelta(days=1) if m < 12 else dt.date(2025, 12, 31))
              for m in range(1, 13)]
    rows = [{"period_start": s.isoformat(), "period_end": e.isoformat(), "hours_worked": "100",
             "gross_wage": "1440.00", "holiday_allowance": "116", "health_insurance_deduction": "180.00",
             "health_insurance_authorised": "true"} for s, e in months]
    r = audit(tmp_path, rows)
    # Dec: due 100 × 14.40 = 1440.00; counted as paid 1440.00 − 105.20
    f = {(x["rule_id"], x["payslip_id"]): x for x in r.findings.to_pylist()}
    assert set(f) == {("wml.health_insurance_deduction", "P12"), ("wml.underpayment", "P12")}
    assert f[("wml.health_insurance_deduction", "P12")]["amount"] == Decimal("105.20")


def test_cash_payment(tmp_path):
    base = {"period_start": "2025-01-06", "period_end": "2025-01-12", "hours_worked": "40", "holiday_allowance": "45"}
    r = audit(tmp_path, [{**base, "gross_wage": "600.00", "net_paid_bank": "450", "net_paid_cash": "37.60"},
                         {**base, "gross_wage": "600.00", "net_paid_bank": "400", "net_paid_cash": "37.61"}])
    # headroom above the minimum: 600.00 − 562.40 = 37.60: cash up to that is lawful
    assert [(x["rule_id"], x["payslip_id"]) for x in r.findings.to_pylist()] == [("wml.cash_payment", "P2")]


def test_outside_parameter_timeline_is_not_evaluated(tmp_path):
    """Before 2021 the parameter files hold no minimum wage; a 14-year-old has none: not evaluated, reported."""
    r = audit(tmp_path, [{"period_start": "2020-06-01", "period_end": "2020-06-07", "hours_worked": "40",
                          "gross_wage": "1"},
                         {"period_start": "2025-06-02", "period_end": "2025-06-08", "hours_worked": "10",
                          "gross_wage": "1", "worker_id": "W2"}],
              workers=[{"worker_id": "W1", "birth_date": "1990-01-01"}, {"worker_id": "W2", "birth_date": "2011-01-01"}])
    assert rules_found(r) == []
    assert {e["payslip_id"]: e["not_evaluated_reason"] for e in r.evaluations.to_pylist()} == {"P1": "no_rate", "P2": "no_rate"}


def test_worker_claim_is_presumed_not_fact(tmp_path):
    r = audit(tmp_path, [{"period_start": "2025-01-06", "period_end": "2025-01-12", "hours_worked": "84",
                          "hours_basis": "worker_claim", "gross_wage": "300", "holiday_allowance": "100"}])
    f = r.findings.to_pylist()
    assert [x["rule_id"] for x in f] == ["wml.underpayment"]
    assert f[0]["presumption"] and "claim" in f[0]["presumption_basis"] and f[0]["explanation"].startswith("PRESUMED")


# --- an independent oracle: day by day in Decimal, straight from the parameter files -----------------------------

PARAMS = load_parameters()


def age_on(birth: dt.date, d: dt.date) -> int:
    return d.year - birth.year - ((d.month, d.day) < (birth.month, birth.day))


def _half_up_cents(x: Fraction) -> Decimal:
    """x EUR rounded to the cent, a half cent upwards (exact: x is a Fraction)."""
    return Decimal(math.floor(x * 100 + Fraction(1, 2))) / 100


def oracle_due(birth: dt.date, start: dt.date, end: dt.date, hours: Decimal, fulltime: Decimal) -> Fraction | None:
    """Exact (rational) minimum wage due, day by day."""
    days = (end - start).days + 1
    total = Fraction(0)
    for i in range(days):
        d = start + dt.timedelta(days=i)
        age = min(age_on(birth, d), 21)
        hourly = PARAMS.at("wml.minimumloon_uur", d)
        weekly = PARAMS.at("wml.minimumloon_week", d)
        if hourly is not None and age in hourly.value:
            rate = Fraction(hourly.value[age])
        elif weekly is not None and age in weekly.value:
            rate = Fraction(weekly.value[age]) / Fraction(fulltime)
        else:
            return None
        total += Fraction(hours) * rate / days
    return total


@st.composite
def payslip(draw):
    start = draw(st.dates(dt.date(2021, 1, 1), dt.date(2026, 6, 1)))
    length = draw(st.sampled_from([7, 14, 28, 30, 31]))
    end = start + dt.timedelta(days=length - 1)
    birth = draw(st.dates(dt.date(1960, 1, 1), dt.date(2010, 12, 31)))
    hours = Decimal(draw(st.integers(0, 24 * length * 100 // 4))) / 100
    fulltime = draw(st.sampled_from(["36", "38", "40"]))
    delta = Decimal(draw(st.integers(-500, 500))) / 100
    return start, end, birth, hours, Decimal(fulltime), delta


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(payslip(), min_size=120, max_size=120))
def test_engine_matches_day_by_day_oracle(tmp_path_factory, slips):
    """For random periods (2021–2026, spanning rate changes and birthdays, 36/38/40-hour weeks) the engine's due
    equals an independent day-by-day Decimal computation rounded half-up to the cent (docs/engine.md "Exact money"),
    and a wage of due ± delta gives an underpayment finding exactly when it is below that due (paying more never
    creates a finding). Every payslip is
    a worker of its own: 120 random payslips in one audit, after the minimal example (before: 3 × 40 in 3 audits)."""
    folder = tmp_path_factory.mktemp("oracle")
    rows, workers, contracts, expect = [], [], [], {}
    for i, (start, end, birth, hours, fulltime, delta) in enumerate(slips, start=1):
        due = oracle_due(birth, start, end, hours, fulltime)
        due_c = None if due is None else _half_up_cents(due)
        gross = max(Decimal(0), (due_c or Decimal(0)) + delta)
        wid = f"W{i}"
        workers.append({"worker_id": wid, "birth_date": birth.isoformat()})
        contracts.append({"contract_id": f"C{i}", "worker_id": wid, "employer_id": "90000001",
                          "start_date": "2020-01-01", "fulltime_hours_per_week": str(fulltime)})
        rows.append({"payslip_id": f"P{i}", "worker_id": wid, "period_start": start.isoformat(),
                     "period_end": end.isoformat(), "hours_worked": str(hours), "gross_wage": str(gross),
                     "holiday_allowance": "10000"})
        expect[f"P{i}"] = (due_c, due_c is not None and gross < due_c)
    result = run_audit(records(folder, rows, workers=workers, contracts=contracts))
    ev_rows = {e["payslip_id"]: e for e in result.evaluations.to_pylist()}
    under = {f["payslip_id"] for f in result.findings.to_pylist() if f["rule_id"] == "wml.underpayment"}
    for pid, (due_c, is_under) in expect.items():
        e = ev_rows[pid]
        if due_c is None:
            assert e["not_evaluated_reason"] == "no_rate", pid
        else:
            assert e["minimum_wage_due"] == due_c, (pid, e["rate_detail"])
        assert (pid in under) == is_under, pid
