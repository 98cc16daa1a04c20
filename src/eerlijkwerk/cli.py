"""Command line: ``eerlijkwerk audit``, ``eerlijkwerk demo``, ``eerlijkwerk params``."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.markup import escape
from rich.table import Table

from eerlijkwerk import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Rules-as-code audits of Dutch labour-migration law (minimum wage first). "
                       "Every finding cites its article, shows its arithmetic and its fine.")
params_app = typer.Typer(no_args_is_help=True, help="Show the dated legal parameters and their sources.")
app.add_typer(params_app, name="params")
register_app = typer.Typer(no_args_is_help=True, help="The lenders' admission register (Waadi registration, Wtta "
                                                      "admission): import an extract, check a lender on a date.")
app.add_typer(register_app, name="register")

DEFAULT_REGISTER = Path(os.environ.get("EERLIJKWERK_REGISTER", Path.home() / ".local/share/eerlijkwerk/register.parquet"))


@register_app.command("import")
def register_import(
    extract: Path = typer.Argument(..., help="Register extract, CSV or JSON, in the format of the admissions table "
                                             "(docs/input-format.md)."),
    store: Path = typer.Option(DEFAULT_REGISTER, help="Where the imported register is kept (Parquet); also "
                                                      "EERLIJKWERK_REGISTER."),
) -> None:
    """Validate a register extract and keep it for `register check`. Every bad record is named (row, column, reason)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from eerlijkwerk.law.waadi.register import load_extract
    from eerlijkwerk.records.reader import RecordsError

    try:
        records = load_extract(extract)
        store.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(records), store)
    except RecordsError as exc:
        _fail(str(exc))
        return
    except OSError as exc:
        _fail(f"cannot write the register to {store}: {exc.strerror or exc}")
        return
    console.print(f"imported {len(records)} register record(s) of {len({r['employer_id'] for r in records})} "
                  f"lender(s) into {store}")


@register_app.command("check")
def register_check(
    kvk: str = typer.Argument(..., help="KvK number of the lender."),
    date: str = typer.Argument(..., help="Date to check, YYYY-MM-DD."),
    store: Path = typer.Option(DEFAULT_REGISTER, help="Imported register (see `register import`)."),
    extract: Optional[Path] = typer.Option(None, help="Check directly against this extract instead of the store."),
) -> None:
    """Was lender KVK registered/admitted to lend workers on DATE? Exit code 0 = allowed, 1 = not allowed."""
    import pyarrow.parquet as pq

    from eerlijkwerk.engine.run import load_parameters
    from eerlijkwerk.law.waadi.register import check, load_extract
    from eerlijkwerk.records.reader import RecordsError

    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        _fail(f"date {date!r} is not a date of the form YYYY-MM-DD")
        return
    try:
        if extract is not None:
            records = load_extract(extract)
        elif store.exists():
            records = pq.read_table(store).to_pylist()
        else:
            _fail(f"no register imported at {store}: run `eerlijkwerk register import EXTRACT` or give --extract")
            return
    except (RecordsError, OSError) as exc:
        _fail(str(exc))
        return
    answer = check(records, load_parameters(), kvk, day)
    console.print(escape(answer.status))
    raise typer.Exit(0 if answer.allowed else 1)
console = Console()
err = Console(stderr=True)


#: exit codes of `audit` (README, "Exit codes"): 0 done; 1 findings (--fail-on-findings); 2 unusable input or options;
#: 3 internal error (a bug); 4 out of memory; 5 rows rejected or nothing evaluated (--fail-on-findings)
EXIT_FINDINGS, EXIT_INCOMPLETE = 1, 5


