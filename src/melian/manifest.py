"""Run manifests: what produced a result (melian version, scenario and its hash, seed, parameters).

A manifest is deterministic (no clock, no host name) so that identical runs produce identical
output bytes; the run store adds the time a run was saved.
"""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING, Any

import numpy as np

from melian._version import __version__

if TYPE_CHECKING:
    from melian.scenario.schema import Scenario


def melian_version() -> str:
    """The melian version (``melian._version``, which the package metadata reads: no
    ``importlib.metadata`` lookup at start-up).
    """
    return __version__


def run_manifest(
    scenario: Scenario | None = None,
    *,
    command: str,
    seed: int | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of one computation: versions, scenario id and content hash, seed, parameters."""
    if scenario is not None:
        # lazy: the scenario schema is not needed (nor imported) without a scenario
        from melian.scenario.loader import content_hash

    return {
        "melian_version": melian_version(),
        "command": command,
        "scenario_id": None if scenario is None else scenario.id,
        "scenario_hash": None if scenario is None else content_hash(scenario),
        "schema_version": None if scenario is None else scenario.metadata.schema_version,
        "seed": seed,
        "params": params or {},
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
