"""Criterion values per option, derived from the models the scenario names in each measure.

* ``world``: the world model's per-experiment ``metric`` over a Latin-hypercube ensemble of the
  option's uncertain parameters (``melian.world.evaluate`` through
  :mod:`melian.explore.world`), summarised by ``stat``: ``mean``, ``median``, ``p05``, ``p95``,
  ``cvar95`` (the mean of the worst 5 % of experiments, worst in the criterion's direction:
  Rockafellar & Uryasev 2000) or ``probability`` (the mean of a metric that the world model
  reports as a per-experiment probability or 0/1 indicator).
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
    samples: int,
    paths_per_sample: int,
    horizon: int,
    seed: int,
    scheduler: str = "synchronous",
    workers: int | None = None,
) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Criterion values of the world-measured ``criteria`` for every option."""
    from melian.explore.discovery import ensemble
    from melian.explore.parallel import Evaluator
    from melian.explore.world import world_model

    model = world_model(scenario, paths_per_sample=paths_per_sample, horizon=horizon, seed=seed)
    with Evaluator(scheduler, workers=workers) as ev:
        _, res = ensemble(model, samples, seed, ev)
    out: dict[str, dict[str, float]] = {}
    for c in criteria:
        metric = str(c.measure.metric)
        out[c.id] = {
            o: summarise(res[o][metric], c.measure.stat, c.direction) for o in model.options
        }
    return out, {
        "experiments": samples,
        "paths_per_sample": paths_per_sample,
        "horizon": horizon,
        "seed": seed,
    }


# --------------------------------------------------------------------------- game
def game_values(scenario: Scenario, criteria: list[Criterion]) -> dict[str, dict[str, float]]:
    """Criterion values of the game-measured ``criteria`` (the focal actor's game quantities)."""
    try:
        from melian.games import analyse_game
    except ImportError:
        raise ModelError(
            "criteria measured on the game need melian.games.analyse_game, which is not available"
        ) from None
    analysis = analyse_game(scenario)
    out: dict[str, dict[str, float]] = {}
    for c in criteria:
        metric = str(c.measure.metric)
        out[c.id] = _option_quantity(analysis, metric, scenario.option_ids)
    return out


def _option_quantity(analysis: Any, metric: str, options: list[str]) -> dict[str, float]:  # noqa: ANN401
    """The game quantity ``metric`` per option from a game analysis (``option_values(metric)``,
    or its ``to_dict()["options"][option][metric]``).
    """
    if hasattr(analysis, "option_values"):
        vals = analysis.option_values(metric)
    else:
        d = analysis.to_dict() if hasattr(analysis, "to_dict") else {}
        per = d.get("options") if isinstance(d, dict) else None
        if not isinstance(per, dict):
            raise ModelError(f"the game analysis gives no per-option quantity {metric!r}")
        vals = {o: (per.get(o) or {}).get(metric) for o in options}
    missing = [o for o in options if vals.get(o) is None]
    if missing:
        raise ModelError(
            f"the game analysis gives no {metric!r} for option(s) {', '.join(missing)}"
        )
    return {o: float(vals[o]) for o in options}


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
    samples: int = 256,
    paths_per_sample: int | None = None,
    horizon: int | None = None,
    seed: int | None = None,
    forecast_model: str = "compromise",
    scheduler: str = "synchronous",
    workers: int | None = None,
) -> Evidence:
    """Criterion values per option for every criterion of the scenario, from its measure."""
    from melian.explore.world import DEFAULT_HORIZON, DEFAULT_PATHS

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
            scenario,
            by_kind["world"],
            samples=samples,
            paths_per_sample=paths_per_sample or DEFAULT_PATHS,
            horizon=horizon or DEFAULT_HORIZON,
            seed=seed,
            scheduler=scheduler,
            workers=workers,
        )
        values.update(wv)
        details["world"] = info
        for c in by_kind["world"]:
            provenance[c.id] = f"world model: {c.measure.stat} of {c.measure.metric}"
    return Evidence(values=values, provenance=provenance, details=details)
