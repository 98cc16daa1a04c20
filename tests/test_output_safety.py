"""Outputs safe to open (issue 10, item 5), on a hostile record set: ids and texts that are HTML, formulas and
signed numbers.

- report.html escapes every value that came from the input (Jinja2 autoescaping; the charts' SVG is checked to be
  inert). Source: OWASP Cross Site Scripting Prevention Cheat Sheet, rule #1 (HTML-encode data put in HTML content)
  https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html
- every CSV file neutralises text cells that begin with = + - @ tab or CR by a leading single quote; numbers are
  written by type and stay numbers. Source: OWASP, CSV Injection, https://owasp.org/www-community/attacks/CSV_Injection
- pseudonyms are HMAC-SHA256 (RFC 2104, https://www.rfc-editor.org/rfc/rfc2104) of the worker id with the key, 80 bits
  kept; a collision is refused, never merged; the key is in no SQL text DuckDB runs and in no output; the table
  pseudonym -> worker id is written only with --reidentify-to, and the report says whether and where.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from eerlijkwerk.cli import app
from eerlijkwerk.engine.run import Pseudonymiser, run_audit
from eerlijkwerk.report import writer

from .helpers import records, write_table

XSS = "<script>alert(1)</script>"
ATTR = '"><img src=x onerror=alert(1)>'
KEY = "k3y-never-in-sql-0f9e8d"

EMP_A = "E" + XSS  # an employer id that is a script
EMP_B = '=HYPERLINK("http://x.invalid")' + ATTR  # a formula and an attribute break-out
W_A = "W" + XSS
W_B = "@SUM(1)" + ATTR
W_C = "-2+3"  # a worker needing a permit (nationality IN), no permit given: wav.no_permit + art. 23 claim


def hostile(folder: Path) -> Path:
    """Findings, fines, an art. 23 claim and rejected rows, every one carrying hostile text."""
    employers = [{"employer_id": EMP_A, "role": "werkgever", "legal_form": "legal_person"},
                 {"employer_id": EMP_B, "role": "werkgever", "legal_form": "legal_person"}]
    workers = [{"worker_id": W_A, "birth_date": "1990-05-05", "nationality": "NL"},
               {"worker_id": W_B, "birth_date": "1990-05-05", "nationality": "NL"},
               {"worker_id": W_C, "birth_date": "1990-05-05", "nationality": "IN"},
               {"worker_id": "+W" + XSS, "birth_date": "not a date" + XSS, "nationality": "NL"}]
    month = {"period_start": "2025-03-01", "period_end": "2025-03-31", "hours_worked": "160"}
    payslips = [{"worker_id": W_A, "employer_id": EMP_A, **month, "gross_wage": "1000.00"},
                {"worker_id": W_B, "employer_id": EMP_B, **month, "gross_wage": "1200.00"},
                {"worker_id": W_C, "employer_id": EMP_B, **month, "gross_wage": "2500.00",
                 "holiday_allowance": "200.00"},
                {"payslip_id": "=1+1" + ATTR, "worker_id": W_A, "employer_id": EMP_A, "period_start": "2025-04-01",
                 "period_end": "2025-04-30", "hours_worked": "1" + XSS, "gross_wage": "-12.50"}]
    records(folder, payslips, workers=workers, employers=employers)
    write_table(folder, "fine_factors", [{"factor_id": "-F1" + XSS, "employer_id": EMP_A, "rule_id": "wml.underpayment",
                                          "worker_id": W_A, "factor": "moderation_percent", "value": "10",
                                          "reason": "=cmd|' /C calc'!A0 " + XSS}])
    return folder


def audit(folder: Path, out: Path, *extra: str) -> None:
    res = CliRunner().invoke(app, ["audit", str(folder), "--out", str(out), "--pseudonym-key", KEY, *extra])
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """The audit of the hostile records and the folder its report was written to."""
    base = tmp_path_factory.mktemp("hostile")
    result = run_audit(hostile(base / "in"), pseudonym_key=KEY)
    writer.write_report(result, base / "out")
    return result, base / "out"


@pytest.fixture(scope="module")
def hostile_out(hostile_run) -> Path:
    return hostile_run[1]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def test_report_html_escapes_every_input_value(hostile_out):
    """No element or attribute of report.html comes from the input: the hostile ids and texts are shown as text."""
    html = (hostile_out / "report.html").read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(html)
    tags = {t for t, _ in parser.tags}
    assert "script" not in tags and "img" not in tags, tags
    handlers = [(t, a) for t, attrs in parser.tags for a, _ in attrs if a.startswith("on")]
    assert handlers == []
    # the values are there, as text
    assert "E&lt;script&gt;alert(1)&lt;/script&gt;" in html  # employer id (tables and chart labels)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "1&lt;script&gt;alert(1)&lt;/script&gt;" in html  # a rejected value
    assert XSS not in html and "<img" not in html
    # the findings, fines and claim behind them exist (the test is not vacuous)
    summary = json.loads((hostile_out / "report.json").read_text(encoding="utf-8"))["summary"]
    assert {r["rule"] for r in summary["per_rule"] if r["findings"]} >= {"wml.underpayment", "wav.no_permit"}
    assert (hostile_out / "art23_claims.csv").exists()
    assert EMP_A in {e["employer_id"] for e in summary["per_employer"]}


def test_chart_svg_with_active_content_is_refused():
    """The charts are the one part embedded unescaped: an SVG that holds a script or an event handler is refused."""
    ok = '<svg xmlns="http://www.w3.org/2000/svg"><text aria-label="javascript: x">&lt;script&gt;</text></svg>'
    assert writer._inert_svg(ok) == ok
    for bad in ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg"><image href="x" onerror="alert(1)"/></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg"><a href=" javascript:alert(1)"><text>x</text></a></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div/></foreignObject></svg>'):
        with pytest.raises(RuntimeError):
            writer._inert_svg(bad)


DANGER = re.compile(r"[=+\-@\t\r]")


def _csv_schemas(result, out: Path) -> dict[str, pa.Schema]:
    return {"findings.csv": pq.read_schema(out / "findings.parquet"), "fines.csv": pq.read_schema(out / "fines.parquet"),
            "rejects.csv": result.rejects.schema, **{f"{k}.csv": t.schema for k, t in result.extra.items()}}


def test_every_csv_neutralises_formulas_and_keeps_numbers(hostile_run):
    """In every CSV the audit writes, no text cell begins with = + - @ tab or CR (each such cell is the input's text
    behind a single quote); every numeric cell is the exact number (Parquet has the same value)."""
    result, out = hostile_run
    schemas = _csv_schemas(result, out)
    assert {p.name for p in out.glob("*.csv")} == set(schemas)  # every CSV written is checked
    seen_prefixed: set[str] = set()
    for name, schema in schemas.items():
        with open(out / name, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert rows, name
        for row in rows:
            for field in schema:
                cell = row[field.name]
                if pa.types.is_string(field.type):
                    assert not DANGER.match(cell), (name, field.name, cell)
                    if cell.startswith("'") and DANGER.match(cell[1:]):
                        seen_prefixed.add(cell)
                elif pa.types.is_decimal(field.type) or pa.types.is_integer(field.type):
                    assert cell == "" or str(Decimal(cell)) == cell, (name, field.name, cell)
    # the hostile values arrive, prefixed, in each kind of file
    assert "'" + EMP_B in seen_prefixed  # employer id in findings, fines, art23_claims
    assert "'-12.50" in seen_prefixed  # a rejected value: text, so neutralised
    claims = list(csv.DictReader(open(out / "art23_claims.csv", encoding="utf-8", newline="")))
    assert {c["employer_id"] for c in claims} == {"'" + EMP_B}
    # exact: a neutralised cell is the quote plus the Parquet value, every other cell the value itself
    for stem in ("findings", "fines"):
        exact = pq.read_table(out / f"{stem}.parquet").to_pylist()
        with open(out / f"{stem}.csv", encoding="utf-8", newline="") as fh:
            shown = list(csv.DictReader(fh))
        assert len(shown) == len(exact)
        for e, c in zip(exact, shown):
            for k, v in e.items():
                if isinstance(v, str):
                    assert c[k] == ("'" + v if DANGER.match(v) else v), (stem, k)
                elif isinstance(v, Decimal):
                    assert Decimal(c[k]) == v, (stem, k)


def test_csv_safe_changes_text_only():
    """A negative amount in a numeric column stays the number -12.50; the same characters as text get the quote;
    a cell that merely contains a formula character later, or is empty, is unchanged."""
    t = pa.table({"amount": pa.array([Decimal("-12.50"), Decimal("3.00"), None], pa.decimal128(14, 2)),
                  "n": pa.array([-3, 4, None], pa.int64()),
                  "text": ["-12.50", "a=b", None],
                  "more": ["=1+1", "\tx", "\rx"],
                  "other": ["+31 6", "@x", "'=already"],
                  "cat": pa.array(["-x", "y", "-x"]).dictionary_encode()})
    safe = writer.csv_safe(t)
    assert safe.column("amount").to_pylist() == [Decimal("-12.50"), Decimal("3.00"), None]
    assert safe.column("n").to_pylist() == [-3, 4, None]
    assert safe.column("text").to_pylist() == ["'-12.50", "a=b", None]
    assert safe.column("more").to_pylist() == ["'=1+1", "'\tx", "'\rx"]
    assert safe.column("other").to_pylist() == ["'+31 6", "'@x", "'=already"]
    assert safe.column("cat").to_pylist() == ["'-x", "y", "'-x"]
    buf = pa.BufferOutputStream()
    pacsv.write_csv(safe, buf)
    lines = buf.getvalue().to_pybytes().decode().splitlines()
    assert lines[1].startswith('-12.50,-3,"\'-12.50"')


def test_pseudonym_is_hmac_sha256_of_80_bits():
    """'w-' + the first 20 hex digits of HMAC-SHA256(key, worker id), for a short key and for a key longer than
    SHA-256's 64-byte block (RFC 2104 section 2: such a key is hashed first)."""
    for key in ("k", "x" * 100, "ключ"):
        p = Pseudonymiser(key)
        for w in ("W1", W_A, "é"):
            ref = p(w)
            assert ref == "w-" + hmac.new(key.encode(), w.encode(), hashlib.sha256).hexdigest()[:20]
            assert len(ref) - 2 >= 16  # at least 64 bits
    assert Pseudonymiser("k")("W1") != Pseudonymiser("l")("W1")
    assert "k3y" not in repr(Pseudonymiser(KEY)) and KEY not in repr(Pseudonymiser(KEY))


