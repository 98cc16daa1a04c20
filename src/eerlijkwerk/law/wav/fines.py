"""Wav fines: the Beleidsregel boeteoplegging Wav in force on the violation date (last day of the illegal work).

Per illegally employed foreign national per employer: the norm amount for the employer's legal form
(wav.boete_normbedrag), aggravation (+% once, wav.boete_verzwaring: situations the records show — three or more
foreign nationals, a prior Wav violation within 5 years — and those the inspector records), culpability
(wav.boete_verwijtbaarheid: the inspector's assessment; default: not assessed, norm applies in full, stated),
statutory recidivism (art. 19d Wav), moderations the inspector or a court decided, a warning instead of a fine where
the 2025 policy allows it, and the statutory maximum. Every step is named with its source.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pyarrow as pa

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.fines import (rows_of, FactorBook, FineBuilder, PriorViolations, apply_moderations, employers,
                                      recidivism)

LEGAL_FORM_KEY = {"legal_person": "legal_person", "natural_person": "natural_person",
                  "private_household": "private_household", "non_profit": "non_profit_legal_person"}
#: the fine is decided now: the date that selects the culpability scale (see below)
DECISION_DATE = dt.date.today()


def compute_fines(ctx: AuditContext, findings: pa.Table) -> list[dict[str, Any]]:
    rows = rows_of(findings, "wav.no_permit")
    if not rows:
        return []
    emp = employers(ctx)
    book = FactorBook(ctx)
    priors = PriorViolations(ctx)
    per_employer: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        per_employer[r["employer_id"]].add(r["_worker_id"])
    out = []
    for r in rows:
        employer, date = r["employer_id"], r["period_end"]
        entry = ctx.params.at("wav.boete_normbedrag", date)
        fb = FineBuilder(employer, r["worker_ref"], "wav.no_permit", "art. 2 lid 1 Wav", date, entry, [r["finding_id"]])
        if entry is None:
            out.append(fb.no_policy().row())
            continue
        form = LEGAL_FORM_KEY[emp.get(employer, {}).get("legal_form") or "legal_person"]
        fb.start(f"norm amount per foreign national ({form.replace('_', ' ')})", entry.value[form], entry,
                 note=f"{r['hours']} hour(s) of work without a permit; role: {r['reason']}"
                 + (" (presumed)" if r.get("presumption") else ""))
        factors = book.for_fine(employer, "wav.no_permit", r["_worker_id"])
        n_foreign = len(per_employer[employer])

        # warning instead of a fine (policy from 2025-02-01): first offence, few foreign nationals, listed situation
        w = ctx.params.at("wav.boete_waarschuwing", date)
        situation = factors.first("warning_situation")
        if w is not None and w.value is not None and situation is not None:
            first = not priors.within(employer, "wav", date, int(w.value["first_offence_window_years"]), irrevocable=False)
            few = n_foreign <= int(w.value["max_foreign_nationals"])
            if first and few:
                out.append(fb.warning("warning instead of a fine",
                                      f"situation {situation['value']}; first Wav violation in "
                                      f"{w.value['first_offence_window_years']} years; {n_foreign} foreign "
                                      f"national(s) ≤ {w.value['max_foreign_nationals']}", w).row())
                continue
            fb.note("warning not possible", f"first offence: {first}; {n_foreign} foreign national(s)", w)

        agg = ctx.params.at("wav.boete_verzwaring", date)
        if agg is not None and agg.value is not None:
            recorded = [f["value"] for f in factors.get("aggravation")]
            seen = []  # situations the records show; applied only when the inspector records them (case A4)
            if "three_or_more_foreign_nationals" in agg.value["situations"] and n_foreign >= 3:
                seen.append(f"three_or_more_foreign_nationals ({n_foreign} at this employer)")
            window = agg.value.get("prior_violation_window_years")
            if ("prior_violation_5y" in agg.value["situations"] and window
                    and priors.within(employer, "wav", date, int(window), irrevocable=False)):
                seen.append("prior_violation_5y")
            if recorded:
                fb.times(f"aggravation +{agg.value['percent']}% (once)", 1 + Decimal(agg.value["percent"]) / 100, agg,
                         note="; ".join(recorded))
            else:
                fb.note("aggravation", "none recorded by the inspector" + (
                    f"; the records show {', '.join(seen)} — a situation of the policy: record it in fine_factors "
                    f"if the inspector applies it" if seen else ""), agg)

        # culpability: the scale applying when the fine is decided; ABRS 13 July 2022 (ECLI:NL:RVS:2022:1973)
        # applies it to every fine decided since, also for earlier violations (cases A3, A4)
        scale = ctx.params.at("wav.boete_verwijtbaarheid", max(date, DECISION_DATE))
        culp = factors.first("culpability")
        if scale is not None and scale.value is not None:
            if culp is not None:
                pct = Decimal(scale.value[culp["value"]])
                fb.times(f"culpability: {culp['value'].replace('_', ' ')} = {pct}% of the amount", pct / 100, scale,
                         note=culp.get("reason") or "")
            else:
                fb.note("culpability", "not assessed in the input: the amount applies in full (default); the "
                                       "inspector records intent / gross negligence / normal / reduced", scale)

        recidivism(fb, priors, "wav", ctx.params.at("wav.boete_recidive", date))
        apply_moderations(fb, factors)
        mx = ctx.params.at("wav.boete_maximum", date)
        if mx is not None and mx.value and mx.value.get("amount_eur") is not None:
            fb.cap(f"statutory maximum (fine category {mx.value['category']})", mx.value["amount_eur"], mx)
        out.append(fb.row())
    return out
