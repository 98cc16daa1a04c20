"""Input validation: every bad row is reported with file, row, column and reason; nothing is dropped silently;
whole-file problems are clear errors, never tracebacks."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from eerlijkwerk.cli import app
from eerlijkwerk.engine.run import run_audit
from eerlijkwerk.records.reader import Mapping, RecordsError, load_records
from tests.helpers import records

GOOD = {"period_start": "2025-01-06", "period_end": "2025-01-12", "hours_worked": "40", "gross_wage": "600.00",
        "holiday_allowance": "48"}


def reasons(recs):
    return {(r["row_nr"], r["col"], r["reason"]) for r in recs.rejects().to_pylist()}


def test_bad_cells_are_rejected_with_row_column_reason(tmp_path):
    folder = records(tmp_path, [
        GOOD,
        {**GOOD, "hours_worked": "-5"},
        {**GOOD, "gross_wage": "12,50"},
        {**GOOD, "period_start": "2025-02-30"},
        {**GOOD, "period_end": "06-01-2025"},
        {**GOOD, "hours_basis": "guess"},
        {**GOOD, "housing_authorised": "maybe"},
        {**GOOD, "gross_wage": "10.123"},
        {**GOOD, "period_end": "2025-01-01"},
        {**GOOD, "worker_id": "NOBODY"},
        {**GOOD, "payslip_id": "P1"},
        {**GOOD, "hours_worked": "400"},
        {**GOOD, "gross_wage": "2000000"},
    ])
    recs = load_records(folder)
    got = reasons(recs)
    # the header is row 1, so payslip n is row n + 1
    assert (3, "hours_worked", "negative value not allowed") in got
    assert (4, "gross_wage", "not an amount in EUR (digits with a dot before at most 2 decimals)") in got
    assert (5, "period_start", "impossible date") in got
    assert (6, "period_end", "not a date in the form YYYY-MM-DD") in got
    assert (7, "hours_basis", "unknown code; expected one of: records, worker_claim") in got
    assert (8, "housing_authorised", "not true/false (also yes/no, ja/nee, 1/0)") in got
    assert (9, "gross_wage", "more than 2 decimals") in got
    assert (10, "period_end", "period_end is before period_start") in got
    assert (11, "worker_id", "unknown worker_id (not in the valid rows of workers)") in got
    assert (12, "payslip_id", "duplicate payslip_id (first at row 2)") in got
    assert (13, "hours_worked", "more hours than the period has (24 h a day)") in got
    assert (14, "gross_wage", "above the maximum of 1000000") in got
    load = recs.loads["payslips"]
    assert (load.rows_read, load.rows_valid, load.rows_rejected) == (13, 1, 12)
    assert {r["file"] for r in recs.rejects().to_pylist()} == {"payslips.csv"}


def test_rows_in_equals_evaluated_plus_rejected_in_the_report(tmp_path):
    folder = records(tmp_path, [GOOD, {**GOOD, "hours_worked": "abc"}])
    result = run_audit(folder)
    load = result.loads["payslips"]
    assert load["rows_read"] == load["rows_valid"] + load["rows_rejected"] == 2
    assert result.evaluations.num_rows == load["rows_valid"]


def test_malformed_csv_row_is_rejected_not_dropped(tmp_path):
    folder = records(tmp_path, [GOOD])
    with open(folder / "payslips.csv", "a", encoding="utf-8") as fh:
        fh.write("P9,W1,90000001,2025-01-06\n")
    recs = load_records(folder)
    assert any(r[1] == "(row)" and "fields" in r[2] for r in reasons(recs))
    assert recs.loads["payslips"].rows_rejected == 1


@pytest.mark.parametrize("content,message", [
    (b"", "empty"),
    (b"payslip_id,worker_id\n", "missing required column"),
    ("payslip_id,worker_id,employer_id,period_start,period_end\nP1,W\xe9,90000001,2025-01-06,2025-01-12\n".encode("cp1252"), "not UTF-8"),
])
def test_whole_file_errors(tmp_path, content, message):
    folder = records(tmp_path, [GOOD])
    (folder / "payslips.csv").write_bytes(content)
    with pytest.raises(RecordsError, match=message) as exc:
        load_records(folder)
    assert "payslips.csv" in str(exc.value)


def test_header_only_required_table_and_missing_table(tmp_path):
    folder = records(tmp_path, [GOOD])
    (folder / "payslips.csv").write_text("payslip_id,worker_id,employer_id,period_start,period_end,hours_worked,gross_wage\n")
    with pytest.raises(RecordsError, match="no rows"):
        load_records(folder)
    (folder / "payslips.csv").unlink()
    with pytest.raises(RecordsError, match="required table 'payslips' not found"):
        load_records(folder)


def test_encoding_from_mapping_and_semicolon_export(tmp_path):
    """A payroll export as it is: cp1252, ';' separated, decimal comma, Dutch dates, its own column names."""
    folder = records(tmp_path, [GOOD])
    (folder / "payslips.csv").unlink()
    (folder / "loonstroken.csv").write_bytes(
        "Nr;Personeelsnummer;Werkgever;Van;Tot;Uren;Brutoloon;Vakantiegeld;Opmerking\n"
        "P1;W1;90000001;06-01-2025;12-01-2025;40,00;1.562,40;125,00;geïnd\n".encode("cp1252"))
    (tmp_path / "mapping.yaml").write_text(
        "payslips:\n  file: loonstroken.csv\n  encoding: cp1252\n  decimal: ','\n  date_format: '%d-%m-%Y'\n"
        "  columns: {payslip_id: Nr, worker_id: Personeelsnummer, employer_id: Werkgever, period_start: Van,\n"
        "            period_end: Tot, hours_worked: Uren, gross_wage: Brutoloon, holiday_allowance: Vakantiegeld}\n")
    recs = load_records(folder, Mapping.load(tmp_path / "mapping.yaml"))
    assert recs.loads["payslips"].rows_valid == 1
    row = recs.con.sql("SELECT period_start, gross_wage FROM payslips").fetchall()[0]
    assert str(row[0]) == "2025-01-06" and str(row[1]) == "1562.40"
    assert any("not used: Opmerking" in w for w in recs.loads["payslips"].warnings)


def test_parquet_and_excel_inputs(tmp_path):
    csv_folder = records(tmp_path / "csv", [GOOD, {**GOOD, "gross_wage": "500"}])
    expected = sorted(run_audit(csv_folder).findings.column("rule_id").to_pylist())
    pq_folder = tmp_path / "pq"
    shutil.copytree(csv_folder, pq_folder)
    table = pacsv.read_csv(pq_folder / "payslips.csv", convert_options=pacsv.ConvertOptions(
        column_types={"employer_id": pa.string(), "gross_wage": pa.decimal128(14, 2)}))
    (pq_folder / "payslips.csv").unlink()
    pq.write_table(table, pq_folder / "payslips.parquet")
    assert sorted(run_audit(pq_folder).findings.column("rule_id").to_pylist()) == expected

    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in ("employers", "workers", "payslips"):
        ws = wb.create_sheet(name)
        import csv as _csv

        with open(csv_folder / f"{name}.csv", encoding="utf-8") as fh:
            for row in _csv.reader(fh):
                ws.append(row)
    book = tmp_path / "records.xlsx"
    wb.save(book)
    assert sorted(run_audit(book).findings.column("rule_id").to_pylist()) == expected


def test_cli_reports_bad_input_without_traceback(tmp_path):
    folder = records(tmp_path, [GOOD])
    (folder / "workers.csv").write_text("worker_id\nW1\n")
    res = CliRunner().invoke(app, ["audit", str(folder), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "workers.csv: missing required column(s): birth_date" in res.output
    assert "Traceback" not in res.output


def test_nationality_must_be_an_assigned_iso_code(tmp_path):
    """A nationality decides whether a work permit is needed (Wav), so an unassigned code is rejected, not guessed:
    'XX' is no country, 'EL' is the EU's abbreviation for Greece (ISO 3166-1: GR); lower case is accepted."""
    workers = [{"worker_id": "W1", "birth_date": "1990-05-05", "nationality": "gr"},
               {"worker_id": "W2", "birth_date": "1990-05-05", "nationality": "XX"},
               {"worker_id": "W3", "birth_date": "1990-05-05", "nationality": "EL"}]
    recs = load_records(records(tmp_path, [GOOD], workers=workers))
    assert recs.con.sql("SELECT worker_id, nationality FROM workers").fetchall() == [("W1", "GR")]
    got = {(r["row_nr"], r["col"], r["reason"]) for r in recs.rejects().to_pylist()}
    assert (3, "nationality", "not an ISO 3166-1 alpha-2 country code (e.g. PL, RO, UA)") in got
    assert (4, "nationality", "not an ISO 3166-1 alpha-2 country code: Greece is GR (EL is the EU's own "
                              "abbreviation)") in got


