"""Rules of the Arbeidstijdenwet (Atw, BWBR0007671) for workers aged 18 and over, on shift records.

Each rule is one norm of the Atw, measured on the shared tables of base.py (records ``atw_r``, diensten ``atw_d`` and
``atw_dc``, calendar weeks ``atw_wk`` and ``atw_wkr``, the diensten of night workers ``atw_ns``) in integer seconds;
every number comes from the parameter files (parameters/*.yaml) for the local day it is measured on. A rule is a
DuckDB SQL query (a function of base.Sql returning a SELECT of the finding columns), evaluated per bucket of workers
(base.py). The engine's readings
where the law leaves room (docs/atw.md):

- a *dienst* is a run of records separated by rests shorter than shift_boundary_rest_hours (art. 1:7 lid 1 onder c);
- the 24-hour and 7 × 24-hour rest periods start at the start of each dienst (art. 5:3 lid 3, 5:5 lid 3: "het eerste
  tijdstip ... waarop de werknemer arbeid verricht");
- "week" is the calendar week of atw.week_definitie in force on its days (the fine policy's reading: Sunday 00:00 –
  Saturday 24:00 until 2019-09-03, Monday 00:00 – Sunday 24:00 from 2019-09-04; findings name the one used), and
  "elke periode van N aaneengesloten weken" is every run of N consecutive calendar weeks (rolling), evaluated for
  every run that ends in a week with work; overlapping runs that all exceed a norm are one finding;
- consecutive diensten (art. 5:8 lid 5-7) are diensten on consecutive calendar days (no day without a dienst start,
  except a day on which a night dienst ends that is followed by a rest shorter than rest_after_series_hours);
- after a night dienst of more than max_night_shift_hours and at most extended_night_shift_max_hours (the exception of
  art. 5:8 lid 3) the rest is the 12 h of lid 3 onder b, not the 14 h of lid 4 ("behoudens het derde lid");
- work of a worker for several employers counts together; a finding names the employer of the dienst (or of the last
  record of the window) at which the norm is exceeded;
- a norm is checked for a worker who is 18 or older (atw.volwassen_leeftijd) on the day it is measured on; younger
  workers are listed by ``atw.minor_not_covered``.

Findings carry hours as DECIMAL(10,2), rounded away from the norm (norms.hours); the comparison is exact in seconds.
A text the engine shows is built only for the rows that are findings.
"""

from __future__ import annotations

from eerlijkwerk.engine.rules import rule
from eerlijkwerk.law.atw.base import AGE, ARB, DIENST_SELECTIONS, NACHT, Sql, finding, rule_sql
from eerlijkwerk.law.atw.norms import (
    DAY,
    HOUR,
    Norms,
    birthday,
    cents_to_eur,
    date_text,
    day_to_date,
    fdiv,
    hm,
    hours,
    hours_literal,
    lit,
    wall_text,
)
from eerlijkwerk.params import Status

BWB = "BWBR0007671"
FINE = "atw.boete_normbedragen"
REST = "atw.dagelijkse_rust"
WEEKREST = "atw.wekelijkse_rust"
PAUZE = "atw.pauze"
WEEKDEF = "atw.week_definitie"
PERIODS = "atw.nachtdienst_perioden"
#: every norm the shared Atw tables read: each rule computes its findings' confidence per row from the norms it
#: applies on the finding's day (Norms.confidence), so the engine does not fold in the others
ATW_PARAMS = ("atw.arbeidstijd", REST, WEEKREST, "atw.nachtdienst", PERIODS, PAUZE, "atw.volwassen_leeftijd",
              WEEKDEF)
#: reason of atw.consecutive_shifts_with_night above the outer limit (art. 5:8 lid 7, an offence; fines.py)
ABOVE_LID_7 = "above the outer limit of art. 5:8 lid 7"


# --- shared pieces ---------------------------------------------------------------------------------------------

def _dienst_evidence() -> str:
    return ("CASE WHEN rows_txt IS NULL THEN 'shifts row ' || CAST(first_row AS VARCHAR) "
            "ELSE 'shifts rows ' || rows_txt END")


def _dienst_text() -> str:
    """'2025-03-03 08:00 – 2025-03-03 20:01 local' (+ how a dienst of several records arises)."""
    base = f"{wall_text('sl')} || ' – ' || {wall_text('el')} || ' local time'"
    multi = (f"{base} || ', ' || CAST(n_records AS VARCHAR) || ' records separated by rests shorter than the dienst "
             f"boundary (shortest ' || {hm('min_gap')} || '), one dienst under art. 1:7 lid 1 onder c Atw'")
    return f"CASE WHEN n_records > 1 THEN {multi} ELSE {base} END"


def _dienst_common() -> dict[str, str]:
    return dict(employer_id="employer_id", worker_id="worker_id", period_start=day_to_date("day"),
                period_end=day_to_date(fdiv("el", DAY)), evidence=_dienst_evidence())


def _episodes(t: str, at: str, gap: int | str) -> str:
    """Number rows of one worker into episodes: a row starts a new episode when it lies ``gap`` or more after the
    previous row (windows that overlap belong to one episode)."""
    prev = f"lag({at}) OVER (PARTITION BY w ORDER BY {at})"
    return f"""SELECT * EXCLUDE (_new), sum(_new) OVER (PARTITION BY w ORDER BY {at}
                                                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS episode
    FROM (SELECT *, CAST({prev} IS NULL OR ({at} - {prev}) >= {gap} AS BIGINT) AS _new FROM ({t}))"""


def _rests_within(anchors: str, rests: str, horizons: list[str], parts_min: str | None = None,
                  wall: bool = False) -> str:
    """For every anchor row (key ``aid``, worker ``w``, start ``a_s``) and every horizon column H (seconds; the
    largest last): ``longest_<H>`` = the longest uninterrupted rest inside [a_s, a_s + H) (``at_<H>``: where it
    starts, for the first horizon). ``rests``: w, r_at (start of the rest = end of a record or dienst),
    r_len (NULL = open: no later record), with ``wall`` also r_wall (r_at on the wall clock, ``at_wall_<H>``). With
    ``parts_min`` (a column), ``parts`` = the total of the rests of at least that length inside the largest horizon."""
    big = horizons[-1]
    aggs, filled = [], []
    for h in horizons:
        end = f"(a_s + {h})"
        clipped = f"(least(coalesce(r_at + r_len, {end}), {end}) - r_at)"
        inside = f"CASE WHEN r_at < {end} THEN {clipped} ELSE CAST(NULL AS BIGINT) END"
        aggs.append(f"max({inside}) AS longest_{h}")
        filled.append(f"longest_{h}")
        if h == horizons[0]:
            # the longest rest; of equally long ones the first
            aggs.append(f"first(r_at ORDER BY {inside} DESC, r_at) AS at_{h}")
            if wall:
                aggs.append(f"first(r_wall ORDER BY {inside} DESC, r_at) AS at_wall_{h}")
        if parts_min is not None and h == big:
            aggs.append(f"sum(CASE WHEN {clipped} >= {parts_min} THEN {clipped} ELSE 0 END) AS parts")
            filled.append("parts")
    agg_cols = [a.rsplit(" AS ", 1)[1] for a in aggs]
    out = ", ".join(f"coalesce(g.{c}, 0) AS {c}" if c in filled else f"g.{c}" for c in agg_cols)
    return f"""WITH a AS ({anchors}),
    j AS (SELECT a.*, r.* EXCLUDE (w) FROM a JOIN ({rests}) r
          ON a.w = r.w AND r.r_at >= a.a_s AND r.r_at < a.a_s + a.{big}),
    g AS (SELECT aid, {', '.join(aggs)} FROM j GROUP BY aid)
    SELECT a.*, {out} FROM a LEFT JOIN g ON a.aid = g.aid"""


