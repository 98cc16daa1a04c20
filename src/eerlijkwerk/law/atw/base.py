"""How the Atw rules run: shared tables built per group of workers, every rule a DuckDB SQL query over them.

Every Atw norm is a norm per worker, so the workers are split into buckets (a hash of the worker) and evaluated one
bucket after another: the shared tables below are built for the workers of one bucket, every rule's query appends its
findings to the rule's result table (``x_atw_out_<rule>``, created by the first bucket), and the next bucket replaces
the shared tables. The sorts per worker then fit in memory (the audit's DuckDB has a fixed memory limit) and the
results are those of one pass over all workers. Up to :data:`ONE_BUCKET_ROWS` shift records form one bucket, read
straight from the shifts table; above that, buckets of about :data:`ROWS_PER_BUCKET` records, whose narrow records are
written once, partitioned by bucket, as Parquet files in DuckDB's temporary directory (one pass over the shifts table,
not one per bucket). ``atw.records_missing`` (spans
per employer) is completed once, after the buckets. Workers and employers are keyed by a 64-bit hash of their id
(``w``, ``emp``; checked to be distinct over the workers and employers tables), which is narrower and faster than the
text through the sorts and joins; findings carry the ids again.

Shared tables of one bucket (integer seconds, see norms.py):

``atw_r`` — one row per valid shift record that overlaps no other record of the same worker: ``s``/``e`` start and
end instants, ``off_s``/``off_e`` their UTC offsets (wall clock − instant), ``brk`` break, ``day`` local start day,
``work`` = e − s − brk (worked time: DST neither adds nor removes an hour), ``night`` = work between 00:00 and 06:00
local (a lower bound: breaks are not timed in the records, so the whole break is assumed to fall in that window),
``wk`` calendar week of the start (atw.week_definitie in force that day, norms.Norms.week_index) and ``work1`` the part of the work in that week (a record
crossing into the next week shares its work in proportion to its clock time on each side; the rest, ``work − work1``,
belongs to week ``wk + 1``), and the sequence per worker: ``gap_after`` the rest after the record (NULL after the last
one), ``new_before``/``new_after``: the rest before/after it is at least shift_boundary_rest_hours, i.e. the record
starts/ends a *dienst* (art. 1:7 lid 1 onder c Atw). One sort per worker (lag/lead); worked time, night work and the
week split are computed after it.

Overlapping records of one worker are an input error: they are added to the rejected rows (file, row, reason naming
the other rows) and left out of every Atw evaluation, like any rejected row (docs/atw.md). In the sorted pass a record
that starts before the previous one ends makes that one's gap_after negative; only workers with such a record are
examined exactly (a running maximum of the ends) and sequenced again without their overlapping records (without one,
no record overlaps another: the ends then increase with the starts). The rejected rows are written once, after the
buckets.

``atw_dm`` — the diensten of several records (usually few): records separated by rests shorter than
shift_boundary_rest_hours form one dienst (art. 1:7 lid 1 onder c; the policy's explanation "telling bij doorlopende
diensten"). ``work``, ``night`` and ``brk`` are summed; ``pause`` = breaks + the gaps of at least atw.pauze
min_part_minutes between its records; ``min_gap`` the shortest gap inside it.

``atw_d`` (a view) — one row per dienst: the one-record diensten straight from atw_r and those of atw_dm;
``rest_after`` the rest after it (NULL after the last one), ``sl``/``el`` wall-clock start and end, ``is_night`` (more
than night_shift_more_than_hours of work in the night window, art. 1:7 lid 1 onder d) and ``is_late`` (a night dienst
ending after late_end_after, art. 5:8 lid 4). ``atw_dc``: the diensten that any rule on single diensten looks at
(rules.py, DIENST_SELECTIONS), so that those rules do not each read every dienst.

``atw_wk`` — one row per worker and calendar week with work: ``work`` in the week, ``nights`` and ``lates`` (night
diensten / night diensten ending after 02:00 that start in it); ``atw_wkr`` adds the rolling sums over the 4, 16 and
16 calendar weeks ending with it (weeks without records count as zero: a RANGE frame on the week number), for the
workers whose weeks can reach a rolling norm.

``atw_ns`` — the diensten of workers with at least one night dienst, with two run numbers for the series rules of
art. 5:8 lid 5-7: ``series_c`` is the same for diensten on consecutive days (no day without a dienst start, except a
day on which a night dienst ends that is followed by a rest shorter than rest_after_series_hours), and
(``series_c``, ``run_n``) the same for night diensten each of which directly follows the previous one, on the same or
the next day.

``atw_rm_cand``/``atw_rm_span`` (filled per bucket) — for record keeping: the payslips without a shift record of the
worker at the employer or the hirer, and each employer's first and last shift day.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import ibis.expr.types as ir
import pyarrow as pa

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.rules import FINDING_COLUMNS
from eerlijkwerk.law.atw.norms import (
    DAY,
    EPOCH,
    HOUR,
    Norms,
    age_at,
    day_to_date,
    fdiv,
    instant_s,
    wall_s,
    wall_to_instant,
)

ARB = "atw.arbeidstijd"
NACHT = "atw.nachtdienst"
AGE = "atw.volwassen_leeftijd"

#: up to this many shift records the workers form one bucket, read straight from the shifts table; above it, buckets
#: of about ROWS_PER_BUCKET records (see the module docstring). EERLIJKWERK_ATW_BUCKET_ROWS sets both.
ONE_BUCKET_ROWS = int(os.environ.get("EERLIJKWERK_ATW_BUCKET_ROWS", "12000000"))
ROWS_PER_BUCKET = int(os.environ.get("EERLIJKWERK_ATW_BUCKET_ROWS", "8000000"))

#: predicates on atw_d of the rules that select diensten (rules.py): atw_dc holds the diensten that meet any
DIENST_SELECTIONS: list[Callable[[Norms], str]] = []

#: the rules' queries: name -> (builder of the SELECT over the bucket's tables, evaluated per bucket of workers)
RULE_SQL: dict[str, tuple[Callable[[Sql], str], bool]] = {}

_SQL_TYPES = {"string": "VARCHAR", "date": "DATE", "boolean": "BOOLEAN"}


def finding(cols: dict[str, str], body: str) -> str:
    """A SELECT of the standard finding columns (engine/rules.py FINDING_COLUMNS), typed, from ``body`` (FROM ...):
    ``cols`` maps the columns a rule produces to their expressions; the others are NULL (presumption: false)."""
    unknown = set(cols) - set(FINDING_COLUMNS)
    if unknown:
        raise ValueError(f"not finding columns: {sorted(unknown)}")
    out = []
    for name, typ in FINDING_COLUMNS.items():
        sql_type = _SQL_TYPES.get(typ, typ.upper())
        if name in cols:
            out.append(f"CAST({cols[name]} AS {sql_type}) AS {name}")
        elif name == "presumption":
            out.append(f"FALSE AS {name}")
        else:
            out.append(f"CAST(NULL AS {sql_type}) AS {name}")
    return f"SELECT {', '.join(out)} {body}"


@dataclass
class Sql:
    """What a rule's query is built from: the norms (SQL expressions) and shared pieces of SQL."""

    ctx: AuditContext
    n: Norms

    def adult(self, t: str, day: str = "day") -> str:
        """The rows of query ``t`` whose worker (key ``w``) is at least atw.volwassen_leeftijd on local day ``day``
        (the norms of this package are those for workers of 18 and older), with the worker's ``worker_id``."""
        age = age_at("a.birth_date", day_to_date(f"t.{day}"))
        return (f"(SELECT t.*, a.worker_id FROM ({t}) t JOIN atw_w a ON t.w = a.w "
                f"WHERE {age} >= {self.n.value(AGE, None, f't.{day}')})")

    @staticmethod
    def employer(t: str, col: str = "emp") -> str:
        """The rows of query ``t`` with the ``employer_id`` of employer key ``col``."""
        return f"(SELECT t.*, m.employer_id FROM ({t}) t JOIN atw_e m ON t.{col} = m.emp)"


