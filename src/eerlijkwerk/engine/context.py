"""What a rule sees: the validated records as Ibis tables, the dated parameters, and shared intermediate tables."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator

import ibis
import ibis.backends.duckdb  # noqa: F401  (the backend every audit runs on: loaded with the engine, not per audit)
import ibis.expr.types as ir
import pyarrow as pa

from eerlijkwerk.engine.scenario import Scenario
from eerlijkwerk.params import CONFIDENCE_RANK, ParameterError, ParameterSet
from eerlijkwerk.records.reader import Records

#: An open valid_to in interval tables (the value holds until a later one is set).
OPEN_END = dt.date(9999, 12, 31)


def rank_of(confidence: ir.StringValue) -> ir.IntegerValue:
    """A confidence column as its CONFIDENCE_RANK (NULL: no value of its own, 'confirmed')."""
    return confidence.cases(*((k, ibis.literal(v, type="int8")) for k, v in CONFIDENCE_RANK.items()),
                            else_=ibis.literal(0, type="int8"))


def confidence_of(rank: ir.IntegerValue) -> ir.StringValue:
    """A CONFIDENCE_RANK as its confidence text."""
    return rank.cases(*((v, k) for k, v in CONFIDENCE_RANK.items()), else_="unconfirmed")


class RecordingParameters:
    """The audit's parameters as a rule reads them: every parameter id read (by ``[]``, ``timeline``, ``at``,
    ``value_at``) is noted in each set that is open in the context (:meth:`AuditContext.recording`), so that the
    engine knows which legal values a rule's findings rest on."""

    def __init__(self, base: ParameterSet, note: Callable[[str], None]):
        self.base = base
        self._note = note

    def __getitem__(self, pid: str):
        self._note(pid)
        return self.base[pid]

    def timeline(self, pid: str):
        self._note(pid)
        return self.base.timeline(pid)

    def at(self, pid: str, date: dt.date):
        self._note(pid)
        return self.base.at(pid, date)

    def value_at(self, pid: str, date: dt.date):
        self._note(pid)
        return self.base.value_at(pid, date)

    def __iter__(self):
        return iter(self.base)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)



