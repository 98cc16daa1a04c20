"""Rules of the Wet minimumloon en minimumvakantiebijslag (WML, BWBR0002638).

Each rule is one legal idea over the per-payslip evaluation (evaluation.py). Amounts are EUR as DECIMAL(14,2).
Source: https://wetten.overheid.nl/BWBR0002638 (articles named per rule).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from eerlijkwerk.engine.context import AuditContext, confidence_of, rank_of
from eerlijkwerk.engine.rules import rule
from eerlijkwerk.law.wml.evaluation import evaluated, flagged, split_detail, with_rate_detail
from eerlijkwerk.params import Status

BWB = "BWBR0002638"
HOUSING, HEALTH, HOLIDAY = ("wml.huisvesting_max_inhouding", "wml.zorgverzekering_max_inhouding",
                            "wml.vakantiebijslag_percentage")
#: the parameters the per-payslip evaluation reads: a WML finding's confidence is computed per row from those it
#: rests on (the rates of its days always; a deduction cap only where that deduction is unlawful; the holiday
#: percentage only for the holiday allowance), not from every value the evaluation read
EVALUATION_PARAMS = ("wml.minimumloon_uur", "wml.minimumloon_week", HOUSING, HEALTH, HOLIDAY)


def _split_detail_table(ctx: AuditContext) -> ir.Table:
    """The segment texts of the split payslips that a WML finding with arithmetic can concern (shortfall or cash)."""
    e = flagged(ctx)
    return split_detail(ctx, e.filter(e.evaluable & ((e.shortfall_c > 0) | e.cash_above_headroom)))


def _with_detail(ctx: AuditContext, t: ir.Table) -> ir.Table:
    return with_rate_detail(ctx, t, ctx.cached("wml.split_detail", _split_detail_table))


def _rows(ctx: AuditContext, cond) -> ir.Table:
    """The evaluated payslips meeting ``cond`` (a function of the narrow evaluation; it must select only
    evaluation.reportable rows: those are the rows kept), with their payslip columns."""
    return evaluated(ctx, flagged(ctx).filter(cond))


def _confidence(ctx: AuditContext, e: ir.Table, holiday: bool = False) -> ir.StringValue:
    """The lowest confidence of the values a finding on payslip row ``e`` rests on: the rates of its days (carried
    by the evaluation), the housing cap if its housing deduction is unlawful, the health-insurance cap if that
    deduction is unlawful, and (``holiday``) the holiday-allowance percentage; each cap and the percentage as they
    apply on the period's last day (the day the evaluation reads them on)."""
    on = e.period_end
    parts = [rank_of(e.confidence),
             ibis.ifelse(e.housing_reason.notnull(), ctx.confidence_rank([HOUSING], on, on), 0).cast("int8"),
             ibis.ifelse(e.health_reason.notnull(), ctx.confidence_rank([HEALTH], on, on), 0).cast("int8")]
    if holiday:
        parts.append(ctx.confidence_rank([HOLIDAY], on, on))
    return confidence_of(ibis.greatest(*parts))


def _common(e: ir.Table, ctx: AuditContext | None = None, holiday: bool = False) -> dict[str, ir.Value]:
    return dict(employer_id=e.employer_id, worker_id=e.worker_id, payslip_id=e.payslip_id,
                period_start=e.period_start, period_end=e.period_end, hours=e.hours_worked,
                presumption=e.presumption, presumption_basis=e.presumption_basis, evidence=e.evidence,
                confidence=e.confidence if ctx is None else _confidence(ctx, e, holiday))


def _detail(e: ir.Table) -> ir.StringValue:
    note = ibis.ifelse(e.has_contract, "", " (no contract covers this period: a 40-hour full-time week was assumed)")
    return e.rate_detail.fill_null("") + note


@rule(id="wml.underpayment", statute="WML", article="7 en 8", bwb=BWB, status=Status.IN_FORCE,
      row_confidence=EVALUATION_PARAMS,
      fine_policy="wml.boete_onderbetaling",
      title="Less than the minimum wage for the hours worked",
      explanation=("For {hours} h in {period_start}..{period_end} the minimum wage due is EUR {due} "
                   "({detail}). Counted as paid: gross EUR {gross} minus unlawful deductions EUR {amount} "
                   "= EUR {paid}. Shortfall EUR {shortfall} (back pay owed)."))
