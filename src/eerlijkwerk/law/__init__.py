"""Law as data + code: one package per statute.

Each statute package (``eerlijkwerk.law.<name>``) registers its rules with :func:`eerlijkwerk.engine.rules.rule` and
its input tables with :func:`eerlijkwerk.records.schema.register_table` when imported, keeps its dated parameters in
``parameters/*.yaml``, and may define ``compute_fines(ctx, findings)`` in a ``fines`` module. The engine finds the
packages here; adding a statute never means editing the engine.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

_HERE = Path(__file__).parent


def statute_packages() -> list[ModuleType]:
    """Import and return every statute package (sorted by name)."""
    mods = []
    for info in sorted(pkgutil.iter_modules([str(_HERE)]), key=lambda i: i.name):
        if info.ispkg:
            mods.append(importlib.import_module(f"{__name__}.{info.name}"))
    return mods


def parameter_dirs() -> list[Path]:
    return [Path(m.__file__).parent / "parameters" for m in statute_packages() if (Path(m.__file__).parent / "parameters").is_dir()]
