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
