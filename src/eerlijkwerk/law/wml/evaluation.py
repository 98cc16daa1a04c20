"""The minimum wage due for each pay period, and what counts as paid towards it (shared by all WML rules).

Shapes
------
``segments``: one row per (payslip, stretch of days with one minimum-wage rate). A period is split wherever the rate
changes: a new half-yearly amount, or a birthday that moves the worker into another age band. Hours are spread over
the period's calendar days in proportion (the records give hours per period, not per day).

``evaluation``: one row per payslip with, besides the payslip's own columns (all money in EUR, DECIMAL(14,2)):

- ``due``: the minimum wage due, Σ over segments of hours × days/period days × rate, where the rate is the hourly
  amount (2024+) or, before 2024, the weekly amount ÷ the employer's full-time week; computed exactly and rounded up
  to the cent (the smallest payment that discharges it);
- ``housing_cap`` (rounded down), ``housing_unlawful``, ``health_unlawful``, ``other_unlawful``,
  ``unlawful_deductions``, ``shortfall`` = due − (gross − unlawful deductions) when positive;
- ``holiday_allowance_due`` (8% of the exact due, rounded up) and ``holiday_allowance_short``;
- ``evaluable`` and ``not_evaluated_reason`` (``no_hour_records``, ``no_wage_records``, ``no_rate``: the dates or the
  age fall outside the parameter timeline, e.g. before 2021 or under 15).

Arithmetic is exact in integer units (engine/exact.py): ``due_x`` = hours_c × days × rate_c × m with m = full-time
week_c for an hourly rate and 100 for a weekly one, over the common denominator ``k`` = period days × full-time
week_c × 100, so due in cents = due_x / k.

Sources: art. 7, 8, 13, 15 WML (https://wetten.overheid.nl/BWBR0002638); parameters in ./parameters.
"""

from __future__ import annotations

from decimal import Decimal

import ibis
import ibis.expr.types as ir

from eerlijkwerk.engine.context import OPEN_END, AuditContext
from eerlijkwerk.engine.exact import age_at, birthday, cents_to_eur, div_ceil, div_floor, to_units

#: Full-time week (hours) assumed when no contract covers a payslip. Not a legal value: 40 h gives the lowest hourly
#: minimum before 2024, so a finding never rests on the assumption; the finding says it was made.
FULLTIME_WHEN_NO_CONTRACT = Decimal("40")
ADULT_AGE = 21  # key of the adult rate in the age dimension of wml.minimumloon_uur / _week ("21 = 21 and older")


def _rates(ctx: AuditContext) -> ir.Table:
    hour = ctx.interval_table("wml.minimumloon_uur", key_name="age").mutate(basis=ibis.literal("hour"))
    week = ctx.interval_table("wml.minimumloon_week", key_name="age").mutate(basis=ibis.literal("week"))
    return hour.union(week)


def _payslip_base(ctx: AuditContext) -> ir.Table:
    p = ctx.table("payslips")
    w = ctx.table("workers").select("worker_id", "birth_date")
    c = ctx.table("contracts").select(
        c_worker="worker_id", c_employer="employer_id", c_start="start_date", c_end="end_date",
        c_fulltime="fulltime_hours_per_week", c_posted="posted_worker", c_id="contract_id")
    pc = p.left_join(c, [p.worker_id == c.c_worker, p.employer_id == c.c_employer, c.c_start <= p.period_end,
                         c.c_end.isnull() | (c.c_end >= p.period_start)])
    # several contracts overlapping one period: the one that started last governs
    pc = pc.mutate(_rn=ibis.row_number().over(group_by=pc.payslip_id, order_by=[ibis.desc(pc.c_start), pc.c_id]))
    pc = pc.filter(pc._rn == 0).drop("_rn", "c_worker", "c_employer")
    b = pc.join(w, "worker_id")
    period_days = b.period_end.delta(b.period_start, unit="day") + 1
    fulltime = b.c_fulltime.fill_null(ibis.literal(FULLTIME_WHEN_NO_CONTRACT, type="decimal(10,2)"))
    return b.mutate(
        period_days=period_days.cast("int64"),
        fulltime_c=to_units(fulltime),
        hours_c=to_units(b.hours_worked),
        gross_c=to_units(b.gross_wage),
        holiday_c=to_units(b.holiday_allowance),
        housing_c=to_units(b.housing_deduction),
        health_c=to_units(b.health_insurance_deduction),
        other_c=to_units(b.other_deductions),
        cash_c=to_units(b.net_paid_cash),
        posted=b.c_posted.fill_null(False),
        has_contract=b.c_id.notnull(),
        age_start=ibis.least(age_at(b.birth_date, b.period_start), ADULT_AGE),
        age_end=ibis.least(age_at(b.birth_date, b.period_end), ADULT_AGE),
    )


