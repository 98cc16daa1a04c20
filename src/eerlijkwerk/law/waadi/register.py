"""The admission register: was lender X allowed to lend workers on date D?

Answers from admission records (the ``admissions`` table of an audit, or an imported register extract). Which
record is needed depends on the date (parameters waadi.wtta_inwerkingtreding, waadi.wtta_toelatingsplicht):

- before the Wtta is in force (2027-01-01): an active registration as lender in the trade register (art. 7a
  Waadi);
- from then until admission is required (2028-01-01): that registration and a Wtta transition registration with
  the NAU (made before 2027-01-01), an admission or an exemption;
- from 2028-01-01: an active Wtta admission (toelating) or exemption (ontheffing).

Register extract format (CSV or JSON list of objects): the columns of the ``admissions`` table in
docs/input-format.md (admission_id, employer_id = KvK number, kind, status, valid_from, valid_to, register_number).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from eerlijkwerk.params import ParameterSet

WTTA_KINDS = ("wtta_transition", "wtta_admission", "wtta_exemption")


@dataclass(frozen=True)
class RegisterAnswer:
    kvk: str
    date: dt.date
    allowed: bool
    regime: str  # which rule decides on this date
    legal_basis: str
    status: str  # one line for a person
    records: tuple[dict[str, Any], ...]


def regime_on(params: ParameterSet, date: dt.date) -> tuple[str, str]:
    """(regime, legal basis) deciding on ``date``."""
    wtta = params.at("waadi.wtta_inwerkingtreding", date)
    required = params.at("waadi.wtta_toelatingsplicht", date)
    if required is not None and required.value:
        return "wtta_admission", f"Wtta: admission or exemption required from {required.valid_from}"
    if wtta is not None and wtta.value:
        return "wtta_transition", (f"art. 7a Waadi registration + Wtta transition registration with the NAU "
                                   f"(Wtta in force from {wtta.valid_from})")
    return "waadi", "art. 7a Waadi: registration in the trade register as lender"


def active(records: list[dict[str, Any]], kinds: tuple[str, ...], date: dt.date) -> list[dict[str, Any]]:
    return [r for r in records if r["kind"] in kinds and r["status"] == "active" and r["valid_from"] <= date
            and (r["valid_to"] is None or date <= r["valid_to"])]


def check(records: list[dict[str, Any]], params: ParameterSet, kvk: str, date: dt.date) -> RegisterAnswer:
    """Was ``kvk`` allowed to lend workers on ``date``, by the register records given?"""
    own = [r for r in records if r["employer_id"] == kvk]
    regime, basis = regime_on(params, date)
    waadi = active(own, ("waadi_registration",), date)
    wtta = active(own, WTTA_KINDS, date)
    if regime == "waadi":
        allowed = bool(waadi)
    elif regime == "wtta_transition":
        allowed = bool(waadi) and bool(wtta)
    else:
        allowed = bool(active(own, ("wtta_admission", "wtta_exemption"), date))
    what = ", ".join(f"{r['kind']} {r['status']} {r['valid_from']}…{r['valid_to'] or ''}" for r in own) or "no records"
    return RegisterAnswer(kvk, date, allowed, regime, basis,
                          f"{'ALLOWED' if allowed else 'NOT ALLOWED'} to lend workers on {date} under {basis}; "
                          f"register records: {what}", tuple(own))


def load_extract(path: Path) -> list[dict[str, Any]]:
    """Read a register extract (CSV or JSON) through the same validation as the audit's admissions table.
    Raises RecordsError with file, row, column and reason for any bad row."""
    from eerlijkwerk.law.waadi.tables import ADMISSIONS
    from eerlijkwerk.records.reader import RecordsError, TableMapping, _read_csv, _validate_table

    path = Path(path)
    if not path.exists():
        raise RecordsError(f"{path}: no such file")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE rejects (tbl VARCHAR, file VARCHAR, row_nr BIGINT, col VARCHAR, value VARCHAR, reason VARCHAR)")
    if path.suffix.lower() == ".json":
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RecordsError(f"{path}: not a JSON list of register records: {exc}") from exc
        if not isinstance(doc, list) or not all(isinstance(d, dict) for d in doc):
            raise RecordsError(f"{path}: expected a JSON list of objects (one per register record)")
        header = sorted({k for d in doc for k in d})
        table = pa.table({**{h: pa.array([None if d.get(h) is None else str(d.get(h)) for d in doc], pa.string())
                             for h in header},
                          "_row": pa.array(range(1, len(doc) + 1), pa.int64())})
    else:
        header, table = _read_csv(path, TableMapping())
    con.register("arrow_admissions", table)
    load = _validate_table(con, ADMISSIONS, "SELECT * FROM arrow_admissions", header, TableMapping(), path.name,
                           "_malformed" in table.column_names)
    if load.rows_rejected:
        bad = con.sql("SELECT row_nr, col, value, reason FROM rejects ORDER BY row_nr").fetchall()
        lines = "; ".join(f"row {r} column {c} ({v}): {why}" for r, c, v, why in bad[:20])
        raise RecordsError(f"{path.name}: {load.rows_rejected} of {load.rows_read} record(s) rejected: {lines}")
    return con.sql("SELECT * FROM admissions").to_arrow_table().to_pylist()
