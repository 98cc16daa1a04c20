"""Summaries of an audit result: per rule, per employer, per worker (back pay), input counts. Pure data, no layout.

Money stays Decimal (EUR). Back pay owed = minimum-wage shortfall (wml.underpayment) + holiday-allowance shortfall
(wml.holiday_allowance); deduction findings are part of the underpayment shortfall and are not added again.

The findings and fines stay in the audit's DuckDB connection (an audit can have millions): every total is aggregated
there, in DECIMAL, and only aggregated rows (per rule, employer, worker) come to Python, as Decimal. The per-worker
list has a row per worker with findings (hundreds of thousands in a large audit): :class:`Aggregates` keeps it in
DuckDB and gives its first rows, or all of them in batches.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterator

from eerlijkwerk.engine.run import AuditResult

BACK_PAY_RULES = ("wml.underpayment", "wml.holiday_allowance")
ZERO = Decimal("0.00")

_BACK_PAY = "rule_id IN (" + ", ".join(f"'{r}'" for r in BACK_PAY_RULES) + ")"
_PRESUMED = "coalesce(presumption, false)"
#: the columns of a per-worker row, in the order of the summary (and report.json)
WORKER_COLUMNS = ("employer_id", "worker_ref", "findings", "back_pay", "back_pay_presumed", "rules", "first", "last",
                  "fines")


def rows(con: Any, sql: str) -> list[dict[str, Any]]:
    """The rows of a query as dicts (DECIMAL → Decimal, DATE → date)."""
    rel = con.sql(sql)
    names = rel.columns
    return [dict(zip(names, r)) for r in rel.fetchall()]


class Aggregates:
    """The audit's findings and fines aggregated in its DuckDB connection. A context manager: on entry it copies the
    columns the summaries read from the findings and fines views (which render texts and join the fines on read) into
    narrow temporary tables and aggregates the per-worker table; on exit it drops them."""

    F = "report_summary_findings"  # finding_id, rule, employer, worker, period, shortfall, presumption
    B = "report_summary_fines"  # fine_id, rule, employer, worker, outcome, amount, presumption
    W = "report_summary_workers"  # one row per (employer, worker) with findings, WORKER_COLUMNS + rank

    def __init__(self, result: AuditResult):
        self.result = result
        self.con = result.con

    def __enter__(self) -> Aggregates:
        con, F, B = self.con, self.F, self.B
        con.execute(f"CREATE OR REPLACE TEMP TABLE {F} AS SELECT finding_id, rule_id, employer_id, worker_ref, "
                    f"period_start, period_end, shortfall, presumption FROM {self.result.findings_table}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {B} AS SELECT fine_id, rule_id, employer_id, worker_ref, outcome, "
                    f"CAST(amount AS DECIMAL(14,2)) AS amount, presumption FROM {self.result.fines_table}")
        # a worker is (employer, worker reference); findings without a worker are one (empty) worker of their employer.
        # rank: highest back pay first, then worker reference, then the worker's first finding
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {self.W} AS
            WITH wr AS (
                SELECT employer_id, worker_ref, rule_id, count(*) AS n,
                       sum(shortfall) FILTER (WHERE {_BACK_PAY} AND NOT {_PRESUMED}) AS back_pay,
                       sum(shortfall) FILTER (WHERE {_BACK_PAY} AND {_PRESUMED}) AS back_pay_presumed,
                       min(period_start) AS first, max(period_end) AS last, min(finding_id) AS first_finding
                FROM {F} GROUP BY ALL),
            w AS (
                SELECT employer_id, worker_ref, sum(n)::BIGINT AS findings, coalesce(sum(back_pay), 0) AS back_pay,
                       coalesce(sum(back_pay_presumed), 0) AS back_pay_presumed,
                       string_agg(rule_id || ' ×' || n, ', ' ORDER BY rule_id) AS rules,
                       min(first) AS first, max(last) AS last, min(first_finding) AS first_finding
                FROM wr GROUP BY ALL),
            b AS (SELECT employer_id, worker_ref, coalesce(sum(amount), 0) AS fines FROM {B} GROUP BY ALL)
            SELECT w.employer_id, w.worker_ref, w.findings, w.back_pay, w.back_pay_presumed, w.rules, w.first, w.last,
                   coalesce(b.fines, 0) AS fines,
                   row_number() OVER (ORDER BY w.back_pay + w.back_pay_presumed DESC, coalesce(w.worker_ref, ''),
                                      w.first_finding) AS rank
            FROM w LEFT JOIN b ON w.employer_id IS NOT DISTINCT FROM b.employer_id
                              AND w.worker_ref IS NOT DISTINCT FROM b.worker_ref""")
        return self

    def __exit__(self, *exc: Any) -> None:
        for t in (self.W, self.F, self.B):
            self.con.execute(f"DROP TABLE IF EXISTS {t}")

    def per_rule(self) -> dict[str, dict[str, Any]]:
        """Per rule with findings or fines: findings, presumed, workers (a missing worker counts as one), back pay,
        fines."""
        got = rows(self.con, f"""
            WITH f AS (
                SELECT rule_id, count(*) AS findings, count(*) FILTER (WHERE {_PRESUMED}) AS presumed,
                       count(DISTINCT worker_ref) + (count(*) FILTER (WHERE worker_ref IS NULL) > 0)::INT AS workers,
                       coalesce(sum(shortfall) FILTER (WHERE {_BACK_PAY}), 0) AS amount
                FROM {self.F} GROUP BY rule_id),
            b AS (SELECT rule_id, coalesce(sum(amount), 0) AS fines FROM {self.B} GROUP BY rule_id)
            SELECT rule_id, coalesce(f.findings, 0) AS findings, coalesce(f.presumed, 0) AS presumed,
                   coalesce(f.workers, 0) AS workers, coalesce(f.amount, 0) AS amount, coalesce(b.fines, 0) AS fines
            FROM f FULL JOIN b USING (rule_id)""")
        return {r.pop("rule_id"): r for r in got}

    @property
    def workers_total(self) -> int:
        return self.con.sql(f"SELECT count(*) FROM {self.W}").fetchall()[0][0]

    def per_worker(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The per-worker rows in rank order, the first ``limit`` (None: all)."""
        return rows(self.con, self._workers_sql() + (f" LIMIT {int(limit)}" if limit is not None else ""))

    def per_worker_batches(self, size: int = 20_000) -> Iterator[list[dict[str, Any]]]:
        """All per-worker rows in rank order, ``size`` at a time."""
        for batch in self.con.sql(self._workers_sql()).to_arrow_reader(size):
            yield batch.to_pylist()

    def _workers_sql(self) -> str:
        return f"SELECT {', '.join(WORKER_COLUMNS)} FROM {self.W} ORDER BY rank"

    def per_employer(self) -> list[dict[str, Any]]:
        """Per employer with findings or fines, highest fines first; ties in the order of the employers' first worker
        in the per-worker list, then employers with fines only, in fine order."""
        return rows(self.con, f"""
            WITH e AS (
                SELECT employer_id, sum(findings)::BIGINT AS findings, count(*) AS workers, sum(back_pay) AS back_pay,
                       sum(back_pay_presumed) AS back_pay_presumed, min(rank) AS rank
                FROM {self.W} GROUP BY employer_id),
            b AS (
                SELECT employer_id, coalesce(sum(amount), 0) AS fines,
                       count(*) FILTER (WHERE outcome = 'warning') AS warnings, min(fine_id) AS first_fine
                FROM {self.B} GROUP BY employer_id)
            SELECT employer_id, coalesce(e.findings, 0) AS findings, coalesce(e.workers, 0) AS workers,
                   coalesce(e.back_pay, 0) AS back_pay, coalesce(e.back_pay_presumed, 0) AS back_pay_presumed,
                   coalesce(b.fines, 0) AS fines, coalesce(b.warnings, 0) AS warnings
            FROM e FULL JOIN b USING (employer_id)
            ORDER BY coalesce(b.fines, 0) DESC, e.rank NULLS LAST, b.first_fine""")

    def totals(self) -> dict[str, Any]:
        [f] = rows(self.con, f"""
            SELECT count(*) AS findings, count(*) FILTER (WHERE {_PRESUMED}) AS findings_presumed,
                   coalesce(sum(shortfall) FILTER (WHERE {_BACK_PAY} AND NOT {_PRESUMED}), 0) AS back_pay_owed,
                   coalesce(sum(shortfall) FILTER (WHERE {_BACK_PAY} AND {_PRESUMED}), 0) AS back_pay_presumed
            FROM {self.F}""")
        [b] = rows(self.con, f"""
            SELECT coalesce(sum(amount) FILTER (WHERE NOT {_PRESUMED}), 0) AS fines_total,
                   coalesce(sum(amount) FILTER (WHERE {_PRESUMED}), 0) AS fines_presumed,
                   count(*) FILTER (WHERE outcome = 'fine') AS fines_count,
                   count(*) FILTER (WHERE outcome = 'warning') AS warnings_count
            FROM {self.B}""")
        return {**f, **b}

    def per_month(self) -> list[dict[str, Any]]:
        """Findings per month of the period start and rule (for the report's chart)."""
        return rows(self.con, f"SELECT strftime(period_start, '%Y-%m') AS month, rule_id AS rule, count(*) AS findings "
                              f"FROM {self.F} WHERE period_start IS NOT NULL GROUP BY ALL ORDER BY month, rule")

    def summary(self, max_workers: int | None = None) -> dict[str, Any]:
        """The summary; ``per_worker`` holds the first ``max_workers`` workers (None: all)."""
        return _summary(self.result, self.per_rule(), self.totals(), self.per_employer(), self.per_worker(max_workers))


def summarise(result: AuditResult) -> dict[str, Any]:
    """Totals, per rule, per employer and per worker (all workers with findings, highest back pay first)."""
    with Aggregates(result) as agg:
        return agg.summary()


def _summary(result: AuditResult, found: dict[str, dict[str, Any]], totals: dict[str, Any],
             employers: list[dict[str, Any]], workers: list[dict[str, Any]]) -> dict[str, Any]:
    per_rule: dict[str, dict[str, Any]] = {}
    for r in result.rules:
        agg = found.get(r.id, {"findings": 0, "presumed": 0, "workers": 0, "amount": ZERO, "fines": ZERO})
        per_rule[r.id] = {"rule": r.id, "statute": r.statute, "title": r.title_text(result.params),
                          "citation": r.citation, "url": r.url,
                          "status": r.status.value, **agg}

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
        **totals,
        "per_rule": list(per_rule.values()),
        "per_employer": employers,
        "per_worker": workers,
        "rules": [{"id": r.id, "citation": r.citation, "url": r.url, "status": r.status.value,
                   "title": r.title_text(result.params)}
                  for r in {r.id: r for r in result.rules}.values()],
        "parameters_not_confirmed": [{"parameter": p, "valid_from": d, "confidence": c} for p, d, c in unconfirmed],
        "timings": result.timings,
        "notes": result.notes,
    }
