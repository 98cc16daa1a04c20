"""WagwEU fines (Beleidsregel boeteoplegging WagwEU): a notification fine per posting employer and start date,
by the number of workers in it (or the self-employed amount), and a fine per client that did not check."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import pyarrow as pa

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.fines import rows_of, FactorBook, FineBuilder, apply_moderations, employers


def compute_fines(ctx: AuditContext, findings: pa.Table) -> list[dict[str, Any]]:
    rows = rows_of(findings, "wagweu.no_notification", "wagweu.client_no_check")
    emp = employers(ctx)
    book = FactorBook(ctx)
    out = []
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["rule_id"] == "wagweu.no_notification":
            groups[(r["employer_id"], r["period_start"], r["detail"])].append(r)
    for (employer, start, kind), rs in sorted(groups.items()):
        entry = ctx.params.at("wagweu.boete_melding", start)
        fb = FineBuilder(employer, None, "wagweu.no_notification", "art. 8 lid 1 WagwEU", start, entry,
                         [r["finding_id"] for r in rs])
        if entry is None:
            out.append(fb.no_policy().row())
            continue
        n = len({r["_worker_id"] for r in rs})
        if kind == "self-employed":
            fb.start("norm amount: self-employed person", entry.value["self_employed"], entry)
        else:
            band = next(b for b in entry.value["bands"]
                        if n >= b["from_workers"] and (b["to_workers"] is None or n <= b["to_workers"]))
            fb.start(f"norm amount: posting of {n} worker(s) not notified", band["amount"], entry)
        apply_moderations(fb, book.for_fine(employer, "wagweu.no_notification", None))
        out.append(fb.row())
    for r in rows:
        if r["rule_id"] != "wagweu.client_no_check":
            continue
        entry = ctx.params.at("wagweu.boete_overig", r["period_start"])
        fb = FineBuilder(r["employer_id"], r["worker_ref"], "wagweu.client_no_check", "art. 8 lid 3 WagwEU",
                         r["period_start"], entry, [r["finding_id"]])
        amounts = entry.value.get("client_not_checking") if entry and entry.value else None
        form = emp.get(r["employer_id"], {}).get("legal_form") or "legal_person"
        key = "legal_person" if form in ("legal_person", "non_profit") else "natural_person"
        if not amounts or amounts.get(key) is None:
            out.append(fb.no_policy().row())
            continue
        fb.start(f"norm amount: client did not check ({key.replace('_', ' ')})", Decimal(amounts[key]), entry)
        apply_moderations(fb, book.for_fine(r["employer_id"], "wagweu.client_no_check", r["_worker_id"]))
        out.append(fb.row())
    return out
