"""Rules of the Arbeidstijdenwet (Atw, BWBR0007671) for workers aged 18 and over, on shift records.

Each rule is one norm of the Atw, measured on the shared tables of base.py (records, diensten, calendar weeks) in
integer seconds; every number comes from the parameter files (parameters/*.yaml) for the local day it is measured
on. The engine's readings where the law leaves room (docs/atw.md):

- a *dienst* is a run of records separated by rests shorter than shift_boundary_rest_hours (art. 1:7 lid 1 onder c);
- the 24-hour and 7 × 24-hour rest periods start at the start of each dienst (art. 5:3 lid 3, 5:5 lid 3: "het eerste
  tijdstip ... waarop de werknemer arbeid verricht");
- "week" is the calendar week of atw.week_definitie (Sunday 00:00 – Saturday 24:00, the fine policy's reading), and
  "elke periode van N aaneengesloten weken" is every run of N consecutive calendar weeks (rolling), evaluated for
  every run that ends in a week with work; overlapping runs that all exceed a norm are one finding;
- consecutive diensten (art. 5:8 lid 5-7) are diensten on consecutive calendar days (no day without a dienst start);
- work of a worker for several employers counts together; a finding names the employer of the dienst (or of the last
  record of the window) at which the norm is exceeded;
- a norm is checked for a worker who is 18 or older (atw.volwassen_leeftijd) on the day it is measured on; younger
  workers are listed by ``atw.minor_not_covered``.

Findings carry hours as DECIMAL(10,2), rounded away from the norm (norms.hours); the comparison is exact in seconds.
"""

from __future__ import annotations

import functools
from typing import Callable

import ibis
import ibis.expr.types as ir

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.engine.exact import age_at, birthday, cents_to_eur
from eerlijkwerk.engine.rules import conform, rule
from eerlijkwerk.law.atw.base import ARB, NACHT, dienst, night_sequence, records, week
from eerlijkwerk.law.atw.norms import DAY, HOUR, Norms, day_to_date, hm, hours, hours_literal, wall_text
from eerlijkwerk.params import Status

BWB = "BWBR0007671"
FINE = "atw.boete_normbedragen"
REST = "atw.dagelijkse_rust"
WEEKREST = "atw.wekelijkse_rust"
PAUZE = "atw.pauze"
WEEKDEF = "atw.week_definitie"
AGE = "atw.volwassen_leeftijd"
PERIODS = "atw.nachtdienst_perioden"
#: reason of atw.consecutive_shifts_with_night above the outer limit (art. 5:8 lid 7, an offence; fines.py)
ABOVE_LID_7 = "above the outer limit of art. 5:8 lid 7"


# --- shared pieces ---------------------------------------------------------------------------------------------

def _once(fn: Callable[[AuditContext], ir.Table]) -> Callable[[AuditContext], ir.Table]:
    """Materialise a rule's (small) result once per audit: the engine then unions table references instead of
    compiling every rule's full expression into one query (measured: ~3.5 s less per audit for the Atw rules)."""
    @functools.wraps(fn)
    def run(ctx: AuditContext) -> ir.Table:
        return ctx.cached(f"atw.out.{fn.__name__}", lambda c: conform(fn(c)))

    return run


def _adult(ctx: AuditContext, t: ir.Table, day: str = "day") -> ir.Table:
    """Keep the rows whose worker is at least atw.volwassen_leeftijd on local day ``day`` (the norms of this module
    are those for workers of 18 and older)."""
    w = ctx.table("workers").select(a_worker="worker_id", a_birth="birth_date")
    j = t.join(w, t.worker_id == w.a_worker)
    n = Norms(ctx)
    age = age_at(j.a_birth, day_to_date(j[day]))
    return j.filter(age >= n.value(AGE, None, j[day])).drop("a_worker", "a_birth")


def _dienst_evidence(d: ir.Table) -> ir.StringValue:
    return ibis.ifelse(d.rows_txt.isnull(), ibis.literal("shifts row ") + d.first_row.cast("string"),
                       ibis.literal("shifts rows ") + d.rows_txt)


def _dienst_text(d: ir.Table) -> ir.StringValue:
    """'2025-03-03 08:00 – 2025-03-03 20:01 local' (+ how a dienst of several records arises)."""
    base = wall_text(d.sl) + " – " + wall_text(d.el) + " local time"
    multi = (base + ", " + d.n_records.cast("string") + " records separated by rests shorter than the "
             + "dienst boundary (shortest " + hm(d.min_gap) + "), one dienst under art. 1:7 lid 1 onder c Atw")
    return ibis.ifelse(d.n_records > 1, multi, base)


