"""Rules of the Wet arbeid vreemdelingen (Wav, BWBR0007149).

``wav.no_permit`` (art. 2 lid 1): a foreign national from outside the EU/EEA/Switzerland works on a day without a
valid work permit (TWV or GVVA) for an employer in the chain and without an exemption. Shapes:

- ``wav.work_days``: one row per worker × employer of record × day worked, with the evidence row: from shift
  records, one piece per local day (Europe/Amsterdam) the record touches, with its seconds on that day; from payslips,
  every day of a period with hours > 0, only for periods in which the worker has no shift record at the payslip's
  employer or at its hirer / main contractor (where shifts exist, they decide);
- ``wav.party_days``: each work day once per employer in the chain: the employer of record, and for a placement
  covering the day the lender/subcontractor and the hirer/main contractor (art. 1 lid 1 onder b: whoever lets the
  work be done is an employer, case A4);
- a day is covered when a permit of the worker is valid that day and is either not employer-bound ("arbeid vrij
  toegestaan") or bound to one of that day's employers in the chain (TWV, GVVA, kennismigrant, EU Blue Card), or the
  worker is a posted third-country national whose posting was notified and meets art. 4.6 BuWav.

A permit's valid_to is inclusive through 23:59:59 of that day, local time: coverage is decided per local day, so a
shift from 30 June 22:00 to 1 July 06:00 under a permit ending 30 June is 6 hours of work without a permit. A shift
record proves the work of its uncovered part, less its break (breaks are not timed: a lower bound); days from a
payslip period prove work on those days only if the whole period is uncovered; a period that is partly covered
gives a finding marked as a presumption (the records do not show on which days the work was done), its hours pro
rata. The finding's ``hours`` are the hours of work without a permit (docs/rules.md, Wav).
Source: art. 1, 2, 3, 4 Wav; art. 4.6 Besluit uitvoering Wav 2022; https://wetten.overheid.nl/BWBR0007149
"""

from __future__ import annotations


from decimal import Decimal

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from eerlijkwerk.engine.context import OPEN_END, AuditContext
from eerlijkwerk.engine.rules import rule
from eerlijkwerk.law.atw.norms import DAY, day_to_date, fdiv, instant_s, wall_s, wall_to_instant
from eerlijkwerk.law.wav.tables import EMPLOYER_BOUND
from eerlijkwerk.params import Status

BWB = "BWBR0007149"
CENTI_HOUR = ibis.literal(Decimal("0.01"), type="decimal(12, 2)")


def _centi_to_hours(centi: ir.IntegerValue) -> ir.DecimalValue:
    """Hundredths of an hour (an integer) as hours, DECIMAL(10,2), exact."""
    return (centi.cast("decimal(12, 2)") * CENTI_HOUR).cast("decimal(10, 2)")


def _exempt_nationalities(ctx: AuditContext) -> ir.Table:
    rows: dict[str, list] = {"x_from": [], "x_to": [], "x_code": []}
    for iv in ctx.params.timeline("wav.vrijgestelde_nationaliteiten"):
        for code in iv.value:
            rows["x_from"].append(iv.valid_from)
            rows["x_to"].append(iv.valid_to or OPEN_END)
            rows["x_code"].append(str(code))
    return ibis.memtable(pa.table({"x_from": pa.array(rows["x_from"], pa.date32()),
                                   "x_to": pa.array(rows["x_to"], pa.date32()),
                                   "x_code": pa.array(rows["x_code"], pa.string())}))


