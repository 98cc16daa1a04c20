"""WML fines: the Beleidsregel boeteoplegging WML in force on the date of the violation (docs/fine-policy-wml.md).

One fine per employee per offence (art. 7, 7a, 15, 18b lid 2), each step named: the norm amount from the table and
every factor applied to it. Factors that the inspector decides (culpability, reasonable-time reductions, the employer's
proof of a short employment) are inputs with a stated default, never guessed. Deduction findings (art. 13) are part of
the underpayment they cause and are priced there, not fined twice.

Policy sources: parameters/boete_*.yaml (BWBR0041512 and predecessors).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterable

import pyarrow as pa

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.fines import rows_of
from eerlijkwerk.params import DatedValue

HUNDRED = Decimal(100)
RANK = {"confirmed": 0, "secondary": 1, "unconfirmed": 2}
DEDUCTION_RULES = ("wml.housing_deduction", "wml.health_insurance_deduction", "wml.other_deduction")


def months_exact(start: dt.date, end_inclusive: dt.date) -> Fraction:
    """Length of [start, end_inclusive] in months, exactly: whole calendar months from ``start`` plus the remaining
    days as a fraction of the following month (1 Jan – 31 Jan = 1; 1 Jan – 14 Feb = 1 + 14/28)."""
    end = end_inclusive + dt.timedelta(days=1)
    months = 0

    def add(d: dt.date, m: int) -> dt.date:
        y, mo = divmod(d.month - 1 + m, 12)
        y += d.year
        return dt.date(y, mo + 1, min(d.day, calendar.monthrange(y, mo + 1)[1]))

    while add(start, months + 1) <= end:
        months += 1
    base = add(start, months)
    nxt = add(start, months + 1)
    return months + Fraction((end - base).days, (nxt - base).days)


def months_between(start: dt.date, end_inclusive: dt.date) -> Decimal:
    """:func:`months_exact` as a Decimal (for display and band lookup; band edges are whole months, so the
    28-digit precision cannot move a value across one)."""
    m = months_exact(start, end_inclusive)
    return Decimal(m.numerator) / Decimal(m.denominator)


def in_band(x: Decimal, lo: Decimal | None, hi: Decimal | None, lo_incl: bool = True, hi_incl: bool = False) -> bool:
    if lo is not None and (x < lo or (x == lo and not lo_incl)):
        return False
    if hi is not None and (x > hi or (x == hi and not hi_incl)):
        return False
    return True


def pct_band(bands: list[dict[str, Any]], pct: Decimal) -> int:
    for i, b in enumerate(bands):
        if in_band(pct, b.get("from"), b.get("to")):
            return i
    raise ValueError(f"no percentage band for {pct}")


def duration_band(bands: list[dict[str, Any]], months: Decimal) -> int:
    for i, b in enumerate(bands):
        if in_band(months, b.get("from_months"), b.get("to_months"), b.get("from_inclusive", True),
                   b.get("to_inclusive", False)):
            return i
    raise ValueError(f"no duration band for {months}")


def _policy(ctx: AuditContext, pid: str, date: dt.date) -> DatedValue | None:
    return ctx.params.at(pid, date)


def _cite(entry: DatedValue) -> str:
    return f"{entry.source} [{entry.confidence.value}]"


def _group(findings: pa.Table, rule_ids: Iterable[str]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows_of(findings, *rule_ids):
        groups[(row["employer_id"], row["_worker_id"])].append(row)
    return groups


def _legal_forms(ctx: AuditContext) -> dict[str, str]:
    t = ctx.backend.to_pyarrow(ctx.table("employers").select("employer_id", "legal_form"))
    return dict(zip(t.column("employer_id").to_pylist(), t.column("legal_form").to_pylist()))


def _common_factors(ctx: AuditContext, steps: list[dict[str, Any]], amount: Decimal, legal_form: str | None,
                    date: dt.date) -> Decimal:
    """Factors every WML fine goes through, each appended to ``steps``."""
    if legal_form in ("natural_person", "private_household"):
        f = _policy(ctx, "wml.boete_factor_natuurlijk_persoon", date)
        if f is not None:
            amount = (amount * f.value).quantize(Decimal("0.01"))
            steps.append({"step": "employer is a natural person", "factor": str(f.value), "result": str(amount),
                          "source": _cite(f)})
    steps.append({"step": "recidivism (art. 18f WML)", "factor": "1",
                  "result": str(amount), "note": "no prior irrevocable WML fine in the records (prior violations "
                                                 "are not part of this input yet)"})
    steps.append({"step": "moderation (culpability, reasonable time, capacity to pay: art. 5:46 Awb)", "factor": "1",
                  "result": str(amount), "note": "inspector's decision; default none"})
    return amount


def _warning_applies(ctx: AuditContext, date: dt.date, pct: Decimal, shortfall: Decimal, article: str,
                     steps: list[dict[str, Any]]) -> bool:
    w = _policy(ctx, "wml.boete_waarschuwing", date)
    if w is None or f"art. {article}" not in (w.value.get("applies_to") or []):
        return False
    small = pct < w.value["below_percent"] or shortfall < w.value["below_eur"]
    applies = small and pct < w.value["unless_at_least_percent"]
    if applies:
        steps.append({"step": "warning instead of a fine", "result": "0.00", "source": _cite(w),
                      "note": (f"underpayment {pct:.2f}% or EUR {shortfall} is below {w.value['below_percent']}% / "
                               f"EUR {w.value['below_eur']} and not ≥ {w.value['unless_at_least_percent']}%; no prior "
                               f"violation within {w.value['not_if_prior_within_years']} years in the records. The "
                               f"employer gets {w.value['cure_period_weeks']} weeks to pay; otherwise a fine follows.")})
    return applies


def _fine_row(employer: str, rows: list[dict[str, Any]], rule_id: str, citation: str, entry: DatedValue | None,
              date: dt.date, outcome: str, norm: Decimal | None, amount: Decimal | None, steps: list[dict[str, Any]],
              extra_ids: list[str] = ()) -> dict[str, Any]:
    conf = "unconfirmed" if entry is None else entry.confidence.value
    for s in steps:  # the fine is only as sure as the least sure value it used
        c = s.get("source", "")
        for level in ("unconfirmed", "secondary"):
            if c.endswith(f"[{level}]") and RANK[level] > RANK[conf]:
                conf = level
    return {
        "employer_id": employer, "worker_ref": rows[0]["worker_ref"], "rule_id": rule_id, "citation": citation,
        "policy": entry.source if entry else "no fine policy in force on this date",
        "policy_url": entry.url if entry else "", "violation_date": date, "outcome": outcome,
        "norm_amount": norm, "amount": amount, "steps": steps, "confidence": conf, "findings": len(rows) + len(extra_ids),
        "finding_ids": [r["finding_id"] for r in rows] + list(extra_ids),
    }


def underpayment_fines(ctx: AuditContext, findings: pa.Table) -> list[dict[str, Any]]:
    """Art. 7 WML: per underpaid employee, the table cell for (underpayment %, duration), then the common factors.

    Underpayment % = total shortfall ÷ total minimum wage due over the underpaid periods × 100 (the policy does not
    define the base: engine's reading, stated in each fine). Duration = first to last underpaid period, in months.
    """
    forms = _legal_forms(ctx)
    out = []
    deductions = _group(findings, DEDUCTION_RULES)
    for (employer, worker), rows in sorted(_group(findings, ["wml.underpayment"]).items()):
        shortfall = sum((r["shortfall"] for r in rows), Decimal(0))
        due = sum((r["due"] for r in rows), Decimal(0))
        start = min(r["period_start"] for r in rows)
        end = max(r["period_end"] for r in rows)
        extra = [r["finding_id"] for r in deductions.get((employer, worker), [])]
        entry = _policy(ctx, "wml.boete_onderbetaling", end)
        if entry is None:
            out.append(_fine_row(employer, rows, "wml.underpayment", "art. 7 WML", None, end, "no policy", None, None,
                                 [], extra))
            continue
        pol = entry.value
        pct = (shortfall / due * HUNDRED) if due else HUNDRED
        months = months_between(start, end)
        pi, di = pct_band(pol["percentage_bands"], pct), duration_band(pol["duration_bands"], months)
        norm = pol["amounts"][pi][di]
        steps: list[dict[str, Any]] = [{
            "step": "norm amount (table: underpayment % × duration)", "result": str(norm), "source": _cite(entry),
            "note": (f"shortfall EUR {shortfall} of minimum wage due EUR {due} = {pct:.2f}% (band {pi + 1}); "
                     f"{start}..{end} = {months:.2f} months (band {di + 1}). The policy does not define the % base: "
                     f"engine's reading = total shortfall ÷ total due over the underpaid periods."),
        }]
        minimum = pol.get("minimum_underpayment_row")
        if minimum and shortfall < minimum["below_eur"]:
            norm = minimum["amount"]
            steps.append({"step": f"underpayment below EUR {minimum['below_eur']}", "result": str(norm),
                          "source": _cite(entry)})
        if _warning_applies(ctx, end, pct, shortfall, "7", steps):
            out.append(_fine_row(employer, rows, "wml.underpayment", "art. 7 WML", entry, end, "warning", norm,
                                 Decimal("0.00"), steps, extra))
            continue
        amount = _common_factors(ctx, steps, Decimal(norm), forms.get(employer), end)
        out.append(_fine_row(employer, rows, "wml.underpayment", "art. 7 WML", entry, end, "fine", Decimal(norm),
                             amount, steps, extra))
    return out


def holiday_allowance_fines(ctx: AuditContext, findings: pa.Table) -> list[dict[str, Any]]:
    """Art. 15 WML: per employee, by underpayment % of the minimum holiday allowance due (no duration)."""
    forms = _legal_forms(ctx)
    out = []
    for (employer, worker), rows in sorted(_group(findings, ["wml.holiday_allowance"]).items()):
        short = sum((r["shortfall"] for r in rows), Decimal(0))
        due = sum((r["due"] for r in rows), Decimal(0))
        end = max(r["period_end"] for r in rows)
        entry = _policy(ctx, "wml.boete_vakantiebijslag", end)
        if entry is None:
            out.append(_fine_row(employer, rows, "wml.holiday_allowance", "art. 15 WML", None, end, "no policy", None,
                                 None, []))
            continue
        pol = entry.value
        pct = (short / due * HUNDRED) if due else HUNDRED
        pi = pct_band(pol["percentage_bands"], pct)
        norm = pol["amounts"][pi]
        steps = [{"step": "norm amount (table: underpayment %)", "result": str(norm), "source": _cite(entry),
                  "note": f"holiday allowance short EUR {short} of EUR {due} due = {pct:.2f}% (band {pi + 1})"}]
        minimum = pol.get("minimum_underpayment_row")
        if minimum and short < minimum["below_eur"]:
            norm = minimum["amount"]
            steps.append({"step": f"underpayment below EUR {minimum['below_eur']}", "result": str(norm),
                          "source": _cite(entry)})
        if _warning_applies(ctx, end, pct, short, "15", steps):
            out.append(_fine_row(employer, rows, "wml.holiday_allowance", "art. 15 WML", entry, end, "warning", norm,
                                 Decimal("0.00"), steps))
            continue
        amount = _common_factors(ctx, steps, Decimal(norm), forms.get(employer), end)
        out.append(_fine_row(employer, rows, "wml.holiday_allowance", "art. 15 WML", entry, end, "fine",
                             Decimal(norm), amount, steps))
    return out


def cash_payment_fines(ctx: AuditContext, findings: pa.Table, underpaid: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """Art. 7a WML: per employee, by the period in which the wage was at least once not paid by transfer."""
    forms = _legal_forms(ctx)
    out = []
    for (employer, worker), rows in sorted(_group(findings, ["wml.cash_payment"]).items()):
        start = min(r["period_start"] for r in rows)
        end = max(r["period_end"] for r in rows)
        entry = _policy(ctx, "wml.boete_giraal", end)
        if entry is None:
            out.append(_fine_row(employer, rows, "wml.cash_payment", "art. 7a WML", None, end, "no policy", None,
                                 None, []))
            continue
        months = months_between(start, end)
        di = duration_band(entry.value["duration_bands"], months)
        norm = Decimal(entry.value["amounts"][di])
        steps = [{"step": "norm amount (table: period with cash payment)", "result": str(norm), "source": _cite(entry),
                  "note": f"{start}..{end} = {months:.2f} months (band {di + 1})"}]
        if (employer, worker) in underpaid:
            steps.append({"step": "no separate art. 7a fine: the same wage is fined under art. 7", "result": "0.00",
                          "note": "policy 2017 art. 2 lid 2 (secondary); see docs/fine-policy-wml.md §4"})
            out.append(_fine_row(employer, rows, "wml.cash_payment", "art. 7a WML", entry, end, "included in art. 7 fine",
                                 norm, Decimal("0.00"), steps))
            continue
        amount = _common_factors(ctx, steps, norm, forms.get(employer), end)
        out.append(_fine_row(employer, rows, "wml.cash_payment", "art. 7a WML", entry, end, "fine", norm, amount, steps))
    return out


def records_fines(ctx: AuditContext, findings: pa.Table) -> list[dict[str, Any]]:
    """Art. 18b lid 2 WML: a fixed amount per employee concerned; lower only if the employer proves that the
    employment lasted under 6 months (an input the inspector records; default: not proven)."""
    forms = _legal_forms(ctx)
    out = []
    for (employer, worker), rows in sorted(_group(findings, ["wml.records_missing"]).items()):
        end = max((r["period_end"] or r["period_start"]) for r in rows)
        entry = _policy(ctx, "wml.boete_administratie", end)
        if entry is None:
            out.append(_fine_row(employer, rows, "wml.records_missing", "art. 18b lid 2 WML", None, end, "no policy",
                                 None, None, []))
            continue
        norm = Decimal(entry.value["amount_per_employee"])
        steps = [{"step": "norm amount per employee concerned", "result": str(norm), "source": _cite(entry)},
                 {"step": "employer proved employment shorter than "
                          f"{entry.value['reduced_if_employer_proves_employment_shorter_than_months']} months",
                  "factor": "no", "result": str(norm),
                  "note": "inspector's input; default not proven. If proven: "
                          + ", ".join(f"{b['to_months']} months → EUR {a}" for b, a in
                                      zip(entry.value["reduced_duration_bands"], entry.value["reduced_amounts"]))}]
        amount = _common_factors(ctx, steps, norm, forms.get(employer), end)
        out.append(_fine_row(employer, rows, "wml.records_missing", "art. 18b lid 2 WML", entry, end, "fine", norm,
                             amount, steps))
    return out


def compute_fines(ctx: AuditContext, findings: pa.Table) -> list[dict[str, Any]]:
    """All WML fines for the findings (see the functions above). Returns dicts in the shape run._fines expects."""
    under = underpayment_fines(ctx, findings)
    underpaid = set(_group(findings, ["wml.underpayment"]))
    return (under + holiday_allowance_fines(ctx, findings) + cash_payment_fines(ctx, findings, underpaid)
            + records_fines(ctx, findings))
