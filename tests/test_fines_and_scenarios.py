"""WML fines by the policy in force on the violation date, every step named; scenarios switch proposed law on.

Fine table: Beleidsregel boeteoplegging WML (BWBR0041512 art. 2, Stcrt. 2018, 61691); warning route and the 0.6
factor for a natural person: Beleidsregel 2013 art. 1 lid 5 and art. 2 (see docs/fine-policy-wml.md).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from eerlijkwerk.engine.run import run_audit
from eerlijkwerk.engine.scenario import Scenario, ScenarioError
from eerlijkwerk.law.wml.fines import months_between
from tests.helpers import records

WEEK = {"period_start": "2025-01-06", "period_end": "2025-01-12", "hours_worked": "40", "holiday_allowance": "60"}


def fines(result):
    return result.fines.to_pylist()


def test_months_between():
    assert months_between(dt.date(2025, 1, 1), dt.date(2025, 1, 31)) == 1
    assert months_between(dt.date(2025, 1, 6), dt.date(2025, 1, 12)) == Decimal(7) / Decimal(31)
    assert months_between(dt.date(2025, 1, 1), dt.date(2025, 6, 30)) == 6


def test_fine_cell_from_percentage_and_duration(tmp_path):
    """Paid 400.00 of 562.40 due: shortfall 162.40 = 28.88% (band 25–<50%), one week (≤ 1 month) → EUR 2,000."""
    r = run_audit(records(tmp_path, [{**WEEK, "gross_wage": "400.00"}]))
    [f] = fines(r)
    assert (f["rule_id"], f["outcome"], f["norm_amount"], f["amount"]) == ("wml.underpayment", "fine", 2000, 2000)
    steps = json.loads(f["steps"])
    assert steps[0]["step"].startswith("norm amount") and "28.88%" in steps[0]["note"]
    assert {s["step"].split(" (")[0] for s in steps} >= {"recidivism", "moderation"}


def test_six_months_of_underpayment_moves_the_duration_band(tmp_path):
    """Same 28.88% every week for 26 weeks (2025-01-06 .. 2025-07-06, ≥ 6 months? no: 6 months minus 6 days → band
    3–<6 months → EUR 4,500)."""
    start = dt.date(2025, 1, 6)
    rows = [{**WEEK, "period_start": (start + dt.timedelta(weeks=i)).isoformat(),
             "period_end": (start + dt.timedelta(weeks=i, days=6)).isoformat(), "gross_wage": "400.00"}
            for i in range(25)]  # ends 2025-06-29, before the 2025-07-01 rate change
    [f] = fines(run_audit(records(tmp_path, rows)))
    assert f["norm_amount"] == 4500


def test_small_underpayment_gets_a_warning(tmp_path):
    """EUR 2.40 short of 562.40 (0.43%): below 5% and below EUR 50 → warning instead of a fine, 4 weeks to pay."""
    [f] = fines(run_audit(records(tmp_path, [{**WEEK, "gross_wage": "560.00"}])))
    assert f["outcome"] == "warning" and f["amount"] == 0
    assert any("warning" in s["step"] for s in json.loads(f["steps"]))


def test_natural_person_factor(tmp_path):
    r = run_audit(records(tmp_path, [{**WEEK, "gross_wage": "400.00"}],
                          employers=[{"employer_id": "90000001", "legal_form": "natural_person"}]))
    [f] = fines(r)
    assert f["norm_amount"] == 2000 and f["amount"] == Decimal("1200.00")
    assert f["confidence"] == "unconfirmed"  # the 0.6 factor is confirmed for 2013, not yet for the 2018 policy


def test_deduction_findings_are_priced_in_the_underpayment_fine(tmp_path):
    r = run_audit(records(tmp_path, [{**WEEK, "gross_wage": "562.40", "housing_deduction": "300"}]))
    fs = fines(r)
    assert [f["rule_id"] for f in fs] == ["wml.underpayment"] and fs[0]["findings"] == 2
    by_rule = {f["rule_id"]: f["fine_id"] for f in r.findings.to_pylist()}
    assert by_rule["wml.housing_deduction"] == by_rule["wml.underpayment"]


def test_scenario_switches_on_proposed_values(tmp_path):
    """The cancelled housing phase-out (Kamerbrief 29861-156: 25% cut by 5 points a year from 2026) as a what-if:
    in 2026 the cap would be 20% — only with a scenario; by default 25% applies."""
    rows = [{"period_start": "2026-02-02", "period_end": "2026-02-08", "hours_worked": "40", "gross_wage": "588.40",
             "holiday_allowance": "48", "housing_deduction": "130.00", "housing_authorised": "true",
             "housing_certified": "true"}]
    folder = records(tmp_path / "in", rows)
    base = run_audit(folder)
    assert base.findings.num_rows == 0  # 25% × (40 × 14.71 = 588.40) = 147.10 ≥ 130.00
    sc_file = tmp_path / "phase-out.yaml"
    sc_file.write_text("name: housing phase-out\nuse_proposed_values: true\n")
    # the plan was cancelled (status cancelled): a blanket use of proposed values does not revive it
    assert run_audit(folder, scenario=Scenario.load(sc_file)).findings.num_rows == 0
    sc_file.write_text("name: housing phase-out\nuse_cancelled_values: [wml.huisvesting_max_inhouding]\n")
    what_if = run_audit(folder, scenario=Scenario.load(sc_file))
    f = {x["rule_id"]: x for x in what_if.findings.to_pylist()}
    assert f["wml.housing_deduction"]["threshold"] == Decimal("117.68")  # 20% × 588.40
    assert f["wml.housing_deduction"]["amount"] == Decimal("12.32")


def test_scenario_override_and_errors(tmp_path):
    sc = tmp_path / "s.yaml"
    sc.write_text("name: x\nparameters:\n  wml.vakantiebijslag_percentage:\n"
                  "    2025-01-01: {value: '10', status: proposed, confidence: confirmed, source: what-if, url: 'https://example.org'}\n"
                  "use_proposed_values: true\n")
    folder = records(tmp_path / "in", [{**WEEK, "gross_wage": "600.00", "holiday_allowance": "50.00"}])
    r = run_audit(folder, scenario=Scenario.load(sc))
    assert [f["rule_id"] for f in r.findings.to_pylist()] == ["wml.holiday_allowance"]  # 10% × 562.40 = 56.24
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nenable_rules: [no.such_rule]\n")
    with pytest.raises(ValueError, match="unknown rule"):
        run_audit(folder, scenario=Scenario.load(bad))
    bad.write_text("nme: typo\n")
    with pytest.raises(ScenarioError):
        Scenario.load(bad)


def test_shipped_scenarios_load_and_kennismigrant_tightening(tmp_path):
    """scenarios/*.yaml load; the kennismigrant tightening (Kamerbrief 29861-163) makes EUR 4,500/month for an
    under-30 kennismigrant in 2026 a finding (criterion 4,754), where the law in force (4,357) does not."""
    from pathlib import Path

    from tests.helpers import write_table

    root = Path(__file__).parent.parent / "scenarios"
    scenarios = {p.stem: Scenario.load(p) for p in root.glob("*.yaml")}
    assert {"kennismigrant-aanscherping", "housing-phase-out", "hiring-limit-36-months", "bill-36781-lenders"} <= set(scenarios)
    folder = records(tmp_path, [{"period_start": "2026-03-01", "period_end": "2026-03-31", "hours_worked": "160",
                                 "gross_wage": "4500.00", "holiday_allowance": "360"}],
                     workers=[{"worker_id": "W1", "birth_date": "1999-01-01", "nationality": "IN"}])
    write_table(folder, "permits", [{"permit_id": "M1", "worker_id": "W1", "employer_id": "90000001",
                                     # granted in 2026: the criterion of the permit's date applies (a 2025
                                     # permit keeps the 2025 criterion, docs/sources-wav.md)
                                     "permit_type": "kennismigrant", "valid_from": "2026-01-01",
                                     "valid_to": "2027-12-31", "salary_category": "under_30"}])
    rule = "kennismigrant.salary_below_criterion"
    assert rule not in run_audit(folder).findings.column("rule_id").to_pylist()
    f = [x for x in run_audit(folder, scenario=scenarios["kennismigrant-aanscherping"]).findings.to_pylist()
         if x["rule_id"] == rule]
    assert [(x["threshold"], x["shortfall"]) for x in f] == [(Decimal("4754.00"), Decimal("254.00"))]


# --- recidivism and the inspector's moderations (art. 18f WML; fine_factors), priced in SQL (law/wml/fines_sql.py)

def _prior(folder, decision: str, irrevocable: str | None, vid: str = "V1"):
    from tests.helpers import write_table

    write_table(folder, "prior_violations", [{"violation_id": vid, "employer_id": "90000001", "statute": "wml",
                                              "decision_date": decision, "irrevocable_date": irrevocable or ""}])


def test_recidivism_doubles_the_fine(tmp_path):
    """Art. 18f lid 2 WML: an irrevocable prior WML fine within 5 years before the violation → +100%."""
    folder = records(tmp_path, [{**WEEK, "gross_wage": "400.00"}])
    _prior(folder, "2022-03-01", "2022-06-01")
    [f] = fines(run_audit(folder))
    steps = json.loads(f["steps"])
    assert f["norm_amount"] == 2000 and f["amount"] == Decimal("4000.00")
    assert any(s["step"].startswith("recidivism: +100%") and "V1" in s["step"] for s in steps)


@pytest.mark.parametrize("decision, irrevocable", [("2019-06-01", "2019-09-01"),   # more than 5 years before
                                                   ("2024-06-01", None),           # not irrevocable
                                                   ("2024-06-01", "2025-02-01")])  # irrevocable only after the offence
def test_prior_fine_that_does_not_count(tmp_path, decision, irrevocable):
    folder = records(tmp_path, [{**WEEK, "gross_wage": "400.00"}])
    _prior(folder, decision, irrevocable)
    [f] = fines(run_audit(folder))
    assert f["amount"] == Decimal("2000.00")


def test_a_prior_fine_closes_the_warning_route(tmp_path):
    """Policy 2013 art. 2: no warning on a repeat within 5 years; the small underpayment is fined (EUR 50 row)."""
    folder = records(tmp_path, [{**WEEK, "gross_wage": "560.00"}])
    _prior(folder, "2024-06-01", None)
    [f] = fines(run_audit(folder))
    assert f["outcome"] == "fine" and f["norm_amount"] == 500


def test_moderation_recorded_by_the_inspector(tmp_path):
    from tests.helpers import write_table

    folder = records(tmp_path, [{**WEEK, "gross_wage": "400.00"}])
    write_table(folder, "fine_factors", [{"factor_id": "M1", "employer_id": "90000001", "rule_id": "wml.underpayment",
                                          "factor": "moderation_percent", "value": "25", "reason": "capacity to pay"}])
    [f] = fines(run_audit(folder))
    assert f["amount"] == Decimal("1500.00")
    assert any("capacity to pay" in s["step"] for s in json.loads(f["steps"]))


def test_sql_month_arithmetic_equals_the_python_reference():
    """The SQL that prices fines compares durations on dates and prints months with 2 decimals; both must agree with
    months_exact (calendar months + remaining days ÷ days of the next month) on every pair of dates tried."""
    import duckdb
    from hypothesis import given, settings, strategies as st

    from eerlijkwerk.law.wml.fines_sql import months_ge, months_gt, months_text

    con = duckdb.connect()

    @settings(max_examples=150, deadline=None)
    @given(st.dates(dt.date(2019, 1, 1), dt.date(2027, 12, 31)), st.integers(0, 800), st.integers(0, 9))
    def check(start, days, m):
        end = start + dt.timedelta(days=days)
        s, e = f"DATE '{start}'", f"DATE '{end}'"
        text, ge, gt = con.execute(f"SELECT {months_text(s, e)}, {months_ge(s, e, Decimal(m))}, "
                                   f"{months_gt(s, e, Decimal(m))}").fetchall()[0]
        exact = months_between(start, end)
        assert text == f"{exact:.2f}" and ge == (exact >= m) and gt == (exact > m)

    check()