def _dienst_common(d: ir.Table) -> dict[str, ir.Value]:
    return dict(employer_id=d.employer_id, worker_id=d.worker_id, period_start=day_to_date(d.day),
                period_end=day_to_date(d.el // DAY), evidence=_dienst_evidence(d))


def _episodes(t: ir.Table, at: str, gap: int | ir.IntegerValue) -> ir.Table:
    """Number rows of one worker into episodes: a row starts a new episode when it lies ``gap`` or more after the
    previous row (windows that overlap belong to one episode)."""
    w = ibis.window(group_by=t.worker_id, order_by=t[at])
    prev = t[at].lag().over(w)
    t = t.mutate(_new=(prev.isnull() | ((t[at] - prev) >= gap)).cast("int64"))
    return t.mutate(episode=t._new.sum().over(ibis.window(group_by=t.worker_id, order_by=t[at], rows=(None, 0)))).drop(
        "_new")


def _rests_within(anchors: ir.Table, rests: ir.Table, horizons: list[str], parts_min: str | None = None) -> ir.Table:
    """For every anchor row (key ``aid``, ``worker_id``, start ``a_s``) and every horizon column H (seconds; the
    largest last): ``longest_<H>`` = the longest uninterrupted rest inside [a_s, a_s + H) (``at_<H>``: where it
    starts, for the first horizon). ``rests``: worker_id, r_at (start of the rest = end of a record or dienst),
    r_len (NULL = open: no later record), optionally r_wall (r_at on the wall clock). With ``parts_min`` (a column),
    ``parts`` = the total of the rests of at least that length inside the largest horizon."""
    r = rests.rename(r_worker="worker_id")
    big = horizons[-1]
    j = anchors.join(r, [anchors.worker_id == r.r_worker, r.r_at >= anchors.a_s, r.r_at < anchors.a_s + anchors[big]])
    aggs = {}
    for h in horizons:
        end = j.a_s + j[h]
        clipped = ibis.least(ibis.coalesce(j.r_at + j.r_len, end), end) - j.r_at
        aggs[f"longest_{h}"] = ibis.ifelse(j.r_at < end, clipped, ibis.null("int64")).max()
        if h == horizons[0]:
            aggs[f"at_{h}"] = j.r_at.argmax(ibis.ifelse(j.r_at < end, clipped, ibis.null("int64")))
            if "r_wall" in j.columns:
                aggs[f"at_wall_{h}"] = j.r_wall.argmax(ibis.ifelse(j.r_at < end, clipped, ibis.null("int64")))
        if parts_min is not None and h == big:
            aggs["parts"] = ibis.ifelse(clipped >= j[parts_min], clipped, 0).sum()
    agg = j.group_by("aid").aggregate(**aggs).rename(b_aid="aid")
    out = anchors.left_join(agg, anchors.aid == agg.b_aid).drop("b_aid")
    return out.mutate(**{k: out[k].fill_null(0) for k in aggs if k.startswith(("longest", "parts"))})


def _window_records(ctx: AuditContext, v: ir.Table) -> ir.Table:
    """For week-window rows (key ``vid``, worker, weeks ``first_wk``..``last_wk``): the employer of the last record in
    the window and the records as evidence (a record counts if any of its work falls in the window)."""
    r = records(ctx)
    r = r.select(r_worker="worker_id", r_employer="employer_id", r_row="_row", r_s="s", r_wk="wk",
                 r_cross=r.work1 != r.work)
    j = v.join(r, [v.worker_id == r.r_worker, r.r_wk <= v.last_wk, r.r_wk >= v.first_wk - 1])
    j = j.filter((j.r_wk >= j.first_wk) | j.r_cross)
    agg = j.group_by("vid").aggregate(
        w_employer=j.r_employer.argmax(j.r_s), w_rows=j.r_row.cast("string").group_concat(", ", order_by=j.r_row),
        w_count=j.r_row.count())
    return v.join(agg, "vid")


def _week_window_rule(ctx: AuditContext, cond: ir.BooleanValue, wk: ir.Table, weeks: int, value: ir.IntegerValue,
                      extra: dict[str, ir.Value]) -> ir.Table:
    """Rows of ``wk`` (atw.week) where ``cond`` holds, as episodes of overlapping N-week windows: per episode the
    worst window (largest ``value``), its weeks, the number of windows, the records as evidence."""
    v = wk.mutate(_value=value, **extra).filter(cond)
    v = _episodes(v, "wk", weeks)
    agg = v.group_by(["worker_id", "episode"]).aggregate(
        first_end=v.wk.min(), last_end=v.wk.max(), windows=v.wk.count(), worst=v._value.max(),
        worst_wk=v.wk.argmax(v._value), **{k: v[k].argmax(v._value) for k in extra})
    agg = agg.mutate(vid=ibis.row_number().over(ibis.window(order_by=[agg.worker_id, agg.first_end])),
                     first_wk=agg.first_end - (weeks - 1), last_wk=agg.last_end)
    return _window_records(ctx, agg)


def _week_dates(ctx: AuditContext, t: ir.Table, first: str, last: str) -> dict[str, ir.Value]:
    n = Norms(ctx)
    probe = t[last] * 7  # any day of the last week, for the week definition in force
    start = n.week_first_day(t[first], probe)
    end = n.week_first_day(t[last] + 1, probe) - 1
    return dict(period_start=day_to_date(start), period_end=day_to_date(end), _start_day=start, _end_day=end)


def _window_text(ctx: AuditContext, t: ir.Table, weeks: int) -> ir.StringValue:
    n = Norms(ctx)
    probe = t.worst_wk * 7
    ws = day_to_date(n.week_first_day(t.worst_wk - (weeks - 1), probe)).strftime("%Y-%m-%d")
    we = day_to_date(n.week_first_day(t.worst_wk + 1, probe) - 1).strftime("%Y-%m-%d")
    return ws + ".." + we


# --- 5:7 working time -------------------------------------------------------------------------------------------

@rule(id="atw.shift_too_long", statute="Atw", article="5:7 lid 2 onder a", bwb=BWB, status=Status.IN_FORCE,
      fine_policy=FINE, title="More than 12 hours of work in one dienst",
      explanation=("Worked {hours} h in one dienst ({detail}); a worker of 18 or older may work at most {threshold} h "
                   "per dienst."))
@_once
def shift_too_long(ctx: AuditContext) -> ir.Table:
    """Work in a dienst (records joined by rests shorter than shift_boundary_rest_hours) above max_shift_hours.
    Night diensten have their own limit (art. 5:8 lid 1, "in afwijking van artikel 5:7, tweede lid, onderdeel a"):
    atw.night_shift_too_long. ``amount`` = the shortest rest inside a dienst of several records (the fine policy
    puts such a working-time breach in the fine report only if that rest is under 6 h)."""
    n = Norms(ctx)
    d = dienst(ctx)
    mx = n.seconds(ARB, "max_shift_hours", d.day)
    v = _adult(ctx, d.filter(~d.is_night & (d.work > mx)))
    mx = n.seconds(ARB, "max_shift_hours", v.day)
    return v.select(**_dienst_common(v), hours=hours(v.work, up=True), threshold=hours_literal(mx),
                    amount=ibis.ifelse(v.min_gap.isnull(), ibis.null("decimal(10,2)"), hours(v.min_gap, up=False)),
                    reason=ibis.ifelse(v.n_records > 1, "continuous_dienst", "single_record"),
                    detail=_dienst_text(v), confidence=n.confidence([ARB, AGE], v.day))


@rule(id="atw.week_too_long", statute="Atw", article="5:7 lid 2 onder b", bwb=BWB, status=Status.IN_FORCE,
      fine_policy=FINE, title="More than 60 hours of work in a week",
      explanation=("Worked {hours} h in the week {period_start}..{period_end} (Sunday 00:00 – Saturday 24:00, the "
                   "week of the Atw fine policy); at most {threshold} h per week. {detail}"))
@_once
def week_too_long(ctx: AuditContext) -> ir.Table:
    """Work in a calendar week (atw.week_definitie) above max_week_hours. A record that crosses into the next week
    counts there with the share of its work after Saturday 24:00 (base.py)."""
    n = Norms(ctx)
    wk = week(ctx)
    day = n.week_first_day(wk.wk, wk.wk * 7)
    mx = n.seconds(ARB, "max_week_hours", day)
    v = wk.filter(wk.work > mx)
    v = v.mutate(vid=ibis.row_number().over(ibis.window(order_by=[v.worker_id, v.wk])), first_wk=v.wk, last_wk=v.wk,
                 day=n.week_first_day(v.wk, v.wk * 7))
    v = _adult(ctx, _window_records(ctx, v))
    mx = n.seconds(ARB, "max_week_hours", v.day)
    dates = _week_dates(ctx, v, "first_wk", "last_wk")
    return v.select(employer_id=v.w_employer, worker_id=v.worker_id, period_start=dates["period_start"],
                    period_end=dates["period_end"], hours=hours(v.work, up=True), threshold=hours_literal(mx),
                    evidence=ibis.literal("shifts rows ") + v.w_rows,
                    detail=v.w_count.cast("string") + " records; work " + hm(v.work),
                    confidence=n.confidence([ARB, WEEKDEF, AGE], v.day))


def _average_rule(ctx: AuditContext, *, column: str, window_pid: str, window_field: str, max_pid: str,
                  max_field: str, night: bool | None) -> ir.Table:
    """Episodes of runs of N calendar weeks (N = ``window_field``) whose total work (``column`` of atw.week, summed
    over that N) exceeds N × ``max_field``. ``night``: True = only runs with at least the night-shift trigger, False =
    only runs below it (art. 5:8 lid 2 replaces 5:7 lid 2 onder c there), None = all runs."""
    n = Norms(ctx)
    weeks = n.constant(window_pid, window_field)
    wk = week(ctx)
    day = n.week_first_day(wk.wk, wk.wk * 7)
    total = wk[column]
    limit = n.seconds(max_pid, max_field, day) * weeks
    cond = total > limit
    if night is not None:
        trigger = n.value(NACHT, "avg_16_weeks_trigger_night_shifts", day)
        cond = cond & ((wk.nights16 >= trigger) if night else (wk.nights16 < trigger))
    v = _week_window_rule(ctx, cond, wk, weeks, total, {"nights_at_worst": wk.nights16})
    v = v.mutate(day=n.week_first_day(v.worst_wk - (weeks - 1), v.worst_wk * 7))
    v = _adult(ctx, v)
    dates = _week_dates(ctx, v, "first_wk", "last_wk")
    avg_h = cents_to_eur((v.worst * 100 + weeks * HOUR - 1) // (weeks * HOUR)).cast("decimal(10,2)")
    limit_h = hours_literal(n.seconds(max_pid, max_field, v.day))
    nights = ("; " + v.nights_at_worst.cast("string") + " night diensten in that period") if night is not None else ""
    detail = (v.windows.cast("string") + " period(s) of " + str(weeks) + " consecutive weeks exceed the average; "
              + "highest: weeks " + _window_text(ctx, v, weeks) + ", " + hm(v.worst) + " h of work in total"
              + nights)
    return v.select(employer_id=v.w_employer, worker_id=v.worker_id, period_start=dates["period_start"],
                    period_end=dates["period_end"], hours=avg_h, threshold=limit_h,
                    amount=hours(v.worst, up=True), evidence=ibis.literal("shifts rows ") + v.w_rows, detail=detail,
                    confidence=n.confidence([window_pid, max_pid, WEEKDEF, AGE, NACHT], v.day))


@rule(id="atw.average_16_weeks", statute="Atw", article="5:7 lid 2 onder c", bwb=BWB, status=Status.IN_FORCE,
      fine_policy=FINE, title="More than 48 hours a week on average over 16 weeks",
      explanation=("On average {hours} h a week over 16 consecutive weeks ({detail}); at most {threshold} h a week "
                   "on average in every period of 16 consecutive weeks."))
@_once
def average_16_weeks(ctx: AuditContext) -> ir.Table:
    """Average weekly work over every run of avg_16_weeks_window_weeks calendar weeks above avg_16_weeks_max_hours,
    where the worker did fewer than avg_16_weeks_trigger_night_shifts night diensten in that run (otherwise art. 5:8
    lid 2 sets the lower average: atw.night_average_16_weeks)."""
    return _average_rule(ctx, column="work16", window_pid=ARB, window_field="avg_16_weeks_window_weeks", max_pid=ARB,
                         max_field="avg_16_weeks_max_hours", night=False)


@rule(id="atw.average_4_weeks", statute="Atw", article="5:7 lid 3", bwb=BWB, status=Status.IN_FORCE,
      fine_policy=FINE, title="More than 55 hours a week on average over 4 weeks",
      explanation=("On average {hours} h a week over 4 consecutive weeks ({detail}); at most {threshold} h a week on "
                   "average in every period of 4 consecutive weeks, unless a collective agreement sets another limit "
                   "(art. 5:7 lid 4)."))
@_once
def average_4_weeks(ctx: AuditContext) -> ir.Table:
    """Average weekly work over every run of avg_4_weeks_window_weeks calendar weeks above avg_4_weeks_max_hours.
    Not an offence under art. 10:1 Atw (atw.beboetbare_bepalingen): reported, not fined."""
    return _average_rule(ctx, column="work4", window_pid=ARB, window_field="avg_4_weeks_window_weeks", max_pid=ARB,
                         max_field="avg_4_weeks_max_hours", night=None)


# --- 5:3 and 5:5 rest -------------------------------------------------------------------------------------------

@rule(id="atw.daily_rest", statute="Atw", article="5:3 lid 2", bwb=BWB, status=Status.IN_FORCE, fine_policy=FINE,
      title="Less than 11 hours of uninterrupted rest in 24 hours",
      explanation=("In the 24 h from the start of the dienst of {period_start} ({detail}) the longest uninterrupted "
                   "rest was {hours} h; the norm is {threshold} h."))
@_once
def daily_rest(ctx: AuditContext) -> ir.Table:
    """In the per_hours period from the start of each dienst, an uninterrupted rest of daily_rest_hours; once in
    every shortened_once_per_hours it may be shortened to shortened_hours (if the work requires it — which the
    records cannot show, so a single shortening is not reported). The rest of a period is its longest uninterrupted
    rest (clipped to the period). Findings, one per distinct rest: no rest of shortened_hours in the period (reason
    rest_below_minimum), or a shortened rest that begins less than shortened_once_per_hours after the start of an
    earlier shortened rest (reason second_shortening)."""
    n = Norms(ctx)
    d = dienst(ctx)
    # pre-selection without a sort: the period is in order when the rest after the dienst is long enough (or open)
    # and begins in time to fit in it — rests inside a dienst are shorter than the dienst boundary, so any other
    # case is examined in full below
    r11 = n.seconds(REST, "daily_rest_hours", d.day)
    ok = ((d.rest_after.isnull() | (d.rest_after >= r11))
          & ((d.e - d.s) <= n.seconds(REST, "per_hours", d.day) - r11))
    c = _adult(ctx, d.filter(~ok))  # periods of a younger worker fall under other norms (not counted either)
    c = c.mutate(aid=ibis.row_number().over(ibis.window(order_by=[c.worker_id, c.s])), a_s=c.s,
                 h24=n.seconds(REST, "per_hours", c.day))
    r = records(ctx)
    c = _rests_within(c, r.select("worker_id", r_at=r.e, r_len=r.gap_after.cast("int64"),
                                  r_wall=r.e + r.off_e.cast("int64")), ["h24"])
    c = c.mutate(status=ibis.ifelse(c.longest_h24 < n.seconds(REST, "shortened_hours", c.day), "below", "shortened"))
    # one finding per rest: periods whose longest rest is the same rest are one event
    first = ibis.row_number().over(ibis.window(group_by=[c.worker_id, c.status, c.at_h24], order_by=c.s))
    c = c.mutate(_first=first).filter(lambda t: t._first == 0).drop("_first")
    sh = c.filter(c.status == "shortened")
    sw = ibis.window(group_by=sh.worker_id, order_by=sh.at_h24)
    sh = sh.mutate(prev_at=sh.at_h24.lag().over(sw), prev_sl=sh.at_wall_h24.lag().over(sw))
    sh = sh.filter(sh.prev_at.notnull()
                   & ((sh.at_h24 - sh.prev_at) < n.seconds(REST, "shortened_once_per_hours", sh.day)))
    below = c.filter(c.status == "below").mutate(prev_at=ibis.null("int64"), prev_sl=ibis.null("int64"))
    v = below.union(sh.select(*below.columns))
    r11 = n.seconds(REST, "daily_rest_hours", v.day)
    short = n.seconds(REST, "shortened_hours", v.day)
    detail = ibis.ifelse(
        v.status == "below",
        "dienst " + _dienst_text(v) + "; longest rest from " + wall_text(v.at_wall_h24) + ", not even the shortened "
        + "rest of " + hm(short) + " h",
        "dienst " + _dienst_text(v) + "; longest rest from " + wall_text(v.at_wall_h24) + "; a rest was already "
        + "shortened from " + wall_text(v.prev_sl)
        + " local time, and it may be shortened to " + hm(short) + " h only once in every 7 × 24 h")
    return v.select(**_dienst_common(v), hours=hours(v.longest_h24, up=False),
                    threshold=hours_literal(ibis.ifelse(v.status == "below", short, r11)),
                    reason=ibis.ifelse(v.status == "below", "rest_below_minimum", "second_shortening"),
                    detail=detail, confidence=n.confidence([REST, ARB, AGE], v.day))


@rule(id="atw.weekly_rest", statute="Atw", article="5:5 lid 2", bwb=BWB, status=Status.IN_FORCE, fine_policy=FINE,
      title="No weekly rest of 36 hours (or 72 hours per 14 days)",
      explanation=("No uninterrupted rest of {threshold} h in the 7 × 24 h from the start of a dienst, and less than "
                   "72 h of rest in parts of at least 32 h in the 14 × 24 h from it ({detail}). Longest rest in 7 × 24 "
                   "h: {hours} h; in 14 × 24 h: {amount} h."))
@_once
def weekly_rest(ctx: AuditContext) -> ir.Table:
    """From the start of each dienst: an uninterrupted rest of weekly_rest_hours within per_hours, or (the
    alternative, art. 5:5 lid 2 onder b) alt_rest_hours in parts of at least alt_min_part_hours within
    alt_per_hours. A finding when neither holds; overlapping periods that fail are one finding (hours = the worst
    7 × 24 h rest, amount = the shortest longest-rest in 14 × 24 h, which the fine policy compares with 32 h)."""
    n = Norms(ctx)
    d = dienst(ctx)
    # pre-selection: the start of the first rest of weekly_rest_hours at or after each dienst (the records' end is
    # an open rest), a running minimum over the narrow columns, newest first; the period is in order when that rest
    # begins in time to fit in it
    # (on the records: a rest of that length only follows the last record of a dienst, and a dienst starts with a
    # record that has new_before)
    r = records(ctx)
    r36 = n.seconds(WEEKREST, "weekly_rest_hours", r.day)
    big = ibis.ifelse(r.gap_after.isnull() | (r.gap_after >= r36), r.e, ibis.null("int64"))
    seq = r.select("worker_id", "new_before", k_s="s", k_day="day", next36=big.min().over(
        ibis.window(group_by=r.worker_id, order_by=[ibis.desc(r.s), ibis.desc(r._row)], rows=(None, 0))))
    seq = seq.filter(seq.new_before & ((seq.next36 - seq.k_s) > n.seconds(WEEKREST, "per_hours", seq.k_day)
                                       - n.seconds(WEEKREST, "weekly_rest_hours", seq.k_day)))
    seq = seq.select(k_worker="worker_id", k_s="k_s")
    c = d.join(seq, [d.worker_id == seq.k_worker, d.s == seq.k_s]).drop("k_worker", "k_s")
    c = c.mutate(aid=ibis.row_number().over(ibis.window(order_by=[c.worker_id, c.s])), a_s=c.s,
                 h7=n.seconds(WEEKREST, "per_hours", c.day), h14=n.seconds(WEEKREST, "alt_per_hours", c.day),
                 mp=n.seconds(WEEKREST, "alt_min_part_hours", c.day))
    rests = d.select("worker_id", r_at=d.e, r_len=d.rest_after)
    c = _rests_within(c, rests, ["h7", "h14"], parts_min="mp")
    v = c.filter(c.parts < n.seconds(WEEKREST, "alt_rest_hours", c.day))
    v = _adult(ctx, v)
    v = _episodes(v, "s", n.constant(WEEKREST, "per_hours", units=HOUR))
    ev = ibis.ifelse(v.rows_txt.isnull(), v.first_row.cast("string"), v.rows_txt)
    agg = v.group_by(["worker_id", "episode"]).aggregate(
        employer_id=v.employer_id.first(order_by=v.s, include_null=True), first_s=v.s.min(), first_sl=v.sl.first(order_by=v.s, include_null=True),
        last_sl=v.sl.last(order_by=v.s, include_null=True), day=v.day.min(), last_day=v.day.max(), anchors=v.s.count(),
        worst7=v.longest_h7.min(), worst14=v.longest_h14.min(), parts=v.parts.min(),
        rows=ev.group_concat(", ", order_by=v.s), h7=v.h7.max())
    r36 = n.seconds(WEEKREST, "weekly_rest_hours", agg.day)
    detail = (agg.anchors.cast("string") + " dienst start(s) from " + wall_text(agg.first_sl) + " to "
              + wall_text(agg.last_sl) + " local time; least rest in parts of at least 32 h within 14 × 24 h: "
              + hm(agg.parts))
    return agg.select(employer_id=agg.employer_id, worker_id=agg.worker_id, period_start=day_to_date(agg.day),
                      period_end=day_to_date(agg.last_day + agg.h7 // DAY - 1), hours=hours(agg.worst7, up=False),
                      threshold=hours_literal(r36), amount=hours(agg.worst14, up=False),
                      evidence=ibis.literal("shifts rows ") + agg.rows, detail=detail,
                      confidence=n.confidence([WEEKREST, ARB, AGE], agg.day))


# --- 5:4 breaks -------------------------------------------------------------------------------------------------

@rule(id="atw.break", statute="Atw", article="5:4 lid 2", bwb=BWB, status=Status.IN_FORCE, fine_policy=FINE,
      title="Break too short for the hours worked",
      explanation=("Worked {hours} h in the dienst of {period_start} ({detail}) with {amount} h of break; more than "
                   "5.5 h of work needs a break of at least 0.50 h, more than 10 h at least 0.75 h: here {threshold} h."))
@_once
def break_too_short(ctx: AuditContext) -> ir.Table:
    """Breaks in a dienst (recorded break minutes plus gaps of at least min_part_minutes between its records) below
    over_5_5_hours_minutes where work exceeds threshold_1_hours, or below over_10_hours_minutes where it exceeds
    threshold_2_hours (both strictly "meer dan"). Not an offence under art. 10:1 Atw: reported, not fined."""
    n = Norms(ctx)
    d = dienst(ctx)
    t1 = n.seconds(PAUZE, "threshold_1_hours", d.day)
    t2 = n.seconds(PAUZE, "threshold_2_hours", d.day)
    req = ibis.cases((d.work > t2, n.value(PAUZE, "over_10_hours_minutes", d.day, units=60)),
                     (d.work > t1, n.value(PAUZE, "over_5_5_hours_minutes", d.day, units=60)), else_=0)
    v = _adult(ctx, d.mutate(req=req).filter(lambda t: t.pause < t.req))
    return v.select(**_dienst_common(v), hours=hours(v.work, up=True), threshold=hours_literal(v.req),
                    amount=hours(v.pause, up=False), detail=_dienst_text(v),
                    confidence=n.confidence([PAUZE, AGE], v.day))


# --- 5:8 night work ---------------------------------------------------------------------------------------------

@rule(id="atw.night_shift_too_long", statute="Atw", article="5:8 lid 1 en 3", bwb=BWB, status=Status.IN_FORCE,
      fine_policy=FINE, title="Night dienst longer than 10 hours (the 12-hour exception not met)",
      explanation=("Worked {hours} h in a night dienst ({detail}); at most {threshold} h per night dienst, up to 12 h "
                   "only at most 5 times in 14 × 24 h and 22 times in 52 weeks, each followed by 12 h of rest "
                   "({reason})."))
@_once
def night_shift_too_long(ctx: AuditContext) -> ir.Table:
    """A night dienst (more than night_shift_more_than_hours_in_window of work between 00:00 and 06:00) with more
    than max_night_shift_hours of work, unless the exception of lid 3 applies: at most
    extended_night_shift_max_hours, at most extended_max_times_per_hours times in every extended_window_hours and
    extended_max_times_per_52_weeks times in every 52 consecutive weeks (counted up to and including this dienst),
    and an uninterrupted rest of extended_rest_after_hours after it. reason lists what fails; ``amount`` as in
    atw.shift_too_long (the shortest rest inside a dienst of several records)."""
    n = Norms(ctx)
    d = dienst(ctx)
    mx = n.seconds(NACHT, "max_night_shift_hours", d.day)
    e = d.filter(d.is_night & (d.work > mx))
    e = e.mutate(extended=e.work <= n.seconds(NACHT, "extended_night_shift_max_hours", e.day))
    x = e.filter(e.extended)
    win = n.constant(NACHT, "extended_window_hours", units=HOUR)
    weeks52 = n.constant(PERIODS, "extended_count_window_weeks")
    x = x.mutate(
        k14=x.s.count().over(ibis.window(group_by=x.worker_id, order_by=x.s, range=(-(win - 1), 0))),
        c_all=x.s.count().over(ibis.window(group_by=x.worker_id, order_by=x.s, rows=(None, 0))),
        c_before=x.s.count().over(ibis.window(group_by=x.worker_id, order_by=x.wk, range=(None, -weeks52))),
    )
    x = x.mutate(k52=x.c_all - x.c_before.fill_null(0))
    max14 = n.value(NACHT, "extended_max_times_per_hours", x.day)
    max52 = n.value(NACHT, "extended_max_times_per_52_weeks", x.day)
    rest12 = n.seconds(NACHT, "extended_rest_after_hours", x.day)
    r14 = ibis.ifelse(x.k14 > max14, "used more than " + max14.cast("string") + " times in 14 × 24 h (this is number "
                      + x.k14.cast("string") + ")", ibis.null("string"))
    r52 = ibis.ifelse(x.k52 > max52, "used more than " + max52.cast("string") + " times in " + str(weeks52)
                      + " weeks (number " + x.k52.cast("string") + ")", ibis.null("string"))
    rrest = ibis.ifelse(x.rest_after.notnull() & (x.rest_after < rest12), "rest after it only " + hm(x.rest_after)
                        + " h", ibis.null("string"))
    x = x.mutate(r14=r14, r52=r52, rrest=rrest)
    x = x.filter(x.r14.notnull() | x.r52.notnull() | x.rrest.notnull())
    joined = ibis.coalesce("; " + x.r14, "") + ibis.coalesce("; " + x.r52, "") + ibis.coalesce("; " + x.rrest, "")
    x = x.mutate(reason="12-hour exception not met: " + joined.substr(2))
    over = e.filter(~e.extended).mutate(reason=ibis.literal("more than 12 h: the exception cannot apply"))
    keep = [c for c in e.columns] + ["reason"]
    v = over.select(*keep).union(x.select(*keep))
    v = _adult(ctx, v)
    mx = n.seconds(NACHT, "max_night_shift_hours", v.day)
    return v.select(**_dienst_common(v), hours=hours(v.work, up=True), threshold=hours_literal(mx),
                    reason=v.reason,
                    amount=ibis.ifelse(v.min_gap.isnull(), ibis.null("decimal(10,2)"), hours(v.min_gap, up=False)),
                    detail=_dienst_text(v) + "; at least " + hm(v.night) + " h of work between 00:00 and 06:00",
                    confidence=n.confidence([NACHT, PERIODS, AGE], v.day))


@rule(id="atw.night_average_16_weeks", statute="Atw", article="5:8 lid 2", bwb=BWB, status=Status.IN_FORCE,
      fine_policy=FINE, title="More than 40 hours a week on average over 16 weeks with 16 or more night diensten",
      explanation=("On average {hours} h a week over 16 consecutive weeks in which the worker did 16 or more night "
                   "diensten ({detail}); at most {threshold} h a week on average."))
@_once
def night_average_16_weeks(ctx: AuditContext) -> ir.Table:
    """In every run of avg_16_weeks_window_weeks calendar weeks with at least avg_16_weeks_trigger_night_shifts
    night diensten, average weekly work above avg_16_weeks_max_hours of atw.nachtdienst (art. 5:8 lid 2, replacing
    the 48-hour average of art. 5:7 lid 2 onder c)."""
    return _average_rule(ctx, column="work_n16", window_pid=NACHT, window_field="avg_16_weeks_window_weeks",
                         max_pid=NACHT,
                         max_field="avg_16_weeks_max_hours", night=True)


@rule(id="atw.late_night_shifts", statute="Atw", article="5:8 lid 8", bwb=BWB, status=Status.IN_FORCE,
      fine_policy=FINE, title="More than 36 night diensten ending after 02:00 in 16 weeks",
      explanation=("{amount} night diensten ending after 02:00 in 16 consecutive weeks ({detail}); at most "
                   "{threshold} unless a collective agreement deviates within the limits of art. 5:8 lid 9."))
@_once
def late_night_shifts(ctx: AuditContext) -> ir.Table:
    """Night diensten ending after late_end_after, counted per run of late_night_window_weeks calendar weeks, above
    max_late_night_shifts_per_16_weeks. Not an offence under art. 10:1 (the outer limits of lid 9 are; not encoded:
    they need the collective agreement's choice): reported, not fined."""
    n = Norms(ctx)
    wk = week(ctx)
    weeks = n.constant(PERIODS, "late_night_window_weeks")
    cond = wk.lates16 > n.value(NACHT, "max_late_night_shifts_per_16_weeks", n.week_first_day(wk.wk, wk.wk * 7))
    v = _week_window_rule(ctx, cond, wk, weeks, wk.lates16, {})
    v = v.mutate(day=n.week_first_day(v.worst_wk - (weeks - 1), v.worst_wk * 7))
    v = _adult(ctx, v)
    dates = _week_dates(ctx, v, "first_wk", "last_wk")
    detail = (v.windows.cast("string") + " period(s) of " + str(weeks) + " consecutive weeks exceed it; highest: "
              + "weeks " + _window_text(ctx, v, weeks))
    limit = n.value(NACHT, "max_late_night_shifts_per_16_weeks", v.day)
    return v.select(employer_id=v.w_employer, worker_id=v.worker_id, period_start=dates["period_start"],
                    period_end=dates["period_end"], amount=v.worst, threshold=limit,
                    evidence=ibis.literal("shifts rows ") + v.w_rows, detail=detail,
                    confidence=n.confidence([NACHT, PERIODS, WEEKDEF, AGE], v.day))


@rule(id="atw.rest_after_night_shift", statute="Atw", article="5:8 lid 4", bwb=BWB, status=Status.IN_FORCE,
      fine_policy=FINE, title="Less than 14 hours of rest after a night dienst ending after 02:00",
      explanation=("Rest after the night dienst of {period_start} ({detail}) was {hours} h; at least {threshold} h "
                   "({reason})."))
@_once
def rest_after_night_shift(ctx: AuditContext) -> ir.Table:
    """After a night dienst ending after late_end_after (of at most max_night_shift_hours: a longer one falls under
    lid 3, atw.night_shift_too_long), an uninterrupted rest of rest_after_late_night_shift_hours; once in every
    rest_shortened_once_per_hours it may be rest_after_late_night_shift_shortened_hours (a single shortening is not
    reported: the condition cannot be seen in the records)."""
    n = Norms(ctx)
    d = dienst(ctx)
    c = d.filter(d.is_late & d.rest_after.notnull()
                 & (d.work <= n.seconds(NACHT, "max_night_shift_hours", d.day))
                 & (d.rest_after < n.seconds(NACHT, "rest_after_late_night_shift_hours", d.day)))
    short = n.seconds(NACHT, "rest_after_late_night_shift_shortened_hours", c.day)
    c = _adult(ctx, c.mutate(status=ibis.ifelse(c.rest_after < short, "below", "shortened")))
    sh = c.filter(c.status == "shortened")
    w = ibis.window(group_by=sh.worker_id, order_by=sh.s)
    sh = sh.mutate(prev_short=sh.e.lag().over(w), prev_short_el=sh.el.lag().over(w))
    sh = sh.filter(sh.prev_short.notnull()
                   & ((sh.e - sh.prev_short) < n.seconds(NACHT, "rest_shortened_once_per_hours", sh.day)))
    below = c.filter(c.status == "below").mutate(prev_short_el=ibis.null("int64"))
    v = below.select(*sh.drop("prev_short").columns).union(sh.drop("prev_short"))
    req = n.seconds(NACHT, "rest_after_late_night_shift_hours", v.day)
    short = n.seconds(NACHT, "rest_after_late_night_shift_shortened_hours", v.day)
    return v.select(**_dienst_common(v), hours=hours(v.rest_after, up=False),
                    threshold=hours_literal(ibis.ifelse(v.status == "below", short, req)),
                    reason=ibis.ifelse(v.status == "below", "rest below the shortened minimum",
                                       ibis.literal("second shortening within 7 × 24 h; the previous one after the "
                                                    "night dienst ending ") + wall_text(v.prev_short_el)),
                    detail=_dienst_text(v), confidence=n.confidence([NACHT, AGE], v.day))


def _series(d: ir.Table, new: ir.BooleanValue) -> ir.Table:
    """Number runs of diensten per worker: ``new`` marks the first dienst of a run."""
    d = d.mutate(_new=new.cast("int64"))
    return d.mutate(series=d._new.sum().over(ibis.window(group_by=d.worker_id, order_by=d.s, rows=(None, 0))))


@rule(id="atw.rest_after_night_series", statute="Atw", article="5:8 lid 5", bwb=BWB, status=Status.IN_FORCE,
      fine_policy=FINE, title="Less than 46 hours of rest after 3 or more consecutive night diensten",
      explanation=("After {amount} consecutive night diensten ({detail}) the rest was {hours} h; at least {threshold} "
                   "h after a series of 3 or more."))
@_once
def rest_after_night_series(ctx: AuditContext) -> ir.Table:
    """A run of at least series_min_night_shifts night diensten on consecutive days, each directly following the
    previous one, followed by a rest shorter than rest_after_series_hours."""
    n = Norms(ctx)
    nd = night_sequence(ctx)
    nd = nd.filter(nd.is_night)
    cont = nd.prev_night.fill_null(False) & ((nd.day - nd.prev_day) <= 1)
    nd = _series(nd, ~cont)
    g = nd.group_by(["worker_id", "series"]).aggregate(
        employer_id=nd.employer_id.last(order_by=nd.s, include_null=True), n_d=nd.s.count(), day=nd.day.min(),
        first_sl=nd.sl.min(), el=nd.el.last(order_by=nd.s, include_null=True), rest_after=nd.rest_after.last(order_by=nd.s, include_null=True),
        rows=ibis.ifelse(nd.rows_txt.isnull(), nd.first_row.cast("string"), nd.rows_txt).group_concat(
            ", ", order_by=nd.s))
    v = g.filter((g.n_d >= n.value(NACHT, "series_min_night_shifts", g.day)) & g.rest_after.notnull()
                 & (g.rest_after < n.seconds(NACHT, "rest_after_series_hours", g.day)))
    v = _adult(ctx, v)
    return v.select(employer_id=v.employer_id, worker_id=v.worker_id, period_start=day_to_date(v.day),
                    period_end=day_to_date(v.el // DAY), hours=hours(v.rest_after, up=False),
                    threshold=hours_literal(n.seconds(NACHT, "rest_after_series_hours", v.day)),
                    amount=v.n_d, evidence=ibis.literal("shifts rows ") + v.rows,
                    detail=wall_text(v.first_sl) + " – " + wall_text(v.el) + " local time",
                    confidence=n.confidence([NACHT, AGE], v.day))


@rule(id="atw.consecutive_shifts_with_night", statute="Atw", article="5:8 lid 6 en 7", bwb=BWB,
      status=Status.IN_FORCE, fine_policy=FINE, title="More than 7 consecutive diensten including a night dienst",
      explanation=("{amount} consecutive diensten including a night dienst ({detail}); at most {threshold} (a "
                   "collective agreement may allow 8, never more: {reason})."))
@_once
def consecutive_shifts_with_night(ctx: AuditContext) -> ir.Table:
    """A run of diensten on consecutive days (no day without a dienst start) that includes a night dienst and has
    more than max_consecutive_shifts_with_night diensten (lid 6, deviable by collective agreement, not an offence
    under art. 10:1) or more than max_consecutive_shifts_with_night_outer_limit (lid 7, an offence)."""
    n = Norms(ctx)
    sub = night_sequence(ctx)
    sub = _series(sub, sub.prev_day.isnull() | ((sub.day - sub.prev_day) > 1))
    g = sub.group_by(["worker_id", "series"]).aggregate(
        employer_id=sub.employer_id.last(order_by=sub.s, include_null=True), n_d=sub.s.count(), nights=sub.is_night.cast("int64").sum(),
        day=sub.day.min(), last_day=(sub.el // DAY).max(), first_sl=sub.sl.min(), el=sub.el.last(order_by=sub.s, include_null=True),
        rows=ibis.ifelse(sub.rows_txt.isnull(), sub.first_row.cast("string"), sub.rows_txt).group_concat(
            ", ", order_by=sub.s))
    mx = n.value(NACHT, "max_consecutive_shifts_with_night", g.day)
    v = g.filter((g.nights > 0) & (g.n_d > mx))
    v = _adult(ctx, v)
    outer = n.value(NACHT, "max_consecutive_shifts_with_night_outer_limit", v.day)
    return v.select(employer_id=v.employer_id, worker_id=v.worker_id, period_start=day_to_date(v.day),
                    period_end=day_to_date(v.last_day), amount=v.n_d,
                    threshold=n.value(NACHT, "max_consecutive_shifts_with_night", v.day),
                    reason=ibis.ifelse(v.n_d > outer, ABOVE_LID_7,
                                       "within the outer limit of lid 7, above the limit of lid 6"),
                    evidence=ibis.literal("shifts rows ") + v.rows,
                    detail=(wall_text(v.first_sl) + " – " + wall_text(v.el) + " local time, "
                            + v.nights.cast("string") + " night dienst(en)"),
                    confidence=n.confidence([NACHT, AGE], v.day))


# --- 4:3 records, minors ----------------------------------------------------------------------------------------

@rule(id="atw.records_missing", statute="Atw", article="4:3 lid 1", bwb=BWB, status=Status.IN_FORCE,
      fine_policy=FINE, title="No record of working and rest times",
      explanation=("Payslip {payslip_id} records {hours} h worked in {period_start}..{period_end}, but the shift "
                   "records hold no shift of this worker for this work ({detail}). The employer must keep a proper "
                   "record of every worker's working and rest times (art. 4:3 lid 1 Atw)."))
@_once
def records_missing(ctx: AuditContext) -> ir.Table:
    """A payslip with hours worked and no shift record at all of that worker, in that period, at the payslip's
    employer or at the hirer the worker was placed with (placements: the hirer is an employer under art. 1:1 lid 1
    onder a 2° Atw and keeps the record; the finding names the hirer). Evaluated only where shift records were given,
    for employers with shift records, and for pay periods within the span of that employer's shift records (outside
    it the records were not part of the audit)."""
    load = ctx.records.loads.get("shifts")
    p = ctx.table("payslips")
    if load is None or load.file is None:
        return p.filter(ibis.literal(False)).select("employer_id", "worker_id", "payslip_id")
    p = p.filter(p.hours_worked > 0)
    pl = ctx.table("placements")
    pl = pl.select(pl_worker="worker_id", pl_lender="uitlener_id", inlener="inlener_id", pl_start="start_date",
                   pl_end="end_date", placement_id="placement_id")
    j = p.left_join(pl, [p.worker_id == pl.pl_worker, p.employer_id == pl.pl_lender, pl.pl_start <= p.period_end,
                         pl.pl_end.isnull() | (pl.pl_end >= p.period_start)])
    j = j.mutate(responsible=ibis.coalesce(j.inlener, j.employer_id))
    sh = ctx.table("shifts")
    sh = sh.select(s_worker="worker_id", s_employer="employer_id", s_from=sh.start_at_local.date(),
                   s_to=sh.end_at_local.date())
    span = sh.group_by("s_employer").aggregate(span_from=sh.s_from.min(), span_to=sh.s_to.max())
    j = j.join(span, [j.responsible == span.s_employer, j.period_start <= span.span_to,
                      j.period_end >= span.span_from]).drop("s_employer")
    # two anti-joins on equal keys (an OR in the join condition would compare every payslip with every shift)
    for col in ("employer_id", "responsible"):
        x = sh.view()
        j = j.anti_join(x, [j.worker_id == x.s_worker, x.s_employer == j[col], x.s_from <= j.period_end,
                            x.s_to >= j.period_start])
    v = j
    via = ibis.ifelse(v.inlener.isnull(), ibis.literal("employer ") + v.employer_id,
                      ibis.literal("hirer ") + v.inlener + " (placement " + v.placement_id + " by lender "
                      + v.employer_id + ")")
    detail = (via + "; that employer's shift records run from " + v.span_from.strftime("%Y-%m-%d") + " to "
              + v.span_to.strftime("%Y-%m-%d"))
    return v.select(employer_id=v.responsible, worker_id=v.worker_id, payslip_id=v.payslip_id,
                    period_start=v.period_start, period_end=v.period_end, hours=v.hours_worked,
                    reason=ibis.literal("no_time_records"), detail=detail,
                    evidence=ibis.literal("payslips row ") + v._row.cast("string"),
                    confidence=ibis.literal("confirmed"))


@rule(id="atw.minor_not_covered", statute="Atw", article="5:7 lid 1", bwb=BWB, status=Status.IN_FORCE,
      title="Worker under 18: working time not yet checked",
      explanation=("Not yet covered: {detail} The worker was under 18 then; the norms for young workers (art. 5:3 lid "
                   "1, 5:4 lid 1, 5:5 lid 1, 5:7 lid 1 Atw and the Arbeidstijdenbesluit) are not encoded, so these "
                   "shifts were not checked. This is not a violation."))
@_once
def minor_not_covered(ctx: AuditContext) -> ir.Table:
    """Shift records of a worker younger than atw.volwassen_leeftijd on the shift's local start day: listed, one row
    per employer and worker, so that the report shows what was not checked. No fine."""
    n = Norms(ctx)
    r = records(ctx)
    w = ctx.table("workers").select(a_worker="worker_id", a_birth="birth_date")
    # only workers who can be under the adult age on some shift day (cheap: a few workers, not every record)
    w = w.filter(birthday(w.a_birth, ibis.literal(n.constant(AGE, None))) > day_to_date(r.day.min().as_scalar()))
    j = r.join(w, r.worker_id == w.a_worker)
    adult_from = birthday(j.a_birth, n.value(AGE, None, j.day))
    j = j.filter(day_to_date(j.day) < adult_from)
    g = j.group_by(["employer_id", "worker_id"]).aggregate(
        first_day=j.day.min(), last_day=((j.e + j.off_e.cast("int64")) // DAY).max(), work=j.work.sum(), n_rec=j._row.count(),
        rows=j._row.cast("string").group_concat(", ", order_by=j._row))
    return g.select("employer_id", "worker_id", period_start=day_to_date(g.first_day),
                    period_end=day_to_date(g.last_day), hours=hours(g.work, up=True), amount=g.n_rec,
                    reason=ibis.literal("not_yet_covered"),
                    detail=(g.n_rec.cast("string") + " shift record(s) from " + day_to_date(g.first_day).strftime("%Y-%m-%d")
                            + " to " + day_to_date(g.last_day).strftime("%Y-%m-%d") + ", " + hm(g.work)
                            + " h of work."),
                    evidence=ibis.literal("shifts rows ") + g.rows, confidence=n.confidence([AGE], g.first_day))
