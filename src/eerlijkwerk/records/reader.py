"""Read and validate records: CSV, Parquet or Excel in, typed DuckDB tables and a list of rejected rows out.

Every table is read as text first, with the row number the user sees (CSV/Excel: the header is row 1; Parquet: the
first record is row 1). Validation runs in DuckDB, so it scales to millions of rows, and produces one rejection per
(row, column, reason). Rows with any rejection are kept out of evaluation; nothing is dropped silently:
``rows_read == rows_valid + rows_rejected`` for every table, and the counts go into the report.

Errors that concern a whole file (missing file, wrong encoding, no header, missing required columns) raise
:class:`RecordsError` with the file name and the reason.
"""

from __future__ import annotations

import csv
import os
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from eerlijkwerk.records.schema import BOOL_FALSE, BOOL_TRUE, SQL_TYPE, Kind, TableSpec, ordered_tables

CSV_CHUNK_ROWS = 500_000
#: Upper bound of any money cell (EUR): keeps the engine's exact integer arithmetic far from overflow.
MONEY_MAX = "1000000"


class RecordsError(Exception):
    """A whole input file cannot be used; the message names the file and says why."""


class TableMapping(BaseModel):
    """How one table of a payroll export maps onto our input format (docs/input-format.md)."""

    model_config = ConfigDict(extra="forbid")
    file: str | None = None
    sheet: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    decimal: str = "."
    date_format: str | None = None
    columns: dict[str, str] = {}


    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, v: str | None) -> str | None:
        if v is not None and len(v) != 1:
            raise ValueError("delimiter must be one character, e.g. ';' or a tab")
        return v

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, v: str | None) -> str | None:
        if v is not None:
            import codecs

            try:
                codecs.lookup(v)
            except LookupError:
                raise ValueError(f"unknown encoding {v!r} (e.g. utf-8, cp1252, latin-1, utf-16)") from None
        return v

    @field_validator("decimal")
    @classmethod
    def _decimal_mark(cls, v: str) -> str:
        if v not in (".", ","):
            raise ValueError("decimal must be '.' or ','")
        return v


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tables: dict[str, TableMapping] = {}

    @classmethod
    def load(cls, path: Path | None) -> "Mapping":
        if path is None:
            return cls()
        try:
            doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
            raise RecordsError(f"{path}: cannot read the mapping file: {exc}") from exc
        if not isinstance(doc, dict):
            raise RecordsError(f"{path}: the mapping file must map table names to settings")
        try:
            return cls(tables={k: TableMapping(**(v or {})) for k, v in doc.items()})
        except (ValidationError, TypeError) as exc:
            raise RecordsError(f"{path}: invalid mapping: {exc}") from exc


@dataclass
class TableLoad:
    name: str
    file: str | None
    rows_read: int = 0
    rows_valid: int = 0
    rows_rejected: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class Records:
    """Validated records in an in-process DuckDB database: one typed table per input table, plus ``rejects``."""

    con: duckdb.DuckDBPyConnection
    loads: dict[str, TableLoad]
    source: str

    def rejects(self) -> pa.Table:
        return self.con.sql("SELECT * FROM rejects ORDER BY tbl, row_nr, col").to_arrow_table()


# ---------------------------------------------------------------------------------------------------------------
# reading sources as text


def _find_source(folder: Path, name: str, tm: TableMapping) -> tuple[str, Path, str | None] | None:
    """(format, path, sheet) of a table, or None when absent."""
    if folder.is_file():
        if folder.suffix.lower() not in (".xlsx", ".xlsm"):
            raise RecordsError(f"{folder}: give a folder of tables or an Excel workbook (.xlsx)")
        sheet = tm.sheet or name
        return ("xlsx", folder, sheet) if sheet in _sheet_names(folder) else None
    if tm.file:
        p = folder / tm.file
        if not p.exists():
            raise RecordsError(f"{p}: file named in the mapping for table '{name}' does not exist")
        fmt = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".xlsx": "xlsx", ".xlsm": "xlsx"}.get(p.suffix.lower())
        if fmt is None:
            raise RecordsError(f"{p}: unknown file type (use .csv, .parquet or .xlsx)")
        return (fmt, p, tm.sheet or name if fmt == "xlsx" else None)
    for fmt, suffix in (("csv", ".csv"), ("parquet", ".parquet"), ("xlsx", ".xlsx")):
        p = folder / f"{name}{suffix}"
        if p.exists():
            return (fmt, p, name if fmt == "xlsx" else None)
    books = sorted(folder.glob("*.xlsx"))
    if len(books) == 1 and name in _sheet_names(books[0]):
        return ("xlsx", books[0], name)
    if len(books) > 1 and any(name in _sheet_names(b) for b in books):
        raise RecordsError(f"{folder}: {len(books)} workbooks hold a sheet '{name}' or may: give one workbook, or "
                           f"name the file per table in the mapping file")
    return None


