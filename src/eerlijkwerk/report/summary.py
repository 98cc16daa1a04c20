"""Summaries of an audit result: per rule, per employer, per worker (back pay), input counts. Pure data, no layout.

Money stays Decimal (EUR). Back pay owed = minimum-wage shortfall (wml.underpayment) + holiday-allowance shortfall
(wml.holiday_allowance); deduction findings are part of the underpayment shortfall and are not added again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from eerlijkwerk.engine.run import AuditResult

BACK_PAY_RULES = ("wml.underpayment", "wml.holiday_allowance")
ZERO = Decimal("0.00")


def summarise(result: AuditResult) -> dict[str, Any]:
    findings = result.findings.drop_columns(["_worker_id"]).to_pylist() if "_worker_id" in result.findings.column_names else result.findings.to_pylist()
    fines = result.fines.to_pylist()
    rules = {r.id: r for r in result.rules}

    per_rule: dict[str, dict[str, Any]] = {}
    for r in result.rules:
        per_rule[r.id] = {"rule": r.id, "statute": r.statute, "title": r.title, "citation": r.citation, "url": r.url,
                          "status": r.status.value,
                          "findings": 0, "presumed": 0, "workers": set(), "amount": ZERO, "fines": ZERO}
    for f in findings:
        pr = per_rule[f["rule_id"]]
        pr["findings"] += 1
        pr["presumed"] += bool(f["presumption"])
        pr["workers"].add(f["worker_ref"])
        if f["rule_id"] in BACK_PAY_RULES and f["shortfall"] is not None:
            pr["amount"] += f["shortfall"]
    for fn in fines:
        if fn["amount"] is not None:
            per_rule[fn["rule_id"]]["fines"] += fn["amount"]
    for pr in per_rule.values():
        pr["workers"] = len(pr["workers"])

    per_worker: dict[tuple[str, str], dict[str, Any]] = {}
    for f in findings:
        key = (f["employer_id"], f["worker_ref"])
        w = per_worker.setdefault(key, {"employer_id": key[0], "worker_ref": key[1], "findings": 0,
                                        "back_pay": ZERO, "back_pay_presumed": ZERO, "rules": Counter(),
                                        "first": f["period_start"], "last": f["period_end"]})
        w["findings"] += 1
        w["rules"][f["rule_id"]] += 1
        if f["period_start"] and (w["first"] is None or f["period_start"] < w["first"]):
            w["first"] = f["period_start"]
        if f["period_end"] and (w["last"] is None or f["period_end"] > w["last"]):
            w["last"] = f["period_end"]
        if f["rule_id"] in BACK_PAY_RULES and f["shortfall"] is not None:
            if f["presumption"]:
                w["back_pay_presumed"] += f["shortfall"]
            else:
                w["back_pay"] += f["shortfall"]
    for fn in fines:
        w = per_worker.get((fn["employer_id"], fn["worker_ref"]))
        if w is not None:
            w["fines"] = w.get("fines", ZERO) + (fn["amount"] or ZERO)
    workers = sorted(per_worker.values(),
                     key=lambda w: (-(w["back_pay"] + w["back_pay_presumed"]), w["worker_ref"] or ""))
    for w in workers:
        w["rules"] = ", ".join(f"{k} ×{v}" for k, v in sorted(w["rules"].items()))
        w.setdefault("fines", ZERO)

    per_employer: dict[str, dict[str, Any]] = defaultdict(lambda: {"findings": 0, "workers": set(), "back_pay": ZERO,
                                                                   "back_pay_presumed": ZERO, "fines": ZERO,
                                                                   "warnings": 0})
    for w in workers:
        e = per_employer[w["employer_id"]]
        e["findings"] += w["findings"]
        e["workers"].add(w["worker_ref"])
        e["back_pay"] += w["back_pay"]
        e["back_pay_presumed"] += w["back_pay_presumed"]
    for fn in fines:
        e = per_employer[fn["employer_id"]]
        e["fines"] += fn["amount"] or ZERO
        e["warnings"] += fn["outcome"] == "warning"
    employers = [{"employer_id": k, **{kk: (len(vv) if kk == "workers" else vv) for kk, vv in v.items()}}
                 for k, v in sorted(per_employer.items(), key=lambda kv: -kv[1]["fines"])]

    counts = result.evaluation_counts
    not_eval = counts.get("not_evaluated", {})
    confidence = counts.get("by_confidence", {})
    loads = result.loads
    rows_in = sum(l["rows_read"] for l in loads.values())
    rejected = sum(l["rows_rejected"] for l in loads.values())
    unconfirmed = sorted({(p.id, e.valid_from.isoformat(), e.confidence.value) for p in result.params
                          for e in p.values if e.confidence.value != "confirmed" and e.value is not None})
    from eerlijkwerk import law

    topics = []
    for pkg in law.statute_packages():
        statutes = getattr(pkg, "STATUTES", ())
        rule_rows = [r for r in per_rule.values() if r["statute"] in statutes]
        if rule_rows:
            topics.append({"title": getattr(pkg, "TITLE", pkg.__name__), "rules": [r["rule"] for r in rule_rows],
                           "findings": sum(r["findings"] for r in rule_rows)})
    return {
        "topics": topics,
        "source": result.source,
        "generated_at": result.generated_at,
        "scenario": result.scenario.name if result.scenario else None,
        "inputs": loads,
        "rows_in": rows_in,
        "rows_rejected": rejected,
        "rows_valid": rows_in - rejected,
        "payslips_evaluated": counts.get("evaluated", 0),
        "payslips_not_evaluated": dict(not_eval),
        "payslips_by_parameter_confidence": dict(confidence),
        "findings": len(findings),
        "findings_presumed": sum(bool(f["presumption"]) for f in findings),
        "back_pay_owed": sum((w["back_pay"] for w in workers), ZERO),
        "back_pay_presumed": sum((w["back_pay_presumed"] for w in workers), ZERO),
        "fines_total": sum((fn["amount"] or ZERO for fn in fines if not fn.get("presumption")), ZERO),
        "fines_presumed": sum((fn["amount"] or ZERO for fn in fines if fn.get("presumption")), ZERO),
        "fines_count": sum(fn["outcome"] == "fine" for fn in fines),
        "warnings_count": sum(fn["outcome"] == "warning" for fn in fines),
        "per_rule": list(per_rule.values()),
        "per_employer": employers,
        "per_worker": workers,
        "rules": [{"id": r.id, "citation": r.citation, "url": r.url, "status": r.status.value, "title": r.title}
                  for r in rules.values()],
        "parameters_not_confirmed": [{"parameter": p, "valid_from": d, "confidence": c} for p, d, c in unconfirmed],
        "timings": result.timings,
        "notes": result.notes,
    }
