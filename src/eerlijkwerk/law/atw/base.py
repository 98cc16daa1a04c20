"""Shared intermediate tables of the Atw rules, each materialised once per audit (``ctx.cached``).

``atw.records`` — one row per valid shift record that overlaps no other record of the same worker, with integer
seconds (see norms.py): ``s``/``e`` start and end instants, ``sl``/``el`` wall-clock start and end, ``brk`` break,
``work`` = e − s − brk (worked time: DST neither adds nor removes an hour), ``night`` = work between 00:00 and 06:00
local (a lower bound: breaks are not timed in the records, so the whole break is assumed to fall in that window),
``day`` local start day, ``wk`` calendar week of the start (atw.week_definitie) and ``work1`` the part of the work
in that week (a record crossing into the next week shares its work in proportion to its clock time on each side;
the rest, ``work − work1``, belongs to week ``wk + 1``), and the sequence per worker: ``gap_before``/``gap_after``
the rest before/after the record (NULL at the edge of the records), ``new_before``/``new_after``: that rest is at least
shift_boundary_rest_hours, i.e. the record starts/ends a *dienst* (art. 1:7 lid 1 onder c Atw).

Overlapping records of one worker are an input error: they are added to the rejected rows (file, row, reason naming
the other rows) and left out of every Atw evaluation, like any rejected row (docs/atw.md).

``atw.dienst`` — one row per dienst: records separated by rests shorter than shift_boundary_rest_hours form one
dienst (art. 1:7 lid 1 onder c; the policy's explanation "telling bij doorlopende diensten"). ``work``, ``night`` and
``brk`` are summed; ``pause`` = breaks + the gaps of at least atw.pauze min_part_minutes between its records;
``min_gap`` the shortest gap inside it (NULL for a one-record dienst); ``rest_before``/``rest_after`` the rests
around it (NULL at the edge of the records); ``is_night`` (more than
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


def _base(ctx: AuditContext) -> ir.Table:
    """The shift records in seconds, narrow (what the sort per worker carries): instants, UTC offsets, break, day."""
    sh = ctx.table("shifts")
    s_ = instant_s(sh.start_at)
    e_ = instant_s(sh.end_at)
    off_s = wall_s(sh.start_at_local) - s_
    return sh.select("worker_id", "employer_id", "_row", s=s_, e=e_, off_s=off_s.cast("int32"),
                     off_e=(wall_s(sh.end_at_local) - e_).cast("int32"), brk=(sh.break_minutes * 60).cast("int32"),
                     day=((s_ + off_s) // DAY).cast("int32"))


def _derived(ctx: AuditContext, t: ir.Table) -> dict[str, ir.Value]:
    """Worked time, night work (lower bound) and the week split of each record (see the module docstring)."""
    n = Norms(ctx)
    day = t.day.cast("int64")
    changes = t.off_e != t.off_s
    off = t.off_s.cast("int64")
    ws = n.value(NACHT, "night_window_start", day)
    we = n.value(NACHT, "night_window_end", day)

    def in_window(d: ir.IntegerValue) -> ir.IntegerValue:
        lo = wall_to_instant(d * DAY + ws, off, changes)
        hi = wall_to_instant(d * DAY + we, off, changes)
        return ibis.greatest(ibis.least(t.e, hi) - ibis.greatest(t.s, lo), 0)

    # a record lasts at most 24 h (validated), so it meets the night windows of its start day and the next day only
    night_clock = in_window(day) + in_window(day + 1)
    wk = n.week_index(day)
    boundary = wall_to_instant(n.week_first_day(wk + 1, day) * DAY, off, changes)
    work = t.e - t.s - t.brk
    work1 = ibis.ifelse(t.e > boundary, (work * (boundary - t.s)) // (t.e - t.s), work)
    # seconds within a day and week numbers fit in 32 bits: narrower columns, less memory at 50M records
    return dict(work=work.cast("int32"), night=ibis.greatest(night_clock - t.brk, 0).cast("int32"),
                wk=wk.cast("int32"), work1=work1.cast("int32"))


def _sequenced(ctx: AuditContext, t: ir.Table, with_overlap: bool) -> ir.Table:
    """The sequence per worker (one sort of the narrow columns): rests before and after, dienst boundaries; on the
    raw records also ``overlap``: the record starts before the latest end so far, or ends after the next start.
    Worked time, night work and the week split are computed after the sort (they need not travel through it)."""
    n = Norms(ctx)
    w = ibis.window(group_by=t.worker_id, order_by=[t.s, t._row])
    prev_e, next_s, next_day = t.e.lag().over(w), t.s.lead().over(w), t.day.lead().over(w)
    extra = {}
    if with_overlap:
        before = t.e.max().over(ibis.window(group_by=t.worker_id, order_by=[t.s, t._row], rows=(None, -1)))
        extra["overlap"] = ((t.s < before) | (t.e > next_s)).fill_null(False)
    seq = t.mutate(
        # a gap is at most the span of the records (int32 seconds: 68 years)
        gap_before=(t.s - prev_e).cast("int32"), gap_after=(next_s - t.e).cast("int32"),
        new_before=prev_e.isnull() | ((t.s - prev_e) >= n.seconds(ARB, "shift_boundary_rest_hours", t.day)),
        new_after=next_s.isnull() | ((next_s - t.e) >= n.seconds(ARB, "shift_boundary_rest_hours", next_day)),
        **extra)
    return seq.mutate(**_derived(ctx, seq))


def _records_all(ctx: AuditContext) -> ir.Table:
    return _sequenced(ctx, _base(ctx), with_overlap=True)


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


def _overlaps(ctx: AuditContext) -> ir.Table:
    """The overlapping records (usually none), reported as rejected rows when this table is built."""
    r = ctx.cached("atw.records_all", _records_all)
    sh = ctx.table("shifts")
    bad = r.filter(r.overlap).select("_row", "worker_id", "s", "e")
    ids = sh.select(b_row="_row", shift_id="shift_id", start_text=sh.start_at.cast("string"))
    bad = bad.join(ids, bad._row == ids.b_row).drop("b_row")
    rows = ctx.backend.to_pyarrow(bad.order_by(["worker_id", "s", "_row"]))
    if rows.num_rows:
        _reject_overlaps(ctx, rows)
    return bad.select("_row")


def records(ctx: AuditContext) -> ir.Table:
    """atw.records (see the module docstring): one sorted pass over the shifts; a second one only where records
    overlap, over the records that remain."""
    r = ctx.cached("atw.records_all", _records_all)
    ov = ctx.cached("atw.overlaps", _overlaps)
    if ctx.backend.execute(ov.count()) == 0:
        return r
    return ctx.cached("atw.records", lambda c: _sequenced(
        c, r.filter(~r.overlap).select("worker_id", "employer_id", "_row", "s", "e", "off_s", "off_e", "brk", "day"),
        with_overlap=False).mutate(overlap=ibis.literal(False)))


def _multi(ctx: AuditContext) -> ir.Table:
    """Diensten of several records (usually few), aggregated once."""
    n = Norms(ctx)
    r = records(ctx)
    m = r.filter(~(r.new_before & r.new_after))
    m = m.mutate(dienst_no=m.new_before.cast("int64").cumsum().over(
        ibis.window(group_by=m.worker_id, order_by=[m.s, m._row], rows=(None, 0))))
    inner_gap = ibis.ifelse(m.new_before, ibis.null("int32"), m.gap_before)
    min_part = n.value("atw.pauze", "min_part_minutes", m.day, units=60)

    def first(c: ir.Column) -> ir.Scalar:
        return c.first(order_by=[m.s, m._row], include_null=True)

    def last(c: ir.Column) -> ir.Scalar:
        return c.last(order_by=[m.s, m._row], include_null=True)

    return m.group_by(["worker_id", "dienst_no"]).aggregate(
        employer_id=first(m.employer_id), first_row=first(m._row),
        rows_txt=m._row.cast("string").group_concat(", ", order_by=[m.s, m._row]),
        n_records=m._row.count().cast("int32"), s=m.s.min(), e=m.e.max(), off_s=first(m.off_s),
        off_e=last(m.off_e), day=first(m.day), wk=first(m.wk), work=m.work.sum().cast("int32"),
        night=m.night.sum().cast("int32"),
        pause=(m.brk.sum() + ibis.ifelse(inner_gap >= min_part, inner_gap, 0).sum()).cast("int32"),
        min_gap=inner_gap.min(), rest_before=first(m.gap_before), rest_after=last(m.gap_after),
    ).drop("dienst_no")


def dienst(ctx: AuditContext) -> ir.Table:
    """atw.dienst (see the module docstring): the one-record diensten straight from atw.records (not copied) and the
    others from a small materialised table. ``sl``/``el``: wall-clock start and end."""
    n = Norms(ctx)
    r = records(ctx)
    single = r.filter(r.new_before & r.new_after).select(
        "worker_id", "employer_id", first_row=r._row, rows_txt=ibis.null("string"),
        n_records=ibis.literal(1, type="int32"), s=r.s, e=r.e, off_s=r.off_s, off_e=r.off_e, day=r.day, wk=r.wk,
        work=r.work, night=r.night, pause=r.brk, min_gap=ibis.null("int32"), rest_before=r.gap_before,
        rest_after=r.gap_after)
    multi = ctx.cached("atw.dienst_multi", _multi)
    d = single.union(multi.select(*single.columns))
    d = d.mutate(sl=d.s + d.off_s.cast("int64"), el=d.e + d.off_e.cast("int64"))
    is_night = d.night > n.seconds(NACHT, "night_shift_more_than_hours_in_window", d.day)
    end_day = d.el // DAY
    is_late = is_night & ((d.el - end_day * DAY) > n.value(NACHT, "late_end_after", end_day))
    return d.mutate(is_night=is_night, is_late=is_late)


def _night_sequence(ctx: AuditContext) -> ir.Table:
    d = dienst(ctx)
    workers = d.filter(d.is_night).select(nw="worker_id").distinct()
    d = d.join(workers, d.worker_id == workers.nw).select(
        "worker_id", "employer_id", "first_row", "rows_txt", "s", "e", "sl", "el", "day", "is_night", "rest_after")
    w = ibis.window(group_by=d.worker_id, order_by=d.s)
    return d.mutate(prev_day=d.day.lag().over(w), prev_night=d.is_night.lag().over(w))


def night_sequence(ctx: AuditContext) -> ir.Table:
    """The diensten of workers with at least one night dienst, with ``prev_day``/``prev_night``: the start day and
    night flag of the previous dienst (for the series rules of art. 5:8 lid 5-7)."""
    return ctx.cached("atw.night_sequence", _night_sequence)


def _week(ctx: AuditContext) -> ir.Table:
    r = records(ctx)
    d = dienst(ctx)
    zero = ibis.literal(0, type="int64")
    part1 = r.select("worker_id", wk=r.wk.cast("int64"), work=r.work1.cast("int64"), nights=zero, lates=zero)
    crossing = r.filter(r.work1 != r.work)
    part2 = crossing.select("worker_id", wk=(crossing.wk + 1).cast("int64"),
                            work=(crossing.work - crossing.work1).cast("int64"), nights=zero, lates=zero)
    counts = d.filter(d.is_night).select("worker_id", wk=d.wk.cast("int64"), work=zero,
                                         nights=ibis.literal(1, type="int64"), lates=d.is_late.cast("int64"))
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