def rule_sql(per_bucket: bool = True) -> Callable[[Callable[[Sql], str]], Callable[[AuditContext], ir.Table]]:
    """Register a rule's query (a function of :class:`Sql` returning a SELECT of finding columns, see :func:`finding`);
    the rule function returns its materialised result (every Atw rule is evaluated on the first call of any)."""
    def deco(fn: Callable[[Sql], str]) -> Callable[[AuditContext], ir.Table]:
        RULE_SQL[fn.__name__] = (fn, per_bucket)

        def run(ctx: AuditContext) -> ir.Table:
            return evaluate(ctx)[fn.__name__]

        run.__name__, run.__qualname__, run.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
        run.__module__ = fn.__module__
        run.sql = fn  # type: ignore[attr-defined]
        return run

    return deco


# --- keys, the narrow records ----------------------------------------------------------------------------------

def _key_sql(con) -> Callable[[str], str]:
    """Workers and employers are keyed by a 64-bit hash of their id (narrower and faster than the text through the
    sorts and joins): ``hash(id)``, or ``hash(id, salt)`` for the first salt that gives every worker and every employer
    a key of its own (checked over the workers and employers tables, which every id in the records refers to)."""
    for salt in range(100):
        def key(col: str, salt: int = salt) -> str:
            return f"hash({col})" if salt == 0 else f"hash({col}, {salt})"
        ok = con.execute(f"""SELECT (SELECT count(DISTINCT {key('worker_id')}) = count(*) FROM workers)
            AND (SELECT count(DISTINCT {key('employer_id')}) = count(*) FROM employers)""").fetchall()[0][0]
        if ok:
            return key
    raise RuntimeError("no collision-free key for the worker and employer ids")


