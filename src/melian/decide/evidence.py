"""Criterion values per option, derived from the models the scenario names in each measure.

* ``world``: the world model's Monte Carlo ensemble (``melian.world.simulate``, every uncertain
  parameter drawn on every path under the option), summarised by ``stat``: ``mean``,
  ``median``, ``p05``, ``p95``, ``cvar95`` (the mean of the worst 5 % of paths, Rockafellar &
  Uryasev 2000) of an outcome, or ``probability`` of an event. :func:`summarise` computes the
  same statistics of a plain sample (for evidence a caller computes itself).
* ``game``: the focal actor's value of the game quantity ``metric`` for each option, from
  ``melian.games.analyse_game``.
* ``forecast``: a bargaining forecast (the compromise model by default; van den Bos 1991, Achen
  2006) of the measure's issue with the focal actor's position replaced by the option's
  ``stance`` on it; the criterion is the forecast outcome, or its distance to ``target``.
* ``judgement``: the scores the scenario's source gives per option.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from melian.errors import ModelError
from melian.scenario.schema import Criterion, Scenario

STATS = ("mean", "median", "p05", "p95", "cvar95", "probability")


@dataclass
class Evidence:
    """``values[criterion][option]``, with where each criterion's values came from."""

    values: dict[str, dict[str, float]]
    provenance: dict[str, str]
    details: dict[str, Any] = field(default_factory=dict)

    def matrix(self, criteria: list[str], options: list[str]) -> np.ndarray:
        """Options x criteria decision matrix."""
        missing = [(c, o) for c in criteria for o in options if o not in self.values.get(c, {})]
        if missing:
            c, o = missing[0]
            raise ModelError(f"no evidence for criterion {c!r} and option {o!r}")
        return np.array([[self.values[c][o] for c in criteria] for o in options], dtype=float)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"values": self.values, "provenance": self.provenance, "details": self.details}


def summarise(values: np.ndarray, stat: str, direction: str) -> float:
    """The statistic ``stat`` of a sample of per-experiment values."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        raise ModelError("no finite values to summarise")
    if stat == "mean":
        return float(v.mean())
    if stat == "median":
        return float(np.median(v))
    if stat == "p05":
        return float(np.quantile(v, 0.05))
    if stat == "p95":
        return float(np.quantile(v, 0.95))
    if stat == "probability":
        if v.min() < 0 or v.max() > 1:
            raise ModelError("stat 'probability' needs a metric with values in [0, 1]")
        return float(v.mean())
    if stat == "cvar95":
        k = max(1, int(np.ceil(0.05 * v.size)))
        s = np.sort(v)
        tail = s[:k] if direction == "max" else s[-k:]
        return float(tail.mean())
    raise ModelError(f"unknown statistic {stat!r}; use {', '.join(STATS)}")


# --------------------------------------------------------------------------- world
def world_values(
    scenario: Scenario,
    criteria: list[Criterion],
    *,
    paths: int,
    horizon: int | None,
    seed: int,
    workers: int | None = 1,
) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Criterion values of the world-measured ``criteria`` for every option.

    One ``melian.world.simulate`` ensemble of ``paths`` paths per option; each criterion reads
    its ``stat`` of the path distribution of its ``metric`` (an outcome), or the probability of
    the event it names (``security_crisis`` or ``p_security_crisis``).
    """
    try:
        from melian.world import simulate
    except ImportError:
        raise ModelError("criteria measured on the world need melian.world.simulate") from None
    kwargs: dict[str, Any] = {"paths": paths, "seed": seed, "workers": workers}
    if horizon is not None:
        kwargs["horizon"] = horizon
    ens = simulate(scenario, scenario.option_ids, **kwargs)
    out: dict[str, dict[str, float]] = {}
    for c in criteria:
        out[c.id] = {
            o: world_stat(ens.results[o], str(c.measure.metric), c.measure.stat)
            for o in scenario.option_ids
        }
    return out, {"paths": ens.paths, "horizon": ens.horizon, "seed": ens.seed}


