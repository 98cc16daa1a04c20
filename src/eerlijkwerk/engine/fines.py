"""Shared pieces of every fine policy: the step-by-step fine, the inspector's factors, prior violations.

A :class:`FineBuilder` starts from a norm amount and records every step (name, factor, result, source, note), so a
fine in the report reads as its own arithmetic. Money is Decimal EUR, rounded half-up to the cent after each step
(:func:`money`: 833.125 → 833.13, never half-even; the policies state amounts in whole euros; factors such as 0.6 or
1.5 keep them in cents).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pyarrow as pa

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.params import CONFIDENCE_RANK, DatedValue

CENT = Decimal("0.01")


def money(x: Decimal | int | str) -> Decimal:
    """``x`` EUR rounded half-up to the cent (833.125 → 833.13). Every fine amount is rounded here: Decimal's own
    default (``quantize`` without a rounding) is half-even and would give 833.12."""
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


RANK = CONFIDENCE_RANK


def cite(entry: DatedValue | None) -> str:
    return "" if entry is None else f"{entry.source} [{entry.confidence.value}]"


@dataclass
class FineBuilder:
    employer_id: str
    worker_ref: str | None
    rule_id: str
    citation: str
    violation_date: dt.date
    policy: DatedValue | None
    finding_ids: list[str]
    steps: list[dict[str, Any]] = field(default_factory=list)
    amount: Decimal | None = None
    norm: Decimal | None = None
    outcome: str = "fine"
    confidence: str = "confirmed"

    def _track(self, entry: DatedValue | None) -> None:
        level = "unconfirmed" if entry is None else entry.confidence.value
        if RANK[level] > RANK[self.confidence]:
            self.confidence = level

    def start(self, name: str, norm: Decimal, entry: DatedValue | None, note: str = "") -> "FineBuilder":
        self.norm = money(norm)
        self.amount = self.norm
        self._track(entry)
        self.steps.append({"step": name, "result": str(self.amount), "source": cite(entry), **({"note": note} if note else {})})
        return self

    def times(self, name: str, factor: Decimal, entry: DatedValue | None = None, note: str = "",
              tracked: bool = True) -> "FineBuilder":
        assert self.amount is not None
        self.amount = money(self.amount * Decimal(factor))
        if tracked and entry is not None:
            self._track(entry)
        self.steps.append({"step": name, "factor": str(factor), "result": str(self.amount), "source": cite(entry),
                           **({"note": note} if note else {})})
        return self

    def note(self, name: str, note: str, entry: DatedValue | None = None) -> "FineBuilder":
        self.steps.append({"step": name, "factor": "1", "result": str(self.amount), "note": note,
                           **({"source": cite(entry)} if entry else {})})
        return self

    def cap(self, name: str, maximum: Decimal | None, entry: DatedValue | None) -> "FineBuilder":
        if maximum is not None and self.amount is not None and self.amount > maximum:
            self.amount = money(maximum)
            self.steps.append({"step": name, "result": str(self.amount), "source": cite(entry)})
        return self

    def warning(self, name: str, note: str, entry: DatedValue | None) -> "FineBuilder":
        self.outcome = "warning"
        self.amount = Decimal("0.00")
        self._track(entry)
        self.steps.append({"step": name, "result": "0.00", "note": note, "source": cite(entry)})
        return self

    def no_policy(self) -> "FineBuilder":
        self.outcome = "no fine policy in force"
        self.confidence = "unconfirmed"
        self.steps.append({"step": "no fine amount is set for this date", "result": "—",
                           "note": "no published fine policy value applies; nothing is guessed"})
        return self

    def row(self) -> dict[str, Any]:
        return {"employer_id": self.employer_id, "worker_ref": self.worker_ref, "rule_id": self.rule_id,
                "citation": self.citation, "policy": self.policy.source if self.policy else "none in force",
                "policy_url": self.policy.url if self.policy else "", "violation_date": self.violation_date,
                "outcome": self.outcome, "norm_amount": self.norm, "amount": self.amount, "steps": self.steps,
                "confidence": self.confidence, "findings": len(self.finding_ids), "finding_ids": self.finding_ids}


#: the finding columns a fine policy reads (the rest — explanation, url, … — stays in Arrow)
FINE_COLUMNS = ("finding_id", "rule_id", "employer_id", "_worker_id", "worker_ref", "payslip_id", "period_start",
                "period_end", "due", "paid", "shortfall", "amount", "threshold", "hours", "reason", "detail",
                "evidence", "presumption")
_ROWS_CACHE: dict[tuple[int, int, tuple[str, ...]], list[dict[str, Any]]] = {}


def rows_of(findings: pa.Table, *rule_ids: str) -> list[dict[str, Any]]:
    """The findings of the given rules as dicts with the columns fine policies read (filtered in Arrow first:
    findings can be many; the conversion is done once per table and rule set)."""
    import pyarrow.compute as pc

    key = (id(findings), findings.num_rows, tuple(sorted(rule_ids)))
    if key not in _ROWS_CACHE:
        if len(_ROWS_CACHE) > 64:
            _ROWS_CACHE.clear()
        mask = pc.is_in(findings.column("rule_id"), value_set=pa.array(list(rule_ids), pa.string()))
        cols = [c for c in FINE_COLUMNS if c in findings.column_names]
        _ROWS_CACHE[key] = findings.filter(mask).select(cols).to_pylist()
    return _ROWS_CACHE[key]


def employers(ctx: AuditContext) -> dict[str, dict[str, Any]]:
    t = ctx.backend.to_pyarrow(ctx.table("employers").select("employer_id", "legal_form", "headcount", "role"))
    return {r["employer_id"]: r for r in t.to_pylist()}


@dataclass
class Factors:
    """The inspector's decisions (fine_factors table) for one fine."""

    rows: list[dict[str, Any]]

    def get(self, factor: str) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["factor"] == factor]

    def first(self, factor: str) -> dict[str, Any] | None:
        rows = self.get(factor)
        return rows[0] if rows else None


