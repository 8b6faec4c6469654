"""Fixtures of the run-store tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh SQLite store file."""
    return f"sqlite:///{tmp_path / 'runs.sqlite'}"