def test_pseudonyms_of_many_workers_are_distinct():
    p = Pseudonymiser(KEY)
    refs = {p(f"W{i:06d}") for i in range(50_000)}
    assert len(refs) == 50_000


def test_two_workers_with_one_pseudonym_are_refused_not_merged(monkeypatch):
    """A shared reference would merge two workers' back pay in the per-worker table: with the width cut to 8 bits to
    force a collision, the second worker id is refused with an error naming the pseudonym."""
    monkeypatch.setattr(Pseudonymiser, "HEX", 2)
    probe, seen = Pseudonymiser(KEY), {}
    for i in range(1000):
        ref = probe._hmac(f"W{i}")
        if ref in seen:
            first, second = seen[ref], f"W{i}"
            break
        seen[ref] = f"W{i}"
    p = Pseudonymiser(KEY)
    assert p(first) == ref
    with pytest.raises(ValueError, match=f"same pseudonym {ref}"):
        p(second)


def test_key_in_no_sql_text_and_no_output(tmp_path, monkeypatch):
    """Every statement DuckDB runs in the audit (its query log) and every file written is free of the key; the
    pseudonyms reach SQL as a table joined by worker id."""
    real_connect = duckdb.connect
    cons = []

    def logging_connect(*a, **kw):
        con = real_connect(*a, **kw)
        con.execute("CALL enable_logging('QueryLog')").fetchall()
        cons.append(con)
        return con

    monkeypatch.setattr(duckdb, "connect", logging_connect)
    result = run_audit(hostile(tmp_path / "in"), pseudonym_key=KEY)
    writer.write_report(result, tmp_path / "out", reidentify_to=tmp_path / "private" / "reid.csv")
    assert result.con in cons
    log = [m for (m,) in result.con.sql("SELECT message FROM duckdb_logs WHERE type = 'QueryLog'").fetchall()]
    assert len(log) > 50 and any(Pseudonymiser.TABLE in m for m in log)  # the log holds the audit's statements
    assert not [m for m in log if KEY in m]
    for f in [*(tmp_path / "out").iterdir(), tmp_path / "private" / "reid.csv"]:
        assert KEY.encode() not in f.read_bytes(), f.name
    assert KEY not in repr(result)


