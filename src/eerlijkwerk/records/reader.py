"""Read and validate records: CSV, Parquet or Excel in, typed DuckDB tables and a list of rejected rows out.

Every table is read with the row number the user sees (CSV/Excel: the header is row 1; Parquet: the first record is
row 1); cells are judged as text (a Parquet column that already has the right type is checked as its value, with the
same outcome). Validation runs in DuckDB, in one pass over the data, so it scales to tens of millions of rows, and
produces one rejection per (row, column, reason). Rows with any rejection are kept out of evaluation; nothing is dropped silently:
``rows_read == rows_valid + rows_rejected`` for every table, and the counts go into the report.

Errors that concern a whole file (missing file, wrong encoding, no header, missing required columns) raise
:class:`RecordsError` with the file name and the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pycountry
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from eerlijkwerk.records.schema import BOOL_FALSE, BOOL_TRUE, SQL_TYPE, Kind, TableSpec, ordered_tables

CSV_CHUNK_ROWS = 500_000
#: Up to this many rows a table is validated with the fewest statements (sorted, duplicate keys grouped directly).
SMALL_ROWS = 100_000
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


TABLE_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}
MAPPED_SUFFIXES = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".xlsx": "xlsx", ".xlsm": "xlsx"}


def _path_problem(path: Path) -> str | None:
    """Why ``path`` cannot be opened as a file, or None: a symbolic link that loops or leads nowhere is named as such
    (``Path.exists()`` says False for both, which would make a table look absent)."""
    import errno

    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link that loops (it points, directly or through other links, back to itself)"
        if os.path.islink(path):
            return f"is a symbolic link to {os.readlink(path)}, which does not exist"
        return f"cannot be opened: {exc.strerror or exc}"
    return None


class _Folder:
    """The files of a records folder, looked up by lower-case name (``Payslips.CSV`` is the payslips table), with the
    sheet names of its workbooks read once."""

    def __init__(self, folder: Path):
        self.path = folder
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            raise RecordsError(f"{folder}: cannot list the folder: {exc.strerror or exc}") from exc
        self.by_lower: dict[str, list[Path]] = {}
        for n in names:
            self.by_lower.setdefault(n.lower(), []).append(folder / n)
        self.books = [p for n in names if n.lower().endswith(".xlsx") and not n.startswith("~$")
                      for p in [folder / n]]
        self._sheets: dict[Path, list[str]] = {}

    def sheets(self, book: Path) -> list[str]:
        if book not in self._sheets:
            problem = _path_problem(book)
            if problem:
                raise RecordsError(f"{book}: {problem}")
            self._sheets[book] = _sheet_names(book)
        return self._sheets[book]

    def sheet_named(self, book: Path, name: str) -> list[str]:
        """The sheets of ``book`` named ``name``, ignoring case."""
        return [s for s in self.sheets(book) if s.lower() == name.lower()]


def _find_source(folder: Path, name: str, tm: TableMapping, files: _Folder | None = None,
                 warnings: list[str] | None = None) -> tuple[str, Path, str | None] | None:
    """(format, path, sheet) of a table, or None when absent.

    A table is the file named after it (``payslips.csv``, ``payslips.parquet`` or ``payslips.xlsx``; names match
    whatever their case) or a sheet of that name in a workbook of the folder. Two of these for one table is an error
    naming every one (which one to read is the inspector's choice: give it in the mapping file); a file named after
    a table that cannot be opened (a symbolic link that loops or leads nowhere) is an error too, never an absent
    table. With ``file:`` in the mapping that file is read, and any other file named after the table is reported in
    ``warnings`` as not read.
    """
    if folder.is_file():
        if folder.suffix.lower() not in (".xlsx", ".xlsm"):
            raise RecordsError(f"{folder}: give a folder of tables or an Excel workbook (.xlsx)")
        if tm.sheet:
            return ("xlsx", folder, tm.sheet) if tm.sheet in _sheet_names(folder) else None
        sheets = [s for s in _sheet_names(folder) if s.lower() == name.lower()]
        if len(sheets) > 1:
            raise RecordsError(f"{folder}: sheets {', '.join(repr(s) for s in sheets)} are all the table '{name}' "
                               f"(sheet names match whatever their case): keep one, or name it in the mapping file")
        return ("xlsx", folder, sheets[0]) if sheets else None
    files = files or _Folder(folder)
    own = [p for suffix in TABLE_SUFFIXES for p in files.by_lower.get(f"{name}{suffix}", [])]
    for p in own:
        problem = _path_problem(p)
        if problem:
            raise RecordsError(f"{p}: {problem}; it is named as the table '{name}': replace it with the file, or "
                               f"remove it")
    if tm.file:
        p = folder / tm.file
        if not os.path.lexists(p):
            same = files.by_lower.get(tm.file.lower(), [])
            if len(same) != 1:
                raise RecordsError(f"{p}: file named in the mapping for table '{name}' does not exist")
            p = same[0]
        problem = _path_problem(p)
        if problem:
            raise RecordsError(f"{p}: {problem} (the file named in the mapping for table '{name}')")
        fmt = MAPPED_SUFFIXES.get(p.suffix.lower())
        if fmt is None:
            raise RecordsError(f"{p}: unknown file type (use .csv, .parquet or .xlsx)")
        others = [o.name for o in own if o != p]
        if others and warnings is not None:
            warnings.append(f"{', '.join(others)} not read: the mapping names {p.name} for table '{name}'")
        return (fmt, p, tm.sheet or name if fmt == "xlsx" else None)
    found: list[tuple[str, Path, str]] = []
    for p in own:
        fmt = TABLE_SUFFIXES[p.suffix.lower()]
        found.append((fmt, p, (files.sheet_named(p, name) or [name])[0] if fmt == "xlsx" else None))
    for book in files.books:
        if book in own:
            continue
        for sheet in files.sheet_named(book, name):
            found.append(("xlsx", book, sheet))
    if len(found) > 1:
        what = ", ".join(p.name if sheet is None or p in own else f"sheet '{sheet}' of {p.name}" for _, p, sheet in found)
        raise RecordsError(f"{folder}: {len(found)} sources for table '{name}': {what}. Only one is read, never one of "
                           f"them silently: remove the others, or name the file (and sheet) for '{name}' in the "
                           f"mapping file")
    return found[0] if found else None


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

    # Every record is one physical line: a quote still open at the end of a line is an unclosed quote (a cell may
    # not hold a line break). The csv module would carry on into the next lines and make them part of that cell, so
    # the rows after it would be neither evaluated, nor counted, nor named. Instead ``lines`` feeds the reader a
    # closing quote at the end of that line, the record is rejected with the line where the quote opened and how
    # many lines it would have swallowed, and the next line is read as a row of its own.
    n_records = 0  # records the reader has returned
    line_nr = 0  # physical lines read (the header is line 1)
    quote_open = False  # the record just returned was closed by ``lines``
    reach: dict[int, list] = {}  # line of an unclosed quote -> [last line it would swallow, a later quote closes it]
    seeking: list[int] = []  # unclosed quotes whose closing line is not yet found

    def lines(fh):
        nonlocal line_nr, quote_open
        asked = -1
        for line in fh:
            if n_records == asked:  # the reader asks for more of the same record: its quote is open
                quote_open = True
                yield '"\n'  # closes the quoted cell: the record ends on the line it started on
            line_nr += 1
            if seeking:
                for opened in seeking:
                    reach[opened][0] = line_nr
                if _closes_quote(line):
                    for opened in seeking:
                        reach[opened][1] = True
                    seeking.clear()
            asked = n_records
            yield line
        if n_records == asked:
            quote_open = True
            yield '"\n'

    try:
        with open(path, newline="", encoding=encoding, errors="strict") as fh:
            reader = csv.reader(lines(fh), delimiter=delimiter)
            for rec in reader:
                n_records += 1
                row_nr = line_nr
                if quote_open:
                    quote_open = False
                    if header is None:
                        raise RecordsError(f"{path}: line 1 (the header) has a quote that is not closed on that line")
                    col = len(rec) - 1  # the open cell is the last one
                    where = f"column {col + 1} ({header[col]})" if col < len(header) else f"field {col + 1}"
                    bad.append((row_nr, f"unclosed quote: the quote opened in {where} on line {row_nr} is not closed "
                                        f"on that line (a cell may not hold a line break)"))
                    reach[row_nr] = [row_nr, False, len(bad) - 1]
                    seeking.append(row_nr)
                    continue
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
    for opened, (last, closed, i) in reach.items():
        if last == opened:
            more = "no line follows it"
        else:
            span = f"line {last}" if last == opened + 1 else f"the next {last - opened} lines, {opened + 1} to {last}"
            more = (f"it would have swallowed {span}{'' if closed else ' (the end of the file)'}; they are read as "
                    f"rows of their own")
        bad[i] = (opened, f"{bad[i][1]}; {more}")
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


def _closes_quote(line: str) -> bool:
    """A quote that is open at the start of ``line`` is closed in it: a quote character not doubled (``""`` is a
    quote inside the cell), as the csv module reads it."""
    i = line.find('"')
    while i != -1:
        if line[i + 1:i + 2] != '"':
            return True
        i = line.find('"', i + 2)
    return False


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


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[list[str], str, dict[str, str], int]:
    """Parquet is read inside DuckDB (no copy through Python) with the file's own column types; returns the header, a
    SQL source (the columns as they are, plus _row), the DuckDB type of each column and the number of rows."""
    try:
        meta = pq.read_metadata(path)
        schema = meta.schema.to_arrow_schema()
    except Exception as exc:
        raise RecordsError(f"{path}: not a readable Parquet file: {exc}") from exc
    header = list(schema.names)
    _check_header(path, header)
    scan = f"read_parquet('{_sql_str(str(path))}', file_row_number=true)"
    try:
        types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()}
    except duckdb.Error as exc:
        raise RecordsError(f"{path}: not a readable Parquet file: {exc}") from exc
    cols = "".join(f"{_ident(h)}, " for h in header)
    src = f"SELECT {cols}CAST(file_row_number + 1 AS BIGINT) AS _row FROM {scan}"
    return header, src, {h: types[h] for h in header if h in types}, meta.num_rows


def _sql_str(s: str) -> str:
    return s.replace("'", "''")


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


# ---------------------------------------------------------------------------------------------------------------
# validation in DuckDB
#
# Every cell is judged as text: the text of a CSV/Excel cell, or the text of a Parquet value (its CAST to VARCHAR; an
# instant with a time zone as ISO 8601 in UTC, e.g. 2024-03-04 05:15:00+00:00). A Parquet column whose type already is
# the column's kind (a DATE for a date, a DECIMAL with at most 2 decimals for money, ...) is not turned into text and
# parsed back: only the checks that its text could still fail are made on the value (negative, too large, ...), with the
# same outcome. One pass over the source computes the typed columns and a flag per row; the reasons (file, row, column,
# reason) are then worked out, as text, for the flagged rows only.


def _value_sql(col, tm: TableMapping, text: str | None) -> str:
    """Text value after trimming, defaults and the mapping's decimal/date conventions (``text``: the cell's text)."""
    if text is None:
        v = "CAST(NULL AS VARCHAR)"
    elif re.fullmatch(r'"([^"]|"")*"', text):
        # trim() removes spaces (Unicode Zs) at either end; it is needed only when the text starts with a character that
        # is not printable ASCII, ends with a space, or has a non-ASCII character (that test is cheaper than trim())
        v = (f"CASE WHEN ascii({text}) BETWEEN 33 AND 126 AND NOT {text} LIKE '% ' AND strlen({text}) = length({text}) "
             f"THEN {text} ELSE NULLIF(trim({text}), '') END")
    else:
        v = f"NULLIF(trim({text}), '')"
    if col.kind in (Kind.MONEY, Kind.HOURS) and tm.decimal == ",":
        # only the decimal-comma form is converted; anything else stays as it is and fails with its own text
        v = (f"CASE WHEN regexp_full_match({v}, '-?(\\d{{1,3}}(\\.\\d{{3}})+|\\d+)(,\\d+)?') "
             f"THEN replace(replace({v}, '.', ''), ',', '.') ELSE {v} || ' (expected a decimal comma, e.g. 1.234,56)' END")
    if col.default is not None:
        v = f"COALESCE({v}, '{_sql_str(col.default)}')"
    return v


def _globs(v: str, patterns: tuple[str, ...]) -> str:
    """``v`` matches one of the GLOB patterns ('#' = one ASCII digit): the same test as the regular expressions in the
    comments below, much faster."""
    return "(" + " OR ".join(f"{v} GLOB '{p.replace('#', '[0-9]')}'" for p in patterns) + ")"


# \d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})
_TS_OFFSET = ("####-##-##[T ]##:##:##[+-]##:##", "####-##-##[T ]##:##:##[+-]####", "####-##-##[T ]##:##:##Z",
              "####-##-##[T ]##:##[+-]##:##", "####-##-##[T ]##:##[+-]####", "####-##-##[T ]##:##Z")
# \d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?
_TS_LOCAL = ("####-##-##[T ]##:##:##", "####-##-##[T ]##:##")
#: the UTC offsets in use run from -12:00 to +14:00 (IANA tz database); an offset beyond ±14:00, or with minutes of
#: 60 or more, is a typing error, never an instant (DuckDB would accept +23:59)
MAX_UTC_OFFSET_MINUTES = 14 * 60


def _offset_ok(v: str) -> str:
    """SQL: the text ``v`` (matching _TS_OFFSET) has Z or an offset of at most ±14:00 with minutes below 60."""
    hh = f"TRY_CAST(regexp_extract({v}, '[+-](\\d{{2}}):?(\\d{{2}})$', 1) AS INTEGER)"
    mm = f"TRY_CAST(regexp_extract({v}, '[+-](\\d{{2}}):?(\\d{{2}})$', 2) AS INTEGER)"
    return (f"(right({v}, 1) = 'Z' OR ({mm} < 60 AND {hh} * 60 + {mm} <= {MAX_UTC_OFFSET_MINUTES}))")
# \d{4}-\d{2}-\d{2}([ T]00:00(:00)?)?
_DATE = ("####-##-##", "####-##-##[T ]00:00", "####-##-##[T ]00:00:00")


def _one_of(v: str, values: tuple[str, ...]) -> str:
    """``v`` is one of ``values``. Not ``v IN (...)``: DuckDB plans a long IN list as a join, and a join does not keep
    the rows in input order."""
    return "(" + " OR ".join(f"{v} = '{_sql_str(x)}'" for x in values) + ")"


#: every assigned ISO 3166-1 alpha-2 code, as an SQL list (source: pycountry's copy of the ISO 3166 data)
_COUNTRY_CODES = ", ".join(f"'{c.alpha_2}'" for c in sorted(pycountry.countries, key=lambda c: c.alpha_2))


def _typed_sql(col, v: str, tm: TableMapping) -> str:
    k = col.kind
    if k in (Kind.ID, Kind.TEXT):
        return v
    if k == Kind.DATE:
        if tm.date_format:
            return f"CAST(try_strptime({v}, '{_sql_str(tm.date_format)}') AS DATE)"
        return f"CASE WHEN {_globs(v, _DATE)} THEN TRY_CAST(left({v}, 10) AS DATE) END"
    if k == Kind.TIMESTAMP:
        # with an offset: that instant; without: local time in Europe/Amsterdam (checked for DST gaps/overlaps)
        return (f"CASE WHEN {_globs(v, _TS_OFFSET)} THEN CASE WHEN {_offset_ok(v)} THEN TRY_CAST({v} AS TIMESTAMPTZ) END "
                f"WHEN {_globs(v, _TS_LOCAL)} THEN {_local_instant_sql(f'TRY_CAST({v} AS TIMESTAMP)')} END")
    if k in (Kind.MONEY, Kind.HOURS):
        # TRY_CAST: hours have 8 digits before the decimal point (DECIMAL(10,2)); a larger number is not a number of hours
        return f"CASE WHEN regexp_full_match({v}, '\\d{{1,10}}(\\.\\d{{1,2}})?') THEN TRY_CAST({v} AS {SQL_TYPE[k]}) END"
    if k == Kind.INT:
        return f"CASE WHEN regexp_full_match({v}, '-?\\d{{1,15}}') THEN CAST({v} AS BIGINT) END"
    if k == Kind.BOOL:
        return f"CASE WHEN {_one_of(f'lower({v})', BOOL_TRUE)} THEN TRUE WHEN {_one_of(f'lower({v})', BOOL_FALSE)} THEN FALSE END"
    if k == Kind.CHOICE:
        return f"CASE WHEN {_one_of(f'lower({v})', col.choices)} THEN lower({v}) END"
    if k == Kind.COUNTRY:  # an assigned ISO 3166-1 alpha-2 code (pycountry), in capitals
        return f"CASE WHEN upper({v}) IN ({_COUNTRY_CODES}) THEN upper({v}) END"
    raise AssertionError(k)


# a local time ({v}: a TIMESTAMP) exists and is unambiguous in Europe/Amsterdam (no DST gap, not in the repeated hour)
_LOCAL_OK = ("timezone('Europe/Amsterdam', timezone('Europe/Amsterdam', {v})) = {v} "
             "AND timezone('Europe/Amsterdam', timezone('Europe/Amsterdam', {v}) - INTERVAL 1 HOUR) <> {v}")


def _bad_value_reason(col, v: str, tm: TableMapping) -> str:
    k = col.kind
    if k == Kind.TIMESTAMP:
        return (f"CASE WHEN {_globs(v, _TS_OFFSET)} AND NOT {_offset_ok(v)} AND TRY_CAST(regexp_extract({v}, "
                f"'[+-]\\d{{2}}:?(\\d{{2}})$', 1) AS INTEGER) >= 60 THEN 'UTC offset with 60 minutes or more' "
                f"WHEN {_globs(v, _TS_OFFSET)} AND NOT {_offset_ok(v)} THEN 'UTC offset beyond ±14:00 (Dutch time "
                f"is +01:00 or +02:00)' "
                f"WHEN NOT ({_globs(v, _TS_OFFSET)} OR {_globs(v, _TS_LOCAL)}) OR {_globs(v, _TS_OFFSET)} "
                f"OR TRY_CAST({v} AS TIMESTAMP) IS NULL THEN 'not a date-time (YYYY-MM-DDTHH:MM[:SS][+01:00])' "
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
        return ("CASE WHEN upper(" + v + ") = 'EL' THEN 'not an ISO 3166-1 alpha-2 country code: Greece is GR (EL is "
                "the EU''s own abbreviation)' ELSE 'not an ISO 3166-1 alpha-2 country code (e.g. PL, RO, UA)' END")
    return "'invalid value'"


# --- Parquet columns of the right type ---------------------------------------------------------------------------

_INT_TYPES = frozenset(("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
                        "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"))
_TSTZ = "TIMESTAMP WITH TIME ZONE"
_TSTZ_RANGE = "BETWEEN TIMESTAMPTZ '0001-01-01 00:00:00+00' AND TIMESTAMPTZ '9999-12-31 23:59:59+00'"


def _decimal_scale(stype: str) -> int | None:
    m = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", stype)
    return int(m[2]) if m else None


def _typed_source(col, stype: str | None, tm: TableMapping) -> bool:
    """The source column (Parquet) already has a type for the column's kind: it is used as it is. Identifiers, text and
    codes are VARCHAR either way; other source types (a date as text, money as DOUBLE, ...) go through their text."""
    k = col.kind
    if stype is None:
        return False
    if k == Kind.DATE:
        return stype == "DATE" and not tm.date_format
    if k in (Kind.MONEY, Kind.HOURS):
        return tm.decimal == "." and (stype in _INT_TYPES or _decimal_scale(stype) is not None)
    if k == Kind.BOOL:
        return stype == "BOOLEAN"
    if k == Kind.INT:
        return stype in _INT_TYPES
    if k == Kind.TIMESTAMP:
        return stype in (_TSTZ, "TIMESTAMP")
    return False


def _typed_value_sql(col, x: str, stype: str) -> tuple[str, str]:
    """(accepted, value) for a typed source value ``x`` (not NULL): ``accepted`` is true exactly when the value's text
    would be accepted; ``value`` is then the typed value, the same as parsed from that text."""
    k = col.kind
    if k == Kind.DATE:  # the text of a date outside years 1-9999 is not YYYY-MM-DD
        return f"{x} BETWEEN DATE '0001-01-01' AND DATE '9999-12-31'", x
    if k in (Kind.MONEY, Kind.HOURS):
        if (_decimal_scale(stype) or 0) > 2:  # its text always shows more than 2 decimals
            return "FALSE", f"CAST(NULL AS {SQL_TYPE[k]})"
        # at most 10 digits before the point; hours fit DECIMAL(10,2)
        return f"{x} >= 0 AND {x} < {'10000000000' if k == Kind.MONEY else '100000000'}", f"CAST({x} AS {SQL_TYPE[k]})"
    if k == Kind.BOOL:
        return "TRUE", x
    if k == Kind.INT:
        return f"{x} > -1000000000000000 AND {x} < 1000000000000000", f"CAST({x} AS BIGINT)"
    if k == Kind.TIMESTAMP and stype == _TSTZ:  # whole seconds (the text has no fraction of a second)
        return f"{x} {_TSTZ_RANGE} AND epoch_us({x}) % 1000000 = 0", x
    if k == Kind.TIMESTAMP:  # without time zone: local time in Europe/Amsterdam
        accepted = (f"{x} BETWEEN TIMESTAMP '0001-01-01' AND TIMESTAMP '9999-12-31 23:59:59' "
                    f"AND epoch_us({x}) % 1000000 = 0 AND {_local_instant_sql(x)} IS NOT NULL")
        return accepted, _local_instant_sql(x)
    raise AssertionError(k)


def _text_sql(x: str, stype: str | None, col) -> str:
    """The text of a source value: a CSV/Excel cell as it is; a Parquet value as DuckDB writes it, except an instant
    (TIMESTAMP WITH TIME ZONE), which is written in ISO 8601 with its UTC offset."""
    if stype is None or stype == "VARCHAR":
        return x
    if stype == _TSTZ and col.kind == Kind.TIMESTAMP:
        return (f"CASE WHEN {x} {_TSTZ_RANGE} AND epoch_us({x}) % 1000000 = 0 "
                f"THEN strftime({x}, '%Y-%m-%d %H:%M:%S') || '+00:00' ELSE CAST({x} AS VARCHAR) END")
    return f"CAST({x} AS VARCHAR)"


# --- wall-clock time in Europe/Amsterdam -------------------------------------------------------------------------

_US_HOUR = 3_600_000_000
_US_DAY = 86_400_000_000
_AMS_DAYS: tuple[int, int, str] | None = None


def _amsterdam_days() -> tuple[int, int, str]:
    """(first, last, bits): for every "day" d from first to last, the instants from d 01:00 UTC to d+1 01:00 UTC (EU
    daylight saving time changes at 01:00 UTC) have one UTC offset in Europe/Amsterdam, +1 h, or +2 h where bit d-first
    is 1. Computed once per process with DuckDB's own timezone() (the same time zone data as every other conversion) at
    the start, middle and end of each such day, 1970-2099; the longest run of days that pass is used."""
    global _AMS_DAYS
    if _AMS_DAYS is None:
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        rows = con.execute(f"""
            WITH d AS (SELECT range AS d FROM range(0, 47482)),
            o AS (SELECT d, [epoch_us(timezone('Europe/Amsterdam', make_timestamptz(u))) - u
                             FOR u IN [d * {_US_DAY} + {_US_HOUR}, d * {_US_DAY} + {_US_HOUR} + {_US_DAY} // 2,
                                       (d + 1) * {_US_DAY} + {_US_HOUR} - 1]] AS offs FROM d)
            SELECT d, CASE WHEN offs[1] = offs[2] AND offs[2] = offs[3] THEN offs[1] END FROM o ORDER BY d""").fetchall()
        con.close()
        best, start = (0, -1), 0
        for i, (_, off) in enumerate(rows + [(None, None)]):
            if off not in (_US_HOUR, 2 * _US_HOUR):
                if i - start > best[1] - best[0] + 1:
                    best = (start, i - 1)
                start = i + 1
        first, last = best
        bits = "".join("1" if rows[i][1] == 2 * _US_HOUR else "0" for i in range(first, last + 1))
        _AMS_DAYS = (rows[first][0], rows[last][0], bits)
    return _AMS_DAYS


def _dst_bit(us: str) -> str:
    """1 when the instant ``us`` (microseconds since 1970, UTC) is in summer time in Europe/Amsterdam, else 0 (the
    caller checks that it lies in the days of :func:`_amsterdam_days`)."""
    first, _, bits = _amsterdam_days()
    return f"get_bit('{bits}'::BIT, CAST(({us} - {_US_HOUR}) // {_US_DAY} AS INTEGER) - {first})"


def _local_sql(c: str) -> str:
    """Wall-clock time in Europe/Amsterdam of the instant ``c``: the same as timezone('Europe/Amsterdam', c), by a
    look-up of the day's UTC offset (timezone() itself outside 1970-2099)."""
    first, last, _ = _amsterdam_days()
    u = f"epoch_us({c})"
    return (f"CASE WHEN {u} >= {first * _US_DAY + _US_HOUR} AND {u} < {(last + 1) * _US_DAY + _US_HOUR} "
            f"THEN make_timestamp({u} + {_US_HOUR} * (1 + {_dst_bit(u)})) "
            f"ELSE timezone('Europe/Amsterdam', {c}) END")


