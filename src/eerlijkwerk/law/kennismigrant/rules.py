"""Salary criterion of knowledge migrants and EU Blue Card holders (Vreemdelingenbesluit 2000; IND).

The salary actually paid counts, not the agreed salary: every pay period of a worker holding a kennismigrant or EU
Blue Card permit for that employer is compared with the criterion of the permit's category (kennismigrant.
salariscriterium, EUR per month, excluding holiday allowance).

Which year's criterion (reading, docs/rules.md "Kennismigrant criterion"): the IND tests the salary against the
criterion in force when it receives the application — a first application, an extension (the most recent criterion
on the effective date of the extension) or the report of a change of employer (the criterion current on the date of
the report); the yearly indexation of 1 January does not reopen a permit already granted. So a pay period is
compared with the criterion in force on the permit's *criterion date* (column ``criterion_date``; when absent, the
permit's ``valid_from``), not with the criterion of the period's own year. Where the criterion in force on the
period's last day is lower (a change of law, e.g. the Blue Card criterion cut to 5,331 from 2024-06-12, Stb. 2024,
150), the lower one applies: the worker then meets the law as it stands. Sources (secondary, quoting the IND):
global-r-compass.nl "IND: most recent wage criterion applies when extending residence permit"; the IND table "Which
amount applies to my highly skilled migrant" (change of employer); maeslaw.nl 2023 ("does not affect existing
residence permits"); aame.nl / pirgroup.nl (applications received on or after 1 January). No IND text was found
saying the indexed amount applies to existing permit holders from 1 January.

A period is compared with the monthly criterion converted as the IND does for non-monthly pay: calendar month × 1;
4 weeks × 12/13; 2 weeks × 12/26; 1 week × 12/52; any other length × 12 × days/365.

A pay period for which no criterion is stored (its criterion date or its last day before the first stored criterion,
2020-01-01, or a category that did not exist yet) is not evaluated; :func:`coverage_notes` reports how many and why.
Source: https://ind.nl/nl/looncriteria-en-leges (criteria), parameters/salariscriterium.yaml.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.exact import cents_to_eur, div_ceil, to_units
from eerlijkwerk.engine.rules import rule
from eerlijkwerk.params import Status

BWB = "BWBR0011825"
PID = "kennismigrant.salariscriterium"
_CONF_RANK = {"unconfirmed": 0, "secondary": 1, "confirmed": 2}


def _criteria(ctx: AuditContext, prefix: str) -> ir.Table:
    """The criterion timeline as a table: <prefix>_from, <prefix>_to (exclusive), <prefix>_cat, <prefix>_cents,
    <prefix>_conf (confidence rank 0-2). A null amount (category not yet in the law) has no row."""
    import pyarrow as pa

    from eerlijkwerk.engine.context import OPEN_END

    rows: dict[str, list] = {"from": [], "to": [], "cat": [], "cents": [], "conf": []}
    for iv in ctx.params.timeline(PID):
        for cat, v in iv.value.items():
            if v is None:
                continue
            rows["from"].append(iv.valid_from)
            rows["to"].append(iv.valid_to or OPEN_END)
            rows["cat"].append(cat)
            rows["cents"].append(int(v * 100))
            rows["conf"].append(_CONF_RANK[iv.entry.confidence.value])
    types = {"from": pa.date32(), "to": pa.date32(), "cat": pa.string(), "cents": pa.int64(), "conf": pa.int64()}
    return ibis.memtable(pa.table({f"{prefix}_{k}": pa.array(v, types[k]) for k, v in rows.items()}))


def _first_criterion_date(ctx: AuditContext):
    tl = ctx.params.timeline(PID)
    return tl[0].valid_from if tl else None


def _periods(ctx: AuditContext) -> ir.Table:
    """Every pay period with a gross wage under a kennismigrant / EU Blue Card permit of its employer, with the
    criterion of the permit's criterion date (r_cents, null if none is stored) and the one in force on the period's
    last day (c_cents, null if none)."""
    p = ctx.table("payslips")
    pm = ctx.table("permits").filter(lambda t: t.permit_type.isin(["kennismigrant", "eu_blue_card"]))
    pm = pm.select(m_worker="worker_id", m_employer="employer_id", m_from="valid_from", m_to="valid_to",
                   category="salary_category", permit_type="permit_type", m_id="permit_id",
                   criterion_date=pm.criterion_date.fill_null(pm.valid_from))
    j = p.join(pm, [p.worker_id == pm.m_worker, p.employer_id == pm.m_employer,
                    p.period_start <= pm.m_to, p.period_end >= pm.m_from])
    j = j.filter(j.gross_wage.notnull())
    r = _criteria(ctx, "r")
    j = j.left_join(r, [j.category == r.r_cat, j.criterion_date >= r.r_from, j.criterion_date < r.r_to])
    c = _criteria(ctx, "c")
    return j.left_join(c, [j.category == c.c_cat, j.period_end >= c.c_from, j.period_end < c.c_to])


@rule(id="kennismigrant.salary_below_criterion", statute="Vb 2000", article="3.30a / 3.30b", bwb=BWB,
      status=Status.IN_FORCE,
      title="Knowledge migrant / EU Blue Card paid below the salary criterion",
      explanation=("Gross wage paid for {period_start}..{period_end}: EUR {paid}; the {reason} criterion for this "
                   "period is EUR {threshold} ({detail}). Shortfall EUR {shortfall}. The salary actually paid counts."))
def salary_below_criterion(ctx: AuditContext) -> ir.Table:
    """Rows: one per pay period below the criterion. threshold = criterion for the period (EUR, rounded up to the
    cent): the monthly criterion in force on the permit's criterion date (criterion_date, else valid_from), or the
    one in force on the period's last day where that is lower; paid = gross wage excluding holiday allowance.
    Periods without a stored criterion are left to :func:`coverage_notes`."""
    j = _periods(ctx)
    j = j.filter(j.r_cents.notnull() & j.c_cents.notnull())
    lowered = j.c_cents < j.r_cents
    k_cents = ibis.ifelse(lowered, j.c_cents, j.r_cents)
    conf_rank = ibis.least(j.r_conf, j.c_conf)
    conf = ibis.cases((conf_rank == 0, "unconfirmed"), (conf_rank == 1, "secondary"), else_="confirmed")
    basis = ibis.ifelse(lowered,
                        ibis.literal("criterion in force on ") + j.period_end.cast("string")
                        + ", lower than that of the permit's criterion date " + j.criterion_date.cast("string"),
                        ibis.literal("criterion in force on the permit's criterion date ")
                        + j.criterion_date.cast("string") + " (indexation does not reopen a permit granted)")
    days = (j.period_end.delta(j.period_start, unit="day") + 1).cast("int64")
    whole_month = (j.period_start.day() == 1) & ((j.period_end + ibis.interval(days=1)).day() == 1) & (days >= 28)
    # criterion for the period = monthly × num / den
    num = ibis.cases((whole_month, 1), (days == 28, 12), (days == 14, 12), (days == 7, 12), else_=12 * days)
    den = ibis.cases((whole_month, 1), (days == 28, 13), (days == 14, 26), (days == 7, 52), else_=365)
    label = ibis.cases((whole_month, "calendar month"), (days == 28, "4 weeks: × 12/13"),
                       (days == 14, "2 weeks: × 12/26"), (days == 7, "1 week: × 12/52"),
                       else_=ibis.literal("× 12 × ") + days.cast("string") + "/365")
    gross_c = to_units(j.gross_wage)
    j = j.mutate(k_cents=k_cents, crit_x=k_cents * num, gross_x=gross_c * den, den=den, label=label, basis=basis,
                 conf=conf)
    j = j.filter(j.gross_x < j.crit_x)
    crit_c = div_ceil(j.crit_x, j.den)
    return j.select(
        employer_id=j.employer_id, worker_id=j.worker_id, payslip_id=j.payslip_id, period_start=j.period_start,
        period_end=j.period_end, paid=j.gross_wage, threshold=cents_to_eur(crit_c),
        shortfall=cents_to_eur(crit_c - gross_c), reason=j.category,
        detail=ibis.literal("monthly criterion EUR ") + cents_to_eur(j.k_cents).cast("string") + ", " + j.basis
        + ", " + j.label,
        evidence=ibis.literal("payslips row ") + j._row.cast("string"), confidence=j.conf)


def coverage_notes(ctx: AuditContext) -> list[str]:
    """Pay periods under a kennismigrant / EU Blue Card permit that were not evaluated, with the reason: no
    criterion stored for the permit's criterion date or for the period's last day (before the first criterion
    date, or a category not yet in the law then). Never skipped silently (issue 10)."""
    j = _periods(ctx)
    j = j.filter(j.r_cents.isnull() | j.c_cents.isnull())
    rows = ctx.backend.execute(j.select(row=j._row, cat=j.category, cdate=j.criterion_date, end=j.period_end,
                                        r=j.r_cents, c=j.c_cents).order_by("row"))
    if not len(rows):
        return []
    first = _first_criterion_date(ctx)
    reasons: dict[str, list[int]] = {}
    for rec in rows.to_dict("records"):
        missing_r = rec["r"] is None or rec["r"] != rec["r"]  # null arrives as None or NaN
        when = str(rec["cdate"] if missing_r else rec["end"])[:10]
        what = "the permit's criterion date" if missing_r else "the period's last day"
        if first is not None and when < first.isoformat():
            why = f"{what} is before the first stored criterion ({first.isoformat()})"
        else:
            why = f"no '{rec['cat']}' criterion was in force on {what}"
        reasons.setdefault(why, []).append(int(rec["row"]))
    out = []
    for why, rws in reasons.items():
        shown = ", ".join(str(x) for x in rws[:5]) + (" …" if len(rws) > 5 else "")
        out.append(f"Kennismigrant / EU Blue Card: {len(rws)} pay period(s) not evaluated against the salary "
                   f"criterion: {why} (payslips row {shown}).")
    return out