def test_reidentify_to_writes_the_table_and_the_report_says_so(tmp_path):
    """With --reidentify-to FILE the CLI writes worker_ref -> worker_id for every pseudonym in the outputs (CSV,
    neutralised); report.json and report.html name the file. Without it no such table is written anywhere in the
    output, and the report says so."""
    folder = hostile(tmp_path / "in")
    table = tmp_path / "private" / "pseudonyms.csv"
    table.parent.mkdir()
    audit(folder, tmp_path / "with", "--reidentify-to", str(table))
    with open(table, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and set(rows[0]) == {"worker_ref", "worker_id"}
    back = {r["worker_ref"]: r["worker_id"] for r in rows}
    assert len(back) == len(rows)
    assert back[Pseudonymiser(KEY)(W_A)] == W_A
    assert back[Pseudonymiser(KEY)(W_B)] == "'" + W_B  # neutralised like every CSV
    findings = pq.read_table(tmp_path / "with" / "findings.parquet").column("worker_ref").to_pylist()
    evaluations = pq.read_table(tmp_path / "with" / "evaluations.parquet").column("worker_ref").to_pylist()
    assert {r for r in findings + evaluations if r} <= set(back)  # every pseudonym in the outputs can be reversed
    report = json.loads((tmp_path / "with" / "report.json").read_text(encoding="utf-8"))
    assert report["reidentification"] == {"written": True, "file": str(table.resolve()), "workers": len(rows)}
    html = (tmp_path / "with" / "report.html").read_text(encoding="utf-8")
    assert f"was written on request to <code>{table.resolve()}</code>" in html

    audit(folder, tmp_path / "without")
    report = json.loads((tmp_path / "without" / "report.json").read_text(encoding="utf-8"))
    assert report["reidentification"] == {"written": False, "file": None, "workers": 0}
    assert "No table pseudonym → worker id was written" in (tmp_path / "without" / "report.html").read_text("utf-8")
    for f in (tmp_path / "without").iterdir():  # no output file holds a real worker id
        text = f.read_bytes()
        assert W_A.encode() not in text and b"@SUM(1)" not in text, f.name
    assert sorted(p.name for p in (tmp_path / "private").iterdir()) == ["pseudonyms.csv"]


def test_reidentify_to_never_overwrites_a_report_file(tmp_path):
    res = CliRunner().invoke(app, ["audit", str(hostile(tmp_path / "in")), "--out", str(tmp_path / "out"),
                                   "--reidentify-to", str(tmp_path / "out" / "findings.csv")])
    assert res.exit_code == 2 and "inside the report folder" in " ".join(res.output.split())


def test_reidentify_to_is_checked_before_the_audit(tmp_path):
    """A folder, a missing folder, or a file among the records is refused before anything is written (a new user's
    --reidentify-to records/payslips.csv overwrote the input)."""
    folder = hostile(tmp_path / "in")
    for target, message in ((tmp_path, "is a folder"), (tmp_path / "nope" / "x.csv", "does not exist"),
                            (folder / "payslips.csv", "is in the records folder")):
        before = (folder / "payslips.csv").read_bytes()
        res = CliRunner().invoke(app, ["audit", str(folder), "--out", str(tmp_path / "out"),
                                       "--reidentify-to", str(target)])
        assert res.exit_code == 2 and message in " ".join(res.output.split()), res.output
        assert not (tmp_path / "out").exists() and (folder / "payslips.csv").read_bytes() == before
    assert not (tmp_path / "nope").exists()


def test_a_malformed_memory_limit_is_the_users_setting_not_a_bug(tmp_path, monkeypatch):
    monkeypatch.setenv("EERLIJKWERK_MEMORY_LIMIT", "lots")
    res = CliRunner().invoke(app, ["audit", str(hostile(tmp_path / "in")), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2 and "is not an amount of memory" in " ".join(res.output.split())
