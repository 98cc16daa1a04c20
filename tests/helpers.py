"""Build small record sets in the documented input format (docs/input-format.md) for tests."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

PAYSLIP_DEFAULTS = {"overtime_hours": "0", "hours_basis": "records", "holiday_allowance": "0", "housing_deduction": "0",
                    "housing_authorised": "false", "housing_certified": "false", "health_insurance_deduction": "0",
                    "health_insurance_authorised": "false", "other_deductions": "0", "net_paid_bank": "0",
                    "net_paid_cash": "0"}


def write_table(folder: Path, name: str, rows: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    header = header or list(dict.fromkeys(k for r in rows for k in r))
    path = folder / f"{name}.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in header})
    return path


def records(folder: Path, payslips: list[dict[str, Any]], workers: list[dict[str, Any]] | None = None,
            contracts: list[dict[str, Any]] | None = None, employers: list[dict[str, Any]] | None = None) -> Path:
    """Write a minimal valid record set; payslip rows may omit defaulted columns."""
    workers = workers or [{"worker_id": "W1", "birth_date": "1990-05-05"}]
    employers = employers or [{"employer_id": "90000001", "role": "uitlener", "legal_form": "legal_person"}]
    write_table(folder, "employers", employers)
    write_table(folder, "workers", workers)
    if contracts:
        write_table(folder, "contracts", contracts)
    rows = []
    for i, p in enumerate(payslips, start=1):
        row = {"payslip_id": f"P{i}", "worker_id": "W1", "employer_id": "90000001", **PAYSLIP_DEFAULTS, **p}
        rows.append(row)
    header = list(dict.fromkeys(k for r in rows for k in r))
    write_table(folder, "payslips", rows, header)
    return folder


def days(start: dt.date, n: int, t0: str, t1: str, brk: int, next_day_end: bool = False, step: int = 1) -> list[tuple]:
    """n shifts on consecutive (or every ``step``) days from ``start``, t0..t1 local time."""
    out = []
    for i in range(n):
        d = start + dt.timedelta(days=i * step)
        e = d + dt.timedelta(days=1) if next_day_end else d
        out.append((f"{d} {t0}", f"{e} {t1}", brk))
    return out


def weekly_rest_weeks(monday: dt.date, first_saturday_end: str) -> list[tuple]:
    """Three weeks of Monday-Friday 08:00-16:00 and a Saturday from 08:00, the first Saturday ending at
    ``first_saturday_end`` (the others at 20:00): the weekly-rest boundary (art. 5:5 Atw) moves with that end."""
    out = []
    for w in range(3):
        mon = monday + dt.timedelta(weeks=w)
        out += days(mon, 5, "08:00", "16:00", 30)
        sat = mon + dt.timedelta(days=5)
        out.append((f"{sat} 08:00", f"{sat} {first_saturday_end if w == 0 else '20:00'}", 45))
    return out
