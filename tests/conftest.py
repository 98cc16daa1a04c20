"""Shared helpers for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent


@pytest.fixture(scope="session")
def params():
    from eerlijkwerk.engine.run import load_parameters

    return load_parameters()


@pytest.fixture(scope="session")
def audited():
    """``audited(folder)``: the audit of a records folder that tests only read (tests/cases, tests/examples), run once
    per session however many tests read it."""
    from eerlijkwerk.engine.run import run_audit

    results = {}

    def get(folder: Path):
        key = Path(folder).resolve()
        if key not in results:
            results[key] = run_audit(folder)
        return results[key]

    return get


@pytest.fixture(scope="session")
def demo_records(tmp_path_factory):
    """The demo records (eerlijkwerk.demo.generate, default seed and size) and their manifest, generated once per
    session: test_demo.py audits them as they are, test_demo_shifts.py adds shifts to a copy."""
    from eerlijkwerk.demo import generate

    out = tmp_path_factory.mktemp("demo")
    return out, generate(out)
