"""The world model's Monte Carlo ensemble of each option's consequences.

Model: :mod:`melian.world` (docs/models/world.md); seeded from a SeedSequence, identical results
for any chunking or number of worker processes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from melian import world
from melian.scenario.schema import Scenario
from melian.world.results import Ensemble

__all__ = ["Ensemble", "simulate"]


def simulate(
    scenario: Scenario,
    options: Sequence[str] | None = None,
    *,
    paths: int = 100_000,
    horizon: int = 120,
    seed: int | None = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    base_dir: Path | None = None,
) -> Ensemble:
    """Simulate the consequences of each option of the focal actor.

    Parameters
    ----------
    scenario
        A scenario with a world model section and options.
    options
        Option ids (default: every option).
    paths
        Monte Carlo paths per option.
    horizon
        Months to simulate.
    seed
        Seed of the SeedSequence (default: the scenario's ``metadata.seed``).
    workers
        Worker processes (default: every core for large runs, else this process); results do
        not depend on it.
    chunk_size
        Paths per task (rounded up to whole blocks); results do not depend on it.
    progress
        Called with (paths done, paths total).
    base_dir
        A directory to look for the scenario's datasets in first (they are found beside the
        scenario's file, then in melian's data directory: :mod:`melian.scenario.datasets`).

    Returns
    -------
    Ensemble
        Per option: outcome distributions, event probabilities and fan-chart bands;
        ``to_dict()``, ``to_frame()`` (long), ``to_parquet()``.
    """
    return world.simulate(
        scenario,
        options,
        paths,
        horizon,
        seed,
        chunk_size,
        progress,
        workers=workers,
        base_dir=base_dir,
    )
