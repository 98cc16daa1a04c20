"""Waadi fines (Beleidsregel boeteoplegging Waadi, Stcrt. 2014, 5048 and successors): the same tiers for lender and
hirer, by the number of workers lent or hired without registration; × the repeat factor for a second or third
offence (prior irrevocable Waadi fines); × 0.5 for a hirer who is a natural person. Wtta fines: not yet set — the
fine says so and no amount is guessed."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.fines import rows_of, FactorBook, FineBuilder, PriorViolations, apply_moderations, employers

RULES = {"waadi.unregistered_lender": ("art. 7a lid 1 Waadi", "lender"),
         "waadi.hirer_unregistered_lender": ("art. 7a lid 2 Waadi", "hirer"),
         "wtta.not_admitted_lender": ("Wtta (lender)", "lender"),
         "wtta.hirer_not_admitted_lender": ("Wtta (hirer)", "hirer")}


def compute_fines(ctx: AuditContext, findings: pa.Table) -> list[dict[str, Any]]:
    emp = employers(ctx)
    book = FactorBook(ctx)
    priors = PriorViolations(ctx)
    out = []
    for r in rows_of(findings, *RULES):
        if r["rule_id"] not in RULES:
            continue
        citation, role = RULES[r["rule_id"]]
        date = r["period_end"]
        pid = "waadi.wtta_boete" if r["rule_id"].startswith("wtta.") else "waadi.boete_registratie"
        entry = ctx.params.at(pid, date)
        fb = FineBuilder(r["employer_id"], None, r["rule_id"], citation, date, entry, [r["finding_id"]])
        if entry is None or entry.value is None:
            out.append(fb.no_policy().row())
            continue
        n = int(r["hours"])
        band = next(b for b in entry.value["bands"]
                    if n >= b["from_workers"] and (b["to_workers"] is None or n <= b["to_workers"]))
        fb.start(f"norm amount: {n} worker(s) ({band['from_workers']}–{band['to_workers'] or '…'})", band["amount"],
                 entry)
        window = entry.value.get("repeat_window_years")
        prior = priors.within(r["employer_id"], "waadi", date, int(window), irrevocable=True) if window else []
        factors = entry.value.get("repeat_factors") or {}
        if len(prior) >= 2 and factors.get("third"):
            fb.times("third offence", factors["third"], entry, note=", ".join(p["violation_id"] for p in prior))
        elif prior and factors.get("second"):
            fb.times("second offence", factors["second"], entry, note=prior[0]["violation_id"])
        else:
            fb.note("repeat offence", f"no prior irrevocable Waadi fine within {window} years in the records"
                    if window else "no repeat window in the policy values: not applied", entry)
        form = emp.get(r["employer_id"], {}).get("legal_form")
        if role == "hirer" and form in ("natural_person", "private_household") and entry.value.get("natural_person_hirer_factor"):
            fb.times("hirer is a natural person", entry.value["natural_person_hirer_factor"], entry)
        apply_moderations(fb, book.for_fine(r["employer_id"], r["rule_id"], None))
        out.append(fb.row())
    return out
