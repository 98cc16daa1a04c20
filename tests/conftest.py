"""Shared helpers for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent


@pytest.fixture(scope="session")
def params():
    from eerlijkwerk.engine.run import load_parameters

    return load_parameters()
