"""Input that must never pass silently (issue 10, item 6): an unclosed quote, two files for one table, a pipeline on
an unreadable export, impossible UTC offsets, a symlink loop, and the CLI's own argument checks. Every case ends in a
named rejection or a clear message with a documented exit code (README, "Exit codes"), never in a lost row or a
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from eerlijkwerk.cli import app
from eerlijkwerk.engine.run import run_audit
from eerlijkwerk.records.reader import RecordsError, load_records
from tests.helpers import records

GOOD = {"period_start": "2025-01-06", "period_end": "2025-01-12", "hours_worked": "40", "gross_wage": "600.00",
        "holiday_allowance": "48"}


def _data_lines(path: Path) -> int:
    """Physical lines after the header that are not blank."""
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip())


# --- a. an unclosed quote ------------------------------------------------------------------------------------------

def _break_quote(path: Path, line_nr: int, column: str = "worker_id") -> None:
    """Open a quote in ``column`` of physical line ``line_nr`` (header = line 1) and never close it."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = lines[line_nr - 1].rstrip("\n").split(",")
    i = header.index(column)
    cells[i] = '"' + cells[i]
    lines[line_nr - 1] = ",".join(cells) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def test_unclosed_quote_is_rejected_and_the_lines_after_it_are_still_read(tmp_path):
    """Line 3 opens a quote it never closes. The csv module would read lines 4 and 5 into that cell: P3 and P4 were
    neither evaluated, nor counted, nor named (rows_read was 2 for 4 data lines). Now line 3 is rejected with the line
    and the lines it would have swallowed; P3 and P4 are evaluated; rows read = data lines = valid + rejected."""
    folder = records(tmp_path, [GOOD] * 4)
    csv_path = folder / "payslips.csv"
    _break_quote(csv_path, 3)
    recs = load_records(folder)
    load = recs.loads["payslips"]
    assert load.rows_read == _data_lines(csv_path) == 4
    assert (load.rows_valid, load.rows_rejected) == (3, 1)
    assert recs.con.sql("SELECT payslip_id FROM payslips ORDER BY _row").fetchall() == [("P1",), ("P3",), ("P4",)]
    (rej,) = recs.rejects().to_pylist()
    assert (rej["file"], rej["row_nr"], rej["col"]) == ("payslips.csv", 3, "(row)")
    assert rej["reason"] == ("unclosed quote: the quote opened in column 2 (worker_id) on line 3 is not closed on that "
                             "line (a cell may not hold a line break); it would have swallowed the next 2 lines, 4 to 5 "
                             "(the end of the file); they are read as rows of their own")
    result = run_audit(folder)
    assert result.evaluations.num_rows == 3


def test_several_unclosed_quotes_every_physical_line_is_counted(tmp_path):
    """Two unclosed quotes (the first closed, for the csv module, by the quote of the second), a blank line and a
    quoted cell that is closed: every non-blank data line is one row, each unclosed quote one rejection naming how far
    it reached."""
    folder = records(tmp_path, [GOOD] * 6)
    csv_path = folder / "payslips.csv"
    _break_quote(csv_path, 2, "employer_id")
    _break_quote(csv_path, 5, "gross_wage")
    text = csv_path.read_text(encoding="utf-8").splitlines(keepends=True)
    text.insert(3, "\n")  # a blank line (not a record) after line 3
    text[-1] = text[-1].replace(",W1,", ',"W1",')  # a closed quote is an ordinary cell
    csv_path.write_text("".join(text), encoding="utf-8")
    recs = load_records(folder)
    load = recs.loads["payslips"]
    assert load.rows_read == _data_lines(csv_path) == 6
    assert load.rows_read == load.rows_valid + load.rows_rejected and load.rows_rejected == 2
    got = {r["row_nr"]: r["reason"] for r in recs.rejects().to_pylist()}
    assert set(got) == {2, 6}  # the blank line shifts the second broken row to line 6
    assert "column 3 (employer_id) on line 2" in got[2] and "the next 4 lines, 3 to 6;" in got[2]
    # the quote of the last line ('"W1"') would have closed it there
    assert "on line 6" in got[6] and "the next 2 lines, 7 to 8;" in got[6]


def test_unclosed_quote_on_the_last_line_and_in_the_header(tmp_path):
    folder = records(tmp_path, [GOOD] * 2)
    csv_path = folder / "payslips.csv"
    _break_quote(csv_path, 3, "gross_wage")
    csv_path.write_text(csv_path.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")  # no final newline
    recs = load_records(folder)
    (rej,) = recs.rejects().to_pylist()
    assert rej["row_nr"] == 3 and rej["reason"].endswith("no line follows it")
    csv_path.write_text('payslip_id,"worker_id\nP1,W1\n', encoding="utf-8")
    with pytest.raises(RecordsError, match=r"payslips.csv: line 1 \(the header\) has a quote that is not closed"):
        load_records(folder)


# --- b. two files for one table; names whatever their case ---------------------------------------------------------

def _as_parquet(csv_path: Path, target: Path) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    pq.write_table(pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(strings_can_be_null=False)), target)


