"""Real cases (tests/cases/, from published rulings) and official worked examples (tests/examples/).

Each folder holds records in the documented input format and an expected.yaml that names its source (ECLI or the
publishing authority, URL, quote) and what the engine must show. Figures marked as ours in `assumptions:` are
modelling choices; the rule that produces them is what is tested. See docs/cases.md.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

TESTS = Path(__file__).parent
FOLDERS = sorted([p for p in (TESTS / "cases").iterdir() if (p / "expected.yaml").exists()] +
                 [p for p in (TESTS / "examples").iterdir() if (p / "expected.yaml").exists()])
FIELD = {"minimum_wage_due": "due", "unlawful_amount": "amount"}


@pytest.fixture(scope="module", params=FOLDERS, ids=[f"{p.parent.name}/{p.name}" for p in FOLDERS])
def case(request, audited):
    folder = request.param
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    assert expected.get("url") and (expected.get("ecli") or expected.get("source")), "every case names its source"
    return folder, expected, audited(folder)


def test_no_input_rejected(case):
    _, _, result = case
    assert all(l["rows_rejected"] == 0 for l in result.loads.values()), result.rejects.to_pylist()


def test_finding_counts(case):
    _, expected, result = case
    exp = expected["expect"]
    counts = Counter(result.findings.column("rule_id").to_pylist())
    for rule, n in (exp.get("finding_counts") or {}).items():
        assert counts[rule] == n, f"{rule}: expected {n}, found {counts[rule]}"
    allowed = set(exp.get("finding_counts") or {}) | set(exp.get("may_also_find") or [])
    unexpected = {r: n for r, n in counts.items() if r not in allowed}
    assert not unexpected, f"findings the case does not expect: {unexpected}"


def test_distinct_workers(case):
    _, expected, result = case
    rows = result.findings.to_pylist()
    for rule, n in (expected["expect"].get("distinct_workers") or {}).items():
        assert len({r["worker_ref"] for r in rows if r["rule_id"] == rule}) == n


def test_finding_values(case):
    _, expected, result = case
    rows = result.findings.to_pylist()
    for fv in expected["expect"].get("finding_values") or []:
        match = [r for r in rows if r["rule_id"] == fv["rule"] and r["payslip_id"] == fv["payslip_id"]]
        assert len(match) == 1, f"{fv['rule']} on {fv['payslip_id']}: {len(match)} findings"
        assert match[0][FIELD.get(fv["field"], fv["field"])] == Decimal(fv["value"]), fv


def test_presumption_flags(case):
    _, expected, result = case
    rows = result.findings.to_pylist()
    for rule, flag in (expected["expect"].get("presumed") or {}).items():
        sel = [r for r in rows if r["rule_id"] == rule]
        assert sel and all(bool(r["presumption"]) is flag for r in sel), rule
        if flag:
            assert all(r["explanation"].startswith("PRESUMED") for r in sel)


def test_evaluations(case):
    _, expected, result = case
    ev = {r["payslip_id"]: r for r in result.evaluations.to_pylist()}
    for e in expected["expect"].get("evaluations") or []:
        assert ev[e["payslip_id"]][e["field"]] == Decimal(e["value"]), e


def test_b5_record_keeping_fine_per_worker(audited):
    """B5 (ECLI:NL:RBAMS:2020:5465, r.o. 9.3): the policy's fine for missing records is EUR 12,000 per worker,
    lower only where the employer proves the employment lasted under 6 months (not proven by default)."""
    result = audited(TESTS / "cases" / "B5")
    fines = [f for f in result.fines.to_pylist() if f["rule_id"] == "wml.records_missing"]
    assert len(fines) == 29
    assert {f["norm_amount"] for f in fines} == {Decimal("12000.00")}
    assert {f["amount"] for f in fines} == {Decimal("12000.00")}
    # no shortfall is invented for a period without records
    assert not [f for f in result.findings.to_pylist() if f["rule_id"] == "wml.underpayment"]


def test_b12_one_day_is_one_day(audited):
    """B12 (ECLI:NL:RVS:2021:1683): the worker worked one day; the engine computes the minimum wage for the recorded
    hours only (7.6 h × EUR 398.10 / 38 = EUR 79.62, Stcrt. 2021, 44177) and invents no further hours."""
    result = audited(TESTS / "cases" / "B12")
    under = [f for f in result.findings.to_pylist() if f["rule_id"] == "wml.underpayment"]
    assert [(f["hours"], f["due"]) for f in under] == [(Decimal("7.60"), Decimal("79.62"))]


def test_fines(case):
    """Fines the ruling states (or that follow from the policy and the court's moderations in fine_factors.csv):
    norm amount, final amount and the named steps, per employer."""
    import json

    _, expected, result = case
    fines = result.fines.to_pylist()
    for exp in expected["expect"].get("fines") or []:
        sel = [f for f in fines if f["rule_id"] == exp["rule"] and f["employer_id"] == exp["employer_id"]]
        assert len(sel) == exp["count"], (exp, [(f["norm_amount"], f["amount"]) for f in sel])
        for f in sel:
            assert f["norm_amount"] == Decimal(exp["norm_amount"]) and f["amount"] == Decimal(exp["amount"]), (exp, f)
            names = " | ".join(s["step"] for s in json.loads(f["steps"]))
            for word in exp.get("steps") or []:
                assert word in names, (word, names)
