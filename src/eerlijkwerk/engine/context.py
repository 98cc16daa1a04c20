"""What a rule sees: the validated records as Ibis tables, the dated parameters, and shared intermediate tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

import ibis
import ibis.backends.duckdb  # noqa: F401  (the backend every audit runs on: loaded with the engine, not per audit)
import ibis.expr.types as ir
import pyarrow as pa

from eerlijkwerk.engine.scenario import Scenario
from eerlijkwerk.params import ParameterError, ParameterSet
from eerlijkwerk.records.reader import Records

#: An open valid_to in interval tables (the value holds until a later one is set).
OPEN_END = dt.date(9999, 12, 31)



@dataclass
class AuditContext:
    records: Records
    params: ParameterSet
    scenario: Scenario | None = None
    _cache: dict[str, ir.Table] = field(default_factory=dict)
    _memo: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.backend = ibis.duckdb.from_connection(self.records.con)

    # -- records -------------------------------------------------------------------------------------------------
    def table(self, name: str) -> ir.Table:
        return self.backend.table(name)

    def cached(self, name: str, build: Callable[["AuditContext"], ir.Table]) -> ir.Table:
        """Build an intermediate table once per audit and keep it materialised in DuckDB (shared by several rules)."""
        if name not in self._cache:
            tname = "x_" + name.replace(".", "_")
            expr = build(self)
            try:  # plain CREATE TABLE AS: Ibis's create_table writes the data twice
                self.records.con.execute(f'CREATE TEMP TABLE "{tname}" AS {self.sql(expr)}')
            except AttributeError:  # another Ibis version: the public route
                self.backend.create_table(tname, expr, temp=True)
            self._cache[name] = self.backend.table(tname)
        return self._cache[name]

    def cached_as(self, name: str, build: Callable[["AuditContext", str], None]) -> ir.Table:
        """Like :meth:`cached`, for a table that ``build(ctx, table_name)`` writes itself (e.g. in several passes)."""
        if name not in self._cache:
            tname = "x_" + name.replace(".", "_")
            build(self, tname)
            self._cache[name] = self.backend.table(tname)
        return self._cache[name]

    def sql(self, expr: ir.Table) -> str:
        """The SQL of an Ibis expression, with the in-memory parameter tables it reads registered in DuckDB."""
        self.backend._run_pre_execute_hooks(expr)
        return str(self.backend.compile(expr))

    def memo(self, name: str, build: Callable[["AuditContext"], Any]) -> Any:
        """A value derived from the parameters (e.g. a small rate table), built once per audit."""
        if name not in self._memo:
            self._memo[name] = build(self)
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

    def rule_enabled(self, rule_id: str) -> bool:
        return bool(self.scenario and rule_id in self.scenario.enable_rules)