def _local_instant_sql(t: str) -> str:
    """The instant of the local time ``t`` (a TIMESTAMP, Europe/Amsterdam); NULL when that local time does not exist
    (clock moved forward) or occurs twice (clock moved back). Local time L is L - 1 h in winter or L - 2 h in summer:
    it exists once when exactly one of the two is right, i.e. when both candidates have the same DST bit. The same as
    the check with timezone() (_LOCAL_OK), which is used outside 1970-2099."""
    first, last, _ = _amsterdam_days()
    lt = f"epoch_us({t})"
    b1, b2 = _dst_bit(f"({lt} - {_US_HOUR})"), _dst_bit(f"({lt} - {2 * _US_HOUR})")
    return (f"CASE WHEN {lt} >= {first * _US_DAY + 3 * _US_HOUR} AND {lt} < {(last + 1) * _US_DAY + 2 * _US_HOUR} "
            f"THEN CASE WHEN {b1} = {b2} THEN make_timestamptz({lt} - {_US_HOUR} - {_US_HOUR} * {b1}) END "
            f"WHEN {_LOCAL_OK.format(v=t)} THEN timezone('Europe/Amsterdam', {t}) END")


# --- one table --------------------------------------------------------------------------------------------------


def _reject_parts(spec: TableSpec, tm: TableMapping, fl: str, typed: str) -> list[str]:
    """Per-column and row-check rejections of the rows in ``typed`` (columns v_<c>: text value, <c>: typed value)."""
    t = spec.name
    parts = []
    for col in spec.columns:
        c, vc = _ident(col.name), _ident("v_" + col.name)
        if col.required:
            parts.append(f"SELECT '{t}', '{fl}', _row, '{col.name}', NULL, 'required value missing' FROM {typed} WHERE {vc} IS NULL")
        if col.kind not in (Kind.ID, Kind.TEXT):
            parts.append(f"SELECT '{t}', '{fl}', _row, '{col.name}', {vc}, {_bad_value_reason(col, vc, tm)} "
                         f"FROM {typed} WHERE {vc} IS NOT NULL AND {c} IS NULL")
        max_value = col.max_value or (MONEY_MAX if col.kind == Kind.MONEY else None)
        if max_value is not None:
            parts.append(f"SELECT '{t}', '{fl}', _row, '{col.name}', {vc}, 'above the maximum of {max_value}' "
                         f"FROM {typed} WHERE {c} > {max_value}")
        if col.min_value is not None:
            parts.append(f"SELECT '{t}', '{fl}', _row, '{col.name}', {vc}, 'below the minimum of {col.min_value}' "
                         f"FROM {typed} WHERE {c} < {col.min_value}")
    for rc in spec.row_checks:
        parts.append(f"SELECT '{t}', '{fl}', _row, '{rc.column}', CAST({_ident(rc.column)} AS VARCHAR), '{_sql_str(rc.reason)}' "
                     f"FROM {typed} WHERE {rc.failing_sql}")
    return parts