def _sheet_names(book: Path) -> list[str]:
    import openpyxl

    try:
        return openpyxl.load_workbook(book, read_only=True).sheetnames
    except Exception as exc:  # openpyxl raises many exception types for a broken file
        raise RecordsError(f"{book}: cannot open the workbook: {exc}") from exc


def _detect_encoding(raw: bytes) -> str:
    """A likely encoding to suggest: UTF-16 by its byte-order mark or NUL bytes, else the Windows code page that
    Dutch payroll exports use (cp1252) when it decodes, else what charset-normalizer guesses."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or raw[1:200:2].count(0) > 20 or raw[0:200:2].count(0) > 20:
        return "utf-16"
    try:
        raw[:200_000].decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    return best.encoding if best else "unknown"


def _check_text(path: Path, head: bytes, tm: TableMapping) -> None:
    """Whole-file errors for binary or UTF-16 content before parsing."""
    if tm.encoding and tm.encoding.lower().replace("-", "").startswith("utf16"):
        return
    if b"\x00" in head:
        if _detect_encoding(head) == "utf-16":
            raise RecordsError(f"{path}: the file is UTF-16 text; save it as UTF-8, or set 'encoding: utf-16' for "
                               f"this table in the mapping file")
        raise RecordsError(f"{path}: not a text (CSV) file: it contains binary data")


def _read_csv(path: Path, tm: TableMapping) -> tuple[list[str], pa.Table]:
    encoding = tm.encoding or "utf-8-sig"
    try:
        head = path.read_bytes()[:65536]
    except OSError as exc:
        raise RecordsError(f"{path}: cannot read: {exc}") from exc
    if not head.strip():
        raise RecordsError(f"{path}: the file is empty (no header row)")
    _check_text(path, head, tm)
    try:
        head_text = head.decode(encoding, errors="strict") if tm.encoding else head.decode("utf-8-sig", errors="strict")
    except UnicodeDecodeError as exc:
        if exc.end >= len(head) - 4 and exc.reason.startswith("unexpected end"):
            head_text = head[: exc.start].decode("utf-8-sig")
        else:
            enc = _detect_encoding(head)
            raise RecordsError(
                f"{path}: not UTF-8 text (byte {head[exc.start]:#04x} at byte {exc.start}); it is probably {enc}. "
                f"Save it as UTF-8, or set 'encoding: {enc}' for this table in the mapping file"
            ) from exc
    first_line = head_text.splitlines()[0] if head_text.splitlines() else ""
    delimiter = tm.delimiter
    if delimiter is None:
        counts = {d: first_line.count(d) for d in (",", ";", "\t")}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    header: list[str] | None = None
    cols: list[list[str | None]] = []
    rows: list[int] = []
    bad: list[tuple[int, str]] = []
    chunks: list[pa.Table] = []

    def flush() -> None:
        if header is None:
            return
        data = {h: pa.array(c, type=pa.string()) for h, c in zip(header, cols)}
        data["_row"] = pa.array(rows, type=pa.int64())
        chunks.append(pa.table(data))
        for c in cols:
            c.clear()
        rows.clear()

    try:
        with open(path, newline="", encoding=encoding, errors="strict") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            row_nr = 0
            for rec in reader:
                row_nr += 1
                if header is None:
                    header = [h.strip().lstrip("\ufeff") for h in rec]
                    if not any(header):
                        raise RecordsError(f"{path}: the first row must be a header row with column names")
                    _check_header(path, header)
                    dupes = {h for h in header if header.count(h) > 1}
                    if dupes:
                        raise RecordsError(f"{path}: column(s) {sorted(dupes)} appear more than once in the header")
                    cols = [[] for _ in header]
                    continue
                if not rec or (len(rec) == 1 and not rec[0].strip()):
                    continue  # blank line: nothing to evaluate, not a record
                if len(rec) != len(header):
                    bad.append((row_nr, f"row has {len(rec)} fields, the header has {len(header)} (delimiter '{delimiter}')"))
                    continue
                for c, v in zip(cols, rec):
                    c.append(v)
                rows.append(row_nr)
                if len(rows) >= CSV_CHUNK_ROWS:
                    flush()
    except UnicodeDecodeError as exc:
        enc = _detect_encoding(path.read_bytes())
        raise RecordsError(
            f"{path}: not {encoding} text near byte {exc.start}; it is probably {enc}. "
            f"Save it as UTF-8, or set 'encoding: {enc}' for this table in the mapping file"
        ) from exc
    except csv.Error as exc:
        raise RecordsError(f"{path}: not a readable CSV file: {exc}") from exc
    if header is None:
        raise RecordsError(f"{path}: the file is empty (no header row)")
    flush()
    if bad and not any(c.num_rows for c in chunks):
        raise RecordsError(f"{path}: no row has the header's {len(header)} fields (delimiter '{delimiter}'): check "
                           f"the delimiter, or set 'delimiter' for this table in the mapping file")
    table = pa.concat_tables(chunks) if chunks else pa.table({**{h: pa.array([], pa.string()) for h in header}, "_row": pa.array([], pa.int64())})
    if bad:
        # rows that cannot be split into columns are still rows: they are counted and rejected, not dropped
        extra = pa.table({**{h: pa.array([None] * len(bad), pa.string()) for h in header},
                          "_row": pa.array([b[0] for b in bad], pa.int64()),
                          "_malformed": pa.array([b[1] for b in bad], pa.string())})
        table = table.append_column("_malformed", pa.array([None] * table.num_rows, pa.string()))
        table = pa.concat_tables([table, extra])
    return header, table


RESERVED = ("_row", "_malformed", "file_row_number")


def _check_header(path: Path | str, header: list[str]) -> None:
    bad = [h for h in header if h in RESERVED]
    if bad:
        raise RecordsError(f"{path}: column name(s) {bad} are reserved; rename them (or map them) and retry")


def _cell_text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v))
    return str(v)


def _read_xlsx(path: Path, sheet: str) -> tuple[list[str], pa.Table]:
    """Read a sheet as text. A formula whose value Excel has not stored, or a value in a column without a header,
    makes the row malformed (rejected), never silently empty."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        wf = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:
        raise RecordsError(f"{path}: cannot open the workbook: {exc}") from exc
    if sheet not in wb.sheetnames:
        raise RecordsError(f"{path}: no sheet named '{sheet}' (sheets: {', '.join(wb.sheetnames)})")
    label = f"{path} [{sheet}]"
    try:
        values = wb[sheet].iter_rows(values_only=True)
        formulas = wf[sheet].iter_rows(values_only=True)
        try:
            header = [str(h).strip() if h is not None else "" for h in next(values)]
            next(formulas)
        except StopIteration:
            raise RecordsError(f"{label}: the sheet is empty (no header row)") from None
        while header and header[-1] == "":
            header.pop()
        _check_header(label, header)
        cols: list[list[str | None]] = [[] for _ in header]
        rows: list[int] = []
        malformed: list[str | None] = []
        for i, (rec, frec) in enumerate(zip(values, formulas), start=2):
            vals = [_cell_text(v) for v in rec]
            if all(v is None or not str(v).strip() for v in vals):
                continue
            problem = None
            extra = [v for v in vals[len(header):] if v is not None and str(v).strip()]
            if extra:
                problem = "value(s) in a column without a header"
            for v, f in zip(rec, frec):
                if v is None and isinstance(f, str) and f.startswith("="):
                    problem = f"formula {f[:40]} has no computed value: open and save the workbook in Excel first"
                    break
            vals = vals[: len(header)] + [None] * (len(header) - len(vals[: len(header)]))
            for c, v in zip(cols, vals):
                c.append(v)
            rows.append(i)
            malformed.append(problem)
    except RecordsError:
        raise
    except Exception as exc:  # a damaged sheet inside a readable zip
        raise RecordsError(f"{label}: the sheet cannot be read: {type(exc).__name__}: {exc}") from exc
    data = {h: pa.array(c, type=pa.string()) for h, c in zip(header, cols)}
    data["_row"] = pa.array(rows, type=pa.int64())
    if any(malformed):
        data["_malformed"] = pa.array(malformed, type=pa.string())
    return header, pa.table(data)


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[list[str], str]:
    """Parquet is read inside DuckDB (no copy through Python); returns header and a SQL source of text columns."""
    try:
        schema = pq.read_schema(path)
    except Exception as exc:
        raise RecordsError(f"{path}: not a readable Parquet file: {exc}") from exc
    header = list(schema.names)
    _check_header(path, header)
    casts = [f"CAST({_ident(f.name)} AS VARCHAR) AS {_ident(f.name)}" for f in schema]
    src = f"SELECT {', '.join(casts)}, CAST(file_row_number + 1 AS BIGINT) AS _row FROM read_parquet('{_sql_str(str(path))}', file_row_number=true)"
    return header, src


