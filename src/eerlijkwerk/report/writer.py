"""Write an audit result: report.html for a person, findings/fines/rejects as Parquet + CSV and report.json for a
machine. Charts are Vega-Altair specs rendered to inline SVG (vl-convert), so the report opens offline.

Files in ``out_dir``: report.html, report.json, findings.parquet, findings.csv, fines.parquet, fines.csv,
rejects.csv, evaluations.parquet, art23_claims.csv. Worker ids appear only as pseudonyms (``worker_ref``); the table
pseudonym -> worker id is written only on request, to a file of its own (``reidentify_to``).

Safe to open: report.html escapes every value (Jinja2 autoescaping); every CSV neutralises text cells that a
spreadsheet would run as a formula (:func:`csv_safe`).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from json.encoder import encode_basestring as _encode_str
from pathlib import Path
from typing import Any, Iterable

import altair as alt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from jinja2 import Environment, PackageLoader

from eerlijkwerk.engine.run import FINE_SCHEMA, AuditResult
from eerlijkwerk.report.summary import Aggregates

MAX_ROWS_IN_HTML = 500
MAX_EMPLOYERS_IN_CHART = 20
EXTRA_TITLES = {"art23_claims": "Wage claims of illegally employed workers (art. 23 Wav)"}  # per table; the full lists are in the CSV/Parquet files


def _json_default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return str(o)
    if isinstance(o, (dt.date, dt.datetime)):
        return o.isoformat()
    if isinstance(o, set):
        return sorted(o)
    raise TypeError(type(o))


def _scalar_json(v: Any) -> str | None:
    """``v`` as json.dumps writes it (ensure_ascii=False, default=_json_default); None when ``v`` is not a scalar."""
    if isinstance(v, str):
        return _encode_str(v)
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return int.__repr__(v)
    if isinstance(v, float):
        return json.dumps(v)
    if isinstance(v, (Decimal, dt.date)):
        return _encode_str(_json_default(v))
    return None


def _value_json(v: Any, level: int) -> str:
    """``v`` as json.dumps(indent=2) writes it nested ``level`` deep. A flat dict (a per-worker row) is written here:
    the standard encoder is pure Python once it indents, and spends seconds on hundreds of thousands of rows."""
    if isinstance(v, dict) and v and all(isinstance(k, str) for k in v):
        inner = "  " * (level + 1)
        fields = [(k, _scalar_json(x)) for k, x in v.items()]
        if all(text is not None for _, text in fields):
            return "{\n" + ",\n".join(f"{inner}{_encode_str(k)}: {text}" for k, text in fields) + \
                "\n" + "  " * level + "}"
    # anything else: the standard encoder; nested, its lines only move right (strings hold no raw line breaks)
    return _dumps(v).replace("\n", "\n" + "  " * level)


def _dumps(v: Any) -> str:
    return json.dumps(v, default=_json_default, indent=2, ensure_ascii=False)


def _write_json(path: Path, summary: dict[str, Any], files: dict[str, str],
                per_worker: Iterable[list[dict[str, Any]]], reidentification: dict[str, Any]) -> None:
    """report.json: {"summary": summary, "files": files, "reidentification": reidentification} as
    json.dumps(indent=2) writes it, with summary's per_worker list written from ``per_worker`` (batches of rows, all
    workers: summary itself holds only the first ones)."""
    mark = "\0per_worker\0"
    head, tail = _dumps({"summary": {**summary, "per_worker": mark}, "files": files,
                         "reidentification": reidentification}).split(_encode_str(mark))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(head)
        sep = "[\n"
        for batch in per_worker:
            for row in batch:
                fh.write(sep + "      " + _value_json(row, 3))
                sep = ",\n"
        fh.write("[]" if sep == "[\n" else "\n    ]")
        fh.write(tail)


def eur(v: Any) -> str:
    if v is None:
        return "—"
    return f"€ {Decimal(v):,.2f}".replace(",", "\u202f").replace(".", ",").replace("\u202f", ".")


def _svg(chart: alt.Chart) -> str:
    """The chart as SVG, to be embedded in report.html as it is (the one part of the report not escaped by the
    template). Its labels come from the input (employer ids): vl-convert writes them as XML-escaped text; the SVG is
    checked to hold no script, no foreign HTML and no event-handler attribute before it is used. Raises
    RuntimeError otherwise (a bug, never a report with active content)."""
    import vl_convert as vlc

    return _inert_svg(vlc.vegalite_to_svg(chart.to_dict()))


_ACTIVE_SVG_TAGS = {"script", "foreignobject", "iframe", "object", "embed", "handler", "listener"}


def _inert_svg(svg: str) -> str:
    """``svg`` unchanged when it is well-formed XML without active content (script-like elements, ``on*`` event
    attributes, ``javascript:`` links); RuntimeError otherwise. Text and labels are not judged: they are text."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        raise RuntimeError(f"chart SVG is not well-formed XML: {exc}") from exc
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1].lower()
        if tag in _ACTIVE_SVG_TAGS:
            raise RuntimeError(f"chart SVG holds a <{tag}> element")
        for name, value in el.attrib.items():
            name = name.rsplit("}", 1)[-1].lower()
            link = name in ("href", "src") and "javascript:" in "".join(value.split()).lower()
            if name.startswith("on") or link:
                raise RuntimeError(f"chart SVG holds active attribute {name}={value!r}")
    return svg