def _t0_sql(key: Callable[[str], str]) -> str:
    """Every shift record in seconds, narrow: what the sort per worker carries (see the module docstring)."""
    s_, e_ = instant_s("start_at"), instant_s("end_at")
    return f"""
SELECT w, emp, _row, s, e, CAST(ws - s AS INTEGER) AS off_s, CAST(we - e AS INTEGER) AS off_e,
       CAST(break_minutes * 60 AS INTEGER) AS brk, CAST({fdiv('s + (ws - s)', DAY)} AS INTEGER) AS day
FROM (SELECT {key('worker_id')} AS w, {key('employer_id')} AS emp, CAST(_row AS INTEGER) AS _row, break_minutes,
             {s_} AS s, {e_} AS e, {wall_s('start_at_local')} AS ws, {wall_s('end_at_local')} AS we
      FROM shifts)"""


def _sequence_sql(n: Norms, src: str) -> str:
    """The sequence per worker over the records of ``src`` (one sort), then the worked time, night work and week
    split of each record. A record that starts before the previous one ends makes the gap_after of the previous one
    negative. Records of one worker that start at the same instant overlap, so their order (by start only) matters
    only for workers that are examined again (_records)."""

    def sbr(day: str) -> str:
        return n.seconds(ARB, "shift_boundary_rest_hours", day)

    def lo(d: str, clock: str) -> str:
        return wall_to_instant(f"({d}) * {DAY} + {clock}", "off", "ch")

    def in_window(d: str) -> str:
        return f"greatest(least(e, {lo(d, 'nwe')}) - greatest(s, {lo(d, 'nws')}), 0)"

    # the boundary after a record is read for the next record's day; the next record's day is needed only where
    # the boundary can differ between days (norms.Norms.fixed)
    fixed = n.fixed(ARB, "shift_boundary_rest_hours", HOUR)
    next_day = "" if fixed is not None else ", lead(day) OVER win AS next_day"
    boundary_after = str(fixed) if fixed is not None else sbr("next_day")
    return f"""
WITH q AS (
    SELECT *, lag(e) OVER win AS prev_e, lead(s) OVER win AS next_s{next_day}
    FROM {src} WINDOW win AS (PARTITION BY w ORDER BY s)),
seq AS (
    SELECT w, emp, _row, s, e, off_s, off_e, brk, day,
           CAST(next_s - e AS INTEGER) AS gap_after,
           prev_e IS NULL OR (s - prev_e) >= {sbr('day')} AS new_before,
           next_s IS NULL OR (next_s - e) >= {boundary_after} AS new_after,
           CAST(day AS BIGINT) AS d64, off_e <> off_s AS ch, CAST(off_s AS BIGINT) AS off
    FROM q),
k AS (
    SELECT *, {n.value(NACHT, 'night_window_start', 'd64')} AS nws, {n.value(NACHT, 'night_window_end', 'd64')} AS nwe,
           {n.week_index('d64')} AS wk64
    FROM seq),
x AS (
    -- no night work (without a sum over the windows) when the offset holds throughout and the record starts after
    -- the end of its day's night window and ends before the start of the next one: most day shifts
    SELECT *, CASE WHEN NOT ch AND nws IS NOT NULL AND nwe IS NOT NULL AND s + off - d64 * {DAY} >= nwe
                        AND e + off <= (d64 + 1) * {DAY} + nws THEN 0
                   ELSE {in_window('d64')} + {in_window('d64 + 1')} END AS night_clock,
           {wall_to_instant(f"{n.week_first_day('wk64 + 1', 'd64')} * {DAY}", 'off', 'ch')} AS boundary
    FROM k)
SELECT w, emp, _row, s, e, off_s, off_e, brk, day, gap_after, new_before, new_after,
       CAST(e - s - brk AS INTEGER) AS work, CAST(greatest(night_clock - brk, 0) AS INTEGER) AS night,
       CAST(wk64 AS INTEGER) AS wk,
       CAST(CASE WHEN e > boundary THEN {fdiv('(e - s - brk) * (boundary - s)', 'e - s')} ELSE e - s - brk END
            AS INTEGER) AS work1
FROM x"""