def test_parquet_column_of_lists_is_a_whole_file_error(tmp_path):
    folder = records(tmp_path, [GOOD])
    t = pacsv.read_csv(folder / "payslips.csv")
    t = t.set_column(t.schema.get_field_index("worker_id"), "worker_id",
                     pa.array([[w] for w in t.column("worker_id").to_pylist()], pa.list_(pa.string())))
    (folder / "payslips.csv").unlink()
    pq.write_table(t, folder / "payslips.parquet")
    with pytest.raises(RecordsError, match=r"payslips.parquet: column\(s\) holding lists or records instead of single "
                                           r"values: worker_id \(VARCHAR\[\]\)"):
        load_records(folder)


def test_every_payslip_rejected_still_gives_a_report(tmp_path):
    """Dutch dates without a mapping: every payslip is rejected with its reason; the audit still runs (no shortfall
    can be computed, the contracts are reported as without payslips) and the report lists the rejected rows."""
    folder = records(tmp_path, [{**GOOD, "period_start": "06-01-2025", "period_end": "12-01-2025"}] * 3)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["audit", str(folder), "--out", str(out)])
    assert res.exit_code == 0, res.output
    rejects = (out / "rejects.csv").read_text(encoding="utf-8")
    assert rejects.count("not a date in the form YYYY-MM-DD") == 6  # two dates on each of three rows
    result = run_audit(folder)
    assert result.loads["payslips"]["rows_read"] == 3 and result.loads["payslips"]["rows_rejected"] == 3
    assert "wml.underpayment" not in result.findings.column("rule_id").to_pylist()