def _window_records(v: str) -> str:
    """For week-window rows (key ``vid``, worker, weeks ``first_wk``..``last_wk``): the employer of the last record in
    the window and the records as evidence (a record counts if any of its work falls in the window)."""
    return f"""WITH v AS ({v}),
    g AS (SELECT v.vid, first(r.emp ORDER BY r.s DESC) AS w_employer,
                 array_to_string(list_sort(list(r._row)), ', ') AS w_rows, count(r._row) AS w_count
          FROM v JOIN atw_r r ON v.w = r.w AND r.wk <= v.last_wk AND r.wk >= v.first_wk - 1
          WHERE r.wk >= v.first_wk OR r.work1 <> r.work
          GROUP BY v.vid)
    SELECT v.*, g.w_employer, g.w_rows, g.w_count FROM v JOIN g ON v.vid = g.vid"""


def _week_window_rule(cond: str, weeks: int, value: str, extra: dict[str, str]) -> str:
    """Rows of atw_wkr where ``cond`` holds, as episodes of overlapping N-week windows: per episode the worst window
    (largest ``value``; of equal ones the first), its weeks, the number of windows, the records as evidence."""
    ext = "".join(f", {e} AS {k}" for k, e in extra.items())
    ext_worst = "".join(f", first({k} ORDER BY _value DESC, wk) AS {k}" for k in extra)
    v = f"SELECT *, {value} AS _value{ext} FROM atw_wkr WHERE {cond}"
    agg = f"""SELECT *, row_number() OVER (ORDER BY w, first_end) - 1 AS vid,
                     first_end - {weeks - 1} AS first_wk, last_end AS last_wk
    FROM (SELECT w, episode, min(wk) AS first_end, max(wk) AS last_end, count(wk) AS windows,
                 max(_value) AS worst, first(wk ORDER BY _value DESC, wk) AS worst_wk{ext_worst}
          FROM ({_episodes(v, 'wk', weeks)}) GROUP BY w, episode)"""
    return _window_records(agg)


def _week_dates(n: Norms, first: str, last: str) -> dict[str, str]:
    probe = f"({last}) * 7"  # any day of the last week, for the week definition in force
    start = n.week_first_day(first, probe)
    end = f"({n.week_first_day(f'{last} + 1', probe)} - 1)"
    return dict(period_start=day_to_date(start), period_end=day_to_date(end))


def _window_text(n: Norms, weeks: int) -> str:
    probe = "worst_wk * 7"
    ws = date_text(n.week_first_day(f"worst_wk - {weeks - 1}", probe))
    we = date_text(f"{n.week_first_day('worst_wk + 1', probe)} - 1")
    return f"{ws} || '..' || {we}"


def _week_day(n: Norms, wk: str = "wk") -> str:
    """The first day of week ``wk`` (the day its norms are read for)."""
    return n.week_first_day(wk, f"{wk} * 7")


# --- the diensten the dienst rules look at ---------------------------------------------------------------------
# Each predicate is its rule's selection of diensten; base.py copies the diensten that meet any of them to atw_dc
# (one pass over all diensten instead of one per rule), and each rule selects its own again from there.

def _long_dienst(n: Norms) -> str:  # atw.shift_too_long
    return f"NOT is_night AND work > {n.seconds(ARB, 'max_shift_hours', 'day')}"


def _daily_rest_open(n: Norms) -> str:  # atw.daily_rest
    """Not in order without a look at the rests: the rest after the dienst is too short (the period is in order when
    that rest is long enough, or open, and begins in time to fit in it — rests inside a dienst are shorter than the
    dienst boundary, so any other case is examined in full)."""
    r11 = n.seconds(REST, "daily_rest_hours", "day")
    return (f"NOT ((rest_after IS NULL OR rest_after >= {r11}) "
            f"AND ((e - s) <= {n.seconds(REST, 'per_hours', 'day')} - {r11}))")


def _break_required(n: Norms) -> str:  # atw.break
    return (f"CASE WHEN work > {n.seconds(PAUZE, 'threshold_2_hours', 'day')} "
            f"THEN {n.value(PAUZE, 'over_10_hours_minutes', 'day', units=60)} "
            f"WHEN work > {n.seconds(PAUZE, 'threshold_1_hours', 'day')} "
            f"THEN {n.value(PAUZE, 'over_5_5_hours_minutes', 'day', units=60)} ELSE 0 END")


def _long_night_dienst(n: Norms) -> str:  # atw.night_shift_too_long
    return f"is_night AND work > {n.seconds(NACHT, 'max_night_shift_hours', 'day')}"


def _late_night_short_rest(n: Norms) -> str:  # atw.rest_after_night_shift
    # lid 4 applies "behoudens het derde lid": not to a night dienst of more than 10 h and at most 12 h (lid 3 onder a;
    # its 12 h rest, lid 3 onder b, is checked by atw.night_shift_too_long); it does apply above 12 h (lid 3 cannot)
    return (f"is_late AND rest_after IS NOT NULL "
            f"AND NOT (work > {n.seconds(NACHT, 'max_night_shift_hours', 'day')} "
            f"AND work <= {n.seconds(NACHT, 'extended_night_shift_max_hours', 'day')}) "
            f"AND rest_after < {n.seconds(NACHT, 'rest_after_late_night_shift_hours', 'day')}")


DIENST_SELECTIONS.extend([_long_dienst, _daily_rest_open, lambda n: f"pause < {_break_required(n)}",
                          _long_night_dienst, _late_night_short_rest])


# --- 5:7 working time -------------------------------------------------------------------------------------------

@rule(id="atw.shift_too_long", statute="Atw", article="5:7 lid 2 onder a", bwb=BWB, row_confidence=ATW_PARAMS, status=Status.IN_FORCE,
      fine_policy=FINE, title="More than {p:atw.arbeidstijd/max_shift_hours} hours of work in one dienst",
      explanation=("Worked {hours} h in one dienst ({detail}); a worker of 18 or older may work at most {threshold} h "
                   "per dienst."))