def _fail(msg: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {msg}")
    raise typer.Exit(code)


@app.command()
def audit(
    records: Path = typer.Argument(..., help="Folder with employers/workers/contracts/payslips (.csv, .parquet or "
                                             "sheets of one .xlsx), or a single .xlsx workbook. Format: docs/input-format.md."),
    out: Path = typer.Option(Path("audit-report"), "--out", "-o", help="Folder for report.html, report.json, "
                                                                       "findings.parquet/.csv, fines.parquet/.csv, rejects.csv."),
    scenario: Optional[Path] = typer.Option(None, "--scenario", "-s", help="What-if YAML: override dated parameters and "
                                                                         "switch on proposed rules. Without it only law in force applies."),
    mapping: Optional[Path] = typer.Option(None, "--mapping", "-m", help="Column-mapping YAML for a payroll export "
                                                                       "(column names, delimiter, decimal comma, date format)."),
    pseudonym_key: Optional[str] = typer.Option(None, "--pseudonym-key", envvar="EERLIJKWERK_PSEUDONYM_KEY",
                                                help="Secret key for worker pseudonyms; the same key gives the same "
                                                     "pseudonyms across runs. Default: a random key per run. Never "
                                                     "written to any output, log or SQL text."),
    reidentify_to: Optional[Path] = typer.Option(None, "--reidentify-to", metavar="FILE",
                                                 help="Also write the table pseudonym -> worker id (CSV: worker_ref, "
                                                      "worker_id) to FILE, so that back pay can be paid to the right "
                                                      "person. Personal data: keep it apart from the report. Without "
                                                      "this option no such table is written."),
    fail_on_findings: bool = typer.Option(False, "--fail-on-findings", help="For pipelines: exit with code 1 when "
                                          "there are findings, and with code 5 when rows were rejected or no pay "
                                          "period could be evaluated (an unreadable export must not pass; 5 wins "
                                          "over 1). Without it the exit code is 0 whatever was found."),
) -> None:
    """Audit a company's records against the law in force on each date and write the report."""
    from eerlijkwerk.engine.run import run_audit
    import duckdb

    from eerlijkwerk.engine.scenario import Scenario, ScenarioError
    from eerlijkwerk.params import ParameterError
    from eerlijkwerk.records.reader import Mapping, RecordsError
    from eerlijkwerk.report.writer import write_report

    problem = _memory_limit_problem() or (_reidentify_problem(reidentify_to, records, out) if reidentify_to else None)
    if problem:
        _fail(problem)
        return
    try:
        sc = Scenario.load(scenario) if scenario else None
        mp = Mapping.load(mapping) if mapping else None
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} rules"),
                      TimeElapsedColumn(), console=err, transient=True) as progress:
            task = progress.add_task("reading and validating records", total=None)

            def on_rule(rule_id: str, i: int, n: int) -> None:
                progress.update(task, description=f"evaluating {rule_id}", completed=i, total=n)

            result = run_audit(records, scenario=sc, mapping=mp, pseudonym_key=pseudonym_key, progress=on_rule)
            progress.update(task, description="writing report")
            paths = write_report(result, out, reidentify_to=reidentify_to)
    except (RecordsError, ScenarioError, ParameterError, ValueError) as exc:
        _fail(str(exc))
        return
    except OSError as exc:
        _fail(f"cannot write the report to {out}: {exc.strerror or exc}")
        return
    except duckdb.OutOfMemoryException:
        limit = os.environ.get("EERLIJKWERK_MEMORY_LIMIT", "3GB")
        _fail(f"the audit needs more memory than the limit of {limit} (EERLIJKWERK_MEMORY_LIMIT) allows, e.g. for "
              f"millions of findings; run it again with a higher limit, e.g. EERLIJKWERK_MEMORY_LIMIT=8GB "
              f"(the machine's RAM permitting)", code=4)
        return
    except Exception as exc:  # a crash is a bug: say so plainly, without a traceback
        _fail(f"internal error ({type(exc).__name__}: {exc}). This is a bug in eerlijkwerk; please report it with "
              f"the command you ran.", code=3)
        return
    from eerlijkwerk.report.summary import summarise
    from eerlijkwerk.report.writer import eur

    s = summarise(result)
    t = Table(title="eerlijkwerk audit", show_header=True)
    t.add_column("rule")
    t.add_column("article")
    t.add_column("findings", justify="right")
    t.add_column("back pay", justify="right")
    t.add_column("fines", justify="right")
    for r in s["per_rule"]:
        t.add_row(r["rule"], r["citation"], f"{r['findings']:,}", eur(r["amount"]), eur(r["fines"]))
    console.print(t)
    not_eval = sum(s["payslips_not_evaluated"].values())
    console.print(f"input rows read {s['rows_in']:,} = valid {s['rows_valid']:,} + rejected {s['rows_rejected']:,} "
                  f"(every rejected row with its reason in rejects.csv); pay periods evaluated "
                  f"{s['payslips_evaluated']:,}, not evaluated {not_eval:,}")
    console.print(f"back pay owed {eur(s['back_pay_owed'])} (+ {eur(s['back_pay_presumed'])} resting on unproven "
                  f"claims); fines {eur(s['fines_total'])} (+ {eur(s['fines_presumed'])} if the claims are proven)")
    absent = []
    for name, load in s["inputs"].items():
        for w in load["warnings"]:
            if "not given" in w:
                absent.append(name)
            else:
                err.print(f"[yellow]warning:[/] {escape(w)}")
    if absent:
        hint = (" (without permits, every worker who needs a work permit is taken to have none)"
                if "permits" in absent else "")
        err.print(f"[yellow]note:[/] tables not given, treated as empty: {', '.join(absent)}{hint}")
    if sc is not None:
        err.print(f"[bold yellow]scenario applied:[/] {escape(_scenario_summary(sc))}. These results are a what-if, "
                  f"not the law in force.")
    console.print(f"report: [bold]{escape(str(paths['html'].resolve()))}[/]")
    if reidentify_to is not None:
        err.print(f"[yellow]note:[/] the table pseudonym -> worker id (personal data) was written to "
                  f"{escape(str(reidentify_to.resolve()))}; keep it apart from the report")
    if fail_on_findings:
        incomplete = []
        if s["rows_rejected"]:
            incomplete.append(f"{s['rows_rejected']:,} input row(s) rejected")
        if not s["payslips_evaluated"]:
            incomplete.append("no pay period evaluated")
        if incomplete:
            err.print(f"[bold red]incomplete audit:[/] {'; '.join(incomplete)} (exit code {EXIT_INCOMPLETE})")
            raise typer.Exit(EXIT_INCOMPLETE)
        if s["findings"]:
            raise typer.Exit(EXIT_FINDINGS)