def _sql_str(s: str) -> str:
    return s.replace("'", "''")


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


# ---------------------------------------------------------------------------------------------------------------
# validation in DuckDB


def _value_sql(col, tm: TableMapping, src_name: str | None) -> str:
    """Text value after trimming, defaults and the mapping's decimal/date conventions."""
    v = f"NULLIF(trim(CAST({_ident(src_name)} AS VARCHAR)), '')" if src_name else "CAST(NULL AS VARCHAR)"
    if col.kind in (Kind.MONEY, Kind.HOURS) and tm.decimal == ",":
        # only the decimal-comma form is converted; anything else stays as it is and fails with its own text
        v = (f"CASE WHEN regexp_full_match({v}, '-?(\\d{{1,3}}(\\.\\d{{3}})+|\\d+)(,\\d+)?') "
             f"THEN replace(replace({v}, '.', ''), ',', '.') ELSE {v} || ' (expected a decimal comma, e.g. 1.234,56)' END")
    if col.default is not None:
        v = f"COALESCE({v}, '{_sql_str(col.default)}')"
    return v


def _typed_sql(col, v: str, tm: TableMapping) -> str:
    k = col.kind
    if k in (Kind.ID, Kind.TEXT):
        return v
    if k == Kind.DATE:
        if tm.date_format:
            return f"CAST(try_strptime({v}, '{_sql_str(tm.date_format)}') AS DATE)"
        return (f"CASE WHEN regexp_full_match({v}, '\\d{{4}}-\\d{{2}}-\\d{{2}}([ T]00:00(:00)?)?') "
                f"THEN TRY_CAST(left({v}, 10) AS DATE) END")
    if k == Kind.TIMESTAMP:
        # with an offset: that instant; without: local time in Europe/Amsterdam (checked for DST gaps/overlaps)
        return (f"CASE WHEN regexp_full_match({v}, '\\d{{4}}-\\d{{2}}-\\d{{2}}[T ]\\d{{2}}:\\d{{2}}(:\\d{{2}})?(Z|[+-]\\d{{2}}:?\\d{{2}})') "
                f"THEN TRY_CAST({v} AS TIMESTAMPTZ) "
                f"WHEN regexp_full_match({v}, '\\d{{4}}-\\d{{2}}-\\d{{2}}[T ]\\d{{2}}:\\d{{2}}(:\\d{{2}})?') "
                f"THEN CASE WHEN {_LOCAL_OK.format(v=v)} THEN timezone('Europe/Amsterdam', TRY_CAST({v} AS TIMESTAMP)) END END")
    if k in (Kind.MONEY, Kind.HOURS):
        return f"CASE WHEN regexp_full_match({v}, '\\d{{1,10}}(\\.\\d{{1,2}})?') THEN CAST({v} AS {SQL_TYPE[k]}) END"
    if k == Kind.INT:
        return f"CASE WHEN regexp_full_match({v}, '-?\\d{{1,15}}') THEN CAST({v} AS BIGINT) END"
    if k == Kind.BOOL:
        t = ", ".join(f"'{x}'" for x in BOOL_TRUE)
        f = ", ".join(f"'{x}'" for x in BOOL_FALSE)
        return f"CASE WHEN lower({v}) IN ({t}) THEN TRUE WHEN lower({v}) IN ({f}) THEN FALSE END"
    if k == Kind.CHOICE:
        ch = ", ".join(f"'{x}'" for x in col.choices)
        return f"CASE WHEN lower({v}) IN ({ch}) THEN lower({v}) END"
    if k == Kind.COUNTRY:
        return f"CASE WHEN regexp_full_match(upper({v}), '[A-Z]{{2}}') THEN upper({v}) END"
    raise AssertionError(k)


