"""Staffing-agency rules: lending without registration/admission (Waadi art. 7a, Wtta), the 36-month hiring limit
(proposed) and the sector ban on hiring (proposed).

Shape ``waadi.placement_days``: one row per placement (relation uitlening) × day, with the lender, the hirer, the
hirer's sector and the admission records active that day. A lender is checked against the regime of each day
(register.py): a registration that lapses in the middle of a placement gives findings from the day after it lapsed.
Sources: art. 7a Waadi (https://wetten.overheid.nl/BWBR0009616); Wtta (Kamerstuk 36446; Stb. 2026, 41);
Kamerbrief 2024-12-19 (hiring limit); Kamerbrief 2025-06-20 (sector ban).
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from eerlijkwerk.engine.context import OPEN_END, AuditContext
from eerlijkwerk.engine.rules import rule
from eerlijkwerk.params import Status

BWB = "BWBR0009616"
#: the Waadi as the Wtta (Kamerstuk 36446) amends it: chapter 3a (art. 12b-12u) and the prohibitions of art.
#: 12c lid 1 and 12d lid 1, which apply from 2028-01-01 (wetten.overheid.nl shows a future version by its date)
WTTA_URL = "https://wetten.overheid.nl/BWBR0009616/2028-01-01"


def _date_of(ctx: AuditContext, pid: str) -> dt.date | None:
    tl = ctx.params.timeline(pid)
    return tl[0].valid_from if tl else None


def placement_days(ctx: AuditContext) -> ir.Table:
    pl = ctx.table("placements")
    pl = pl.filter(pl.relation == "uitlening")
    # open placements are checked up to the last day any record of the audit covers
    last = ctx.table("payslips").period_end.max().as_scalar()
    end = pl.end_date.fill_null(ibis.greatest(last, pl.start_date))
    n = (end.delta(pl.start_date, unit="day") + 1).cast("int64")
    d = pl.mutate(n=n).filter(lambda t: t.n > 0)
    d = d.mutate(off=ibis.range(0, d.n).unnest())
    return d.mutate(day=d.start_date + d.off.as_interval("D")).select(
        "placement_id", "worker_id", "uitlener_id", "inlener_id", "workplace", "day", "_row")


def _status_days(ctx: AuditContext) -> ir.Table:
    """Per lender-day: which kinds of admission record are active."""
    days = ctx.cached("waadi.placement_days", placement_days)
    a = ctx.table("admissions")
    a = a.filter(a.status == "active").select(a_emp="employer_id", kind="kind", a_from="valid_from",
                                               a_to="valid_to")
    j = days.left_join(a, [days.uitlener_id == a.a_emp, days.day >= a.a_from,
                           a.a_to.isnull() | (days.day <= a.a_to)])
    g = j.group_by(["placement_id", "worker_id", "uitlener_id", "inlener_id", "workplace", "day", "_row"]).aggregate(
        waadi=(j.kind == "waadi_registration").any().fill_null(False),
        wtta=j.kind.isin(["wtta_transition", "wtta_admission", "wtta_exemption"]).any().fill_null(False),
        admitted=j.kind.isin(["wtta_admission", "wtta_exemption"]).any().fill_null(False))
    return g


def _not_allowed(ctx: AuditContext, regime: str) -> ir.Table:
    g = ctx.cached("waadi.status_days", _status_days)
    wtta_from = _date_of(ctx, "waadi.wtta_inwerkingtreding") or OPEN_END
    admission_from = _date_of(ctx, "waadi.wtta_toelatingsplicht") or OPEN_END
    if regime == "waadi":  # art. 7a Waadi: registration, from when the duty applies until admission is required
        duty_from = _date_of(ctx, "waadi.registratieplicht") or OPEN_END
        return g.filter((g.day >= duty_from) & (g.day < admission_from) & ~g.waadi).mutate(
            reason=ibis.literal("no registration as lender in the trade register (art. 7a Waadi)"))
    transition = (g.day >= wtta_from) & (g.day < admission_from) & ~g.wtta
    required = (g.day >= admission_from) & ~g.admitted
    return g.filter(transition | required).mutate(reason=ibis.ifelse(
        g.day >= admission_from, "no Wtta admission or exemption",
        "not registered with the NAU under the Wtta transition scheme"))


def _per_offender(t: ir.Table, party: str, with_lender: bool) -> ir.Table:
    keys = [party] + (["uitlener_id"] if with_lender and party != "uitlener_id" else [])
    g = t.group_by(keys).aggregate(
        period_start=t.day.min(), period_end=t.day.max(), workers=t.worker_id.nunique(), reason=t.reason.max())
    ev = t.select(*keys, "_row").distinct()
    ev = ev.group_by(keys).aggregate(
        evidence=ibis.literal("placements rows ") + ev._row.cast("string").group_concat(", ", order_by=ev._row))
    g = g.join(ev, keys)
    detail = (ibis.literal("lender ") + g.uitlener_id) if (with_lender and party != "uitlener_id") else ibis.literal("")
    return g.select(employer_id=g[party], period_start=g.period_start, period_end=g.period_end,
                    hours=g.workers, reason=g.reason, detail=detail, evidence=g.evidence.substr(0, 400))


@rule(id="waadi.unregistered_lender", statute="Waadi", article="7a lid 1", bwb=BWB, status=Status.IN_FORCE,
      fine_policy="waadi.boete_registratie", title="Lender lends workers without registration",
      explanation=("Lent {hours} worker(s) between {period_start} and {period_end}: {reason}."))
def unregistered_lender(ctx: AuditContext) -> ir.Table:
    """One finding per lender: days a worker was lent while the lender had no active registration as lender.
    hours = number of workers lent without registration. Source: art. 7a lid 1 Waadi."""
    return _per_offender(ctx.cached("waadi.not_allowed", lambda c: _not_allowed(c, "waadi")), "uitlener_id", False)


@rule(id="waadi.hirer_unregistered_lender", statute="Waadi", article="7a lid 2", bwb=BWB, status=Status.IN_FORCE,
      fine_policy="waadi.boete_registratie", title="Hirer hires workers from an unregistered lender",
      explanation=("Hired {hours} worker(s) between {period_start} and {period_end} from {detail}: {reason}."))
def hirer_unregistered_lender(ctx: AuditContext) -> ir.Table:
    """One finding per hirer and lender. Source: art. 7a lid 2 Waadi."""
    return _per_offender(ctx.cached("waadi.not_allowed", lambda c: _not_allowed(c, "waadi")), "inlener_id", True)


@rule(id="wtta.not_admitted_lender", statute="Wtta", article="art. 12c lid 1 Waadi (toelatingsplicht uitlener)", bwb=BWB,
      link=WTTA_URL,
      status=Status.ADOPTED, fine_policy="waadi.wtta_boete",
      title="Lender lends workers without Wtta registration or admission",
      explanation=("Lent {hours} worker(s) between {period_start} and {period_end}: {reason}."))
def not_admitted_lender(ctx: AuditContext) -> ir.Table:
    """From the Wtta's entry into force: a lender without a transition registration with the NAU, and from the date
    admission is required, without admission or exemption. Status: adopted, not yet in force."""
    return _per_offender(ctx.cached("wtta.not_allowed", lambda c: _not_allowed(c, "wtta")), "uitlener_id", False)


@rule(id="wtta.hirer_not_admitted_lender", statute="Wtta", article="art. 12d lid 1 Waadi (toelatingsplicht inlener)", bwb=BWB,
      link=WTTA_URL,
      status=Status.ADOPTED, fine_policy="waadi.wtta_boete",
      title="Hirer hires from a lender without Wtta registration or admission",
      explanation=("Hired {hours} worker(s) between {period_start} and {period_end} from {detail}: {reason}."))
def hirer_not_admitted_lender(ctx: AuditContext) -> ir.Table:
    return _per_offender(ctx.cached("wtta.not_allowed", lambda c: _not_allowed(c, "wtta")), "inlener_id", True)


@rule(id="waadi.hiring_limit", statute="Waadi", article="inleentermijn (wetsvoorstel)", bwb=BWB,
      status=Status.PROPOSED, fine_policy=None,
      title="Worker hired by the same hirer beyond the maximum hiring term",
      explanation=("Placed at this hirer on {amount} days counted from {period_start}; the limit of {threshold} "
                   "months ({detail}) was exceeded on {period_end}."))
def hiring_limit(ctx: AuditContext) -> ir.Table:
    """Cumulative days a worker is placed at the same hirer (any lender), from the first placement day. The limit is
    the number of days in the maximum term (waadi.inleentermijn months) counted from that first day, so a
    continuous placement exceeds it on the day after the same date 36 months later (leap years included). The open
    regime (waadi.inleentermijn_open_regime) and an interruption rule (waadi.inleentermijn_onderbreking) apply
    only when a scenario sets them; none is confirmed. With an interruption rule of N months, a gap of at least N
    months between two placement days starts the count again. Status: proposed (bill announced)."""
    terms = [iv for iv in ctx.params.timeline("waadi.inleentermijn") if iv.value is not None]
    days = ctx.cached("waadi.placement_days", placement_days)
    if not terms:
        return days.filter(ibis.literal(False)).select(employer_id="inlener_id", worker_id="worker_id")
    d = days.select("worker_id", "inlener_id", "day").distinct()
    open_regime = ctx.params.at("waadi.inleentermijn_open_regime", terms[0].valid_from)
    if open_regime is not None and open_regime.value:
        c = ctx.table("contracts")
        indefinite = c.filter(c.contract_type == "onbepaalde_tijd").select(c_w="worker_id")
        d = d.anti_join(indefinite, d.worker_id == indefinite.c_w)
    # an interruption of at least `gap` months starts the count again (only when a scenario sets the rule)
    gap_rule = [iv for iv in ctx.params.timeline("waadi.inleentermijn_onderbreking") if iv.value is not None]
    by = ["worker_id", "inlener_id"]
    if gap_rule:
        gap = int(gap_rule[-1].value)
        prev = d.day.lag().over(ibis.window(group_by=by, order_by="day"))
        d = d.mutate(new_run=(prev.isnull() | (d.day >= prev + ibis.interval(months=gap))).cast("int64"))
        d = d.mutate(run=d.new_run.sum().over(ibis.window(group_by=by, order_by="day", preceding=None, following=0)))
    else:
        d = d.mutate(run=ibis.literal(1, type="int64"))
    first = d.group_by(["worker_id", "inlener_id", "run"]).aggregate(first_day=d.day.min())
    d = d.join(first, ["worker_id", "inlener_id", "run"])
    d = d.mutate(n=ibis.row_number().over(group_by=[d.worker_id, d.inlener_id, d.run], order_by=d.day) + 1)
    parts = []
    for iv in terms:  # the term in force on the day the limit is passed
        term = int(iv.value)
        limit_days = (d.first_day + ibis.interval(months=term)).delta(d.first_day, unit="day")
        end = iv.valid_to or OPEN_END
        over = d.filter((d.n == limit_days + 1) & (d.day >= iv.valid_from) & (d.day < end))
        parts.append(over.select(
            employer_id=over.inlener_id, worker_id=over.worker_id, period_start=over.first_day,
            period_end=over.day, amount=over.n, threshold=ibis.literal(term),
            detail=(limit_days.cast("string") + " days from the first day").name("detail"),
            evidence=ibis.literal("placements of this worker at this hirer")))
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return out


@rule(id="waadi.sector_ban", statute="Waadi", article="in- en uitleenverbod (AMvB in voorbereiding)", bwb=BWB,
      status=Status.PROPOSED, fine_policy=None, title="Hiring in a sector where hiring is banned",
      explanation="Worker hired from {detail} in sector {reason} on {period_start}..{period_end}, after the ban date.")
def sector_ban(ctx: AuditContext) -> ir.Table:
    """Placement days after the ban date in a sector named in waadi.sectorverbod (SBI code prefixes of the hirer).
    Sectors and date come only from a scenario: no ban is law."""
    ban = [iv for iv in ctx.params.timeline("waadi.sectorverbod") if iv.value and iv.value.get("ban_from")]
    days = ctx.cached("waadi.placement_days", placement_days)
    e = ctx.table("employers").select(e_id="employer_id", sbi="sector_sbi")
    d = days.join(e, days.inlener_id == e.e_id)
    if not ban:
        return d.filter(ibis.literal(False)).select(employer_id="inlener_id", worker_id="worker_id")
    v = ban[-1].value
    ban_from = dt.date.fromisoformat(str(v["ban_from"]))
    prefixes = [(s["name"], str(code).replace("SBI", "").strip()) for s in v["sectors"] for code in s["sbi_codes"]]
    sector = ibis.null("string")
    for name, code in prefixes:
        sector = ibis.ifelse(sector.isnull() & d.sbi.startswith(code), name, sector)
    d = d.mutate(sector=sector).filter(lambda t: t.sector.notnull() & (t.day >= ban_from))
    g = d.group_by(["inlener_id", "worker_id", "uitlener_id", "sector"]).aggregate(
        period_start=d.day.min(), period_end=d.day.max())
    return g.select(employer_id=g.inlener_id, worker_id=g.worker_id, period_start=g.period_start,
                    period_end=g.period_end, reason=g.sector, detail=ibis.literal("lender ") + g.uitlener_id)
