"""Waadi fines (Beleidsregel boeteoplegging Waadi, Stcrt. 2014, 5048 and successors): the same tiers for lender and
hirer, by the number of workers lent or hired without registration; × the repeat factor for a second or third
offence (prior irrevocable Waadi fines); × 0.5 for a hirer who is a natural person; × 0.5 where the inspector found
reduced culpability (fine_factors culpability = reduced: Beleidsregels boeteoplegging Waadi 2014 art. 6, BWBR0034835:
"Indien de onderneming of de inlener kan aantonen dat hij ... verminderd verwijtbaar heeft gehandeld, dan kan de
bestuurlijke boete met 50% worden gematigd"; any other grade: the amount applies in full, stated); then the factors
of general administrative law (engine/fines.py apply_moderations). Wtta fines: not yet set — the fine says so, no
amount is guessed, and any factor rows given for it are named as not applied."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.fines import (rows_of, FactorBook, FineBuilder, PriorViolations, apply_moderations, employers,
                                      unapplied)

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
        given = book.for_fine(r["employer_id"], r["rule_id"], None)
        if entry is None or entry.value is None:
            fb.no_policy()
            unapplied(fb, given, "no fine amount is set for this date")
            out.append(fb.row())
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
        _culpability(fb, given, entry)
        apply_moderations(fb, given)
        out.append(fb.row())
    return out


def _culpability(fb: FineBuilder, factors, entry) -> None:
    """Reduced culpability: × the policy's factor (2014 art. 6: 50%, 'kan ... worden gematigd': the inspector's
    finding, fine_factors culpability = reduced). Any other grade leaves the amount in full (the Waadi policy knows no
    scale above 'reduced'); no row: not assessed, amount in full."""
    rows = factors.get("culpability")
    reduced = (entry.value.get("moderations") or {}).get("reduced_culpability_factor")
    for f in rows:
        if f["value"] == "reduced" and reduced is not None:
            fb.times(f"culpability: reduced (art. 6 Waadi policy 2014) × {reduced} (factor {f['factor_id']})", reduced,
                     entry, note=f.get("reason") or "")
        else:
            fb.note(f"culpability: {f['value'].replace('_', ' ')} (factor {f['factor_id']})",
                    "the Waadi policy moderates only for reduced culpability (art. 6): the amount applies in full"
                    + ("" if reduced is not None else "; no reduced-culpability factor in the policy in force"), entry)
    if not rows:
        fb.note("culpability", "not assessed in the input: the amount applies in full (default); the inspector records "
                               "culpability = reduced where art. 6 of the policy applies", entry)