def _needs_check(ctx: AuditContext, t: ir.Table, day: ir.DateValue) -> ir.Table:
    """Rows of workers who may need a permit on ``day`` (the first day of the row): nationality unknown to the lists,
    or not exempt on every date from ``day`` on. A cheap filter before days are expanded; the exact, dated check
    follows in _in_scope."""
    import datetime as dt

    timeline = ctx.params.timeline("wav.vrijgestelde_nationaliteiten")
    since: dict[str, dt.date] = {}  # code -> exempt from this date to the open end of the timeline
    if timeline and timeline[-1].valid_to is None:
        for code in set(map(str, timeline[-1].value)):
            start = timeline[-1].valid_from
            for iv in reversed(timeline[:-1]):
                if code not in set(map(str, iv.value)) or iv.valid_to != start:
                    break
                start = iv.valid_from
            since[code] = start
    m = ibis.memtable(pa.table({"x_code": pa.array(list(since), pa.string()),
                                "x_since": pa.array(list(since.values()), pa.date32())}))
    w = ctx.table("workers")
    w = w.filter(w.nationality.notnull())
    w = w.left_join(m, w.nationality == m.x_code).select(n_worker="worker_id", n_since="x_since")
    return t.semi_join(w, [t.worker_id == w.n_worker, w.n_since.isnull() | (day < w.n_since)])


def _shift_pieces_sql(shifts: str) -> str:
    """Every shift record cut at local midnight (Europe/Amsterdam): one row per record and local day it touches, with
    ``piece_s`` the seconds of the record on that day (instants, so a daylight-saving change neither adds nor removes
    an hour), ``brk_s`` the record's break and ``work_s`` its worked time (end − start − break), in seconds. The same
    instants, wall-clock seconds and offset rule as the Atw rules (law/atw/norms.py: instant_s, wall_s,
    wall_to_instant): the instant of a local midnight is wall − offset where the offset is the same at the start and
    end of the record, else the time-zone database decides.

    Overlapping records of one worker at one employer are an input error (rejected for the Atw, docs/atw.md) but
    still records of work: for the Wav each instant counts once, so a record starts here at the latest end of the
    records before it (``s_eff``); a record wholly inside another adds nothing."""
    midnight = wall_to_instant(f"(d + o) * {DAY}", "off", "ch")
    next_midnight = wall_to_instant(f"(d + o + 1) * {DAY}", "off", "ch")
    return f"""
WITH r AS (
    SELECT worker_id, employer_id, CAST(_row AS BIGINT) AS row_n, CAST(break_minutes AS BIGINT) * 60 AS brk_s,
           {instant_s('start_at')} AS s, {instant_s('end_at')} AS e,
           {wall_s('start_at_local')} AS ws, {wall_s('end_at_local')} AS we
    FROM ({shifts})),
r1 AS (
    SELECT *, greatest(s, coalesce(max(e) OVER (PARTITION BY worker_id, employer_id ORDER BY s, row_n
                                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), s)) AS s_eff
    FROM r),
r2 AS (
    SELECT *, ws - s AS off, (ws - s) <> (we - e) AS ch, {fdiv('ws', DAY)} AS d, {fdiv('we - 1', DAY)} AS d_last
    FROM r1 WHERE s_eff < e),
p AS (
    SELECT *, unnest(range(0, d_last - d + 1)) AS o FROM r2),
q AS (
    SELECT worker_id, employer_id, row_n, brk_s, e - s_eff - brk_s AS work_s, {day_to_date('d + o')} AS day,
           least(e, {next_midnight}) - greatest(s_eff, {midnight}) AS piece_s
    FROM p)
SELECT worker_id, employer_id, day, 'shifts row ' || CAST(row_n AS VARCHAR) AS span, piece_s, brk_s, work_s
FROM q WHERE piece_s > 0"""


def shift_pieces(ctx: AuditContext, name: str) -> None:
    """Materialise :func:`_shift_pieces_sql` as the temp table ``name`` (columns: worker_id, employer_id, day, span,
    piece_s, brk_s, work_s), for the shift records of workers who may need a permit on the record's start day."""
    s = ctx.table("shifts")
    s = _needs_check(ctx, s, s.start_at_local.date())
    ctx.records.con.execute(f'CREATE TEMP TABLE "{name}" AS {_shift_pieces_sql(ctx.sql(s))}')


