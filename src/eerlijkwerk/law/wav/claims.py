"""Art. 23 Wav: what an illegally employed foreign national can claim from the employer.

Per worker and employer of record with a ``wav.no_permit`` finding: employment is presumed to have lasted at least
``wav.art23_vermoeden.min_months`` months (6), at the wage and working hours usual in the sector, unless the records
show a longer employment. The usual sector wage and hours are not in the records: the engine uses the statutory
minimum hourly wage for the worker's age on the last day worked (the lowest lawful wage, so the claim is a floor) and
the contract's full-time week (40 h when no contract), and says so. Wages already paid in the period are deducted.
Everyone else in the chain (lender, hirer, main contractor) is jointly liable (art. 23 lid 3–4 Wav).
Source: art. 23 Wav, https://wetten.overheid.nl/BWBR0007149; Directive 2009/52/EC art. 2(j), 6.
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction
from collections import defaultdict
from decimal import Decimal

import pyarrow as pa

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.fines import rows_of
from eerlijkwerk.law.wml.fines import months_exact

CENT = Decimal("0.01")


def _dec(x: Fraction) -> Decimal:
    return Decimal(x.numerator) / Decimal(x.denominator)


def _ceil_cents(x: Fraction) -> Decimal:
    return Decimal(math.ceil(x * 100)) / 100


def _age(birth: dt.date, d: dt.date) -> int:
    return d.year - birth.year - ((d.month, d.day) < (birth.month, birth.day))


def _hourly_minimum(ctx: AuditContext, birth: dt.date, day: dt.date, fulltime: Decimal) -> tuple[Fraction | None, str]:
    age = min(_age(birth, day), 21)
    hourly = ctx.params.at("wml.minimumloon_uur", day)
    if hourly is not None and age in hourly.value:
        return Fraction(hourly.value[age]), f"WML hourly minimum, age {age}{'+' if age == 21 else ''}, {hourly.valid_from}"
    weekly = ctx.params.at("wml.minimumloon_week", day)
    if weekly is not None and age in weekly.value:
        return (Fraction(weekly.value[age]) / Fraction(fulltime),
                f"WML weekly minimum {weekly.value[age]} ÷ {fulltime} h, {weekly.valid_from}")
    return None, "no minimum wage for this date/age in the parameter files"


def extra_tables(ctx: AuditContext, findings: pa.Table) -> dict[str, pa.Table]:
    rows = rows_of(findings, "wav.no_permit")
    if not rows:
        return {}
    pres = ctx.params.at("wav.art23_vermoeden", max(r["period_end"] for r in rows))
    min_months = Decimal(pres.value["min_months"]) if pres and pres.value else None
    chain: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        chain[r["_worker_id"]].add(f"{r['employer_id']} ({r['reason']})")
    births = {r["worker_id"]: r["birth_date"] for r in
              ctx.backend.to_pyarrow(ctx.table("workers").select("worker_id", "birth_date")).to_pylist()}
    slips = ctx.backend.to_pyarrow(ctx.table("payslips").select("worker_id", "employer_id", "period_start",
                                                                "period_end", "gross_wage")).to_pylist()
    contracts = ctx.backend.to_pyarrow(ctx.table("contracts").select("worker_id", "employer_id", "start_date",
                                                                     "fulltime_hours_per_week")).to_pylist()
    out = []
    for r in rows:
        if r["reason"] != "employer of record":
            continue
        w, e = r["_worker_id"], r["employer_id"]
        first, last = r["period_start"], r["period_end"]
        recorded = months_exact(first, last)
        presumed = max(recorded, Fraction(min_months)) if min_months is not None else recorded
        cts = sorted((c for c in contracts if c["worker_id"] == w and c["employer_id"] == e and c["start_date"] <= last),
                     key=lambda c: c["start_date"])
        fulltime = cts[-1]["fulltime_hours_per_week"] if cts else Decimal(40)
        hourly, basis = _hourly_minimum(ctx, births[w], last, fulltime)
        paid = sum((s["gross_wage"] or Decimal(0) for s in slips if s["worker_id"] == w and s["employer_id"] == e
                    and s["period_end"] >= first and s["period_start"] <= last), Decimal(0))
        # exact (rational) arithmetic, rounded up to the cent once at the end
        due = None if hourly is None else _ceil_cents(presumed * Fraction(52, 12) * Fraction(fulltime) * hourly)
        out.append({
            "employer_id": e, "worker_ref": r["worker_ref"], "first_day": first, "last_day": last,
            "recorded_months": _dec(recorded).quantize(CENT), "presumed_months": _dec(presumed).quantize(CENT),
            "weekly_hours": fulltime,
            "hourly_wage_floor": None if hourly is None else _dec(hourly).quantize(Decimal("0.0001")),
            "wage_basis": basis + "; the sector's usual wage and hours replace these when known",
            "wage_due_floor": due, "gross_paid": paid.quantize(CENT),
            "claim_floor": None if due is None else max(Decimal(0), due - paid).quantize(CENT),
            "jointly_liable": "; ".join(sorted(chain[w])),
            "basis": f"art. 23 Wav: at least {min_months} months presumed" + (f" [{pres.confidence.value}]" if pres else ""),
            "finding_id": r["finding_id"],
        })
    if not out:
        return {}
    schema = pa.schema([("employer_id", pa.string()), ("worker_ref", pa.string()), ("first_day", pa.date32()),
                        ("last_day", pa.date32()), ("recorded_months", pa.decimal128(8, 2)),
                        ("presumed_months", pa.decimal128(8, 2)), ("weekly_hours", pa.decimal128(10, 2)),
                        ("hourly_wage_floor", pa.decimal128(12, 4)), ("wage_basis", pa.string()),
                        ("wage_due_floor", pa.decimal128(14, 2)), ("gross_paid", pa.decimal128(14, 2)),
                        ("claim_floor", pa.decimal128(14, 2)), ("jointly_liable", pa.string()), ("basis", pa.string()),
                        ("finding_id", pa.string())])
    return {"art23_claims": pa.Table.from_pylist(out, schema=schema)}