def _absent_sql(col, tm: TableMapping) -> tuple[str, str]:
    """A column the file does not have: its text value (the default, or NULL) and its typed value, both constants."""
    text = _value_sql(col, tm, None)
    return text, f"CAST({_typed_sql(col, text, tm)} AS {SQL_TYPE[col.kind]})"


def _validate_table(con: duckdb.DuckDBPyConnection, spec: TableSpec, source_sql: str, header: list[str],
                    tm: TableMapping, file_label: str, malformed: bool, types: dict[str, str] | None = None,
                    rows: int | None = None) -> TableLoad:
    """Validate one table from ``source_sql`` (its columns, ``_row`` and, for malformed rows, ``_malformed``; ``types``:
    the DuckDB type of each source column, None when every column is text; ``rows``: the number of rows, when known)
    into the typed table, ``rejects`` and ``<table>__rejected``."""
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
    absent = [col for col in spec.columns if src_of[col.name] is None]
    if absent:
        load.warnings.append(f"{file_label}: column(s) not in the file, the same on every row: " + ", ".join(
            f"{rename.get(c.name, c.name)} = {c.default if c.default is not None else 'empty'}" for c in absent))
    used = set(v for v in src_of.values() if v)
    unused = [h for h in header if h not in used]
    if unused:
        load.warnings.append(f"{file_label}: column(s) not used: {', '.join(unused)}")

    t = spec.name
    types = types or {}
    stype = {c.name: types.get(src_of[c.name]) if src_of[c.name] else None for c in spec.columns}
    nested = [f"{src_of[n]} ({t})" for n, t in stype.items()
              if t and (t.endswith("]") or t.upper().startswith(("STRUCT", "MAP", "UNION")))]
    if nested:
        raise RecordsError(f"{file_label}: column(s) holding lists or records instead of single values: "
                           f"{', '.join(nested)}")
    fast = {c.name for c in spec.columns if _typed_source(c, stype[c.name], tm)}
    con.execute(f"CREATE OR REPLACE TEMP VIEW src_{t} AS {source_sql}")

    # one pass: typed columns and a flag for every row that has a rejection of its own
    # (1) per column its text value (or, typed, the source value); (2) typed value; (3) the flag, local times
    keep = ", _malformed" if malformed else ""
    s1, s2, flags = [], [], []
    for col in spec.columns:
        n, x = col.name, (_ident(src_of[col.name]) if src_of[col.name] else None)
        c, vc = _ident(n), _ident("v_" + n)
        if n in fast:
            ok, value = _typed_value_sql(col, vc, stype[n])
            default = _typed_sql(col, f"'{_sql_str(col.default)}'", tm) if col.default is not None else "NULL"
            s1.append(f"{x} AS {vc}")
            s2.append(f"{vc}, CAST(CASE WHEN {vc} IS NULL THEN {default} WHEN {ok} THEN {value} END AS {SQL_TYPE[col.kind]}) AS {c}")
            if col.required and col.default is None:
                flags.append(f"{vc} IS NULL")
        elif x is None:  # not in the file: the same value on every row, written as constants (no per-row work)
            text, typed = _absent_sql(col, tm)
            s1.append(f"{text} AS {vc}")
            s2.append(f"{text} AS {vc}, {typed} AS {c}")
        else:
            s1.append(f"{_value_sql(col, tm, _text_sql(x, stype[n], col) if x else None)} AS {vc}")
            s2.append(f"{vc}, CAST({_typed_sql(col, vc, tm)} AS {SQL_TYPE[col.kind]}) AS {c}")
            if col.required:
                flags.append(f"{vc} IS NULL")
        if col.kind not in (Kind.ID, Kind.TEXT):
            flags.append(f"({vc} IS NOT NULL AND {c} IS NULL)")
        max_value = col.max_value or (MONEY_MAX if col.kind == Kind.MONEY else None)
        if max_value is not None:
            flags.append(f"({c} > {max_value}) IS TRUE")
        if col.min_value is not None:
            flags.append(f"({c} < {col.min_value}) IS TRUE")
    flags += [f"({rc.failing_sql}) IS TRUE" for rc in spec.row_checks]
    if malformed:
        flags.append("_malformed IS NOT NULL")
    # a column the file does not have holds the same value (its default, or NULL) on every row: it is not stored
    # but added by the view {t} over the stored table {t}__stored (memory and time for millions of rows)
    stored = [c for c in spec.columns if src_of[c.name] is not None]
    out = ", ".join(_ident(c.name) for c in stored)
    # for every instant, also its wall-clock time in Europe/Amsterdam (night work, calendar days)
    out += "".join(f", {_local_sql(_ident(c.name))} AS {_ident(c.name + '_local')}"
                   for c in stored if c.kind == Kind.TIMESTAMP)
    select = (f"SELECT _row, {out}, {' OR '.join(flags) or 'FALSE'} AS _bad "
              f"FROM (SELECT _row{keep}, {', '.join(s2)} FROM (SELECT _row{keep}, {', '.join(s1)} FROM src_{t}))")
    # the rows stay in input order: a plain scan and projections keep it (DuckDB preserves insertion order); should the
    # optimizer plan a join (it does for a long IN list), sort. A small table is sorted anyway (cheaper than a check).
    small = rows is not None and rows <= SMALL_ROWS
    order = " ORDER BY _row"
    if not small:
        plan = "".join(str(r[1]) for r in con.execute(f"EXPLAIN {select}").fetchall())
        order = order if re.search(r"JOIN|Join|AGGREGATE|Aggregate|WINDOW|Window|UNION|Union", plan) else ""
    store = f"{t}__stored"
    (load.rows_read,) = con.execute(f"CREATE OR REPLACE TABLE {store} AS {select}{order}").fetchone()
    view, local = [], []
    for c in spec.columns:
        value = _ident(c.name)
        if src_of[c.name] is None:
            value = _absent_sql(c, tm)[1]
            view.append(f"{value} AS {_ident(c.name)}")
        else:
            view.append(value)
        if c.kind == Kind.TIMESTAMP:
            local.append(f"{_local_sql(value) if src_of[c.name] is None else _ident(c.name + '_local')} AS "
                         f"{_ident(c.name + '_local')}")
    con.execute(f"CREATE OR REPLACE VIEW {t} AS SELECT _row, {', '.join(view + local)} FROM {store}")

    # rows whose key repeats an earlier one: none when the keys are strictly increasing in the file (checked in one
    # streaming pass), else found by grouping
    temps = []
    dup = None
    if spec.key:
        k = _ident(spec.key)
        unordered = small or con.execute(f"SELECT count(*) FROM (SELECT {k} AS k, lag({k}) OVER () AS p FROM {t} "
                                         f"WHERE {k} IS NOT NULL) WHERE p >= k").fetchone()[0]
        if unordered:
            dup = f"dup_{t}"
            temps.append(dup)
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {dup} AS SELECT _row, {k}, first_row FROM ("
                f"SELECT _row, {k}, min(_row) OVER (PARTITION BY {k}) AS first_row FROM {t} "
                f"WHERE {k} IN (SELECT {k} FROM {t} WHERE {k} IS NOT NULL GROUP BY {k} HAVING count(*) > 1)) "
                f"WHERE _row > first_row")
    refs = []
    for i, r in enumerate(spec.references):
        c = _ident(r.column)
        ref = f"ref{i}_{t}"
        temps.append(ref)
        refs.append((r, ref))
        con.execute(f"CREATE OR REPLACE TEMP TABLE {ref} AS SELECT _row, {c} FROM {t} "
                    f"WHERE {c} IS NOT NULL AND {c} NOT IN (SELECT {_ident(r.target_column)} FROM {r.table})")
    bad_sources = [f"SELECT _row FROM {store} WHERE _bad"] + [f"SELECT _row FROM {x}" for x in temps]
    bad = f"bad_{t}"
    (n_bad,) = con.execute(f"CREATE OR REPLACE TEMP TABLE {bad} AS {' UNION '.join(bad_sources)}").fetchone()
    temps.append(bad)
    ident = ", ".join(["_row"] + [_ident(c.name) for c in spec.columns if c.kind == Kind.ID])
    if n_bad:
        # the reasons, worked out as text for the flagged rows only (re-read from the source)
        sel = ["_row"]
        for col in spec.columns:
            x = _ident(src_of[col.name]) if src_of[col.name] else None
            v = _value_sql(col, tm, _text_sql(x, stype[col.name], col) if x else None)
            sel.append(f"{v} AS {_ident('v_' + col.name)}")
            sel.append(f"{_typed_sql(col, v, tm)} AS {_ident(col.name)}")
        if malformed:
            sel.append("_malformed")
        typed = f"typed_{t}"
        temps.append(typed)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {typed} AS SELECT {', '.join(sel)} FROM src_{t} "
                    f"WHERE _row IN (SELECT _row FROM {bad})")
        fl = _sql_str(file_label)
        parts = _reject_parts(spec, tm, fl, typed)
        if dup:
            parts.append(f"SELECT '{t}', '{fl}', _row, '{spec.key}', {_ident(spec.key)}, "
                         f"'duplicate {spec.key} (first at row ' || first_row || ')' FROM {dup}")
        for r, ref in refs:
            parts.append(f"SELECT '{t}', '{fl}', _row, '{r.column}', {_ident(r.column)}, "
                         f"'unknown {r.column} (not in the valid rows of {r.table})' FROM {ref}")
        if malformed:  # a row that could not be split into columns gets only its own reason
            parts = ([f"SELECT '{t}', '{fl}', _row, '(row)', NULL, _malformed FROM {typed} WHERE _malformed IS NOT NULL"]
                     + [f"SELECT * FROM ({p}) WHERE _row NOT IN (SELECT _row FROM {typed} WHERE _malformed IS NOT NULL)"
                        for p in parts])
        con.execute(f"INSERT INTO rejects {' UNION ALL '.join(parts)}")
        # every flagged row has its reason (a safeguard: the flag and the reasons are computed apart)
        con.execute(f"INSERT INTO rejects SELECT '{t}', '{fl}', _row, '(row)', NULL, 'rejected on input' FROM {bad} "
                    f"WHERE _row NOT IN (SELECT row_nr FROM rejects WHERE tbl = '{t}')")
        # the identifying text of rejected rows, so rules can tell "no records" from "records rejected on input"
        con.execute(f"CREATE OR REPLACE TABLE {t}__rejected AS SELECT {ident} FROM {t} "
                    f"WHERE _row IN (SELECT _row FROM {bad}) ORDER BY _row")
        con.execute(f"DELETE FROM {store} WHERE _row IN (SELECT _row FROM {bad})")
    else:
        con.execute(f"CREATE OR REPLACE TABLE {t}__rejected AS SELECT {ident} FROM {t} WHERE FALSE")
    con.execute(f"ALTER TABLE {store} DROP COLUMN _bad")
    for x in temps:
        con.execute(f"DROP TABLE IF EXISTS {x}")
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
        problem = _path_problem(folder) if os.path.islink(folder) else None
        raise RecordsError(f"{folder}: {problem or 'no such file or folder'}")
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
    files = None if folder.is_file() else _Folder(folder)
    for spec in ordered_tables():
        tm = mapping.tables.get(spec.name, TableMapping())
        notes: list[str] = []
        found = _find_source(folder, spec.name, tm, files, notes)
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
        types: dict[str, str] | None = None
        if fmt == "parquet":
            header, source_sql, types, rows = _read_parquet(con, p)
        else:
            header, arrow = _read_csv(p, tm) if fmt == "csv" else _read_xlsx(p, sheet or spec.name)
            malformed = "_malformed" in arrow.column_names
            rows = arrow.num_rows
            con.register(f"arrow_{spec.name}", arrow)
            source_sql = f"SELECT * FROM arrow_{spec.name}"
        try:
            loads[spec.name] = _validate_table(con, spec, source_sql, header, tm, label, malformed, types, rows)
        except duckdb.Error as exc:
            raise RecordsError(f"{label}: cannot be read: {exc}") from exc
        finally:
            if fmt != "parquet":
                con.unregister(f"arrow_{spec.name}")
        loads[spec.name].warnings[:0] = notes
        if spec.required_table and loads[spec.name].rows_read == 0:
            raise RecordsError(f"{label}: the table has a header but no rows")
    return Records(con=con, loads=loads, source=str(folder))