@rule_sql()
def shift_too_long(q: Sql) -> str:
    """Work in a dienst (records joined by rests shorter than shift_boundary_rest_hours) above max_shift_hours.
    Night diensten have their own limit (art. 5:8 lid 1, "in afwijking van artikel 5:7, tweede lid, onderdeel a"):
    atw.night_shift_too_long. ``amount`` = the shortest rest inside a dienst of several records (the fine policy
    puts such a working-time breach in the fine report only if that rest is under 6 h)."""
    n = q.n
    mx = n.seconds(ARB, "max_shift_hours", "day")
    v = q.adult(f"SELECT * FROM atw_dc WHERE {_long_dienst(n)}")
    return finding(dict(**_dienst_common(), hours=hours("work", up=True), threshold=hours_literal(mx),
                        amount=f"CASE WHEN min_gap IS NULL THEN NULL ELSE {hours('min_gap', up=False)} END",
                        reason="CASE WHEN n_records > 1 THEN 'continuous_dienst' ELSE 'single_record' END",
                        detail=_dienst_text(), confidence=n.confidence([ARB, AGE], "day")),
                   f"FROM {q.employer(v)}")


@rule(id="atw.week_too_long", statute="Atw", article="5:7 lid 2 onder b", bwb=BWB, row_confidence=ATW_PARAMS, status=Status.IN_FORCE,
      fine_policy=FINE, title="More than {p:atw.arbeidstijd/max_week_hours} hours of work in a week",
      explanation=("Worked {hours} h in the week {period_start}..{period_end}; at most {threshold} h per week. {detail}"))
@rule_sql()
def week_too_long(q: Sql) -> str:
    """Work in a calendar week (atw.week_definitie in force on its days: Sunday–Saturday until 2019-09-03, Monday–Sunday
    from 2019-09-04) above max_week_hours. A record that crosses into the next week counts there with the share of its
    work after the week's end (base.py). The detail names the week definition used."""
    n = q.n
    v = f"""SELECT *, row_number() OVER (ORDER BY w, wk) - 1 AS vid, wk AS first_wk, wk AS last_wk,
                   {_week_day(n)} AS day
            FROM atw_wk WHERE work > {n.seconds(ARB, 'max_week_hours', _week_day(n))}"""
    mx = n.seconds(ARB, "max_week_hours", "day")
    return finding(dict(employer_id="employer_id", worker_id="worker_id", **_week_dates(n, "first_wk", "last_wk"),
                        hours=hours("work", up=True), threshold=hours_literal(mx),
                        evidence="'shifts rows ' || w_rows",
                        detail=(f"CAST(w_count AS VARCHAR) || ' records; work ' || {hm('work')} || '. Week used: ' "
                                f"|| {n.week_label('wk')} || '.'"),
                        confidence=n.confidence([ARB, WEEKDEF, AGE], "day")),
                   f"FROM {q.employer(q.adult(_window_records(v)), 'w_employer')}")


def _average_rule(q: Sql, *, column: str, window_pid: str, window_field: str, max_pid: str, max_field: str,
                  night: bool | None) -> str:
    """Episodes of runs of N calendar weeks (N = ``window_field``) whose total work (``column`` of atw_wk, summed
    over that N) exceeds N × ``max_field``. ``night``: True = only runs with at least the night-shift trigger, False =
    only runs below it (art. 5:8 lid 2 replaces 5:7 lid 2 onder c there), None = all runs."""
    n = q.n
    weeks = n.constant(window_pid, window_field)
    day = _week_day(n)
    cond = f"{column} > {n.seconds(max_pid, max_field, day)} * {weeks}"
    if night is not None:
        trigger = n.value(NACHT, "avg_16_weeks_trigger_night_shifts", day)
        cond += f" AND nights16 {'>=' if night else '<'} {trigger}"
    v = _week_window_rule(cond, weeks, column, {"nights_at_worst": "nights16"})
    v = q.adult(f"SELECT *, {n.week_first_day(f'worst_wk - {weeks - 1}', 'worst_wk * 7')} AS day FROM ({v})")
    avg_h = f"CAST({cents_to_eur(fdiv(f'worst * 100 + {weeks * HOUR} - 1', weeks * HOUR))} AS DECIMAL(10, 2))"
    nights = ("|| '; ' || CAST(nights_at_worst AS VARCHAR) || ' night diensten in that period'"
              if night is not None else "")
    detail = (f"CAST(windows AS VARCHAR) || ' period(s) of {weeks} consecutive weeks exceed the average; "
              f"highest: weeks ' || {_window_text(n, weeks)} || ', ' || {hm('worst')} || ' h of work in total' "
              f"{nights} || '. Weeks used: ' || {n.weeks_label(f'worst_wk - {weeks - 1}', 'worst_wk')}")
    return finding(dict(employer_id="employer_id", worker_id="worker_id", **_week_dates(n, "first_wk", "last_wk"),
                        hours=avg_h, threshold=hours_literal(n.seconds(max_pid, max_field, "day")),
                        amount=hours("worst", up=True), evidence="'shifts rows ' || w_rows", detail=detail,
                        confidence=n.confidence([window_pid, max_pid, WEEKDEF, AGE, NACHT], "day")),
                   f"FROM {q.employer(v, 'w_employer')}")


@rule(id="atw.average_16_weeks", statute="Atw", article="5:7 lid 2 onder c", bwb=BWB, row_confidence=ATW_PARAMS, status=Status.IN_FORCE,
      fine_policy=FINE, title=("More than {p:atw.arbeidstijd/avg_16_weeks_max_hours} hours a week on average over "
             "{p:atw.arbeidstijd/avg_16_weeks_window_weeks} weeks"),
      explanation=("On average {hours} h a week over 16 consecutive weeks ({detail}); at most {threshold} h a week "
                   "on average in every period of 16 consecutive weeks."))
@rule_sql()
def average_16_weeks(q: Sql) -> str:
    """Average weekly work over every run of avg_16_weeks_window_weeks calendar weeks above avg_16_weeks_max_hours,
    where the worker did fewer than avg_16_weeks_trigger_night_shifts night diensten in that run (otherwise art. 5:8
    lid 2 sets the lower average: atw.night_average_16_weeks)."""
    return _average_rule(q, column="work16", window_pid=ARB, window_field="avg_16_weeks_window_weeks", max_pid=ARB,
                         max_field="avg_16_weeks_max_hours", night=False)


@rule(id="atw.average_4_weeks", statute="Atw", article="5:7 lid 3", bwb=BWB, row_confidence=ATW_PARAMS, status=Status.IN_FORCE,
      fine_policy=FINE, title=("More than {p:atw.arbeidstijd/avg_4_weeks_max_hours} hours a week on average over "
             "{p:atw.arbeidstijd/avg_4_weeks_window_weeks} weeks"),
      explanation=("On average {hours} h a week over 4 consecutive weeks ({detail}); at most {threshold} h a week on "
                   "average in every period of 4 consecutive weeks, unless a collective agreement sets another limit "
                   "(art. 5:7 lid 4)."))