def test_two_files_for_one_table_are_refused_naming_both(tmp_path):
    """payslips.csv beside payslips.parquet: reading one and ignoring the other would drop rows silently (before, the
    CSV was read and the Parquet file ignored without a word). Refused, naming both and how to choose (the mapping)."""
    folder = records(tmp_path / "in", [GOOD])
    _as_parquet(folder / "payslips.csv", folder / "payslips.parquet")
    with pytest.raises(RecordsError) as exc:
        load_records(folder)
    assert str(exc.value) == (f"{folder}: 2 sources for table 'payslips': payslips.csv, payslips.parquet. Only one is "
                              f"read, never one of them silently: remove the others, or name the file (and sheet) for "
                              f"'payslips' in the mapping file")
    res = CliRunner().invoke(app, ["audit", str(folder), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2 and "payslips.csv, payslips.parquet" in res.output and "Traceback" not in res.output


def test_the_mapping_chooses_and_names_the_file_not_read(tmp_path):
    from eerlijkwerk.records.reader import Mapping

    folder = records(tmp_path / "in", [GOOD])
    _as_parquet(folder / "payslips.csv", folder / "payslips.parquet")
    (tmp_path / "m.yaml").write_text("payslips:\n  file: payslips.parquet\n", encoding="utf-8")
    recs = load_records(folder, Mapping.load(tmp_path / "m.yaml"))
    assert recs.loads["payslips"].file == "payslips.parquet" and recs.loads["payslips"].rows_valid == 1
    assert "payslips.csv not read: the mapping names payslips.parquet for table 'payslips'" in recs.loads["payslips"].warnings


def test_a_sheet_and_a_file_for_one_table_are_refused(tmp_path):
    import openpyxl

    folder = records(tmp_path / "in", [GOOD])
    wb = openpyxl.Workbook()
    wb.active.title = "Payslips"
    wb.active.append(["payslip_id"])
    wb.save(folder / "export.xlsx")
    with pytest.raises(RecordsError, match=r"2 sources for table 'payslips': payslips.csv, sheet 'Payslips' of "
                                           r"export.xlsx"):
        load_records(folder)


def test_table_file_names_match_whatever_their_case(tmp_path):
    """Payslips.CSV and WORKERS.csv are the payslips and workers tables (before: 'required table not found'); on a
    file system that keeps both payslips.csv and Payslips.csv they are two sources, refused."""
    folder = records(tmp_path / "in", [GOOD, {**GOOD, "gross_wage": "500"}])
    (folder / "payslips.csv").rename(folder / "Payslips.CSV")
    (folder / "workers.csv").rename(folder / "WORKERS.csv")
    recs = load_records(folder)
    assert recs.loads["payslips"].file == "Payslips.CSV" and recs.loads["payslips"].rows_valid == 2
    assert recs.loads["workers"].rows_valid == 1
    (folder / "payslips.csv").write_bytes((folder / "Payslips.CSV").read_bytes())
    if len(list(folder.iterdir())) == 4:  # a case-sensitive file system: two files
        with pytest.raises(RecordsError, match=r"2 sources for table 'payslips': Payslips.CSV, payslips.csv"):
            load_records(folder)


# --- d. a symbolic link that loops ----------------------------------------------------------------------------------

def test_a_symlink_loop_is_named_as_such(tmp_path):
    """shifts.csv -> shifts.csv: Path.exists() is False for it, so the table was treated as 'not given' (empty) without
    a word, and a looping records folder was 'no such file or folder'. Both are now named."""
    import os

    folder = records(tmp_path / "in", [GOOD])
    os.symlink("shifts.csv", folder / "shifts.csv")
    with pytest.raises(RecordsError) as exc:
        load_records(folder)
    assert str(exc.value).startswith(f"{folder / 'shifts.csv'}: is a symbolic link that loops")
    res = CliRunner().invoke(app, ["audit", str(folder), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2 and "symbolic link that loops" in res.output and "Traceback" not in res.output
    (folder / "shifts.csv").unlink()
    os.symlink("nowhere.csv", folder / "shifts.csv")
    with pytest.raises(RecordsError, match="is a symbolic link to nowhere.csv, which does not exist"):
        load_records(folder)
    loop = tmp_path / "loop"
    os.symlink(loop, loop)
    with pytest.raises(RecordsError, match="loop: is a symbolic link that loops"):
        load_records(loop)


# --- c. --fail-on-findings on an incomplete audit -----------------------------------------------------------------

def _cli_audit(folder: Path, out: Path, *extra: str):
    return CliRunner().invoke(app, ["audit", str(folder), "--out", str(out), *extra])


def test_fail_on_findings_exit_codes(tmp_path):
    """0: lawful records; 1: findings; 5: a row rejected, or no pay period evaluated — an unreadable export must not
    pass a pipeline (README, "Exit codes"). 2024-07 adult hourly minimum EUR 13.68: 40 h x 13.68 = 547.20."""
    ok = {"period_start": "2025-01-06", "period_end": "2025-01-12", "hours_worked": "40", "gross_wage": "562.40",
          "holiday_allowance": "45"}  # 40 h x EUR 14.06 (2025-01-01) = 562.40, holiday 8 % = 44.992 -> 45
    lawful = records(tmp_path / "lawful", [ok])
    assert _cli_audit(lawful, tmp_path / "o1", "--fail-on-findings").exit_code == 0
    short = records(tmp_path / "short", [{**ok, "gross_wage": "500.00"}])
    assert _cli_audit(short, tmp_path / "o2", "--fail-on-findings").exit_code == 1
    assert _cli_audit(short, tmp_path / "o2b").exit_code == 0  # without the option the code says nothing found
    rejected = records(tmp_path / "rejected", [ok, {**ok, "payslip_id": "P9", "gross_wage": "lots"}])
    res = _cli_audit(rejected, tmp_path / "o3", "--fail-on-findings")
    assert res.exit_code == 5 and "1 input row(s) rejected" in res.output
    nothing = records(tmp_path / "nothing", [{**ok, "hours_worked": ""}])  # no hour records: nothing evaluated
    res = _cli_audit(nothing, tmp_path / "o4", "--fail-on-findings")
    assert res.exit_code == 5 and "no pay period evaluated" in res.output


# --- d. offsets, demo size, dates, scenarios ----------------------------------------------------------------------

@pytest.mark.parametrize("value, ok", [("2025-03-03T08:00:00+14:00", True), ("2025-03-03T08:00:00-12:00", True),
                                       ("2025-03-03T08:00:00+14:01", False), ("2025-03-03T08:00:00+23:59", False),
                                       ("2025-03-03T08:00:00-1500", False), ("2025-03-03T08:00+01:60", False),
                                       ("2025-03-03T08:00Z", True)])
def test_utc_offsets_beyond_14_hours_are_rejected(tmp_path, value, ok):
    """UTC offsets in use run from -12:00 to +14:00 (IANA tz database, Pacific/Kiritimati +14:00); DuckDB itself
    accepts up to +/-23:59, so such a shift would move by a day unnoticed."""
    from tests.helpers import write_table

    folder = records(tmp_path, [GOOD])
    write_table(folder, "shifts", [{"shift_id": "S1", "worker_id": "W1", "employer_id": "90000001",
                                    "start_at": value, "end_at": "2025-03-03T20:00:00+01:00", "break_minutes": "30"}])
    rec = load_records(folder)
    rej = [r for r in rec.rejects().to_pylist() if r["col"] == "start_at"]
    assert rec.loads["shifts"].rows_read == 1
    if ok:
        assert rej == []
    else:
        expected = "UTC offset with 60 minutes" if value.endswith(":60") else "UTC offset beyond ±14:00"
        assert rec.loads["shifts"].rows_rejected == 1 and expected in rej[0]["reason"]


def test_demo_workers_accepts_what_its_help_says(tmp_path):
    """The help says 200 to 200,000; 50 was accepted by the option and then crashed in the generator."""
    res = CliRunner().invoke(app, ["demo", "--help"])
    assert "[200<=x<=200000]" in res.output and "Number of workers, 200 to" in res.output
    res = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "d"), "--workers", "199"])
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_params_show_on_gives_the_clear_date_error():
    res = CliRunner().invoke(app, ["params", "show", "wml.minimumloon_uur", "--on", "1-7-2025"])
    assert res.exit_code == 2 and "is not a date of the form YYYY-MM-DD" in res.output
    res = CliRunner().invoke(app, ["register", "check", "12345678", "1-7-2025"])
    assert "is not a date of the form YYYY-MM-DD" in res.output


def test_the_console_says_a_scenario_with_proposed_law_was_applied(tmp_path):
    folder = records(tmp_path / "r", [GOOD])
    scen = Path(__file__).parents[1] / "scenarios" / "hiring-limit-36-months.yaml"
    res = _cli_audit(folder, tmp_path / "o", "--scenario", str(scen))
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "scenario applied:" in text and "not the law in force" in text and "waadi.hiring_limit" in text
    assert "scenario applied" not in _cli_audit(folder, tmp_path / "o2").output
