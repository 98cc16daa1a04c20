"""The demo's shift records (eerlijkwerk.demo_shifts): the audit finds exactly the planted working-time violations.

The demo records are generated (eerlijkwerk.demo.generate), shifts are added for one staffing agency over 17 weeks
with planted Atw violations of every kind, and the whole folder is audited. Worker ids are pseudonymised in the
reports; the in-memory ``_worker_id`` column is compared here. A finding is identified by its rule, its worker and
either its first shift record (dienst and series rules), the first day of its period (week windows) or its payslip
(record keeping).
"""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter

import pytest

from eerlijkwerk.demo_shifts import add_shifts
from eerlijkwerk.engine.run import run_audit


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_records):
    out = tmp_path_factory.mktemp("demo_shifts")
    shutil.copytree(demo_records[0], out, dirs_exist_ok=True)  # the demo records (generated once per session)
    manifest = add_shifts(out, seed=2026)
    with open(out / "shifts.csv", encoding="utf-8", newline="") as fh:
        rows = {i + 2: r["shift_id"] for i, r in enumerate(csv.DictReader(fh))}
    return out, manifest, run_audit(out), rows


def _atw(result):
    return [f for f in result.findings.to_pylist() if f["rule_id"].startswith("atw.")]


def test_every_kind_is_planted(demo):
    _, manifest, _, _ = demo
    assert set(manifest["counts"]) == set(manifest["planted"])
    assert Counter(f["rule"] for f in manifest["findings"]) == manifest["counts"]


def test_no_shift_rejected(demo):
    _, manifest, r, rows = demo
    assert r.loads["shifts"]["rows_rejected"] == 0 and r.loads["shifts"]["rows_read"] == manifest["rows"]["shifts"]
    assert len(rows) == manifest["rows"]["shifts"]


def test_counts_per_rule(demo):
    _, manifest, r, _ = demo
    assert dict(Counter(f["rule_id"] for f in _atw(r))) == manifest["counts"]


def test_same_findings(demo):
    _, manifest, r, rows = demo

    def key_of_planted(f):
        ident = f.get("shift_id") or f.get("period_start") or f.get("payslip_id")
        return f["rule"], f["worker_id"], ident

    def key_of_found(f):
        if f["rule_id"] == "atw.records_missing":
            ident = f["payslip_id"]
        elif f["rule_id"] in ("atw.week_too_long", "atw.average_4_weeks", "atw.average_16_weeks",
                              "atw.night_average_16_weeks", "atw.late_night_shifts"):
            ident = f["period_start"].isoformat()
        else:
            ident = rows[int(re.findall(r"\d+", f["evidence"])[0])]
        return f["rule_id"], f["_worker_id"], ident

    planted = Counter(key_of_planted(f) for f in manifest["findings"])
    found = Counter(key_of_found(f) for f in _atw(r))
    assert found == planted, {"missing": planted - found, "unexpected": found - planted}