@rule_sql()
def average_4_weeks(q: Sql) -> str:
    """Average weekly work over every run of avg_4_weeks_window_weeks calendar weeks above avg_4_weeks_max_hours.
    Not an offence under art. 10:1 Atw (atw.beboetbare_bepalingen): reported, not fined."""
    return _average_rule(q, column="work4", window_pid=ARB, window_field="avg_4_weeks_window_weeks", max_pid=ARB,
                         max_field="avg_4_weeks_max_hours", night=None)


# --- 5:3 and 5:5 rest -------------------------------------------------------------------------------------------

@rule(id="atw.daily_rest", statute="Atw", article="5:3 lid 2", bwb=BWB, row_confidence=ATW_PARAMS, status=Status.IN_FORCE, fine_policy=FINE,
      title=("Less than {p:atw.dagelijkse_rust/daily_rest_hours} hours of uninterrupted rest in "
             "{p:atw.dagelijkse_rust/per_hours} hours"),
      explanation=("In the 24 h from the start of the dienst of {period_start} ({detail}) the longest uninterrupted "
                   "rest was {hours} h; the norm is {threshold} h."))
@rule_sql()
def daily_rest(q: Sql) -> str:
    """In the per_hours period from the start of each dienst, an uninterrupted rest of daily_rest_hours; once in
    every shortened_once_per_hours it may be shortened to shortened_hours (if the work requires it — which the
    records cannot show, so a single shortening is not reported). The rest of a period is its longest uninterrupted
    rest (clipped to the period); a period whose longest rest is at least daily_rest_hours meets the norm, whatever
    shorter rests it also holds, and is no shortening. Findings, one per distinct rest: no rest of shortened_hours in
    the period (reason rest_below_minimum), or a shortened rest (shortened_hours to < daily_rest_hours) that begins
    less than shortened_once_per_hours after the start of an earlier shortened rest (reason second_shortening)."""
    n = q.n
    # pre-selection without a sort (_daily_rest_open); a younger worker's periods fall under other norms
    c = q.adult(f"SELECT * FROM atw_dc WHERE {_daily_rest_open(n)}")
    anchors = (f"SELECT *, row_number() OVER (ORDER BY w, s) - 1 AS aid, s AS a_s, "
               f"{n.seconds(REST, 'per_hours', 'day')} AS h24 FROM {c}")
    rests = ("SELECT w, e AS r_at, CAST(gap_after AS BIGINT) AS r_len, e + CAST(off_e AS BIGINT) AS r_wall "
             "FROM atw_r SEMI JOIN (SELECT DISTINCT w FROM a) USING (w)")
    short = n.seconds(REST, "shortened_hours", "day")
    r11 = n.seconds(REST, "daily_rest_hours", "day")
    # a period whose longest rest is at least daily_rest_hours meets the norm (art. 5:3 lid 2): it is neither a
    # finding nor a shortening; only the others are 'below' (under shortened_hours) or 'shortened' (8 to < 11 h).
    # One finding per rest: periods whose longest rest is the same rest are one event
    c = f"""SELECT * FROM (
        SELECT *, row_number() OVER (PARTITION BY w, status, at_h24 ORDER BY s) - 1 AS _first
        FROM (SELECT *, CASE WHEN longest_h24 < {short} THEN 'below' ELSE 'shortened' END AS status
              FROM ({_rests_within(anchors, rests, ['h24'], wall=True)})
              WHERE longest_h24 < {r11}))
        WHERE _first = 0"""
    v = f"""WITH c AS ({c})
        SELECT *, CAST(NULL AS BIGINT) AS prev_at, CAST(NULL AS BIGINT) AS prev_sl FROM c WHERE status = 'below'
        UNION ALL BY NAME
        SELECT * FROM (
            SELECT *, lag(at_h24) OVER win AS prev_at, lag(at_wall_h24) OVER win AS prev_sl
            FROM c WHERE status = 'shortened' WINDOW win AS (PARTITION BY w ORDER BY at_h24))
        WHERE prev_at IS NOT NULL
          AND (at_h24 - prev_at) < {n.seconds(REST, 'shortened_once_per_hours', 'day')}"""
    dtext = f"'dienst ' || {_dienst_text()} || '; longest rest from ' || {wall_text('at_wall_h24')}"
    detail = (f"CASE WHEN status = 'below' THEN {dtext} || ', not even the shortened rest of ' || {hm(short)} || ' h' "
              f"ELSE {dtext} || '; a rest was already shortened from ' || {wall_text('prev_sl')} || ' local time, and "
              f"it may be shortened to ' || {hm(short)} || ' h only once in every 7 × 24 h' END")
    return finding(dict(**_dienst_common(), hours=hours("longest_h24", up=False),
                        threshold=hours_literal(f"CASE WHEN status = 'below' THEN {short} ELSE {r11} END"),
                        reason="CASE WHEN status = 'below' THEN 'rest_below_minimum' ELSE 'second_shortening' END",
                        detail=detail, confidence=n.confidence([REST, ARB, AGE], "day")),
                   f"FROM {q.employer(v)}")


@rule(id="atw.weekly_rest", statute="Atw", article="5:5 lid 2", bwb=BWB, row_confidence=ATW_PARAMS, status=Status.IN_FORCE, fine_policy=FINE,
      title=("No weekly rest of {p:atw.wekelijkse_rust/weekly_rest_hours} hours (or "
             "{p:atw.wekelijkse_rust/alt_rest_hours} hours per {p:atw.wekelijkse_rust/alt_per_hours} hours)"),
      explanation=("No uninterrupted rest of {threshold} h in the {p:atw.wekelijkse_rust/per_hours} h from the start of a dienst, and less than "
                   "{p:atw.wekelijkse_rust/alt_rest_hours} h of rest in parts of at least {p:atw.wekelijkse_rust/alt_min_part_hours} h in the "
                   "{p:atw.wekelijkse_rust/alt_per_hours} h from it ({detail}). Longest rest in {p:atw.wekelijkse_rust/per_hours} h: {hours} h; "
                   "in {p:atw.wekelijkse_rust/alt_per_hours} h: {amount} h."))
