"""The report (report/summary.py, report/writer.py) on the demo audit: the summaries, aggregated in DuckDB, equal a
straightforward computation over the findings and fines; money stays Decimal; report.json is exactly what json.dumps
writes; the HTML lists at most MAX_ROWS_IN_HTML rows and says where the rest is."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from eerlijkwerk.demo import generate
from eerlijkwerk.engine.run import run_audit
from eerlijkwerk.report import writer
from eerlijkwerk.report.summary import BACK_PAY_RULES, summarise

KEY = "demo-test-key"
ZERO = Decimal("0.00")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    generate(out)
    return run_audit(out, pseudonym_key=KEY)


@pytest.fixture(scope="module")
def summary(demo):
    return summarise(demo)


def _back_pay(f: dict) -> Decimal:
    return f["shortfall"] if f["rule_id"] in BACK_PAY_RULES and f["shortfall"] is not None else ZERO


def test_per_rule_counts_and_amounts(demo, summary):
    findings, fines = demo.findings.to_pylist(), demo.fines.to_pylist()
    assert len(findings) > 100 and fines
    expected = {r.id: {"findings": 0, "presumed": 0, "workers": set(), "amount": ZERO, "fines": ZERO}
                for r in demo.rules}
    for f in findings:
        e = expected[f["rule_id"]]
        e["findings"] += 1
        e["presumed"] += bool(f["presumption"])
        e["workers"].add(f["worker_ref"])
        e["amount"] += _back_pay(f)
    for b in fines:
        expected[b["rule_id"]]["fines"] += b["amount"] or ZERO
    got = {r["rule"]: {k: r[k] for k in ("findings", "presumed", "workers", "amount", "fines")}
           for r in summary["per_rule"]}
    assert got == {k: {**v, "workers": len(v["workers"])} for k, v in expected.items()}
    assert [r["rule"] for r in summary["per_rule"]] == [r.id for r in demo.rules]
    assert summary["findings"] == len(findings)
    assert summary["findings_presumed"] == sum(bool(f["presumption"]) for f in findings)
    assert summary["fines_total"] == sum((b["amount"] or ZERO for b in fines if not b["presumption"]), ZERO)
    assert summary["fines_presumed"] == sum((b["amount"] or ZERO for b in fines if b["presumption"]), ZERO)
    assert summary["fines_count"] == sum(b["outcome"] == "fine" for b in fines)
    assert summary["warnings_count"] == sum(b["outcome"] == "warning" for b in fines)


def test_back_pay_per_worker(demo, summary):
    findings, fines = demo.findings.to_pylist(), demo.fines.to_pylist()
    owed: dict[tuple, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    rules: dict[tuple, Counter] = defaultdict(Counter)
    for f in findings:
        key = (f["employer_id"], f["worker_ref"])
        owed[key][bool(f["presumption"])] += _back_pay(f)
        rules[key][f["rule_id"]] += 1
    fined: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for b in fines:
        fined[(b["employer_id"], b["worker_ref"])] += b["amount"] or ZERO
    workers = summary["per_worker"]
    assert len(workers) == len(owed) and any(w["back_pay"] for w in workers)
    for w in workers:
        key = (w["employer_id"], w["worker_ref"])
        assert [w["back_pay"], w["back_pay_presumed"]] == owed[key], key
        assert w["findings"] == sum(rules[key].values())
        assert w["rules"] == ", ".join(f"{r} ×{n}" for r, n in sorted(rules[key].items()))
        assert w["fines"] == fined[key]
    totals = [w["back_pay"] + w["back_pay_presumed"] for w in workers]
    assert totals == sorted(totals, reverse=True)
    assert summary["back_pay_owed"] == sum((v[0] for v in owed.values()), ZERO) > 0
    assert summary["back_pay_presumed"] == sum((v[1] for v in owed.values()), ZERO)
    for e in summary["per_employer"]:
        mine = [w for w in workers if w["employer_id"] == e["employer_id"]]
        assert e["workers"] == len(mine) and e["findings"] == sum(w["findings"] for w in mine)
        assert e["back_pay"] == sum((w["back_pay"] for w in mine), ZERO)
        assert e["fines"] == sum((b["amount"] or ZERO for b in fines if b["employer_id"] == e["employer_id"]), ZERO)


def test_money_is_decimal_never_float(summary):
    def walk(v, path):
        assert not isinstance(v, float), path
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, f"{path}.{k}")
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, f"{path}[{i}]")

    walk({k: v for k, v in summary.items() if k != "timings"}, "summary")
    money = [summary["back_pay_owed"], summary["fines_total"]] + [r["amount"] for r in summary["per_rule"]] + \
        [w["back_pay"] for w in summary["per_worker"]] + [e["fines"] for e in summary["per_employer"]]
    assert all(isinstance(m, Decimal) and m.as_tuple().exponent == -2 for m in money)


def test_report_json_is_json_dumps_and_html_is_bounded(demo, summary, tmp_path, monkeypatch):
    """report.json holds every worker (written in batches) exactly as json.dumps(indent=2) writes the summary; the
    HTML shows only the first MAX_ROWS_IN_HTML rows of each list and says where the others are."""
    limit = 5
    monkeypatch.setattr(writer, "MAX_ROWS_IN_HTML", limit)
    paths = writer.write_report(demo, tmp_path)
    files = {k: v.name for k, v in paths.items()}
    text = paths["json"].read_text(encoding="utf-8")
    reident = {"written": False, "file": None, "workers": 0}  # no --reidentify-to: no table pseudonym -> worker id
    assert text == json.dumps({"summary": summary, "files": files, "reidentification": reident},
                              default=writer._json_default, indent=2, ensure_ascii=False)
    n_workers, n_employers = len(summary["per_worker"]), len(summary["per_employer"])
    assert n_workers > limit and n_employers > limit
    html = paths["html"].read_text(encoding="utf-8")
    assert f"First {limit} of {n_workers} workers (highest back pay first)" in html
    assert f"First {limit} of {n_employers} employers (highest fines first)" in html
    assert f"First {limit} of {summary['findings']}; all in findings.csv" in html
    assert len(re.findall(r"><td>F\d{7}</td><td><a href=", html)) == limit  # rows of the findings table
    assert pq.read_table(paths["findings_parquet"]).num_rows == summary["findings"]
    assert sum(1 for _ in open(paths["findings_csv"], encoding="utf-8")) > summary["findings"]


@pytest.mark.parametrize("value", [
    {"a": "x\"y\\z\n\t\x01\u2028é€", "b": None, "c": True, "d": False, "e": 12, "f": 1.5, "n": float("inf"), "g": Decimal("-3.10"),
     "h": dt.date(2025, 1, 6), "i": dt.datetime(2025, 1, 6, 7, 8, 9)},
    {"nested": {"x": [1, 2]}, "s": {"b", "a"}}, {}, [], "text", None, float("nan"),
])
def test_value_json_is_json_dumps_nested(value):
    outer = writer._dumps({"a": {"b": {"c": [value]}}})
    assert outer == '{\n  "a": {\n    "b": {\n      "c": [\n        ' + writer._value_json(value, 4) + "\n      ]\n    }\n  }\n}"