def _bar(v: Decimal) -> float:
    """A bar length for a chart: the amount is summed as Decimal and only this drawing length is a float (every
    figure shown as text comes from the Decimal values)."""
    return float(v)


def _charts(summary: dict[str, Any], per_month: list[dict[str, Any]]) -> dict[str, str]:
    charts: dict[str, str] = {}
    per_rule = [{"rule": r["rule"], "findings": r["findings"]} for r in summary["per_rule"] if r["findings"]]
    if per_rule:
        charts["findings_per_rule"] = _svg(
            alt.Chart(alt.Data(values=per_rule)).mark_bar().encode(
                x=alt.X("findings:Q", title="findings"), y=alt.Y("rule:N", sort="-x", title=None),
                tooltip=["rule:N", "findings:Q"]).properties(width=520, height=28 * len(per_rule),
                                                             title="Findings per rule"))
    emp = [{"employer": e["employer_id"], "back pay (EUR)": _bar(e["back_pay"] + e["back_pay_presumed"]),
            "fines (EUR)": _bar(e["fines"])} for e in summary["per_employer"][:MAX_EMPLOYERS_IN_CHART]]
    if emp:
        long = [{"employer": r["employer"], "measure": k, "EUR": r[k]} for r in emp for k in ("back pay (EUR)", "fines (EUR)")]
        charts["per_employer"] = _svg(
            alt.Chart(alt.Data(values=long)).mark_bar().encode(
                x=alt.X("EUR:Q"), y=alt.Y("employer:N", sort="-x", title=None), color=alt.Color("measure:N"),
                yOffset="measure:N").properties(width=520, height=40 * len(emp), title="Back pay owed and fines per employer"))
    if per_month:
        charts["per_month"] = _svg(
            alt.Chart(alt.Data(values=per_month)).mark_bar().encode(
                x=alt.X("month:O", title="pay period (month)"), y=alt.Y("findings:Q", stack="zero"),
                color=alt.Color("rule:N")).properties(width=640, height=220, title="Findings per month"))
    return charts


#: a cell whose text begins with one of these is read as a formula by spreadsheet programs (OWASP, CSV Injection)
FORMULA_START = r"^[=+\-@\t\r]"


def csv_safe(batch: pa.RecordBatch | pa.Table) -> pa.RecordBatch | pa.Table:
    """``batch`` with every text cell that begins with = + - @ tab or carriage return prefixed with a single quote
    ("'=1+1"), so that a spreadsheet shows it as text instead of running it as a formula (OWASP, CSV Injection:
    https://owasp.org/www-community/attacks/CSV_Injection). Only text (string) columns change: numbers, dates and
    booleans are written by type, so a negative amount (-12.50 in a DECIMAL column) stays the number -12.50. A
    negative amount that is *text* (a rejected input value) is shown as '-12.50. Parquet and JSON keep every value
    exactly; only the CSV files are neutralised."""
    cols = []
    for field, col in zip(batch.schema, batch.columns):
        if pa.types.is_dictionary(field.type) and pa.types.is_string(field.type.value_type):
            col = col.cast(pa.string())
            field = field.with_type(pa.string())
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            hit = pc.fill_null(pc.match_substring_regex(col, FORMULA_START), False)
            if pc.any(hit).as_py():
                col = pc.if_else(hit, pc.binary_join_element_wise(pa.scalar("'", field.type), col, ""), col)
        cols.append(col)
    schema = pa.schema([f.with_type(c.type) for f, c in zip(batch.schema, cols)], metadata=batch.schema.metadata)
    if isinstance(batch, pa.Table):
        return pa.Table.from_arrays(cols, schema=schema)
    return pa.RecordBatch.from_arrays(cols, schema=schema)


def write_csv(table: pa.Table, path: Path) -> None:
    """``table`` as CSV, its text cells neutralised (:func:`csv_safe`)."""
    pacsv.write_csv(csv_safe(table), path)


