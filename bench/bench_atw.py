"""Benchmark: the working-time (Atw) audit of the engine against a hand-written DuckDB SQL rolling-window check.

    .venv/bin/python bench/bench_atw.py [--shifts 5000000 50000000] [--keep-data] [--markdown bench/RESULTS-atw.md]

For each size it
1. generates N shift records with DuckDB SQL straight into Parquet under bench/data/atw-<N>/ (gitignored): N / 250
   workers (all adults), 100 employers, 250 shifts per worker = 50 weeks of Monday–Friday from a random first week
   in 2024; 80% day rota (each worker starting at one time between 05:00 and 06:45 UTC, 8 h 30 with 30 min break;
   5% of them work 12 h 45 days with 45 min break in 2 of every 5 weeks: 60 h weeks, which exceed the 48-hour average
   over some runs of 16 weeks), 20% night rota (21:00–05:30 UTC, five nights a week: more than 36 night diensten
   ending after 02:00 in 16 weeks). Times are written with their UTC offset (``+00:00``), so validation needs no DST check; no
   record overlaps another or crosses Saturday 24:00. One payslip (the table is required);
2. runs, each in its own subprocess (peak RSS = the child's own VmHWM):
   (a) the engine: ``run_audit(folder)`` = read + validate every table + every rule of every statute + fines (with
       the Atw's own steps, law/atw/base.py TIMINGS);
   (b) a hand-written DuckDB SQL query of one rolling-window rule on the same Parquet file: worked time per worker
       and calendar week (Monday 00:00 Europe/Amsterdam), the total over every run of 16 consecutive weeks, workers
       above 16 × 48 h (art. 5:7 lid 2 onder c; on this data no day-rota worker does night work, so the night
       variant of art. 5:8 lid 2 does not arise);
3. prints both side by side (wall time, shifts/s, peak RSS, ratio), the engine's own timings, and whether the
   workers of the engine's ``atw.average_16_weeks`` findings are those the SQL finds.

Targets (issue 5): 50M shifts in under 60 s on 2 cores, peak memory under 4 GB. Results: bench/RESULTS-atw.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"

GEN_VERSION = 3
SHIFTS_PER_WORKER = 250
N_EMPLOYERS = 100
TARGET_S_PER_50M = 60.0
TARGET_PEAK_BYTES = 4 * 10**9

GEN_MACROS = """
CREATE OR REPLACE MACRO u(k, salt, n) AS CAST(hash(k, salt) % n AS BIGINT);
CREATE OR REPLACE MACRO iso(ts) AS strftime(ts, '%Y-%m-%dT%H:%M:%S') || '+00:00';
"""


def generate(folder: Path, shifts: int) -> float:
    import duckdb

    t0 = time.perf_counter()
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    n_workers = -(-shifts // SHIFTS_PER_WORKER)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    con.execute(GEN_MACROS)
    pq = "(FORMAT parquet, COMPRESSION zstd)"
    con.execute(f"""COPY (SELECT CAST(10000000 + e AS VARCHAR) AS employer_id, 'werkgever' AS role,
                        CAST(5 + u(e, 'hc', 400) AS BIGINT) AS headcount
                        FROM range({N_EMPLOYERS}) t(e)) TO '{tmp}/employers.parquet' {pq}""")
    con.execute(f"""COPY (SELECT 'W' || lpad(CAST(w AS VARCHAR), 8, '0') AS worker_id,
                        DATE '1960-01-01' + CAST(u(w, 'b', 14000) AS INTEGER) AS birth_date, 'NL' AS nationality
                        FROM range({n_workers}) t(w)) TO '{tmp}/workers.parquet' {pq}""")
    # one payslip: W00000000's first week (it has shifts then, so no record-keeping finding)
    con.execute(f"""COPY (SELECT 'P1' AS payslip_id, 'W00000000' AS worker_id,
                        CAST(10000000 + u(0, 'emp', {N_EMPLOYERS}) AS VARCHAR) AS employer_id,
                        DATE '2024-01-01' + CAST(7 * u(0, 'off', 40) AS INTEGER) AS period_start,
                        DATE '2024-01-01' + CAST(7 * u(0, 'off', 40) + 6 AS INTEGER) AS period_end,
                        40.00 AS hours_worked, 800.00 AS gross_wage, 64.00 AS holiday_allowance)
                 TO '{tmp}/payslips.parquet' {pq}""")
    con.execute(f"""COPY (
        WITH s AS (
            SELECT i, i // {SHIFTS_PER_WORKER} AS w, i % {SHIFTS_PER_WORKER} AS k FROM range({shifts}) t(i)),
        d AS (
            SELECT i, w, k,
                   TIMESTAMP '2024-01-01' + to_days(CAST(7 * u(w, 'off', 40) + 7 * (k // 5) + k % 5 AS INTEGER)) AS day,
                   u(w, 'rota', 5) = 0 AS night,
                   u(w, 'rota', 5) <> 0 AND u(w, 'long', 20) = 0 AND (k // 5) % 5 < 2 AS long_week
            FROM s)
        SELECT 'S' || lpad(CAST(i AS VARCHAR), 10, '0') AS shift_id,
               'W' || lpad(CAST(w AS VARCHAR), 8, '0') AS worker_id,
               CAST(10000000 + u(w, 'emp', {N_EMPLOYERS}) AS VARCHAR) AS employer_id,
               iso(st) AS start_at,
               iso(st + to_minutes(CAST(dur AS INTEGER))) AS end_at,
               brk AS break_minutes
        FROM (SELECT i, w, k,
                     CASE WHEN night THEN day + INTERVAL 21 HOUR
                          ELSE day + INTERVAL 5 HOUR + to_minutes(CAST(15 * u(w, 'st', 8) AS INTEGER)) END AS st,
                     CASE WHEN long_week THEN 765 ELSE 510 END AS dur,
                     CASE WHEN long_week THEN 45 ELSE 30 END AS brk
              FROM d)
        ORDER BY i) TO '{tmp}/shifts.parquet' {pq}""")
    con.close()
    (tmp / "manifest.json").write_text(json.dumps({"gen_version": GEN_VERSION, "shifts": shifts}))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return time.perf_counter() - t0


def data_folder(shifts: int) -> tuple[Path, float | None]:
    folder = DATA / f"atw-{shifts}"
    m = folder / "manifest.json"
    if m.exists() and json.loads(m.read_text()) == {"gen_version": GEN_VERSION, "shifts": shifts}:
        return folder, None
    return folder, generate(folder, shifts)


def hand_sql(folder: Path) -> str:
    """Workers whose work in some run of 16 consecutive calendar weeks exceeds 16 × 48 h (weeks without records count
    as 0). The 48 h and 16 weeks are read from the engine's parameter file by the caller."""
    return f"""
WITH s AS (
    SELECT worker_id, CAST(start_at AS TIMESTAMPTZ) AS st, CAST(end_at AS TIMESTAMPTZ) AS en, break_minutes
    FROM read_parquet('{folder / 'shifts.parquet'}')),
w AS (
    SELECT worker_id,
           -- calendar week from Monday 00:00 local time (the Atw fine policy's week from 2019-09-04; the data is of
           -- 2024; 1970-01-05 was a Monday)
           (CAST(epoch(timezone('Europe/Amsterdam', st)) AS BIGINT) // 86400 + 3) // 7 AS wk,
           epoch(en) - epoch(st) - 60 * break_minutes AS work_s
    FROM s),
wk AS (SELECT worker_id, wk, sum(work_s) AS work_s FROM w GROUP BY ALL),
roll AS (
    SELECT worker_id, sum(work_s) OVER (PARTITION BY worker_id ORDER BY wk RANGE BETWEEN {{weeks_1}} PRECEDING
                                        AND CURRENT ROW) AS total
    FROM wk)
SELECT count(DISTINCT worker_id) FROM roll WHERE total > {{limit_s}}
"""


def _own_peak_bytes() -> int:
    """This process's own peak RSS (VmHWM of its address space). ru_maxrss from wait4 is not used: on Linux it keeps
    the high-water mark of the parent at fork time, and the parent may have generated the data."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child_engine(folder: Path) -> dict:
    import pyarrow.compute as pc

    from eerlijkwerk.engine.run import run_audit

    t0 = time.perf_counter()
    result = run_audit(folder)
    wall = time.perf_counter() - t0
    f = result.findings
    by_rule = {d["values"]: d["counts"] for d in pc.value_counts(f.column("rule_id")).to_pylist()} if f.num_rows else {}
    avg = f.filter(pc.equal(f.column("rule_id"), "atw.average_16_weeks"))
    from eerlijkwerk.law.atw import base

    atw_steps = {k: round(w, 2) for k, (w, _cpu) in base.TIMINGS.items()}
    return {"wall_s": wall, "findings": f.num_rows, "by_rule": by_rule, "atw_steps": atw_steps,
            "avg16_workers": len(set(avg.column("_worker_id").to_pylist())), "rejects": result.rejects.num_rows,
            "rows_valid": {k: v["rows_valid"] for k, v in result.loads.items()}, "timings": result.timings,
            "own_peak_bytes": _own_peak_bytes()}


def child_sql(folder: Path) -> dict:
    import duckdb

    from eerlijkwerk.engine.run import load_parameters

    p = load_parameters()
    weeks = int(p.timeline("atw.arbeidstijd")[-1].value["avg_16_weeks_window_weeks"])
    hours = p.timeline("atw.arbeidstijd")[-1].value["avg_16_weeks_max_hours"]
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    (n,) = con.execute(hand_sql(folder).format(weeks_1=weeks - 1, limit_s=int(hours * 3600 * weeks))).fetchone()
    return {"wall_s": time.perf_counter() - t0, "avg16_workers": n, "own_peak_bytes": _own_peak_bytes()}


def measure(kind: str, folder: Path) -> dict:
    t0 = time.perf_counter()
    # cwd bench/data (gitignored): DuckDB spills an in-memory database to ./.tmp there, beyond its memory limit
    DATA.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", kind, str(folder.resolve())],
                            stdout=subprocess.PIPE, cwd=DATA, text=True, env=env)
    out = proc.stdout.read()
    _, status, ru = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - t0
    if code != 0:
        return {"failed": f"exit {code}", "peak_rss_bytes": ru.ru_maxrss * 1024, "process_s": elapsed}
    res = json.loads(out.strip().splitlines()[-1])
    res["peak_rss_bytes"] = res.pop("own_peak_bytes")
    res["process_s"] = elapsed
    return res


def _gb(b: float) -> str:
    return f"{b / 1e9:.2f} GB"


def report(n: int, gen_s: float | None, eng: dict, sql: dict) -> list[str]:
    lines = [f"### {n:,} shifts", "",
             f"Data: {'generated in ' + format(gen_s, '.1f') + ' s' if gen_s is not None else 'reused'} "
             f"({-(-n // SHIFTS_PER_WORKER):,} workers).", ""]
    if "failed" in eng:
        lines += [f"Engine run FAILED ({eng['failed']}) after {eng['process_s']:.1f} s, peak RSS "
                  f"{_gb(eng['peak_rss_bytes'])}; hand SQL {sql['wall_s']:.2f} s, {_gb(sql['peak_rss_bytes'])}.", ""]
        return lines
    target = TARGET_S_PER_50M * n / 50_000_000
    ratio = eng["wall_s"] / sql["wall_s"]
    lines += [
        "| | engine `run_audit` | hand SQL (one rule) | engine / SQL | target |",
        "|---|---|---|---|---|",
        f"| wall | {eng['wall_s']:.1f} s | {sql['wall_s']:.2f} s | {ratio:.1f}× | ≤ {target:.1f} s (60 s per 50M): "
        f"{'PASS' if eng['wall_s'] <= target else 'FAIL'} |",
        f"| shifts/s | {n / eng['wall_s']:,.0f} | {n / sql['wall_s']:,.0f} | | |",
        f"| peak RSS | {_gb(eng['peak_rss_bytes'])} | {_gb(sql['peak_rss_bytes'])} | | < 4 GB: "
        f"{'PASS' if eng['peak_rss_bytes'] < TARGET_PEAK_BYTES else 'FAIL'} |",
        f"| workers above 48 h on average over 16 weeks | {eng['avg16_workers']:,} | {sql['avg16_workers']:,} | | "
        f"{'AGREE' if eng['avg16_workers'] == sql['avg16_workers'] else 'DIFFER'} |",
        "",
        "Engine timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in eng["timings"].items())
        + f". Findings {eng['findings']:,} (" + ", ".join(f"{k} {v:,}" for k, v in sorted(eng["by_rule"].items()))
        + f"); rejected rows {eng['rejects']}.", "",
        f"Atw steps (law/atw/base.py, wall seconds, {sum(eng['atw_steps'].values()):.1f} s in all): "
        + ", ".join(f"{k} {v:.1f}" for k, v in sorted(eng["atw_steps"].items(), key=lambda kv: -kv[1]) if v >= 0.05)
        + ".", ""]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shifts", type=int, nargs="+", default=[5_000_000])
    ap.add_argument("--keep-data", action="store_true", help="keep bench/data/atw-<N>/ and reuse it next time")
    ap.add_argument("--markdown", type=Path, help="also append the report as Markdown to this file")
    ap.add_argument("--child", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, folder = args.child
        print(json.dumps((child_engine if kind == "engine" else child_sql)(Path(folder)), default=str))
        return
    import duckdb
    import ibis

    head = [f"Date {dt.date.today()}; {os.cpu_count()} cores; Python {platform.python_version()}, duckdb "
            f"{duckdb.__version__}, ibis {ibis.__version__}.",
            "Command: `" + " ".join([".venv/bin/python", "bench/bench_atw.py"] + sys.argv[1:]) + "`", ""]
    print("\n".join(head), flush=True)
    out = list(head)
    for n in args.shifts:
        folder, gen_s = data_folder(n)
        print(f"[{n:,}] data {'generated in %.1f s' % gen_s if gen_s is not None else 'reused'}", flush=True)
        sql = measure("sql", folder)
        print(f"[{n:,}] hand SQL {sql.get('wall_s', float('nan')):.2f} s", flush=True)
        eng = measure("engine", folder)
        print(f"[{n:,}] engine {eng.get('wall_s', float('nan')):.1f} s", flush=True)
        lines = report(n, gen_s, eng, sql)
        print("\n".join(lines), flush=True)
        out += lines
        if not args.keep_data:
            shutil.rmtree(folder, ignore_errors=True)
    if args.markdown:
        with open(args.markdown, "a", encoding="utf-8") as fh:
            fh.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