def segments(ctx: AuditContext) -> ir.Table:
    """One row per payslip × rate segment (see module docstring)."""
    b = ctx.cached("wml.payslip_base", _payslip_base)
    r = _rates(ctx)
    j = b.join(r, [r.valid_from <= b.period_end, r.valid_to > b.period_start,
                   r.age >= b.age_start, r.age <= b.age_end])
    band_start = birthday(j.birth_date, j.age)
    band_end = ibis.ifelse(j.age >= ADULT_AGE, ibis.literal(OPEN_END), birthday(j.birth_date, j.age + 1))
    j = j.mutate(seg_start=ibis.greatest(j.period_start, j.valid_from, band_start),
                 seg_end=ibis.least(j.period_end + ibis.interval(days=1), j.valid_to, band_end))
    j = j.filter(j.seg_end > j.seg_start)
    days = j.seg_end.delta(j.seg_start, unit="day").cast("int64")
    m = ibis.ifelse(j.basis == "hour", j.fulltime_c, 100)
    due_x = j.hours_c.fill_null(0) * days * j.value * m
    label = ibis.ifelse(j.age >= ADULT_AGE, ibis.literal(f"{ADULT_AGE}+"), j.age.cast("string"))
    rate = cents_to_eur(j.value).cast("string")
    unit = ibis.ifelse(j.basis == "hour", ibis.literal("/h"),
                       ibis.literal("/week ÷ ") + cents_to_eur(j.fulltime_c).cast("string") + " h full-time week")
    detail = (j.seg_start.strftime("%Y-%m-%d") + ".." + (j.seg_end - ibis.interval(days=1)).strftime("%Y-%m-%d") + ": age "
              + label + " at EUR " + rate + unit + ", " + days.cast("string") + "/"
              + j.period_days.cast("string") + " days")
    return j.select("payslip_id", "seg_start", "seg_end", "age", "basis", "confidence",
                    rate_c=j.value, days=days, due_x=due_x, detail=detail)


def with_rate_detail(ctx: AuditContext, t: ir.Table) -> ir.Table:
    """Add ``rate_detail`` (the rate segments of each payslip as text) to the rows of ``t`` — done only for the
    payslips that become findings or are written out, not for every payslip evaluated."""
    seg = ctx.cached("wml.segments", segments)
    ids = t.select(s_payslip=t.payslip_id)
    seg = seg.semi_join(ids, seg.payslip_id == ids.s_payslip)
    d = seg.group_by("payslip_id").aggregate(rate_detail=seg.detail.group_concat("; ", order_by=seg.seg_start))
    d = d.rename(d_payslip="payslip_id")
    return t.left_join(d, t.payslip_id == d.d_payslip).drop("d_payslip")


def _health_cap(ctx: AuditContext, e: ir.Table) -> ir.Table:
    """Annual cap on health-insurance deductions (cents), cumulated per worker, employer and year of period_end.
    The running total is computed only over payslips that have such a deduction."""
    cap = ctx.interval_table("wml.zorgverzekering_max_inhouding")
    cap = cap.select(h_from="valid_from", h_to="valid_to", health_cap_c="value")
    h = e.filter(e.health_c > 0).select("payslip_id", "worker_id", "employer_id", "period_start", "period_end",
                                         "health_c")
    h = h.left_join(cap, [h.period_end >= cap.h_from, h.period_end < cap.h_to]).drop("h_from", "h_to")
    w = ibis.window(group_by=[h.worker_id, h.employer_id, h.period_end.year()],
                    order_by=[h.period_start, h.payslip_id], preceding=None, following=0)
    h = h.select(h_payslip=h.payslip_id, health_cap_c=h.health_cap_c, health_cum_c=h.health_c.sum().over(w))
    return e.left_join(h, e.payslip_id == h.h_payslip).drop("h_payslip")


def _scalar_param(ctx: AuditContext, e: ir.Table, pid: str, name: str) -> ir.Table:
    """A one-number-per-date parameter (in basis points / cents) for the period's last day, as a CASE over its few
    validity intervals (valid_from <= date < valid_to): no join needed."""
    t = ctx.backend.to_pyarrow(ctx.interval_table(pid)).to_pylist()
    value = ibis.null("int64")
    for row in t:
        value = ibis.ifelse((e.period_end >= row["valid_from"]) & (e.period_end < row["valid_to"]),
                            ibis.literal(row["value"], type="int64"), value)
    return e.mutate(**{name: value})