def _pay_periods_without_shifts(ctx: AuditContext, p: ir.Table, pieces: ir.Table) -> ir.Table:
    """The payslip rows for which no shift record of the worker falls on a day of the pay period, at the payslip's
    employer or at the hirer / main contractor of a placement by that employer covering the day (where shifts
    exist for a worker and period, they decide; docs/rules.md, Wav)."""
    own = pieces.select(s_worker="worker_id", s_employer="employer_id", s_day="day")
    p = p.anti_join(own, [p.worker_id == own.s_worker, p.employer_id == own.s_employer,
                          own.s_day >= p.period_start, own.s_day <= p.period_end])
    pl = ctx.table("placements")
    pl = pl.select(l_worker="worker_id", l_lender="uitlener_id", l_hirer="inlener_id", l_from="start_date",
                   l_to="end_date")
    at_hirer = own.join(pl, [own.s_worker == pl.l_worker, own.s_employer == pl.l_hirer, own.s_day >= pl.l_from,
                             pl.l_to.isnull() | (own.s_day <= pl.l_to)])
    return p.anti_join(at_hirer, [p.worker_id == at_hirer.s_worker, p.employer_id == at_hirer.l_lender,
                                  at_hirer.s_day >= p.period_start, at_hirer.s_day <= p.period_end])


def work_days(ctx: AuditContext) -> ir.Table:
    """Worker × employer of record × day worked (see module docstring): pay-period days (``from_shift`` false, ``n``
    days in the period, ``hours_worked`` of the period) for periods without shift records, and the pieces of every
    shift record per local day (``from_shift`` true, ``piece_s``/``brk_s``/``work_s`` in seconds)."""
    pieces = ctx.cached_as("wav.shift_pieces", shift_pieces)
    p = ctx.table("payslips")
    p = _needs_check(ctx, p, p.period_start)
    p = p.filter(p.hours_worked > 0)
    p = _pay_periods_without_shifts(ctx, p, pieces)
    n = (p.period_end.delta(p.period_start, unit="day") + 1).cast("int64")
    null_s = ibis.null("int64")
    spans_p = p.select(worker_id=p.worker_id, employer_id=p.employer_id, d_from=p.period_start, n=n,
                       span=ibis.literal("payslips row ") + p._row.cast("string"), from_shift=ibis.literal(False),
                       hours_worked=p.hours_worked.cast("decimal(10, 2)"), piece_s=null_s, brk_s=null_s,
                       work_s=null_s)
    spans_p = spans_p.mutate(off=ibis.range(0, spans_p.n).unnest())
    days_p = spans_p.mutate(day=spans_p.d_from + spans_p.off.as_interval("D")).drop("off", "d_from")
    s = pieces
    days_s = s.select(worker_id=s.worker_id, employer_id=s.employer_id, n=ibis.literal(1, type="int64"), span=s.span,
                      from_shift=ibis.literal(True), hours_worked=ibis.null("decimal(10, 2)"),
                      piece_s=s.piece_s.cast("int64"), brk_s=s.brk_s.cast("int64"), work_s=s.work_s.cast("int64"),
                      day=s.day)
    return days_p.union(days_s.select(days_p.columns))


def _in_scope(ctx: AuditContext, days: ir.Table) -> ir.Table:
    """Work days of workers whose nationality is known and not exempt on that day."""
    w = ctx.table("workers").select(w_id="worker_id", nationality="nationality")
    d = days.join(w, days.worker_id == w.w_id).drop("w_id")
    d = d.filter(d.nationality.notnull())
    x = _exempt_nationalities(ctx)
    known = x.select("x_from", "x_to").distinct()
    d = d.semi_join(known, [d.day >= known.x_from, d.day < known.x_to])  # a day with no list is not evaluated
    return d.anti_join(x, [d.nationality == x.x_code, d.day >= x.x_from, d.day < x.x_to])