def test_cli_out_of_memory_is_a_clear_error(tmp_path, monkeypatch):
    """An audit that needs more memory than EERLIJKWERK_MEMORY_LIMIT allows ends with a message saying so and how to
    raise it (exit code 4), not with a traceback."""
    import duckdb

    import eerlijkwerk.engine.run as run

    def too_big(*_a, **_k):
        raise duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate data of size 64.0 MiB")

    monkeypatch.setattr(run, "run_audit", too_big)
    monkeypatch.setenv("EERLIJKWERK_MEMORY_LIMIT", "3GB")
    res = CliRunner().invoke(app, ["audit", str(records(tmp_path, [GOOD])), "--out", str(tmp_path / "out")])
    assert res.exit_code == 4
    assert "more memory than the limit of 3GB" in res.output and "EERLIJKWERK_MEMORY_LIMIT=8GB" in res.output
    assert "Traceback" not in res.output


def test_cli_audit_writes_every_output(tmp_path):
    folder = records(tmp_path / "in", [GOOD, {**GOOD, "gross_wage": "500"}, {**GOOD, "hours_worked": "x"}])
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["audit", str(folder), "--out", str(out), "--pseudonym-key", "k"])
    assert res.exit_code == 0, res.output
    for name in ("report.html", "report.json", "findings.parquet", "findings.csv", "fines.parquet", "fines.csv",
                 "rejects.csv", "evaluations.parquet"):
        assert (out / name).exists(), name
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "art. 7 en 8 WML" in html and "not a number of hours" in html
    findings = pq.read_table(out / "findings.parquet")
    assert "worker_id" not in findings.column_names and findings.column("worker_ref")[0].as_py().startswith("w-")
    assert pa.types.is_decimal(findings.schema.field("shortfall").type)
    assert "W1" not in (out / "findings.csv").read_text(encoding="utf-8")


