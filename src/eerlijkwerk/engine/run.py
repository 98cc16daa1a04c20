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

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from eerlijkwerk import law
from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.rules import FINDING_COLUMNS, RULES, Rule, conform
from eerlijkwerk.engine.scenario import Scenario
from eerlijkwerk.params import ParameterSet, Status
from eerlijkwerk.records.reader import Mapping, load_records

Progress = Callable[[str, int, int], None]


@dataclass
class AuditResult:
    """The outcome of an audit. Findings, fines and evaluations stay in the audit's DuckDB connection (they can be
    millions of rows); ``findings``/``fines``/``evaluations`` give them as Arrow tables on first use."""

    findings_table: str  # DuckDB table: one row per finding, FINDING_COLUMNS + rule metadata + explanation + fine_id
    fines_table: str  # DuckDB table: one row per fine, with its steps as JSON (FINE_SCHEMA)
    evaluation_query: Callable[[], str | None]  # builds the query of the per-payslip evaluation table (see below)
    con: Any  # the audit's DuckDB connection
    rejects: pa.Table  # one row per (row, column, reason) rejected on input
    loads: dict[str, Any]  # per table: file, rows_read, rows_valid, rows_rejected, warnings
    rules: list[Rule]
    scenario: Scenario | None
    params: ParameterSet
    evaluation_counts: dict[str, Any] = field(default_factory=dict)  # evaluated / not evaluated / by confidence
    timings: dict[str, float] = field(default_factory=dict)
    source: str = ""
    extra: dict[str, pa.Table] = field(default_factory=dict)  # statute-specific tables, e.g. art23_claims
    notes: list[str] = field(default_factory=list)  # what could not be evaluated, for the report
    generated_at: str = ""
    pseudonyms: Pseudonymiser | None = field(default=None, repr=False)  # holds the key: never written out
    _evaluations: pa.Table | None = None
    _evaluation_sql: str | None = None
    _findings: pa.Table | None = None
    _fines: pa.Table | None = None

    @property
    def findings(self) -> pa.Table:
        """One row per finding, in finding_id order (``_worker_id`` is the real id: never written out)."""
        if self._findings is None:
            self._findings = self.con.sql(f"SELECT * FROM {self.findings_table} ORDER BY finding_id").to_arrow_table()
        return self._findings

    @property
    def fines(self) -> pa.Table:
        """One row per fine (FINE_SCHEMA), in fine_id order."""
        if self._fines is None:
            self._fines = self.con.sql(f"SELECT * EXCLUDE (finding_ids) FROM {self.fines_table} ORDER BY fine_id") \
                .to_arrow_table().cast(FINE_SCHEMA)
        return self._fines

    @property
    def evaluation_sql(self) -> str | None:
        """The query of the per-payslip evaluation table (None: nothing was evaluated per payslip). Compiled on first
        use: the audit itself keeps only the payslips its findings need; the full table (it can be millions of rows)
        is computed when it is written out or read."""
        if self._evaluation_sql is None:
            self._evaluation_sql = self.evaluation_query() or ""
        return self._evaluation_sql or None

    @property
    def evaluations(self) -> pa.Table:
        """One row per payslip: minimum wage due, paid, shortfall, not_evaluated_reason (materialised on demand)."""
        if self._evaluations is None:
            self._evaluations = (self.con.sql(self.evaluation_sql).to_arrow_table() if self.evaluation_sql
                                 else pa.table({}))
        return self._evaluations

    def reidentification(self) -> pa.Table:
        """The table pseudonym -> worker id (worker_ref, worker_id) of every pseudonym in this audit's outputs (the
        findings, fines, rejects and, once written or read, the evaluations), in reference order. Personal data: it is
        written only on request (``--reidentify-to``), so that back pay reaches the right person."""
        if self.pseudonyms is None:
            return pa.table({"worker_ref": pa.array([], pa.string()), "worker_id": pa.array([], pa.string())})
        return self.pseudonyms.table()

    def write_evaluations(self, path: Path) -> bool:
        """Write the evaluation table straight from DuckDB to Parquet; False when there is none."""
        if not self.evaluation_sql:
            return False
        self.con.execute(f"COPY ({self.evaluation_sql}) TO '{str(path).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
        return True


def load_parameters() -> ParameterSet:
    """Every statute's parameter files (read once per process; a scenario makes its own copy)."""
    global _PARAMS
    if _PARAMS is None:
        _PARAMS = ParameterSet.load_dirs(law.parameter_dirs())
    return _PARAMS


_PARAMS: ParameterSet | None = None


def active_rules(scenario: Scenario | None) -> list[Rule]:
    """Rules in force or adopted, plus proposed rules a scenario switches on."""
    law.statute_packages()
    enabled = set(scenario.enable_rules) if scenario else set()
    unknown = enabled - set(RULES)
    if unknown:
        raise ValueError(f"scenario enables unknown rule(s): {sorted(unknown)}")
    return [r for r in RULES.values() if r.status != Status.PROPOSED or r.id in enabled]


class Pseudonymiser:
    """Keyed, stable pseudonyms: 'w-' + the first HEX (20) hex digits (80 bits) of HMAC-SHA256(key, worker id), RFC
    2104 (the same as ``hmac.new(key, worker_id, "sha256")``). The same worker id and key give the same reference; without
    the key there is no way back.

    80 bits: two of n workers share a reference with probability about n² / 2^81 (a million workers: 4 · 10^-13);
    48 bits (12 hex digits, the former width) give about 1 in 560 at a million workers, and a shared reference merges
    two workers in the per-worker back-pay table. A collision is nevertheless checked and refused (ValueError), never
    merged.

    Computed once per worker in Python, never per row in SQL: the key never appears in SQL text (DuckDB's query log) or
    in any output. :meth:`cover` keeps DuckDB table TABLE (worker_id, worker_ref) holding every worker id a query gives;
    SQL joins it by worker id. :attr:`issued` is every pseudonym given out (for ``--reidentify-to``)."""

    HEX = 20
    TABLE = "audit_pseudonyms"

    def __init__(self, key: str | None):
        # the keyed state once (hmac pads the key and hashes its two blocks); each pseudonym copies it
        self._keyed = hmac.new((key or secrets.token_hex(16)).encode("utf-8"), digestmod=hashlib.sha256)
        self.issued: dict[str, str] = {}  # worker id -> reference
        self._owner: dict[str, str] = {}  # reference -> worker id
        self._table = False

    def __repr__(self) -> str:
        return f"Pseudonymiser(<key hidden>, {len(self.issued)} pseudonyms)"

    def _hmac(self, worker_id: str) -> str:
        h = self._keyed.copy()
        h.update(worker_id.encode("utf-8"))
        return "w-" + h.hexdigest()[:self.HEX]

    def __call__(self, worker_id: str | None) -> str | None:
        if worker_id is None:
            return None
        ref = self.issued.get(worker_id)
        if ref is None:
            ref = self._hmac(worker_id)
            other = self._owner.setdefault(ref, worker_id)
            if other != worker_id:
                raise ValueError(f"two worker ids give the same pseudonym {ref}: the audit refuses to merge them; "
                                 f"run it again with another --pseudonym-key")
            self.issued[worker_id] = ref
        return ref

    def cover(self, con: Any, ids_sql: str) -> None:
        """Make DuckDB table TABLE (worker_id VARCHAR, worker_ref VARCHAR) hold a row for every non-null worker id
        that query ``ids_sql`` (one column) gives. The query names no key; the pseudonyms are computed here."""
        if not self._table:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {self.TABLE} (worker_id VARCHAR PRIMARY KEY, worker_ref VARCHAR)")
            self._table = True
        new = con.sql(f"SELECT DISTINCT CAST(q.id AS VARCHAR) AS worker_id FROM ({ids_sql}) q(id) WHERE q.id IS NOT NULL "
                      f"EXCEPT SELECT worker_id FROM {self.TABLE}").to_arrow_table().column(0).to_pylist()
        if not new:
            return
        refs = [self(w) for w in new]
        name = self.TABLE + "_new"
        con.register(name, pa.table({"worker_id": pa.array(new, pa.string()), "worker_ref": pa.array(refs, pa.string())}))
        try:
            con.execute(f"INSERT INTO {self.TABLE} SELECT worker_id, worker_ref FROM {name}")
        finally:
            con.unregister(name)

    def table(self) -> pa.Table:
        """Every pseudonym given out and its worker id (worker_ref, worker_id), in reference order."""
        pairs = sorted((r, w) for w, r in self.issued.items())
        return pa.table({"worker_ref": pa.array([r for r, _ in pairs], pa.string()),
                         "worker_id": pa.array([w for _, w in pairs], pa.string())})

    def column(self, col: pa.ChunkedArray) -> pa.Array:
        uniq = pc.unique(col).to_pylist()
        mapping = {u: self(u) for u in uniq}
        return pa.array([mapping[v] for v in col.to_pylist()], type=pa.string())


def explanation_expr(t: ir.Table, template: str, params: Any = None) -> ir.StringValue:
    """The rule's explanation template as a string expression over the finding's own columns, so the arithmetic is
    written by the database, not by a Python loop over findings. Money prints as 1234.56, dates as YYYY-MM-DD, an
    empty value as '—'. ``{p:PARAMETER/key}`` is a legal number as it applies on the finding's last day
    (engine/rules.py, PARAM_FIELD)."""
    import string

    out = ibis.literal("")
    for text, name, spec, _conv in string.Formatter().parse(template):
        if text:
            out = out + ibis.literal(text)
        if name is None:
            continue
        if name == "p":
            out = out + _parameter_text(t, spec, params)
            continue
        col = t[name]
        if col.type().is_date():
            txt = col.strftime("%Y-%m-%d")
        else:
            txt = col.cast("string")
        out = out + txt.fill_null("—")
    prefix = ibis.ifelse(t.presumption.fill_null(False),
                         ibis.literal("PRESUMED, not established: ") + t.presumption_basis.fill_null("") + ". ", "")
    return prefix + out


def _parameter_text(t: ir.Table, ref: str, params: Any) -> ir.StringValue:
    """The text of parameter reference ``ref`` ('pid' or 'pid/key') on each finding's last day (first day if it has
    none): a CASE over the parameter's few intervals."""
    from eerlijkwerk.engine.rules import number_text, parameter_value

    pid = ref.partition("/")[0]
    day = t.period_end.fill_null(t.period_start)
    timeline = params.timeline(pid)
    out = ibis.literal(number_text(parameter_value(params, ref, timeline[-1].valid_from)))  # no day: the latest
    for iv in timeline:
        text = number_text(parameter_value(params, ref, iv.valid_from))
        inside = (day >= iv.valid_from) if iv.valid_to is None else ((day >= iv.valid_from) & (day < iv.valid_to))
        out = ibis.ifelse(inside, ibis.literal(text), out)
    return out


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
    pseudo = Pseudonymiser(pseudonym_key)
    # a statute whose input tables are all empty has nothing to evaluate: its rules are not compiled at all
    idle = [pkg.__name__ + "." for pkg in law.statute_packages()
            if getattr(pkg, "REQUIRES_TABLES", None)
            and all(records.loads[t].rows_valid == 0 for t in pkg.REQUIRES_TABLES if t in records.loads)]
    rules_run = [r for r in rules if not r.func.__module__.startswith(tuple(idle))] if idle else rules
    parts = []
    for i, r in enumerate(rules_run):
        if progress:
            progress(r.id, i, len(rules_run))
        with ctx.recording() as used:  # the legal values the rule's findings rest on
            t = conform(r.func(ctx))
        t = ctx.with_parameter_confidence(t, sorted(used - set(r.row_confidence)))
        if r.valid_from:
            t = t.filter(t.period_end.isnull() | (t.period_end >= r.valid_from))
        if r.valid_to:
            t = t.filter(t.period_start.isnull() | (t.period_start < r.valid_to))
        parts.append(t.mutate(rule_id=ibis.literal(r.id)))
    if progress:
        progress("done", len(rules_run), len(rules_run))
    timings["rules_s"] = time.perf_counter() - t1  # compiling every rule, incl. the shared tables they materialise
    union = parts[0]
    for p in parts[1:]:
        union = union.union(p)
    con = records.con
    keep = [c for c in FINDING_COLUMNS if c not in ("worker_id", "employer_id")]
    # one pass: the rules' union is sorted and pseudonymised as it is written (no intermediate copy). The table keeps
    # the sorted order (DuckDB preserves insertion order and nothing is ever deleted from it), so a finding's number
    # is its row number: the view below writes it as finding_id. A rule's legal metadata is not repeated on each of
    # its findings: the view joins it from audit_rules (one row per rule).
    order = "rule_id, employer_id, worker_id, period_start, payslip_id, evidence"
    select = f"SELECT rule_id, employer_id, {', '.join(keep)}, worker_id AS _worker_id FROM ({ctx.sql(union)})"
    try:
        number = _write_findings(con, select, order)
    except duckdb.OutOfMemoryException:
        number = _write_findings(con, select, order, in_order=False)
    # the pseudonyms: computed once per worker with findings (Python HMAC), joined by worker id; no key in any SQL
    pseudo.cover(con, "SELECT _worker_id FROM audit_findings_base")
    # every id of an audit has the same width (7 digits, more for 10 million findings or more), so that ids sort
    # as their numbers do
    width = max(7, len(str(con.sql("SELECT count(*) FROM audit_findings_base").fetchall()[0][0])))
    meta = pa.table({"rule_id": [r.id for r in rules_run], "statute": [r.statute for r in rules_run],
                     "article": [r.article for r in rules_run], "citation": [r.citation for r in rules_run],
                     "url": [r.url for r in rules_run], "status": [r.status.value for r in rules_run],
                     "title": [r.title_text(params) for r in rules_run]})
    con.register("audit_rules_arrow", meta)
    con.execute("CREATE OR REPLACE TEMP TABLE audit_rules AS SELECT * FROM audit_rules_arrow")
    con.unregister("audit_rules_arrow")
    con.execute(f"CREATE OR REPLACE TEMP VIEW audit_findings AS SELECT 'F' || lpad(CAST({number} AS VARCHAR), {width}, "
                f"'0') AS finding_id, f.rule_id, f.employer_id, "
                f"p.worker_ref, {', '.join('f.' + c for c in keep)}, r.statute, r.article, r.citation, r.url, "
                f"r.status, r.title, f._worker_id FROM audit_findings_base f JOIN audit_rules r USING (rule_id) "
                f"LEFT JOIN {pseudo.TABLE} p ON p.worker_id = f._worker_id")
    # the explanation (each rule's arithmetic in words) is rendered from the finding's own columns when the findings
    # are read: a view, so that an audit with a million findings does not format a million texts it may never show
    f = ctx.backend.table("audit_findings")
    text = ibis.cases(*[(f.rule_id == r.id, explanation_expr(f, r.explanation, ctx.params)) for r in rules_run],
                      else_=ibis.null("string"))
    con.execute(f"CREATE OR REPLACE TEMP VIEW audit_findings_text AS "
                f"{ctx.backend.compile(f.mutate(explanation=text))}")
    timings["evaluate_s"] = time.perf_counter() - t1
    timings["findings_s"] = timings["evaluate_s"] - timings["rules_s"]

    t2 = time.perf_counter()
    findings_table, fines_table = _fines(ctx, "audit_findings", "audit_findings_text")
    timings["fines_s"] = time.perf_counter() - t2
    evaluation_query, evaluation_counts = _evaluations(ctx, pseudo)
    extra: dict[str, pa.Table] = {}
    notes: list[str] = []
    notes.extend(_unused_factors(ctx))
    for pkg in law.statute_packages():
        if hasattr(pkg, "extra_tables"):
            extra.update(pkg.extra_tables(ctx, _package_findings(ctx, pkg, findings_table)))
        if hasattr(pkg, "coverage_notes"):
            notes.extend(pkg.coverage_notes(ctx))
    timings["fines_report_tables_s"] = time.perf_counter() - t2
    timings["total_s"] = time.perf_counter() - t0
    return AuditResult(
        findings_table=findings_table, fines_table=fines_table, evaluation_query=evaluation_query, con=records.con,
        evaluation_counts=evaluation_counts, rejects=_private_rejects(records.rejects(), pseudo),
        loads={k: vars(v) for k, v in records.loads.items()}, rules=rules, scenario=scenario, params=params,
        timings=timings, source=str(records_path), generated_at=dt.datetime.now().isoformat(timespec="seconds"),
        extra=extra, notes=notes, pseudonyms=pseudo,
    )


def _write_findings(con: Any, select: str, order: str, in_order: bool = True) -> str:
    """Write table audit_findings_base from ``select``, numbered in ``order``; returns the SQL of a finding's number.
    In order: the rows are written sorted and a finding's number is its row number (cheapest). Otherwise (millions of
    findings, when writing in sorted order needs more memory than the limit allows: DuckDB holds sorted batches until
    they can be written in order) the number is a window's row number and the rows are written unordered."""
    if in_order:
        con.execute(f"CREATE OR REPLACE TEMP TABLE audit_findings_base AS {select} ORDER BY {order}")
        return "f.rowid + 1"
    con.execute("SET preserve_insertion_order = false")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE audit_findings_base AS SELECT row_number() OVER (ORDER BY "
                    f"{order.replace(' worker_id', ' _worker_id')}) AS _n, * FROM ({select})")
    finally:
        con.execute("SET preserve_insertion_order = true")
    return "f._n"


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


FINE_SCHEMA = pa.schema([
    ("fine_id", pa.string()), ("employer_id", pa.string()), ("worker_ref", pa.string()), ("rule_id", pa.string()),
    ("citation", pa.string()), ("policy", pa.string()), ("policy_url", pa.string()), ("violation_date", pa.date32()),
    ("outcome", pa.string()), ("norm_amount", pa.decimal128(14, 2)), ("amount", pa.decimal128(14, 2)),
    ("steps", pa.string()), ("confidence", pa.string()), ("findings", pa.int64()), ("presumption", pa.bool_()),
])
_PART_SCHEMA = pa.schema([f for f in FINE_SCHEMA if f.name not in ("fine_id", "findings", "presumption")]
                         + [("finding_ids", pa.list_(pa.string())), ("presumption", pa.bool_())])
_PART_COLUMNS = ("employer_id, worker_ref, rule_id, citation, policy, policy_url, violation_date, outcome, norm_amount, "
                 "amount, steps, confidence, finding_ids, presumption")


#: the order of fine ids within a part; decision lines (engine: _decision_adjustments) per employer in the order they
#: apply (their policy text names the factor_id)
_FINE_ORDER = ("CASE WHEN starts_with(rule_id, 'decision.') THEN '' ELSE rule_id END, employer_id, "
               "CASE WHEN starts_with(rule_id, 'decision.') THEN policy END, worker_ref, violation_date, finding_ids[1]")


def _fines(ctx: AuditContext, findings: str, findings_text: str) -> tuple[str, str]:
    """Every statute's fine policy prices its findings (table ``findings`` in DuckDB). A statute's ``fines`` module
    gives either ``fines_sql(ctx, findings) -> [SQL]`` (priced in DuckDB: for offences with very many fines) or
    ``compute_fines(ctx, findings: pa.Table) -> [dict]`` (Python, with engine/fines.py FineBuilder). Creates and
    returns the names of two DuckDB tables: the findings with ``fine_id`` (the fine each belongs to) and the fines."""
    con = ctx.records.con
    parts: list[str] = []
    for pkg in law.statute_packages():
        fines_mod = getattr(pkg, "fines", None)
        if fines_mod is None:
            continue
        if hasattr(fines_mod, "fines_sql"):
            if not _package_rules_found(ctx, pkg):  # nothing to price: its queries would give no fines
                continue
            from eerlijkwerk.law.wml.fines_sql import CORE

            for core, present in fines_mod.fines_sql(ctx, findings):
                # the numbers are computed now; the texts and steps are rendered when the fines are read
                name = f"fines_core_{len(parts)}"
                con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {core}")
                parts.append(f"SELECT {len(parts)} AS part, {_PART_COLUMNS} FROM ({present.replace(CORE, name)})")
            continue
        prefix = pkg.__name__.rsplit(".", 1)[-1] + "."
        sub = _package_findings(ctx, pkg, findings)
        if sub.num_rows == 0:
            continue
        rows = list(fines_mod.compute_fines(ctx, sub))
        if not rows:
            continue
        presumed = dict(zip(sub.column("finding_id").to_pylist(), sub.column("presumption").to_pylist()))
        for r in rows:  # a fine that rests only on presumed findings is shown apart: due only if the facts are proven
            r["presumption"] = bool(r["finding_ids"]) and all(presumed.get(i) for i in r["finding_ids"])
        name = _store_fines(con, f"fines_part_{len(parts)}_{prefix[:-1]}", rows)
        parts.append(f"SELECT {len(parts)} AS part, {_PART_COLUMNS} FROM {name}")
    decision = _decision_adjustments(ctx, parts)
    if decision:
        parts.append(f"SELECT {len(parts)} AS part, {_PART_COLUMNS} FROM {decision}")
    if not parts:
        parts = ["SELECT 0 AS part, NULL::VARCHAR AS employer_id, NULL::VARCHAR AS worker_ref, NULL::VARCHAR AS rule_id, "
                 "NULL::VARCHAR AS citation, NULL::VARCHAR AS policy, NULL::VARCHAR AS policy_url, NULL::DATE AS "
                 "violation_date, NULL::VARCHAR AS outcome, NULL::DECIMAL(14,2) AS norm_amount, NULL::DECIMAL(14,2) AS "
                 "amount, NULL::VARCHAR AS steps, NULL::VARCHAR AS confidence, NULL::VARCHAR[] AS finding_ids, "
                 "NULL::BOOLEAN AS presumption WHERE FALSE"]
    # every fine id of an audit has the same width (6 digits, more for a million fines or more): ids sort as numbers
    width = max(6, len(str(con.sql(f"SELECT count(*) FROM ({' UNION ALL '.join(parts)})").fetchall()[0][0])))
    con.execute("CREATE OR REPLACE TEMP VIEW audit_fines AS SELECT 'B' || lpad(CAST(row_number() OVER (ORDER BY "
                f"part, {_FINE_ORDER}) AS VARCHAR), {width}, '0') "
                "AS fine_id, "
                "employer_id, worker_ref, rule_id, citation, policy, policy_url, violation_date, outcome, norm_amount, "
                "amount, steps, confidence, CAST(len(finding_ids) AS BIGINT) AS findings, presumption, finding_ids "
                f"FROM ({' UNION ALL '.join(parts)})")
    # views: the findings (up to millions, with their texts) are not copied again to add the fine id
    con.execute("CREATE OR REPLACE TEMP VIEW fine_of AS SELECT finding_id, min(fine_id) AS fine_id FROM (SELECT "
                "unnest(finding_ids) AS finding_id, fine_id FROM audit_fines) GROUP BY finding_id")
    con.execute(f"CREATE OR REPLACE TEMP VIEW audit_findings_out AS SELECT x.*, o.fine_id FROM {findings_text} x "
                f"LEFT JOIN fine_of o USING (finding_id)")
    return "audit_findings_out", "audit_fines"


def _unused_factors(ctx: AuditContext) -> list[str]:
    """A note for every fine_factors row of one rule's fines (scope fine) that no fine of this audit can take: the
    rule has no finding for that employer (and worker). Such a row is not applied, and the report says so."""
    rows = ctx.records.con.sql(
        "SELECT f.factor_id, f.employer_id, f.rule_id, f.factor, f.worker_id IS NOT NULL FROM fine_factors f "
        "WHERE f.scope = 'fine' AND NOT EXISTS (SELECT 1 FROM audit_findings_base b WHERE b.rule_id = f.rule_id "
        "AND b.employer_id = f.employer_id AND (f.worker_id IS NULL OR b._worker_id = f.worker_id)) "
        "ORDER BY f.factor_id").fetchall()
    return [f"fine_factors row {fid}: {factor} not applied, because {rule} has no finding for employer {emp}"
            + (" and that worker" if has_worker else "") + " in this audit"
            for fid, emp, rule, factor, has_worker in rows]


def _decision_adjustments(ctx: AuditContext, parts: list[str]) -> str | None:
    """Factors an inspector applies to the total of a fine decision (fine_factors rows with scope ``decision``: a
    reasonable-time reduction of the whole decision, a cut for the cumulation of fines under several statutes on one
    inspection, a moderation or capacity-to-pay cut of the total). Each row becomes one line of the fines table,
    after the fines it adjusts: ``norm_amount`` the total it applies to (the employer's established fines of the
    statute named in rule_id, or of every statute for '*', less the adjustments before it), ``amount`` the cut
    (negative, EUR rounded half-up to the cent), so that the fines add up to the decision's amount. Rows apply in
    factor_id order, each on what the ones before left. A row whose decision holds no fine is listed as not applied.
    Presumed fines are not part of a decision (they are due only if the facts are proven) and are not adjusted.
    Returns the name of the table of those lines, or None when there are no decision rows."""
    from eerlijkwerk.engine.factor_policy import DECISION_SOURCE
    from eerlijkwerk.engine.fines import money

    con = ctx.records.con
    rows = con.sql("SELECT factor_id, employer_id, rule_id, factor, value, reason FROM fine_factors "
                   "WHERE scope = 'decision' ORDER BY employer_id, factor_id").fetchall()
    if not rows:
        return None
    union = " UNION ALL ".join(parts) if parts else None
    base: dict[tuple[str, str], tuple[Decimal, Any]] = {}
    if union:
        for emp, statute, total, last in con.sql(
                f"SELECT employer_id, split_part(rule_id, '.', 1), sum(amount), max(violation_date) FROM ({union}) "
                f"WHERE NOT coalesce(presumption, FALSE) GROUP BY ALL").fetchall():
            base[(emp, statute)] = (Decimal(total or 0), last)
    done: list[tuple[str, str, Decimal]] = []  # (employer, statute or *, cut) applied so far
    out: list[dict[str, Any]] = []
    for factor_id, emp, statute, factor, value, reason in rows:
        scope = [(k, v) for k, v in base.items() if k[0] == emp and (statute == "*" or k[1] == statute)]
        total = sum((v[0] for _, v in scope), Decimal(0))
        # cuts before it: of this statute; for '*', every cut of the employer (a '*' cut is not split by statute)
        total += sum((c for e, st, c in done if e == emp and (statute == "*" or st == statute)), Decimal(0))
        last = max((v[1] for _, v in scope if v[1] is not None), default=None)
        pct = Decimal(str(value))
        what = "every statute" if statute == "*" else statute
        text = f"{factor} −{pct}%" + (f" ({reason})" if reason else "")
        steps = [{"step": f"total of the decision: established fines of employer {emp} under {what}",
                  "factor": None, "result": str(money(total)), "source": None, "note": None}]
        if not scope:
            outcome, cut = "not applied: the audit gives this decision no fine", Decimal("0.00")
            steps.append({"step": text, "factor": None, "result": "0.00", "source": DECISION_SOURCE[factor],
                          "note": f"fine_factors row {factor_id}: no established fine of this employer under {what}"})
        else:
            outcome, cut = "decision adjustment", -money(total * pct / 100)
            steps.append({"step": text, "factor": str(1 - pct / 100), "result": str(money(total + cut)),
                          "source": DECISION_SOURCE[factor], "note": f"fine_factors row {factor_id} (scope decision)"})
            done.append((emp, statute, cut))
        out.append({"employer_id": emp, "worker_ref": None, "rule_id": f"decision.{statute}",
                    "citation": DECISION_SOURCE[factor], "policy": f"inspector's decision (fine_factors {factor_id})",
                    "policy_url": "", "violation_date": last, "outcome": outcome, "norm_amount": money(total),
                    "amount": cut, "steps": steps, "confidence": "confirmed", "finding_ids": [],
                    "presumption": False})
    return _store_fines(con, "fines_decision_adjustments", out)


def _store_fines(con: Any, name: str, rows: list[dict[str, Any]]) -> str:
    """Fines computed in Python (dicts with the _PART_SCHEMA columns; ``steps`` a list, written as JSON) as DuckDB
    table ``name``; returns the name."""
    cols = {f.name: [r.get(f.name) for r in rows] for f in _PART_SCHEMA}
    cols["steps"] = [json.dumps(x, default=str, ensure_ascii=False) for x in cols["steps"]]
    con.register(name + "_arrow", pa.table(cols, schema=_PART_SCHEMA))
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
    finally:
        con.unregister(name + "_arrow")
    return name


def _package_findings(ctx: AuditContext, pkg: Any, findings: str) -> pa.Table:
    """The findings of one statute package's rules, as Arrow (what its Python fine policy and extra tables read)."""
    rule_ids = _package_rules_found(ctx, pkg)
    if not rule_ids:  # no findings: the empty table, without reading the findings
        return ctx.records.con.sql(f"SELECT * FROM {findings} LIMIT 0").to_arrow_table()
    where = ", ".join("'" + r.replace("'", "''") + "'" for r in rule_ids)
    return ctx.records.con.sql(f"SELECT * FROM {findings} WHERE rule_id IN ({where}) ORDER BY finding_id").to_arrow_table()


def _package_rules_found(ctx: AuditContext, pkg: Any) -> list[str]:
    """The ids of the rules of one statute package that have findings in this audit."""
    present = ctx.memo("engine.rules_with_findings", lambda c: {r for (r,) in c.records.con.sql(
        "SELECT DISTINCT rule_id FROM audit_findings_base").fetchall()})
    return [r for r in RULES if RULES[r].func.__module__.startswith(pkg.__name__ + ".") and r in present]


def _evaluations(ctx: AuditContext, pseudo: Pseudonymiser) -> tuple[Callable[[], str | None], dict[str, Any]]:
    """A builder of the SQL of the per-payslip evaluation table (pseudonymised; compiled when first used), and the
    evaluation's counts."""
    if "wml.flagged" not in ctx._cache:
        return (lambda: None), {}
    from eerlijkwerk.law.wml.evaluation import counts as wml_counts, evaluated, evaluation, with_rate_detail

    def query() -> str:
        t = with_rate_detail(ctx, evaluated(ctx, evaluation(ctx)))
        t = t.select("_row", "payslip_id", "employer_id", "worker_id", "period_start", "period_end", "hours_worked",
                     "hours_basis", "evaluable", "not_evaluated_reason", "shortfall", "housing_cap",
                     "holiday_allowance_due", "holiday_allowance", "confidence", "rate_detail",
                     minimum_wage_due=t.due, gross_wage=t.gross, unlawful_deductions=t.unlawful_deductions)
        # every payslip's worker gets a pseudonym now (only when the evaluation table is wanted)
        pseudo.cover(ctx.records.con, ctx.sql(ctx.table("payslips").select("worker_id")))
        return (f"SELECT e.payslip_id, e.employer_id, p.worker_ref, e.period_start, e.period_end, "
                f"e.hours_worked, e.hours_basis, e.evaluable, e.not_evaluated_reason, e.minimum_wage_due, e.gross_wage, "
                f"e.unlawful_deductions, e.shortfall, e.housing_cap, e.holiday_allowance_due, e.holiday_allowance, "
                f"e.confidence, e.rate_detail FROM ({ctx.sql(t)}) e LEFT JOIN {pseudo.TABLE} p "
                f"ON p.worker_id = e.worker_id ORDER BY e._row")

    return query, wml_counts(ctx)
