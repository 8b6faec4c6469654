"""The scenario's alliance game as an exploratory model: its uncertain payoff parameters as
uncertainties, the focal actor's options as levers, its equilibrium payoffs as outcomes.

Each experiment rebuilds the game (:func:`melian.games.sweep.context`, Morrow/Snyder payoffs with
the sampled ``game.*`` parameters) and values every option where the responders play their
subgame-perfect replies (as :func:`melian.games.option_values`): outcomes are the focal actor's
``payoff`` (total) and its components, and ``chosen`` (1 when the option is the focal actor's
subgame-perfect choice in the no-shock state). The game is deterministic: no random numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melian.errors import ModelError
from melian.explore.model import ExploratoryModel, recommended_option, scenario_uncertainties
from melian.games.payoffs import game_data
from melian.games.sweep import context as game_context
from melian.scenario.schema import Scenario


def _evaluate_all(
    context: dict[str, Any], values: tuple[float, ...]
) -> dict[str, dict[str, float]]:
    """Every option's outcomes for one parameter point (memoised: options share a point)."""
    cache: dict[tuple[float, ...], dict[str, dict[str, float]]] = context["cache"]
    if values in cache:
        return cache[values]
    overrides = {n[len("game.") :]: v for n, v in zip(context["names"], values, strict=True)}
    ctx = game_context(context["scenario"], context["framing"], overrides, base=context["base"])
    if not ctx.spe:
        raise ModelError("the game has no subgame-perfect equilibrium at a sampled point")
    spe = ctx.spe[0]
    focal = context["focal"]
    comps = context["components"]
    chosen = spe.strategy.get(ctx.prefix(0))
    out = {}
    for k, opt in enumerate(ctx.data.options):
        row = {"payoff": ctx.expected(spe, k, focal, "total")}
        row.update({c: ctx.expected(spe, k, focal, c) for c in comps})
        row["chosen"] = 1.0 if chosen == opt else 0.0
        out[opt] = row
    if len(cache) > 4096:
        cache.clear()
    cache[values] = out
    return out


def game_function(
    context: dict[str, Any], option: str, samples: dict[str, np.ndarray], seed: int
) -> dict[str, np.ndarray]:
    """Model function: the focal actor's equilibrium outcomes of ``option`` at each sample."""
    del seed  # deterministic
    names = context["names"]
    n = len(next(iter(samples.values())))
    rows = [
        _evaluate_all(context, tuple(float(samples[p][s]) for p in names))[option] for s in range(n)
    ]
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def game_model(scenario: Scenario, framing: str | None = None) -> ExploratoryModel:
    """The alliance game of ``scenario`` with every uncertain ``game.*`` parameter explored."""
    if scenario.game is None:
        raise ModelError(f"scenario {scenario.id!r} has no game section")
    names, dists = scenario_uncertainties(scenario)
    names = tuple(p for p in names if p.startswith("game."))
    if not names:
        raise ModelError(f"scenario {scenario.id!r} declares no uncertain game parameters")
    fr = framing or scenario.game.framing
    base = game_data(scenario, fr)
    focal = scenario.focal.actor if scenario.focal else base.players[0]
    probe = game_context(scenario, fr, None, base=base)
    comps = tuple(sorted(next(iter(probe.leaves.values()))[focal]))
    context = {
        "scenario": scenario,
        "framing": fr,
        "names": names,
        "base": base,
        "focal": focal,
        "components": comps,
        "cache": {},
    }
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
