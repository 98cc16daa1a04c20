"""The demo dataset (eerlijkwerk.demo) audited end to end: the audit finds exactly the planted violations.

Every planted finding carries the amounts the law gives for it, computed by the generator on its own (Decimal, from
the parameter files); here they are compared to the cent with what the engine finds. Worker ids are pseudonymised in
the findings, so payslip findings are matched on payslip_id and contract findings on their evidence row.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from eerlijkwerk.demo import generate
from eerlijkwerk.engine.run import run_audit

TABLES = ("employers", "workers", "contracts", "payslips")
COMPARED = ("due", "paid", "shortfall", "amount", "threshold")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    manifest = generate(out)
    result = run_audit(out)
    return out, manifest, result


def _contract_rows(out: Path) -> dict[str, int]:
    """contract_id -> row number as the engine reports it (header = row 1)."""
    with open(out / "contracts.csv", encoding="utf-8", newline="") as fh:
        return {row["contract_id"]: i + 2 for i, row in enumerate(csv.DictReader(fh))}


def test_files_and_manifest(demo):
    out, manifest, _ = demo
    for t in TABLES:
        assert (out / f"{t}.csv").is_file()
    assert json.loads((out / "planted.json").read_text(encoding="utf-8")) == manifest
    assert manifest["seed"] == 2026
    assert manifest["rows"]["workers"] == 2000
    assert Counter(f["rule"] for f in manifest["findings"]) == manifest["counts"]
    assert manifest["window"]["last_period_end"] <= "2026-06-30"


def test_no_rejected_rows(demo):
    _, manifest, r = demo
    for t in TABLES:
        assert r.loads[t]["rows_rejected"] == 0, (t, r.loads[t])
        assert r.loads[t]["rows_read"] == manifest["rows"][t]
    assert r.rejects.num_rows == 0


def test_counts_per_rule(demo):
    _, manifest, r = demo
    found = Counter(r.findings.column("rule_id").to_pylist())
    assert dict(found) == manifest["counts"]


def test_same_payslip_findings_with_the_same_amounts(demo):
    _, manifest, r = demo
    expected = {(f["rule"], f["payslip_id"]): f for f in manifest["findings"] if "payslip_id" in f}
    actual = {(f["rule_id"], f["payslip_id"]): f for f in r.findings.to_pylist() if f["payslip_id"] is not None}
    assert len(actual) == sum(1 for f in r.findings.to_pylist() if f["payslip_id"] is not None)  # no duplicates
    assert set(actual) == set(expected), {"missing": sorted(set(expected) - set(actual)),
                                          "unexpected": sorted(set(actual) - set(expected))}
    diffs = []
    for key, exp in expected.items():
        act = actual[key]
        for col in COMPARED:
            if col in exp and act[col] != Decimal(exp[col]):
                diffs.append((key, exp["kind"], col, exp[col], act[col]))
        if "reason" in exp and act["reason"] != exp["reason"]:
            diffs.append((key, exp["kind"], "reason", exp["reason"], act["reason"]))
        if act["presumption"] != exp["presumption"]:
            diffs.append((key, exp["kind"], "presumption", exp["presumption"], act["presumption"]))
        if act["employer_id"] != exp["employer_id"] or act["period_start"].isoformat() != exp["period_start"]:
            diffs.append((key, exp["kind"], "employer/period", exp["employer_id"], act["employer_id"]))
    assert not diffs, diffs


def test_contracts_without_payslips(demo):
    out, manifest, r = demo
    rows = _contract_rows(out)
    expected = {f"contracts row {rows[f['contract_id']]}": f for f in manifest["findings"] if "contract_id" in f}
    actual = {f["evidence"]: f for f in r.findings.to_pylist() if f["payslip_id"] is None}
    assert set(actual) == set(expected)
    for ev, exp in expected.items():
        act = actual[ev]
        assert act["rule_id"] == exp["rule"] == "wml.records_missing"
        assert act["employer_id"] == exp["employer_id"]
        assert act["period_start"].isoformat() == exp["period_start"]
        assert act["shortfall"] is None and act["presumption"] is False


def test_presumption_only_on_worker_claims(demo):
    _, manifest, r = demo
    presumed = {f["payslip_id"] for f in r.findings.to_pylist() if f["presumption"]}
    claimed = {f["payslip_id"] for f in manifest["findings"] if f["presumption"]}
    assert presumed == claimed and len(claimed) == manifest["planted"]["underpayment_claim"]


def test_back_pay_total(demo):
    _, manifest, r = demo
    total = sum((f["shortfall"] for f in r.findings.to_pylist()
                 if f["rule_id"] in ("wml.underpayment", "wml.holiday_allowance")), Decimal(0))
    assert total == Decimal(manifest["totals"]["back_pay_owed"])


def test_compliant_payslips_are_clearly_compliant(demo):
    """Every payslip without a planted violation is evaluated and pays at least EUR 0.49 an hour above the minimum."""
    _, manifest, r = demo
    planted = {f.get("payslip_id") for f in manifest["findings"]}
    ev = [e for e in r.evaluations.to_pylist() if e["payslip_id"] not in planted]
    assert len(ev) == manifest["rows"]["payslips"] - len(planted - {None})
    assert all(e["evaluable"] for e in ev)
    assert all(e["shortfall"] == 0 for e in ev)
    assert all(e["gross_wage"] - e["minimum_wage_due"] >= Decimal("0.49") * e["hours_worked"] for e in ev)
    # periods straddling a rate change or a birthday are in the data (kept, never planted)
    assert sum(1 for e in ev if ";" in (e["rate_detail"] or "")) > 100


def test_seeded_and_reproducible(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, seed=7, workers=300)
    generate(b, seed=7, workers=300)
    generate(c, seed=8, workers=300)
    for name in [f"{t}.csv" for t in TABLES] + ["planted.json"]:
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert (a / "payslips.csv").read_bytes() != (c / "payslips.csv").read_bytes()