def underpayment(ctx: AuditContext) -> ir.Table:
    """Gross wage, less the deductions art. 13 forbids, below the minimum wage due for every hour worked.

    Rows: one per payslip with a shortfall. due: the minimum wage for the period at the rate for the worker's age on
    each day (split at rate changes and birthdays; before 2024 the hourly amount is the weekly amount ÷ the employer's
    full-time week). Overtime included: the WML applies to every hour. Source: art. 7, 8, 13 WML.
    """
    e = _with_detail(ctx, _rows(ctx, lambda e: e.evaluable & (e.shortfall_c > 0)))
    return e.select(**_common(e, ctx), due=e.due, paid=e.paid, shortfall=e.shortfall,
                    amount=e.unlawful_deductions, gross=e.gross, detail=_detail(e))


def _deduction_rule(ctx: AuditContext, reason_col: str, amount_col: str) -> ir.Table:
    e = _with_detail(ctx, _rows(ctx, lambda e: e.evaluable & e[reason_col].notnull() & (e.shortfall_c > 0)))
    return e.select(**_common(e, ctx), due=e.due, paid=e.paid, shortfall=e.shortfall,
                    amount=e[amount_col], reason=e[reason_col], threshold=e.housing_cap, detail=_detail(e))


@rule(id="wml.housing_deduction", statute="WML", article="13", bwb=BWB, status=Status.IN_FORCE,
      row_confidence=EVALUATION_PARAMS,
      title="Housing deducted from the minimum wage unlawfully",
      explanation=("EUR {amount} of the housing deduction is unlawful ({reason}); the cap, a share of the minimum "
                   "wage due (parameter wml.huisvesting_max_inhouding), is EUR {threshold}. It brings the wage below "
                   "the minimum: shortfall EUR {shortfall}, counted in the underpayment finding of this period."))
def housing_deduction(ctx: AuditContext) -> ir.Table:
    """Housing deducted without written authorisation, for uncertified housing, for a posted worker, or above the cap
    (a share of the minimum wage due for the period, wml.huisvesting_max_inhouding), where it cuts into the minimum
    wage. The unlawful part counts as underpayment (priced in wml.underpayment, not fined twice). Source: art. 13 WML
    and the conditions published at rijksoverheid.nl (see parameters/huisvesting_max_inhouding.yaml)."""
    return _deduction_rule(ctx, "housing_reason", "housing_unlawful")


@rule(id="wml.health_insurance_deduction", statute="WML", article="13", bwb=BWB, status=Status.IN_FORCE,
      row_confidence=EVALUATION_PARAMS,
      title="Health-insurance premium deducted from the minimum wage unlawfully",
      explanation=("EUR {amount} of the health-insurance deduction is unlawful ({reason}). It brings the wage below "
                   "the minimum: shortfall EUR {shortfall}, counted in the underpayment finding of this period."))
def health_insurance_deduction(ctx: AuditContext) -> ir.Table:
    """Health-insurance premium deducted without authorisation, or above the year's cap (cumulated per calendar
    year), where it cuts into the minimum wage. Source: art. 13 WML; parameters/zorgverzekering_max_inhouding.yaml."""
    return _deduction_rule(ctx, "health_reason", "health_unlawful")


@rule(id="wml.other_deduction", statute="WML", article="13", bwb=BWB, status=Status.IN_FORCE,
      row_confidence=EVALUATION_PARAMS,
      title="Other deduction from the minimum wage",
      explanation=("EUR {amount} was deducted for other costs; art. 13 WML allows no such deduction from the minimum "
                   "wage. Shortfall EUR {shortfall}, counted in the underpayment finding of this period."))
def other_deduction(ctx: AuditContext) -> ir.Table:
    """Any other deduction (fines, tools, transport, …) that cuts into the minimum wage. Source: art. 13 WML."""
    e = _rows(ctx, lambda e: e.evaluable & (e.shortfall_c > 0))
    e = _with_detail(ctx, e.filter(e.other_deductions > 0))
    return e.select(**_common(e, ctx), due=e.due, paid=e.paid, shortfall=e.shortfall,
                    amount=e.other_unlawful, reason=ibis.literal("deduction_not_allowed"), detail=_detail(e))