# --- Parquet columns that already have the right type (checked as values, not re-parsed as text) ------------------

def _both(tmp_path, name: str, columns: dict[str, tuple[pa.DataType, list]], extra=None) -> tuple:
    """The same table as CSV text and as typed Parquet (next to the given other tables); returns both Records."""
    import csv as _csv
    import datetime as dt

    def text(v):
        if v is None:
            return ""
        if isinstance(v, dt.datetime) and v.tzinfo is not None:
            return f"{v.year:04d}" + v.strftime("-%m-%dT%H:%M:%S") + "+00:00"
        return v.isoformat(sep=" ") if isinstance(v, dt.datetime) else str(v)

    n = len(next(iter(columns.values()))[1])
    out = []
    for kind in ("csv", "parquet"):
        folder = records(tmp_path / kind, [GOOD], **(extra or {}))
        (folder / f"{name}.csv").unlink(missing_ok=True)
        if kind == "csv":
            with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
                w = _csv.writer(fh)
                w.writerow(list(columns))
                for i in range(n):
                    w.writerow([text(vals[i]) for _, vals in columns.values()])
        else:
            pq.write_table(pa.table({c: pa.array(vals, t) for c, (t, vals) in columns.items()}), folder / f"{name}.parquet")
        out.append(load_records(folder))
    return tuple(out)


def _rejected(recs, table: str, first_row: int) -> set:
    """(record number, column, value, reason) of a table's rejections; record 1 = the first data row."""
    import re

    def renumber(reason):
        return re.sub(r"first at row (\d+)", lambda m: f"first at row {int(m[1]) - first_row + 1}", reason)

    return {(r["row_nr"] - first_row + 1, r["col"], r["value"], renumber(r["reason"]))
            for r in recs.rejects().to_pylist() if r["tbl"] == table}


