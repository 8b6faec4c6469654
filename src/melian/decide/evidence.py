"""Criterion values per option, from the results of the models the scenario names in each measure.

decide computes no model itself: :func:`melian.analysis.rank` runs the world model, the game and
the forecasts through the analysis layer and passes their results to :func:`gather_evidence`.

* ``world``: the world model's Monte Carlo ensemble (``melian.world.simulate``, every uncertain
  parameter drawn on every path under the option), summarised by ``stat``: ``mean``,
  ``median``, ``p05``, ``p95``, ``cvar95`` (the mean of the worst 5 % of paths, Rockafellar &
  Uryasev 2000) of an outcome, or ``probability`` of an event. :func:`summarise` computes the
  same statistics of a plain sample (for evidence a caller computes itself). The Monte Carlo
  standard error of each value is kept where it is at hand (:func:`world_error`: an outcome's
  mean, an event's probability), for the criteria's indifference thresholds
  (:mod:`melian.decide.indifference`).
* ``game``: the focal actor's value of the game quantity ``metric`` for each option, from
  ``melian.games.analyse_game``.
* ``forecast``: a bargaining forecast (the compromise model by default; van den Bos 1991, Achen
  2006) of the measure's issue with the focal actor's position replaced by the option's
  ``stance`` on it; the criterion is the forecast outcome, or its distance to ``target``.
* ``judgement``: the scores the scenario's source gives per option.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from melian.bargaining.adapters import problem_from_scenario
from melian.bargaining.base import BargainingProblem
from melian.errors import ModelError
from melian.scenario.schema import Criterion, Scenario

if TYPE_CHECKING:
    from melian.world.results import Ensemble

STATS = ("mean", "median", "p05", "p95", "cvar95", "probability")


@dataclass
class Evidence:
    """``values[criterion][option]``, with where each criterion's values came from.

    ``errors[criterion][option]`` is the Monte Carlo standard error of a value estimated from
    simulated paths, for the criteria that have one (world criteria read as a mean or a
    probability); the criteria's indifference thresholds are two standard errors of a
    difference (:mod:`melian.decide.indifference`).
    """

    values: dict[str, dict[str, float]]
    provenance: dict[str, str]
    details: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, dict[str, float]] = field(default_factory=dict)

    def matrix(self, criteria: list[str], options: list[str]) -> np.ndarray:
        """Options x criteria decision matrix."""
        missing = [(c, o) for c in criteria for o in options if o not in self.values.get(c, {})]
        if missing:
            c, o = missing[0]
            raise ModelError(f"no evidence for criterion {c!r} and option {o!r}")
        return np.array([[self.values[c][o] for c in criteria] for o in options], dtype=float)

    def error_columns(self, criteria: list[str], options: list[str]) -> dict[str, np.ndarray]:
        """``criterion -> standard error per option`` (in ``options``' order), for the criteria
        whose every option has one.
        """
        out = {}
        for c in criteria:
            e = self.errors.get(c, {})
            if all(o in e for o in options):
                out[c] = np.array([e[o] for o in options], dtype=float)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "values": self.values,
            "provenance": self.provenance,
            "details": self.details,
            "standard_errors": self.errors,
        }


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
    scenario: Scenario, criteria: list[Criterion], ensemble: Ensemble
) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Criterion values of the world-measured ``criteria`` for every option, from an ensemble.

    ``ensemble`` is the world model's Monte Carlo ensemble of every option (computed by the
    caller: :func:`melian.analysis.simulate`); each criterion reads its ``stat`` of the path
    distribution of its ``metric`` (an outcome), or the probability of the event it names
    (``security_crisis`` or ``p_security_crisis``). Returns the values and the ensemble's
    settings (paths, horizon, seed).
    """
    missing = [o for o in scenario.option_ids if o not in ensemble.results]
    if missing:
        raise ModelError(f"the world ensemble has no results for option(s) {', '.join(missing)}")
    out: dict[str, dict[str, float]] = {}
    for c in criteria:
        out[c.id] = {
            o: world_stat(ensemble.results[o], str(c.measure.metric), c.measure.stat)
            for o in scenario.option_ids
        }
    return out, {"paths": ensemble.paths, "horizon": ensemble.horizon, "seed": ensemble.seed}


def _scale_text(scenario: Scenario, issue: str) -> str:
    """The units of a forecast criterion: points of the issue's scale, and what its ends mean in
    the issue's declared unit (``points of 0-100 = 0-10400 troops``).
    """
    iss = next((i for i in scenario.issues if i.id == issue), None)
    if iss is None:
        return "scale points"
    sc = iss.scale
    text = f"points of {sc.min:g}-{sc.max:g}"
    if sc.unit is not None:
        text += f" = {sc.unit.at_min:g}-{sc.unit.at_max:g} {sc.unit.name}"
    return text


def _world_units(scenario: Scenario) -> dict[str, str]:
    """The unit of every declared world outcome and event (``p_<event>`` too), by name."""
    from melian.world import declared  # lazy: the world layer, only for world criteria

    out: dict[str, str] = {}
    for d in declared(scenario):
        out[d.name] = d.unit
        if d.kind == "event":
            out[f"p_{d.name}"] = d.unit
    return out


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


def world_errors(
    scenario: Scenario, criteria: list[Criterion], ensemble: Ensemble
) -> dict[str, dict[str, float]]:
    """Monte Carlo standard errors of the world-measured ``criteria`` with one at hand.

    Per criterion and option, :func:`world_error` of its ``stat`` of its ``metric``; criteria
    read as a quantile or a CVaR (no standard error in the ensemble's summaries) are left out.
    """
    out: dict[str, dict[str, float]] = {}
    for c in criteria:
        errs = {
            o: world_error(ensemble.results[o], str(c.measure.metric), c.measure.stat)
            for o in scenario.option_ids
        }
        if all(e is not None for e in errs.values()):
            out[c.id] = {o: float(e) for o, e in errs.items() if e is not None}
    return out


def world_error(result: Any, metric: str, stat: str) -> float | None:  # noqa: ANN401
    """The Monte Carlo standard error of :func:`world_stat`, where one is at hand.

    An event's probability ``p`` over ``n`` paths: ``sqrt(p (1 - p) / n)`` (binomial); an
    outcome's mean: ``sd / sqrt(n)``, with ``sd`` the paths' standard deviation. None for a
    quantile or CVaR statistic (the ensemble keeps no standard error of them) and when the
    result does not say how many paths it has.
    """
    n = getattr(result, "paths", None)
    if not n or n < 1:
        return None
    probs = getattr(result, "probabilities", {})
    event = metric[2:] if metric.startswith("p_") and metric[2:] in probs else metric
    if event in probs:
        p = min(max(float(probs[event]), 0.0), 1.0)
        return float(np.sqrt(p * (1.0 - p) / n))
    summ = getattr(result, "metrics", {}).get(metric)
    if summ is None or stat != "mean":
        return None
    sd = float(summ.sd)
    return float(sd / np.sqrt(n)) if np.isfinite(sd) and sd >= 0 else None


# --------------------------------------------------------------------------- game
def game_values(
    criteria: list[Criterion], option_values: Mapping[str, Mapping[str, float]]
) -> dict[str, dict[str, float]]:
    """Criterion values of the game-measured ``criteria`` from the game's option values.

    ``option_values[metric][option]`` is the focal actor's game quantity (``total`` payoff or a
    payoff component) per option at the responders' subgame-perfect replies, computed by the
    caller (:func:`melian.games.option_values`, through :func:`melian.analysis.rank`).
    """
    out: dict[str, dict[str, float]] = {}
    for c in criteria:
        metric = str(c.measure.metric)
        if metric not in option_values:
            raise ModelError(f"criterion {c.id!r}: no game values of {metric!r} were given")
        out[c.id] = {o: float(v) for o, v in option_values[metric].items()}
    return out


# --------------------------------------------------------------------------- forecasts
def stance_problems(scenario: Scenario, criterion: Criterion) -> dict[str, BargainingProblem]:
    """The bargaining problem of a forecast-measured criterion's issue under each option.

    The focal actor's position on the measure's issue is replaced by the option's ``stance`` on
    it (unchanged when the option takes no stance). The caller forecasts each problem
    (:func:`melian.analysis.rank`) and gives the points to :func:`forecast_values`.
    """
    if scenario.focal is None:
        raise ModelError("forecast criteria need a focal actor")
    focal = scenario.focal.actor
    issue = str(criterion.measure.issue)
    problem = problem_from_scenario(scenario, [issue])
    if focal not in problem.actors:
        raise ModelError(
            f"criterion {criterion.id!r}: the focal actor {focal!r} holds no position on issue "
            f"{issue!r}, so an option's stance cannot be put to the forecast"
        )
    row = problem.actors.index(focal)
    out: dict[str, BargainingProblem] = {}
    for opt in scenario.focal.options:
        pos = problem.position.copy()
        if issue in opt.stance:
            pos[row, 0] = opt.stance[issue]
        out[opt.id] = replace(problem, position=pos)
    return out


def forecast_values(
    criteria: list[Criterion], points: Mapping[str, Mapping[str, float]]
) -> dict[str, dict[str, float]]:
    """Criterion values of the forecast-measured ``criteria`` from forecast points.

    ``points[criterion][option]`` is the forecast outcome on the criterion's issue with the
    focal actor at the option's stance (:func:`stance_problems`); the criterion is that outcome,
    or its distance to the measure's ``target``.
    """
    out: dict[str, dict[str, float]] = {}
    for c in criteria:
        if c.id not in points:
            raise ModelError(f"criterion {c.id!r}: no forecast points were given")
        t = c.measure.target
        out[c.id] = {
            o: abs(float(v) - t) if t is not None else float(v) for o, v in points[c.id].items()
        }
    return out


# --------------------------------------------------------------------------- all
def by_kind(scenario: Scenario) -> dict[str, list[Criterion]]:
    """The scenario's criteria grouped by the kind of their measure (judgement, forecast, ...)."""
    out: dict[str, list[Criterion]] = {}
    for c in scenario.criteria:
        out.setdefault(c.measure.kind, []).append(c)
    return out


def gather_evidence(
    scenario: Scenario,
    *,
    ensemble: Ensemble | None = None,
    game: Mapping[str, Mapping[str, float]] | None = None,
    forecasts: Mapping[str, Mapping[str, float]] | None = None,
    forecast_model: str = "compromise",
) -> Evidence:
    """Criterion values per option for every criterion of the scenario, from computed results.

    Parameters
    ----------
    scenario
        The scenario; its criteria say which result each criterion reads.
    ensemble
        The world ensemble of every option (needed by ``world`` criteria).
    game
        ``metric -> option -> value``: the focal actor's game quantities (``game`` criteria).
    forecasts
        ``criterion -> option -> point``: forecasts at each option's stance (``forecast``
        criteria).
    forecast_model
        The bargaining model that made ``forecasts`` (for the provenance).

    Returns
    -------
    Evidence
        ``values[criterion][option]`` with each criterion's provenance, and the Monte Carlo
        standard errors of the world criteria that have one. Nothing is computed here beyond
        the statistics: :func:`melian.analysis.rank` runs the models.
    """
    if not scenario.criteria:
        raise ModelError(f"scenario {scenario.id!r} declares no criteria to rank options on")
    kinds = by_kind(scenario)
    values: dict[str, dict[str, float]] = {}
    provenance: dict[str, str] = {}
    details: dict[str, Any] = {}
    errors: dict[str, dict[str, float]] = {}
    for c in kinds.get("judgement", []):
        values[c.id] = {o: float(v) for o, v in (c.measure.scores or {}).items()}
        provenance[c.id] = f"judgement scores (source {c.source})"
    needs = {"forecast": forecasts, "game": game, "world": ensemble}
    for kind, given in needs.items():
        if kind in kinds and given is None:
            raise ModelError(
                f"criteria measured on the {kind} ({', '.join(c.id for c in kinds[kind])}) need "
                f"its results: rank with melian.analysis.rank, which computes them"
            )
    if forecasts is not None and "forecast" in kinds:
        values.update(forecast_values(kinds["forecast"], forecasts))
        for c in kinds["forecast"]:
            what = (
                f"distance to {c.measure.target:g}" if c.measure.target is not None else "outcome"
            )
            provenance[c.id] = (
                f"{forecast_model} forecast on {c.measure.issue} ({what}; "
                f"{_scale_text(scenario, str(c.measure.issue))})"
            )
    if game is not None and "game" in kinds:
        values.update(game_values(kinds["game"], game))
        for c in kinds["game"]:
            provenance[c.id] = f"game: focal actor's {c.measure.metric} (payoff units)"
    if ensemble is not None and "world" in kinds:
        wv, info = world_values(scenario, kinds["world"], ensemble)
        values.update(wv)
        errors.update(world_errors(scenario, kinds["world"], ensemble))
        details["world"] = info
        units = _world_units(scenario)
        for c in kinds["world"]:
            metric = str(c.measure.metric)
            unit = "" if c.measure.stat == "probability" else units.get(metric, "")
            provenance[c.id] = (
                f"world model: {c.measure.stat} of {metric} "
                f"({unit + ', ' if unit else ''}over {ensemble.horizon} months)"
            )
    return Evidence(values=values, provenance=provenance, details=details, errors=errors)