@rule(id="wml.cash_payment", statute="WML", article="7a", bwb=BWB, status=Status.IN_FORCE,
      row_confidence=EVALUATION_PARAMS,
      fine_policy="wml.boete_giraal",
      title="Minimum wage paid in cash instead of by bank transfer",
      explanation=("EUR {amount} was paid in cash, but the gross wage above the minimum wage is only EUR {threshold} "
                   "(gross EUR {gross} − minimum wage due EUR {due}); so part of the minimum wage was not paid to the "
                   "worker's bank account."))
def cash_payment(ctx: AuditContext) -> ir.Table:
    """Net pay in cash larger than the part of the wage above the minimum wage (compared in gross terms, which is
    favourable to the employer: the net minimum wage is lower than the gross). Source: art. 7a WML."""
    e = _with_detail(ctx, _rows(ctx, lambda e: e.evaluable & e.cash_above_headroom))
    return e.select(**_common(e, ctx), due=e.due, gross=e.gross, amount=e.net_paid_cash,
                    threshold=ibis.greatest(e.gross - e.due, 0), detail=_detail(e))


@rule(id="wml.holiday_allowance", statute="WML", article="15", bwb=BWB, status=Status.IN_FORCE,
      row_confidence=EVALUATION_PARAMS,
      fine_policy="wml.boete_vakantiebijslag",
      title="Holiday allowance below the minimum",
      explanation=("Holiday allowance paid or reserved EUR {paid}; the minimum is {p:wml.vakantiebijslag_percentage}% of the minimum wage due "
                   "(EUR {threshold}) = EUR {due}. Shortfall EUR {shortfall}."))
def holiday_allowance(ctx: AuditContext) -> ir.Table:
    """Holiday allowance paid or reserved for the period below wml.vakantiebijslag_percentage of the minimum wage
    due. Source: art. 15 WML."""
    e = _rows(ctx, lambda e: e.evaluable & (e.holiday_short_c > 0))
    return e.select(**_common(e, ctx, holiday=True), due=e.holiday_allowance_due, paid=e.holiday_allowance,
                    shortfall=e.holiday_allowance_short, threshold=e.due)


@rule(id="wml.records_missing", statute="WML", article="18b lid 2", bwb=BWB, status=Status.IN_FORCE,
      row_confidence=EVALUATION_PARAMS,
      fine_policy="wml.boete_administratie",
      title="No records of hours or wages",
      explanation=("No {reason} for {period_start}..{period_end}: the employer must keep and produce records of "
                   "hours worked and wages paid. No shortfall is computed: hours are never invented."))
def records_missing(ctx: AuditContext) -> ir.Table:
    """A pay period without recorded hours or wages, and a contract without any payslip. A record-keeping finding
    only: without records the minimum wage due cannot be computed, so no shortfall is stated (art. 18b lid 2 WML;
    a presumption of hours exists only for illegal employment, art. 23 Wav)."""
    e = _rows(ctx, lambda e: e.not_evaluated_reason.isin(["no_hour_records", "no_wage_records"]))
    missing = ibis.ifelse(e.not_evaluated_reason == "no_hour_records", "hour records", "wage records")
    from_payslips = e.select(**_common(e), reason=missing)  # rests on no legal value: no amount is computed
    c = ctx.table("contracts")
    p = ctx.table("payslips")
    rejected = ctx.table("payslips__rejected")
    no_slip = c.anti_join(p, [c.worker_id == p.worker_id, c.employer_id == p.employer_id])
    # payslips that exist but were rejected on input are records with errors, not missing records
    no_slip = no_slip.anti_join(rejected, [no_slip.worker_id == rejected.worker_id,
                                           no_slip.employer_id == rejected.employer_id])
    from_contracts = no_slip.select(
        employer_id=no_slip.employer_id, worker_id=no_slip.worker_id, period_start=no_slip.start_date,
        period_end=no_slip.end_date, reason=ibis.literal("payslips at all (contract without any pay record)"),
        evidence=ibis.literal("contracts row ") + no_slip._row.cast("string"))
    from eerlijkwerk.engine.rules import conform

    return conform(from_payslips).union(conform(from_contracts))