def _write(reader: pa.RecordBatchReader, parquet: Path, csv: Path, keep: int,
           schema: pa.Schema | None = None) -> tuple[list[dict[str, Any]], int]:
    """Write a query's rows to Parquet and CSV batch by batch (a million findings are never all in memory); returns
    the first ``keep`` rows (for the HTML) and the number of rows written. The CSV's text cells are neutralised
    (:func:`csv_safe`); the Parquet file keeps them exactly."""
    cast = schema is not None
    schema = schema or reader.schema
    head: list[dict[str, Any]] = []
    n = 0
    cw = None
    with pq.ParquetWriter(parquet, schema) as pw:
        try:
            for batch in reader:
                if cast:
                    batch = batch.cast(schema)
                pw.write_batch(batch)
                safe = csv_safe(batch)
                if cw is None:
                    cw = pacsv.CSVWriter(csv, safe.schema)
                cw.write_batch(safe)
                if len(head) < keep:
                    head.extend(batch.slice(0, keep - len(head)).to_pylist())
                n += batch.num_rows
            if cw is None:  # no rows: the header only
                cw = pacsv.CSVWriter(csv, csv_safe(schema.empty_table()).schema)
        finally:
            if cw is not None:
                cw.close()
    return head, n


def write_report(result: AuditResult, out_dir: Path, reidentify_to: Path | None = None) -> dict[str, Path]:
    """Write every output file; returns their paths by name. Findings and fines go from DuckDB to the files in
    batches; the summaries are aggregated in DuckDB; the HTML lists only their first MAX_ROWS_IN_HTML rows.

    ``reidentify_to``: only when given, the CSV file (worker_ref, worker_id) of every pseudonym in the outputs, so
    that back pay can be paid to the right person (personal data: keep it apart from the report). report.html and
    report.json say whether it was written and where. Raises ValueError when it would overwrite a report file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con = result.con
    findings_sql = f"SELECT * EXCLUDE (_worker_id) FROM {result.findings_table} ORDER BY finding_id"
    fines_sql = f"SELECT * EXCLUDE (finding_ids) FROM {result.fines_table} ORDER BY fine_id"
    paths = {
        "html": out_dir / "report.html", "json": out_dir / "report.json",
        "findings_parquet": out_dir / "findings.parquet", "findings_csv": out_dir / "findings.csv",
        "fines_parquet": out_dir / "fines.parquet", "fines_csv": out_dir / "fines.csv",
        "rejects_csv": out_dir / "rejects.csv", "evaluations_parquet": out_dir / "evaluations.parquet",
    }
    outputs = [*paths.values(), *(out_dir / f"{name}.csv" for name in result.extra)]
    if reidentify_to is not None and Path(reidentify_to).resolve() in {p.resolve() for p in outputs}:
        raise ValueError(f"--reidentify-to {reidentify_to} would overwrite a report file: give another file")
    findings, findings_total = _write(con.sql(findings_sql).to_arrow_reader(), paths["findings_parquet"],
                                      paths["findings_csv"], MAX_ROWS_IN_HTML)
    fines, fines_total = _write(con.sql(fines_sql).to_arrow_reader(), paths["fines_parquet"], paths["fines_csv"],
                                MAX_ROWS_IN_HTML, FINE_SCHEMA)
    write_csv(result.rejects, paths["rejects_csv"])
    for name, table in result.extra.items():
        paths[f"{name}_csv"] = out_dir / f"{name}.csv"
        write_csv(table, paths[f"{name}_csv"])
    if not result.write_evaluations(paths["evaluations_parquet"]):
        paths.pop("evaluations_parquet")
    # after every output that names a pseudonym has been written: the table covers all of them
    reident: dict[str, Any] = {"written": False, "file": None, "workers": 0}
    if reidentify_to is not None:
        table = result.reidentification()
        Path(reidentify_to).parent.mkdir(parents=True, exist_ok=True)
        write_csv(table, Path(reidentify_to))
        reident = {"written": True, "file": str(Path(reidentify_to).resolve()), "workers": table.num_rows}

    with Aggregates(result) as agg:
        # the HTML lists the first MAX_ROWS_IN_HTML workers; report.json all of them, written batch by batch
        summary, workers_total, per_month = agg.summary(MAX_ROWS_IN_HTML), agg.workers_total, agg.per_month()
        _write_json(paths["json"], summary, {k: v.name for k, v in paths.items()}, agg.per_worker_batches(), reident)

    env = Environment(loader=PackageLoader("eerlijkwerk.report", "templates"), autoescape=True)
    env.filters["eur"] = eur
    env.filters["fromjson"] = json.loads
    tpl = env.get_template("report.html.j2")
    html = tpl.render(
        s=summary, charts=_charts(summary, per_month), max_rows=MAX_ROWS_IN_HTML,
        findings=findings, findings_total=findings_total, fines=fines, fines_total=fines_total,
        rejects=result.rejects.slice(0, MAX_ROWS_IN_HTML).to_pylist(), rejects_total=result.rejects.num_rows,
        workers=summary["per_worker"], workers_total=workers_total,
        extra={name: t.slice(0, MAX_ROWS_IN_HTML).to_pylist() for name, t in result.extra.items()},
        extra_titles=EXTRA_TITLES, reident=reident,
    )
    paths["html"].write_text(html, encoding="utf-8")
    return paths