def _reject_overlaps(ctx: AuditContext, bad: pa.Table) -> None:
    """Add overlapping records to the rejected rows (tbl shifts, column start_at) and to the table's counts."""
    rows = bad.to_pylist()
    groups: list[list[dict]] = []
    last_worker, reach = None, None
    for r in rows:  # ordered by worker, start: a record starts a new group when it begins after all earlier ones end
        if r["worker_id"] != last_worker or r["s"] >= reach:
            groups.append([])
            reach = r["e"]
        else:
            reach = max(reach, r["e"])
        last_worker = r["worker_id"]
        groups[-1].append(r)
    load = ctx.records.loads["shifts"]
    out = {"tbl": [], "file": [], "row_nr": [], "col": [], "value": [], "reason": []}
    for g in groups:
        for r in g:
            others = ", ".join(f"{o['shift_id']} (row {o['_row']})" for o in g if o is not r)
            out["tbl"].append("shifts")
            out["file"].append(load.file)
            out["row_nr"].append(r["_row"])
            out["col"].append("start_at")
            out["value"].append(r["start_text"])
            out["reason"].append(f"overlaps shift {others} of the same worker: overlapping records cannot both be "
                                 f"true, none of them is evaluated (working time)")
    ctx.records.con.register("atw_overlap_rejects", pa.table(out))
    ctx.records.con.execute("INSERT INTO rejects SELECT * FROM atw_overlap_rejects")
    ctx.records.con.unregister("atw_overlap_rejects")
    load.rows_valid -= len(rows)
    load.rows_rejected += len(rows)


