"""Benchmark: the full WML audit (engine) against a hand-written DuckDB SQL minimum-wage check.

    .venv/bin/python bench/bench_wml.py [--rows 1000000 10000000] [--keep-data] [--repeat N] [--markdown FILE]

For each size it
1. generates synthetic records with DuckDB SQL straight into Parquet under bench/data/<rows>/ (exact types:
   DECIMAL(14,2) money, DECIMAL(10,2) hours, DATE dates): ~2,500 employers, rows/25 workers (~10% under 21), one
   contract per worker (full-time 36/38/40 h), weekly payslips Monday–Sunday between 2024-01-01 and 2026-06-28, most
   paid above the minimum, ~3% below, ~8% of the workers with a housing deduction;
2. runs, each in its own subprocess so that peak memory is per run (os.wait4 gives the child's own rusage):
   (a) the engine: ``run_audit(folder)`` = read + validate + every WML rule + fines + result tables;
   (b) a hand-written DuckDB SQL query doing the same minimum-wage check on the same Parquet files, exactly (DECIMAL
       sums and comparisons; the only rounding, ceiling/floor to the cent, is an integer division of the exact value);
3. prints engine vs SQL side by side (wall time, rows/s, peak RSS, ratio), the engine's own timings, and whether the
   engine's ``wml.underpayment`` findings agree with the SQL count and total shortfall.

Apples to apples: weekly periods start on 2024-01-01 (a Monday), so the 2024-07-01 rate change falls on a period
boundary, but 2025-01-01, 2025-07-01 and 2026-01-01 fall inside a week, and young workers have birthdays inside
weeks. The SQL therefore does what the engine does (evaluation.py): it splits a period into segments at every rate
change and birthday, spreads the hours over the period's days in proportion, and rounds the total due up to the cent.
Deductions: only housing is generated; the SQL applies the art. 13 rule the engine applies (the whole deduction is
unlawful without authorisation, for uncertified housing or for a posted worker; otherwise only the part above 25% of
the minimum wage due). Health-insurance and other deductions and cash pay are absent (defaults 0) and left out of
the SQL. The SQL handles hourly rates (2024 on) only, which is all the generated data needs.

Data is deleted after the run unless --keep-data (kept data with the same generator version is reused).
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
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
PARAMS = ROOT / "src" / "eerlijkwerk" / "law" / "wml" / "parameters"

GEN_VERSION = 5
N_EMPLOYERS = 2_500
SLIPS_PER_WORKER = 25
FIRST_MONDAY = dt.date(2024, 1, 1)
N_WEEKS = 130  # 2024-01-01 .. 2026-06-28 (a Sunday)

# targets (the 30 s target is for 10M payslips; for other sizes it is pro rata: >= 333,333 rows/s)
TARGET_ROWS_PER_S = 10_000_000 / 30
TARGET_PEAK_BYTES = 4 * 10**9  # 4 GB
TARGET_RATIO = 1.5


# ---------------------------------------------------------------------------------------------------------------
# data generation


def _rates_sql() -> str:
    """The hourly minimum wage per age and half year, as a VALUES list read from the engine's parameter file."""
    import yaml

    doc = yaml.safe_load((PARAMS / "minimumloon_uur.yaml").read_text(encoding="utf-8"))
    entries = sorted((dt.date.fromisoformat(str(k)), v) for k, v in doc["values"].items()
                     if v["status"] in ("in_force", "adopted_not_in_force"))
    rows = []
    for i, (start, v) in enumerate(entries):
        end = entries[i + 1][0] if i + 1 < len(entries) else dt.date(9999, 12, 31)
        if v["value"] is None:
            continue
        for age, amount in v["value"].items():
            rows.append(f"(DATE '{start}', DATE '{end}', {int(age)}, CAST('{Decimal(str(amount))}' AS DECIMAL(6,2)))")
    return "SELECT * FROM (VALUES " + ", ".join(rows) + ") t(valid_from, valid_to, age, rate)"