@rule_sql()
def weekly_rest(q: Sql) -> str:
    """From the start of each dienst: an uninterrupted rest of weekly_rest_hours within per_hours, or (the
    alternative, art. 5:5 lid 2 onder b) alt_rest_hours in parts of at least alt_min_part_hours within
    alt_per_hours. A finding when neither holds; overlapping periods that fail are one finding (hours = the worst
    7 × 24 h rest, amount = the shortest longest-rest in 14 × 24 h, which the fine policy compares with 32 h)."""
    n = q.n
    # pre-selection: a dienst start is in order when a rest of weekly_rest_hours (a record's rest after it, or the
    # open rest after the last record) begins in time to fit in its period, i.e. at most per_hours − weekly_rest_hours
    # after it; only the other starts are examined in full below. A rest that long follows the last record of a
    # dienst, and a dienst starts with a record that has new_before. Without a sort: the rests are keyed by worker
    # and a time bucket as wide as that margin (at most), so a start meets its candidates in its own bucket or the
    # next (an anti-join on equal keys).
    r36 = n.seconds(WEEKREST, "weekly_rest_hours", "day")
    width = max(1, n.bounds(WEEKREST, "per_hours", HOUR)[1] - n.bounds(WEEKREST, "weekly_rest_hours", HOUR)[0])
    seq = f"""WITH big AS (
            SELECT w, e, {fdiv('e', width)} AS k FROM atw_r WHERE gap_after IS NULL OR gap_after >= {r36}),
        bk AS (SELECT w, e, k FROM big UNION ALL SELECT w, e, k - 1 FROM big)
        SELECT w AS k_w, s AS k_s FROM (
            SELECT w, s, {fdiv('s', width)} AS k, {n.seconds(WEEKREST, 'per_hours', 'day')} - {r36} AS margin
            FROM atw_r WHERE new_before) st
        ANTI JOIN bk ON bk.w = st.w AND bk.k = st.k AND bk.e >= st.s AND bk.e - st.s <= st.margin
        WHERE margin IS NOT NULL"""
    anchors = f"""SELECT d.*, row_number() OVER (ORDER BY d.w, d.s) - 1 AS aid, d.s AS a_s,
                         {n.seconds(WEEKREST, 'per_hours', 'd.day')} AS h7,
                         {n.seconds(WEEKREST, 'alt_per_hours', 'd.day')} AS h14,
                         {n.seconds(WEEKREST, 'alt_min_part_hours', 'd.day')} AS mp
        FROM atw_d d JOIN ({seq}) k ON d.w = k.k_w AND d.s = k.k_s"""
    rests = "SELECT w, e AS r_at, rest_after AS r_len FROM atw_d SEMI JOIN (SELECT DISTINCT w FROM a) USING (w)"
    c = _rests_within(anchors, rests, ["h7", "h14"], parts_min="mp")
    v = q.adult(f"SELECT * FROM ({c}) WHERE parts < {n.seconds(WEEKREST, 'alt_rest_hours', 'day')}")
    v = _episodes(v, "s", n.constant(WEEKREST, "per_hours", units=HOUR))
    ev = "CASE WHEN rows_txt IS NULL THEN CAST(first_row AS VARCHAR) ELSE rows_txt END"
    agg = f"""SELECT w, worker_id, episode, first(emp ORDER BY s) AS emp, min(s) AS first_s,
                     first(sl ORDER BY s) AS first_sl, last(sl ORDER BY s) AS last_sl, min(day) AS day,
                     max(day) AS last_day, count(s) AS anchors, min(longest_h7) AS worst7,
                     min(longest_h14) AS worst14, min(parts) AS parts, string_agg({ev}, ', ' ORDER BY s) AS rows,
                     max(h7) AS h7
        FROM ({v}) GROUP BY w, worker_id, episode"""
    detail = (f"CAST(anchors AS VARCHAR) || ' dienst start(s) from ' || {wall_text('first_sl')} || ' to ' || "
              f"{wall_text('last_sl')} || ' local time; least rest in parts of at least 32 h within 14 × 24 h: ' || "
              f"{hm('parts')}")
    return finding(dict(employer_id="employer_id", worker_id="worker_id", period_start=day_to_date("day"),
                        period_end=day_to_date(f"last_day + {fdiv('h7', DAY)} - 1"),
                        hours=hours("worst7", up=False),
                        threshold=hours_literal(n.seconds(WEEKREST, "weekly_rest_hours", "day")),
                        amount=hours("worst14", up=False), evidence="'shifts rows ' || rows", detail=detail,
                        confidence=n.confidence([WEEKREST, ARB, AGE], "day")),
                   f"FROM {q.employer(agg)}")


# --- 5:4 breaks -------------------------------------------------------------------------------------------------

@rule(id="atw.break", statute="Atw", article="5:4 lid 2", bwb=BWB, row_confidence=ATW_PARAMS, status=Status.IN_FORCE, fine_policy=FINE,
      title="Break too short for the hours worked",
      explanation=("Worked {hours} h in the dienst of {period_start} ({detail}) with {amount} h of break; more than "
                   "{p:atw.pauze/threshold_1_hours} h of work needs a break of at least {p:atw.pauze/over_5_5_hours_minutes} minutes, "
                   "more than {p:atw.pauze/threshold_2_hours} h at least {p:atw.pauze/over_10_hours_minutes} minutes: here "
                   "{threshold} h."))
@rule_sql()
def break_too_short(q: Sql) -> str:
    """Breaks in a dienst (recorded break minutes plus gaps of at least min_part_minutes between its records) below
    over_5_5_hours_minutes where work exceeds threshold_1_hours, or below over_10_hours_minutes where it exceeds
    threshold_2_hours (both strictly "meer dan"). Not an offence under art. 10:1 Atw: reported, not fined."""
    n = q.n
    v = q.adult(f"SELECT * FROM (SELECT *, {_break_required(n)} AS req FROM atw_dc) WHERE pause < req")
    return finding(dict(**_dienst_common(), hours=hours("work", up=True), threshold=hours_literal("req"),
                        amount=hours("pause", up=False), detail=_dienst_text(),
                        confidence=n.confidence([PAUZE, AGE], "day")),
                   f"FROM {q.employer(v)}")


# --- 5:8 night work ---------------------------------------------------------------------------------------------

@rule(id="atw.night_shift_too_long", statute="Atw", article="5:8 lid 1 en 3", bwb=BWB, row_confidence=ATW_PARAMS, status=Status.IN_FORCE,
      fine_policy=FINE, title=("Night dienst longer than {p:atw.nachtdienst/max_night_shift_hours} hours (the "
             "{p:atw.nachtdienst/extended_night_shift_max_hours}-hour exception not met)"),
      explanation=("Worked {hours} h in a night dienst ({detail}); at most {threshold} h per night dienst, up to "
                   "{p:atw.nachtdienst/extended_night_shift_max_hours} h only at most {p:atw.nachtdienst/extended_max_times_per_hours} times in "
                   "{p:atw.nachtdienst/extended_window_hours} h and {p:atw.nachtdienst/extended_max_times_per_52_weeks} times in 52 weeks, each "
                   "followed by {p:atw.nachtdienst/extended_rest_after_hours} h of rest "
                   "({reason})."))