class FactorBook:
    def __init__(self, ctx: AuditContext):
        t = ctx.backend.to_pyarrow(ctx.table("fine_factors"))
        self._by: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in t.to_pylist():
            if r["scope"] == "fine":  # decision rows: engine/run.py _decision_adjustments
                self._by[(r["employer_id"], r["rule_id"])].append(r)

    def for_fine(self, employer: str, rule_id: str, worker_id: str | None) -> Factors:
        rows = [r for r in self._by.get((employer, rule_id), []) if r["worker_id"] in (None, worker_id)]
        return Factors(rows)


class PriorViolations:
    def __init__(self, ctx: AuditContext):
        t = ctx.backend.to_pyarrow(ctx.table("prior_violations"))
        self._by: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in t.to_pylist():
            self._by[(r["employer_id"], r["statute"])].append(r)

    def within(self, employer: str, statute: str, date: dt.date, years: int,
               irrevocable: bool) -> list[dict[str, Any]]:
        """Prior violations decided in the ``years`` before ``date`` (irrevocable ones only if asked)."""
        start = date.replace(year=date.year - years) if not (date.month == 2 and date.day == 29) \
            else dt.date(date.year - years, 3, 1)
        out = []
        for r in self._by.get((employer, statute), []):
            if not (start <= r["decision_date"] < date):
                continue
            if irrevocable and (r["irrevocable_date"] is None or r["irrevocable_date"] > date):
                continue
            out.append(r)
        return out


def recidivism(fb: FineBuilder, priors: PriorViolations, statute: str, entry: DatedValue | None,
               serious_now: bool = False) -> None:
    """Statutory increase for repeat offences (e.g. art. 19d Wav, 18f WML, 34 Arbowet), from a parameter with
    window_years, window_years_serious, one_prior_percent, one_prior_both_serious_percent, two_priors_percent."""
    if entry is None or entry.value is None:
        fb.note("recidivism", "no recidivism rule in force on this date")
        return
    v = {k.removeprefix("increase_"): x for k, x in entry.value.items()}  # both spellings used by the policies
    found = priors.within(fb.employer_id, statute, fb.violation_date, int(v["window_years"]), irrevocable=True)
    serious = priors.within(fb.employer_id, statute, fb.violation_date, int(v.get("window_years_serious", v["window_years"])),
                            irrevocable=True)
    serious = [r for r in serious if r["serious"]]
    if len(found) >= 2:
        pct = v["two_priors_percent"]
    elif serious and serious_now:
        pct = v["one_prior_both_serious_percent"]
    elif found:
        pct = v["one_prior_percent"]
    else:
        fb.note("recidivism", f"no irrevocable prior {statute} fine within {v['window_years']} years in the records",
                entry)
        return
    ids = ", ".join(r["violation_id"] for r in (found or serious))
    fb.times(f"recidivism: +{pct}% (prior irrevocable fine(s) {ids})", 1 + Decimal(pct) / 100, entry)


def apply_moderations(fb: FineBuilder, factors: Factors) -> None:
    """The factors of general administrative law that the inspector (or a court) decided, each its own named step, in
    this order: moderation (art. 5:46 lid 2 Awb: seriousness, culpability, circumstances), financial capacity
    (draagkracht, art. 5:46 lid 2 Awb), reasonable time exceeded (art. 6 lid 1 EVRM). Each row is one step: percent off
    the amount so far, rounded half-up to the cent."""
    from eerlijkwerk.engine.factor_policy import GENERAL, GENERAL_SOURCE

    label = {"moderation_percent": "moderation", "financial_capacity_percent": "financial capacity",
             "reasonable_time_percent": "reasonable time exceeded"}
    any_row = False
    for factor in GENERAL:
        for f in factors.get(factor):
            any_row = True
            fb.times(f"{label[factor]} −{f['value']}% (factor {f['factor_id']})", 1 - Decimal(f["value"]) / 100,
                     note=f.get("reason") or "", tracked=False)
            fb.steps[-1]["source"] = GENERAL_SOURCE[factor]
    if not any_row:
        fb.note("moderation", "none recorded (moderation, financial capacity, reasonable time: the inspector's "
                              "decision; default none)")


def unapplied(fb: FineBuilder, factors: Factors, why: str) -> None:
    """Factor rows of a fine that has no amount to apply them to (a warning, no policy): named, not dropped."""
    if factors.rows:
        fb.steps.append({"step": "inspector's factors not applied", "result": str(fb.amount) if fb.amount is not None
                         else "—", "note": why + ": " + ", ".join(f"{f['factor_id']} ({f['factor']} {f['value']})"
                                                                  for f in factors.rows)})