def test_typed_parquet_gives_the_same_rejections_as_text(tmp_path):
    """Typed Parquet payslips (DECIMAL money and hours, DATE, BOOLEAN) are checked as values: a negative amount, more
    than 2 decimals, a missing required value, a duplicate key and an unknown worker give the same rejections as the
    same cells in a CSV file; valid rows get the same typed values."""
    from decimal import Decimal as D

    d = __import__("datetime").date
    cols = {
        "payslip_id": (pa.string(), ["P1", "P2", "P3", "P4", "P2", "P6", "P7", "P8", "P9"]),
        "worker_id": (pa.string(), ["W1", "W1", "W1", "W1", "W1", "NOBODY", "W1", "W1", "W1"]),
        "employer_id": (pa.string(), ["90000001"] * 9),
        "period_start": (pa.date32(), [d(2025, 1, 6), d(2025, 1, 6), None, d(2025, 1, 6), d(2025, 1, 6), d(2025, 1, 6),
                                       d(2025, 1, 6), d(2025, 1, 6), d(2025, 1, 13)]),
        "period_end": (pa.date32(), [d(2025, 1, 12)] * 9),
        "hours_worked": (pa.decimal128(10, 2), [D("40.00"), D("-5.00"), D("40.00"), D("40.00"), D("40.00"), D("40.00"),
                                                D("400.00"), None, D("8.00")]),
        "overtime_hours": (pa.decimal128(12, 3), [None, None, None, D("1.250"), None, None, None, None, D("10.000")]),
        "gross_wage": (pa.decimal128(14, 2), [D("600.00"), D("600.00"), D("600.00"), D("600.00"), D("600.00"),
                                              D("600.00"), D("600.00"), D("2000000.00"), D("-0.01")]),
        "holiday_allowance": (pa.int64(), [48, 48, None, 48, 48, -48, 48, 48, 48]),
        "housing_authorised": (pa.bool_(), [True, None, False, False, False, False, False, False, False]),
    }
    text, typed = _both(tmp_path, "payslips", cols)
    got = _rejected(typed, "payslips", 1)
    assert got == _rejected(text, "payslips", 2)
    assert {(1 + 1, "hours_worked", "-5.00", "negative value not allowed"), (3, "period_start", None, "required value missing"),
            (4, "overtime_hours", "1.250", "more than 2 decimals"), (5, "payslip_id", "P2", "duplicate payslip_id (first at row 2)"),
            (6, "worker_id", "NOBODY", "unknown worker_id (not in the valid rows of workers)"),
            (6, "holiday_allowance", "-48", "negative value not allowed"),
            (7, "hours_worked", "400.00", "more hours than the period has (24 h a day)"),
            (8, "gross_wage", "2000000.00", "above the maximum of 1000000"),
            (9, "gross_wage", "-0.01", "negative value not allowed")} <= got
    for t, first in ((text, 2), (typed, 1)):
        load = t.loads["payslips"]
        assert (load.rows_read, load.rows_valid, load.rows_rejected) == (9, 1, 8)
    q = "SELECT * EXCLUDE (_row) FROM payslips"
    assert text.con.sql(q).fetchall() == typed.con.sql(q).fetchall()
    assert typed.con.sql("SELECT _row, payslip_id FROM payslips__rejected").fetchall()[:2] == [(2, "P2"), (3, "P3")]


def test_typed_parquet_timestamps_as_text_with_offset_or_local_time(tmp_path):
    """A Parquet TIMESTAMP WITH TIME ZONE is an instant (as text with +00:00); a TIMESTAMP without time zone is local
    time in Europe/Amsterdam with the same DST rules as local text: both give the same instants, wall-clock times and
    rejections as the CSV text."""
    import datetime as dt

    utc = dt.UTC
    ts = dt.datetime
    # around both DST nights of 2024 and 2025
    starts = [ts(2025, 3, 30, 0, 30), ts(2025, 3, 30, 2, 30), ts(2025, 10, 26, 2, 30), ts(2025, 10, 26, 1, 59, 59),
              ts(2025, 10, 26, 3, 0), ts(2024, 3, 31, 1, 59), ts(2024, 3, 31, 3, 0), ts(2024, 10, 27, 2, 0),
              ts(2024, 10, 27, 1, 0), None, ts(2025, 6, 1, 22, 0)]
    ends = [s + dt.timedelta(hours=8) if s else ts(2025, 1, 1, 8) for s in starts]
    n = len(starts)
    base = {"shift_id": (pa.string(), [f"S{i}" for i in range(n)]), "worker_id": (pa.string(), ["W1"] * n),
            "employer_id": (pa.string(), ["90000001"] * n), "break_minutes": (pa.int32(), [30] * (n - 1) + [-1])}
    for tz in (None, utc):
        conv = (lambda x: x.replace(tzinfo=utc) if x else None) if tz else (lambda x: x)
        cols = {**base, "start_at": (pa.timestamp("us", tz=tz and "UTC"), [conv(s) for s in starts]),
                "end_at": (pa.timestamp("us", tz=tz and "UTC"), [conv(e) for e in ends])}
        text, typed = _both(tmp_path / str(tz), "shifts", cols)
        assert _rejected(typed, "shifts", 1) == _rejected(text, "shifts", 2)
        reasons = {r[3] for r in _rejected(typed, "shifts", 1)}
        assert {"required value missing", "below the minimum of 0"} <= reasons
        if tz is None:
            assert {"local time does not exist in Europe/Amsterdam (clock moved forward): give the UTC offset",
                    "local time occurs twice in Europe/Amsterdam (clock moved back): give the UTC offset"} <= reasons
        q = "SELECT * EXCLUDE (_row) FROM shifts"
        assert text.con.sql(q).fetchall() == typed.con.sql(q).fetchall()
        assert typed.loads["shifts"].rows_valid == text.loads["shifts"].rows_valid > 4


