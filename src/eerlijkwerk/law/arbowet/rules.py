"""Accidents at work: the employer's duty to report (art. 9 Arbowet) and the lender's meld- en vergewisplicht
(bill 36781, proposed until adopted).

- ``arbowet.accident_not_reported``: a death, permanent injury or hospital admission not reported to the
  Arbeidsinspectie; a late report is shown with its delay (the law says "direct"/"onverwijld" and sets no number of
  days, so lateness is for the inspector to judge unless a scenario sets a deadline).
- ``arbowet.lender_not_reported``: the same accident of a hired-in worker not reported by the lender (bill 36781).
- ``arbowet.placement_before_verification``: after such an accident, the lender of the injured worker places a worker
  at the same hirer and workplace before it has recorded that the workplace is safe again (vergewisplicht).
- ``arbowet.accident_cause``: the violation that caused the accident, as the inspector established it
  (accidents.cause_category), priced with the accident multiplier.
Sources: https://wetten.overheid.nl/BWBR0010346 (art. 9); Beleidsregel boeteoplegging arbowetgeving (BWBR0032326);
Kamerstuk 36781.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.rules import rule
from eerlijkwerk.params import Status

BWB = "BWBR0010346"
#: bill 36781 (meld- en vergewisplicht for lenders) at the Tweede Kamer: still a bill, so no consolidated text
BILL_36781 = "https://www.tweedekamer.nl/kamerstukken/wetsvoorstellen/detail?cfg=wetsvoorsteldetails&qry=wetsvoorstel%3A36781"


def _reportable(ctx: AuditContext, pid: str, date_col: str = "occurred_on") -> ir.Table:
    """Accidents whose severity the parameter ``pid`` (on the accident date) lists as reportable."""
    a = ctx.table("accidents")
    conds = []
    for iv in ctx.params.timeline(pid):
        sev = list(iv.value.get("severities") or [])
        end = iv.valid_to or dt.date(9999, 12, 31)
        conds.append((a[date_col] >= iv.valid_from) & (a[date_col] < end) & a.severity.isin(sev))
    if not conds:
        return a.filter(ibis.literal(False))
    cond = conds[0]
    for c in conds[1:]:
        cond = cond | c
    return a.filter(cond)


def _deadline(ctx: AuditContext, pid: str) -> int | None:
    tl = ctx.params.timeline(pid)
    return None if not tl or tl[-1].value.get("deadline_days") is None else int(tl[-1].value["deadline_days"])


def _report_rule(ctx: AuditContext, pid: str, reported_col: str, party: ir.Value | None = None) -> ir.Table:
    a = _reportable(ctx, pid)
    days = _deadline(ctx, pid)
    late = a[reported_col].isnull()
    if days is not None:
        late = late | (a[reported_col].delta(a.occurred_on, unit="day") > days)
    a = a.filter(late)
    delay = a[reported_col].delta(a.occurred_on, unit="day")
    reason = ibis.ifelse(a[reported_col].isnull(), "not reported",
                         ibis.literal("reported after ") + delay.cast("string") + " day(s)")
    return a.mutate(reason=reason, party=party if party is not None else a.employer_id)


@rule(id="arbowet.accident_not_reported", statute="Arbowet", article="9 lid 1", bwb=BWB, status=Status.IN_FORCE,
      fine_policy="arbowet.boete_normbedragen", title="Serious accident not reported",
      explanation=("Accident on {period_start} ({detail}): {reason}. Accidents causing death, permanent injury or "
                   "hospital admission must be reported to the Arbeidsinspectie directly."))
def accident_not_reported(ctx: AuditContext) -> ir.Table:
    """One finding per reportable accident without a report (or, where a deadline is set, reported late).
    The employer is whoever's workplace it happened at (for a hired-in worker: the hirer). Source: art. 9 Arbowet."""
    a = _report_rule(ctx, "arbowet.meldplicht_werkgever", "reported_on")
    return a.select(employer_id=a.employer_id, worker_id=a.worker_id, period_start=a.occurred_on,
                    period_end=a.occurred_on, reason=a.reason, detail=a.severity,
                    evidence=ibis.literal("accidents row ") + a._row.cast("string"))


def _lender_of(ctx: AuditContext, a: ir.Table) -> ir.Table:
    """The lender whose placement of the injured worker covers the accident date."""
    p = ctx.table("placements")
    p = p.filter(p.relation == "uitlening").select(p_worker="worker_id", uitlener_id="uitlener_id",
                                                   p_inlener="inlener_id", p_from="start_date", p_to="end_date",
                                                   p_workplace="workplace")
    return a.join(p, [a.worker_id == p.p_worker, a.employer_id == p.p_inlener, a.occurred_on >= p.p_from,
                      p.p_to.isnull() | (a.occurred_on <= p.p_to)])


