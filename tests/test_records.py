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