def world_stat(result: Any, metric: str, stat: str) -> float:  # noqa: ANN401
    """``stat`` of ``metric`` in one option's world result (summary of paths, or a probability)."""
    probs = getattr(result, "probabilities", {})
    event = metric[2:] if metric.startswith("p_") and metric[2:] in probs else metric
    if event in probs:
        if stat not in ("probability", "mean"):
            raise ModelError(f"world event {event!r} has a probability only, not a {stat!r}")
        return float(probs[event])
    metrics = getattr(result, "metrics", {})
    if metric not in metrics:
        raise ModelError(
            f"the world model has no outcome or event {metric!r}; outcomes: "
            f"{', '.join(metrics)}; events: {', '.join(probs)}"
        )
    summ = metrics[metric]
    if stat == "mean":
        return float(summ.mean)
    if stat == "cvar95":
        return float(summ.cvar95)
    key = {"median": "p50", "p05": "p05", "p95": "p95"}.get(stat)
    if key is None:
        raise ModelError(f"world outcome {metric!r} is not an event: stat {stat!r} does not apply")
    if key not in summ.quantiles:
        raise ModelError(f"the world model reports no {key} of {metric!r}")
    return float(summ.quantiles[key])


# --------------------------------------------------------------------------- game
def game_values(scenario: Scenario, criteria: list[Criterion]) -> dict[str, dict[str, float]]:
    """Criterion values of the game-measured ``criteria``: the focal actor's game quantity
    (``total`` payoff or a payoff component) per option, at the responders' subgame-perfect
    replies (:func:`melian.games.option_values`).
    """
    from melian.games import option_values

    return {c.id: option_values(scenario, str(c.measure.metric)) for c in criteria}


# --------------------------------------------------------------------------- forecasts
def forecast_values(
    scenario: Scenario, criteria: list[Criterion], model: str = "compromise"
) -> dict[str, dict[str, float]]:
    """Criterion values of the forecast-measured ``criteria``: the forecast on the measure's
    issue with the focal actor at the option's stance (or the distance to ``target``).
    """
    from dataclasses import replace

    from melian.bargaining.adapters import problem_from_scenario
    from melian.bargaining.registry import run_model

    if scenario.focal is None:
        raise ModelError("forecast criteria need a focal actor")
    focal = scenario.focal.actor
    out: dict[str, dict[str, float]] = {}
    for c in criteria:
        issue = str(c.measure.issue)
        problem = problem_from_scenario(scenario, [issue])
        if focal not in problem.actors:
            raise ModelError(
                f"criterion {c.id!r}: the focal actor {focal!r} holds no position on issue "
                f"{issue!r}, so an option's stance cannot be put to the forecast"
            )
        row = problem.actors.index(focal)
        vals: dict[str, float] = {}
        for opt in scenario.focal.options:
            pos = problem.position.copy()
            if issue in opt.stance:
                pos[row, 0] = opt.stance[issue]
            f = run_model(model, replace(problem, position=pos))
            point = float(f.point()[issue])
            vals[opt.id] = abs(point - c.measure.target) if c.measure.target is not None else point
        out[c.id] = vals
    return out


# --------------------------------------------------------------------------- all
def gather_evidence(
    scenario: Scenario,
    *,
    paths: int = 20_000,
    horizon: int | None = None,
    seed: int | None = None,
    forecast_model: str = "compromise",
    workers: int | None = 1,
) -> Evidence:
    """Criterion values per option for every criterion of the scenario, from its measure."""
    if not scenario.criteria:
        raise ModelError(f"scenario {scenario.id!r} declares no criteria to rank options on")
    seed = scenario.metadata.seed if seed is None else seed
    by_kind: dict[str, list[Criterion]] = {}
    for c in scenario.criteria:
        by_kind.setdefault(c.measure.kind, []).append(c)
    values: dict[str, dict[str, float]] = {}
    provenance: dict[str, str] = {}
    details: dict[str, Any] = {}
    for c in by_kind.get("judgement", []):
        values[c.id] = {o: float(v) for o, v in (c.measure.scores or {}).items()}
        provenance[c.id] = f"judgement scores (source {c.source})"
    if "forecast" in by_kind:
        values.update(forecast_values(scenario, by_kind["forecast"], forecast_model))
        for c in by_kind["forecast"]:
            what = (
                f"distance to {c.measure.target:g}" if c.measure.target is not None else "outcome"
            )
            provenance[c.id] = f"{forecast_model} forecast on {c.measure.issue} ({what})"
    if "game" in by_kind:
        values.update(game_values(scenario, by_kind["game"]))
        for c in by_kind["game"]:
            provenance[c.id] = f"game: focal actor's {c.measure.metric}"
    if "world" in by_kind:
        wv, info = world_values(
            scenario, by_kind["world"], paths=paths, horizon=horizon, seed=seed, workers=workers
        )
        values.update(wv)
        details["world"] = info
        for c in by_kind["world"]:
            provenance[c.id] = f"world model: {c.measure.stat} of {c.measure.metric}"
    return Evidence(values=values, provenance=provenance, details=details)