@rule(id="arbowet.lender_not_reported", statute="Wet 36781", article="meldplicht uitlener (wetsvoorstel)",
      bwb="", link=BILL_36781, status=Status.PROPOSED, title="Lender did not report a serious accident of a hired-in worker",
      explanation=("Accident on {period_start} ({detail}) of a worker lent to the hirer: {reason} by the lender."))
def lender_not_reported(ctx: AuditContext) -> ir.Table:
    """Bill 36781: the lender must also report a serious accident of its lent worker. Proposed (no vote or date
    found); evaluated only with a scenario. The duty's start date is the parameter's valid_from."""
    a = _report_rule(ctx, "arbowet.meldplicht_uitlener", "lender_reported_on")
    a = _lender_of(ctx, a)
    return a.select(employer_id=a.uitlener_id, worker_id=a.worker_id, period_start=a.occurred_on,
                    period_end=a.occurred_on, reason=a.reason, detail=a.severity,
                    evidence=ibis.literal("accidents row ") + a._row.cast("string"))


@rule(id="arbowet.placement_before_verification", statute="Wet 36781", article="vergewisplicht uitlener (wetsvoorstel)",
      bwb="", link=BILL_36781, status=Status.PROPOSED,
      title="Lender placed a worker again before verifying the workplace is safe",
      explanation=("After the accident on {period_start} at hirer {detail}, the lender placed a worker there again "
                   "from {period_end} ({reason})."))
def placement_before_verification(ctx: AuditContext) -> ir.Table:
    """One finding per (accident, new placement) of the injured worker's lender at the same hirer and workplace
    that starts after the accident and before the lender's verification (or with no verification at all).
    Proposed (bill 36781); evaluated only with a scenario."""
    a = _lender_of(ctx, _reportable(ctx, "arbowet.meldplicht_werkgever"))
    v = ctx.table("verifications")
    first_v = v.group_by(["accident_id", "uitlener_id"]).aggregate(verified_on=v.verified_on.min()).rename(
        v_acc="accident_id", v_len="uitlener_id")
    a = a.left_join(first_v, [a.accident_id == first_v.v_acc, a.uitlener_id == first_v.v_len])
    p = ctx.table("placements").filter(lambda t: t.relation == "uitlening")
    p = p.select(n_id="placement_id", n_worker="worker_id", n_len="uitlener_id", n_inl="inlener_id",
                 n_start="start_date", n_workplace="workplace", n_row="_row")
    j = a.join(p, [a.uitlener_id == p.n_len, a.employer_id == p.n_inl, p.n_start > a.occurred_on,
                   (a.p_workplace.isnull() & p.n_workplace.isnull()) | (a.p_workplace == p.n_workplace),
                   a.verified_on.isnull() | (p.n_start < a.verified_on)])
    vdate = ctx.params.timeline("arbowet.vergewisplicht_uitlener")
    start = vdate[0].valid_from if vdate else dt.date(9999, 12, 31)
    j = j.filter(j.occurred_on >= start)
    return j.select(employer_id=j.uitlener_id, worker_id=j.n_worker, period_start=j.occurred_on,
                    period_end=j.n_start, detail=j.employer_id,
                    reason=ibis.ifelse(j.verified_on.isnull(), "no verification recorded",
                                       ibis.literal("verified only on ") + j.verified_on.cast("string")),
                    evidence=ibis.literal("accidents row ") + j._row.cast("string") + ", placements row "
                    + j.n_row.cast("string"))


@rule(id="arbowet.accident_cause", statute="Arbowet", article="violation that caused a serious accident", bwb=BWB,
      status=Status.IN_FORCE, fine_policy="arbowet.boete_ongevalsfactor",
      title="Violation that caused a serious accident (as established by the inspector)",
      explanation=("Accident on {period_start} ({detail}) caused by {reason} (norm category {amount}): the accident "
                   "multiplier applies to its fine."))
def accident_cause(ctx: AuditContext) -> ir.Table:
    a = ctx.table("accidents")
    a = a.filter(a.cause_category.notnull())
    return a.select(employer_id=a.employer_id, worker_id=a.worker_id, period_start=a.occurred_on,
                    period_end=a.occurred_on, amount=a.cause_category,
                    reason=a.cause_article.fill_null("the violation recorded by the inspector"),
                    detail=ibis.ifelse(a.hospital_nights.notnull(),
                                       a.severity + ", " + a.hospital_nights.cast("string") + " night(s) in hospital",
                                       a.severity),
                    evidence=ibis.literal("accidents row ") + a._row.cast("string"))
