"""The ``advise`` analysis: levers for one actor (own stance, linkage, whom to persuade).

A thin entry point over :func:`melian.advise.analysis.advise`, with the scenario optionally seen
under one of its declared views (:mod:`melian.scenario.views`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from melian.advise import DEFAULT_DRAWS, Levers
from melian.advise.analysis import advise as _advise
from melian.scenario.schema import Scenario
from melian.scenario.views import apply_view

__all__ = ["advise"]


def advise(
    scenario: Scenario,
    actor: str | None = None,
    *,
    models: Sequence[str] | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int | None = None,
    view: str | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    workers: int | None = None,
) -> Levers:
    """Levers for ``actor`` (default: the focal actor) across the bargaining models.

    Parameters
    ----------
    scenario
        The scenario.
    actor
        Any actor at the table holding a position (default: the scenario's focal actor).
    models
        Bargaining models (default: every registered one).
    draws
        Sampled input sets (positions, saliences, clout by their confidence; 0: central inputs).
    seed
        Seed (default: the scenario's).
    view
        A declared view of the scenario (default: the source's, as written).
    params
        Model name -> parameter overrides.
    workers
        Worker processes (results do not depend on it).

    Returns
    -------
    Levers
        Own stance per model and robust stance, linkage packages, persuasion targets and
        coalitions, each gain with its spread over the sampled inputs (Stokman and van Oosten
        1994 for the exchange model's trades; see docs/models/advise.md).
    """
    s = apply_view(scenario, view)
    return _advise(
        s,
        actor,
        models=models,
        draws=draws,
        seed=s.metadata.seed if seed is None else seed,
        params=params,
        workers=workers,
    )
