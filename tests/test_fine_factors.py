"""Every fine_factors row is applied as a named step or refused on input with file, row, rule and reason
(engine/factor_policy.py); fines round half-up."""

from __future__ import annotations

import json
from decimal import Decimal

from eerlijkwerk.engine.fines import money
from eerlijkwerk.records.schema import FINE_FACTORS


def test_money_rounds_half_up():
    """Half-up, never half-even (issue 10 item 2): 833.125 -> 833.13 (Decimal's default quantize gives 833.12)."""
    assert money(Decimal("833.125")) == Decimal("833.13")
    assert money(Decimal("833.135")) == Decimal("833.14")


def _checks_failing(row: dict) -> list[str]:
    """The reasons of the fine_factors row checks that reject ``row`` (evaluated in DuckDB as the reader does)."""
    import duckdb

    con = duckdb.connect()
    cols = {"factor_id": "F1", "employer_id": "E1", "worker_id": None, "reason": None, "scope": "fine", **row}
    con.execute("CREATE TABLE t AS SELECT " + ", ".join(
        (f"'{v}'" if v is not None else "CAST(NULL AS VARCHAR)") + f" AS {k}" for k, v in cols.items()))
    return [rc.reason for rc in FINE_FACTORS.row_checks
            if con.execute(f"SELECT count(*) FROM t WHERE {rc.failing_sql}").fetchone()[0]]


def test_culpability_on_an_atw_fine_is_refused_with_its_reason():
    """The Atw policy (BWBR0032353) has no culpability scale: refused, not ignored."""
    reasons = _checks_failing({"rule_id": "atw.daily_rest", "factor": "culpability", "value": "reduced"})
    assert reasons and "not a factor of the atw fine policy" in reasons[0]


def test_general_and_policy_factors_are_accepted():
    """Reasonable time (art. 6 EVRM) on an Atw fine; culpability on a Waadi fine (policy 2014 art. 6, BWBR0034835);
    shorter employment on the WML record-keeping fine (policy 2013 art. 1 lid 3): accepted."""
    assert _checks_failing({"rule_id": "atw.daily_rest", "factor": "reasonable_time_percent", "value": "10"}) == []
    assert _checks_failing({"rule_id": "waadi.unregistered_lender", "factor": "culpability", "value": "reduced"}) == []
    assert _checks_failing({"rule_id": "wml.records_missing", "factor": "shorter_employment_proven",
                            "value": "2"}) == []
    assert _checks_failing({"rule_id": "wml.underpayment", "factor": "shorter_employment_proven", "value": "2"})
    assert _checks_failing({"rule_id": "no.such_rule", "factor": "moderation_percent", "value": "10"})


def test_fined_rules_match_the_fine_modules():
    from eerlijkwerk.engine.factor_policy import FINED_RULES
    from eerlijkwerk.law.atw.fines import OFFENCE
    from eerlijkwerk.law.waadi.fines import RULES

    assert set(FINED_RULES["atw"]) == set(OFFENCE)
    assert set(FINED_RULES["waadi"] + FINED_RULES["wtta"]) == set(RULES)


# -- end to end: the factor changes the fine, as a named step ------------------------------------------------------

def _audit_with_factors(tmp_path, factors, payslips=None):
    from eerlijkwerk.engine.run import run_audit
    from tests.helpers import records, write_table

    payslips = payslips or [{"period_start": "2025-03-01", "period_end": "2025-03-31", "hours_worked": "",
                             "gross_wage": "2000.00", "holiday_allowance": "160"}]
    folder = records(tmp_path, payslips)
    if factors:
        write_table(folder, "fine_factors", factors)
    r = run_audit(folder)
    assert r.rejects.num_rows == 0, r.rejects.to_pylist()
    return r.fines.to_pylist()