def _memory_limit_problem() -> str | None:
    """A malformed EERLIJKWERK_MEMORY_LIMIT is the user's setting, not a bug: say so before the audit starts."""
    import re

    limit = os.environ.get("EERLIJKWERK_MEMORY_LIMIT")
    if limit is None or re.fullmatch(r"\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", limit, re.I):
        return None
    return f"EERLIJKWERK_MEMORY_LIMIT={limit!r} is not an amount of memory such as 3GB or 8GB"


def _reidentify_problem(target: Path, records: Path, out: Path) -> str | None:
    """--reidentify-to must name a new or existing file of its own: not a folder, not in a missing folder, not one of
    the audited records, not inside the report folder (the table is personal data: it is kept apart)."""
    t = target.resolve()
    if t.is_dir():
        return f"--reidentify-to {target}: is a folder; give a file name (e.g. {target / 'reidentify.csv'})"
    o = out.resolve()
    if t == o or o in t.parents:
        return (f"--reidentify-to {target}: is inside the report folder {out}; the table links pseudonyms to people "
                f"and must be kept apart from the report")
    if not t.parent.is_dir():
        return f"--reidentify-to {target}: the folder {target.parent} does not exist"
    rec = records.resolve()
    if t == rec or (rec.is_dir() and rec in t.parents):
        return f"--reidentify-to {target}: is in the records folder {records}; it would overwrite or mix with the input"
    return None