@dataclass
class AuditContext:
    records: Records
    params: ParameterSet
    scenario: Scenario | None = None
    _cache: dict[str, ir.Table] = field(default_factory=dict)
    _memo: dict[str, Any] = field(default_factory=dict)
    _open: list[set[str]] = field(default_factory=list)  # parameter ids read, one set per open recording
    _deps: dict[str, frozenset[str]] = field(default_factory=dict)  # parameter ids read to build a cached table

    def __post_init__(self) -> None:
        self.backend = ibis.duckdb.from_connection(self.records.con)
        if not isinstance(self.params, RecordingParameters):
            self.params = RecordingParameters(self.params, self._note)  # type: ignore[assignment]

    def _note(self, pid: str) -> None:
        for used in self._open:
            used.add(pid)

    @contextmanager
    def recording(self) -> Iterator[set[str]]:
        """``with ctx.recording() as used:`` collects the id of every parameter read inside the block, including
        those read earlier to build a shared table (:meth:`cached`, :meth:`cached_as`, :meth:`memo`) the block uses."""
        used: set[str] = set()
        self._open.append(used)
        try:
            yield used
        finally:  # recordings nest: the one closed is the last opened (sets compare equal, so never list.remove)
            assert self._open[-1] is used
            self._open.pop()

    def _built(self, key: str, build: Callable[[], Any]) -> None:
        """Run ``build`` recording what it reads under ``key``; replay that on every later use."""
        with self.recording() as used:
            build()
        self._deps[key] = frozenset(used)

    def _replay(self, key: str) -> None:
        for pid in self._deps.get(key, ()):
            self._note(pid)

    # -- records -------------------------------------------------------------------------------------------------
    def table(self, name: str) -> ir.Table:
        return self.backend.table(name)

    def cached(self, name: str, build: Callable[["AuditContext"], ir.Table]) -> ir.Table:
        """Build an intermediate table once per audit and keep it materialised in DuckDB (shared by several rules)."""
        if name not in self._cache:
            tname = "x_" + name.replace(".", "_")

            def make() -> None:
                expr = build(self)
                try:  # plain CREATE TABLE AS: Ibis's create_table writes the data twice
                    self.records.con.execute(f'CREATE TEMP TABLE "{tname}" AS {self.sql(expr)}')
                except AttributeError:  # another Ibis version: the public route
                    self.backend.create_table(tname, expr, temp=True)

            self._built("cached:" + name, make)
            self._cache[name] = self.backend.table(tname)
        self._replay("cached:" + name)
        return self._cache[name]

    def cached_as(self, name: str, build: Callable[["AuditContext", str], None]) -> ir.Table:
        """Like :meth:`cached`, for a table that ``build(ctx, table_name)`` writes itself (e.g. in several passes)."""
        if name not in self._cache:
            tname = "x_" + name.replace(".", "_")
            self._built("cached:" + name, lambda: build(self, tname))
            self._cache[name] = self.backend.table(tname)
        self._replay("cached:" + name)
        return self._cache[name]

    def sql(self, expr: ir.Table) -> str:
        """The SQL of an Ibis expression, with the in-memory parameter tables it reads registered in DuckDB."""
        self.backend._run_pre_execute_hooks(expr)
        return str(self.backend.compile(expr))

    def memo(self, name: str, build: Callable[["AuditContext"], Any]) -> Any:
        """A value derived from the parameters (e.g. a small rate table), built once per audit."""
        if name not in self._memo:
            self._built("memo:" + name, lambda: self._memo.__setitem__(name, build(self)))
        self._replay("memo:" + name)
        return self._memo[name]

    # -- parameters ----------------------------------------------------------------------------------------------
    def interval_table(self, pid: str, *, units: int = 100, key_name: str | None = None) -> ir.Table:
        """A parameter's timeline as a table: valid_from, valid_to (exclusive; OPEN_END if open), [key], value,
        confidence, source. ``value`` is an exact integer: the legal value × ``units`` (EUR × 100 = cents,
        percent × 100 = basis points); a value that is not whole in those units raises ParameterError. For a
        parameter with a dimension (e.g. age) there is one row per key and interval."""
        p = self.params[pid]
        rows: dict[str, list[Any]] = {"valid_from": [], "valid_to": [], "value": [], "confidence": [], "source": []}
        keyed = p.dimension is not None
        kname = key_name or (p.dimension or "key")
        if keyed:
            rows[kname] = []
        for iv in self.params.timeline(pid):
            items = iv.value.items() if keyed else [(None, iv.value)]
            for k, v in items:
                if v is None:
                    continue
                try:
                    scaled = Decimal(v) * units
                except (ArithmeticError, TypeError, ValueError):
                    raise ParameterError(f"{pid} {iv.valid_from}: value {v!r} is not a number") from None
                if scaled != scaled.to_integral_value():
                    raise ParameterError(f"{pid} {iv.valid_from}: {v} is not whole in units of 1/{units}")
                rows["valid_from"].append(iv.valid_from)
                rows["valid_to"].append(iv.valid_to or OPEN_END)
                rows["value"].append(int(scaled))
                rows["confidence"].append(iv.entry.confidence.value)
                rows["source"].append(iv.entry.source)
                if keyed:
                    rows[kname].append(int(k))
        schema = {"valid_from": pa.date32(), "valid_to": pa.date32(), "value": pa.int64(),
                  "confidence": pa.string(), "source": pa.string()}
        if keyed:
            schema[kname] = pa.int64()
        tbl = pa.table({k: pa.array(v, type=schema[k]) for k, v in rows.items()})
        return ibis.memtable(tbl)

    def value_at(self, pid: str, date: dt.date) -> Any:
        return self.params.value_at(pid, date)

    def doubtful_intervals(self, pids: Iterable[str]) -> list[tuple[dt.date, dt.date, int]]:
        """(valid_from, valid_to exclusive, rank) of every applying value of ``pids`` that is not confirmed (rank 1 =
        secondary, 2 = unconfirmed; CONFIDENCE_RANK), adjacent intervals of one rank merged. Read without noting."""
        out: list[tuple[dt.date, dt.date, int]] = []
        for pid in pids:
            for iv in self.params.base.timeline(pid):  # type: ignore[attr-defined]
                rank = CONFIDENCE_RANK[iv.entry.confidence.value]
                if rank:
                    out.append((iv.valid_from, iv.valid_to or OPEN_END, rank))
        out.sort()
        merged: list[tuple[dt.date, dt.date, int]] = []
        for a, b, r in out:
            if merged and merged[-1][2] == r and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]), r)
            else:
                merged.append((a, b, r))
        return merged

    def confidence_rank(self, pids: Iterable[str], start: ir.DateValue, end: ir.DateValue) -> ir.IntegerValue:
        """The lowest confidence (as CONFIDENCE_RANK) of the values of ``pids`` that apply on any day of
        [start, end] (both inclusive; a NULL bound is open: the finding is taken to rest on every value)."""
        rank = ibis.literal(0, type="int8")
        for a, b, r in self.doubtful_intervals(pids):
            overlap = (end.isnull() | (end >= a)) & (start.isnull() | (start < b))
            rank = ibis.ifelse(overlap & (rank < r), ibis.literal(r, type="int8"), rank)
        return rank

    def with_parameter_confidence(self, t: ir.Table, pids: Iterable[str]) -> ir.Table:
        """``t`` (findings: period_start, period_end, confidence) with ``confidence`` lowered to the lowest confidence
        of the values of ``pids`` applying in the finding's period: a finding is only as sure as the legal values it
        rests on. A row without a confidence of its own starts as 'confirmed'."""
        start = t.period_start.fill_null(t.period_end)
        end = t.period_end.fill_null(t.period_start)
        rank = ibis.greatest(rank_of(t.confidence), self.confidence_rank(pids, start, end))
        return t.mutate(confidence=confidence_of(rank))

    def rule_enabled(self, rule_id: str) -> bool:
        return bool(self.scenario and rule_id in self.scenario.enable_rules)
