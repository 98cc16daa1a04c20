"""Declarative description of the input tables (documented in docs/input-format.md).

A :class:`TableSpec` lists its columns with their kind; validation (records/validate.py) turns each kind into checks
that name the row, the column and the reason. Law packages add their own tables with :func:`register_table`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    ID = "identifier"
    TEXT = "text"
    DATE = "date"
    TIMESTAMP = "timestamp"  # ISO 8601 with offset, or local Europe/Amsterdam time -> TIMESTAMPTZ (UTC instant)
    MONEY = "money"  # EUR, 0 to 1,000,000, at most 2 decimals -> DECIMAL(14,2) (bound: engine/exact.py)
    HOURS = "hours"  # >= 0, at most 2 decimals -> DECIMAL(10,2)
    BOOL = "bool"
    INT = "int"
    CHOICE = "choice"
    COUNTRY = "country"  # ISO 3166-1 alpha-2


SQL_TYPE = {
    Kind.ID: "VARCHAR",
    Kind.TEXT: "VARCHAR",
    Kind.DATE: "DATE",
    Kind.TIMESTAMP: "TIMESTAMPTZ",
    Kind.MONEY: "DECIMAL(14,2)",
    Kind.HOURS: "DECIMAL(10,2)",
    Kind.BOOL: "BOOLEAN",
    Kind.INT: "BIGINT",
    Kind.CHOICE: "VARCHAR",
    Kind.COUNTRY: "VARCHAR",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    present: bool = False  # the column must be in the file even where cells may be empty (empty has a meaning)
    default: str | None = None  # textual default, parsed like input
    choices: tuple[str, ...] = ()
    max_value: str | None = None  # inclusive upper bound for HOURS/INT/MONEY
    min_value: str | None = None  # inclusive lower bound for HOURS/INT (money and hours are >= 0 anyway)
    doc: str = ""


@dataclass(frozen=True)
class RowCheck:
    """A check across columns: ``failing_sql`` is true for a bad row (columns already typed, may be NULL)."""

    failing_sql: str
    column: str
    reason: str


@dataclass(frozen=True)
class Reference:
    column: str
    table: str
    target_column: str


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    key: str | None = None
    references: tuple[Reference, ...] = ()
    row_checks: tuple[RowCheck, ...] = ()
    required_table: bool = False
    doc: str = ""

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


TABLES: dict[str, TableSpec] = {}


def register_table(spec: TableSpec) -> TableSpec:
    """Add a table to the input format; a later statute may not redefine an existing one."""
    if spec.name in TABLES and TABLES[spec.name] != spec:
        raise ValueError(f"table {spec.name} is already defined differently")
    TABLES[spec.name] = spec
    return spec


def ordered_tables() -> list[TableSpec]:
    """Tables in dependency order (referenced tables first)."""
    done: list[str] = []

    def visit(name: str, stack: tuple[str, ...] = ()) -> None:
        if name in done:
            return
        if name in stack:
            raise ValueError(f"reference cycle: {' -> '.join(stack + (name,))}")
        for ref in TABLES[name].references:
            visit(ref.table, stack + (name,))
        done.append(name)

    for n in TABLES:
        visit(n)
    return [TABLES[n] for n in done]


BOOL_TRUE = ("true", "yes", "ja", "1", "y", "j")
BOOL_FALSE = ("false", "no", "nee", "0", "n")

# --- the core tables (employment relationship and pay); statute packages add more ------------------------------

EMPLOYERS = register_table(
    TableSpec(
        name="employers",
        key="employer_id",
        required_table=True,
        columns=(
            Column("employer_id", Kind.ID, required=True, doc="KvK number or foreign registration id"),
            Column("role", Kind.CHOICE, default="werkgever", choices=("werkgever", "uitlener", "inlener")),
            Column("legal_form", Kind.CHOICE, default="legal_person",
                   choices=("legal_person", "natural_person", "private_household", "non_profit"),
                   doc="natural_person: a person in business (eenmanszaak); private_household: a person having "
                       "household or personal services done; non_profit: a foundation/association not acting as a business"),
            Column("sector_sbi", Kind.TEXT),
            Column("headcount", Kind.INT, min_value="0", max_value="10000000"),
        ),
    )
)

WORKERS = register_table(
    TableSpec(
        name="workers",
        key="worker_id",
        required_table=True,
        columns=(
            Column("worker_id", Kind.ID, required=True, doc="pseudonymised id"),
            Column("birth_date", Kind.DATE, required=True),
            Column("nationality", Kind.COUNTRY),
        ),
        row_checks=(
            RowCheck("birth_date < DATE '1900-01-01' OR birth_date > current_date", "birth_date",
                     "birth date not plausible (before 1900 or in the future)"),
        ),
    )
)

CONTRACTS = register_table(
    TableSpec(
        name="contracts",
        key="contract_id",
        references=(Reference("worker_id", "workers", "worker_id"), Reference("employer_id", "employers", "employer_id")),
        columns=(
            Column("contract_id", Kind.ID, required=True),
            Column("worker_id", Kind.ID, required=True),
            Column("employer_id", Kind.ID, required=True),
            Column("start_date", Kind.DATE, required=True),
            Column("end_date", Kind.DATE),
            Column("contract_type", Kind.CHOICE, default="bepaalde_tijd",
                   choices=("onbepaalde_tijd", "bepaalde_tijd", "uitzend", "oproep", "payroll")),
            Column("fulltime_hours_per_week", Kind.HOURS, default="40", min_value="1", max_value="60"),
            Column("posted_worker", Kind.BOOL, default="false"),
        ),
        row_checks=(RowCheck("end_date < start_date", "end_date", "end_date is before start_date"),),
    )
)

PAYSLIPS = register_table(
    TableSpec(
        name="payslips",
        key="payslip_id",
        required_table=True,
        references=(Reference("worker_id", "workers", "worker_id"), Reference("employer_id", "employers", "employer_id")),
        columns=(
            Column("payslip_id", Kind.ID, required=True),
            Column("worker_id", Kind.ID, required=True),
            Column("employer_id", Kind.ID, required=True),
            Column("period_start", Kind.DATE, required=True),
            Column("period_end", Kind.DATE, required=True),
            Column("hours_worked", Kind.HOURS, present=True, doc="empty = no hour records"),
            Column("overtime_hours", Kind.HOURS, default="0"),
            Column("hours_basis", Kind.CHOICE, default="records", choices=("records", "worker_claim")),
            Column("gross_wage", Kind.MONEY, present=True, doc="empty = no wage records"),
            Column("holiday_allowance", Kind.MONEY, default="0"),
            Column("housing_deduction", Kind.MONEY, default="0"),
            Column("housing_authorised", Kind.BOOL, default="false"),
            Column("housing_certified", Kind.BOOL, default="false"),
            Column("health_insurance_deduction", Kind.MONEY, default="0"),
            Column("health_insurance_authorised", Kind.BOOL, default="false"),
            Column("other_deductions", Kind.MONEY, default="0"),
            Column("net_paid_bank", Kind.MONEY, default="0"),
            Column("net_paid_cash", Kind.MONEY, default="0"),
        ),
        row_checks=(
            RowCheck("period_end < period_start", "period_end", "period_end is before period_start"),
            RowCheck("date_diff('day', period_start, period_end) > 30", "period_end",
                     "pay period longer than 31 days (period_end at most 30 days after period_start; split longer periods)"),
            RowCheck("period_start > current_date", "period_start", "pay period starts in the future"),
            RowCheck("period_end >= period_start AND hours_worked > 24 * (date_diff('day', period_start, period_end) + 1)", "hours_worked",
                     "more hours than the period has (24 h a day)"),
            RowCheck("overtime_hours > hours_worked", "overtime_hours", "overtime_hours exceeds hours_worked (overtime is included in hours_worked)"),
        ),
    )
)

PLACEMENTS = register_table(
    TableSpec(
        name="placements",
        key="placement_id",
        doc="A worker made available by a lender (uitlener) to a hirer (inlener), or working for a main contractor "
            "through a subcontractor (relation onderaanneming).",
        references=(Reference("worker_id", "workers", "worker_id"), Reference("uitlener_id", "employers", "employer_id"),
                    Reference("inlener_id", "employers", "employer_id")),
        columns=(
            Column("placement_id", Kind.ID, required=True),
            Column("worker_id", Kind.ID, required=True),
            Column("uitlener_id", Kind.ID, required=True, doc="lender, or the subcontractor"),
            Column("inlener_id", Kind.ID, required=True, doc="hirer, or the main contractor"),
            Column("workplace", Kind.TEXT, doc="site or address id"),
            Column("start_date", Kind.DATE, required=True),
            Column("end_date", Kind.DATE),
            Column("relation", Kind.CHOICE, default="uitlening", choices=("uitlening", "onderaanneming")),
        ),
        row_checks=(RowCheck("end_date < start_date", "end_date", "end_date is before start_date"),),
    )
)

SHIFTS = register_table(
    TableSpec(
        name="shifts",
        key="shift_id",
        doc="Worked shifts. Times in Europe/Amsterdam: give the UTC offset (2025-10-26T02:30:00+01:00) or local time; "
            "a local time that does not exist or occurs twice at a daylight-saving change is rejected unless it has an "
            "offset.",
        references=(Reference("worker_id", "workers", "worker_id"), Reference("employer_id", "employers", "employer_id")),
        columns=(
            Column("shift_id", Kind.ID, required=True),
            Column("worker_id", Kind.ID, required=True),
            Column("employer_id", Kind.ID, required=True, doc="employer or hirer where the work was done"),
            Column("start_at", Kind.TIMESTAMP, required=True),
            Column("end_at", Kind.TIMESTAMP, required=True),
            Column("break_minutes", Kind.INT, default="0", min_value="0", max_value="1440"),
        ),
        row_checks=(
            RowCheck("end_at <= start_at", "end_at", "end_at is not after start_at"),
            # in microseconds: the same as end_at - start_at > INTERVAL 24 HOUR, without building an interval per row
            RowCheck("epoch_us(end_at) - epoch_us(start_at) > 86400000000", "end_at", "shift longer than 24 hours"),
            RowCheck("break_minutes * 60 >= epoch(end_at) - epoch(start_at)", "break_minutes",
                     "break as long as or longer than the shift"),
        ),
    )
)

PRIOR_VIOLATIONS = register_table(
    TableSpec(
        name="prior_violations",
        key="violation_id",
        doc="Earlier fines of the employer (for recidivism); only irrevocable ones count.",
        references=(Reference("employer_id", "employers", "employer_id"),),
        columns=(
            Column("violation_id", Kind.ID, required=True),
            Column("employer_id", Kind.ID, required=True),
            Column("statute", Kind.CHOICE, required=True,
                   choices=("wml", "wav", "waadi", "wtta", "wagweu", "arbowet", "atw")),
            Column("article", Kind.TEXT),
            Column("decision_date", Kind.DATE, required=True, doc="date of the fine decision (boetebeschikking)"),
            Column("irrevocable_date", Kind.DATE, doc="date it became irrevocable; empty = not (yet) irrevocable"),
            Column("serious", Kind.BOOL, default="false", doc="a serious violation as designated by AMvB"),
        ),
    )
)

def _in(values) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _fine_factor_checks() -> tuple[RowCheck, ...]:
    """Every (factor, rule) combination the rule's fine policy does not know is refused on input, with the rule as
    the rejected value and the reason (engine/factor_policy.py; docs/fine-factors.md)."""
    from eerlijkwerk.engine import factor_policy as fp

    rule = "scope = 'fine'"
    checks = [
        RowCheck(f"{rule} AND rule_id IN {_in(fp.PRICED_IN)}", "rule_id",
                 "a deduction finding (art. 13 WML) is priced in the wml.underpayment fine: give the factor on "
                 "wml.underpayment"),
        RowCheck(f"{rule} AND rule_id NOT IN {_in(fp.ALL_FINED + tuple(fp.PRICED_IN))}", "rule_id",
                 "not a rule that gets a fine (docs/fine-factors.md lists them); for the total of a decision use "
                 "scope decision with a statute code or *"),
        RowCheck(f"{rule} AND worker_id IS NOT NULL AND rule_id IN {_in(fp.EMPLOYER_FINES)}", "worker_id",
                 "this rule's fine is one per employer, not per worker: leave worker_id empty"),
        RowCheck(f"{rule} AND factor = 'cumulation_percent'", "factor",
                 "cumulation_percent (samenloop) applies to the total of a decision: scope decision"),
    ]
    for factor, (rules, _) in fp.POLICY.items():
        for statute, fined in fp.FINED_RULES.items():
            refused = [r for r in fined if r not in rules]
            if refused:
                checks.append(RowCheck(f"{rule} AND factor = '{factor}' AND rule_id IN {_in(refused)}", "rule_id",
                                       fp.refused_reason(factor, statute)))
    for (statute, factor), values in fp.VALUES.items():
        checks.append(RowCheck(f"{rule} AND factor = '{factor}' AND rule_id IN {_in(fp.FINED_RULES[statute])} AND "
                               f"value NOT IN {_in(values)}", "value",
                               f"{factor} of a {statute} fine must be one of {', '.join(values)}"))
    decision = "scope = 'decision'"
    checks += [
        RowCheck(f"{decision} AND rule_id NOT IN {_in(fp.DECISION_STATUTES)}", "rule_id",
                 "a decision row names a statute code (" + ", ".join(fp.DECISION_STATUTES[:-1]) + ") or * (every "
                 "fine of the employer)"),
        RowCheck(f"{decision} AND factor NOT IN {_in(fp.DECISION_FACTORS)}", "factor",
                 "on the total of a decision only " + ", ".join(fp.DECISION_FACTORS) + " apply; a factor of one "
                 "fine is given with scope fine on its rule"),
        RowCheck(f"{decision} AND worker_id IS NOT NULL", "worker_id",
                 "a decision is per employer: leave worker_id empty"),
    ]
    return tuple(checks)


PERCENT_FACTORS = ("moderation_percent", "reasonable_time_percent", "financial_capacity_percent", "cumulation_percent")

FINE_FACTORS = register_table(
    TableSpec(
        name="fine_factors",
        key="factor_id",
        doc="The inspector's decisions that a fine policy leaves to the inspector: culpability, aggravating "
            "situations, moderations, for one rule's fines or for the total of a decision. The engine never guesses "
            "them; without a row the stated default applies; a factor the policy does not know is refused.",
        references=(Reference("employer_id", "employers", "employer_id"),),
        columns=(
            Column("factor_id", Kind.ID, required=True),
            Column("employer_id", Kind.ID, required=True),
            Column("rule_id", Kind.TEXT, required=True,
                   doc="scope fine: the rule whose fines it applies to, e.g. wav.no_permit; scope decision: a statute "
                       "code (wml, wav, waadi, wtta, wagweu, arbowet, atw) or * for every fine of the employer"),
            Column("worker_id", Kind.ID, doc="empty = every fine of that rule for this employer"),
            Column("factor", Kind.CHOICE, required=True,
                   choices=("culpability", "aggravation", "moderation_percent", "reasonable_time_percent",
                            "financial_capacity_percent", "cumulation_percent", "warning_situation",
                            "shorter_employment_proven")),
            Column("value", Kind.TEXT, required=True,
                   doc="culpability: intent / gross_negligence / normal / reduced; aggravation / warning_situation: "
                       "the policy's situation code; *_percent: reduction in percent (0-100); "
                       "shorter_employment_proven: months of employment the employer proved"),
            Column("reason", Kind.TEXT, doc="the inspector's or the court's reasoning, shown in the fine"),
            Column("scope", Kind.CHOICE, default="fine", choices=("fine", "decision"),
                   doc="fine (default): the fines of rule_id; decision: the total of the employer's decision for "
                       "the statute in rule_id (or * for all), applied after every per-fine step"),
        ),
        row_checks=(
            RowCheck("factor = 'culpability' AND value NOT IN ('intent', 'gross_negligence', 'normal', 'reduced')",
                     "value", "culpability must be intent, gross_negligence, normal or reduced"),
            RowCheck(f"factor IN {_in(PERCENT_FACTORS)} AND "
                     "(TRY_CAST(value AS DECIMAL(5,2)) IS NULL OR TRY_CAST(value AS DECIMAL(5,2)) NOT BETWEEN 0 AND 100)",
                     "value", "a percentage from 0 to 100"),
            RowCheck("factor = 'shorter_employment_proven' AND (TRY_CAST(value AS DECIMAL(5,2)) IS NULL OR "
                     "TRY_CAST(value AS DECIMAL(5,2)) < 0)",
                     "value", "number of months"),
        ) + _fine_factor_checks(),
    )
)