def evaluation(ctx: AuditContext) -> ir.Table:
    """One row per payslip: due, paid, unlawful deductions, shortfall (see module docstring)."""
    b = ctx.cached("wml.payslip_base", _payslip_base)
    seg = ctx.cached("wml.segments", segments)
    rank = seg.confidence.cases(("unconfirmed", 2), ("secondary", 1), else_=0)
    agg = seg.group_by("payslip_id").aggregate(
        due_x=seg.due_x.sum(), covered_days=seg.days.sum(), conf_rank=rank.max(),
    ).rename(a_payslip="payslip_id")
    e = b.left_join(agg, b.payslip_id == agg.a_payslip).drop("a_payslip")
    e = _health_cap(ctx, e)
    e = _scalar_param(ctx, e, "wml.vakantiebijslag_percentage", "holiday_bp")
    e = _scalar_param(ctx, e, "wml.huisvesting_max_inhouding", "housing_bp")

    k = e.period_days * e.fulltime_c * 100  # common denominator: due in cents = due_x / k
    due_x = e.due_x.fill_null(0)
    due_c = div_ceil(due_x, k)
    gross_c = e.gross_c.fill_null(0)

    # art. 13 WML: housing may be deducted up to housing_bp/100 % of the minimum wage due, only with a written
    # authorisation and certified housing, never for a posted worker; otherwise the whole deduction is unlawful
    housing_cap_c = div_floor(due_x * e.housing_bp.fill_null(0), k * 10_000)
    housing_reason = ibis.cases(
        (e.housing_c <= 0, ibis.null("string")),
        (e.posted, "posted_worker"),
        (~e.housing_authorised, "no_written_authorisation"),
        (~e.housing_certified, "housing_not_certified"),
        (e.housing_bp.isnull(), "no_cap_in_force"),
        (e.housing_c > housing_cap_c, "above_cap"),
        else_=ibis.null("string"),
    )
    housing_unlawful_c = ibis.cases(
        (housing_reason.isnull(), 0),
        (housing_reason == "above_cap", e.housing_c - housing_cap_c),
        else_=e.housing_c,
    )

    # art. 13 WML: health-insurance premium only with authorisation, and within the year's cap (cumulated)
    over_after = ibis.greatest(e.health_cum_c - e.health_cap_c, 0)
    over_before = ibis.greatest(e.health_cum_c - e.health_c - e.health_cap_c, 0)
    health_reason = ibis.cases(
        (e.health_c <= 0, ibis.null("string")),
        (~e.health_insurance_authorised, "no_written_authorisation"),
        (e.health_cap_c.isnull(), "no_cap_in_force"),
        (over_after > over_before, "above_annual_cap"),
        else_=ibis.null("string"),
    )
    health_unlawful_c = ibis.cases(
        (health_reason.isnull(), 0),
        (health_reason == "above_annual_cap", over_after - over_before),
        else_=e.health_c,
    )
    unlawful_c = housing_unlawful_c + health_unlawful_c + e.other_c
    paid_c = gross_c - unlawful_c  # what counts towards the minimum wage
    # art. 15 WML: holiday allowance at least holiday_bp/100 % of the minimum wage due
    holiday_due_c = div_ceil(due_x * e.holiday_bp.fill_null(0), k * 10_000)

    covered = e.covered_days.fill_null(0)
    reason = ibis.cases(
        (e.hours_worked.isnull(), "no_hour_records"),
        (e.gross_wage.isnull(), "no_wage_records"),
        (covered != e.period_days, "no_rate"),
        else_=ibis.null("string"),
    )
    out = e.mutate(
        evaluable=reason.isnull(),
        not_evaluated_reason=reason,
        housing_reason=housing_reason,
        health_reason=health_reason,
        shortfall_pos=due_c > paid_c,
        holiday_short=e.holiday_c < holiday_due_c,
        # art. 7a WML: the minimum wage goes to the bank; cash is lawful only for what lies above it
        cash_above_headroom=(e.cash_c > 0) & (e.cash_c > gross_c - due_c),
        confidence=e.conf_rank.fill_null(0).cases((2, "unconfirmed"), (1, "secondary"), else_="confirmed"),
        due=cents_to_eur(due_c),
        gross=cents_to_eur(gross_c),
        paid=cents_to_eur(paid_c),
        housing_cap=cents_to_eur(housing_cap_c),
        housing_unlawful=cents_to_eur(housing_unlawful_c),
        health_unlawful=cents_to_eur(health_unlawful_c),
        other_unlawful=cents_to_eur(e.other_c),
        unlawful_deductions=cents_to_eur(unlawful_c),
        shortfall=cents_to_eur(ibis.greatest(due_c - paid_c, 0)),
        holiday_allowance_due=cents_to_eur(holiday_due_c),
        holiday_allowance_short=cents_to_eur(ibis.greatest(holiday_due_c - e.holiday_c, 0)),
        evidence=ibis.literal("payslips row ") + e._row.cast("string"),
        presumption=e.hours_basis == "worker_claim",
        presumption_basis=ibis.ifelse(e.hours_basis == "worker_claim",
                                      "hours rest only on the worker's claim, not on the employer's records (unproven)",
                                      ibis.null("string")),
    )
    return out
