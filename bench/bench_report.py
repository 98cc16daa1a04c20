"""Benchmark: writing the report (report/writer.py) of a large audit.

    .venv/bin/python bench/bench_report.py [--rows 1000000 10000000] [--data DIR]

Audits the synthetic payslip data that bench_wml.py generates (bench/data/<rows>/; this script never generates data:
a size whose folder is absent is skipped, so run ``bench_wml.py --keep-data`` first, or point ``--data`` at a folder
that holds <rows>/), then times ``write_report`` into a temporary folder (report.html, report.json, findings/fines
as Parquet and CSV, evaluations.parquet), and then ``summarise`` once more, as the CLI does for its console table. Each size runs in
its own interpreter; peak RSS is that process's ``ru_maxrss`` after the audit and after the report, so the increase
is what writing the report added to the audit's peak.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child(folder: Path) -> dict:
    from eerlijkwerk.engine.run import run_audit
    from eerlijkwerk.report.summary import summarise
    from eerlijkwerk.report.writer import write_report

    t0 = time.perf_counter()
    result = run_audit(folder, pseudonym_key="bench")
    audit_s = time.perf_counter() - t0
    peak_audit = _peak_mib()
    n_findings, n_workers = result.con.sql(
        f"SELECT count(*), count(DISTINCT (employer_id, worker_ref)) FROM {result.findings_table}").fetchall()[0]
    n_fines = result.con.sql(f"SELECT count(*) FROM {result.fines_table}").fetchall()[0][0]
    with tempfile.TemporaryDirectory() as out:
        t1 = time.perf_counter()
        paths = write_report(result, Path(out))
        report_s = time.perf_counter() - t1
        sizes = {k: p.stat().st_size for k, p in paths.items()}
    t2 = time.perf_counter()
    summarise(result)  # as the CLI does after writing the report (its console summary)
    summary_s = time.perf_counter() - t2
    with tempfile.TemporaryDirectory() as out:  # the engine's part of write_report, alone
        t3 = time.perf_counter()
        result.write_evaluations(Path(out) / "evaluations.parquet")
        evaluations_s = time.perf_counter() - t3
    return {"audit_s": audit_s, "summary_s": summary_s, "report_s": report_s, "evaluations_s": evaluations_s, "peak_audit_mib": peak_audit,
            "peak_report_mib": _peak_mib(), "findings": n_findings, "workers": n_workers, "fines": n_fines,
            "html_bytes": sizes["html"], "json_bytes": sizes["json"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--data", type=Path, default=HERE / "data", help="folder holding <rows>/ (default bench/data)")
    ap.add_argument("--src", type=Path, default=ROOT / "src",
                    help="source tree to measure (default src/ of this checkout); for a before/after comparison, e.g. "
                         "an older commit's: git archive REV src | tar -x -C DIR, then --src DIR/src")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    for rows in args.rows:
        folder = args.data / str(rows)
        if not (folder / "payslips.parquet").exists():
            print(f"{rows:,} payslips: no data in {folder} (skipped; generate it with bench_wml.py --keep-data)")
            continue
        proc = subprocess.run([sys.executable, __file__, "--child", str(folder)], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(args.src)})
        if proc.returncode:
            sys.exit(proc.stderr)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{rows:,} payslips: {r['findings']:,} findings, {r['fines']:,} fines, {r['workers']:,} workers; "
              f"audit {r['audit_s']:.2f} s")
        print(f"  write_report {r['report_s']:.2f} s (report.html {r['html_bytes'] / 2**20:.1f} MiB, report.json "
              f"{r['json_bytes'] / 2**20:.1f} MiB), of which evaluations.parquet (engine: "
              f"AuditResult.write_evaluations) ~{r['evaluations_s']:.2f} s; summarise again {r['summary_s']:.2f} s")
        print(f"  peak RSS {r['peak_audit_mib']:,.0f} MiB after the audit, {r['peak_report_mib']:,.0f} MiB after the "
              f"report (+{r['peak_report_mib'] - r['peak_audit_mib']:,.0f} MiB)")


if __name__ == "__main__":
    main()
