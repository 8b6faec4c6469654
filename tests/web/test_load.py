"""A short bounded load test of ``melian serve`` on loopback (the full run: scripts/loadtest.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _loadtest():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location(
        "melian_loadtest", ROOT / "scripts" / "loadtest.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_twenty_clients_five_seconds_without_errors() -> None:
    report = _loadtest().run_load(clients=20, seconds=5)
    assert report["errors"] == 0, report["error_kinds"]
    assert report["requests"] >= 20
    assert set(report["endpoints"]) == {
        "GET /",
        "GET /api/health",
        "GET /api/runs",
        "GET /api/scenarios",
        "GET table",
        "POST validate",
    }
    assert report["p50_ms"] <= report["p99_ms"]


def test_bounds_are_enforced() -> None:
    lt = _loadtest()
    with pytest.raises(ValueError, match="clients"):
        lt.run_load(clients=51, seconds=1)
    with pytest.raises(ValueError, match="seconds"):
        lt.run_load(clients=1, seconds=61)
    with pytest.raises(ValueError, match="loopback"):
        lt.run_load(clients=1, seconds=1, base="http://192.0.2.1:8000")