def _housing_cap_sql() -> str:
    """The housing cap (percent of the minimum wage due) in force, as a VALUES list from the parameter file."""
    import yaml

    doc = yaml.safe_load((PARAMS / "huisvesting_max_inhouding.yaml").read_text(encoding="utf-8"))
    entries = sorted((dt.date.fromisoformat(str(k)), v) for k, v in doc["values"].items()
                     if v["status"] in ("in_force", "adopted_not_in_force"))
    rows = []
    for i, (start, v) in enumerate(entries):
        end = entries[i + 1][0] if i + 1 < len(entries) else dt.date(9999, 12, 31)
        if v["value"] is not None:
            rows.append(f"(DATE '{start}', DATE '{end}', CAST('{Decimal(str(v['value']))}' AS DECIMAL(6,2)))")
    return "SELECT * FROM (VALUES " + ", ".join(rows) + ") t(valid_from, valid_to, pct)"


# Deterministic pseudo-random numbers: hash(key, salt) is stable across runs and threads (random() is not).
GEN_MACROS = """
CREATE OR REPLACE MACRO u(k, salt, n) AS CAST(hash(k, salt) % n AS BIGINT);          -- uniform 0..n-1
CREATE OR REPLACE MACRO cents(x) AS CAST(CAST(x AS DECIMAL(18,0)) * 0.01 AS DECIMAL(14,2));
CREATE OR REPLACE MACRO hcents(x) AS CAST(CAST(x AS DECIMAL(18,0)) * 0.01 AS DECIMAL(10,2));
-- ~10% young (born 2003-07-01 .. 2008-12-31: 15-20 on 2024-01-01), others born 1960-01-01 .. 2001-12-31
CREATE OR REPLACE MACRO birth(w) AS CASE WHEN u(w, 'young', 10) = 0
    THEN DATE '2003-07-01' + CAST(u(w, 'by', 2010) AS INTEGER)
    ELSE DATE '1960-01-01' + CAST(u(w, 'ba', 15341) AS INTEGER) END;
CREATE OR REPLACE MACRO employer_of(w, n_emp) AS u(w, 'emp', n_emp);
CREATE OR REPLACE MACRO age_at(b, d) AS
    year(d) - year(b) - CASE WHEN month(d) < month(b) OR (month(d) = month(b) AND day(d) < day(b)) THEN 1 ELSE 0 END;
"""


