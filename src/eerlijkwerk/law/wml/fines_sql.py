"""WML fines priced in DuckDB: one SQL query per offence over the findings table, so that hundreds of thousands of
underpaid employees are priced in seconds. The legal logic is the same as described in fines.py and
docs/fine-policy-wml.md; the SQL is generated from the dated parameter files, one ``CASE`` branch per policy in force
on some date, so every amount, band and factor still comes from parameters/boete_*.yaml.

Each query returns one row per fine with the columns of the engine's fine table (see engine/run.py ``FINE_SCHEMA``):
employer_id, _worker_id, worker_ref, rule_id, citation, policy, policy_url, violation_date, outcome, norm_amount,
amount (EUR DECIMAL(14,2)), steps (JSON list of named steps), confidence, finding_ids (list of finding ids),
presumption (every finding of the fine rests on a presumption).

Exactness: percentages and durations are compared, never divided: ``pct < x`` is ``shortfall × 100 < x × due`` on
DECIMALs, ``months ≥ m`` is ``start + m months ≤ end + 1 day`` on dates (the same calendar-month convention as
:func:`eerlijkwerk.law.wml.fines.months_exact`). Shown percentages and months are rounded half-even to 2 decimals
by integer arithmetic.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Callable

from eerlijkwerk.engine.context import OPEN_END, AuditContext
from eerlijkwerk.engine.fines import RANK
from eerlijkwerk.params import DatedValue

#: placeholder for the table holding a fine query's numbers (see WmlFines.finish and engine/run.py _fines)
CORE = "__fine_core__"
DEDUCTION_RULES = ("wml.housing_deduction", "wml.health_insurance_deduction", "wml.other_deduction")


def q(s: Any) -> str:
    """A SQL string literal."""
    return "'" + str(s).replace("'", "''") + "'"


def dec(x: Any) -> str:
    """A SQL DECIMAL literal of a parameter value (exact)."""
    d = Decimal(str(x))
    return f"CAST('{d}' AS DECIMAL(18,{max(0, -d.as_tuple().exponent)}))"


def cite(e: DatedValue) -> str:
    return f"{e.source} [{e.confidence.value}]"


def entries(ctx: AuditContext, pid: str) -> list[tuple[dt.date, dt.date, DatedValue]]:
    return [(iv.valid_from, iv.valid_to or OPEN_END, iv.entry) for iv in ctx.params.timeline(pid)
            if iv.entry.value is not None]


def by_entry(date: str, ents: list[tuple[dt.date, dt.date, DatedValue]], fn: Callable[[DatedValue], str],
             default: str = "NULL") -> str:
    """``fn(entry)`` for the entry in force on ``date`` (SQL), or ``default`` when none is."""
    if not ents:
        return default
    arms = " ".join(f"WHEN {date} >= DATE '{a}' AND {date} < DATE '{b}' THEN {fn(e)}" for a, b, e in ents)
    return f"CASE {arms} ELSE {default} END"


def years_before(d: str, n: str) -> str:
    """The date n years before d; 29 February goes to 1 March (as PriorViolations.within in engine/fines.py)."""
    return (f"(CASE WHEN month({d}) = 2 AND day({d}) = 29 THEN make_date(year({d}) - ({n}), 3, 1) "
            f"ELSE make_date(year({d}) - ({n}), month({d}), day({d})) END)")


def rdiv_text(a: str, b: str) -> str:
    """a / b (non-negative integers, b > 0) rounded half-even to 2 decimals, as text 'n.dd'."""
    v = (f"(({a}) * 100 // ({b}) + CASE WHEN 2 * ((({a}) * 100) % ({b})) > ({b}) OR (2 * ((({a}) * 100) % ({b})) "
         f"= ({b}) AND (({a}) * 100 // ({b})) % 2 = 1) THEN 1 ELSE 0 END)")
    return f"printf('%d.%02d', {v} // 100, {v} % 100)"


def months_ge(start: str, end: str, m: Decimal) -> str:
    """months_exact(start, end) >= m, exactly, for a whole number m."""
    if m != m.to_integral_value():
        raise ValueError(f"duration band edge {m} is not a whole number of months")
    return f"CAST({start} + to_months({int(m)}) AS DATE) <= {end} + 1"


def months_gt(start: str, end: str, m: Decimal) -> str:
    if m != m.to_integral_value():
        raise ValueError(f"duration band edge {m} is not a whole number of months")
    return f"CAST({start} + to_months({int(m)}) AS DATE) < {end} + 1"


def duration_band(start: str, end: str, bands: list[dict[str, Any]]) -> str:
    """Index of the duration band of [start, end] (months_exact), as SQL."""
    arms = []
    for i, b in enumerate(bands):
        cond = []
        lo, hi = b.get("from_months"), b.get("to_months")
        if lo is not None:
            cond.append(months_ge(start, end, lo) if b.get("from_inclusive", True) else months_gt(start, end, lo))
        if hi is not None:
            cond.append(f"NOT ({months_gt(start, end, hi)})" if b.get("to_inclusive", False)
                        else f"NOT ({months_ge(start, end, hi)})")
        arms.append(f"WHEN {' AND '.join(cond) or 'TRUE'} THEN {i}")
    return f"CASE {' '.join(arms)} END"


def pct_lt(short: str, due: str, x: Decimal) -> str:
    """short / due × 100 < x exactly (100% when nothing is due)."""
    return f"(CASE WHEN {due} = 0 THEN 100 < {dec(x)} ELSE {short} * 100 < {dec(x)} * {due} END)"


def pct_band(short: str, due: str, bands: list[dict[str, Any]]) -> str:
    arms = []
    for i, b in enumerate(bands):
        cond = []
        if b.get("from") is not None:
            cond.append(f"NOT {pct_lt(short, due, b['from'])}")
        if b.get("to") is not None:
            cond.append(pct_lt(short, due, b["to"]))
        arms.append(f"WHEN {' AND '.join(cond) or 'TRUE'} THEN {i}")
    return f"CASE {' '.join(arms)} END"


def months_text(start: str, end: str) -> str:
    """months_exact(start, end) as text with 2 decimals: whole months + remaining days ÷ days of the next month."""
    m = (f"(date_diff('month', {start}, {end} + 1) - CASE WHEN CAST({start} + to_months(date_diff('month', {start}, "
         f"{end} + 1)) AS DATE) > {end} + 1 THEN 1 ELSE 0 END)")
    base = f"CAST({start} + to_months({m}) AS DATE)"
    nxt = f"CAST({start} + to_months({m} + 1) AS DATE)"
    days, span = f"date_diff('day', {base}, {end} + 1)", f"date_diff('day', {base}, {nxt})"
    return rdiv_text(f"CAST({m} AS BIGINT) * {span} + {days}", span)


def step(name: str, result: str, *, factor: str = "NULL", source: str = "NULL", note: str = "NULL") -> str:
    """One named step as a SQL struct (all fields text; NULL = not applicable)."""
    return (f"{{'step': {name}, 'factor': {factor}, 'result': {result}, 'source': {source}, "
            f"'note': {note}}}::STRUCT(step VARCHAR, factor VARCHAR, result VARCHAR, source VARCHAR, note VARCHAR)")


def money_text(x: str) -> str:
    return f"CAST(CAST({x} AS DECIMAL(14,2)) AS VARCHAR)"


class WmlFines:
    """SQL of the WML fines over the findings table ``F`` (columns of run.FINDING_COLUMNS plus finding_id,
    rule_id, worker_ref, _worker_id)."""

    def __init__(self, ctx: AuditContext, findings: str):
        self.ctx, self.F = ctx, findings
        self.np = entries(ctx, "wml.boete_factor_natuurlijk_persoon")
        self.rec = entries(ctx, "wml.boete_recidive")
        self.warn = entries(ctx, "wml.boete_waarschuwing")

    # -- shared parts ----------------------------------------------------------------------------------------------
    def group(self, rules: tuple[str, ...], extra: str = "") -> str:
        """Findings of ``rules`` aggregated per employer and worker."""
        rs = ", ".join(q(r) for r in rules)
        return (f"SELECT employer_id, _worker_id, any_value(worker_ref) AS worker_ref, sum(shortfall) AS short, "
                f"sum(due) AS due, min(period_start) AS start_d, max(coalesce(period_end, period_start)) AS end_d, "
                f"list(finding_id ORDER BY finding_id) AS ids, bool_and(coalesce(presumption, FALSE)) AS presumed"
                f"{extra} FROM {self.F} WHERE rule_id IN ({rs}) "
                f"GROUP BY employer_id, _worker_id")

    def priors(self) -> str:
        """Per fine (g.employer_id, g.end_d): irrevocable prior WML fines within the recidivism windows, and any prior
        WML fine within the warning's window (art. 18f WML; policy art. 2)."""
        win = by_entry("g.end_d", self.rec, lambda e: str(int(e.value["window_years"])), "5")
        wins = by_entry("g.end_d", self.rec, lambda e: str(int(e.value.get("window_years_serious",
                                                                            e.value["window_years"]))), "5")
        wwin = by_entry("g.end_d", self.warn, lambda e: str(int(e.value["not_if_prior_within_years"])), "5")
        irrev = "p.irrevocable_date IS NOT NULL AND p.irrevocable_date <= g.end_d AND p.decision_date < g.end_d"
        return (f"(SELECT list(p.violation_id ORDER BY p.decision_date, p.violation_id) FILTER (WHERE {irrev} AND "
                f"p.decision_date >= {years_before('g.end_d', win)}) FROM prior_violations p "
                f"WHERE p.employer_id = g.employer_id AND p.statute = 'wml') AS prior_ids, "
                f"(SELECT count(*) FILTER (WHERE {irrev} AND p.serious AND p.decision_date >= "
                f"{years_before('g.end_d', wins)}) FROM prior_violations p WHERE p.employer_id = g.employer_id "
                f"AND p.statute = 'wml') AS prior_serious, "
                f"(SELECT count(*) FROM prior_violations p WHERE p.employer_id = g.employer_id AND p.statute = 'wml' "
                f"AND p.decision_date < g.end_d AND p.decision_date >= {years_before('g.end_d', wwin)}) "
                f"AS prior_any")

    def factors(self, rule_id: str) -> str:
        """The inspector's moderations recorded for this fine (fine_factors), as a list of percentages and texts."""
        return (f"(SELECT list(TRY_CAST(f.value AS DECIMAL(5,2)) ORDER BY f.factor_id) FROM fine_factors f WHERE "
                f"f.employer_id = g.employer_id AND f.rule_id = {q(rule_id)} AND (f.worker_id IS NULL OR f.worker_id = "
                f"g._worker_id) AND f.factor IN ('moderation_percent', 'reasonable_time_percent', 'financial_capacity_percent')) AS mod_pcts, "
                f"(SELECT string_agg(f.factor || ' −' || f.value || '%' || coalesce(' (' || f.reason || ')', ''), '; ' "
                f"ORDER BY f.factor_id) FROM fine_factors f WHERE f.employer_id = g.employer_id AND f.rule_id = "
                f"{q(rule_id)} AND (f.worker_id IS NULL OR f.worker_id = g._worker_id) AND f.factor IN "
                f"('moderation_percent', 'reasonable_time_percent', 'financial_capacity_percent')) AS mod_text, "
                f"(SELECT max(TRY_CAST(f.value AS DECIMAL(5,2))) FROM fine_factors f WHERE f.employer_id = g.employer_id "
                f"AND f.rule_id = {q(rule_id)} AND (f.worker_id IS NULL OR f.worker_id = g._worker_id) AND f.factor = "
                f"'shorter_employment_proven') AS proven_months")

    def common_steps(self, amount: str) -> tuple[list[str], str, str]:
        """Natural person, recidivism, moderation: (steps, final amount SQL, confidence rank SQL). ``amount`` is the
        norm amount column; every factor rounds to the cent (DECIMAL(14,2))."""
        npf = by_entry("end_d", self.np, lambda e: dec(e.value))
        is_np = "legal_form IN ('natural_person', 'private_household')"
        a1 = f"CASE WHEN {is_np} AND ({npf}) IS NOT NULL THEN round({amount} * ({npf}), 2) ELSE {amount} END"
        np_step = (f"CASE WHEN {is_np} AND ({npf}) IS NOT NULL THEN "
                   + step("'employer is a natural person'", money_text("a1"), factor=f"CAST({npf} AS VARCHAR)",
                          source=by_entry("end_d", self.np, lambda e: q(cite(e)))) + " END")
        np_rank = (f"CASE WHEN {is_np} THEN {by_entry('end_d', self.np, lambda e: str(RANK[e.confidence.value]), '0')} "
                   f"ELSE 0 END")

        def rv(key: str) -> str:
            return by_entry("end_d", self.rec, lambda e: dec(e.value.get(key, e.value.get("increase_" + key))))

        n_prior = "coalesce(len(prior_ids), 0)"
        pct = (f"CASE WHEN {n_prior} >= 2 THEN {rv('two_priors_percent')} WHEN {n_prior} = 1 THEN "
               f"{rv('one_prior_percent')} END")
        a2 = f"CASE WHEN ({pct}) IS NOT NULL THEN round(a1 * (1 + ({pct}) * 0.01), 2) ELSE a1 END"
        rec_src = by_entry("end_d", self.rec, lambda e: q(cite(e)))
        rec_step = (f"CASE WHEN ({pct}) IS NOT NULL THEN "
                    + step(f"'recidivism: +' || CAST(CAST({pct} AS INTEGER) AS VARCHAR) || '% (prior irrevocable fine(s) ' "
                           f"|| array_to_string(prior_ids, ', ') || ')'", money_text("a2"),
                           factor=f"CAST(1 + ({pct}) * 0.01 AS VARCHAR)", source=rec_src)
                    + " ELSE "
                    + step("'recidivism (art. 18f WML)'", money_text("a2"), factor="'1'", source=rec_src,
                           note=("'no irrevocable prior WML fine within ' || " + by_entry(
                               "end_d", self.rec, lambda e: q(str(int(e.value["window_years"]))), "'5'")
                                 + " || ' years in the records'")) + " END")
        rec_rank = (f"CASE WHEN ({pct}) IS NOT NULL THEN "
                    f"{by_entry('end_d', self.rec, lambda e: str(RANK[e.confidence.value]), '2')} ELSE 0 END")
        factor = "list_reduce(list_transform(mod_pcts, lambda x: 1 - x * 0.01), lambda a, b: a * b)"
        a3 = f"CASE WHEN len(mod_pcts) > 0 THEN round(a2 * {factor}, 2) ELSE a2 END"
        mod_step = (f"CASE WHEN len(mod_pcts) > 0 THEN "
                    + step("'moderation (inspector''s decision): ' || mod_text", money_text("a3"),
                           factor=f"CAST({factor} AS VARCHAR)")
                    + " ELSE " + step("'moderation (culpability, reasonable time, capacity to pay: art. 5:46 Awb)'",
                                      money_text("a3"), factor="'1'",
                                      note="'none recorded (inspector''s decision; default none)'") + " END")
        return ([np_step, rec_step, mod_step], f"{a1} AS a1, {a2} AS a2, {a3} AS a3",
                f"greatest({np_rank}, {rec_rank})")

    def finish(self, body: str, rule_id: str, citation: str, pid: str, steps: list[str], outcome: str,
               norm: str, amount: str, rank: str) -> tuple[str, str]:
        """The per-fine query ``body`` (all numbers: end_d, ids, bands, amounts, ...) and the query that presents it
        in the fine table's columns (texts, steps), reading the body's result from the table named CORE."""
        ents = entries(self.ctx, pid)
        pol = by_entry("end_d", ents, lambda e: q(e.source), "'no fine policy in force on this date'")
        url = by_entry("end_d", ents, lambda e: q(e.url), "''")
        prank = by_entry("end_d", ents, lambda e: str(RANK[e.confidence.value]), "2")
        conf = f"CASE greatest({prank}, {rank}) WHEN 2 THEN 'unconfirmed' WHEN 1 THEN 'secondary' ELSE 'confirmed' END"
        steps_sql = f"to_json(list_filter([{', '.join(steps)}], lambda s: s IS NOT NULL))::VARCHAR"
        return body, (f"SELECT employer_id, _worker_id, worker_ref, {q(rule_id)} AS rule_id, {q(citation)} AS citation, "
                f"{pol} AS policy, {url} AS policy_url, end_d AS violation_date, {outcome} AS outcome, "
                f"CAST({norm} AS DECIMAL(14,2)) AS norm_amount, CAST({amount} AS DECIMAL(14,2)) AS amount, "
                f"{steps_sql} AS steps, {conf} AS confidence, ids AS finding_ids, presumed AS presumption "
                f"FROM {CORE}")

    # -- the offences ------------------------------------------------------------------------------------------------
    def _table_fine(self, rule_id: str, citation: str, pid: str, article: str, *, duration: bool,
                    deductions: bool = False) -> tuple[str, str]:
        """Art. 7 (underpayment % × duration) and art. 15 (underpayment % only) WML."""
        ents = entries(self.ctx, pid)
        pi = by_entry("end_d", ents, lambda e: pct_band("short", "due", e.value["percentage_bands"]))
        di = by_entry("end_d", ents, lambda e: duration_band("start_d", "end_d", e.value["duration_bands"])) \
            if duration else "0"

        def cell(e: DatedValue) -> str:
            amounts = e.value["amounts"]
            rows = amounts if duration else [[a] for a in amounts]
            arms = " ".join(f"WHEN pi = {i} AND di = {j} THEN {dec(a)}" for i, row in enumerate(rows)
                            for j, a in enumerate(row))
            return f"CASE {arms} END"

        table_norm = by_entry("end_d", ents, cell)
        min_below = by_entry("end_d", ents, lambda e: dec(e.value["minimum_underpayment_row"]["below_eur"])
                             if e.value.get("minimum_underpayment_row") else "NULL")
        min_amount = by_entry("end_d", ents, lambda e: dec(e.value["minimum_underpayment_row"]["amount"])
                              if e.value.get("minimum_underpayment_row") else "NULL")
        src = by_entry("end_d", ents, lambda e: q(cite(e)))
        pct_text = (f"CASE WHEN due = 0 THEN '100.00' ELSE "
                    f"{rdiv_text('CAST(short * 10000 AS HUGEINT)', 'CAST(due * 100 AS HUGEINT)')} END")
        if duration:
            note = (f"'shortfall EUR ' || {money_text('short')} || ' of minimum wage due EUR ' || {money_text('due')} "
                    f"|| ' = ' || {pct_text} || '% (band ' || (pi + 1) || '); ' || start_d || '..' || end_d || ' = ' "
                    f"|| {months_text('start_d', 'end_d')} || ' months (band ' || (di + 1) || '). The policy does not "
                    f"define the % base: engine''s reading = total shortfall ÷ total due over the underpaid periods.'")
            first = "'norm amount (table: underpayment % × duration)'"
        else:
            note = (f"'holiday allowance short EUR ' || {money_text('short')} || ' of EUR ' || {money_text('due')} || "
                    f"' due = ' || {pct_text} || '% (band ' || (pi + 1) || ')'")
            first = "'norm amount (table: underpayment %)'"
        w = self.warn

        def wv(key: str, f: Callable[[Any], str] = dec) -> str:
            return by_entry("end_d", w, lambda e: f(e.value[key]) if f"art. {article}" in (e.value.get("applies_to") or [])
                            else "NULL")

        small = (f"((CASE WHEN due = 0 THEN 100 < {wv('below_percent')} ELSE short * 100 < {wv('below_percent')} * due END)"
                 f" OR short < {wv('below_eur')})")
        unless = f"(CASE WHEN due = 0 THEN 100 < {wv('unless_at_least_percent')} ELSE short * 100 < {wv('unless_at_least_percent')} * due END)"
        warned = f"coalesce({small} AND {unless} AND prior_any = 0, FALSE)"
        warn_note = (f"'underpayment ' || {pct_text} || '% or EUR ' || {money_text('short')} || ' is below ' || "
                     f"{wv('below_percent', q)} || '% / EUR ' || {wv('below_eur', q)} || ' and not ≥ ' || "
                     f"{wv('unless_at_least_percent', q)} || '%; no prior WML fine within ' || "
                     f"{wv('not_if_prior_within_years', q)} || ' years in the records. The employer gets ' || "
                     f"{wv('cure_period_weeks', q)} || ' weeks to pay; otherwise a fine follows.'")
        warn_src = by_entry("end_d", w, lambda e: q(cite(e)))
        warn_rank = by_entry("end_d", w, lambda e: str(RANK[e.confidence.value]), "0")
        extra = ""
        join = ""
        if deductions:
            join = (f" LEFT JOIN (SELECT employer_id AS d_emp, _worker_id AS d_w, list(finding_id ORDER BY finding_id) "
                    f"AS d_ids, bool_and(coalesce(presumption, FALSE)) AS d_presumed FROM {self.F} WHERE rule_id IN "
                    f"({', '.join(q(r) for r in DEDUCTION_RULES)}) GROUP BY ALL) d ON d.d_emp = g.employer_id AND "
                    f"d.d_w = g._worker_id")
            extra = (", list_concat(g.ids, coalesce(d.d_ids, [])) AS all_ids, "
                     "g.presumed AND coalesce(d.d_presumed, TRUE) AS all_presumed")
        common, amounts, rank = self.common_steps("norm")
        body = (f"SELECT *, {amounts} FROM (SELECT *, CASE WHEN {min_below} IS NOT NULL AND short < {min_below} "
                f"THEN {min_amount} ELSE table_norm END AS norm, {warned} AS warned FROM (SELECT *, {table_norm} AS "
                f"table_norm FROM (SELECT *, {pi} AS pi, {di} AS di FROM (SELECT g.*, "
                f"e.legal_form, {self.priors()}, {self.factors(rule_id)}{extra} FROM ({self.group((rule_id,))}) g "
                f"LEFT JOIN employers e ON e.employer_id = g.employer_id{join}) x0) x1) x)")
        steps = [step(first, money_text("table_norm"), source=src, note=note),
                 f"CASE WHEN {min_below} IS NOT NULL AND short < {min_below} THEN "
                 + step(f"'underpayment below EUR ' || CAST({min_below} AS VARCHAR)", money_text("norm"), source=src)
                 + " END",
                 f"CASE WHEN warned THEN " + step("'warning instead of a fine'", "'0.00'", source=warn_src,
                                                  note=warn_note) + " END"]
        steps += [f"CASE WHEN NOT warned THEN {s} END" for s in common]
        ids = "all_ids" if deductions else "ids"
        return self.finish(
            f"SELECT * REPLACE ({ids} AS ids, all_presumed AS presumed) FROM ({body})" if deductions else body, rule_id, citation, pid, steps,
            "CASE WHEN warned THEN 'warning' ELSE 'fine' END", "norm",
            "CASE WHEN warned THEN 0 ELSE a3 END",
            f"CASE WHEN warned THEN {warn_rank} ELSE {rank} END")

    def underpayment(self) -> tuple[str, str]:
        """Art. 7 WML: per underpaid employee, the table cell for (underpayment %, duration), then the common factors.
        Underpayment % = total shortfall ÷ total minimum wage due over the underpaid periods × 100 (the policy does
        not define the base: engine's reading, stated in each fine). Duration = first to last underpaid period, in
        months. The deduction findings (art. 13) of the employee belong to this fine."""
        return self._table_fine("wml.underpayment", "art. 7 WML", "wml.boete_onderbetaling", "7", duration=True,
                                deductions=True)

    def holiday_allowance(self) -> tuple[str, str]:
        """Art. 15 WML: per employee, by underpayment % of the minimum holiday allowance due (no duration)."""
        return self._table_fine("wml.holiday_allowance", "art. 15 WML", "wml.boete_vakantiebijslag", "15",
                                duration=False)

    def cash_payment(self) -> tuple[str, str]:
        """Art. 7a WML: per employee, by the period in which the wage was at least once not paid by transfer; no
        separate fine where the same wage is fined under art. 7 (policy 2017 art. 2 lid 2, secondary)."""
        pid = "wml.boete_giraal"
        ents = entries(self.ctx, pid)
        di = by_entry("end_d", ents, lambda e: duration_band("start_d", "end_d", e.value["duration_bands"]))
        norm = by_entry("end_d", ents, lambda e: "CASE " + " ".join(f"WHEN di = {j} THEN {dec(a)}" for j, a in
                                                                    enumerate(e.value["amounts"])) + " END")
        src = by_entry("end_d", ents, lambda e: q(cite(e)))
        common, amounts, rank = self.common_steps("norm")
        under = (f"EXISTS (SELECT 1 FROM {self.F} u WHERE u.rule_id = 'wml.underpayment' AND u.employer_id = "
                 f"x.employer_id AND u._worker_id = x._worker_id)")
        body = (f"SELECT *, {amounts} FROM (SELECT *, {norm} AS norm, {under} AS included FROM (SELECT *, {di} AS di "
                f"FROM (SELECT g.*, "
                f"e.legal_form, {self.priors()}, {self.factors('wml.cash_payment')} FROM "
                f"({self.group(('wml.cash_payment',))}) g LEFT JOIN employers e ON e.employer_id = g.employer_id) x0) x)")
        steps = [step("'norm amount (table: period with cash payment)'", money_text("norm"), source=src,
                      note=f"start_d || '..' || end_d || ' = ' || {months_text('start_d', 'end_d')} || ' months (band ' "
                           f"|| (di + 1) || ')'"),
                 "CASE WHEN included THEN " + step("'no separate art. 7a fine: the same wage is fined under art. 7'",
                                                   "'0.00'", note="'policy 2017 art. 2 lid 2 (secondary); see "
                                                                  "docs/fine-policy-wml.md §4'") + " END"]
        steps += [f"CASE WHEN NOT included THEN {s} END" for s in common]
        return self.finish(body, "wml.cash_payment", "art. 7a WML", pid, steps,
                           "CASE WHEN included THEN 'included in art. 7 fine' ELSE 'fine' END", "norm",
                           "CASE WHEN included THEN 0 ELSE a3 END", f"CASE WHEN included THEN 0 ELSE {rank} END")

    def records_missing(self) -> tuple[str, str]:
        """Art. 18b lid 2 WML: a fixed amount per employee concerned; lower only if the employer proves that the
        employment lasted under 6 months (an input the inspector records; default: not proven)."""
        pid = "wml.boete_administratie"
        ents = entries(self.ctx, pid)
        src = by_entry("end_d", ents, lambda e: q(cite(e)))

        def band(b: dict, m: str = "proven_months") -> str:
            lo = f"{m} {'>=' if b['from_inclusive'] else '>'} {dec(b['from_months'])}"
            hi = f"{m} {'<=' if b['to_inclusive'] else '<'} {dec(b['to_months'])}"
            return f"({lo} AND {hi})"

        def norm_of(e: DatedValue) -> str:
            """The full amount, or the reduced amount of the band of the proven months (policy art. 1 lid 3)."""
            v = e.value
            arms = " ".join(f"WHEN {band(b)} THEN {dec(a)}" for b, a in zip(v["reduced_duration_bands"],
                                                                          v["reduced_amounts"]))
            return f"CASE WHEN proven_months IS NULL THEN {dec(v['amount_per_employee'])} {arms} " \
                   f"ELSE {dec(v['amount_per_employee'])} END"

        def bands_note(e: DatedValue) -> str:
            v = e.value
            return q("if proven: " + ", ".join(
                f"{'≤' if b['to_inclusive'] else '<'} {b['to_months']} months → EUR {a}"
                for b, a in zip(v["reduced_duration_bands"], v["reduced_amounts"])))

        full = by_entry("end_d", ents, lambda e: dec(e.value["amount_per_employee"]))
        norm = by_entry("end_d", ents, norm_of)
        common, amounts, rank = self.common_steps("norm")
        body = (f"SELECT *, {amounts} FROM (SELECT *, {full} AS full_norm, {norm} AS norm FROM (SELECT g.*, "
                f"e.legal_form, {self.priors()}, "
                f"{self.factors('wml.records_missing')} FROM ({self.group(('wml.records_missing',))}) g "
                f"LEFT JOIN employers e ON e.employer_id = g.employer_id) x)")
        proven = ("CASE WHEN proven_months IS NULL THEN "
                  + step("'employer proved employment shorter than ' || " + by_entry(
                      "end_d", ents, lambda e: q(e.value["reduced_if_employer_proves_employment_shorter_than_months"]),
                      "'6'") + " || ' months'", money_text("norm"), factor="'no'",
                         note="'inspector''s input (fine_factors shorter_employment_proven); default not proven; ' || "
                              + by_entry("end_d", ents, bands_note, "''"), source=src)
                  + " ELSE "
                  + step("'employer proved employment of ' || CAST(proven_months AS VARCHAR) || ' months'",
                         money_text("norm"), factor="'reduced amount'",
                         note=by_entry("end_d", ents, bands_note, "''"), source=src) + " END")
        steps = [step("'norm amount per employee concerned'", money_text("full_norm"), source=src), proven] + common
        return self.finish(body, "wml.records_missing", "art. 18b lid 2 WML", pid, steps, "'fine'", "norm", "a3",
                           rank)


def fines_sql(ctx: AuditContext, findings: str) -> list[tuple[str, str]]:
    """The WML fine queries over the findings table named ``findings``: per offence a pair (the query of the fines'
    numbers, the query presenting them with texts and steps from the table CORE) — see the module docstring. The
    engine materialises the numbers and renders the texts when the fines are read."""
    w = WmlFines(ctx, findings)
    return [w.underpayment(), w.holiday_allowance(), w.cash_payment(), w.records_missing()]
