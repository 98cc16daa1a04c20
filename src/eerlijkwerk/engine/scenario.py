"""What-if scenarios: a YAML file that adds or overrides dated parameter values and switches on proposed rules.

```yaml
name: Kennismigrant tightening (29861-163)
description: ...
use_proposed_values: true        # apply parameter values whose status is 'proposed' (or a list of parameter ids)
use_cancelled_values: [wml.huisvesting_max_inhouding]  # apply values whose status is 'cancelled' (named ids only)
enable_rules: [wav.some_rule]    # rules whose status is 'proposed'
parameters:                      # dated entries in the parameter-file format (docs/parameters.md)
  wml.huisvesting_max_inhouding:
    2026-01-01: {value: "20", status: proposed, confidence: confirmed, source: "Kamerbrief 29861-156", url: "..."}
```
Without a scenario only law in force (and adopted law from its own date) applies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from eerlijkwerk.params import DEFAULT_STATUSES, ParameterSet, Status


class ScenarioError(ValueError):
    pass


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    use_proposed_values: bool | list[str] = False  # true: every proposed value; a list: those parameters only
    use_cancelled_values: list[str] = []  # withdrawn plans: only for the parameters named here, never by a blanket true
    enable_rules: list[str] = []
    parameters: dict[str, dict[Any, dict[str, Any]]] = {}

    @classmethod
    def load(cls, path: Path) -> "Scenario":
        try:
            doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"{path}: cannot read scenario: {exc}") from exc
        try:
            return cls(**(doc or {}))
        except (ValidationError, TypeError) as exc:
            raise ScenarioError(f"{path}: invalid scenario: {exc}") from exc

    @property
    def statuses(self) -> frozenset[Status]:
        return DEFAULT_STATUSES | ({Status.PROPOSED} if self.use_proposed_values is True else set())

    def apply(self, params: ParameterSet) -> ParameterSet:
        """Parameters as the scenario sets them: its own dated values always apply; proposed values of the
        parameter files apply for every parameter (use_proposed_values: true) or the listed ones; cancelled values
        only for the parameters listed in use_cancelled_values."""
        only = frozenset(self.use_proposed_values) if isinstance(self.use_proposed_values, list) else None
        return params.with_overrides(self.parameters, self.statuses, only, frozenset(self.use_cancelled_values))