def _scenario_summary(sc) -> str:
    """What a scenario changes, in one line: its name, the proposed law it applies, the rules it enables, the values
    it sets."""
    parts = [repr(sc.name)]
    if sc.use_proposed_values is True:
        parts.append("proposed values of every parameter apply")
    elif sc.use_proposed_values:
        parts.append("proposed values apply for " + ", ".join(sc.use_proposed_values))
    if sc.enable_rules:
        parts.append("proposed rules enabled: " + ", ".join(sc.enable_rules))
    if sc.parameters:
        parts.append("values set for " + ", ".join(sc.parameters))
    extra = getattr(sc, "use_cancelled_values", None)
    if extra:
        parts.append("cancelled values apply for " + ", ".join(extra))
    return "; ".join(parts)


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-records"), "--out", "-o", help="Folder to write the demo records to."),
    seed: int = typer.Option(2026, help="Random seed (same seed, same records)."),
    workers: int = typer.Option(2000, min=200, max=200_000, help="Number of workers, 200 to 200,000 (at least 200 "
                                                                 "to plant every kind of violation)."),
) -> None:
    """Write a seeded staffing-agency dataset with planted violations (and planted.json listing them)."""
    import json

    from eerlijkwerk.demo import generate
    from eerlijkwerk.demo_shifts import add_shifts

    try:
        manifest = generate(out, seed=seed, workers=workers)
        # shift records with planted working-time violations (Atw), listed under "atw" in planted.json
        atw = add_shifts(out, seed=seed)
        manifest["atw"] = atw
        manifest["counts"] = {**manifest["counts"], **atw.get("counts", {})}
        (out / "planted.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write the demo records to {out}: {exc.strerror or exc}")
        return
    except ValueError as exc:
        _fail(str(exc))
        return
    counts = ", ".join(f"{k} {v}" for k, v in sorted(manifest["counts"].items()))
    console.print(f"demo records in [bold]{out.resolve()}[/] — planted: {counts}")


@params_app.command("list")
def params_list() -> None:
    """Every parameter with its latest value date and confidence."""
    from eerlijkwerk.engine.run import load_parameters

    ps = load_parameters()
    t = Table(show_header=True)
    for c in ("id", "unit", "dates", "status / confidence of the latest"):
        t.add_column(c)
    for p in sorted(ps, key=lambda p: p.id):
        last = p.values[-1]
        t.add_row(p.id, p.unit, f"{p.values[0].valid_from} … {last.valid_from}", f"{last.status.value} / {last.confidence.value}")
    console.print(t)


@params_app.command("show")
def params_show(pid: str = typer.Argument(..., help="Parameter id, e.g. wml.minimumloon_uur"),
                on: Optional[str] = typer.Option(None, help="Only the value applying on this date (YYYY-MM-DD).")) -> None:
    """The timeline of one parameter with the source of every value."""
    from eerlijkwerk.engine.run import load_parameters
    from eerlijkwerk.params import ParameterError

    ps = load_parameters()
    try:
        p = ps[pid]
        entries = p.values
        if on:
            try:
                day = dt.date.fromisoformat(on)
            except ValueError:
                _fail(f"date {on!r} is not a date of the form YYYY-MM-DD")
                return
            e = p.at(day)
            entries = (e,) if e else ()
    except (ParameterError, ValueError) as exc:
        _fail(str(exc))
        return
    console.print(f"[bold]{p.id}[/] — {p.description} ({p.unit}); basis: {p.legal_basis}")
    for e in entries:
        console.print(f"  {e.valid_from}: {escape(_plain(e.value))}  ({e.status.value}, {e.confidence.value}) "
                      f"{escape(e.source)} {escape(e.url)}")
    if not entries:
        console.print("  no value applies on that date")


def _plain(v: object) -> str:
    """A parameter value as a person writes it (no Decimal(...) reprs)."""
    from decimal import Decimal

    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_plain(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_plain(x) for x in v) + "]"
    return "null" if v is None else str(v)


@app.command("rules")
def rules_list() -> None:
    """Every rule: id, article, status (in force / adopted, not yet in force / proposed) and title."""
    from eerlijkwerk import law
    from eerlijkwerk.engine.rules import RULES
    from eerlijkwerk.engine.run import load_parameters

    law.statute_packages()
    params = load_parameters()
    t = Table(show_header=True)
    for c in ("rule", "article", "status", "title"):
        t.add_column(c)
    for r in sorted(RULES.values(), key=lambda r: r.id):
        t.add_row(r.id, r.citation, r.status.value, r.title_text(params))
    console.print(t)


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


if __name__ == "__main__":  # pragma: no cover
    app()
