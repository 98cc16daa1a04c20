"""The demo dataset (eerlijkwerk.demo + eerlijkwerk.demo_migration) audited end to end: the audit finds exactly the
planted violations, for every rule.

Every planted finding carries the amounts the law gives for it, computed by the generator on its own (Decimal, from
the parameter files and the published fine amounts); here they are compared to the cent with what the engine finds.
Worker ids are pseudonymised in the findings: the audit runs with a known pseudonym key, so a planted worker id maps to
its reference. Payslip findings are matched on payslip_id, contract findings on their evidence row, and every other
finding (Wav, Waadi, WagwEU, Arbowet) on (rule, employer, worker reference, first day, last day).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from eerlijkwerk.demo import generate
from eerlijkwerk.engine.run import Pseudonymiser, run_audit
from eerlijkwerk.engine.scenario import Scenario

BASE_TABLES = ("employers", "workers", "contracts", "payslips")
MIGRATION_TABLES = ("permits", "placements", "postings", "admissions", "accidents")
TABLES = BASE_TABLES + MIGRATION_TABLES
COMPARED = ("due", "paid", "shortfall", "amount", "threshold")
#: fines checked to the cent (the WML fines are tested in test_fines_and_scenarios.py)
FINED = ("wav.", "waadi.", "wagweu.", "arbowet.")
KEY = "demo-test-key"
ref = Pseudonymiser(KEY)


@pytest.fixture(scope="module")
def demo(demo_records):
    out, manifest = demo_records
    result = run_audit(out, pseudonym_key=KEY)
    return out, manifest, result


def _rows(out: Path, table: str) -> list[dict[str, str]]:
    with open(out / f"{table}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _identity(rule, employer, worker_ref, start, end) -> tuple:
    return (rule, employer, worker_ref, str(start), str(end))


def _other_findings(manifest: dict) -> dict[tuple, dict]:
    """Planted findings without a payslip or contract, keyed by their identity."""
    return {_identity(f["rule"], f["employer_id"], ref(f.get("worker_id")), f["period_start"], f["period_end"]): f
            for f in manifest["findings"] if "payslip_id" not in f and "contract_id" not in f}


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
    # the added records stay inside the demo window, except the long placements of the hiring-limit scenario and the
    # lenders' registrations (which must predate those placements)
    long_workers = {f["worker_id"] for f in manifest["scenario_findings"]} | {
        c["worker_id"] for c in manifest["controls"] if "36 months" in c["case"]}
    for table, cols in (("permits", ("valid_from", "valid_to")), ("postings", ("start_date", "end_date", "notified_on")),
                        ("accidents", ("occurred_on", "reported_on")), ("placements", ("start_date", "end_date"))):
        for row in _rows(out, table):
            if table == "placements" and row["worker_id"] in long_workers:
                assert "2022-01-01" <= row["start_date"] <= row["end_date"] < "2026-07-01", row
                continue
            for c in cols:
                assert not row[c] or "2024-07-01" <= row[c] <= "2026-06-30", (table, row)
    assert all(r["valid_from"] < "2026-07-01" and (r["valid_to"] or "") < "2026-07-01"
               for r in _rows(out, "admissions"))


def test_finding_ids_number_the_findings_in_order(demo):
    """finding_id is the finding's position in (rule, employer, worker, period start, payslip, evidence) order,
    F0000001 upwards without gaps (engine/run.py writes the table sorted and numbers it by row)."""
    _out, _manifest, result = demo
    n, wrong, first = result.con.sql(
        "SELECT count(*), count(*) FILTER (WHERE finding_id <> 'F' || lpad(CAST(k AS VARCHAR), 7, '0')), "
        "min(finding_id) FROM (SELECT finding_id, row_number() OVER (ORDER BY rule_id, employer_id, _worker_id, "
        f"period_start, payslip_id, evidence) AS k FROM {result.findings_table})").fetchall()[0]
    assert n > 100 and wrong == 0 and first == "F0000001"


def test_findings_numbered_by_window_give_the_same_ids(demo, monkeypatch):
    """The fallback for millions of findings (numbered by a window, written unordered; engine/run.py _write_findings)
    gives every finding the same id and content as the normal path (written in sorted order)."""
    import eerlijkwerk.engine.run as run

    out, _manifest, result = demo
    normal = run._write_findings
    monkeypatch.setattr(run, "_write_findings", lambda con, select, order, in_order=True:
                        normal(con, select, order, in_order=False))
    again = run_audit(out, pseudonym_key=KEY)
    assert again.con.sql("SELECT count(*) FROM audit_findings_base WHERE _n IS NOT NULL").fetchall()[0][0] > 100
    cols = ["finding_id", "rule_id", "worker_ref", "period_start", "payslip_id", "shortfall", "amount", "explanation",
            "fine_id"]
    assert again.findings.select(cols).equals(result.findings.select(cols))


def test_evaluation_in_passes_gives_the_same_audit(demo, monkeypatch):
    """When one pass over every payslip runs out of memory, the WML evaluation runs in passes of PASS_ROWS rows
    (bounded memory): many small passes give the same findings, amounts and counts as one pass."""
    from eerlijkwerk.law.wml import evaluation

    import duckdb

    out, _manifest, result = demo
    monkeypatch.setattr(evaluation, "PASS_ROWS", 997)
    one_pass = evaluation._evaluate_in_passes

    def out_of_memory_in_one_pass(ctx, name, rows):
        if rows is None:  # as if one pass over every payslip needed more memory than the limit
            raise duckdb.OutOfMemoryException("Out of Memory Error: (simulated)")
        one_pass(ctx, name, rows)

    monkeypatch.setattr(evaluation, "_evaluate_in_passes", out_of_memory_in_one_pass)
    again = run_audit(out, pseudonym_key=KEY)
    cols = ["finding_id", "rule_id", "worker_ref", "period_start", "due", "paid", "shortfall", "amount", "explanation"]
    assert again.findings.select(cols).equals(result.findings.select(cols))
    assert again.fines.select(["fine_id", "amount", "steps"]).equals(result.fines.select(["fine_id", "amount", "steps"]))
    assert again.evaluation_counts == result.evaluation_counts
    n = again.con.sql("SELECT count(*) FROM x_wml_flagged_counts").fetchall()[0][0]
    assert n > 6  # several passes (each writes its groups)


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
    actual = {f["evidence"]: f for f in r.findings.to_pylist()
              if f["payslip_id"] is None and f["rule_id"] == "wml.records_missing"}
    assert set(actual) == set(expected)
    for ev, exp in expected.items():
        act = actual[ev]
        assert act["rule_id"] == exp["rule"] == "wml.records_missing"
        assert act["employer_id"] == exp["employer_id"]
        assert act["period_start"].isoformat() == exp["period_start"]
        assert act["shortfall"] is None and act["presumption"] is False


def test_findings_without_payslip(demo):
    """Wav, Waadi, WagwEU and Arbowet findings: the same identities and the same measured values (days or workers
    in ``hours``, role or reason, nationality/lender/severity in ``detail``, norm category in ``amount``)."""
    _, manifest, r = demo
    expected = _other_findings(manifest)
    actual = {}
    for f in r.findings.to_pylist():
        if f["payslip_id"] is None and f["rule_id"] != "wml.records_missing":
            key = _identity(f["rule_id"], f["employer_id"], f["worker_ref"], f["period_start"], f["period_end"])
            assert key not in actual, key
            actual[key] = f
    assert set(actual) == set(expected), {"missing": sorted(set(expected) - set(actual), key=str),
                                          "unexpected": sorted(set(actual) - set(expected), key=str)}
    diffs = []
    for key, exp in expected.items():
        act = actual[key]
        for col in ("hours", "amount"):
            if col in exp and act[col] != Decimal(exp[col]):
                diffs.append((key, col, exp[col], act[col]))
        for col in ("reason", "detail", "presumption"):
            if col in exp and act[col] != exp[col]:
                diffs.append((key, col, exp[col], act[col]))
    assert not diffs, diffs


def test_presumptions(demo):
    """Presumed: the WML findings on worker claims, and the Wav finding whose only uncovered pay period is partly
    covered by the permit."""
    _, manifest, r = demo
    presumed = {f["payslip_id"] for f in r.findings.to_pylist() if f["presumption"] and f["payslip_id"]}
    claimed = {f["payslip_id"] for f in manifest["findings"] if f["presumption"] and "payslip_id" in f}
    assert presumed == claimed and len(claimed) == manifest["planted"]["underpayment_claim"]
    wav = {(f["employer_id"], f["worker_ref"]) for f in r.findings.to_pylist()
           if f["presumption"] and f["rule_id"] == "wav.no_permit"}
    planted = {(f["employer_id"], ref(f["worker_id"])) for f in manifest["findings"]
               if f["presumption"] and f["rule"] == "wav.no_permit"}
    assert wav == planted and len(planted) == manifest["planted"]["migration_twv_expired_mid_period"]


def test_fines_to_the_cent(demo):
    """Every Wav, Waadi, WagwEU and Arbowet fine: same employer, worker, violation date and amount."""
    _, manifest, r = demo
    expected = Counter((f["rule"], f["employer_id"], ref(f["worker_id"]), f["violation_date"], Decimal(f["amount"]))
                       for f in manifest["fines"])
    actual = Counter((f["rule_id"], f["employer_id"], f["worker_ref"], str(f["violation_date"]), f["amount"])
                     for f in r.fines.to_pylist() if f["rule_id"].startswith(FINED))
    assert actual == expected, {"missing": expected - actual, "unexpected": actual - expected}
    assert all(f["outcome"] == "fine" for f in r.fines.to_pylist() if f["rule_id"].startswith(FINED))


def test_art23_claims(demo):
    """One claim row per non-EU worker working without a permit, at the employer of record, with the floor computed
    independently (months as an exact fraction, minimum hourly wage, full-time week from the contract)."""
    _, manifest, r = demo
    rows = r.extra["art23_claims"].to_pylist()
    actual = {(c["employer_id"], c["worker_ref"]): c for c in rows}
    assert len(actual) == len(rows)
    expected = {(c["employer_id"], ref(c["worker_id"])): c for c in manifest["art23_claims"]}
    assert set(actual) == set(expected)
    assert len(expected) == sum(1 for f in manifest["findings"]
                                if f["rule"] == "wav.no_permit" and f["reason"] == "employer of record")
    diffs = []
    for key, exp in expected.items():
        act = actual[key]
        for col in ("first_day", "last_day"):
            if str(act[col]) != exp[col]:
                diffs.append((key, col, exp[col], act[col]))
        for col in ("presumed_months", "weekly_hours", "hourly_wage_floor", "wage_due_floor", "gross_paid",
                    "claim_floor"):
            if act[col] != Decimal(exp[col]):
                diffs.append((key, col, exp[col], act[col]))
    assert not diffs, diffs


def test_hiring_limit_scenario(demo, tmp_path):
    """With the 36-month hiring-limit scenario: exactly the planted scenario findings; nothing else changes outside
    the WML (the scenario's use_proposed_values also switches on proposed WML values, e.g. the lower housing cap)."""
    out, manifest, default = demo
    [(name, spec)] = manifest["scenarios"].items()
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    r = run_audit(out, scenario=Scenario.load(path), pseudonym_key=KEY)
    expected = {_identity(f["rule"], f["employer_id"], ref(f["worker_id"]), f["period_start"], f["period_end"]):
                (Decimal(f["amount"]), Decimal(f["threshold"]), f["detail"])
                for f in manifest["scenario_findings"] if f["scenario"] == name}
    actual = {_identity(f["rule_id"], f["employer_id"], f["worker_ref"], f["period_start"], f["period_end"]):
              (f["amount"], f["threshold"], f["detail"])
              for f in r.findings.to_pylist() if f["rule_id"] == "waadi.hiring_limit"}
    assert actual == expected and len(expected) == 2
    assert not [f for f in default.findings.to_pylist() if f["rule_id"] == "waadi.hiring_limit"]
    outside_wml = lambda res: Counter(f["rule_id"] for f in res.findings.to_pylist()  # noqa: E731
                                      if not f["rule_id"].startswith("wml.") and f["rule_id"] != "waadi.hiring_limit")
    assert outside_wml(r) == outside_wml(default)


def test_controls_are_in_the_data(demo):
    """The lawful boundary cases exist (and, by the exact matches above, give no finding)."""
    out, manifest, _ = demo
    acc = _rows(out, "accidents")
    assert any(a["reported_on"] and a["reported_on"] > a["occurred_on"] and a["severity"] != "other" for a in acc)
    assert any(a["severity"] == "other" and not a["reported_on"] for a in acc)
    posts = _rows(out, "postings")
    assert any(p["third_country_national"] == "true" and p["tcn_conditions_met"] == "true" and p["notified_on"]
               and p["notified_on"] <= p["start_date"] for p in posts)
    cases = Counter(c["case"].split(" for the lender")[0] for c in manifest["controls"])
    assert cases["TWV renewed without a gap"] >= 1 and cases["placement of exactly 36 months at one hirer"] == 1
    assert any("covers the days at the hirer" in c["case"] for c in manifest["controls"])
    adm = [a for a in _rows(out, "admissions") if a["status"] != "active"]
    assert len(adm) == 1  # the suspended register entry in the lapsing lender's gap


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