# a local time exists and is unambiguous in Europe/Amsterdam (no DST gap, not in the repeated hour)
_LOCAL_OK = ("timezone('Europe/Amsterdam', timezone('Europe/Amsterdam', TRY_CAST({v} AS TIMESTAMP))) = TRY_CAST({v} AS TIMESTAMP) "
             "AND timezone('Europe/Amsterdam', timezone('Europe/Amsterdam', TRY_CAST({v} AS TIMESTAMP)) - INTERVAL 1 HOUR) "
             "<> TRY_CAST({v} AS TIMESTAMP)")


def _bad_value_reason(col, v: str, tm: TableMapping) -> str:
    k = col.kind
    if k == Kind.TIMESTAMP:
        return (f"CASE WHEN TRY_CAST({v} AS TIMESTAMP) IS NULL THEN 'not a date-time (YYYY-MM-DDTHH:MM[:SS][+01:00])' "
                f"WHEN timezone('Europe/Amsterdam', timezone('Europe/Amsterdam', TRY_CAST({v} AS TIMESTAMP))) <> TRY_CAST({v} AS TIMESTAMP) "
                f"THEN 'local time does not exist in Europe/Amsterdam (clock moved forward): give the UTC offset' "
                f"ELSE 'local time occurs twice in Europe/Amsterdam (clock moved back): give the UTC offset' END")
    if k == Kind.DATE:
        fmt = tm.date_format or "YYYY-MM-DD"
        return (f"CASE WHEN regexp_full_match({v}, '\\d{{4}}-\\d{{2}}-\\d{{2}}([ T]00:00(:00)?)?') THEN 'impossible date' "
                f"ELSE 'not a date in the form {_sql_str(fmt)}' END")
    if k in (Kind.MONEY, Kind.HOURS):
        what = "an amount in EUR" if k == Kind.MONEY else "a number of hours"
        return (f"CASE WHEN regexp_full_match({v}, '-\\s*\\d+([.,]\\d+)?') THEN 'negative value not allowed' "
                f"WHEN regexp_full_match({v}, '\\d+\\.\\d{{3,}}') THEN 'more than 2 decimals' "
                f"ELSE 'not {what} (digits with a dot before at most 2 decimals)' END")
    if k == Kind.INT:
        return "'not a whole number'"
    if k == Kind.BOOL:
        return "'not true/false (also yes/no, ja/nee, 1/0)'"
    if k == Kind.CHOICE:
        return f"'unknown code; expected one of: {', '.join(col.choices)}'"
    if k == Kind.COUNTRY:
        return "'not an ISO 3166-1 alpha-2 country code (e.g. PL)'"
    return "'invalid value'"


