"""Exploratory analysis: which uncertainties matter, where the answer flips, which option is robust.

Methods: Sobol and Morris (SALib), one-at-a-time tornado swings, PRIM scenario discovery
(ema_workbench) and minimax regret; see :mod:`melian.explore` and docs/models/explore-decide.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from melian import explore as _explore
from melian.explore import ExploratoryModel, Progress, Result
from melian.scenario.schema import Scenario
from melian.scenario.views import apply_view

__all__ = ["Result", "explore", "explore_methods"]


def explore(
    scenario: Scenario | ExploratoryModel,
    method: str = "sobol",
    *,
    on: str = "joint",
    samples: int | None = None,
    seed: int | None = None,
    scheduler: str = "local",
    workers: int | None = None,
    chunk_size: int = 128,
    paths_per_sample: int | None = None,
    horizon: int | None = None,
    outcome: str | None = None,
    thresholds: Mapping[str, float] | None = None,
    framing: str | None = None,
    judgements: bool = True,
    progress: Progress | None = None,
    options: Mapping[str, Any] | None = None,
    view: str | None = None,
) -> Result:
    """Run one exploratory method on the scenario's decision, world model or game.

    Parameters
    ----------
    scenario
        A scenario, or any :class:`~melian.explore.ExploratoryModel`.
    method
        ``sobol``, ``morris``, ``tornado``, ``prim``, ``regret`` or ``breaking``.
    on
        ``"joint"`` (the default: the whole decision, every criterion measured in every future,
        with the world's, the game's and the forecasts' uncertain inputs sampled together;
        :mod:`melian.explore.joint`), ``"world"`` (the consequences model and its uncertain
        parameters) or ``"game"``.
    samples
        Sobol base sample N (a power of two), Morris trajectories, or the ensemble size of
        ``prim`` and ``regret`` (default: the method's).
    seed
        Default: the scenario's seed.
    scheduler
        ``synchronous``, ``local`` (a Dask LocalCluster), ``processes`` or ``tcp://HOST:PORT``;
        results do not depend on it nor on ``workers`` or ``chunk_size``.
    workers
        Dask workers.
    chunk_size
        Experiments per task.
    paths_per_sample
        World paths simulated per sampled experiment.
    horizon
        Months simulated per experiment.
    outcome
        The outcome PRIM looks for (default: the recommended option not being best).
    thresholds
        Satisficing thresholds per outcome (``regret``).
    framing
        The game's framing (``on="game"``).
    judgements
        Explore the numbers the scenario marks as judgements over spreads set by their
        confidence (:mod:`melian.explore.judgements`), in the same ensemble as the declared
        uncertainties (default); ``False``: the source's values as written.
    progress
        Called with (experiments done, experiments total).
    options
        Further keyword arguments of the method itself (for ``prim`` and ``regret``:
        ``adaptive``, ``rel_tol``, ``share_tol``, ``max_paths`` of the paths per future).
    view
        A declared view of the scenario (default: the source's, as written).

    Returns
    -------
    Result
        A ``SensitivityResult``, ``TornadoResult``, ``DiscoveryResult`` or ``RegretResult``;
        each has ``to_dict()`` and ``to_frame()``.
    """
    return explore_methods(
        scenario,
        (method,),
        on=on,
        samples=samples,
        seed=seed,
        scheduler=scheduler,
        workers=workers,
        chunk_size=chunk_size,
        paths_per_sample=paths_per_sample,
        horizon=horizon,
        outcome=outcome,
        thresholds=thresholds,
        framing=framing,
        judgements=judgements,
        progress=progress,
        options=options,
        view=view,
    )[method]


def explore_methods(
    scenario: Scenario | ExploratoryModel,
    methods: Sequence[str] = ("prim", "regret"),
    *,
    on: str = "joint",
    samples: int | None = None,
    seed: int | None = None,
    scheduler: str = "local",
    workers: int | None = None,
    chunk_size: int = 128,
    paths_per_sample: int | None = None,
    horizon: int | None = None,
    outcome: str | None = None,
    thresholds: Mapping[str, float] | None = None,
    framing: str | None = None,
    judgements: bool = True,
    progress: Progress | None = None,
    options: Mapping[str, Any] | None = None,
    view: str | None = None,
) -> dict[str, Result]:
    """Run PRIM and regret on **one** ensemble of sampled futures (or one method, as
    :func:`explore` does).

    The parameters are :func:`explore`'s; several ``methods`` must be ensemble methods
    (``prim``, ``regret``), which then read the same ``samples`` futures, run once: the share of
    futures where the recommendation is not best and the regrets describe the same futures, at
    the cost of one ensemble (:func:`melian.explore.explore_methods`).

    Returns
    -------
    dict
        Method name -> its result (``DiscoveryResult``, ``RegretResult``).
    """
    if view is not None:
        if not isinstance(scenario, Scenario):
            raise TypeError("a view applies to a scenario, not to an exploratory model")
        scenario = apply_view(scenario, view)
    return _explore.explore_methods(
        scenario,
        tuple(methods),
        samples=samples,
        seed=seed,
        scheduler=scheduler,
        workers=workers,
        chunk_size=chunk_size,
        paths_per_sample=paths_per_sample,
        horizon=horizon,
        outcome=outcome,
        thresholds=thresholds,
        progress=progress,
        on=on,
        framing=framing,
        judgements=judgements,
        **dict(options or {}),
    )