@rule_sql()
def night_shift_too_long(q: Sql) -> str:
    """A night dienst (more than night_shift_more_than_hours_in_window of work between 00:00 and 06:00) with more
    than max_night_shift_hours of work, unless the exception of lid 3 applies: at most
    extended_night_shift_max_hours, at most extended_max_times_per_hours times in every extended_window_hours and
    extended_max_times_per_52_weeks times in every 52 consecutive weeks (counted up to and including this dienst),
    and an uninterrupted rest of extended_rest_after_hours after it. reason lists what fails; ``amount`` as in
    atw.shift_too_long (the shortest rest inside a dienst of several records)."""
    n = q.n
    mx = n.seconds(NACHT, "max_night_shift_hours", "day")
    e = f"""SELECT *, work <= {n.seconds(NACHT, 'extended_night_shift_max_hours', 'day')} AS extended
        FROM atw_dc WHERE {_long_night_dienst(n)}"""
    win = n.constant(NACHT, "extended_window_hours", units=HOUR)
    weeks52 = n.constant(PERIODS, "extended_count_window_weeks")
    counted = f"""SELECT *, c_all - coalesce(c_before, 0) AS k52 FROM (
        SELECT *, count(s) OVER (PARTITION BY w ORDER BY s RANGE BETWEEN {win - 1} PRECEDING AND CURRENT ROW)
                      AS k14,
                  count(s) OVER (PARTITION BY w ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                      AS c_all,
                  count(s) OVER (PARTITION BY w ORDER BY wk
                                 RANGE BETWEEN UNBOUNDED PRECEDING AND {weeks52} PRECEDING) AS c_before
        FROM e WHERE extended)"""
    max14 = n.value(NACHT, "extended_max_times_per_hours", "day")
    max52 = n.value(NACHT, "extended_max_times_per_52_weeks", "day")
    rest12 = n.seconds(NACHT, "extended_rest_after_hours", "day")
    reasons = f"""SELECT * EXCLUDE (k14, c_all, c_before, k52) FROM (
        SELECT *,
               CASE WHEN k14 > {max14} THEN 'used more than ' || CAST({max14} AS VARCHAR)
                    || ' times in 14 × 24 h (this is number ' || CAST(k14 AS VARCHAR) || ')'
                    ELSE CAST(NULL AS VARCHAR) END AS r14,
               CASE WHEN k52 > {max52} THEN 'used more than ' || CAST({max52} AS VARCHAR)
                    || ' times in {weeks52} weeks (number ' || CAST(k52 AS VARCHAR) || '; '
                    || {n.week_label('wk')} || ')'
                    ELSE CAST(NULL AS VARCHAR) END AS r52,
               CASE WHEN rest_after IS NOT NULL AND rest_after < {rest12}
                    THEN 'rest after it only ' || {hm('rest_after')} || ' h' ELSE CAST(NULL AS VARCHAR) END AS rrest
        FROM ({counted}))
        WHERE r14 IS NOT NULL OR r52 IS NOT NULL OR rrest IS NOT NULL"""
    joined = "coalesce('; ' || r14, '') || coalesce('; ' || r52, '') || coalesce('; ' || rrest, '')"
    v = f"""WITH e AS ({e})
        SELECT * EXCLUDE (r14, r52, rrest), '12-hour exception not met: ' || substring({joined}, 3) AS reason
        FROM ({reasons})
        UNION ALL BY NAME
        SELECT *, 'more than 12 h: the exception cannot apply' AS reason FROM e WHERE NOT extended"""
    return finding(dict(**_dienst_common(), hours=hours("work", up=True), threshold=hours_literal(mx), reason="reason",
                        amount=f"CASE WHEN min_gap IS NULL THEN NULL ELSE {hours('min_gap', up=False)} END",
                        detail=(f"{_dienst_text()} || '; at least ' || {hm('night')} "
                                f"|| ' h of work between 00:00 and 06:00'"),
                        confidence=n.confidence([NACHT, PERIODS, AGE], "day")),
                   f"FROM {q.employer(q.adult(v))}")


@rule(id="atw.night_average_16_weeks", statute="Atw", article="5:8 lid 2", bwb=BWB, row_confidence=ATW_PARAMS, status=Status.IN_FORCE,
      fine_policy=FINE, title=("More than {p:atw.nachtdienst/avg_16_weeks_max_hours} hours a week on average over "
             "{p:atw.nachtdienst/avg_16_weeks_window_weeks} weeks with {p:atw.nachtdienst/avg_16_weeks_trigger_night_shifts} or more night diensten"),
      explanation=("On average {hours} h a week over 16 consecutive weeks in which the worker did 16 or more night "
                   "diensten ({detail}); at most {threshold} h a week on average."))
@rule_sql()
def night_average_16_weeks(q: Sql) -> str:
    """In every run of avg_16_weeks_window_weeks calendar weeks with at least avg_16_weeks_trigger_night_shifts
    night diensten, average weekly work above avg_16_weeks_max_hours of atw.nachtdienst (art. 5:8 lid 2, replacing
    the 48-hour average of art. 5:7 lid 2 onder c)."""
    return _average_rule(q, column="work_n16", window_pid=NACHT, window_field="avg_16_weeks_window_weeks",
                         max_pid=NACHT, max_field="avg_16_weeks_max_hours", night=True)


@rule(id="atw.late_night_shifts", statute="Atw", article="5:8 lid 8", bwb=BWB, row_confidence=ATW_PARAMS, status=Status.IN_FORCE,
      fine_policy=FINE, title=("More than {p:atw.nachtdienst/max_late_night_shifts_per_16_weeks} night diensten ending after "
             "{p:atw.nachtdienst/late_end_after} in {p:atw.nachtdienst_perioden/late_night_window_weeks} weeks"),
      explanation=("{amount} night diensten ending after 02:00 in 16 consecutive weeks ({detail}); at most "
                   "{threshold} unless a collective agreement deviates within the limits of art. 5:8 lid 9."))
@rule_sql()
def late_night_shifts(q: Sql) -> str:
    """Night diensten ending after late_end_after, counted per run of late_night_window_weeks calendar weeks, above
    max_late_night_shifts_per_16_weeks. Not an offence under art. 10:1 (the outer limits of lid 9 are; not encoded:
    they need the collective agreement's choice): reported, not fined."""
    n = q.n
    weeks = n.constant(PERIODS, "late_night_window_weeks")
    cond = f"lates16 > {n.value(NACHT, 'max_late_night_shifts_per_16_weeks', _week_day(n))}"
    v = _week_window_rule(cond, weeks, "lates16", {})
    v = q.adult(f"SELECT *, {n.week_first_day(f'worst_wk - {weeks - 1}', 'worst_wk * 7')} AS day FROM ({v})")
    detail = (f"CAST(windows AS VARCHAR) || ' period(s) of {weeks} consecutive weeks exceed it; highest: weeks ' || "
              f"{_window_text(n, weeks)} || '. Weeks used: ' || {n.weeks_label(f'worst_wk - {weeks - 1}', 'worst_wk')}")
    return finding(dict(employer_id="employer_id", worker_id="worker_id", **_week_dates(n, "first_wk", "last_wk"),
                        amount="worst", threshold=n.value(NACHT, "max_late_night_shifts_per_16_weeks", "day"),
                        evidence="'shifts rows ' || w_rows", detail=detail,
                        confidence=n.confidence([NACHT, PERIODS, WEEKDEF, AGE], "day")),
                   f"FROM {q.employer(v, 'w_employer')}")


