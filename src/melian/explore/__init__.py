"""Exploratory analysis of a scenario: which uncertainties matter, where the answer flips, and
which option is robust.

``explore(scenario, method=...)`` runs one of

* ``sobol``: Sobol first-order and total indices with confidence intervals (SALib);
* ``morris``: Morris elementary-effects screening (SALib);
* ``tornado``: one-at-a-time swings (tornado-diagram data);
* ``prim``: scenario discovery with PRIM (ema_workbench): where the recommended option is not best;
* ``regret``: minimax regret and satisficing across an ensemble;
* ``breaking``: switch-over values of every input and the nearest flip (design point) of the
  top-ranked option (:mod:`melian.explore.breaking`);

on the scenario's world model (:mod:`melian.explore.world`) or on any
:class:`~melian.explore.model.ExploratoryModel`, locally or on a Dask cluster
(:mod:`melian.explore.parallel`). Results have ``to_dict()``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping, Sequence
from typing import Any

from melian import limits
from melian.errors import ModelError
from melian.explore.breaking import BreakingPoints, model_breaking_points
from melian.explore.discovery import DiscoveryResult, decision_outcome, discover, ensemble_mc
from melian.explore.model import UTILITY, ExploratoryModel
from melian.explore.parallel import Evaluator, Progress
from melian.explore.regret import RegretResult, robust
from melian.explore.sensitivity import SensitivityResult, TornadoResult, morris, sobol, tornado
from melian.scenario.schema import Scenario

#: What a scenario's exploration can run on: the whole decision, the world model, the game.
ON = ("joint", "world", "game")
METHODS = ("sobol", "morris", "tornado", "prim", "regret", "breaking")
#: The methods that read one ensemble of sampled futures and can share it.
ENSEMBLE_METHODS = ("prim", "regret")
#: The options of the ensemble's paths per future (:func:`melian.explore.mcerror.adaptive_ensemble`).
ADAPT_OPTIONS = ("adaptive", "rel_tol", "share_tol", "max_paths")
DEFAULT_SAMPLES = {
    "sobol": 1024,
    "morris": 100,
    "tornado": 0,
    "prim": 2000,
    "regret": 1000,
    "breaking": 64,
}

Result = SensitivityResult | TornadoResult | DiscoveryResult | RegretResult | BreakingPoints

__all__ = [
    "METHODS",
    "BreakingPoints",
    "DiscoveryResult",
    "Evaluator",
    "ExploratoryModel",
    "RegretResult",
    "SensitivityResult",
    "TornadoResult",
    "discover",
    "explore_methods",
    "explore",
    "morris",
    "robust",
    "sobol",
    "tornado",
]


def explore(
    scenario: Scenario | ExploratoryModel,
    method: str = "sobol",
    *,
    samples: int | None = None,
    seed: int | None = None,
    scheduler: str = "local",
    workers: int | None = None,
    chunk_size: int = 128,
    paths_per_sample: int | None = None,
    horizon: int | None = None,
    outcome: str | None = None,
    thresholds: Mapping[str, float] | None = None,
    progress: Progress | None = None,
    on: str = "joint",
    framing: str | None = None,
    judgements: bool = True,
    **options: Any,  # noqa: ANN401
) -> Result:
    """Run exploratory ``method`` on a scenario's world model (or on an explicit model).

    ``samples`` is the Sobol base sample N (a power of two), the number of Morris trajectories,
    or the ensemble size of ``prim`` and ``regret``; ``seed`` defaults to the scenario's seed.
    ``scheduler`` is ``synchronous``, ``local`` (a LocalCluster, the default), ``processes`` or a
    ``tcp://HOST:PORT`` address; results do not depend on it nor on ``workers``. ``on`` is
    ``joint`` (the default: the whole decision, with the world's, the game's and the forecasts'
    uncertain inputs sampled together and every criterion measured in every future;
    :mod:`melian.explore.joint`), ``world`` (the consequences model and its uncertain world
    parameters) or ``game`` (the alliance game and its uncertain game parameters, under
    ``framing``). With ``judgements``
    (the default) every fixed number the scenario marks as a judgement is explored over a spread
    set by its confidence (:mod:`melian.explore.judgements`), in the same ensemble as the
    declared uncertainties; ``judgements=False`` keeps the source's judgements as written (the
    source's view alone). The world ensemble uses common random numbers across options, input
    values and futures, and ``prim`` and ``regret`` choose the paths per future from the
    standard error of the utility differences (options ``adaptive``, ``rel_tol``, ``share_tol``,
    ``max_paths``; :mod:`melian.explore.mcerror`) and report the Monte Carlo error beside every
    share (docs/models/explore-decide.md).
    """
    return explore_methods(
        scenario,
        (method,),
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
        **options,
    )[method]


def explore_methods(
    scenario: Scenario | ExploratoryModel,
    methods: Sequence[str],
    *,
    samples: int | None = None,
    seed: int | None = None,
    scheduler: str = "local",
    workers: int | None = None,
    chunk_size: int = 128,
    paths_per_sample: int | None = None,
    horizon: int | None = None,
    outcome: str | None = None,
    thresholds: Mapping[str, float] | None = None,
    progress: Progress | None = None,
    on: str = "joint",
    framing: str | None = None,
    judgements: bool = True,
    **options: Any,  # noqa: ANN401
) -> dict[str, Result]:
    """Run several exploratory methods on one model, as :func:`explore` runs one.

    One method runs as :func:`explore` runs it. Several must all be ensemble methods (``prim``
    and ``regret``): they then read **one** ensemble of ``samples`` futures, run once with the
    paths per future chosen on the decision outcome (``outcome``, else the utility), so that the
    share of futures where the recommendation is not best and the regrets describe the same
    futures, at the cost of one ensemble. ``options`` go to every method that takes them (the
    ensemble's ``adaptive``, ``rel_tol``, ``share_tol``, ``max_paths`` to the ensemble); an
    option no method takes is an error.
    """
    methods = tuple(dict.fromkeys(methods))
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise ModelError(
            f"unknown explore method {unknown[0] if unknown else ''!r}; "
            f"methods: {', '.join(METHODS)}"
        )
    if len(methods) > 1 and set(methods) - set(ENSEMBLE_METHODS):
        raise ModelError(
            f"only {' and '.join(ENSEMBLE_METHODS)} share one ensemble; run "
            f"{', '.join(sorted(set(methods) - set(ENSEMBLE_METHODS)))} on its own"
        )
    n = samples if samples is not None else max(DEFAULT_SAMPLES[m] for m in methods)
    model, seed, widened = _prepared_model(
        scenario, methods, n, seed, workers, chunk_size, paths_per_sample, horizon, on,
        framing, judgements,
    )  # fmt: skip
    if len(methods) == 1:
        results = {
            methods[0]: _run_method(
                model,
                methods[0],
                n,
                seed,
                scheduler,
                workers,
                chunk_size,
                outcome,
                thresholds,
                progress,
                dict(options),
            )
        }
    else:
        results = _run_on_one_ensemble(
            model, methods, n, seed, scheduler, workers, chunk_size, outcome, thresholds,
            progress, dict(options),
        )  # fmt: skip
    notes = list(model.notes)
    if widened is not None:
        notes.append(
            f"judgement uncertainty: {len(widened.parameters)} judged parameter(s) and "
            f"{len(widened.effects)} judged option effect(s) explored over spreads set by their "
            "confidence (documented defaults; judgements=False for the source's values as written)"
        )
    for res in results.values():
        if notes and hasattr(res, "settings"):
            res.settings["notes"] = list(notes)
        elif notes and hasattr(res, "notes"):
            res.notes.extend(n for n in notes if n not in res.notes)
    return results


def _prepared_model(
    scenario: Scenario | ExploratoryModel,
    methods: tuple[str, ...],
    n: int,
    seed: int | None,
    workers: int | None,
    chunk_size: int,
    paths_per_sample: int | None,
    horizon: int | None,
    on: str,
    framing: str | None,
    judgements: bool,
) -> tuple[ExploratoryModel, int, Any]:
    """The exploratory model of ``scenario`` (judgements widened, limits checked for ``n``
    samples, normalisation fixed), its seed, and the judgement widening (``None`` when none).
    """
    widened = None
    if not isinstance(scenario, ExploratoryModel) and judgements:
        # lazy: the world model's parameter specs, only with judgement uncertainty
        from melian.explore.judgements import model_ranges, with_judgement_uncertainty

        scenario, widened = with_judgement_uncertainty(scenario, ranges=model_ranges(scenario))
    joint = False  # a joint model's normalisation is fixed once the limits are checked
    if isinstance(scenario, ExploratoryModel):
        model = scenario
        seed = 0 if seed is None else seed
    else:
        seed = scenario.metadata.seed if seed is None else seed
        model, joint = _scenario_model(
            scenario, on, seed, framing, paths_per_sample, horizon, bargaining=judgements
        )
    for method in methods:  # the limits, for the ``n`` samples each method will run
        if method in ("tornado", "breaking"):
            continue
        k = len(model.uncertainties)
        rows = {"sobol": n * (k + 2), "morris": n * (k + 1)}.get(method, n)
        limits.check_explore(
            n,
            k,
            len(model.options),
            paths_per_sample=_context_value(model, "paths", paths_per_sample),
            horizon=_context_value(model, "horizon", horizon),
            workers=workers or os.cpu_count() or 1,
            chunk_size=chunk_size,
            rows=rows,
        )
    if joint:
        from melian.explore.joint import with_fixed_normalisation  # lazy: as _scenario_model

        model = with_fixed_normalisation(model, seed)
    return model, seed, widened


def _scenario_model(
    scenario: Scenario,
    on: str,
    seed: int,
    framing: str | None,
    paths_per_sample: int | None,
    horizon: int | None,
    *,
    bargaining: bool,
) -> tuple[ExploratoryModel, bool]:
    """The exploratory model of ``scenario`` that ``on`` names, and whether it is the joint
    model (built without its normalisation, which runs the model: the caller fixes it).

    ``joint`` (the default) is the whole decision (:mod:`melian.explore.joint`: world, game and
    bargaining inputs sampled together, every criterion measured in every future); a scenario
    without weighted criteria has no ranking to explore, and ``joint`` then explores its world
    model (or its game when it has no world).
    """
    if on not in ON:
        raise ModelError(f"cannot explore {on!r}; explore one of {', '.join(ON)}")
    if on == "joint":
        if any(c.weight > 0 for c in scenario.criteria):
            from melian.explore.joint import joint_model  # lazy: every model the ranking reads

            model = joint_model(
                scenario,
                paths_per_sample=paths_per_sample,
                horizon=horizon,
                seed=seed,
                framing=framing,
                bargaining=bargaining,
                reference=0,
            )
            return model, True
        on = "world" if scenario.world.components else "game"
    if on == "game":
        from melian.explore.game import game_model  # lazy: pygambit, only for --on game

        return game_model(scenario, framing=framing), False
    # lazy: the world model's parameters, only for the world
    from melian.explore.world import DEFAULT_HORIZON, DEFAULT_PATHS, world_model

    model = world_model(
        scenario,
        paths_per_sample=paths_per_sample or DEFAULT_PATHS,
        horizon=horizon or DEFAULT_HORIZON,
        seed=seed,
    )
    return model, False


def _context_value(model: ExploratoryModel, key: str, given: int | None) -> int:
    """The model's ``key`` setting (paths per sample, horizon) for the memory estimate."""
    if given is not None:
        return int(given)
    ctx = model.context if isinstance(model.context, dict) else {}
    return int(ctx.get(key, 1))


def _run_method(
    model: ExploratoryModel,
    method: str,
    n: int,
    seed: int,
    scheduler: str,
    workers: int | None,
    chunk_size: int,
    outcome: str | None,
    thresholds: Mapping[str, float] | None,
    progress: Progress | None,
    options: dict[str, Any],
) -> Result:
    """Dispatch to the method on an evaluator for ``scheduler``."""
    if method == "tornado":
        return tornado(model, seed=seed, **options)
    with Evaluator(scheduler, workers=workers, chunk_size=chunk_size) as ev:
        if method == "breaking":
            return model_breaking_points(
                model, seed=seed, reference=n, evaluator=ev, progress=progress, **options
            )
        if method == "sobol":
            return sobol(model, n, seed=seed, evaluator=ev, progress=progress, **options)
        if method == "morris":
            return morris(model, n, seed=seed, evaluator=ev, progress=progress, **options)
        if method == "prim":
            return discover(
                model, n, seed=seed, outcome=outcome, evaluator=ev, progress=progress, **options
            )
        return robust(
            model, n, seed=seed, thresholds=thresholds, evaluator=ev, progress=progress, **options
        )


def _run_on_one_ensemble(
    model: ExploratoryModel,
    methods: tuple[str, ...],
    n: int,
    seed: int,
    scheduler: str,
    workers: int | None,
    chunk_size: int,
    outcome: str | None,
    thresholds: Mapping[str, float] | None,
    progress: Progress | None,
    options: dict[str, Any],
) -> dict[str, Result]:
    """``prim`` and ``regret`` on one ensemble of ``n`` futures (:func:`explore_methods`)."""
    funcs = {"prim": discover, "regret": robust}
    adapt = {k: options.pop(k) for k in ADAPT_OPTIONS if k in options}
    taken = {
        m: {k: v for k, v in options.items() if k in inspect.signature(funcs[m]).parameters}
        for m in methods
    }
    unused = set(options) - {k for kw in taken.values() for k in kw}
    if unused:
        raise ModelError(f"no method among {', '.join(methods)} takes {', '.join(sorted(unused))}")
    decided = decision_outcome(model, outcome)
    # the ensemble is 90% of the progress, each method reading it a share of the rest
    steps = 10 * len(methods)
    share = None if progress is None else (lambda d, t: progress(9 * len(methods) * d, steps * t))
    with Evaluator(scheduler, workers=workers, chunk_size=chunk_size) as ev:
        u, res, mc = ensemble_mc(model, n, seed, ev, share, outcome=decided, **adapt)
    out: dict[str, Result] = {}
    for k, m in enumerate(methods):
        if progress is not None:
            progress(9 * len(methods) + k, steps)
        extra: dict[str, Any] = {"outcome": outcome} if m == "prim" else {"thresholds": thresholds}
        if m == "prim" and progress is not None:  # its screening and each box (a few seconds)
            extra["steps"] = lambda d, t, k=k: progress((9 * len(methods) + k) * t + d, steps * t)
        # the ensemble's Monte Carlo error was measured on the decision outcome, regret's on
        # the utility: the same unless PRIM was given another outcome (then regret measures
        # the futures' part alone)
        data = (u, res, mc) if m == "prim" or decided == UTILITY else (u, res)
        out[m] = funcs[m](model, n, seed=seed, data=data, **extra, **taken[m])
    if progress is not None:
        progress(steps, steps)
    return out