def _records(ctx: AuditContext, n: Norms, src: str) -> None:
    """atw_r for the records of ``src`` (see the module docstring); the overlapping records go to atw_bad."""
    con = ctx.records.con
    con.execute(f"CREATE OR REPLACE TEMP TABLE atw_r AS {_sequence_sql(n, src)}")
    if not con.execute("SELECT count(*) FROM atw_r WHERE gap_after < 0").fetchall()[0][0]:
        return
    # the workers with a record that starts before the previous one ends: exact overlaps (a running maximum)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE atw_bad_b AS
        WITH o AS (
            SELECT *, coalesce((s < max(e) OVER (PARTITION BY w ORDER BY s, _row
                                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
                               OR (e > lead(s) OVER (PARTITION BY w ORDER BY s, _row)), FALSE) AS overlap
            FROM {src} SEMI JOIN (SELECT DISTINCT w FROM atw_r WHERE gap_after < 0) USING (w))
        SELECT * EXCLUDE (overlap) FROM o WHERE overlap""")
    con.execute("INSERT INTO atw_bad SELECT * FROM atw_bad_b")
    con.execute("ALTER TABLE atw_r RENAME TO atw_r1")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE atw_r AS
        SELECT * FROM atw_r1 ANTI JOIN (SELECT DISTINCT w FROM atw_bad_b) USING (w)
        UNION ALL ({_sequence_sql(n, f"(SELECT * FROM {src} SEMI JOIN (SELECT DISTINCT w FROM atw_bad_b) USING (w) "
                                     f"ANTI JOIN atw_bad_b USING (_row))")})""")
    for t in ("atw_bad_b", "atw_r1"):
        con.execute(f"DROP TABLE {t}")


def _reject_bad(ctx: AuditContext) -> None:
    """The overlapping records of all buckets (atw_bad) as rejected rows (one join with the shifts table)."""
    con = ctx.records.con
    if not con.execute("SELECT count(*) FROM atw_bad").fetchall()[0][0]:
        return
    _reject_overlaps(ctx, con.sql("""
        SELECT b._row, sh.worker_id, b.s, b.e, sh.shift_id, CAST(sh.start_at AS VARCHAR) AS start_text
        FROM atw_bad b JOIN shifts sh ON sh._row = b._row ORDER BY sh.worker_id, b.s, b._row""").to_arrow_table())


def _is_night(n: Norms) -> str:
    """A night dienst: more than night_shift_more_than_hours_in_window of work in the night window (columns night,
    day)."""
    return f"(night > {n.seconds(NACHT, 'night_shift_more_than_hours_in_window', 'day')})"


def _is_late(n: Norms, el: str) -> str:
    """A night dienst ending (wall clock ``el``) after late_end_after."""
    end_day = fdiv(el, DAY)
    return f"({_is_night(n)} AND (({el}) - {end_day} * {DAY}) > {n.value(NACHT, 'late_end_after', end_day)})"


def _dienst(ctx: AuditContext, n: Norms) -> None:
    """atw_dm (diensten of several records) and the view atw_d (every dienst)."""
    con = ctx.records.con
    min_part = n.value("atw.pauze", "min_part_minutes", "day", units=60)
    o = "ORDER BY s, _row"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE atw_dm AS
        WITH a AS (  -- the records of the workers with such a dienst, with the rest before each
            SELECT *, CAST(s - lag(e) OVER (PARTITION BY w {o}) AS INTEGER) AS gap_before FROM atw_r
            SEMI JOIN (SELECT DISTINCT w FROM atw_r WHERE NOT (new_before AND new_after)) USING (w)),
        m AS (
            SELECT *, sum(CAST(new_before AS BIGINT))
                          OVER (PARTITION BY w {o} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS dienst_no,
                   CASE WHEN new_before THEN CAST(NULL AS INTEGER) ELSE gap_before END AS inner_gap
            FROM a WHERE NOT (new_before AND new_after))
        SELECT w, first(emp {o}) AS emp, first(_row {o}) AS first_row,
               string_agg(CAST(_row AS VARCHAR), ', ' {o}) AS rows_txt, CAST(count(_row) AS INTEGER) AS n_records,
               min(s) AS s, max(e) AS e, first(off_s {o}) AS off_s, last(off_e {o}) AS off_e, first(day {o}) AS day,
               first(wk {o}) AS wk, CAST(sum(work) AS INTEGER) AS work, CAST(sum(night) AS INTEGER) AS night,
               CAST(sum(brk) + sum(CASE WHEN inner_gap >= {min_part} THEN inner_gap ELSE 0 END) AS INTEGER) AS pause,
               min(inner_gap) AS min_gap, last(gap_after {o}) AS rest_after,
               last(day {o}) AS last_day
        FROM m GROUP BY w, dienst_no""")
    con.execute(f"""CREATE OR REPLACE TEMP VIEW atw_d AS
        WITH d AS (
            SELECT w, emp, _row AS first_row, CAST(NULL AS VARCHAR) AS rows_txt,
                   CAST(1 AS INTEGER) AS n_records, s, e, off_s, off_e, day, wk, work, night, brk AS pause,
                   CAST(NULL AS INTEGER) AS min_gap, gap_after AS rest_after,
                   day AS last_day
            FROM atw_r WHERE new_before AND new_after
            UNION ALL
            SELECT w, emp, first_row, rows_txt, n_records, s, e, off_s, off_e, day, wk, work, night,
                   pause, min_gap, rest_after, last_day
            FROM atw_dm),
        d2 AS (SELECT *, s + CAST(off_s AS BIGINT) AS sl, e + CAST(off_e AS BIGINT) AS el FROM d)
        SELECT *, {_is_night(n)} AS is_night, {_is_late(n, 'el')} AS is_late FROM d2""")
    if DIENST_SELECTIONS:
        con.execute(f"CREATE OR REPLACE TEMP TABLE atw_dc AS SELECT * FROM atw_d "
                    f"WHERE {' OR '.join(f'({p(n)})' for p in DIENST_SELECTIONS)}")


def _week(ctx: AuditContext, n: Norms) -> None:
    """atw_wk and atw_wkr (see the module docstring). The rolling sums are computed only for the workers whose weeks
    can reach a rolling norm at all: a run of N weeks holds at most N × the worker's busiest week, and at most all its
    late night diensten."""
    w4 = n.constant(ARB, "avg_4_weeks_window_weeks")
    w16 = n.constant(ARB, "avg_16_weeks_window_weeks")
    wn16 = n.constant(NACHT, "avg_16_weeks_window_weeks")
    wl = n.constant("atw.nachtdienst_perioden", "late_night_window_weeks")
    busiest = min(n.bounds(ARB, "avg_4_weeks_max_hours", HOUR)[0], n.bounds(ARB, "avg_16_weeks_max_hours", HOUR)[0],
                  n.bounds(NACHT, "avg_16_weeks_max_hours", HOUR)[0])
    lates = n.bounds(NACHT, "max_late_night_shifts_per_16_weeks")[0]

    def roll(col: str, weeks: int) -> str:
        return (f"CAST(sum({col}) OVER (PARTITION BY w ORDER BY wk "
                f"RANGE BETWEEN {weeks - 1} PRECEDING AND CURRENT ROW) AS BIGINT)")

    sums = {"work4": ("work", w4), "work16": ("work", w16), "work_n16": ("work", wn16), "nights16": ("nights", wn16),
            "lates16": ("lates", wl)}
    rolled: dict[str, str] = {}
    for name, (col, weeks) in sums.items():  # the same sum over the same weeks once (16 weeks: work16 = work_n16)
        same = next((other for other, spec in sums.items() if spec == (col, weeks) and other in rolled), None)
        rolled[name] = same if same is not None else roll(col, weeks)
    # the window lengths are parameters; the rules read them back from the same files (rules.py)
    single = "new_before AND new_after"
    ctx.records.con.execute(f"""CREATE OR REPLACE TEMP TABLE atw_wk AS
        WITH u AS (
            SELECT w, CAST(wk AS BIGINT) AS wk, CAST(work1 AS BIGINT) AS work,
                   CASE WHEN {single} AND {_is_night(n)} THEN 1 ELSE 0 END AS nights,
                   CASE WHEN {single} AND {_is_night(n)} THEN CAST({_is_late(n, 'e + CAST(off_e AS BIGINT)')} AS BIGINT)
                        ELSE 0 END AS lates
            FROM atw_r
            UNION ALL
            SELECT w, CAST(wk + 1 AS BIGINT), CAST(work - work1 AS BIGINT), 0, 0 FROM atw_r WHERE work1 <> work
            UNION ALL
            SELECT w, CAST(wk AS BIGINT), 0, 1, CAST({_is_late(n, 'e + CAST(off_e AS BIGINT)')} AS BIGINT) FROM atw_dm
            WHERE {_is_night(n)})
        SELECT w, wk, CAST(sum(work) AS BIGINT) AS work, CAST(sum(nights) AS BIGINT) AS nights,
               CAST(sum(lates) AS BIGINT) AS lates
        FROM u GROUP BY w, wk""")
    ctx.records.con.execute(f"""CREATE OR REPLACE TEMP TABLE atw_wkr AS
        SELECT *, {', '.join(f'{e} AS {c}' for c, e in rolled.items())} FROM atw_wk
        SEMI JOIN (SELECT w FROM atw_wk GROUP BY w HAVING max(work) > {busiest} OR sum(lates) > {lates}) USING (w)""")


def _night_sequence(ctx: AuditContext, n: Norms) -> None:
    """atw_ns (see the module docstring), one sort of the diensten of the night workers. ``series_c`` numbers the
    series of consecutive diensten (art. 5:8 lid 5-7): a dienst continues the series of the previous one when it
    starts on the same or the next calendar day, or when the days between hold no dienst start only because the
    previous dienst is a night dienst that ends on them and the rest after it is shorter than rest_after_series_hours
    (a worker who works until the morning has no free day: the series does not end across a rest shorter than the
    series norm). ``run_n`` = diensten so far − night diensten so far is the same along an unbroken run of night
    diensten, so a night dienst directly follows the previous dienst within its series exactly when both are in the
    same (series_c, run_n) island. For the rules' pre-selection (rules.py): ``next_night``/``next_series`` of the next
    dienst, ``series_back`` the series of the dienst ``back`` places earlier (back = the smallest
    max_consecutive_shifts_with_night)."""
    order = "PARTITION BY w ORDER BY day, s"
    back = n.bounds(NACHT, "max_consecutive_shifts_with_night")[0]
    bridged = (f"prev_night AND {fdiv('prev_el', DAY)} >= day - 1 "
               f"AND prev_rest < {n.seconds(NACHT, 'rest_after_series_hours', 'day')}")
    ctx.records.con.execute(f"""CREATE OR REPLACE TEMP TABLE atw_ns AS
        WITH a AS (
            SELECT w, s, day, is_night, rest_after, lag(day) OVER ({order}) AS prev_day,
                   lag(is_night) OVER ({order}) AS prev_night, lag(rest_after) OVER ({order}) AS prev_rest,
                   lag(el) OVER ({order}) AS prev_el
            FROM atw_d SEMI JOIN (SELECT DISTINCT w FROM atw_wk WHERE nights > 0) USING (w)),
        b AS (
            SELECT w, s, day, is_night, rest_after,
                   sum(CAST(prev_day IS NULL OR (day - prev_day > 1 AND NOT coalesce({bridged}, FALSE)) AS BIGINT))
                       OVER ({order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS series_c,
                   row_number() OVER ({order})
                   - sum(CAST(is_night AS INTEGER))
                         OVER ({order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run_n
            FROM a)
        SELECT *, lead(is_night) OVER ({order}) AS next_night, lead(series_c) OVER ({order}) AS next_series,
               lag(series_c, {back}) OVER ({order}) AS series_back
        FROM b""")


# --- record keeping (atw.records_missing): payslips without shift records --------------------------------------

def _payslips(ctx: AuditContext, key: Callable[[str], str]) -> None:
    """atw_pj: the payslips with hours worked, with the hirer where the worker was placed (``responsible``: the hirer,
    else the employer), their keys and the period as local day numbers; atw_rm_cand / atw_rm_span: filled per
    bucket (the payslips without a shift record, and each employer's first and last shift day)."""
    con = ctx.records.con
    con.execute(f"""CREATE OR REPLACE TEMP TABLE atw_pj AS
        SELECT *, {key('worker_id')} AS pw, {key('employer_id')} AS pe, {key('responsible')} AS pr,
               CAST(period_start - DATE '1970-01-01' AS INTEGER) AS ps_day,
               CAST(period_end - DATE '1970-01-01' AS INTEGER) AS pe_day
        FROM (SELECT p.*, pl.inlener_id AS inlener, pl.placement_id,
                     coalesce(pl.inlener_id, p.employer_id) AS responsible
              FROM payslips p LEFT JOIN placements pl
                ON p.worker_id = pl.worker_id AND p.employer_id = pl.uitlener_id AND pl.start_date <= p.period_end
               AND (pl.end_date IS NULL OR pl.end_date >= p.period_start)
              WHERE p.hours_worked > 0)""")
    con.execute("CREATE OR REPLACE TEMP TABLE atw_rm_cand AS SELECT * FROM atw_pj WHERE FALSE")
    con.execute("CREATE OR REPLACE TEMP TABLE atw_rm_span (emp UBIGINT, d_from INTEGER, d_to BIGINT)")


def _payslip_coverage(ctx: AuditContext, in_bucket: Callable[[str], str]) -> None:
    """For the bucket's records (every record, overlapping ones too: they are records of work): each employer's
    span and the payslips of the bucket's workers without a shift record at the payslip's employer or the hirer
    (two anti-joins on equal keys: an OR in the join condition would compare every payslip with every shift)."""
    con = ctx.records.con
    recs = (f"(SELECT w, emp, day, e, off_e FROM atw_r "
            f"UNION ALL SELECT w, emp, day, e, off_e FROM atw_bad WHERE {in_bucket('w')})")
    end_day = fdiv("e + CAST(off_e AS BIGINT)", DAY)
    con.execute(f"INSERT INTO atw_rm_span SELECT emp, min(day), max({end_day}) FROM {recs} GROUP BY emp")

    def no_shift(col: str) -> str:
        return (f"ANTI JOIN {recs} t{col} ON t{col}.w = j.pw AND t{col}.emp = j.{col} AND t{col}.day <= j.pe_day "
                f"AND {fdiv(f't{col}.e + CAST(t{col}.off_e AS BIGINT)', DAY)} >= j.ps_day")

    con.execute(f"INSERT INTO atw_rm_cand SELECT j.* FROM atw_pj j {no_shift('pe')} {no_shift('pr')} "
                f"WHERE {in_bucket('j.pw')}")


def _buckets(ctx: AuditContext, key: Callable[[str], str],
             step: Callable[..., None]) -> Iterator[tuple[int, int, str]]:
    """The buckets of workers: (bucket, number of buckets, SQL source of the bucket's narrow records). One bucket:
    the shift table itself. Several: the narrow records are written once, partitioned by bucket, as Parquet files
    in DuckDB's temporary directory if it exists (else the system's), one pass over the shift table instead of one per
    bucket, and each bucket reads its own files; the files are removed afterwards."""
    con = ctx.records.con
    rows = con.execute("SELECT count(*) FROM shifts").fetchall()[0][0]
    buckets = 1 if rows <= ONE_BUCKET_ROWS else -(-rows // ROWS_PER_BUCKET)
    if buckets == 1:
        yield 0, 1, f"({_t0_sql(key)})"
        return
    spill = con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    tmp = tempfile.mkdtemp(prefix="eerlijkwerk-atw-", dir=spill if spill and os.path.isdir(spill) else None)
    try:
        part = os.path.join(tmp, "records")
        # (the day is not written: it is the start's wall-clock second // DAY again when read)
        step("partition", con.execute,
             f"COPY (SELECT * EXCLUDE (day), w % {buckets} AS bucket FROM ({_t0_sql(key)})) TO '{part}' "
             f"(FORMAT parquet, PARTITION_BY (bucket), COMPRESSION lz4_raw, DICTIONARY_SIZE_LIMIT 1)")
        for b in range(buckets):
            files = os.path.join(part, f"bucket={b}")
            if os.path.isdir(files):
                files = os.path.join(files, "*.parquet")
                yield b, buckets, (f"(SELECT *, CAST({fdiv('s + off_s', DAY)} AS INTEGER) AS day "
                                   f"FROM read_parquet('{files}', hive_partitioning = false))")
            else:  # no worker in this bucket (its payslips are still checked for record keeping)
                yield b, buckets, "(SELECT * FROM atw_bad WHERE FALSE)"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- evaluation ------------------------------------------------------------------------------------------------

def evaluate(ctx: AuditContext) -> dict[str, ir.Table]:
    """Evaluate every Atw rule (on the first call; see the module docstring) and return their results by name."""
    key = "atw.evaluated"
    if key not in ctx._cache:
        _evaluate(ctx)
        ctx._cache[key] = ctx._cache["atw.out." + next(iter(RULE_SQL))]
    return {name: ctx._cache["atw.out." + name] for name in RULE_SQL}


#: wall and CPU seconds of each step of the last evaluation (for the benchmark)
TIMINGS: dict[str, tuple[float, float]] = {}


def _days(ctx: AuditContext) -> tuple[int, int] | None:
    """The local days the norms are read for: those of the records, with a margin for the windows that reach before
    or after them (the longest window in weeks, and a week more on each side)."""
    lo, hi = ctx.records.con.execute("SELECT min(start_at_local), max(end_at_local) FROM shifts").fetchall()[0]
    if lo is None:
        return None
    n = Norms(ctx)
    weeks = max(n.constant(ARB, "avg_4_weeks_window_weeks"), n.constant(ARB, "avg_16_weeks_window_weeks"),
                n.constant(NACHT, "avg_16_weeks_window_weeks"),
                n.constant("atw.nachtdienst_perioden", "late_night_window_weeks"),
                n.constant("atw.nachtdienst_perioden", "extended_count_window_weeks"))
    margin = 7 * (weeks + 2)
    return (lo.date() - EPOCH).days - margin, (hi.date() - EPOCH).days + margin


def _evaluate(ctx: AuditContext) -> None:
    con = ctx.records.con
    n = Norms(ctx, _days(ctx))
    q = Sql(ctx, n)
    queries = {name: build(q) for name, (build, _) in RULE_SQL.items()}
    per_bucket = [name for name, (_, pb) in RULE_SQL.items() if pb]
    TIMINGS.clear()

    def step(label: str, fn: Callable[..., object], *args: object) -> None:
        t, c = time.perf_counter(), time.process_time()
        fn(*args)
        wall, cpu = TIMINGS.get(label, (0.0, 0.0))
        TIMINGS[label] = (wall + time.perf_counter() - t, cpu + time.process_time() - c)

    key = _key_sql(con)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE atw_w AS
        SELECT {key('worker_id')} AS w, worker_id, birth_date FROM workers""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE atw_e AS SELECT {key('employer_id')} AS emp, employer_id FROM employers")
    con.execute(f"CREATE OR REPLACE TEMP TABLE atw_bad AS SELECT * FROM ({_t0_sql(key)}) WHERE FALSE")
    _payslips(ctx, key)
    created: set[str] = set()
    for b, buckets, src in _buckets(ctx, key, step):
        def in_bucket(col: str, b: int = b, buckets: int = buckets) -> str:
            return "TRUE" if buckets == 1 else f"{col} % {buckets} = {b}"

        step("records", _records, ctx, n, src)
        step("payslip_coverage", _payslip_coverage, ctx, in_bucket)
        step("dienst", _dienst, ctx, n)
        step("week", _week, ctx, n)
        step("night_sequence", _night_sequence, ctx, n)
        for name in per_bucket:
            verb = (f'INSERT INTO "x_atw_out_{name}"' if name in created
                    else f'CREATE OR REPLACE TEMP TABLE "x_atw_out_{name}" AS')
            step(name, con.execute, f"{verb} {queries[name]}")
            created.add(name)
    step("overlaps", _reject_bad, ctx)
    for name in RULE_SQL:
        if name not in per_bucket:
            step(name, con.execute, f'CREATE OR REPLACE TEMP TABLE "x_atw_out_{name}" AS {queries[name]}')
    con.execute("DROP VIEW IF EXISTS atw_d")
    for t in ("atw_ns", "atw_wk", "atw_wkr", "atw_dc", "atw_dm", "atw_r", "atw_bad", "atw_pj", "atw_rm_cand",
              "atw_rm_span", "atw_w", "atw_e"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    for name in RULE_SQL:
        ctx._cache["atw.out." + name] = ctx.backend.table(f"x_atw_out_{name}")