def _validate_table(con: duckdb.DuckDBPyConnection, spec: TableSpec, source_sql: str, header: list[str],
                    tm: TableMapping, file_label: str, malformed: bool) -> TableLoad:
    load = TableLoad(spec.name, file_label)
    rename = {ours: theirs for ours, theirs in tm.columns.items()}
    unknown_map = [c for c in rename if c not in {col.name for col in spec.columns}]
    if unknown_map:
        raise RecordsError(f"mapping for '{spec.name}': unknown target column(s) {unknown_map}")
    src_of: dict[str, str | None] = {}
    missing = []
    for col in spec.columns:
        name = rename.get(col.name, col.name)
        if name in header:
            src_of[col.name] = name
        else:
            src_of[col.name] = None
            if col.required or col.present:
                missing.append(name if name == col.name else f"{name} (for {col.name})")
    if missing:
        raise RecordsError(f"{file_label}: missing required column(s): {', '.join(missing)} (a column whose cells "
                           f"may be empty must still be present); "
                           f"columns found: {', '.join(header) or '(none)'}")
    used = set(v for v in src_of.values() if v)
    unused = [h for h in header if h not in used]
    if unused:
        load.warnings.append(f"{file_label}: column(s) not used: {', '.join(unused)}")

    t = spec.name
    con.execute(f"CREATE OR REPLACE TEMP VIEW src_{t} AS {source_sql}")
    sel = ["_row"]
    for col in spec.columns:
        v = _value_sql(col, tm, src_of[col.name])
        sel.append(f"{v} AS {_ident('v_' + col.name)}")
        sel.append(f"{_typed_sql(col, v, tm)} AS {_ident(col.name)}")
    if malformed:
        sel.append("_malformed")
    con.execute(f"CREATE OR REPLACE TEMP TABLE typed_{t} AS SELECT {', '.join(sel)} FROM src_{t}")
    load.rows_read = con.execute(f"SELECT count(*) FROM typed_{t}").fetchall()[0][0]

    parts = []
    fl = _sql_str(file_label)
    if malformed:
        parts.append(f"SELECT '{t}', '{fl}', _row, '(row)', NULL, _malformed FROM typed_{t} WHERE _malformed IS NOT NULL")
    for col in spec.columns:
        c, vc = _ident(col.name), _ident("v_" + col.name)
        if col.required:
            parts.append(f"SELECT '{t}', '{fl}', _row, '{col.name}', NULL, 'required value missing' FROM typed_{t} WHERE {vc} IS NULL")
        if col.kind not in (Kind.ID, Kind.TEXT):
            parts.append(f"SELECT '{t}', '{fl}', _row, '{col.name}', {vc}, {_bad_value_reason(col, vc, tm)} "
                         f"FROM typed_{t} WHERE {vc} IS NOT NULL AND {c} IS NULL")
        max_value = col.max_value or (MONEY_MAX if col.kind == Kind.MONEY else None)
        if max_value is not None:
            parts.append(f"SELECT '{t}', '{fl}', _row, '{col.name}', {vc}, 'above the maximum of {max_value}' "
                         f"FROM typed_{t} WHERE {c} > {max_value}")
        if col.min_value is not None:
            parts.append(f"SELECT '{t}', '{fl}', _row, '{col.name}', {vc}, 'below the minimum of {col.min_value}' "
                         f"FROM typed_{t} WHERE {c} < {col.min_value}")
    for rc in spec.row_checks:
        parts.append(f"SELECT '{t}', '{fl}', _row, '{rc.column}', CAST({_ident(rc.column)} AS VARCHAR), '{_sql_str(rc.reason)}' "
                     f"FROM typed_{t} WHERE {rc.failing_sql}")
    if spec.key:
        k = _ident(spec.key)
        parts.append(
            f"SELECT '{t}', '{fl}', _row, '{spec.key}', {k}, 'duplicate {spec.key} (first at row ' || first_row || ')' "
            f"FROM (SELECT _row, {k}, min(_row) OVER (PARTITION BY {k}) AS first_row FROM typed_{t} WHERE {k} IS NOT NULL) "
            f"WHERE _row > first_row")
    for ref in spec.references:
        c = _ident(ref.column)
        parts.append(
            f"SELECT '{t}', '{fl}', _row, '{ref.column}', {c}, 'unknown {ref.column} (not in the valid rows of {ref.table})' "
            f"FROM typed_{t} WHERE {c} IS NOT NULL AND {c} NOT IN (SELECT {_ident(ref.target_column)} FROM {ref.table})")
    if malformed:  # a row that could not be split into columns gets only its own reason
        parts = [parts[0]] + [f"SELECT * FROM ({p}) WHERE _row NOT IN (SELECT _row FROM typed_{t} WHERE _malformed IS NOT NULL)"
                              for p in parts[1:]]
    con.execute(f"INSERT INTO rejects {' UNION ALL '.join(parts)}")
    cols = ", ".join(f"CAST({_ident(c.name)} AS {SQL_TYPE[c.kind]}) AS {_ident(c.name)}" for c in spec.columns)
    # for every instant, also its wall-clock time in Europe/Amsterdam (night work, calendar days)
    cols += "".join(f", timezone('Europe/Amsterdam', {_ident(c.name)}) AS {_ident(c.name + '_local')}"
                    for c in spec.columns if c.kind == Kind.TIMESTAMP)
    con.execute(
        f"CREATE OR REPLACE TABLE {t} AS SELECT _row, {cols} FROM typed_{t} "
        f"WHERE _row NOT IN (SELECT row_nr FROM rejects WHERE tbl = '{t}') ORDER BY _row")
    # the identifying text of rejected rows, so rules can tell "no records" from "records rejected on input"
    ident = ", ".join(f"{_ident('v_' + c.name)} AS {_ident(c.name)}" for c in spec.columns if c.kind == Kind.ID)
    con.execute(f"CREATE OR REPLACE TABLE {t}__rejected AS SELECT _row, {ident} FROM typed_{t} "
                f"WHERE _row IN (SELECT row_nr FROM rejects WHERE tbl = '{t}')")
    con.execute(f"DROP TABLE typed_{t}")
    con.execute(f"DROP VIEW src_{t}")
    load.rows_valid = con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
    load.rows_rejected = load.rows_read - load.rows_valid
    return load