def generate(folder: Path, rows: int) -> float:
    """Write employers, workers, contracts and payslips Parquet files for ``rows`` payslips; returns seconds."""
    import duckdb

    t0 = time.perf_counter()
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    n_workers = -(-rows // SLIPS_PER_WORKER)
    con = duckdb.connect()
    con.execute(GEN_MACROS)
    pq = "(FORMAT parquet, COMPRESSION zstd)"

    con.execute(f"""COPY (
        SELECT CAST(10000000 + e AS VARCHAR) AS employer_id,
               CASE u(e, 'role', 20) WHEN 0 THEN 'uitlener' ELSE 'werkgever' END AS role,
               CASE WHEN u(e, 'lf', 10) = 0 THEN 'natural_person' ELSE 'legal_person' END AS legal_form,
               ['01130', '10110', '46310', '49410', '52100', '78201'][1 + u(e, 'sbi', 6)] AS sector_sbi,
               CAST(1 + u(e, 'hc', 500) AS BIGINT) AS headcount
        FROM range({N_EMPLOYERS}) t(e)) TO '{tmp}/employers.parquet' {pq}""")

    con.execute(f"""COPY (
        SELECT 'W' || lpad(CAST(w AS VARCHAR), 8, '0') AS worker_id,
               birth(w) AS birth_date,
               ['NL', 'PL', 'RO', 'BG', 'ES', 'LT', 'PT', 'HU'][1 + u(w, 'nat', 8)] AS nationality
        FROM range({n_workers}) t(w)) TO '{tmp}/workers.parquet' {pq}""")

    con.execute(f"""COPY (
        SELECT 'C' || lpad(CAST(w AS VARCHAR), 8, '0') AS contract_id,
               'W' || lpad(CAST(w AS VARCHAR), 8, '0') AS worker_id,
               CAST(10000000 + employer_of(w, {N_EMPLOYERS}) AS VARCHAR) AS employer_id,
               DATE '2023-12-31' - CAST(u(w, 'cs', 700) AS INTEGER) AS start_date,
               CAST(NULL AS DATE) AS end_date,
               ['onbepaalde_tijd', 'bepaalde_tijd', 'uitzend', 'oproep'][1 + u(w, 'ct', 4)] AS contract_type,
               CAST([36, 38, 40][1 + u(w, 'ft', 3)] AS DECIMAL(10,2)) AS fulltime_hours_per_week,
               u(w, 'posted', 20) = 0 AS posted_worker
        FROM range({n_workers}) t(w)) TO '{tmp}/contracts.parquet' {pq}""")

    # payslips: worker w = i // 25 gets 25 consecutive weeks from a random first week
    con.execute(f"CREATE TEMP TABLE rates AS {_rates_sql()}")
    con.execute(f"""COPY (
        WITH s AS (
            SELECT i, i // {SLIPS_PER_WORKER} AS w,
                   DATE '{FIRST_MONDAY}' + CAST(7 * (u(i // {SLIPS_PER_WORKER}, 'off', {N_WEEKS - SLIPS_PER_WORKER + 1})
                                                     + i % {SLIPS_PER_WORKER}) AS INTEGER) AS period_start
            FROM range({rows}) t(i)),
        h AS (
            SELECT *, birth(w) AS birth_date,
                   -- hours in hundredths: 10% 0-24 h, 70% 24-40 h, 20% 40-60 h
                   CASE WHEN u(i, 'hb', 10) = 0 THEN u(i, 'h', 2401)
                        WHEN u(i, 'hb', 10) <= 7 THEN 2400 + u(i, 'h', 1601)
                        ELSE 4000 + u(i, 'h', 2001) END AS hours_c,
                   -- pay factor in basis points of the minimum: ~3% below (70-99.5%), others 100.5-160%
                   CASE WHEN u(i, 'under', 1000) < 30 THEN 7000 + u(i, 'f', 2951)
                        ELSE 10050 + u(i, 'f', 5951) END AS factor_bp,
                   u(w, 'house', 12) = 0 AS has_housing
            FROM s),
        g AS (
            SELECT h.*, r.rate,
                   -- gross in cents: hours x the rate at the start of the week x factor (rounded down)
                   CAST(h.hours_c * CAST(r.rate * 100 AS BIGINT) * h.factor_bp // 1000000 AS BIGINT) AS gross_c,
                   CASE WHEN h.has_housing THEN 8000 + u(i, 'rent', 6001) ELSE 0 END AS housing_c
            FROM h JOIN rates r
              ON r.age = least(age_at(h.birth_date, h.period_start), 21)
             AND r.valid_from <= h.period_start AND h.period_start < r.valid_to)
        SELECT 'P' || lpad(CAST(i AS VARCHAR), 9, '0') AS payslip_id,
               'W' || lpad(CAST(w AS VARCHAR), 8, '0') AS worker_id,
               CAST(10000000 + employer_of(w, {N_EMPLOYERS}) AS VARCHAR) AS employer_id,
               period_start,
               period_start + 6 AS period_end,
               CASE WHEN u(i, 'nohours', 2000) = 0 THEN NULL ELSE hcents(hours_c) END AS hours_worked,
               CASE WHEN u(i, 'nowage', 2000) = 0 THEN NULL ELSE cents(gross_c) END AS gross_wage,
               cents(gross_c * 8 // 100) AS holiday_allowance,
               cents(housing_c) AS housing_deduction,
               has_housing AND u(w, 'auth', 10) < 8 AS housing_authorised,
               has_housing AND u(w, 'cert', 10) < 8 AS housing_certified,
               cents(greatest(gross_c * 78 // 100 - housing_c, 0)) AS net_paid_bank
        FROM g ORDER BY i) TO '{tmp}/payslips.parquet' {pq}""")
    con.close()
    (tmp / "manifest.json").write_text(json.dumps({"gen_version": GEN_VERSION, "rows": rows}))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return time.perf_counter() - t0


def data_folder(rows: int) -> tuple[Path, float | None]:
    folder = DATA / str(rows)
    m = folder / "manifest.json"
    if m.exists():
        try:
            if json.loads(m.read_text()) == {"gen_version": GEN_VERSION, "rows": rows}:
                return folder, None
        except ValueError:
            pass
    return folder, generate(folder, rows)


# ---------------------------------------------------------------------------------------------------------------
# the hand-written SQL check


def hand_sql(folder: Path) -> str:
    f = {t: f"read_parquet('{folder / (t + '.parquet')}')" for t in ("payslips", "workers", "contracts")}
    return f"""
WITH rates AS ({_rates_sql()}),
caps AS ({_housing_cap_sql()}),
base AS (
    SELECT p.payslip_id, p.period_start, p.period_end, p.hours_worked, p.gross_wage, p.housing_deduction,
           p.housing_authorised, p.housing_certified, coalesce(c.posted_worker, false) AS posted, w.birth_date,
           CAST(date_diff('day', p.period_start, p.period_end) + 1 AS INTEGER) AS period_days,
           -- age in completed years from year, month and day; 21 stands for 21 and older
           least(year(p.period_start) - year(w.birth_date) - CASE WHEN month(p.period_start) < month(w.birth_date)
                 OR (month(p.period_start) = month(w.birth_date) AND day(p.period_start) < day(w.birth_date))
                 THEN 1 ELSE 0 END, 21) AS age_start,
           least(year(p.period_end) - year(w.birth_date) - CASE WHEN month(p.period_end) < month(w.birth_date)
                 OR (month(p.period_end) = month(w.birth_date) AND day(p.period_end) < day(w.birth_date))
                 THEN 1 ELSE 0 END, 21) AS age_end
    FROM {f['payslips']} p
    JOIN {f['workers']} w ON w.worker_id = p.worker_id
    LEFT JOIN {f['contracts']} c ON c.worker_id = p.worker_id AND c.employer_id = p.employer_id
         AND c.start_date <= p.period_end AND (c.end_date IS NULL OR c.end_date >= p.period_start)
    WHERE p.hours_worked IS NOT NULL AND p.gross_wage IS NOT NULL),
seg AS (
    -- one row per payslip x stretch of days at one rate: split at rate changes and at birthdays
    SELECT b.payslip_id, b.hours_worked, r.rate,
           r.age, b.birth_date, b.period_start, b.period_end, r.valid_from, r.valid_to
    FROM base b JOIN rates r
      ON r.valid_from <= b.period_end AND r.valid_to > b.period_start AND r.age BETWEEN b.age_start AND b.age_end),
seg2 AS (
    SELECT payslip_id, hours_worked, rate,
           greatest(period_start, valid_from, bday(birth_date, age)) AS s,
           least(period_end + 1, valid_to,
                 CASE WHEN age >= 21 THEN DATE '9999-12-31' ELSE bday(birth_date, age + 1) END) AS e
    FROM seg),
due AS (
    -- exact: hours x days x rate, DECIMAL(38,4); the due for the period is this / period_days
    SELECT payslip_id, sum(hours_worked * CAST(date_diff('day', s, e) AS INTEGER) * rate) AS due_x,
           sum(date_diff('day', s, e)) AS covered
    FROM seg2 WHERE e > s GROUP BY payslip_id),
ev AS (
    SELECT b.*, d.due_x,
           -- due_x in units of 1/10000 EUR-day; cents = due_x * 100 / period_days
           CAST(d.due_x * 10000 AS HUGEINT) AS due_u
    FROM base b JOIN due d USING (payslip_id)
    WHERE d.covered = b.period_days),
paid AS (
    SELECT payslip_id, due_x, period_days,
           (due_u + 100 * period_days - 1) // (100 * period_days) AS due_c,            -- rounded up to the cent
           CAST(gross_wage * 100 AS BIGINT) - CASE
               WHEN housing_deduction <= 0 THEN 0
               WHEN posted OR NOT housing_authorised OR NOT housing_certified OR cap.pct IS NULL
                   THEN CAST(housing_deduction * 100 AS BIGINT)
               ELSE greatest(CAST(housing_deduction * 100 AS BIGINT)
                             - CAST((due_u * CAST(cap.pct * 100 AS BIGINT)) // (1000000 * period_days) AS BIGINT), 0)
           END AS paid_c
    FROM ev LEFT JOIN caps cap ON ev.period_end >= cap.valid_from AND ev.period_end < cap.valid_to)
SELECT count(*) AS violations, CAST(sum(due_c - paid_c) AS DECIMAL(18,0)) * 0.01 AS shortfall_eur
FROM paid
WHERE due_x > CAST(paid_c AS DECIMAL(18,0)) * 0.01 * period_days   -- exact: due > paid
"""


BDAY_MACRO = """
CREATE OR REPLACE MACRO bday(b, a) AS
    CASE WHEN month(b) = 2 AND day(b) = 29 AND NOT (((year(b) + a) % 4 = 0 AND (year(b) + a) % 100 <> 0)
                                                   OR (year(b) + a) % 400 = 0)
         THEN make_date(year(b) + a, 3, 1)               -- 29 Feb birthday in a non-leap year: 1 March
         ELSE make_date(year(b) + a, month(b), day(b)) END;
"""


# ---------------------------------------------------------------------------------------------------------------
# children (each measured in its own process)


def child_engine(folder: Path) -> dict:
    from eerlijkwerk.engine.run import run_audit

    t0 = time.perf_counter()
    result = run_audit(folder)
    wall = time.perf_counter() - t0
    # the results stay in the audit's DuckDB connection; counted there (outside the timed part)
    con, ft = result.con, result.findings_table
    by_rule = dict(con.sql(f"SELECT rule_id, count(*) FROM {ft} GROUP BY rule_id").fetchall())
    n_under, short = con.sql(f"SELECT count(*), coalesce(sum(shortfall), 0) FROM {ft} "
                             f"WHERE rule_id = 'wml.underpayment'").fetchall()[0]
    n_fines = con.sql(f"SELECT count(*) FROM {result.fines_table}").fetchall()[0][0]
    # the finding ids are the findings' positions in their sort order (engine/run.py), also at this size
    ids_wrong = con.sql(f"SELECT count(*) FROM (SELECT finding_id, row_number() OVER (ORDER BY rule_id, employer_id, "
                        f"_worker_id, period_start, payslip_id, evidence) AS k FROM {ft}) "
                        f"WHERE finding_id <> 'F' || lpad(CAST(k AS VARCHAR), 7, '0')").fetchall()[0][0]
    return {"wall_s": wall, "findings": sum(by_rule.values()), "by_rule": by_rule,
            "underpayment": n_under, "shortfall_eur": str(short),
            "fines": n_fines, "finding_ids_out_of_order": ids_wrong, "evaluations": result.evaluation_counts.get("total", 0),
            "rejects": result.rejects.num_rows,
            "rows_valid": {k: v["rows_valid"] for k, v in result.loads.items()},
            "timings": result.timings}


def child_sql(folder: Path) -> dict:
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(BDAY_MACRO)
    n, short = con.execute(hand_sql(folder)).fetchone()
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "underpayment": n, "shortfall_eur": str(short or Decimal(0))}