def party_days(ctx: AuditContext) -> ir.Table:
    days = _in_scope(ctx, ctx.cached("wav.work_days", work_days))
    own = days.mutate(party=days.employer_id, role=ibis.literal("employer of record"))
    pl = ctx.table("placements")
    pl = pl.select(p_worker="worker_id", uitlener_id="uitlener_id", inlener_id="inlener_id",
                   p_start="start_date", p_end="end_date", relation="relation")
    j = days.join(pl, [days.worker_id == pl.p_worker, days.day >= pl.p_start,
                       pl.p_end.isnull() | (days.day <= pl.p_end)])
    lender = j.mutate(party=j.uitlener_id, role=ibis.ifelse(j.relation == "onderaanneming", "subcontractor", "lender (uitlener)"))
    hirer = j.mutate(party=j.inlener_id, role=ibis.ifelse(j.relation == "onderaanneming", "main contractor", "hirer (inlener)"))
    cols = ["worker_id", "employer_id", "day", "span", "from_shift", "n", "hours_worked", "piece_s", "brk_s",
            "work_s", "nationality", "party", "role"]
    return own.select(cols).union(lender.select(cols)).union(hirer.select(cols)).distinct()


def covered_days(ctx: AuditContext) -> ir.Table:
    """(worker, day) pairs covered by a permit for one of the day's employers in the chain, or an exemption."""
    pdays = ctx.cached("wav.party_days", party_days)
    pm = ctx.table("permits").filter(lambda t: t.permit_type != "w_document")
    pm = pm.select(m_worker="worker_id", m_employer="employer_id", m_type="permit_type", m_from="valid_from",
                   m_to="valid_to")
    j = pdays.join(pm, [pdays.worker_id == pm.m_worker, pdays.day >= pm.m_from, pdays.day <= pm.m_to,
                        ~pm.m_type.isin(EMPLOYER_BOUND) | (pm.m_employer == pdays.party)])
    by_permit = j.select("worker_id", "day")
    po = ctx.table("postings")
    po = po.filter(po.third_country_national & po.tcn_conditions_met & po.notified_on.notnull()
                   & (po.notified_on <= po.start_date))
    po = po.select(o_worker="worker_id", o_from="start_date", o_to="end_date")
    j2 = pdays.join(po, [pdays.worker_id == po.o_worker, pdays.day >= po.o_from,
                         po.o_to.isnull() | (pdays.day <= po.o_to)])
    return by_permit.union(j2.select("worker_id", "day")).distinct()


def uncovered(ctx: AuditContext) -> ir.Table:
    """The party days not covered, each with its span's verdict: ``established`` and ``span_hours`` (pay periods,
    hours) or ``span_s`` (shift records, seconds).

    - a pay period proves work on its uncovered days only if none of its days is covered; its hours without a
      permit are hours_worked × uncovered days / days in the period, rounded half-up to 0.01 h (exact when the whole
      period is uncovered; presumed otherwise);
    - a shift record proves the work of its uncovered part: the seconds of the record on uncovered local days, less
      its break (breaks are not timed in the records, so the whole break is taken to fall in the uncovered part:
      a lower bound). Where that leaves nothing but the uncovered part is not empty, the work may have been done
      there: presumed, with the uncovered part up to the worked time.
    """
    pdays = ctx.cached("wav.party_days", party_days)
    cov = ctx.cached("wav.covered_days", covered_days)
    u = pdays.anti_join(cov, [pdays.worker_id == cov.worker_id, pdays.day == cov.day])
    per_span = u.group_by(["worker_id", "party", "span"]).aggregate(
        u_days=u.day.nunique(), u_s=u.piece_s.sum(), s_n=u.n.max(), s_hours=u.hours_worked.max(),
        s_brk=u.brk_s.max(), s_work=u.work_s.max())
    proven = ibis.greatest(per_span.u_s - per_span.s_brk, 0)
    whole = per_span.u_days == per_span.s_n
    # half-up to the cent of an hour in integers: floor((2·x·days + n) / 2n) with x the hours in cents
    share = ((per_span.s_hours * 100).cast("int64") * per_span.u_days * 2 + per_span.s_n) // (per_span.s_n * 2)
    per_span = per_span.mutate(
        established=ibis.ifelse(per_span.u_s.notnull(), proven > 0, whole),
        span_s=ibis.ifelse(proven > 0, proven, ibis.least(per_span.u_s, per_span.s_work)),
        span_hours=ibis.ifelse(whole, per_span.s_hours, _centi_to_hours(share)))
    per_span = per_span.select("worker_id", "party", "span", "established", "span_s",
                               span_hours=per_span.span_hours.cast("decimal(10, 2)"))
    return u.join(per_span, ["worker_id", "party", "span"])


