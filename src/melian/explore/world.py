"""The scenario's world model as an :class:`~melian.explore.model.ExploratoryModel`.

Uncertainties are the scenario's uncertain parameters (under any option), levers are the focal
actor's options, outcomes are the world model's per-experiment metrics. The decision utility is
the criteria-weighted sum of the world-measured criteria (each criterion's metric, direction and
weight; see :func:`melian.explore.model.utility`). The world model
(``melian.world.evaluate``) is imported lazily, when the model is first run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from melian.errors import ModelError
from melian.explore.model import (
    PATHS_PREFIX,
    Direction,
    ExploratoryModel,
    not_explored_note,
    recommended_option,
    scenario_uncertainties,
)
from melian.scenario.schema import Scenario

DEFAULT_PATHS = 16
DEFAULT_HORIZON = 120


def _world() -> Any:  # noqa: ANN401
    """The world-model module (ModelError if it is not available)."""
    try:
        import melian.world as world  # lazy: the world model loads on first run, in the worker
    except ImportError as exc:  # pragma: no cover - depends on the installed package
        raise ModelError(f"the world model (melian.world) is not available: {exc}") from None
    if not hasattr(world, "evaluate_options"):
        raise ModelError("the world model (melian.world) has no evaluate_options() function")
    return world


def world_function(
    context: dict[str, Any], option: str, samples: dict[str, np.ndarray], seed: int
) -> dict[str, np.ndarray]:
    """Model function: ``melian.world.evaluate`` on the option's parameter values (module level,
    so Dask can ship it).
    """
    return world_batch(context, {option: samples}, seed)[option]


def world_batch(
    context: dict[str, Any], samples: dict[str, dict[str, np.ndarray]], seed: int
) -> dict[str, dict[str, np.ndarray]]:
    """:func:`world_function` of several options in one simulation
    (``melian.world.evaluate_options``: the same numbers, the fixed cost of a run paid once).
    """
    world = _world()
    per_path = bool(context.get("per_path"))
    outs = world.evaluate_options(
        context["scenario"],
        samples,
        paths_per_sample=context["paths"],
        horizon=context["horizon"],
        seed=seed,
        per_path=per_path,
    )
    return {o: _means(context, out, per_path) for o, out in outs.items()}


def _means(
    context: dict[str, Any], out: dict[str, np.ndarray], per_path: bool
) -> dict[str, np.ndarray]:
    """The world model's per-sample means, and with ``per_path`` the per-path values of the
    outcomes the utility reads (for the Monte Carlo standard errors of
    :mod:`melian.explore.mcerror`).
    """
    if not per_path:
        return {k: np.asarray(v, dtype=float) for k, v in out.items()}
    keep = set(context.get("path_outcomes", ()))
    res: dict[str, np.ndarray] = {}
    for k, v in out.items():
        x = np.asarray(v, dtype=float)
        res[k] = x.mean(axis=1)
        if k in keep:
            res[PATHS_PREFIX + k] = x
    return res


def world_directions(scenario: Scenario, metrics: list[str]) -> dict[str, Direction]:
    """Direction of each world metric: from the criterion that measures it, else the world
    model's declared direction (``melian.world.outcome_directions``), else max.
    """
    world = _world()
    declared: dict[str, str] = dict(world.outcome_directions(scenario))
    out: dict[str, Direction] = {}
    for m in metrics:
        d = declared.get(m, "max")
        out[m] = "min" if d == "min" else "max"
    for c in scenario.criteria:
        if c.measure.kind == "world" and c.measure.metric in out:
            out[c.measure.metric] = c.direction
    return out


def resolve_metric(metric: str, available: list[str]) -> str | None:
    """The per-experiment output that measures ``metric``: itself, or ``p_<metric>`` for an
    event whose probability the world model reports (``security_crisis`` -> ``p_security_crisis``).
    """
    if metric in available:
        return metric
    if f"p_{metric}" in available:
        return f"p_{metric}"
    return None


@dataclass(frozen=True)
class WorldPart:
    """The world model's share of an exploratory model (:func:`world_part`).

    ``ignored`` are the scenario's uncertain parameters the world model does not read (game
    parameters, for example); ``notes`` do not name them: an exploration of the world alone
    (:func:`world_model`) says they are not explored, a joint model explores the game's with the
    game and names only those no model of the ranking reads.
    """

    names: tuple[str, ...]
    distributions: dict[str, dict[str, Any]]
    outcomes: dict[str, Direction]
    weights: dict[str, float]
    notes: tuple[str, ...]
    context: dict[str, Any]
    ignored: tuple[str, ...] = ()
    #: The outcomes that are event probabilities (``p_<event>``; the mean of an event indicator).
    probabilities: tuple[str, ...] = ()


def world_part(
    scenario: Scenario,
    *,
    paths_per_sample: int = DEFAULT_PATHS,
    horizon: int = DEFAULT_HORIZON,
    outcomes: list[str] | None = None,
    seed: int = 0,
) -> WorldPart:
    """The world model's uncertain parameters, per-experiment outcomes and criteria weights.

    The outcome names are found by one probe run at the nominal point; ``outcomes`` restricts them.
    Uncertain parameters the world model does not read (``melian.world.parameter_specs``; game
    parameters, for example) are left out (``ignored``). ``names`` may be empty (a world
    whose parameters are all fixed).
    """
    names, dists = scenario_uncertainties(scenario, required=False)
    used = set(_world().parameter_specs(scenario))
    ignored = [p for p in names if p not in used]
    names = tuple(p for p in names if p in used)
    dists = {o: {p: d[p] for p in names} for o, d in dists.items()}
    context = {"scenario": scenario, "paths": int(paths_per_sample), "horizon": int(horizon)}
    rec = recommended_option(scenario)
    probe_vals = {p: dists[rec][p].ppf(np.full(1, 0.5)) for p in names}
    probe = world_function(context, rec, probe_vals, seed)
    metrics = [k for k, v in probe.items() if np.asarray(v).shape == (1,)]
    if outcomes is not None:
        missing = set(outcomes) - set(metrics)
        if missing:
            raise ModelError(
                f"the world model has no outcome(s) {sorted(missing)}; "
                f"outcomes: {', '.join(metrics)}"
            )
        metrics = list(outcomes)
    dirs = world_directions(scenario, metrics)
    weights: dict[str, float] = {}
    notes: list[str] = []
    for c in scenario.criteria:
        if c.measure.kind != "world" or c.weight <= 0:
            continue
        name = resolve_metric(str(c.measure.metric), metrics)
        if name is None:
            notes.append(
                f"criterion {c.id!r} measures world metric {c.measure.metric!r}, which the world "
                f"model's per-experiment outputs do not include; it is left out of the utility"
            )
            continue
        dirs[name] = c.direction
        weights[name] = weights.get(name, 0.0) + c.weight
    return WorldPart(
        names,
        dists,
        dirs,
        weights,
        tuple(notes),
        context,
        tuple(ignored),
        probabilities=event_probabilities(scenario, metrics),
    )


def event_probabilities(scenario: Scenario, metrics: list[str]) -> tuple[str, ...]:
    """The world metrics among ``metrics`` that are event probabilities: ``p_<event>`` for every
    event the scenario's world declares (``melian.world.declared``), whose per-path values are
    the event's indicator (0 or 1) and whose per-experiment value is its mean over the paths.
    """
    events = {f"p_{d.name}" for d in _world().declared(scenario) if d.kind == "event"}
    return tuple(m for m in metrics if m in events)


def world_model(
    scenario: Scenario,
    *,
    paths_per_sample: int = DEFAULT_PATHS,
    horizon: int = DEFAULT_HORIZON,
    outcomes: list[str] | None = None,
    seed: int = 0,
) -> ExploratoryModel:
    """The scenario's world model with every uncertain parameter as an uncertainty.

    The decision utility is the criteria-weighted sum of the world-measured criteria
    (:func:`world_part`); :func:`melian.explore.joint.joint_model` adds the game, the forecasts
    and the judged scores for the whole ranking.
    """
    part = world_part(
        scenario,
        paths_per_sample=paths_per_sample,
        horizon=horizon,
        outcomes=outcomes,
        seed=seed,
    )
    if not part.names:
        raise ModelError(f"scenario {scenario.id!r} has no uncertain world-model parameters")
    return ExploratoryModel(
        name=f"world:{scenario.id}",
        function=world_function,
        context=part.context,
        uncertainties=part.names,
        options=tuple(scenario.option_ids),
        distributions=part.distributions,
        outcomes=part.outcomes,
        recommended=recommended_option(scenario),
        weights=part.weights,
        notes=(
            *((not_explored_note(part.ignored, "the world model"),) if part.ignored else ()),
            *part.notes,
        ),
        common_random_numbers=True,
        path_outputs=True,
        batch=world_batch,
        probabilities=part.probabilities,
    )
