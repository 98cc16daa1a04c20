"""Salary criterion of knowledge migrants and EU Blue Card holders (Vreemdelingenbesluit 2000; IND).

The salary actually paid counts, not the agreed salary: every pay period of a worker holding a kennismigrant or EU
Blue Card permit for that employer is compared with the criterion of the permit's category in force on the period's
last day (kennismigrant.salariscriterium, EUR per month, excluding holiday allowance). A period is compared with the
monthly criterion converted as the IND does for non-monthly pay: calendar month × 1; 4 weeks × 12/13; 2 weeks ×
12/26; 1 week × 12/52; any other length × 12 × days/365.
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


def _criteria(ctx: AuditContext) -> ir.Table:
    import pyarrow as pa

    from eerlijkwerk.engine.context import OPEN_END

    rows: dict[str, list] = {"k_from": [], "k_to": [], "k_cat": [], "k_cents": [], "k_conf": []}
    for iv in ctx.params.timeline("kennismigrant.salariscriterium"):
        for cat, v in iv.value.items():
            if v is None:
                continue
            rows["k_from"].append(iv.valid_from)
            rows["k_to"].append(iv.valid_to or OPEN_END)
            rows["k_cat"].append(cat)
            rows["k_cents"].append(int(v * 100))
            rows["k_conf"].append(iv.entry.confidence.value)
    types = {"k_from": pa.date32(), "k_to": pa.date32(), "k_cat": pa.string(), "k_cents": pa.int64(),
             "k_conf": pa.string()}
    return ibis.memtable(pa.table({k: pa.array(v, types[k]) for k, v in rows.items()}))


@rule(id="kennismigrant.salary_below_criterion", statute="Vb 2000", article="3.30a / 3.30b", bwb=BWB,
      status=Status.IN_FORCE,
      title="Knowledge migrant / EU Blue Card paid below the salary criterion",
      explanation=("Gross wage paid for {period_start}..{period_end}: EUR {paid}; the {reason} criterion for this "
                   "period is EUR {threshold} ({detail}). Shortfall EUR {shortfall}. The salary actually paid counts."))
def salary_below_criterion(ctx: AuditContext) -> ir.Table:
    """Rows: one per pay period below the criterion. threshold = criterion for the period (EUR, rounded up to the
    cent); paid = gross wage excluding holiday allowance."""
    p = ctx.table("payslips")
    pm = ctx.table("permits").filter(lambda t: t.permit_type.isin(["kennismigrant", "eu_blue_card"]))
    pm = pm.select(m_worker="worker_id", m_employer="employer_id", m_from="valid_from", m_to="valid_to",
                   category="salary_category", permit_type="permit_type")
    j = p.join(pm, [p.worker_id == pm.m_worker, p.employer_id == pm.m_employer,
                    p.period_start <= pm.m_to, p.period_end >= pm.m_from])
    j = j.filter(j.gross_wage.notnull())
    k = _criteria(ctx)
    j = j.join(k, [j.category == k.k_cat, j.period_end >= k.k_from, j.period_end < k.k_to])
    days = (j.period_end.delta(j.period_start, unit="day") + 1).cast("int64")
    whole_month = (j.period_start.day() == 1) & ((j.period_end + ibis.interval(days=1)).day() == 1) & (days >= 28)
    # criterion for the period = monthly × num / den
    num = ibis.cases((whole_month, 1), (days == 28, 12), (days == 14, 12), (days == 7, 12), else_=12 * days)
    den = ibis.cases((whole_month, 1), (days == 28, 13), (days == 14, 26), (days == 7, 52), else_=365)
    label = ibis.cases((whole_month, "calendar month"), (days == 28, "4 weeks: × 12/13"),
                       (days == 14, "2 weeks: × 12/26"), (days == 7, "1 week: × 12/52"),
                       else_=ibis.literal("× 12 × ") + days.cast("string") + "/365")
    gross_c = to_units(j.gross_wage)
    j = j.mutate(crit_x=j.k_cents * num, gross_x=gross_c * den, den=den, label=label)
    j = j.filter(j.gross_x < j.crit_x)
    crit_c = div_ceil(j.crit_x, j.den)
    return j.select(
        employer_id=j.employer_id, worker_id=j.worker_id, payslip_id=j.payslip_id, period_start=j.period_start,
        period_end=j.period_end, paid=j.gross_wage, threshold=cents_to_eur(crit_c),
        shortfall=cents_to_eur(crit_c - gross_c), reason=j.category,
        detail=ibis.literal("monthly criterion EUR ") + cents_to_eur(j.k_cents).cast("string") + ", " + j.label,
        evidence=ibis.literal("payslips row ") + j._row.cast("string"), confidence=j.k_conf)
