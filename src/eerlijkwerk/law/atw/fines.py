"""Atw fines: the Beleidsregel boeteoplegging Arbeidstijdenwet en Arbeidstijdenbesluit 2013 (BWBR0032353), in force
on the date of the violation (parameters/boete_*.yaml, beboetbare_bepalingen.yaml; docs/atw.md).

One offence = one norm (one rule) breached for one worker, all its findings in the audited records together; the
record-keeping offence (art. 4:3 lid 1) is one offence per employer, whatever the number of workers. Steps, each named
in the fine:

1. the offence must be one under art. 10:1 Atw (atw.beboetbare_bepalingen); if not: reported, no fine;
2. norm amount of bijlage 1 (atw.boete_normbedragen) for its subject (rest, working time, night work, registration);
3. × the size factor of art. 2 (atw.boete_correctie, employers.headcount; not given: the policy's base band 50–99,
   factor 1.0, and the fine says so);
4. bijlage 2 (atw.boete_direct): a listed offence is fined at once, × 1.5 (art. 6); any other gets a warning first
   (art. 1 lid 2 onder a) — unless the records show it was warned or fined before for the same or a similar
   obligation (prior_violations of statute atw, or a fine_factors row ``warning_situation`` =
   ``earlier_warning_not_complied``). For the registration offence the list's condition (a full inspection was not
   possible) is taken as met when there is no record at all; a fine_factors ``warning_situation`` =
   ``inspection_not_hindered`` says otherwise;
5. at most 3 / 6 / 9 / 12 workers in the fine report by size (art. 5): the workers with the most fined offences
   (then the most findings) are taken, the others listed as not in the report;
6. the factors of general administrative law the inspector or a court decided (fine_factors, each a named step, in
   this order): ``moderation_percent`` (art. 5:46 lid 2 Awb), ``financial_capacity_percent`` (draagkracht, idem),
   ``reasonable_time_percent`` (art. 6 lid 1 EVRM); default none. The Atw policy itself knows no culpability scale
   and no aggravation: such rows are refused on input (engine/factor_policy.py). Recidivism (art. 10:7 Atw) is not
   encoded (the current text was not read): stated;
7. the fines of one employer are added (art. 7): each fine is one row; the report sums them.

Money: Decimal; the policy's own factors are exact (at most two decimals); a percentage off is rounded half-up to the
cent (engine/fines.py money). Written as EUR with two decimals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.factor_policy import GENERAL, GENERAL_SOURCE
from eerlijkwerk.engine.fines import RANK, money
from eerlijkwerk.law.atw.rules import ABOVE_LID_7
from eerlijkwerk.params import DatedValue


#: rule -> (article of the offence as listed in atw.beboetbare_bepalingen, row of bijlage 1, label of that row)
OFFENCE = {
    "atw.shift_too_long": ("5:7 lid 2", "adult_working_time", "workers 18+: arbeidstijd"),
    "atw.week_too_long": ("5:7 lid 2", "adult_working_time", "workers 18+: arbeidstijd"),
    "atw.average_16_weeks": ("5:7 lid 2", "adult_working_time", "workers 18+: arbeidstijd"),
    "atw.average_4_weeks": ("5:7 lid 3", "adult_working_time", "workers 18+: arbeidstijd"),
    "atw.daily_rest": ("5:3 lid 2", "adult_rest", "workers 18+: rusttijd"),
    "atw.weekly_rest": ("5:5 lid 2", "adult_rest", "workers 18+: rusttijd"),
    "atw.break": ("5:4 lid 2", None, "no row for breaks of workers 18+"),
    "atw.night_shift_too_long": ("5:8 lid 1", "adult_night_work", "workers 18+: nachtarbeid"),
    "atw.night_average_16_weeks": ("5:8 lid 2", "adult_night_work", "workers 18+: nachtarbeid"),
    "atw.rest_after_night_shift": ("5:8 lid 4", "adult_night_work", "workers 18+: nachtarbeid"),
    "atw.rest_after_night_series": ("5:8 lid 5", "adult_night_work", "workers 18+: nachtarbeid"),
    "atw.consecutive_shifts_with_night": ("5:8 lid 6", "adult_night_work", "workers 18+: nachtarbeid"),
    "atw.late_night_shifts": ("5:8 lid 8", "adult_night_work", "workers 18+: nachtarbeid"),
    "atw.records_missing": ("4:3 lid 1", "registration", "arbeids- en rusttijdenregistratie"),
}
EMPLOYER_OFFENCES = ("atw.records_missing",)  # one offence per employer, not per worker


def _cite(entry: DatedValue) -> str:
    return f"{entry.source} [{entry.confidence.value}]"


class _Policy:
    """The fine policy's entries in force on one date, with what the fine steps cite of them (read once per date: an
    audit can have tens of thousands of offences)."""

    def __init__(self, ctx: AuditContext, date: dt.date):
        self.norm = ctx.params.at("atw.boete_normbedragen", date)
        self.corr = ctx.params.at("atw.boete_correctie", date)
        self.direct = ctx.params.at("atw.boete_direct", date)
        self.listed = ctx.params.at("atw.beboetbare_bepalingen", date)
        entries = (self.norm, self.corr, self.direct, self.listed)
        self.conf = {id(e): e.confidence.value for e in entries if e is not None}
        self.cite = {id(e): _cite(e) for e in entries if e is not None}
        self.codes = _direct_codes(self.direct)


def _direct_codes(entry: DatedValue | None) -> dict[str, dict[str, Any]]:
    return {} if entry is None else {item["code"]: item for item in entry.value}


def _is_direct(rule_id: str, rows: list[dict[str, Any]], codes: dict[str, dict[str, Any]]) -> tuple[bool, str]:
    """Whether the offence is on bijlage 2, and why (the finding's measured values against the list's thresholds)."""
    def th(code: str, key: str) -> Decimal | None:
        t = (codes.get(code) or {}).get("threshold") or {}
        return t.get(key)

    if rule_id in ("atw.shift_too_long", "atw.night_shift_too_long"):
        limit, rest = th("f3", "more_than"), th("f2", "less_than")
        hit = [r for r in rows if limit is not None and r["hours"] > limit
               and (r["amount"] is None or rest is None or r["amount"] < rest)]
        return bool(hit), f"f3: more than {limit} h in a dienst (a dienst joined over a rest counts only if that rest is under {rest} h)"
    if rule_id == "atw.week_too_long":
        limit = th("f4", "more_than")
        return any(limit is not None and r["hours"] > limit for r in rows), f"f4: more than {limit} h in a week"
    if rule_id in ("atw.average_16_weeks", "atw.night_average_16_weeks"):
        limit = th("f5", "more_than")
        return (any(limit is not None and r["hours"] > limit for r in rows),
                f"f5: more than {limit} h a week on average over 16 weeks")
    if rule_id == "atw.daily_rest":
        limit = th("f2", "less_than")
        return any(limit is not None and r["hours"] < limit for r in rows), f"f2: a rest under {limit} h in 24 h"
    if rule_id == "atw.weekly_rest":
        limit = th("f1", "less_than")
        return (any(limit is not None and r["amount"] < limit for r in rows),
                f"f1: no uninterrupted rest of {limit} h in 14 × 24 h")
    if rule_id == "atw.records_missing":
        return "a" in codes, "a: no proper registration, a full inspection over the period is not possible"
    return False, "not on the list"


def _factors(ctx: AuditContext) -> dict[tuple[str, str], list[dict[str, Any]]]:
    t = ctx.backend.to_pyarrow(ctx.table("fine_factors"))
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in t.to_pylist():
        if r["scope"] == "fine":  # decision rows: engine/run.py _decision_adjustments
            out[(r["employer_id"], r["rule_id"])].append(r)
    return out


def _priors(ctx: AuditContext) -> dict[str, list[dict[str, Any]]]:
    t = ctx.backend.to_pyarrow(ctx.table("prior_violations"))
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in t.to_pylist():
        if r["statute"] == "atw":
            out[r["employer_id"]].append(r)
    return out


def _headcounts(ctx: AuditContext) -> dict[str, int | None]:
    t = ctx.backend.to_pyarrow(ctx.table("employers").select("employer_id", "headcount"))
    return dict(zip(t.column("employer_id").to_pylist(), t.column("headcount").to_pylist()))


def _size(corr: DatedValue, headcount: int | None) -> tuple[dict[str, Any], str]:
    bands = corr.value["size_bands"]
    if headcount is None:
        base = next(b for b in bands if Decimal(b["factor"]) == 1)
        return base, (f"headcount not given (employers.headcount): the policy's base band {base['label']} "
                      f"({base['from_employees']}–{base['to_employees']} employees, factor {base['factor']}) is used")
    for b in bands:
        if headcount >= b["from_employees"] and (b["to_employees"] is None or headcount <= b["to_employees"]):
            return b, f"{headcount} employees: {b['label']}"
    raise ValueError(f"no size band for headcount {headcount}")


def _matching(rows: list[dict[str, Any]], worker: str | None) -> list[dict[str, Any]]:
    return [r for r in rows if r["worker_id"] is None or r["worker_id"] == worker]


#: the columns of a finding the fine steps read
_COLUMNS = ["rule_id", "_worker_id", "employer_id", "worker_ref", "finding_id", "period_start", "period_end", "hours",
            "amount", "reason"]


def compute_fines(ctx: AuditContext, findings: pa.Table) -> list[dict[str, Any]]:
    """All Atw fines for the findings (see the module docstring), in the shape engine/run.py expects."""
    groups: dict[tuple[str, str | None, str], list[dict[str, Any]]] = defaultdict(list)
    atw = findings.select(_COLUMNS)  # (the texts of tens of thousands of findings are not copied)
    atw = atw.filter(pc.is_in(atw.column("rule_id"), pa.array(list(OFFENCE), pa.string())))
    for row in atw.to_pylist():
        rid = row["rule_id"]
        worker = None if rid in EMPLOYER_OFFENCES else row["_worker_id"]
        groups[(row["employer_id"], worker, rid)].append(row)
    if not groups:
        return []
    factors, priors, heads = _factors(ctx), _priors(ctx), _headcounts(ctx)
    policies: dict[dt.date, _Policy] = {}

    offences = []
    for (employer, worker, rid), rows in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])):
        date = max((r["period_end"] or r["period_start"]) for r in rows)
        if date not in policies:
            policies[date] = _Policy(ctx, date)
        offences.append(_price(policies[date], employer, worker, rid, rows, date, factors, priors, heads))

    # art. 5: at most N workers in the fine report per employer (per-worker offences with a fine)
    by_employer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for o in offences:
        if o["_worker"] is not None and o["outcome"] == "fine":
            by_employer[o["employer_id"]].append(o)
    for employer, fined in by_employer.items():
        cap = fined[0]["_max_workers"]
        per_worker: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for o in fined:
            per_worker[o["_worker"]].append(o)
        ranked = sorted(per_worker, key=lambda w: (-len(per_worker[w]), -sum(o["findings"] for o in per_worker[w]), w))
        kept = set(ranked[:cap])
        for w, os in per_worker.items():
            for o in os:
                if w in kept:
                    o["steps"].insert(-2, {"step": "worker in the fine report (art. 5)", "factor": "1",
                                           "result": str(o["amount"]),
                                           "note": f"{len(per_worker)} worker(s) with a fined offence; at most {cap} "
                                                   f"in the report for this size; ranked by fined offences, then "
                                                   f"findings"})
                else:
                    o["steps"].append({"step": "worker not in the fine report (art. 5)", "result": "0.00",
                                       "note": f"at most {cap} workers in the report for this size; "
                                               f"{len(per_worker)} had a fined offence"})
                    o["outcome"] = "not in fine report (art. 5)"
                    o["amount"] = Decimal("0.00")
    # the steps of most fines are alike (tens of thousands in a large audit): equal steps share one dict
    shared: dict[tuple, dict[str, Any]] = {}

    def share(step: dict[str, Any]) -> dict[str, Any]:
        try:
            return shared.setdefault(tuple(step.items()), step)
        except TypeError:  # a value that cannot be a key: the step stays its own
            return step

    for o in offences:
        o.pop("_worker")
        o.pop("_max_workers")
        o["steps"] = [share(st) for st in o["steps"]]
    return offences


def _price(pol: _Policy, employer: str, worker: str | None, rid: str, rows: list[dict[str, Any]],
           date: dt.date, factors: dict, priors: dict, heads: dict) -> dict[str, Any]:
    article, row_key, row_label = OFFENCE[rid]
    if rid == "atw.consecutive_shifts_with_night" and any(r["reason"] == ABOVE_LID_7 for r in rows):
        article = "5:8 lid 7"  # above the outer limit: the offence of lid 7
    citation = f"art. {article} Atw"
    norm_e, corr_e, direct_e, list_e = pol.norm, pol.corr, pol.direct, pol.listed
    cite = pol.cite
    out = {"employer_id": employer, "worker_ref": None if worker is None else rows[0]["worker_ref"], "rule_id": rid,
           "citation": citation, "violation_date": date, "findings": len(rows),
           "finding_ids": [r["finding_id"] for r in rows], "_worker": worker, "_max_workers": 0,
           "norm_amount": None, "amount": None, "steps": []}
    steps: list[dict[str, Any]] = out["steps"]
    if norm_e is None or corr_e is None or list_e is None:
        out.update(policy="no fine policy in force on this date", policy_url="", outcome="no policy",
                   confidence="unconfirmed")
        return out
    out.update(policy=norm_e.source, policy_url=norm_e.url)
    conf = pol.conf[id(norm_e)]

    def worst(entry: DatedValue | None) -> None:
        nonlocal conf
        if entry is not None and RANK[pol.conf[id(entry)]] > RANK[conf]:
            conf = pol.conf[id(entry)]

    worst(list_e)
    fineable = article in (list_e.value.get("fineable_18_plus") or [])
    if not fineable or row_key is None:
        steps.append({"step": "offence under art. 10:1 Atw?", "result": "0.00", "source": cite[id(list_e)],
                      "note": f"art. {article} is a norm, but not an offence listed in art. 10:1 (no administrative "
                              f"fine; bijlage 1: {row_label}). Reported, not fined."})
        out.update(outcome="not fineable (art. 10:1 Atw)", amount=Decimal("0.00"), confidence=conf)
        return out
    steps.append({"step": "offence under art. 10:1 Atw", "result": "yes", "source": cite[id(list_e)],
                  "note": f"art. {article} is listed"})
    norm = Decimal(norm_e.value[row_key])
    steps.append({"step": f"norm amount (bijlage 1: {row_label})", "result": str(money(norm)),
                  "source": cite[id(norm_e)],
                  "note": "per offence" + ("" if worker is None else ", for this worker")})
    worst(corr_e)
    band, size_note = _size(corr_e, heads.get(employer))
    out["_max_workers"] = int(band["max_workers_in_report"])
    size_f = Decimal(band["factor"])
    amount = norm * size_f
    steps.append({"step": "size of the employer (art. 2)", "factor": str(size_f), "result": str(money(amount)),
                  "source": cite[id(corr_e)], "note": size_note})

    direct, why = _is_direct(rid, rows, pol.codes)
    fx = _matching(factors.get((employer, rid), []), worker)
    situation = [f for f in fx if f["factor"] == "warning_situation"]
    if direct and any(f["value"] == "inspection_not_hindered" for f in situation):
        direct, why = False, "the inspector found that the deficient records did not hinder the inspection (fine_factors)"
    if direct:
        worst(direct_e)
        f = Decimal(corr_e.value["direct_fine_factor"])
        amount = amount * f
        steps.append({"step": "offence on the direct-fine list, bijlage 2 (art. 6)", "factor": str(f),
                      "result": str(money(amount)), "source": cite[id(direct_e)], "note": why})
    else:
        prior = [p for p in priors.get(employer, []) if p["decision_date"] <= date
                 and (not p["article"] or p["article"].split()[0] == article.split()[0])]
        warned = [f for f in situation if f["value"] == "earlier_warning_not_complied"]
        if not prior and not warned:
            steps.append({"step": "not on bijlage 2: a warning first (art. 1 lid 2 onder a)", "result": "0.00",
                          "source": cite[id(direct_e)] if direct_e else "",
                          "note": "no earlier warning or fine for the same or a similar obligation in the records "
                                  "(prior_violations, fine_factors); a fine follows if it is found again"})
            moot = [f for f in fx if f["factor"] != "warning_situation"]
            if moot:
                steps.append({"step": "inspector's factors not applied", "result": "0.00",
                              "note": "the outcome is a warning, there is no amount: " + ", ".join(
                                  f"{f['factor_id']} ({f['factor']} {f['value']})" for f in moot)})
            out.update(outcome="warning", norm_amount=money(norm), amount=Decimal("0.00"), confidence=conf)
            return out
        basis = (f"earlier decision {prior[0]['violation_id']} of {prior[0]['decision_date']} (art. "
                 f"{prior[0]['article'] or 'Atw'})" if prior else f"fine_factors: {warned[0]['reason'] or warned[0]['value']}")
        steps.append({"step": "not on bijlage 2, found again after a warning or fine (art. 1 lid 2 onder a)",
                      "factor": "1", "result": str(money(amount)), "note": basis})
    label = {"moderation_percent": "moderation", "financial_capacity_percent": "financial capacity",
             "reasonable_time_percent": "reasonable time exceeded"}
    general = [f for factor in GENERAL for f in fx if f["factor"] == factor]
    for f in general:
        pct = Decimal(f["value"])
        amount = money(amount * (100 - pct) / 100)
        steps.append({"step": f"{label[f['factor']]} −{pct}% (factor {f['factor_id']})", "factor": str(1 - pct / 100),
                      "result": str(amount), "source": GENERAL_SOURCE[f["factor"]],
                      **({"note": f["reason"]} if f["reason"] else {})})
    steps.append({"step": "recidivism (art. 10:7 Atw)", "factor": "1", "result": str(money(amount)),
                  "note": "the statutory increase for a repeat offence is not encoded (current text not read); "
                          f"{len(priors.get(employer, []))} earlier Atw decision(s) in the records"})
    steps.append({"step": "several offences: fines added (art. 7)", "result": str(money(amount)),
                  "note": "this fine is one term of the employer's total"})
    if amount != money(amount):
        raise ValueError(f"{rid}: fine {amount} not in whole cents")
    out.update(outcome="fine", norm_amount=money(norm), amount=money(amount), confidence=conf)
    return out
