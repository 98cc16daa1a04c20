"""Dated legal parameters: every amount, percentage and date the law sets, with its source.

A parameter file (``src/eerlijkwerk/law/<statute>/parameters/<name>.yaml``, format in docs/parameters.md) is a
timeline of dated values. Each value carries its ``valid_from``, its ``status`` (in force / adopted, not yet in force /
proposed / cancelled), its ``confidence`` (confirmed / secondary / unconfirmed), its source and URL. Numbers are written as
strings and read as :class:`decimal.Decimal`; a YAML float is an error, so no euro ever passes through binary floating
point.

Proposed values are left out unless a scenario switches them on (:meth:`ParameterSet.with_overrides`). Cancelled
values (a plan withdrawn before it became law) are never applied by default, nor by a scenario's blanket
``use_proposed_values: true``: only a scenario that names the parameter in ``use_cancelled_values``, or gives the value
itself, applies them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any, Iterator

import yaml


class Status(StrEnum):
    """Legal status of a rule or a parameter value, as of the day the file was last checked."""

    IN_FORCE = "in_force"
    ADOPTED = "adopted_not_in_force"
    PROPOSED = "proposed"
    CANCELLED = "cancelled"  # a plan withdrawn before it became law: kept for what-if scenarios only


class Confidence(StrEnum):
    CONFIRMED = "confirmed"  # official text seen
    SECONDARY = "secondary"  # payroll / law firm / news source
    UNCONFIRMED = "unconfirmed"


#: a confidence as a rank, lowest last: what rests on several values has the highest rank among them
CONFIDENCE_RANK = {Confidence.CONFIRMED.value: 0, Confidence.SECONDARY.value: 1, Confidence.UNCONFIRMED.value: 2}


#: Statuses that apply by default: law in force, and adopted law from its own valid_from date.
DEFAULT_STATUSES = frozenset({Status.IN_FORCE, Status.ADOPTED})


class ParameterError(ValueError):
    """A parameter file is malformed (names the file and the entry)."""


@dataclass(frozen=True)
class DatedValue:
    valid_from: dt.date
    value: Any  # Decimal, dict[key, Decimal], nested structure of Decimals/str, or None (= ends the previous value)
    status: Status
    confidence: Confidence
    source: str
    url: str = ""
    note: str = ""
    from_scenario: bool = False  # given explicitly by a scenario: applies whatever its status

    @property
    def label(self) -> str:
        return f"{self.source} ({self.status.value}, {self.confidence.value}) valid from {self.valid_from.isoformat()}"


@dataclass(frozen=True)
class Interval:
    """A value and the half-open date interval [valid_from, valid_to) in which it applies (valid_to None = open)."""

    valid_from: dt.date
    valid_to: dt.date | None
    entry: DatedValue

    @property
    def value(self) -> Any:
        return self.entry.value


@dataclass(frozen=True)
class Parameter:
    id: str
    description: str
    unit: str
    legal_basis: dict[str, str]
    values: tuple[DatedValue, ...]
    dimension: str | None = None
    path: str = ""

    def timeline(self, statuses: frozenset[Status] = DEFAULT_STATUSES) -> list[Interval]:
        """The applicable values as consecutive intervals; a null value closes the previous interval."""
        entries = [v for v in self.values if v.status in statuses or v.from_scenario]
        # a later entry with the same valid_from (scenario override) wins
        by_date: dict[dt.date, DatedValue] = {}
        for e in entries:
            by_date[e.valid_from] = e
        ordered = [by_date[d] for d in sorted(by_date)]
        out: list[Interval] = []
        for i, e in enumerate(ordered):
            if e.value is None:
                continue
            nxt = ordered[i + 1].valid_from if i + 1 < len(ordered) else None
            out.append(Interval(e.valid_from, nxt, e))
        return out

    def at(self, date: dt.date, statuses: frozenset[Status] = DEFAULT_STATUSES) -> DatedValue | None:
        """The value applying on ``date``, or None when the law sets none (before the first / after a null)."""
        for iv in self.timeline(statuses):
            if iv.valid_from <= date and (iv.valid_to is None or date < iv.valid_to):
                return iv.entry
        return None

    def value_at(self, date: dt.date, statuses: frozenset[Status] = DEFAULT_STATUSES) -> Any:
        entry = self.at(date, statuses)
        if entry is None:
            raise ParameterError(f"{self.id}: no value applies on {date.isoformat()} ({self.path})")
        return entry.value


def _to_decimal_tree(obj: Any, where: str) -> Any:
    """Strings that are numbers become Decimal; floats are refused; other strings stay strings."""
    if obj is None or isinstance(obj, bool):
        return obj
    if isinstance(obj, float):
        raise ParameterError(f"{where}: number {obj!r} must be written as a quoted string (no floats in law data)")
    if isinstance(obj, int):
        return Decimal(obj)
    if isinstance(obj, str):
        try:
            return Decimal(obj)
        except InvalidOperation:
            return obj
    if isinstance(obj, dict):
        return {k: _to_decimal_tree(v, f"{where}.{k}") for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_decimal_tree(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    return obj


def _parse_date(key: Any, where: str) -> dt.date:
    if isinstance(key, dt.date):
        return key
    try:
        return dt.date.fromisoformat(str(key))
    except ValueError as exc:
        raise ParameterError(f"{where}: valid_from {key!r} is not an ISO date") from exc


def parse_entry(valid_from: Any, raw: dict[str, Any], where: str) -> DatedValue:
    if not isinstance(raw, dict) or "value" not in raw:
        raise ParameterError(f"{where}: each dated entry needs a 'value' (null to end the previous value)")
    valid_from = _parse_date(valid_from, where)
    try:
        status = Status(raw.get("status", ""))
    except ValueError as exc:
        raise ParameterError(f"{where}: status must be one of {[s.value for s in Status]}") from exc
    try:
        confidence = Confidence(raw.get("confidence", ""))
    except ValueError as exc:
        raise ParameterError(f"{where}: confidence must be one of {[c.value for c in Confidence]}") from exc
    if not raw.get("source"):
        raise ParameterError(f"{where}: every value needs a source")
    return DatedValue(
        valid_from=valid_from,
        value=_to_decimal_tree(raw["value"], f"{where}.value"),
        status=status,
        confidence=confidence,
        source=str(raw["source"]),
        url=str(raw.get("url", "")),
        note=str(raw.get("note", "")),
    )


#: the safe loader, in C when PyYAML was built with libyaml (same documents, same values; ~10x faster)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_parameter(path: Path) -> Parameter:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise ParameterError(f"{path}: expected a mapping at top level")
    for key in ("id", "description", "unit", "legal_basis", "values"):
        if key not in doc:
            raise ParameterError(f"{path}: missing '{key}'")
    values = tuple(
        sorted(
            (parse_entry(k, v, f"{path.name}:{k}") for k, v in (doc["values"] or {}).items()),
            key=lambda e: e.valid_from,
        )
    )
    return Parameter(
        id=str(doc["id"]),
        description=str(doc["description"]),
        unit=str(doc["unit"]),
        legal_basis={str(k): str(v) for k, v in doc["legal_basis"].items()},
        values=values,
        dimension=doc.get("dimension"),
        path=str(path),
    )


@dataclass
class ParameterSet:
    """All parameters of all statutes, by id (e.g. ``wml.minimumloon_uur``). ``proposed_for``: parameters whose
    proposed values apply (a scenario's choice); ``None`` = as ``statuses`` says for every parameter."""

    params: dict[str, Parameter] = field(default_factory=dict)
    statuses: frozenset[Status] = DEFAULT_STATUSES
    proposed_for: frozenset[str] | None = None
    cancelled_for: frozenset[str] = frozenset()

    def _statuses(self, pid: str) -> frozenset[Status]:
        out = self.statuses - {Status.CANCELLED}  # cancelled values only for the parameters a scenario names
        if self.proposed_for is not None and pid in self.proposed_for:
            out = out | {Status.PROPOSED}
        if pid in self.cancelled_for:
            out = out | {Status.CANCELLED}
        return out

    @classmethod
    def load_dirs(cls, dirs: list[Path]) -> "ParameterSet":
        params: dict[str, Parameter] = {}
        for d in dirs:
            for path in sorted(d.glob("*.yaml")):
                p = load_parameter(path)
                if p.id in params:
                    raise ParameterError(f"{path}: duplicate parameter id {p.id} (also in {params[p.id].path})")
                params[p.id] = p
        return cls(params)

    def __getitem__(self, pid: str) -> Parameter:
        try:
            return self.params[pid]
        except KeyError as exc:
            raise ParameterError(f"unknown parameter {pid!r}") from exc

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self.params.values())

    def timeline(self, pid: str) -> list[Interval]:
        cache = self.__dict__.setdefault("_timelines", {})
        if pid not in cache:
            cache[pid] = self[pid].timeline(self._statuses(pid))
        return cache[pid]

    def at(self, pid: str, date: dt.date) -> DatedValue | None:
        for iv in self.timeline(pid):
            if iv.valid_from <= date and (iv.valid_to is None or date < iv.valid_to):
                return iv.entry
        return None

    def value_at(self, pid: str, date: dt.date) -> Any:
        entry = self.at(pid, date)
        if entry is None:
            raise ParameterError(f"{pid}: no value applies on {date.isoformat()} ({self[pid].path})")
        return entry.value

    def with_overrides(self, overrides: dict[str, dict[Any, dict[str, Any]]], statuses: frozenset[Status],
                       proposed_for: frozenset[str] | None = None,
                       cancelled_for: frozenset[str] = frozenset()) -> "ParameterSet":
        """A copy with scenario values added (same valid_from replaces; they apply whatever their status) and the
        given statuses applying (to every parameter, or to ``proposed_for`` only); values with status ``cancelled``
        apply only for the parameter ids in ``cancelled_for``. Raises ParameterError for an unknown parameter id."""
        params = dict(self.params)
        for pid, entries in overrides.items():
            base = params.get(pid)
            if base is None:
                raise ParameterError(f"scenario overrides unknown parameter {pid!r}")
            new = tuple(replace(parse_entry(k, v, f"scenario:{pid}:{k}"), from_scenario=True) for k, v in entries.items())
            kept = tuple(e for e in base.values if e.valid_from not in {n.valid_from for n in new})
            params[pid] = replace(base, values=tuple(sorted(kept + new, key=lambda e: e.valid_from)))
        unknown = sorted((proposed_for or frozenset()) - set(params))
        if unknown:
            raise ParameterError(f"scenario names unknown parameter(s) in use_proposed_values: {unknown}")
        unknown = sorted(cancelled_for - set(params))
        if unknown:
            raise ParameterError(f"scenario names unknown parameter(s) in use_cancelled_values: {unknown}")
        return ParameterSet(params, statuses, proposed_for, frozenset(cancelled_for))