@rule(id="atw.rest_after_night_shift", statute="Atw", article="5:8 lid 4", bwb=BWB, row_confidence=ATW_PARAMS, status=Status.IN_FORCE,
      fine_policy=FINE, title=("Less than {p:atw.nachtdienst/rest_after_late_night_shift_hours} hours of rest after a night dienst "
             "ending after {p:atw.nachtdienst/late_end_after}"),
      explanation=("Rest after the night dienst of {period_start} ({detail}) was {hours} h; at least {threshold} h "
                   "({reason})."))
@rule_sql()
def rest_after_night_shift(q: Sql) -> str:
    """After a night dienst ending after late_end_after, an uninterrupted rest of rest_after_late_night_shift_hours,
    "behoudens het derde lid": not after a night dienst of more than max_night_shift_hours and at most
    extended_night_shift_max_hours, which can only be worked under lid 3, whose rest of extended_rest_after_hours (lid
    3 onder b) replaces it (atw.night_shift_too_long checks it); after a night dienst of more than
    extended_night_shift_max_hours lid 3 cannot apply and this rest is required (docs/atw.md). Once in every
    rest_shortened_once_per_hours it may be rest_after_late_night_shift_shortened_hours (a single shortening is not
    reported: the condition cannot be seen in the records)."""
    n = q.n
    req = n.seconds(NACHT, "rest_after_late_night_shift_hours", "day")
    short = n.seconds(NACHT, "rest_after_late_night_shift_shortened_hours", "day")
    c = q.adult(f"""SELECT *, CASE WHEN rest_after < {short} THEN 'below' ELSE 'shortened' END AS status FROM atw_dc
        WHERE {_late_night_short_rest(n)}""")
    v = f"""WITH c AS {c}
        SELECT *, CAST(NULL AS BIGINT) AS prev_short_el FROM c WHERE status = 'below'
        UNION ALL BY NAME
        SELECT * EXCLUDE (prev_short) FROM (
            SELECT *, lag(e) OVER win AS prev_short, lag(el) OVER win AS prev_short_el
            FROM c WHERE status = 'shortened' WINDOW win AS (PARTITION BY w ORDER BY s))
        WHERE prev_short IS NOT NULL
          AND (e - prev_short) < {n.seconds(NACHT, 'rest_shortened_once_per_hours', 'day')}"""
    reason = (f"CASE WHEN status = 'below' THEN 'rest below the shortened minimum' ELSE 'second shortening within "
              f"7 × 24 h; the previous one after the night dienst ending ' || {wall_text('prev_short_el')} END")
    return finding(dict(**_dienst_common(), hours=hours("rest_after", up=False),
                        threshold=hours_literal(f"CASE WHEN status = 'below' THEN {short} ELSE {req} END"),
                        reason=reason, detail=_dienst_text(), confidence=n.confidence([NACHT, AGE], "day")),
                   f"FROM {q.employer(v)}")


def _series(keys: list[str], where: str, candidates: str, aggs: str, keep: str) -> str:
    """Runs of diensten in atw_ns (identified by ``keys``, over the rows of ``where``), aggregated (``aggs``), kept
    where ``keep`` holds, with the records as evidence. Only the runs with a row that meets ``candidates`` (a
    necessary condition of ``keep``, cheap to test row by row) are aggregated."""
    k = ", ".join(keys)
    ev = "CASE WHEN rows_txt IS NULL THEN CAST(first_row AS VARCHAR) ELSE rows_txt END"
    return f"""WITH c AS (
            SELECT ns.*, d.emp, d.first_row, d.rows_txt, d.sl, d.el
            FROM atw_ns ns SEMI JOIN (SELECT DISTINCT w, {k} FROM atw_ns WHERE {where} AND {candidates})
                USING (w, {k})
            JOIN atw_d d ON d.w = ns.w AND d.s = ns.s
            WHERE {where.replace('is_night', 'ns.is_night')}),
        g AS (
            SELECT w, {k}, last(emp ORDER BY s) AS emp, count(s) AS n_d, min(day) AS day, min(sl) AS first_sl,
                   last(el ORDER BY s) AS el, string_agg({ev}, ', ' ORDER BY s) AS rows, {aggs}
            FROM c GROUP BY w, {k})
        SELECT * FROM g WHERE {keep}"""


@rule(id="atw.rest_after_night_series", statute="Atw", article="5:8 lid 5", bwb=BWB, row_confidence=ATW_PARAMS, status=Status.IN_FORCE,
      fine_policy=FINE, title=("Less than {p:atw.nachtdienst/rest_after_series_hours} hours of rest after "
             "{p:atw.nachtdienst/series_min_night_shifts} or more consecutive night diensten"),
      explanation=("After {amount} consecutive night diensten ({detail}) the rest was {hours} h; at least {threshold} "
                   "h after a series of 3 or more."))
@rule_sql()
def rest_after_night_series(q: Sql) -> str:
    """A run of at least series_min_night_shifts night diensten on consecutive days, each directly following the
    previous one, followed by a rest shorter than rest_after_series_hours."""
    n = q.n
    keep = (f"n_d >= {n.value(NACHT, 'series_min_night_shifts', 'day')} AND rest_after IS NOT NULL "
            f"AND rest_after < {n.seconds(NACHT, 'rest_after_series_hours', 'day')}")
    # a run ends at a night dienst whose next dienst is no night dienst on the same or the next day
    ends = (f"rest_after < {n.bounds(NACHT, 'rest_after_series_hours', HOUR)[1]} "
            f"AND NOT coalesce(next_night AND next_series = series_c, FALSE)")
    v = q.adult(_series(["series_c", "run_n"], "is_night", ends, "last(rest_after ORDER BY s) AS rest_after", keep))
    return finding(dict(employer_id="employer_id", worker_id="worker_id", period_start=day_to_date("day"),
                        period_end=day_to_date(fdiv("el", DAY)), hours=hours("rest_after", up=False),
                        threshold=hours_literal(n.seconds(NACHT, "rest_after_series_hours", "day")),
                        amount="n_d", evidence="'shifts rows ' || rows",
                        detail=f"{wall_text('first_sl')} || ' – ' || {wall_text('el')} || ' local time'",
                        confidence=n.confidence([NACHT, AGE], "day")),
                   f"FROM {q.employer(v)}")


@rule(id="atw.consecutive_shifts_with_night", statute="Atw", article="5:8 lid 6 en 7", bwb=BWB, row_confidence=ATW_PARAMS,
      status=Status.IN_FORCE, fine_policy=FINE, title=("More than {p:atw.nachtdienst/max_consecutive_shifts_with_night} consecutive diensten "
             "including a night dienst"),
      explanation=("{amount} consecutive diensten including a night dienst ({detail}); at most {threshold} (a "
                   "collective agreement may allow {p:atw.nachtdienst/max_consecutive_shifts_with_night_outer_limit}, never more: {reason})."))
