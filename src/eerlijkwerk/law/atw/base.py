"""Shared intermediate tables of the Atw rules, each materialised once per audit (``ctx.cached``).

``atw.records`` — one row per valid shift record that overlaps no other record of the same worker, with integer
seconds (see norms.py): ``s``/``e`` start and end instants, ``sl``/``el`` wall-clock start and end, ``brk`` break,
``work`` = e − s − brk (worked time: DST neither adds nor removes an hour), ``night`` = work between 00:00 and 06:00
local (a lower bound: breaks are not timed in the records, so the whole break is assumed to fall in that window),
``day`` local start day, ``wk`` calendar week of the start (atw.week_definitie) and ``work1`` the part of the work
in that week (a record crossing into the next week shares its work in proportion to its clock time on each side;
the rest, ``work − work1``, belongs to week ``wk + 1``), and the sequence per worker: ``prev_e`` end of the previous
record, ``next_s`` start of the next one, ``new_before``/``new_after``: the rest before/after is at least
shift_boundary_rest_hours, i.e. the record starts/ends a *dienst* (art. 1:7 lid 1 onder c Atw).

Overlapping records of one worker are an input error: they are added to the rejected rows (file, row, reason naming
the other rows) and left out of every Atw evaluation, like any rejected row (docs/atw.md).

``atw.dienst`` — one row per dienst: records separated by rests shorter than shift_boundary_rest_hours form one
dienst (art. 1:7 lid 1 onder c; the policy's explanation "telling bij doorlopende diensten"). ``work``, ``night`` and
``brk`` are summed; ``pause`` = breaks + the gaps of at least atw.pauze min_part_minutes between its records;
``min_gap`` the shortest gap inside it (NULL for a one-record dienst); ``rest_before``/``rest_after`` the rests
around it (NULL at the edge of the records); ``rn`` its number in the worker's sequence; ``is_night`` (more than
night_shift_more_than_hours of work in the night window, art. 1:7 lid 1 onder d) and ``is_late`` (a night dienst
ending after late_end_after, art. 5:8 lid 4); ``next_rest11_at``/``next_rest36_at``: the start of the first rest of at
least daily_rest_hours / weekly_rest_hours that begins at or after this dienst's end (the records' end counts as an
open rest); ``prev_day``/``prev_night``: the previous dienst's start day and night flag.

``atw.week`` — one row per worker and calendar week with work: ``work`` in the week, ``nights`` and ``lates`` (night
diensten / night diensten ending after 02:00 that start in it), and rolling sums over the 4, 16 and 52 calendar weeks
ending with it (weeks without records count as zero: a RANGE frame on the week number).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from eerlijkwerk.engine.context import AuditContext
from eerlijkwerk.law.atw.norms import DAY, Norms, instant_s, wall_s, wall_to_instant

ARB = "atw.arbeidstijd"
NACHT = "atw.nachtdienst"


def _raw(ctx: AuditContext) -> ir.Table:
    """Shift records with their times in seconds, night work and week split (no sequence yet)."""
    n = Norms(ctx)
    sh = ctx.table("shifts")
    t = sh.select(
        "worker_id", "employer_id", "shift_id", "_row",
        s=instant_s(sh.start_at), e=instant_s(sh.end_at),
        sl=wall_s(sh.start_at_local), el=wall_s(sh.end_at_local),
        brk=(sh.break_minutes * 60).cast("int64"),
    )
    t = t.mutate(day=t.sl // DAY, off=t.sl - t.s, changes=(t.el - t.e) != (t.sl - t.s))
    ws = n.value(NACHT, "night_window_start", t.day)
    we = n.value(NACHT, "night_window_end", t.day)

    def in_window(d: ir.IntegerValue) -> ir.IntegerValue:
        lo = wall_to_instant(d * DAY + ws, t.off, t.changes)
        hi = wall_to_instant(d * DAY + we, t.off, t.changes)
        return ibis.greatest(ibis.least(t.e, hi) - ibis.greatest(t.s, lo), 0)

    # a record lasts at most 24 h (validated), so it meets the night windows of its start day and the next day only
    night_clock = in_window(t.day) + in_window(t.day + 1)
    wk = n.week_index(t.day)
    boundary = wall_to_instant(n.week_first_day(wk + 1, t.day) * DAY, t.off, t.changes)
    work = t.e - t.s - t.brk
    work1 = ibis.ifelse(t.e > boundary, (work * (boundary - t.s)) // (t.e - t.s), work)
    return t.mutate(work=work, night=ibis.greatest(night_clock - t.brk, 0), wk=wk, work1=work1).drop("off")


def _with_sequence(t: ir.Table) -> ir.Table:
    w = ibis.window(group_by=t.worker_id, order_by=[t.s, t._row])
    return t.mutate(prev_e=t.e.lag().over(w), next_s=t.s.lead().over(w), next_day=t.day.lead().over(w),
                    max_e_before=t.e.max().over(ibis.window(group_by=t.worker_id, order_by=[t.s, t._row],
                                                            rows=(None, -1))))


def _records0(ctx: AuditContext) -> ir.Table:
    t = _with_sequence(_raw(ctx))
    return t.mutate(overlap=((t.s < t.max_e_before) | (t.e > t.next_s)).fill_null(False))


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


def _records(ctx: AuditContext) -> ir.Table:
    n = Norms(ctx)
    r0 = ctx.cached("atw.records0", _records0)
    bad = ctx.backend.to_pyarrow(
        r0.filter(r0.overlap).join(ctx.table("shifts").select("_row", start_text=ctx.table("shifts").start_at.cast("string")), "_row")
        .select("worker_id", "shift_id", "_row", "s", "e", "start_text").order_by(["worker_id", "s", "_row"]))
    if bad.num_rows:
        _reject_overlaps(ctx, bad)
        keep = r0.filter(~r0.overlap).drop("prev_e", "next_s", "next_day", "max_e_before", "overlap")
        t = _with_sequence(keep)
    else:
        t = r0
    t = t.drop("max_e_before", "overlap")
    gap_before = t.s - t.prev_e
    gap_after = t.next_s - t.e
    bound = n.seconds(ARB, "shift_boundary_rest_hours", t.day)
    bound_next = n.seconds(ARB, "shift_boundary_rest_hours", t.next_day)
    return t.mutate(
        new_before=t.prev_e.isnull() | (gap_before >= bound),
        new_after=t.next_s.isnull() | (gap_after >= bound_next),
    ).drop("next_day")


def records(ctx: AuditContext) -> ir.Table:
    return ctx.cached("atw.records", _records)


def _dienst(ctx: AuditContext) -> ir.Table:
    n = Norms(ctx)
    r = records(ctx)
    single = r.filter(r.new_before & r.new_after).select(
        "worker_id", "employer_id", first_row=r._row, last_row=r._row, rows_txt=ibis.null("string"),
        n_records=ibis.literal(1, type="int64"), s=r.s, e=r.e, sl=r.sl, el=r.el, day=r.day, wk=r.wk, brk=r.brk,
        work=r.work, night=r.night, pause=r.brk, min_gap=ibis.null("int64"), rest_before=r.s - r.prev_e,
        rest_after=r.next_s - r.e)
    m = r.filter(~(r.new_before & r.new_after))
    m = m.mutate(dienst_no=m.new_before.cast("int64").cumsum().over(
        ibis.window(group_by=m.worker_id, order_by=[m.s, m._row], rows=(None, 0))))
    gap = m.s - m.prev_e
    inner_gap = ibis.ifelse(m.new_before, ibis.null("int64"), gap)
    min_part = n.value("atw.pauze", "min_part_minutes", m.day, units=60)
    multi = m.group_by(["worker_id", "dienst_no"]).aggregate(
        employer_id=m.employer_id.first(order_by=m.s),
        first_row=m._row.first(order_by=m.s), last_row=m._row.last(order_by=m.s),
        rows_txt=m._row.cast("string").group_concat(", ", order_by=m.s),
        n_records=m._row.count(),
        s=m.s.min(), e=m.e.max(), sl=m.sl.first(order_by=m.s), el=m.el.last(order_by=m.s),
        day=m.day.first(order_by=m.s), wk=m.wk.first(order_by=m.s), brk=m.brk.sum(),
        work=m.work.sum(), night=m.night.sum(),
        pause=m.brk.sum() + ibis.ifelse(inner_gap >= min_part, inner_gap, 0).sum(),
        min_gap=inner_gap.min(),
        rest_before=(m.s - m.prev_e).first(order_by=m.s), rest_after=(m.next_s - m.e).last(order_by=m.s),
    ).drop("dienst_no")
    d = single.union(multi.select(*single.columns))
    is_night = d.night > n.seconds(NACHT, "night_shift_more_than_hours_in_window", d.day)
    end_day = d.el // DAY
    is_late = is_night & ((d.el - end_day * DAY) > n.value(NACHT, "late_end_after", end_day))
    d = d.mutate(is_night=is_night, is_late=is_late)
    w = ibis.window(group_by=d.worker_id, order_by=d.s)
    following = ibis.window(group_by=d.worker_id, order_by=d.s, rows=(0, None))
    r11 = n.seconds("atw.dagelijkse_rust", "daily_rest_hours", d.day)
    r36 = n.seconds("atw.wekelijkse_rust", "weekly_rest_hours", d.day)
    open_rest = d.rest_after.isnull()
    return d.mutate(
        rn=ibis.row_number().over(w),
        prev_day=d.day.lag().over(w),
        prev_night=d.is_night.lag().over(w),
        next_rest11_at=ibis.ifelse(open_rest | (d.rest_after >= r11), d.e, ibis.null("int64")).min().over(following),
        next_rest36_at=ibis.ifelse(open_rest | (d.rest_after >= r36), d.e, ibis.null("int64")).min().over(following),
    )


def dienst(ctx: AuditContext) -> ir.Table:
    return ctx.cached("atw.dienst", _dienst)


def _week(ctx: AuditContext) -> ir.Table:
    r = records(ctx)
    d = dienst(ctx)
    zero = ibis.literal(0, type="int64")
    part1 = r.select("worker_id", wk=r.wk, work=r.work1, nights=zero, lates=zero)
    crossing = r.filter(r.work1 != r.work)
    part2 = crossing.select("worker_id", wk=crossing.wk + 1, work=crossing.work - crossing.work1, nights=zero,
                            lates=zero)
    counts = d.filter(d.is_night).select("worker_id", wk=d.wk, work=zero, nights=ibis.literal(1, type="int64"),
                                         lates=d.is_late.cast("int64"))
    u = part1.union(part2).union(counts)
    wk = u.group_by(["worker_id", "wk"]).aggregate(work=u.work.sum(), nights=u.nights.sum(), lates=u.lates.sum())

    n = Norms(ctx)
    w4 = n.constant(ARB, "avg_4_weeks_window_weeks")
    w16 = n.constant(ARB, "avg_16_weeks_window_weeks")
    wn16 = n.constant(NACHT, "avg_16_weeks_window_weeks")
    wl = n.constant("atw.nachtdienst_perioden", "late_night_window_weeks")

    def roll(col: str, weeks: int) -> ir.IntegerValue:
        return wk[col].sum().over(ibis.window(group_by=wk.worker_id, order_by=wk.wk, range=(-(weeks - 1), 0)))

    # the window lengths are parameters; the rules read them back from the same files (rules.py)
    return wk.mutate(work4=roll("work", w4), work16=roll("work", w16), work_n16=roll("work", wn16),
                     nights16=roll("nights", wn16), lates16=roll("lates", wl))


def week(ctx: AuditContext) -> ir.Table:
    return ctx.cached("atw.week", _week)
