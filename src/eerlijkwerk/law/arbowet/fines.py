"""Arbowet fines (Beleidsregel boeteoplegging arbowetgeving, BWBR0032326): norm amounts by category, the company
size percentage, and for the violation that caused an accident the accident multiplier.

Not reporting a serious accident (art. 9 lid 1, tarieflijst): reported late by the employer → category 3; the
Inspectorate learned of it otherwise (not reported by the employer) → category 5; no longer investigable →
EUR 50,000 (an inspector's finding: fine_factors aggravation ``no_longer_investigable``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyarrow as pa

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.fines import (rows_of, FactorBook, FineBuilder, PriorViolations, apply_moderations, employers,
                                      recidivism)
from eerlijkwerk.params import DatedValue


def _size(fb: FineBuilder, entry: DatedValue | None, headcount: int | None) -> None:
    if entry is None or entry.value is None:
        fb.note("company size", "no size table in force")
        return
    if headcount is None:
        fb.note("company size", "headcount not in the records: no size percentage applied (100%); the inspector "
                                "records the number of employees incl. hired-in workers", entry)
        return
    band = next(b for b in entry.value["bands"]
                if headcount >= b["from_employees"] and (b["to_employees"] is None or headcount <= b["to_employees"]))
    fb.times(f"company size {headcount} employees → {band['percent']}%", Decimal(band["percent"]) / 100, entry)


def _multiplier(v: dict[str, Any], severity: str, nights: int | None, recorded: str | None) -> tuple[str | None, Any]:
    if recorded and v.get(recorded) is not None:
        return recorded, v[recorded]
    if severity == "death":
        return "death", v.get("death")
    if severity == "hospital_admission" and nights is not None:
        key = ("hospital_7_nights_or_more" if nights >= 7 else
               "hospital_2_to_under_7_nights" if nights >= 2 else "hospital_under_2_nights")
        return key, v.get(key)
    if severity == "permanent_injury":
        if v.get("permanent_injury") is not None:
            return "permanent_injury", v["permanent_injury"]
        return "light_permanent_injury", v.get("light_permanent_injury")  # lowest grade unless the inspector grades it
    return severity, v.get(severity)


def compute_fines(ctx: AuditContext, findings: pa.Table) -> list[dict[str, Any]]:
    emp = employers(ctx)
    book = FactorBook(ctx)
    priors = PriorViolations(ctx)
    acc = {r["accident_id"]: r for r in ctx.backend.to_pyarrow(ctx.table("accidents")).to_pylist()}
    by_row = {f"accidents row {r['_row']}": r for r in acc.values()}
    out = []
    for r in rows_of(findings, "arbowet.accident_not_reported", "arbowet.accident_cause"):
        if r["rule_id"] not in ("arbowet.accident_not_reported", "arbowet.accident_cause"):
            continue
        date, employer = r["period_start"], r["employer_id"]
        entry = ctx.params.at("arbowet.boete_normbedragen", date)
        size = ctx.params.at("arbowet.boete_bedrijfsgrootte", date)
        headcount = emp.get(employer, {}).get("headcount")
        factors = book.for_fine(employer, r["rule_id"], r["_worker_id"])
        if r["rule_id"] == "arbowet.accident_not_reported":
            fb = FineBuilder(employer, r["worker_ref"], r["rule_id"], "art. 9 lid 1 Arbowet", date, entry,
                             [r["finding_id"]])
            if entry is None:
                out.append(fb.no_policy().row())
                continue
            rule9 = entry.value["art9_lid1_not_reported"]
            if any(f["value"] == "no_longer_investigable" for f in factors.get("aggravation")):
                fb.start("accident can no longer be investigated (inspector's finding)",
                         rule9["too_late_no_longer_investigable"], entry)
            else:
                by_employer = r["reason"].startswith("reported after")
                cat = str(rule9["too_late_by_employer_still_investigable_category" if by_employer
                                else "too_late_by_other_than_employer_still_investigable_category"])
                fb.start(f"category {cat}: " + ("reported late by the employer" if by_employer
                                                 else "not reported by the employer"),
                         entry.value["categories"][cat], entry)
                _size(fb, size, headcount)
        else:
            mult = ctx.params.at("arbowet.boete_ongevalsfactor", date)
            cat = str(int(r["amount"]))
            fb = FineBuilder(employer, r["worker_ref"], r["rule_id"], r["reason"], date, entry, [r["finding_id"]])
            if entry is None:
                out.append(fb.no_policy().row())
                continue
            fb.start(f"norm amount category {cat} ({r['reason']})", entry.value["categories"][cat], entry)
            a = by_row.get(r["evidence"])
            graded = next((f["value"] for f in factors.get("aggravation")), None)
            if mult is not None and a is not None:
                key, factor = _multiplier(mult.value, a["severity"], a["hospital_nights"], graded)
                if factor is not None:
                    fb.times(f"accident multiplier ({key.replace('_', ' ')})", factor, mult,
                             note="" if graded else "grade of injury not recorded by the inspector: the lowest "
                                                    "applicable multiplier is used")
                else:
                    fb.note("accident multiplier", f"no multiplier in the policy for {key}", mult)
            _size(fb, size, headcount)
        recidivism(fb, priors, "arbowet", ctx.params.at("arbowet.boete_recidive", date))
        apply_moderations(fb, factors)
        out.append(fb.row())
    return out