@rule_sql()
def consecutive_shifts_with_night(q: Sql) -> str:
    """A run of diensten on consecutive days (no day without a dienst start) that includes a night dienst and has
    more than max_consecutive_shifts_with_night diensten (lid 6, deviable by collective agreement, not an offence
    under art. 10:1) or more than max_consecutive_shifts_with_night_outer_limit (lid 7, an offence)."""
    n = q.n
    aggs = f"sum(CAST(is_night AS BIGINT)) AS nights, max({fdiv('el', DAY)}) AS last_day"
    keep = f"nights > 0 AND n_d > {n.value(NACHT, 'max_consecutive_shifts_with_night', 'day')}"
    # more than N diensten in a series: the dienst N places back is in the same series (N = the smallest limit;
    # atw_ns.series_back)
    v = q.adult(_series(["series_c"], "TRUE", "series_back = series_c", aggs, keep))
    outer = n.value(NACHT, "max_consecutive_shifts_with_night_outer_limit", "day")
    return finding(dict(employer_id="employer_id", worker_id="worker_id", period_start=day_to_date("day"),
                        period_end=day_to_date("last_day"), amount="n_d",
                        threshold=n.value(NACHT, "max_consecutive_shifts_with_night", "day"),
                        reason=(f"CASE WHEN n_d > {outer} THEN {lit(ABOVE_LID_7)} "
                                f"ELSE 'within the outer limit of lid 7, above the limit of lid 6' END"),
                        evidence="'shifts rows ' || rows",
                        detail=(f"{wall_text('first_sl')} || ' – ' || {wall_text('el')} || ' local time, ' || "
                                f"CAST(nights AS VARCHAR) || ' night dienst(en)'"),
                        confidence=n.confidence([NACHT, AGE], "day")),
                   f"FROM {q.employer(v)}")


# --- 4:3 records, minors ----------------------------------------------------------------------------------------

@rule(id="atw.records_missing", statute="Atw", article="4:3 lid 1", bwb=BWB, row_confidence=ATW_PARAMS, status=Status.IN_FORCE,
      fine_policy=FINE, title="No record of working and rest times",
      explanation=("Payslip {payslip_id} records {hours} h worked in {period_start}..{period_end}, but the shift "
                   "records hold no shift of this worker for this work ({detail}). The employer must keep a proper "
                   "record of every worker's working and rest times (art. 4:3 lid 1 Atw)."))
@rule_sql(per_bucket=False)
def records_missing(q: Sql) -> str:
    """A payslip with hours worked and no shift record at all of that worker, in that period, at the payslip's
    employer or at the hirer the worker was placed with (placements: the hirer is an employer under art. 1:1 lid 1
    onder a 2° Atw and keeps the record; the finding names the hirer). Evaluated only where shift records were given,
    for employers with shift records, and for pay periods within the span of that employer's shift records (outside
    it the records were not part of the audit). Runs once over all records (spans per employer)."""
    load = q.ctx.records.loads.get("shifts")
    if load is None or load.file is None:
        return finding(dict(employer_id="employer_id", worker_id="worker_id", payslip_id="payslip_id"),
                       "FROM payslips WHERE FALSE")
    via = ("CASE WHEN inlener IS NULL THEN 'employer ' || employer_id ELSE 'hirer ' || inlener || ' (placement ' "
           "|| placement_id || ' by lender ' || employer_id || ')' END")
    detail = (f"{via} || '; that employer''s shift records run from ' || {date_text('span_from')} || ' to ' "
              f"|| {date_text('span_to')}")
    # atw_rm_cand: the payslips without a shift record at the employer or the hirer (base.py, per bucket)
    body = """FROM (
        SELECT c.*, span.span_from, span.span_to FROM atw_rm_cand c
        JOIN (SELECT emp, min(d_from) AS span_from, max(d_to) AS span_to FROM atw_rm_span GROUP BY emp) span
          ON c.pr = span.emp AND c.ps_day <= span.span_to AND c.pe_day >= span.span_from)"""
    return finding(dict(employer_id="responsible", worker_id="worker_id", payslip_id="payslip_id",
                        period_start="period_start", period_end="period_end", hours="hours_worked",
                        reason="'no_time_records'", detail=detail, evidence="'payslips row ' || CAST(_row AS VARCHAR)",
                        confidence="'confirmed'"),
                   body)


@rule(id="atw.minor_not_covered", statute="Atw", article="5:7 lid 1", bwb=BWB, row_confidence=ATW_PARAMS, status=Status.IN_FORCE,
      title="Worker under {p:atw.volwassen_leeftijd}: working time not yet checked",
      explanation=("Not yet covered: {detail} The worker was under 18 then; the norms for young workers (art. 5:3 lid "
                   "1, 5:4 lid 1, 5:5 lid 1, 5:7 lid 1 Atw and the Arbeidstijdenbesluit) are not encoded, so these "
                   "shifts were not checked. This is not a violation."))
@rule_sql()
def minor_not_covered(q: Sql) -> str:
    """Shift records of a worker younger than atw.volwassen_leeftijd on the shift's local start day: listed, one row
    per employer and worker, so that the report shows what was not checked. No fine."""
    n = q.n
    # only workers who can be under the adult age on some shift day (cheap: a few workers, not every record)
    g = f"""SELECT r.w, r.emp, min(r.day) AS first_day, max({fdiv('r.e + CAST(r.off_e AS BIGINT)', DAY)}) AS last_day,
                   sum(r.work) AS work, count(r._row) AS n_rec,
                   array_to_string(list_sort(list(r._row)), ', ') AS rows
        FROM atw_r r JOIN atw_w a ON r.w = a.w
        WHERE {birthday('a.birth_date', str(n.constant(AGE, None)))} > (SELECT {day_to_date('min(day)')} FROM atw_r)
          AND {day_to_date('r.day')} < {birthday('a.birth_date', n.value(AGE, None, 'r.day'))}
        GROUP BY r.w, r.emp"""
    g = f"(SELECT g.*, a.worker_id FROM ({g}) g JOIN atw_w a ON g.w = a.w)"
    detail = (f"CAST(n_rec AS VARCHAR) || ' shift record(s) from ' || {date_text('first_day')} || ' to ' || "
              f"{date_text('last_day')} || ', ' || {hm('work')} || ' h of work.'")
    return finding(dict(employer_id="employer_id", worker_id="worker_id", period_start=day_to_date("first_day"),
                        period_end=day_to_date("last_day"), hours=hours("work", up=True), amount="n_rec",
                        reason="'not_yet_covered'", detail=detail, evidence="'shifts rows ' || rows",
                        confidence=n.confidence([AGE], "first_day")),
                   f"FROM {q.employer(g)}")
