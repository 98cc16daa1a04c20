"""Write an audit result: report.html for a person, findings/fines/rejects as Parquet + CSV and report.json for a
machine. Charts are Vega-Altair specs rendered to inline SVG (vl-convert), so the report opens offline.

Files in ``out_dir``: report.html, report.json, findings.parquet, findings.csv, fines.parquet, fines.csv,
rejects.csv, evaluations.parquet. Worker ids appear only as pseudonyms (``worker_ref``).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import altair as alt
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from jinja2 import Environment, PackageLoader, select_autoescape

from eerlijkwerk.engine.run import AuditResult
from eerlijkwerk.report.summary import summarise

MAX_ROWS_IN_HTML = 500
EXTRA_TITLES = {"art23_claims": "Wage claims of illegally employed workers (art. 23 Wav)"}  # per table; the full lists are in the CSV/Parquet files


def _json_default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return str(o)
    if isinstance(o, (dt.date, dt.datetime)):
        return o.isoformat()
    if isinstance(o, set):
        return sorted(o)
    raise TypeError(type(o))


def eur(v: Any) -> str:
    if v is None:
        return "—"
    return f"€ {Decimal(v):,.2f}".replace(",", "\u202f").replace(".", ",").replace("\u202f", ".")


def _svg(chart: alt.Chart) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict())


def _charts(summary: dict[str, Any], findings: pa.Table) -> dict[str, str]:
    charts: dict[str, str] = {}
    per_rule = [{"rule": r["rule"], "findings": r["findings"]} for r in summary["per_rule"] if r["findings"]]
    if per_rule:
        charts["findings_per_rule"] = _svg(
            alt.Chart(alt.Data(values=per_rule)).mark_bar().encode(
                x=alt.X("findings:Q", title="findings"), y=alt.Y("rule:N", sort="-x", title=None),
                tooltip=["rule:N", "findings:Q"]).properties(width=520, height=28 * len(per_rule),
                                                             title="Findings per rule"))
    emp = [{"employer": e["employer_id"], "back pay (EUR)": float(e["back_pay"] + e["back_pay_presumed"]),
            "fines (EUR)": float(e["fines"])} for e in summary["per_employer"][:20]]
    # floats only for drawing bar lengths; every figure shown as text comes from the Decimal values
    if emp:
        long = [{"employer": r["employer"], "measure": k, "EUR": r[k]} for r in emp for k in ("back pay (EUR)", "fines (EUR)")]
        charts["per_employer"] = _svg(
            alt.Chart(alt.Data(values=long)).mark_bar().encode(
                x=alt.X("EUR:Q"), y=alt.Y("employer:N", sort="-x", title=None), color=alt.Color("measure:N"),
                yOffset="measure:N").properties(width=520, height=40 * len(emp), title="Back pay owed and fines per employer"))
    if findings.num_rows:
        months: dict[tuple[str, str], int] = {}
        for rid, ps in zip(findings.column("rule_id").to_pylist(), findings.column("period_start").to_pylist()):
            if ps is None:
                continue
            key = (ps.strftime("%Y-%m"), rid)
            months[key] = months.get(key, 0) + 1
        vals = [{"month": m, "rule": r, "findings": n} for (m, r), n in sorted(months.items())]
        if vals:
            charts["per_month"] = _svg(
                alt.Chart(alt.Data(values=vals)).mark_bar().encode(
                    x=alt.X("month:O", title="pay period (month)"), y=alt.Y("findings:Q", stack="zero"),
                    color=alt.Color("rule:N")).properties(width=640, height=220, title="Findings per month"))
    return charts


def write_report(result: AuditResult, out_dir: Path) -> dict[str, Path]:
    """Write every output file; returns their paths by name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    findings = result.findings.drop_columns(["_worker_id"])
    paths = {
        "html": out_dir / "report.html", "json": out_dir / "report.json",
        "findings_parquet": out_dir / "findings.parquet", "findings_csv": out_dir / "findings.csv",
        "fines_parquet": out_dir / "fines.parquet", "fines_csv": out_dir / "fines.csv",
        "rejects_csv": out_dir / "rejects.csv", "evaluations_parquet": out_dir / "evaluations.parquet",
    }
    pq.write_table(findings, paths["findings_parquet"])
    pacsv.write_csv(findings, paths["findings_csv"])
    pq.write_table(result.fines, paths["fines_parquet"])
    pacsv.write_csv(result.fines, paths["fines_csv"])
    pacsv.write_csv(result.rejects, paths["rejects_csv"])
    for name, table in result.extra.items():
        paths[f"{name}_csv"] = out_dir / f"{name}.csv"
        pacsv.write_csv(table, paths[f"{name}_csv"])
    if not result.write_evaluations(paths["evaluations_parquet"]):
        paths.pop("evaluations_parquet")

    summary = summarise(result)
    paths["json"].write_text(json.dumps({"summary": summary, "files": {k: v.name for k, v in paths.items()}},
                                        default=_json_default, indent=2, ensure_ascii=False), encoding="utf-8")

    env = Environment(loader=PackageLoader("eerlijkwerk.report", "templates"), autoescape=select_autoescape())
    env.filters["eur"] = eur
    env.filters["fromjson"] = json.loads
    tpl = env.get_template("report.html.j2")
    fines_rows = result.fines.to_pylist()
    html = tpl.render(
        s=summary, charts=_charts(summary, findings), max_rows=MAX_ROWS_IN_HTML,
        findings=findings.slice(0, MAX_ROWS_IN_HTML).to_pylist(), findings_total=findings.num_rows,
        fines=fines_rows[:MAX_ROWS_IN_HTML], fines_total=len(fines_rows),
        rejects=result.rejects.slice(0, MAX_ROWS_IN_HTML).to_pylist(), rejects_total=result.rejects.num_rows,
        workers=summary["per_worker"][:MAX_ROWS_IN_HTML],
        extra={name: t.slice(0, MAX_ROWS_IN_HTML).to_pylist() for name, t in result.extra.items()},
        extra_titles=EXTRA_TITLES,
    )
    paths["html"].write_text(html, encoding="utf-8")
    return paths