def _empty_table(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    cols = ", ".join(f"CAST(NULL AS {SQL_TYPE[c.kind]}) AS {_ident(c.name)}" for c in spec.columns)
    cols += "".join(f", CAST(NULL AS TIMESTAMP) AS {_ident(c.name + '_local')}"
                    for c in spec.columns if c.kind == Kind.TIMESTAMP)
    con.execute(f"CREATE OR REPLACE TABLE {spec.name} AS SELECT CAST(NULL AS BIGINT) AS _row, {cols} WHERE FALSE")
    ident = ", ".join(f"CAST(NULL AS VARCHAR) AS {_ident(c.name)}" for c in spec.columns if c.kind == Kind.ID)
    con.execute(f"CREATE OR REPLACE TABLE {spec.name}__rejected AS SELECT CAST(NULL AS BIGINT) AS _row, {ident} WHERE FALSE")


def load_records(path: Path | str, mapping: Mapping | None = None,
                 con: duckdb.DuckDBPyConnection | None = None) -> Records:
    """Read every known table from ``path`` (a folder, or one .xlsx workbook), validate, load into DuckDB.

    Returns :class:`Records`. Raises :class:`RecordsError` for a missing folder, a missing required table, or a file
    that cannot be read as a whole (the message names the file).
    """
    from eerlijkwerk import law

    law.statute_packages()  # each statute package registers the tables it reads
    folder = Path(path)
    if not folder.exists():
        raise RecordsError(f"{folder}: no such file or folder")
    mapping = mapping or Mapping()
    unknown = [t for t in mapping.tables if t not in {s.name for s in ordered_tables()}]
    if unknown:
        raise RecordsError(f"mapping names unknown table(s): {unknown}")
    con = con or duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    # bounded memory: DuckDB spills to disk beyond this (EERLIJKWERK_MEMORY_LIMIT, default 3GB)
    con.execute(f"SET memory_limit = '{os.environ.get('EERLIJKWERK_MEMORY_LIMIT', '3GB')}'")
    con.execute("CREATE OR REPLACE TABLE rejects (tbl VARCHAR, file VARCHAR, row_nr BIGINT, col VARCHAR, value VARCHAR, reason VARCHAR)")
    loads: dict[str, TableLoad] = {}
    for spec in ordered_tables():
        tm = mapping.tables.get(spec.name, TableMapping())
        found = _find_source(folder, spec.name, tm)
        if found is None:
            if spec.required_table:
                raise RecordsError(f"{folder}: required table '{spec.name}' not found "
                                   f"(expected {spec.name}.csv, {spec.name}.parquet or a sheet '{spec.name}')")
            _empty_table(con, spec)
            loads[spec.name] = TableLoad(spec.name, None, warnings=[f"table '{spec.name}' not given: treated as empty"])
            continue
        fmt, p, sheet = found
        label = p.name if sheet is None or fmt != "xlsx" else f"{p.name}[{sheet}]"
        malformed = False
        if fmt == "parquet":
            header, source_sql = _read_parquet(con, p)
        else:
            header, arrow = _read_csv(p, tm) if fmt == "csv" else _read_xlsx(p, sheet or spec.name)
            malformed = "_malformed" in arrow.column_names
            con.register(f"arrow_{spec.name}", arrow)
            source_sql = f"SELECT * FROM arrow_{spec.name}"
        try:
            loads[spec.name] = _validate_table(con, spec, source_sql, header, tm, label, malformed)
        except duckdb.Error as exc:
            raise RecordsError(f"{label}: cannot be read: {exc}") from exc
        finally:
            if fmt != "parquet":
                con.unregister(f"arrow_{spec.name}")
        if spec.required_table and loads[spec.name].rows_read == 0:
            raise RecordsError(f"{label}: the table has a header but no rows")
    return Records(con=con, loads=loads, source=str(folder))
