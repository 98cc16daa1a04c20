"""Rules of the Wet arbeid vreemdelingen (Wav, BWBR0007149).

``wav.no_permit`` (art. 2 lid 1): a foreign national from outside the EU/EEA/Switzerland works on a day without a
valid work permit (TWV or GVVA) for an employer in the chain and without an exemption. Shapes:

- ``wav.work_days``: one row per worker × employer of record × day worked, from payslips (every day of a period with
  hours > 0) and shifts (the local day the shift starts), with the evidence row;
- ``wav.party_days``: each work day once per employer in the chain: the employer of record, and for a placement
  covering the day the lender/subcontractor and the hirer/main contractor (art. 1 lid 1 onder b: whoever lets the
  work be done is an employer, case A4);
- a day is covered when a permit of the worker is valid that day and is either not employer-bound ("arbeid vrij
  toegestaan") or bound to one of that day's employers in the chain (TWV, GVVA, kennismigrant, EU Blue Card), or the
  worker is a posted third-country national whose posting was notified and meets art. 4.6 BuWav.

Days from a payslip period prove work on those days only if the whole period is uncovered; a period that is partly
covered gives a finding marked as a presumption (the records do not show on which days the work was done).
Source: art. 1, 2, 3, 4 Wav; art. 4.6 Besluit uitvoering Wav 2022; https://wetten.overheid.nl/BWBR0007149
"""

from __future__ import annotations


import ibis
import ibis.expr.types as ir
import pyarrow as pa

from eerlijkwerk.engine.context import OPEN_END, AuditContext
from eerlijkwerk.engine.rules import rule
from eerlijkwerk.law.wav.tables import EMPLOYER_BOUND
from eerlijkwerk.params import Status

BWB = "BWBR0007149"


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


def work_days(ctx: AuditContext) -> ir.Table:
    """Worker × employer of record × day worked (see module docstring)."""
    p = ctx.table("payslips")
    p = _needs_check(ctx, p, p.period_start)
    p = p.filter(p.hours_worked > 0)
    n = (p.period_end.delta(p.period_start, unit="day") + 1).cast("int64")
    spans_p = p.select(worker_id=p.worker_id, employer_id=p.employer_id, d_from=p.period_start, n=n,
                       span=ibis.literal("payslips row ") + p._row.cast("string"), from_shift=ibis.literal(False))
    s = ctx.table("shifts")
    s = _needs_check(ctx, s, s.start_at_local.date())
    spans_s = s.select(worker_id=s.worker_id, employer_id=s.employer_id, d_from=s.start_at_local.date(),
                       n=ibis.literal(1, type="int64"),
                       span=ibis.literal("shifts row ") + s._row.cast("string"), from_shift=ibis.literal(True))
    spans = spans_p.union(spans_s)
    spans = spans.mutate(off=ibis.range(0, spans.n).unnest())
    return spans.mutate(day=spans.d_from + spans.off.as_interval("D")).drop("off", "d_from")


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
    cols = ["worker_id", "employer_id", "day", "span", "from_shift", "n", "nationality", "party", "role"]
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
    pdays = ctx.cached("wav.party_days", party_days)
    cov = ctx.cached("wav.covered_days", covered_days)
    u = pdays.anti_join(cov, [pdays.worker_id == cov.worker_id, pdays.day == cov.day])
    # a payslip period proves work on its days only if none of its days is covered
    per_span = u.group_by(["worker_id", "party", "span"]).aggregate(u_days=u.day.nunique(), n=u.n.max())
    u = u.join(per_span, ["worker_id", "party", "span"]).drop("n_right")
    return u.mutate(established=u.from_shift | (u.u_days == u.n))


@rule(id="wav.no_permit", statute="Wav", article="2 lid 1", bwb=BWB, status=Status.IN_FORCE,
      fine_policy="wav.boete_normbedrag",
      title="Foreign national working without a work permit",
      explanation=("A national of {detail} worked {hours} day(s) between {period_start} and {period_end} without a "
                   "valid TWV/GVVA for this employer and without an exemption; role in the chain: {reason}. "
                   "The employer and everyone in the chain who lets the work be done is an employer under art. 1 Wav."))
def no_permit(ctx: AuditContext) -> ir.Table:
    """One finding per foreign national per employer in the chain (see module docstring). ``hours`` holds the
    number of uncovered days. Source: art. 1, 2 Wav."""
    u = ctx.cached("wav.uncovered", uncovered)
    g = u.group_by(["party", "worker_id"]).aggregate(
        period_start=u.day.min(), period_end=u.day.max(), days=u.day.nunique(),
        established=u.established.any(), reason=u.role.min(), nationality=u.nationality.min())
    ev = u.select("party", "worker_id", "span").distinct()
    ev = ev.group_by(["party", "worker_id"]).aggregate(evidence=ev.span.group_concat(", ", order_by=ev.span))
    g = g.join(ev, ["party", "worker_id"])
    return g.select(
        employer_id=g.party, worker_id=g.worker_id, period_start=g.period_start, period_end=g.period_end,
        hours=g.days, reason=g.reason, detail=g.nationality, evidence=g.evidence.substr(0, 400),
        presumption=~g.established,
        presumption_basis=ibis.ifelse(g.established, ibis.null("string"),
                                      "the pay periods are partly covered by a permit; the records do not show that "
                                      "work was done on the uncovered days"))


def coverage_notes(ctx: AuditContext) -> list[str]:
    """What the Wav rules could not evaluate, for the report."""
    w = ctx.table("workers").filter(lambda t: t.nationality.isnull())
    p = ctx.table("payslips").filter(lambda t: t.hours_worked > 0)
    unknown = w.semi_join(p, w.worker_id == p.worker_id)
    n = ctx.backend.execute(unknown.count())
    return [f"Wav: {n} worker(s) without a nationality in the records were not checked for a work permit."] if n else []
