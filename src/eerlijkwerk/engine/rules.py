"""Rules: small functions over Ibis tables, with the legal metadata a finding must carry.

A rule is registered with :func:`rule`::

    @rule(id="wml.cash_payment", statute="WML", article="7a", bwb="BWBR0002638", status=Status.IN_FORCE,
          title="Minimum wage paid in cash", explanation="...{net_paid_cash}...")
    def cash_payment(ctx: AuditContext) -> ir.Table: ...

The function returns one row per finding with (a subset of) the columns of :data:`FINDING_COLUMNS`; the engine adds
the rule's metadata, pseudonymises the worker and formats the explanation from the row's measured values. A statute is
added by adding a package under ``eerlijkwerk.law`` that registers its rules and parameters: the engine does not
change.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import ibis
import ibis.expr.types as ir

from eerlijkwerk.params import Status

if TYPE_CHECKING:
    from eerlijkwerk.engine.context import AuditContext

#: Columns of a finding as a rule returns them (money as DECIMAL(14,2), EUR; dates; hours as DECIMAL(10,2)).
FINDING_COLUMNS: dict[str, str] = {
    "employer_id": "string",
    "worker_id": "string",
    "payslip_id": "string",
    "period_start": "date",
    "period_end": "date",
    "due": "decimal(14,2)",  # amount the law requires for the period (EUR)
    "gross": "decimal(14,2)",  # gross wage of the period as recorded (EUR)
    "paid": "decimal(14,2)",  # amount that counts as paid (EUR)
    "shortfall": "decimal(14,2)",  # due - paid, rounded up to the cent (EUR); back pay
    "amount": "decimal(14,2)",  # the measured amount the finding is about (e.g. the unlawful deduction)
    "threshold": "decimal(14,2)",  # the legal limit it is measured against (e.g. the housing cap)
    "hours": "decimal(10,2)",
    "reason": "string",  # short code of why (e.g. no_authorisation)
    "presumption": "boolean",  # rests on a legal presumption or an unproven claim, not on records
    "presumption_basis": "string",
    "evidence": "string",  # file and row(s) of the input behind the finding
    "confidence": "string",  # lowest confidence of the parameters used (confirmed/secondary/unconfirmed)
    "detail": "string",  # free text the explanation may use (e.g. rate segments)
}


@dataclass(frozen=True)
class Rule:
    id: str
    statute: str
    article: str
    bwb: str
    title: str
    status: Status
    explanation: str
    func: Callable[["AuditContext"], ir.Table]
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    fine_policy: str | None = None  # id of the fine policy that prices this finding, None = no separate fine
    #: parameters whose confidence the rule's rows carry themselves (per row, e.g. the rate applying to each day); the
    #: confidence of every other parameter the rule reads is folded into its findings by date (engine/run.py)
    row_confidence: tuple[str, ...] = ()
    link: str = ""  # where the text is when it is not (yet) a consolidated statute on wetten.overheid.nl (a bill)

    @property
    def url(self) -> str:
        """The rule's text: the statute on wetten.overheid.nl (BWB id), or ``link`` (a bill's page at the Tweede
        Kamer, a future version of a statute)."""
        if self.link:
            return self.link
        if not re.fullmatch(r"BWBR\d{7}", self.bwb):
            raise ValueError(f"rule {self.id}: bwb {self.bwb!r} is not a BWB id and no link is given")
        return f"https://wetten.overheid.nl/{self.bwb}"

    def title_text(self, params: Any, on: dt.date | None = None) -> str:
        """The title with its legal numbers (``{p:PARAMETER/key}``) as they apply on ``on`` (default: today; the
        latest value where none applies then, e.g. a proposed rule's)."""
        return render_parameters(self.title, params, on or dt.date.today())

    @property
    def citation(self) -> str:
        """'art. 7a WML'; an article given as a description (a bill's duty, a proposed rule) reads 'Wtta: ...'."""
        if self.article[:1].isdigit():
            return f"art. {self.article} {self.statute}"
        return f"{self.statute}: {self.article}"


RULES: dict[str, Rule] = {}

#: a legal number in a title or explanation: ``{p:atw.arbeidstijd/max_shift_hours}`` is the value of key
#: max_shift_hours of parameter atw.arbeidstijd (``{p:wml.vakantiebijslag_percentage}`` for a plain value), so that
#: no rule's text repeats in code a number the parameter files hold
PARAM_FIELD = re.compile(r"\{p:([a-z0-9_.]+)(?:/([a-z0-9_/]+))?\}")


def parameter_value(params: Any, ref: str, on: dt.date) -> Any:
    """The value of ``ref`` ('pid' or 'pid/key/...') on ``on``; the latest value if none applies on that day.
    Raises ParameterError for an unknown parameter or key."""
    from eerlijkwerk.params import ParameterError

    pid, _, path = ref.partition("/")
    entry = params.at(pid, on)
    if entry is None:
        timeline = params.timeline(pid)
        if not timeline:
            raise ParameterError(f"{pid}: no value to show in a rule's text")
        entry = timeline[-1].entry
    value = entry.value
    for key in filter(None, path.split("/")):
        if not isinstance(value, dict) or key not in value:
            raise ParameterError(f"{pid}: no key {key!r} (in a rule's text)")
        value = value[key]
    return value


def number_text(value: Any) -> str:
    """A legal number as the law writes it: 12, 5.5, 0.5 (no trailing zeros)."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def render_parameters(template: str, params: Any, on: dt.date) -> str:
    return PARAM_FIELD.sub(lambda m: number_text(parameter_value(params, m.group(1) + "/" + (m.group(2) or ""), on)),
                           template)


def rule(*, id: str, statute: str, article: str, bwb: str, title: str, status: Status, explanation: str,
         valid_from: dt.date | None = None, valid_to: dt.date | None = None,
         fine_policy: str | None = None, link: str = "",
         row_confidence: tuple[str, ...] = ()) -> Callable[[Callable[["AuditContext"], ir.Table]], Callable[["AuditContext"], ir.Table]]:
    """Register a rule; see the module docstring."""

    def deco(func: Callable[["AuditContext"], ir.Table]) -> Callable[["AuditContext"], ir.Table]:
        if id in RULES and RULES[id].func is not func:
            raise ValueError(f"rule {id} registered twice")
        RULES[id] = Rule(id=id, statute=statute, article=article, bwb=bwb, title=title, status=status,
                         explanation=explanation, func=func, valid_from=valid_from, valid_to=valid_to,
                         fine_policy=fine_policy, link=link, row_confidence=row_confidence)
        return func

    return deco


def conform(t: ir.Table) -> ir.Table:
    """Select the standard finding columns, typed, filling the ones a rule does not produce with NULL."""
    cols = {}
    for name, typ in FINDING_COLUMNS.items():
        if name in t.columns:
            cols[name] = t[name].cast(typ)
        elif name == "presumption":
            cols[name] = ibis.literal(False)
        else:
            cols[name] = ibis.null(typ)
    return t.select(**cols)
