"""The minimum wage due for each pay period, and what counts as paid towards it (shared by all WML rules).

Shapes
------
``segments(ctx, slips)``: one row per (payslip, stretch of days with one minimum-wage rate). A period is split
wherever the rate changes: a new half-yearly amount, or a birthday that moves the worker into another age band. Hours
are spread over the period's calendar days in proportion (the records give hours per period, not per day).

``evaluation``: one row per valid payslip, keyed by the payslip's ``_row`` (its row in the input): the payslip's
identifying columns (PAYSLIP_COLUMNS), the rate of a plain period (``rate_age``, ``rate_basis``, ``rate_c``;
``period_days``, ``fulltime_c``) and the arithmetic in integer cents (BIGINT), below. It is computed in one pass over
the payslips per audit, which keeps only what the findings need (:func:`flagged`: the :func:`reportable` rows, a few
%) and the counts per (evaluable, reason, confidence) (:func:`counts`); the full table is computed again only when it
is written out (engine/run.py ``AuditResult.evaluation_sql``).

- ``due_c``: the minimum wage due, Σ over segments of hours × days/period days × rate, where the rate is the hourly
  amount (2024+) or, before 2024, the weekly amount ÷ the employer's full-time week; computed exactly and rounded to
  the cent half-up, once per period (the law rounds the hourly amounts, art. 14 lid 10 WML and Besluit
  minimumjeugdloon art. 2 lid 2, not each product: hours × rate paid commercially rounded is paid in full; reading
  in docs/engine.md "Exact money");
- ``housing_cap_c`` (rounded down), ``housing_unlawful_c``, ``health_unlawful_c``, ``unlawful_c`` (housing + health +
  other deductions), ``paid_c`` = gross − unlawful deductions, ``shortfall_c`` = due − paid when positive;
- ``holiday_due_c`` (8% of the exact due, rounded up) and ``holiday_short_c``;
- ``housing_reason``, ``health_reason``; ``conf_rank`` (0 confirmed, 1 secondary, 2 unconfirmed: the least sure rate
  used); ``has_contract``;
- ``evaluable`` and ``not_evaluated_reason`` (``no_hour_records``, ``no_wage_records``, ``no_rate``: the dates or the
  age fall outside the parameter timeline, e.g. before 2021 or under 15).

Arithmetic is exact in integer units (engine/exact.py): ``due_x`` = hours_c × days × rate_c × m with m = full-time
week_c for an hourly rate and 100 for a weekly one, over the common denominator ``k`` = period days × full-time
week_c × 100, so due in cents = due_x / k.

Sources: art. 7, 8, 13, 15 WML (https://wetten.overheid.nl/BWBR0002638); parameters in ./parameters.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import ibis
import ibis.expr.types as ir

from eerlijkwerk.engine.context import OPEN_END, AuditContext
from eerlijkwerk.engine.exact import age_at, birthday, cents_to_eur, div_ceil, div_floor, div_half_up, to_units
from eerlijkwerk.params import CONFIDENCE_RANK

#: Full-time week (hours) assumed when no contract covers a payslip. Not a legal value: 40 h gives the lowest hourly
#: minimum before 2024, so a finding never rests on the assumption; the finding says it was made.
FULLTIME_WHEN_NO_CONTRACT = Decimal("40")
ADULT_AGE = 21  # key of the adult rate in the age dimension of wml.minimumloon_uur / _week ("21 = 21 and older")
CONFIDENCE = {rank: text for text, rank in CONFIDENCE_RANK.items()}
#: columns of the payslip that the evaluation carries along (what findings and the written evaluation show)
PAYSLIP_COLUMNS = ("payslip_id", "employer_id", "worker_id", "period_start", "period_end", "hours_worked", "hours_basis",
                   "holiday_allowance", "other_deductions", "net_paid_cash")


def _rates(ctx: AuditContext) -> ir.Table:
    return ctx.memo("wml.rates", _rate_pieces)


def _rate_pieces(ctx: AuditContext) -> ir.Table:
    """The hourly (2024+) and weekly (before 2024) minimum wage per age, cut into calendar-year pieces: year, age,
    basis, valid_from, valid_to (exclusive, within the year), value (cents), conf_rank. The year lets a payslip find
    its rates by an equality join (a pay period spans at most two years) instead of a date-range join over all rates;
    a piece's bounds are the rate's own bounds clipped to its year, so the segments and the due are the same."""
    import datetime as dt

    import pyarrow as pa

    horizon = dt.date.today().year + 2  # pay periods cannot start in the future (records/schema.py)
    rows: dict[str, list] = {k: [] for k in ("year", "age", "basis", "valid_from", "valid_to", "value", "conf_rank")}
    for pid, basis in (("wml.minimumloon_uur", "hour"), ("wml.minimumloon_week", "week")):
        t = ctx.backend.to_pyarrow(ctx.interval_table(pid, key_name="age")).to_pylist()
        for r in t:
            last = min(r["valid_to"].year if r["valid_to"] != OPEN_END else horizon, max(horizon, r["valid_from"].year))
            for y in range(r["valid_from"].year, last + 1):
                lo, hi = max(r["valid_from"], dt.date(y, 1, 1)), min(r["valid_to"], dt.date(y + 1, 1, 1))
                if hi <= lo:
                    continue
                rows["year"].append(y)
                rows["age"].append(r["age"])
                rows["basis"].append(basis)
                rows["valid_from"].append(lo)
                rows["valid_to"].append(hi)
                rows["value"].append(r["value"])
                rows["conf_rank"].append(CONFIDENCE_RANK[r["confidence"]])
    types = {"year": pa.int64(), "age": pa.int64(), "basis": pa.string(), "valid_from": pa.date32(),
             "valid_to": pa.date32(), "value": pa.int64(), "conf_rank": pa.int64()}
    return ibis.memtable(pa.table({k: pa.array(v, type=types[k]) for k, v in rows.items()}))


def _contracts(ctx: AuditContext) -> ir.Table:
    return ctx.cached("wml.contracts", _ordered_contracts)


def _ordered_contracts(ctx: AuditContext) -> ir.Table:
    c = ctx.table("contracts")
    # an order over the (few) contracts once, so that picking one per payslip is an arg-max, not a sort of payslips
    c = c.mutate(c_ord=ibis.row_number().over(order_by=[c.start_date, ibis.desc(c.contract_id)]),
                 c_n=c.contract_id.count().over(group_by=[c.worker_id, c.employer_id]))
    return c.select(c_worker="worker_id", c_employer="employer_id", c_start="start_date", c_end="end_date",
                    c_ft="fulltime_hours_per_week", c_pw="posted_worker", c_ord="c_ord", c_n="c_n")


def _overlap(q: ir.Table, c: ir.Table) -> list[ir.BooleanValue]:
    return [q.worker_id == c.c_worker, q.employer_id == c.c_employer, c.c_start <= q.period_end,
            c.c_end.isnull() | (c.c_end >= q.period_start)]


def _base(ctx: AuditContext, p: ir.Table | None = None) -> ir.Table:
    """Payslips with the worker's birth date, the governing contract and integer units (see module docstring).

    The governing contract: of the contracts of the same worker and employer that overlap the period, the one that
    started last (equal starts: the lowest contract_id). Most worker–employer pairs have one contract: their payslips
    are matched by a plain join; only payslips of pairs with several contracts go through the pick."""
    p = ctx.table("payslips") if p is None else p
    w = ctx.table("workers").select(w_worker="worker_id", birth_date="birth_date")
    c = _contracts(ctx)
    q = p.select("_row", "worker_id", "employer_id", "period_start", "period_end")
    many = q.join(c.filter(c.c_n > 1), _overlap(q, c.filter(c.c_n > 1)))
    many = many.group_by(m_row=many._row).aggregate(m_fulltime=many.c_ft.argmax(many.c_ord),
                                                    m_posted=many.c_pw.argmax(many.c_ord))
    one = c.filter(c.c_n == 1)
    pw = p.join(w, p.worker_id == w.w_worker)
    b = pw.left_join(one, _overlap(pw, one))
    b = b.left_join(many, b._row == many.m_row)
    has = b.c_worker.notnull() | b.m_row.notnull()
    fulltime = b.c_ft.fill_null(b.m_fulltime).fill_null(
        ibis.literal(FULLTIME_WHEN_NO_CONTRACT, type="decimal(10,2)"))
    b = b.mutate(
        period_days=(b.period_end.delta(b.period_start, unit="day") + 1).cast("int64"),
        fulltime_c=to_units(fulltime),
        hours_c=to_units(b.hours_worked),
        posted=b.c_pw.fill_null(b.m_posted).fill_null(False),
        has_contract=has,
        age_start=ibis.least(age_at(b.birth_date, b.period_start), ADULT_AGE),
        age_end=ibis.least(age_at(b.birth_date, b.period_end), ADULT_AGE),
    )
    return b.drop("w_worker", "c_worker", "c_employer", "c_start", "c_end", "c_ft", "c_pw", "c_ord", "c_n", "m_row",
                  "m_fulltime", "m_posted")


def _join_rates(b: ir.Table, r: ir.Table, age: ir.IntegerValue, year: ir.IntegerValue,
                extra: ir.BooleanValue | None = None) -> ir.Table:
    cond = [r.age == age, r.year == year, r.valid_from <= b.period_end, r.valid_to > b.period_start]
    return b.join(r, cond if extra is None else cond + [extra])


def segments(ctx: AuditContext, b: ir.Table) -> ir.Table:
    """One row per payslip × rate segment of the base rows ``b`` (see module docstring): _row, seg_start, seg_end
    (exclusive), age, basis, rate_c, days, due_x, conf_rank, fulltime_c, period_days.

    A period of at most 31 days spans at most two ages and two calendar years: the rates are found by equality joins
    on (age, year) for each of those combinations that occurs (not by a range join over all rates)."""
    b = b.select("_row", "period_start", "period_end", "birth_date", "age_start", "age_end", "hours_c", "fulltime_c",
                 "period_days")
    r = _rates(ctx)
    y0, y1 = b.period_start.year(), b.period_end.year()
    j = _join_rates(b, r, b.age_start, y0)
    j = j.union(_join_rates(b, r, b.age_start, y1, y1 > y0), distinct=False)
    j = j.union(_join_rates(b, r, b.age_end, y0, b.age_end > b.age_start), distinct=False)
    j = j.union(_join_rates(b, r, b.age_end, y1, (b.age_end > b.age_start) & (y1 > y0)), distinct=False)
    band_start = birthday(j.birth_date, j.age)
    band_end = ibis.ifelse(j.age >= ADULT_AGE, ibis.literal(OPEN_END), birthday(j.birth_date, j.age + 1))
    j = j.mutate(seg_start=ibis.greatest(j.period_start, j.valid_from, band_start),
                 seg_end=ibis.least(j.period_end + ibis.interval(days=1), j.valid_to, band_end))
    j = j.filter(j.seg_end > j.seg_start)
    days = j.seg_end.delta(j.seg_start, unit="day").cast("int64")
    m = ibis.ifelse(j.basis == "hour", j.fulltime_c, 100)
    return j.select("_row", "seg_start", "seg_end", "age", "basis", "conf_rank", "fulltime_c", "period_days",
                    rate_c=j.value, days=days, due_x=j.hours_c.fill_null(0) * days * j.value * m)


def _edges(ctx: AuditContext) -> list:
    """Every date on which a rate piece starts or ends (incl. each 1 January), sorted."""
    def build(ctx: AuditContext) -> list:
        r = ctx.backend.to_pyarrow(_rates(ctx).select("valid_from", "valid_to"))
        return sorted(set(r.column(0).to_pylist()) | set(r.column(1).to_pylist()))

    return ctx.memo("wml.rate_edges", build)


def _edge_inside(ctx: AuditContext, b: ir.Table) -> ir.BooleanValue:
    """A rate starts or ends (or a calendar year begins) on a day after the first day of the period."""
    inside = ibis.literal(False)
    for d in _edges(ctx):
        inside = inside | ((b.period_start < d) & (b.period_end >= d))
    return inside


def _plain(ctx: AuditContext, b: ir.Table) -> ir.BooleanValue:
    """The period lies within one age, one calendar year and one value of every rate (nearly all periods)."""
    return (b.age_start == b.age_end) & ~_edge_inside(ctx, b)


def _split_base(ctx: AuditContext) -> ir.Table:
    """The base rows (:func:`_base`) of every payslip that is not plain: a rate change, a new year or a birthday
    inside the period. Only payslips with a rate edge inside the period or of a worker who is under 21 on some
    payslip can be split, so only those are joined. Small (a few % of the payslips): materialised once."""
    p = ctx.table("payslips")
    first = ctx.records.con.sql("SELECT min(period_start) FROM payslips").fetchall()[0][0]  # None: no payslips
    w = ctx.table("workers")
    if first is not None:
        young = w.filter(w.birth_date > ibis.date(first.year - ADULT_AGE - 1, 1, 1)).select(y_worker="worker_id")
        p = p.filter(_edge_inside(ctx, p) | p.worker_id.isin(young.y_worker))
    b = _base(ctx, p)
    return b.filter(~_plain(ctx, b)).select("_row", "period_start", "period_end", "birth_date", "age_start",
                                             "age_end", "hours_c", "fulltime_c", "period_days")


def _split_segments(ctx: AuditContext) -> ir.Table:
    """The rate segments (:func:`segments`) of every payslip that is not plain (``wml.split_base``), materialised
    once as ``wml.split_segments``."""
    return segments(ctx, ctx.cached("wml.split_base", _split_base))


def _split_due(ctx: AuditContext) -> ir.Table:
    """Per split payslip: s_row, s_due_x, s_covered_days, s_conf_rank, summed over its segments (materialised: the
    evaluation joins it as a plain table, a small build side)."""
    seg = ctx.cached("wml.split_segments", _split_segments)
    return seg.group_by(s_row=seg._row).aggregate(s_due_x=seg.due_x.sum(), s_covered_days=seg.days.sum(),
                                                  s_conf_rank=seg.conf_rank.max())


def _with_due(ctx: AuditContext, b: ir.Table) -> ir.Table:
    """``b`` with due_x, covered_days, conf_rank and, for a plain period, its one rate (rate_age, rate_basis, rate_c):
    a plain period takes its single rate by an equality join on (age, year) with the tiny rate table; the others
    take their sums over ``wml.split_segments``. Both joins have a small build side, so the payslips stream through
    once."""
    r = _rates(ctx)
    j = b.left_join(r, [r.age == b.age_start, r.year == b.period_start.year(), _plain(ctx, b),
                        r.valid_from <= b.period_start, r.valid_to > b.period_end])
    split = ctx.cached("wml.split_due", _split_due)
    # DuckDB sums to HUGEINT; int64 is ample (a period's due_x is below 10^15)
    split = split.mutate(s_due_x=split.s_due_x.cast("int64"), s_covered_days=split.s_covered_days.cast("int64"))
    j = j.left_join(split, j._row == split.s_row)
    m = ibis.ifelse(j.basis == "hour", j.fulltime_c, 100)
    plain_due = j.hours_c.fill_null(0) * j.period_days * j.value * m
    return j.mutate(
        due_x=ibis.ifelse(j.value.notnull(), plain_due, j.s_due_x),
        covered_days=ibis.ifelse(j.value.notnull(), j.period_days, j.s_covered_days),
        conf_rank=ibis.ifelse(j.value.notnull(), j.conf_rank, j.s_conf_rank),
        rate_age=j.age, rate_basis=j.basis, rate_c=j.value,
    ).drop("year", "age", "basis", "valid_from", "valid_to", "value", "s_row", "s_due_x", "s_covered_days",
           "s_conf_rank")


def _segment_text(start: ir.DateValue, last: ir.DateValue, age: ir.IntegerValue, basis: ir.StringValue,
                  fulltime_c: ir.IntegerValue, rate_c: ir.IntegerValue, days: ir.IntegerValue,
                  period_days: ir.IntegerValue) -> ir.StringValue:
    """One rate segment in words: '2025-06-16..2025-06-30: age 21+ at EUR 14.06/h, 15/28 days'."""
    label = ibis.ifelse(age >= ADULT_AGE, ibis.literal(f"{ADULT_AGE}+"), age.cast("string"))
    unit = ibis.ifelse(basis == "hour", ibis.literal("/h"),
                       ibis.literal("/week ÷ ") + cents_to_eur(fulltime_c).cast("string") + " h full-time week")
    return (start.strftime("%Y-%m-%d") + ".." + last.strftime("%Y-%m-%d") + ": age " + label + " at EUR "
            + cents_to_eur(rate_c).cast("string") + unit + ", " + days.cast("string") + "/"
            + period_days.cast("string") + " days")


def split_detail(ctx: AuditContext, rows: ir.Table | None = None) -> ir.Table:
    """d_row, split_detail: the segments of each split payslip in words (in date order), for the payslips in ``rows``
    (a table with ``_row``; None = every split payslip)."""
    seg = ctx.cached("wml.split_segments", _split_segments)
    if rows is not None:
        ids = rows.select(i_row=rows._row)
        seg = seg.semi_join(ids, seg._row == ids.i_row)
    text = _segment_text(seg.seg_start, seg.seg_end - ibis.interval(days=1), seg.age, seg.basis, seg.fulltime_c,
                         seg.rate_c, seg.days, seg.period_days)
    return seg.group_by(d_row=seg._row).aggregate(split_detail=text.group_concat("; ", order_by=seg.seg_start))


def with_rate_detail(ctx: AuditContext, t: ir.Table, split: ir.Table | None = None) -> ir.Table:
    """Add ``rate_detail`` (the rate segments of each payslip in words) to the rows of ``t`` (evaluation rows joined
    to their payslips: _row, period_start, period_end, period_days, fulltime_c, rate_age, rate_basis, rate_c). A plain
    period is one segment, written from its own columns; a split period's text comes from ``split``
    (:func:`split_detail`; default: every split payslip)."""
    d = split_detail(ctx) if split is None else split
    j = t.left_join(d, t._row == d.d_row)
    plain = _segment_text(j.period_start, j.period_end, j.rate_age, j.rate_basis, j.fulltime_c, j.rate_c,
                          j.period_days, j.period_days)
    return j.mutate(rate_detail=ibis.ifelse(j.rate_c.notnull(), plain, j.split_detail)).drop("d_row", "split_detail")


def _health_cum(ctx: AuditContext) -> ir.Table:
    """h_row, health_cap_c, health_cum_c: the annual cap on health-insurance deductions (cents) and the deductions
    cumulated per worker, employer and year of period_end, for the payslips that have such a deduction (few):
    materialised once as ``wml.health_cum``, so that the evaluation can run over the payslips in passes."""
    cap = ctx.interval_table("wml.zorgverzekering_max_inhouding")
    cap = cap.select(h_from="valid_from", h_to="valid_to", health_cap_c="value")
    p = ctx.table("payslips")
    h = p.mutate(health_c=to_units(p.health_insurance_deduction))
    h = h.filter(h.health_c > 0).select("_row", "worker_id", "employer_id", "period_start", "period_end", "payslip_id",
                                         "health_c")
    h = h.left_join(cap, [h.period_end >= cap.h_from, h.period_end < cap.h_to]).drop("h_from", "h_to")
    w = ibis.window(group_by=[h.worker_id, h.employer_id, h.period_end.year()],
                    order_by=[h.period_start, h.payslip_id], preceding=None, following=0)
    return h.select(h_row=h._row, health_cap_c=h.health_cap_c, health_cum_c=h.health_c.sum().over(w))


def _health_cap(ctx: AuditContext, e: ir.Table) -> ir.Table:
    h = ctx.cached("wml.health_cum", _health_cum)
    return e.left_join(h, e._row == h.h_row).drop("h_row")


def _scalar_param(ctx: AuditContext, e: ir.Table, pid: str, name: str) -> ir.Table:
    """A one-number-per-date parameter (in basis points / cents) for the period's last day, as a CASE over its few
    validity intervals (valid_from <= date < valid_to): no join needed."""
    t = ctx.backend.to_pyarrow(ctx.interval_table(pid)).to_pylist()
    value = ibis.null("int64")
    for row in t:
        value = ibis.ifelse((e.period_end >= row["valid_from"]) & (e.period_end < row["valid_to"]),
                            ibis.literal(row["value"], type="int64"), value)
    return e.mutate(**{name: value})


def evaluation(ctx: AuditContext, p: ir.Table | None = None) -> ir.Table:
    """One row per payslip (of ``p``; default: every valid payslip): due, paid, unlawful deductions, shortfall in
    cents (see module docstring)."""
    b = _base(ctx, p)
    e = b.mutate(gross_c=to_units(b.gross_wage), holiday_c=to_units(b.holiday_allowance),
                 housing_c=to_units(b.housing_deduction), health_c=to_units(b.health_insurance_deduction),
                 other_c=to_units(b.other_deductions), cash_c=to_units(b.net_paid_cash))
    e = _with_due(ctx, e)
    e = _health_cap(ctx, e)
    e = _scalar_param(ctx, e, "wml.vakantiebijslag_percentage", "holiday_bp")
    e = _scalar_param(ctx, e, "wml.huisvesting_max_inhouding", "housing_bp")

    k = e.period_days * e.fulltime_c * 100  # common denominator: due in cents = due_x / k
    due_x = e.due_x.fill_null(0)
    due_c = div_half_up(due_x, k)  # the product rounded to the cent, half up (docs/engine.md "Exact money")
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
    return e.select(
        "_row",
        # the payslip's own columns a finding or the written evaluation shows (carried along: no second scan)
        *PAYSLIP_COLUMNS,
        evaluable=reason.isnull(),
        not_evaluated_reason=reason,
        has_contract=e.has_contract,
        conf_rank=e.conf_rank.fill_null(0).cast("int8"),
        period_days=e.period_days,
        fulltime_c=e.fulltime_c,
        rate_age=e.rate_age,
        rate_basis=e.rate_basis,
        rate_c=e.rate_c,
        due_c=due_c,
        gross_c=gross_c,
        paid_c=paid_c,
        housing_cap_c=housing_cap_c,
        housing_reason=housing_reason,
        housing_unlawful_c=housing_unlawful_c,
        health_reason=health_reason,
        health_unlawful_c=health_unlawful_c,
        unlawful_c=unlawful_c,
        shortfall_c=ibis.greatest(due_c - paid_c, 0),
        holiday_due_c=holiday_due_c,
        holiday_short_c=ibis.greatest(holiday_due_c - e.holiday_c, 0),
        # art. 7a WML: the minimum wage goes to the bank; cash is lawful only for what lies above it
        cash_above_headroom=(e.cash_c > 0) & (e.cash_c > gross_c - due_c),
    )


def reportable(e: ir.Table) -> ir.BooleanValue:
    """The evaluation rows a WML rule can report on: not evaluable, a shortfall, a holiday allowance shortfall, or
    cash above the headroom. Every WML rule reads its rows from these (``wml.flagged``); the other payslips are
    evaluated and counted, not kept."""
    return ~e.evaluable | (e.shortfall_c > 0) | (e.holiday_short_c > 0) | e.cash_above_headroom


#: payslips evaluated per pass when one pass over all of them needs more memory than the limit allows. A pass keeps
#: its reportable rows in memory until it ends (one list per group), so passes bound the memory however many payslips
#: are reportable (at worst all of them); each pass costs ~0.2 s of its own (joins built again), so one pass is tried
#: first.
PASS_ROWS = 2_500_000


def _groups(e: ir.Table) -> ir.Table:
    """The evaluation ``e`` grouped by (evaluable, not_evaluated_reason, conf_rank): the number of payslips in each
    group and, as a list, the group's :func:`reportable` rows. (Keeping the reportable rows as a filtered aggregate
    lets the database compute every payslip's arithmetic once and keep only what findings need, instead of writing
    millions of rows or recomputing the arithmetic in a pushed-down filter.)"""
    row = ibis.struct({c: e[c] for c in e.columns})
    return e.group_by(g_ok=e.evaluable, g_reason=e.not_evaluated_reason, g_conf=e.conf_rank).aggregate(
        g_n=e.count(), g_rows=row.collect(where=reportable(e)))


def _evaluate(ctx: AuditContext, name: str) -> None:
    """The evaluation of every payslip: writes table ``name`` (the reportable rows) and ``name``_counts (payslips per
    evaluable, reason and confidence, per pass). One pass; in passes of PASS_ROWS payslips if that runs out of
    memory (e.g. millions of reportable payslips)."""
    try:
        _evaluate_in_passes(ctx, name, None)
    except duckdb.OutOfMemoryException:
        _evaluate_in_passes(ctx, name, PASS_ROWS)


def _evaluate_in_passes(ctx: AuditContext, name: str, rows: int | None) -> None:
    """See :func:`_evaluate`: passes of ``rows`` payslips by input row (None: one pass)."""
    con = ctx.records.con
    lo, hi = con.sql("SELECT min(_row), max(_row) FROM payslips").fetchall()[0]
    lo, hi = (lo or 0), (hi or 0)
    step = rows or (hi - lo + 1)
    con.execute("CREATE OR REPLACE TEMP VIEW wml_payslip_pass AS SELECT * FROM payslips "
                "WHERE _row >= getvariable('wml_pass_lo') AND _row < getvariable('wml_pass_hi')")
    groups_sql = ctx.sql(_groups(evaluation(ctx, ctx.table("wml_payslip_pass"))))
    rows_sql = None
    for i, start in enumerate(range(lo, hi + 1, step)):
        con.execute(f"SET VARIABLE wml_pass_lo = {start}")
        con.execute(f"SET VARIABLE wml_pass_hi = {start + step}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE wml_pass AS {groups_sql}")
        if rows_sql is None:
            g = ctx.table("wml_pass")
            rows_sql = ctx.sql(g.select(r=g.g_rows.unnest()).unpack("r"))
        verb = f"INSERT INTO {name}" if i else f"CREATE OR REPLACE TEMP TABLE {name} AS"
        con.execute(f"{verb} {rows_sql}")
        verb = f"INSERT INTO {name}_counts" if i else f"CREATE OR REPLACE TEMP TABLE {name}_counts AS"
        con.execute(f"{verb} SELECT g_ok, g_reason, g_conf, g_n FROM wml_pass")
    con.execute("DROP TABLE wml_pass")
    con.execute("DROP VIEW wml_payslip_pass")


def flagged(ctx: AuditContext) -> ir.Table:
    """The evaluation's :func:`reportable` rows (columns of :func:`evaluation`), materialised once per audit
    (``wml.flagged``); the full per-payslip table is computed again only when it is written out."""
    return ctx.cached_as("wml.flagged", _evaluate)


def counts(ctx: AuditContext) -> dict:
    """Evaluated / not evaluated (by reason) / evaluated by the confidence of the rates used / total."""
    rows = ctx.records.con.sql(f"SELECT g_ok, g_reason, g_conf, sum(g_n) FROM {flagged(ctx).get_name()}_counts "
                               "GROUP BY ALL").fetchall()
    not_evaluated: dict[str, int] = {}
    by_conf: dict[str, int] = {}
    for ok, reason, conf, n in rows:
        if ok:
            by_conf[CONFIDENCE[conf]] = by_conf.get(CONFIDENCE[conf], 0) + int(n)
        else:
            not_evaluated[reason] = not_evaluated.get(reason, 0) + int(n)
    return {"evaluated": sum(by_conf.values()), "not_evaluated": dict(sorted(not_evaluated.items())),
            "by_confidence": {k: by_conf[k] for k in CONFIDENCE.values() if k in by_conf},
            "total": sum(int(r[3]) for r in rows)}


def evaluated(ctx: AuditContext, rows: ir.Table) -> ir.Table:
    """Rows of the evaluation (e.g. filtered by a rule) with the amounts as EUR DECIMAL(14,2) and the columns every
    WML finding carries (employer_id, worker_id, payslip_id, period_start, period_end, hours_worked, evidence,
    presumption, presumption_basis, confidence)."""
    j = rows
    claim = j.hours_basis == "worker_claim"
    return j.mutate(
        due=cents_to_eur(j.due_c), gross=cents_to_eur(j.gross_c), paid=cents_to_eur(j.paid_c),
        housing_cap=cents_to_eur(j.housing_cap_c), housing_unlawful=cents_to_eur(j.housing_unlawful_c),
        health_unlawful=cents_to_eur(j.health_unlawful_c), other_unlawful=j.other_deductions,
        unlawful_deductions=cents_to_eur(j.unlawful_c), shortfall=cents_to_eur(j.shortfall_c),
        holiday_allowance_due=cents_to_eur(j.holiday_due_c), holiday_allowance_short=cents_to_eur(j.holiday_short_c),
        confidence=j.conf_rank.cases(*CONFIDENCE.items(), else_="confirmed"),
        evidence=ibis.literal("payslips row ") + j._row.cast("string"),
        presumption=claim,
        presumption_basis=ibis.ifelse(claim, "hours rest only on the worker's claim, not on the employer's records "
                                             "(unproven)", ibis.null("string")),
    )
