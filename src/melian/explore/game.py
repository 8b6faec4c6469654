"""The scenario's alliance game as an exploratory model: its uncertain payoff parameters as
uncertainties, the focal actor's options as levers, its equilibrium payoffs as outcomes.

Each experiment is the game with the sampled ``game.*`` parameters (Morrow/Snyder payoffs), every
option valued where the responders play their subgame-perfect replies (as
:func:`melian.games.option_values`); the experiments of a call are solved together
(:mod:`melian.games.batch`): outcomes are the focal actor's
``payoff`` (total) and its components, and ``chosen`` (1 when the option is the focal actor's
subgame-perfect choice in the no-shock state). The game is deterministic: no random numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melian.errors import ModelError
from melian.explore.model import (
    ExploratoryModel,
    distinct_rows,
    recommended_option,
    scenario_uncertainties,
)
from melian.games.batch import BatchOutcomes, focal_outcomes
from melian.games.payoffs import game_data, with_parameters
from melian.scenario.schema import Scenario


def focal_rows(
    context: dict[str, Any], samples: dict[str, np.ndarray]
) -> tuple[BatchOutcomes, np.ndarray]:
    """The game solved at every distinct sampled point (:func:`melian.games.batch.focal_outcomes`)
    and, per experiment, the index of its point. Every option's call reuses the last solutions
    (options share the experiments' points).
    """
    names = context["names"]
    n = len(next(iter(samples.values()))) if samples else 1
    uniq, inverse = distinct_rows(samples, names, n)
    key = (uniq.shape, uniq.tobytes())
    cache: dict[Any, BatchOutcomes] = context["cache"]
    if key not in cache:
        if len(cache) >= 8:
            cache.pop(next(iter(cache)))
        overrides = {p[len("game.") :]: uniq[:, j] for j, p in enumerate(names)}
        cache[key] = focal_outcomes(context["data"], overrides)
    return cache[key], inverse


def game_function(
    context: dict[str, Any], option: str, samples: dict[str, np.ndarray], seed: int
) -> dict[str, np.ndarray]:
    """Model function: the focal actor's equilibrium outcomes of ``option`` at each sample."""
    del seed  # deterministic
    res, inverse = focal_rows(context, samples)
    vals = res.values[option]
    out = {"payoff": vals["total"][inverse]}
    out.update({c: vals[c][inverse] for c in context["components"]})
    out["chosen"] = res.chosen[option][inverse]
    return out


def game_context(
    scenario: Scenario, names: tuple[str, ...], framing: str | None = None
) -> dict[str, Any]:
    """The context of :func:`game_function` (and of :func:`focal_rows`): the game of
    ``scenario`` under ``framing`` with the ``game.*`` parameters ``names`` set per experiment.
    """
    if scenario.game is None:
        raise ModelError(f"scenario {scenario.id!r} has no game section")
    fr = framing or scenario.game.framing
    data = with_parameters(game_data(scenario, fr), None, fr)
    probe = focal_outcomes(data, {})  # the focal actor's quantities: total and its components
    comps = tuple(sorted(next(iter(probe.values.values()))))
    return {
        "scenario": scenario,
        "framing": fr,
        "names": tuple(names),
        "data": data,
        "components": comps,
        "cache": {},
    }


def game_model(scenario: Scenario, framing: str | None = None) -> ExploratoryModel:
    """The alliance game of ``scenario`` with every uncertain ``game.*`` parameter explored."""
    if scenario.game is None:
        raise ModelError(f"scenario {scenario.id!r} has no game section")
    names, dists = scenario_uncertainties(scenario)
    names = tuple(p for p in names if p.startswith("game."))
    if not names:
        raise ModelError(f"scenario {scenario.id!r} declares no uncertain game parameters")
    context = game_context(scenario, names, framing)
    fr = context["framing"]
    comps = context["components"]
    outcomes = {"payoff": "max", **dict.fromkeys(comps, "max"), "chosen": "max"}
    return ExploratoryModel(
        name=f"game:{scenario.id}:{fr}",
        function=game_function,
        context=context,
        uncertainties=names,
        options=tuple(scenario.option_ids),
        distributions={o: {p: d[p] for p in names} for o, d in dists.items()},
        outcomes=outcomes,
        recommended=recommended_option(scenario),
        weights={"payoff": 1.0},
        notes=(
            f"alliance game, {fr} framing: outcomes at subgame-perfect replies (deterministic)",
        ),
        common_random_numbers=True,
    )
