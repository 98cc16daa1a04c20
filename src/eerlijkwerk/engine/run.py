"""Run an audit: read → validate → evaluate every rule of every statute → price the fines → result tables.

The result (:class:`AuditResult`) holds pyarrow tables; report/ writes them out. Money columns are decimal128 (EUR);
worker ids are replaced by keyed pseudonyms (HMAC-SHA256) in every output.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from eerlijkwerk import law
from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.rules import RULES, Rule, conform
from eerlijkwerk.engine.scenario import Scenario
from eerlijkwerk.params import ParameterSet, Status
from eerlijkwerk.records.reader import Mapping, Records, load_records

Progress = Callable[[str, int, int], None]


@dataclass
class AuditResult:
    findings: pa.Table  # one row per finding, see FINDING_COLUMNS + rule metadata + explanation + fine_id
    fines: pa.Table  # one row per fine, with its steps as JSON
    evaluations: pa.Table  # one row per payslip: minimum wage due, paid, shortfall, not_evaluated_reason
    rejects: pa.Table  # one row per (row, column, reason) rejected on input
    loads: dict[str, Any]  # per table: file, rows_read, rows_valid, rows_rejected, warnings
    rules: list[Rule]
    scenario: Scenario | None
    params: ParameterSet
    timings: dict[str, float] = field(default_factory=dict)
    source: str = ""
    extra: dict[str, pa.Table] = field(default_factory=dict)  # statute-specific tables, e.g. art23_claims
    notes: list[str] = field(default_factory=list)  # what could not be evaluated, for the report
    generated_at: str = ""


def load_parameters() -> ParameterSet:
    return ParameterSet.load_dirs(law.parameter_dirs())


def active_rules(scenario: Scenario | None) -> list[Rule]:
    """Rules in force or adopted, plus proposed rules a scenario switches on."""
    law.statute_packages()
    enabled = set(scenario.enable_rules) if scenario else set()
    unknown = enabled - set(RULES)
    if unknown:
        raise ValueError(f"scenario enables unknown rule(s): {sorted(unknown)}")
    return [r for r in RULES.values() if r.status != Status.PROPOSED or r.id in enabled]


class Pseudonymiser:
    """Keyed, stable pseudonyms: the same worker id and key give the same reference; without the key no way back."""

    def __init__(self, key: str | None):
        self.key = (key or secrets.token_hex(16)).encode()

    def __call__(self, worker_id: str | None) -> str | None:
        if worker_id is None:
            return None
        return "w-" + hmac.new(self.key, worker_id.encode(), hashlib.sha256).hexdigest()[:12]

    def column(self, col: pa.ChunkedArray) -> pa.Array:
        uniq = pc.unique(col).to_pylist()
        mapping = {u: self(u) for u in uniq}
        return pa.array([mapping[v] for v in col.to_pylist()], type=pa.string())


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, Decimal):
        return f"{v:,.2f}"
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def run_audit(records_path: Path | str, *, scenario: Scenario | None = None, mapping: Mapping | None = None,
              pseudonym_key: str | None = None, progress: Progress | None = None) -> AuditResult:
    """Audit the records at ``records_path`` (folder or .xlsx). Raises RecordsError for unusable input files."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    params = load_parameters()
    if scenario:
        params = scenario.apply(params)
    rules = active_rules(scenario)
    records = load_records(records_path, mapping)
    timings["read_validate_s"] = time.perf_counter() - t0
    ctx = AuditContext(records=records, params=params, scenario=scenario)

    t1 = time.perf_counter()
    parts = []
    for i, r in enumerate(rules):
        if progress:
            progress(r.id, i, len(rules))
        t = conform(r.func(ctx)).mutate(rule_id=ibis.literal(r.id))
        if r.valid_from:
            t = t.filter(t.period_end.isnull() | (t.period_end >= r.valid_from))
        if r.valid_to:
            t = t.filter(t.period_start.isnull() | (t.period_start < r.valid_to))
        parts.append(t)
    if progress:
        progress("done", len(rules), len(rules))
    union = parts[0]
    for p in parts[1:]:
        union = union.union(p)
    union = union.order_by(["rule_id", "employer_id", "worker_id", "period_start", "payslip_id"])
    raw = ctx.backend.to_pyarrow(union)
    timings["evaluate_s"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    pseudo = Pseudonymiser(pseudonym_key)
    findings = _enrich(raw, {r.id: r for r in rules}, pseudo)
    fines, fine_ids = _fines(ctx, findings)
    findings = findings.append_column("fine_id", pa.array(fine_ids, type=pa.string()))
    evaluations = _evaluations(ctx, pseudo)
    extra: dict[str, pa.Table] = {}
    notes: list[str] = []
    for pkg in law.statute_packages():
        if hasattr(pkg, "extra_tables"):
            extra.update(pkg.extra_tables(ctx, findings))
        if hasattr(pkg, "coverage_notes"):
            notes.extend(pkg.coverage_notes(ctx))
    timings["fines_report_tables_s"] = time.perf_counter() - t2
    timings["total_s"] = time.perf_counter() - t0
    return AuditResult(
        findings=findings, fines=fines, evaluations=evaluations, rejects=_private_rejects(records.rejects(), pseudo),
        loads={k: vars(v) for k, v in records.loads.items()}, rules=rules, scenario=scenario, params=params,
        timings=timings, source=str(records_path), generated_at=dt.datetime.now().isoformat(timespec="seconds"),
        extra=extra, notes=notes,
    )


#: columns whose rejected values are personal data: shown as a pseudonym, or not at all
PSEUDONYMISED_COLUMNS = ("worker_id",)
HIDDEN_COLUMNS = ("birth_date",)


def _private_rejects(rejects: pa.Table, pseudo: Pseudonymiser) -> pa.Table:
    """Rejected rows keep file, row, column and reason; a worker id is shown as its pseudonym, a birth date not."""
    cols, values = rejects.column("col").to_pylist(), rejects.column("value").to_pylist()
    safe = [pseudo(v) if c in PSEUDONYMISED_COLUMNS and v is not None else
            ("(personal data, see the input file)" if c in HIDDEN_COLUMNS and v is not None else v)
            for c, v in zip(cols, values)]
    return rejects.set_column(rejects.schema.get_field_index("value"), "value", pa.array(safe, pa.string()))


def _enrich(raw: pa.Table, rules: dict[str, Rule], pseudo: Pseudonymiser) -> pa.Table:
    """Add rule metadata, a finding id, the explanation with its arithmetic, and pseudonymise the worker."""
    n = raw.num_rows
    rule_ids = raw.column("rule_id").to_pylist()
    meta = {k: [] for k in ("statute", "article", "citation", "url", "status", "title", "explanation", "finding_id")}
    rows = raw.to_pylist()
    for i, (rid, row) in enumerate(zip(rule_ids, rows)):
        r = rules[rid]
        meta["statute"].append(r.statute)
        meta["article"].append(r.article)
        meta["citation"].append(r.citation)
        meta["url"].append(r.url)
        meta["status"].append(r.status.value)
        meta["title"].append(r.title)
        text = r.explanation.format(**{k: _fmt(v) for k, v in row.items()})
        if row.get("presumption"):
            text = "PRESUMED, not established: " + (row.get("presumption_basis") or "") + ". " + text
        meta["explanation"].append(text)
        meta["finding_id"].append(f"F{i + 1:07d}")
    out = raw.drop_columns(["worker_id"]).add_column(0, "finding_id", pa.array(meta.pop("finding_id"), pa.string()))
    out = out.add_column(3, "worker_ref", pseudo.column(raw.column("worker_id")) if n else pa.array([], pa.string()))
    for k, v in meta.items():
        out = out.append_column(k, pa.array(v, type=pa.string()))
    # keep the real worker id only in memory for fine aggregation; never written out
    return out.append_column("_worker_id", raw.column("worker_id"))


def _fines(ctx: AuditContext, findings: pa.Table) -> tuple[pa.Table, list[str | None]]:
    """Every statute's fine policy prices its findings; returns the fines and, per finding, the fine it belongs to."""
    fine_rows: list[dict[str, Any]] = []
    fine_of: dict[str, str] = {}
    presumed = dict(zip(findings.column("finding_id").to_pylist(), findings.column("presumption").to_pylist()))
    for pkg in law.statute_packages():
        fines_mod = getattr(pkg, "fines", None)
        if fines_mod is None:
            continue
        for fine in fines_mod.compute_fines(ctx, findings):
            fine["fine_id"] = f"B{len(fine_rows) + 1:06d}"
            ids = fine.pop("finding_ids")
            # a fine that rests only on presumed findings is shown apart: due only if the facts are proven
            fine["presumption"] = bool(ids) and all(presumed.get(fid) for fid in ids)
            for fid in ids:
                fine_of[fid] = fine["fine_id"]
            fine_rows.append(fine)
    ids = [fine_of.get(f) for f in findings.column("finding_id").to_pylist()]
    schema = pa.schema([
        ("fine_id", pa.string()), ("employer_id", pa.string()), ("worker_ref", pa.string()), ("rule_id", pa.string()),
        ("citation", pa.string()), ("policy", pa.string()), ("policy_url", pa.string()), ("violation_date", pa.date32()),
        ("outcome", pa.string()), ("norm_amount", pa.decimal128(14, 2)), ("amount", pa.decimal128(14, 2)),
        ("steps", pa.string()), ("confidence", pa.string()), ("findings", pa.int64()), ("presumption", pa.bool_()),
    ])
    cols = {name: [row.get(name) for row in fine_rows] for name in schema.names}
    cols["steps"] = [json.dumps(s, default=str, ensure_ascii=False) for s in cols["steps"]]
    return pa.table(cols, schema=schema), ids


def _evaluations(ctx: AuditContext, pseudo: Pseudonymiser) -> pa.Table:
    if "wml.evaluation" not in ctx._cache:
        return pa.table({})
    e = ctx._cache["wml.evaluation"]
    t = ctx.backend.to_pyarrow(e.select(
        "payslip_id", "employer_id", "worker_id", "period_start", "period_end", "hours_worked", "hours_basis",
        "evaluable", "not_evaluated_reason", minimum_wage_due="due", gross_wage="gross",
        unlawful_deductions="unlawful_deductions", shortfall="shortfall", housing_cap="housing_cap",
        holiday_allowance_due="holiday_allowance_due", holiday_allowance="holiday_allowance",
        confidence="confidence", rate_detail="rate_detail").order_by("payslip_id"))
    idx = t.schema.get_field_index("worker_id")
    return t.set_column(idx, "worker_ref", pseudo.column(t.column("worker_id")) if t.num_rows else pa.array([], pa.string()))
