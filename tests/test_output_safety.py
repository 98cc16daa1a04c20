"""Outputs safe to open (issue 10, item 5), on a hostile record set: ids and texts that are HTML, formulas and
signed numbers.

- report.html escapes every value that came from the input (Jinja2 autoescaping; the charts' SVG is checked to be
  inert). Source: OWASP Cross Site Scripting Prevention Cheat Sheet, rule #1 (HTML-encode data put in HTML content)
  https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html
- every CSV file neutralises text cells that begin with = + - @ tab or CR by a leading single quote; numbers are
  written by type and stay numbers. Source: OWASP, CSV Injection, https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from eerlijkwerk.cli import app
from eerlijkwerk.engine.run import run_audit
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