def test_records_missing_fine_takes_the_proven_shorter_employment(tmp_path):
    """Art. 18b lid 2 WML; Beleidsregel WML 2013 art. 1 lid 3 (and 2018): EUR 12,000 per employee, reduced when the
    employer proves employment of <= 1 month (5,000), > 1 and < 3 months (7,000), 3 to < 6 months (9,000). A proven
    2 months gives 7,000; without proof 12,000 (was: 12,000 whatever was proven)."""
    fines = _audit_with_factors(tmp_path / "a", None)
    assert [(f["rule_id"], f["amount"]) for f in fines] == [("wml.records_missing", Decimal("12000.00"))]
    for months, amount in (("2", "7000.00"), ("1", "5000.00"), ("3", "9000.00"), ("6", "12000.00")):
        fines = _audit_with_factors(tmp_path / months, [
            {"factor_id": "S1", "employer_id": "90000001", "rule_id": "wml.records_missing", "worker_id": "W1",
             "factor": "shorter_employment_proven", "value": months, "reason": "contract and registration"}])
        assert fines[0]["amount"] == Decimal(amount), months
        assert f"employer proved employment of {months}" in fines[0]["steps"] or months == "6"


def test_decision_factors_adjust_the_total_as_their_own_line(tmp_path):
    """A reasonable-time reduction of the whole decision (art. 6 lid 1 EVRM) and a cut for cumulation (samenloop, art.
    5:46 lid 2 Awb) are given with scope decision; each is a line of the fines table with the total it applies to
    and the (negative) cut, rounded half-up: 10 % of 12,000 = 1,200; then 12.5 % of 10,800 = 1,350."""
    fines = _audit_with_factors(tmp_path, [
        {"factor_id": "D1", "employer_id": "90000001", "rule_id": "wml", "factor": "reasonable_time_percent",
         "value": "10", "scope": "decision", "reason": "decision 2 years late"},
        {"factor_id": "D2", "employer_id": "90000001", "rule_id": "*", "factor": "cumulation_percent",
         "value": "12.5", "scope": "decision"},
        {"factor_id": "D3", "employer_id": "90000001", "rule_id": "atw", "factor": "moderation_percent",
         "value": "50", "scope": "decision"}])
    lines = {f["rule_id"]: f for f in fines}
    assert lines["wml.records_missing"]["amount"] == Decimal("12000.00")
    assert (lines["decision.wml"]["norm_amount"], lines["decision.wml"]["amount"]) == (Decimal("12000.00"),
                                                                                       Decimal("-1200.00"))
    assert (lines["decision.*"]["norm_amount"], lines["decision.*"]["amount"]) == (Decimal("10800.00"),
                                                                                   Decimal("-1350.00"))
    assert lines["decision.atw"]["amount"] == 0 and lines["decision.atw"]["outcome"].startswith("not applied")
    assert sum(f["amount"] for f in fines) == Decimal("9450.00")
    # numbered in the order they apply (factor_id), not by statute code ('*' sorts before 'atw')
    order = [f["rule_id"] for f in sorted(fines, key=lambda f: f["fine_id"]) if f["rule_id"].startswith("decision.")]
    assert order == ["decision.wml", "decision.*", "decision.atw"]


def test_docs_fine_factors_table_is_the_policy_data():
    from pathlib import Path

    from eerlijkwerk.engine.factor_policy import markdown_table

    doc = (Path(__file__).parents[1] / "docs" / "fine-factors.md").read_text(encoding="utf-8")
    assert markdown_table() in doc


def test_a_factor_for_a_fine_the_audit_does_not_give_is_reported_not_dropped(tmp_path):
    from eerlijkwerk.engine.run import run_audit
    from tests.helpers import records, write_table

    folder = records(tmp_path, [{"period_start": "2025-03-01", "period_end": "2025-03-31", "hours_worked": "",
                                 "gross_wage": "2000.00", "holiday_allowance": "160"}])
    write_table(folder, "fine_factors", [{"factor_id": "U1", "employer_id": "90000001", "rule_id": "wml.cash_payment",
                                          "factor": "moderation_percent", "value": "25"}])
    r = run_audit(folder)
    assert any(n.startswith("fine_factors row U1: moderation_percent not applied") for n in r.notes), r.notes