@rule(id="wav.no_permit", statute="Wav", article="2 lid 1", bwb=BWB, status=Status.IN_FORCE,
      fine_policy="wav.boete_normbedrag",
      title="Foreign national working without a work permit",
      explanation=("A national of {detail} worked {hours} hour(s) between {period_start} and {period_end} without a "
                   "valid TWV/GVVA for this employer and without an exemption; role in the chain: {reason}. "
                   "The employer and everyone in the chain who lets the work be done is an employer under art. 1 Wav."))
def no_permit(ctx: AuditContext) -> ir.Table:
    """One finding per foreign national per employer in the chain (see module docstring). ``hours``: the hours of
    work without a permit (DECIMAL(10,2)): of the shift records, their uncovered seconds summed and rounded half-up
    to 0.01 h; of the pay periods without shift records, the share of each period (see :func:`uncovered`).
    ``presumption`` is false when at least one shift record or wholly uncovered pay period proves work without a
    permit; ``evidence`` names the shift and payslip rows. Source: art. 1, 2 Wav."""
    u = ctx.cached("wav.uncovered", uncovered)
    g = u.group_by(["party", "worker_id"]).aggregate(
        period_start=u.day.min(), period_end=u.day.max(),
        established=u.established.any(), reason=u.role.min(), nationality=u.nationality.min())
    sp = u.select("party", "worker_id", "span", "span_s", "span_hours").distinct()
    h = sp.group_by(["party", "worker_id"]).aggregate(
        evidence=sp.span.group_concat(", ", order_by=sp.span), secs=sp.span_s.sum(), pay_hours=sp.span_hours.sum())
    # seconds to hours, half-up to 0.01 h in integers: floor((2·s + 36) / 72) hundredths of an hour
    shift_hours = _centi_to_hours((h.secs * 2 + 36) // 72)
    h = h.mutate(hours=(shift_hours.fill_null(0) + h.pay_hours.fill_null(0)).cast("decimal(10, 2)"))
    g = g.join(h, ["party", "worker_id"])
    return g.select(
        employer_id=g.party, worker_id=g.worker_id, period_start=g.period_start, period_end=g.period_end,
        hours=g.hours, reason=g.reason, detail=g.nationality, evidence=g.evidence.substr(0, 400),
        presumption=~g.established,
        presumption_basis=ibis.ifelse(g.established, ibis.null("string"),
                                      "the pay periods are partly covered by a permit, or the uncovered part of a "
                                      "shift is no longer than its break; the records do not show that work was "
                                      "done on the uncovered days or hours"))


def coverage_notes(ctx: AuditContext) -> list[str]:
    """What the Wav rules could not evaluate, for the report."""
    w = ctx.table("workers").filter(lambda t: t.nationality.isnull())
    p = ctx.table("payslips").filter(lambda t: t.hours_worked > 0)
    unknown = w.semi_join(p, w.worker_id == p.worker_id)
    n = ctx.backend.execute(unknown.count())
    return [f"Wav: {n} worker(s) without a nationality in the records were not checked for a work permit."] if n else []