def test_hours_too_large_for_the_type_are_rejected_not_an_error(tmp_path):
    folder = records(tmp_path, [GOOD, {**GOOD, "hours_worked": "123456789"}])
    got = reasons(load_records(folder))
    assert (3, "hours_worked", "not a number of hours (digits with a dot before at most 2 decimals)") in got


def test_large_tables_keep_input_order(tmp_path):
    """Tables come out in input row order (DuckDB keeps insertion order for a scan with projections; the reader never
    lets a join into that pass), also for more rows than one row group and with rejected rows deleted."""
    n = 300_000
    ids = [f"P{i:07d}" for i in range(n)]
    ids[1001] = ids[1000]  # a duplicate key (of a row that is rejected for its own reason too)
    table = pa.table({
        "payslip_id": ids, "worker_id": ["W1"] * n, "employer_id": ["90000001"] * n,
        "period_start": ["2025-01-06"] * n, "period_end": ["2025-01-12"] * n, "hours_worked": ["40"] * n,
        "gross_wage": ["600.00" if i % 1000 else "-1" for i in range(n)],
        "housing_authorised": [["ja", "nee", "YES", "0", "j", "n"][i % 6] for i in range(n)],
        "hours_basis": [["records", "worker_claim"][i % 2] for i in range(n)]})
    folder = records(tmp_path, [GOOD])
    (folder / "payslips.csv").unlink()
    pq.write_table(table, folder / "payslips.parquet", row_group_size=50_000)
    recs = load_records(folder)
    rows = recs.con.sql("SELECT _row FROM payslips").fetchnumpy()["_row"]
    assert len(rows) == n - 301 and (rows[1:] > rows[:-1]).all()
    assert (1002, "payslip_id", "duplicate payslip_id (first at row 1001)") in reasons(recs)


def test_local_time_lookup_equals_timezone(tmp_path):
    """The reader's look-up of the UTC offset per day (instead of timezone() per value) gives what DuckDB's
    timezone() gives, minute by minute across both DST nights of 2024 and 2025, and matches Python's zoneinfo."""
    import zoneinfo

    import duckdb

    from eerlijkwerk.records.reader import _LOCAL_OK, _local_instant_sql, _local_sql

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    nights = ["2024-03-31", "2024-10-27", "2025-03-30", "2025-10-26"]
    con.execute("CREATE TABLE m AS SELECT make_timestamp(epoch_us(CAST(d AS TIMESTAMP)) + m * 60000000) AS t "
                f"FROM (VALUES {', '.join(f'({n!r})' for n in nights)}) v(d), range(-180, 360) r(m)")
    old = f"CASE WHEN {_LOCAL_OK.format(v='t')} THEN timezone('Europe/Amsterdam', t) END"
    assert con.sql(f"SELECT count(*) FILTER (({old}) IS DISTINCT FROM ({_local_instant_sql('t')})), "
                   f"count(*) FILTER (({_local_instant_sql('t')}) IS NULL) FROM m").fetchall() == [(0, 4 * 60)]  # an hour a night does not exist or occurs twice
    rows = con.sql(f"SELECT make_timestamptz(epoch_us(t)) AS c, {_local_sql('make_timestamptz(epoch_us(t))')}, "
                   f"timezone('Europe/Amsterdam', make_timestamptz(epoch_us(t))) FROM m").fetchall()
    ams = zoneinfo.ZoneInfo("Europe/Amsterdam")
    assert all(fast == slow == c.astimezone(ams).replace(tzinfo=None) for c, fast, slow in rows)
    assert len(rows) == 4 * 540
