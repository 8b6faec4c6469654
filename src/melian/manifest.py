"""Run manifests: what produced a result (melian version, scenario and its hash, seed, parameters).

A manifest is deterministic (no clock, no host name) so that identical runs produce identical
output bytes; the run store adds the time a run was saved.
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from melian.scenario.schema import Scenario


def melian_version() -> str:
    """Installed melian version."""
    try:
        return version("melian")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def run_manifest(
    scenario: Scenario | None = None,
    *,
    command: str,
    seed: int | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of one computation: versions, scenario id and content hash, seed, parameters."""
    if scenario is not None:
        from melian.scenario.loader import content_hash  # not needed (nor imported) without one

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
