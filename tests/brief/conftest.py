"""Fixtures shared by the brief's tests."""

from __future__ import annotations

import pytest

from melian.brief import Settings

#: The lowest fidelity a brief runs at (seconds per brief): every section computed, none precise.
TINY = Settings(
    quick=True,
    paths=200,
    horizon=12,
    prim_samples=16,
    explore_paths=2,
    tornado_paths=10,
    breaking_reference=4,
    breaking_replications=2,
    breaking_grid=3,
    breaking_paths=2,
    input_draws=2,
    explore_scheduler="synchronous",
    seed=5,
)


@pytest.fixture(scope="session")
def tiny() -> Settings:
    """:data:`TINY`, the lowest-fidelity brief settings."""
    return TINY