def measure(kind: str, folder: Path) -> dict:
    """Run one measurement in a fresh interpreter; returns its JSON plus peak RSS (of that child only)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", kind, str(folder)],
                            stdout=subprocess.PIPE, cwd=ROOT, text=True)
    out = proc.stdout.read()
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{kind} run failed (exit {proc.returncode})")
    res = json.loads(out.strip().splitlines()[-1])
    res["peak_rss_bytes"] = ru.ru_maxrss * 1024  # Linux: KiB
    res["process_s"] = elapsed
    return res


# ---------------------------------------------------------------------------------------------------------------
# report


def _median(xs: list[float]) -> float:
    s = sorted(xs)
    return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2


def _mib(b: float) -> str:
    return f"{b / 2**20:,.0f} MiB ({b / 1e9:.2f} GB)"


def versions() -> dict[str, str]:
    import duckdb
    import ibis
    import pyarrow

    return {"python": platform.python_version(), "duckdb": duckdb.__version__, "ibis": ibis.__version__,
            "pyarrow": pyarrow.__version__}


def report(rows: int, gen_s: float | None, eng: dict, sql: dict, repeat: int) -> list[str]:
    ok = lambda b: "PASS" if b else "FAIL"  # noqa: E731
    e_wall, s_wall = eng["wall_s"], sql["wall_s"]
    ratio = e_wall / s_wall
    target_s = rows / TARGET_ROWS_PER_S
    lines = [f"### {rows:,} payslips", ""]
    lines.append(f"Data: {'generated in ' + format(gen_s, '.1f') + ' s' if gen_s is not None else 'reused'}; "
                 + ", ".join(f"{k} {v:,}" for k, v in eng["rows_valid"].items() if v)
                 + f" valid rows; rejected rows: {eng['rejects']}."
                 + (f" Wall times: median of {repeat}." if repeat > 1 else ""))
    lines.append("")
    lines += [
        "| | engine `run_audit` | hand SQL (DuckDB) | engine / SQL | target |",
        "|---|---|---|---|---|",
        f"| wall | {e_wall:.2f} s | {s_wall:.2f} s | {ratio:.2f}× | ≤ {target_s:.1f} s: {ok(e_wall <= target_s)};"
        f" ≤ {TARGET_RATIO}× SQL: {ok(ratio <= TARGET_RATIO)} |",
        f"| rows/s | {rows / e_wall:,.0f} | {rows / s_wall:,.0f} | | ≥ {TARGET_ROWS_PER_S:,.0f} |",
        f"| peak RSS | {_mib(eng['peak_rss_bytes'])} | {_mib(sql['peak_rss_bytes'])} | "
        f"{eng['peak_rss_bytes'] / sql['peak_rss_bytes']:.1f}× | < 4 GB: {ok(eng['peak_rss_bytes'] < TARGET_PEAK_BYTES)} |",
        f"| process (incl. start, imports) | {eng['process_s']:.2f} s | {sql['process_s']:.2f} s | | |",
        f"| minimum-wage violations | {eng['underpayment']:,} | {sql['underpayment']:,} | | |",
        f"| total shortfall EUR | {Decimal(eng['shortfall_eur']):,.2f} | {Decimal(sql['shortfall_eur']):,.2f} | | |",
        "",
    ]
    t = eng["timings"]
    lines.append("Engine timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in t.items())
                 + f". Findings {eng['findings']:,} (" + ", ".join(f"{k} {v:,}" for k, v in sorted(eng["by_rule"].items()))
                 + f"); fines {eng['fines']:,}; evaluations {eng['evaluations']:,} rows.")
    agree = eng["underpayment"] == sql["underpayment"] and Decimal(eng["shortfall_eur"]) == Decimal(sql["shortfall_eur"])
    lines.append(f"Cross-check engine wml.underpayment vs hand SQL: "
                 f"{'AGREE (count and total shortfall to the cent)' if agree else 'DIFFER'}.")
    lines.append(f"Finding ids in sort order: {'OK' if eng['finding_ids_out_of_order'] == 0 else 'WRONG'} "
                 f"({eng['finding_ids_out_of_order']:,} out of place).")
    lines.append("")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--keep-data", action="store_true", help="keep bench/data/<rows>/ (and reuse it next time)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement; the median wall time is reported")
    ap.add_argument("--markdown", type=Path, help="also write the report as Markdown to this file")
    ap.add_argument("--child", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        kind, folder = args.child
        res = (child_engine if kind == "engine" else child_sql)(Path(folder))
        print(json.dumps(res, default=str))
        return

    v = versions()
    head = [f"Date {dt.date.today()}; {os.cpu_count()} cores; Python {v['python']}, duckdb {v['duckdb']}, "
            f"ibis {v['ibis']}, pyarrow {v['pyarrow']}.",
            "Command: `" + " ".join([".venv/bin/python", "bench/bench_wml.py"] + sys.argv[1:]) + "`", ""]
    print("\n".join(head), flush=True)
    out = list(head)
    for rows in args.rows:
        folder, gen_s = data_folder(rows)
        print(f"[{rows:,}] data {'generated in %.1f s' % gen_s if gen_s is not None else 'reused'} ({folder})",
              flush=True)
        engs, sqls = [], []
        for _ in range(args.repeat):
            sqls.append(measure("sql", folder))
            print(f"[{rows:,}] hand SQL {sqls[-1]['wall_s']:.2f} s", flush=True)
            engs.append(measure("engine", folder))
            print(f"[{rows:,}] engine   {engs[-1]['wall_s']:.2f} s", flush=True)
        eng, sql = engs[-1], sqls[-1]
        eng["wall_s"] = _median([r["wall_s"] for r in engs])
        sql["wall_s"] = _median([r["wall_s"] for r in sqls])
        eng["peak_rss_bytes"] = max(r["peak_rss_bytes"] for r in engs)
        sql["peak_rss_bytes"] = max(r["peak_rss_bytes"] for r in sqls)
        lines = report(rows, gen_s, eng, sql, args.repeat)
        print("\n".join(lines), flush=True)
        out += lines
        if not args.keep_data:
            shutil.rmtree(folder, ignore_errors=True)
    if args.markdown:
        args.markdown.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
