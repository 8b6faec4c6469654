"""The whole decision as one exploratory model: world, game and bargaining inputs sampled together,
and the ranking on every criterion recomputed in every sampled future.

The world model (:mod:`melian.explore.world`) and the game (:mod:`melian.explore.game`) can each be
explored on their own, but a ranking reads both, and the bargaining forecasts as well: a future in
which only the world's parameters move while the game and the forecasts stay at the source's values
is not a future of the decision. Here one experiment is one point of the joint space of

* the world model's uncertain parameters (sourced distributions and widened judgements);
* the game's uncertain ``game.*`` parameters (when a criterion reads the game);
* the bargaining inputs of every issue a criterion forecasts: each position, salience and the
  clout of each actor that holds one, with the spreads of :mod:`melian.bargaining.uncertainty`
  (set by each number's confidence; named ``bargaining.position.<issue>.<actor>`` on the
  issue's scale, ``bargaining.salience.<issue>.<actor>`` on the [0, 1] salience scale, each
  a normal error around the coded value held on its scale, and
  ``bargaining.clout.<actor>``, a multiplicative factor on the actor's clout whose central value
  is 1);

and every option is measured on every criterion of the scenario, as :mod:`melian.decide.evidence`
measures it once at the central values: a world criterion reads the experiment's outcome (the mean
over its paths, or the probability of the event), a game criterion the focal actor's quantity at
the responders' subgame-perfect replies, a forecast criterion the bargaining forecast of its issue
(the compromise model by default) with the focal actor at the option's stance, and a judgement
criterion the source's score. The utility (:func:`melian.explore.model.utility`) is then the
criteria-weighted sum over all criteria: simple additive weighting (Keeney & Raiffa 1976), the
ranking recomputed in each future, each criterion normalised on one fixed range (its range over a
seeded reference ensemble, :data:`REFERENCE` experiments), so that a future's ranking does not
depend on which other futures were sampled and a quick and a full ensemble rank on the same
scale. (:mod:`melian.decide` ranks the options once, at the central values, with TOPSIS and the
weighted sum side by side; the ensemble's additive value is the weighted sum's.) This is the
exploratory-modelling
ensemble of Bankes (1993, Operations Research 41(3)) and Kwakkel (2017, Environmental Modelling &
Software 96) taken over every model the ranking reads.

Positions and saliences are perturbed as :func:`melian.bargaining.uncertainty.sample_inputs`
perturbs them for the predictive distributions and the levers: a normal error around the coded
value, with the spread of :mod:`melian.bargaining.uncertainty`, **clipped to the valid range**
(the issue's scale; [0, 1] for a salience; a zero salience is not sampled: indifference is coded,
not estimated; the clout factor is a log-normal, positive by construction). The clipping is part
of each input's distribution (:class:`melian.explore.model.ClippedNormal`, a point mass at each
bound), not a step on the way into the model: every value an exploration reports (a tornado's
ends, a PRIM box's limits, a switch-over value) lies on its scale and is the value the bargaining
model was given (:func:`_perturbed` puts the draws in as they are and refuses one off its range;
an earlier version clipped only on the way in, and the reports named values off the scale). The
median of each input is its coded value, so the central experiment is the source's inputs as
written, the ranking's evidence. The world model runs once per distinct setting of
its own parameters in a call (a one-at-a-time scan of a game or bargaining input, or a game
parameter's gradient, costs no world simulation beyond the first), with common random numbers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from melian.bargaining.adapters import problem_from_scenario
from melian.bargaining.base import issue_weights
from melian.bargaining.uncertainty import uncertainty_from_scenario
from melian.decide.evidence import by_kind, stance_problems
from melian.errors import ModelError
from melian.explore.model import (
    PATHS_PREFIX,
    ClippedNormal,
    Direction,
    ExploratoryModel,
    distinct_rows,
    not_explored_note,
    recommended_option,
    scenario_uncertainties,
    with_reference_bounds,
)
from melian.scenario.loader import content_hash
from melian.scenario.schema import Distribution, Scenario

#: Size of the reference ensemble that fixes the utility's normalisation, and its least paths.
REFERENCE = 64
REFERENCE_PATHS = 16
#: Prefix of the bargaining inputs' uncertainty names.
BARGAINING = "bargaining."
#: Outcome names of the criteria that are not world outcomes.
GAME_PREFIX = "game:"
FORECAST_PREFIX = "forecast:"
JUDGEMENT_PREFIX = "judgement:"


def _world_rows(
    context: dict[str, Any], option: str, samples: dict[str, np.ndarray], n: int, seed: int
) -> dict[str, np.ndarray]:
    """The world model's outcomes at every experiment, simulating each distinct row once."""
    from melian.explore.world import world_function  # lazy: the world model, only when read

    names: tuple[str, ...] = context["world_names"]
    uniq, inverse = distinct_rows(samples, names, n)
    out = world_function(
        _world_context(context), option, {p: uniq[:, j] for j, p in enumerate(names)}, seed
    )
    return {k: np.asarray(v)[inverse] for k, v in out.items()}


def _world_context(context: dict[str, Any]) -> dict[str, Any]:
    """The part of the joint model's context the world model reads."""
    keys = ("scenario", "paths", "horizon", "per_path", "path_outcomes")
    return {k: context[k] for k in keys if k in context}


def _world_rows_options(
    context: dict[str, Any], samples: dict[str, dict[str, np.ndarray]], n: int, seed: int
) -> dict[str, dict[str, np.ndarray]]:
    """:func:`_world_rows` of several options in one simulation (the same numbers)."""
    from melian.explore.world import world_batch  # lazy: the world model, only when read

    names: tuple[str, ...] = context["world_names"]
    rows = {o: distinct_rows(x, names, n) for o, x in samples.items()}
    outs = world_batch(
        _world_context(context),
        {o: {p: u[:, j] for j, p in enumerate(names)} for o, (u, _) in rows.items()},
        seed,
    )
    return {o: {k: np.asarray(v)[rows[o][1]] for k, v in outs[o].items()} for o in samples}


def _game_rows(
    context: dict[str, Any], option: str, samples: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The focal actor's game quantities read by criteria, at every experiment."""
    from melian.explore.game import focal_rows  # lazy: the game, only when a criterion reads it

    res, inverse = focal_rows(context["game"], samples)
    vals = res.values[option]
    return {out: vals[metric][inverse] for out, metric in context["game_metrics"].items()}


def _perturbed(
    entry: dict[str, Any], option: str, samples: dict[str, np.ndarray], n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions, weights (clout) and saliences of the criterion's issue under ``option`` at every
    experiment, each of shape (n, actors): the sampled inputs put in as they are (their
    distributions are clipped to the scale, :func:`bargaining_distributions`, so no second
    clipping changes them), the focal actor at the option's stance where it takes one.

    Raises
    ------
    ModelError
        If a sampled position lies off its issue's scale or a salience off [0, 1] (a value that
        did not come from the model's distributions): the bargaining model would otherwise be
        given another value than the one an exploration reports.
    """
    base = entry["problems"][option]
    lo, hi = (float(b) for b in base.scale[0])
    x = np.repeat(base.position[:, 0][None, :], n, axis=0)
    s = np.repeat(base.salience[:, 0][None, :], n, axis=0)
    w = np.repeat(issue_weights(base)[:, 0][None, :], n, axis=0)
    for name, kind, row in entry["inputs"]:
        v = np.asarray(samples[name], dtype=float)
        if kind == "position":
            _check_range(name, v, lo, hi)
            if row != entry["focal_row"] or not entry["stance"][option]:
                x[:, row] = v
        elif kind == "salience":
            _check_range(name, v, 0.0, 1.0)
            s[:, row] = v
        else:
            w[:, row] = w[:, row] * v
    return x, w, s


def _check_range(name: str, v: np.ndarray, lo: float, hi: float) -> None:
    """Refuse sampled values of input ``name`` outside ``[lo, hi]`` (see :func:`_perturbed`)."""
    bad = (v < lo) | (v > hi) | np.isnan(v)
    if bad.any():
        raise ModelError(
            f"{name} = {float(v[bad][0])!r} lies outside its range [{lo:g}, {hi:g}]: the "
            "bargaining inputs are sampled within it (bargaining_distributions)"
        )


def _forecast_rows(
    context: dict[str, Any], option: str, samples: dict[str, np.ndarray], n: int
) -> dict[str, np.ndarray]:
    """Each forecast criterion's value at every experiment (the forecast with perturbed inputs):
    all experiments at once when the model has a closed-form point (``ModelSpec.points``), else
    one forecast per experiment.
    """
    from melian.bargaining import forecast  # lazy: the bargaining models, only when read
    from melian.bargaining.registry import get_model

    spec = get_model(context["forecast_model"])
    cols: dict[str, np.ndarray] = {}
    for entry in context["forecasts"]:
        x, w, s = _perturbed(entry, option, samples, n)
        if spec.points is not None:
            point = np.asarray(spec.points(x, w, s), dtype=float)
        else:
            base = entry["problems"][option]
            cap = base.capability
            point = np.empty(n)
            for i in range(n):
                # the draw's clout as the actors' capability (issue-specific clout included)
                problem = replace(
                    base,
                    position=x[i][:, None],
                    salience=s[i][:, None],
                    capability=np.where(np.isnan(w[i]), cap, w[i]),
                    meta={k: v for k, v in base.meta.items() if k != "power"},
                )
                point[i] = forecast(problem, spec.name).point()[entry["issue"]]
        t = entry["target"]
        cols[entry["outcome"]] = np.abs(point - t) if t is not None else point
    return cols


def joint_function(
    context: dict[str, Any], option: str, samples: dict[str, np.ndarray], seed: int
) -> dict[str, np.ndarray]:
    """Model function: every criterion's value of ``option`` at each experiment (module level, so
    that Dask can ship it). With ``context["per_path"]`` also the per-path values of the outcomes
    in ``context["path_outcomes"]`` (the world's from its paths; the others, which have no Monte
    Carlo noise, repeated on every path).
    """
    n = len(next(iter(samples.values()))) if samples else 1
    out: dict[str, np.ndarray] = {}
    if context["world"]:
        out.update(_world_rows(context, option, samples, n, seed))
    if context["game"] is not None:
        out.update(_game_rows(context, option, samples))
    if context["forecasts"]:
        out.update(_forecast_rows(context, option, samples, n))
    for name, scores in context["judgement"].items():
        out[name] = np.full(n, float(scores[option]))
    if context.get("per_path"):
        m = int(context["paths"])
        for name in context.get("path_outcomes", ()):
            key = PATHS_PREFIX + name
            if key not in out and name in out:
                out[key] = np.repeat(np.asarray(out[name], dtype=float)[:, None], m, axis=1)
    return out


def joint_batch(
    context: dict[str, Any], samples: dict[str, dict[str, np.ndarray]], seed: int
) -> dict[str, dict[str, np.ndarray]]:
    """:func:`joint_function` of several options, their world simulated together (module level,
    so that Dask can ship it; the same results as one call per option).
    """
    if not context["world"]:
        return {o: joint_function(context, o, x, seed) for o, x in samples.items()}
    n = len(next(iter(next(iter(samples.values())).values()))) if samples else 1
    world = _world_rows_options(context, samples, n, seed)
    rest = {**context, "world": False}
    return {o: {**world[o], **joint_function(rest, o, x, seed)} for o, x in samples.items()}


def bargaining_distributions(
    position: float,
    salience: float,
    scale: tuple[float, float],
    position_sd: float,
    salience_sd: float,
    clout_sd: float,
) -> dict[str, Distribution | None]:
    """The distributions of one actor's bargaining inputs on one issue (``None``: not sampled):
    normal errors around the coded values, clipped to the valid ranges.

    Parameters
    ----------
    position, salience
        The source's position (on ``scale``) and salience (on [0, 1]).
    scale
        The issue's scale ``(lo, hi)``.
    position_sd, salience_sd, clout_sd
        The spreads of :func:`melian.bargaining.uncertainty.uncertainty_from_scenario` (the
        standard deviation of the position on the issue's scale, of the salience, and of the log
        of the clout); 0 leaves the input as written.

    Returns
    -------
    dict
        ``position``: a normal of mean ``position`` and standard deviation ``position_sd``
        clipped to ``scale``; ``salience``: a normal of mean ``salience`` and standard
        deviation ``salience_sd`` clipped to [0, 1] (``None`` for a zero salience, kept at
        zero); ``clout``: the log-normal factor ``exp(N(0, clout_sd))`` on the clout, positive.
        The clipped normals (:class:`~melian.explore.model.ClippedNormal`) are the
        perturbations of :func:`melian.bargaining.uncertainty.sample_inputs`: every quantile
        maps to a value in range, and the median is the source's value.
    """
    lo, hi = float(scale[0]), float(scale[1])
    out: dict[str, Distribution | None] = {"position": None, "salience": None, "clout": None}
    if position_sd > 0 and not np.isnan(position):
        out["position"] = ClippedNormal(
            dist="normal", mean=float(position), sd=float(position_sd), low=lo, high=hi
        )
    if salience > 0 and salience_sd > 0:
        out["salience"] = ClippedNormal(
            dist="normal", mean=float(salience), sd=float(salience_sd), low=0.0, high=1.0
        )
    if clout_sd > 0:
        out["clout"] = Distribution(dist="lognormal", mu=0.0, sigma=float(clout_sd))
    return out


def _bargaining_inputs(
    scenario: Scenario, criteria: list[Any]
) -> tuple[list[dict[str, Any]], dict[str, Distribution]]:
    """The forecast criteria's problems per option and the uncertain inputs they read
    (:func:`bargaining_distributions`).
    """
    entries: list[dict[str, Any]] = []
    dists: dict[str, Distribution] = {}
    focal = scenario.focal.actor if scenario.focal else None
    for c in criteria:
        problems = stance_problems(scenario, c)
        issue = str(c.measure.issue)
        base = problem_from_scenario(scenario, [issue])  # as written, before any option's stance
        unc = uncertainty_from_scenario(scenario, base)
        scale = (float(base.scale[0, 0]), float(base.scale[0, 1]))
        inputs: list[tuple[str, str, int]] = []
        for row, actor in enumerate(base.actors):
            x = float(base.position[row, 0])
            if np.isnan(x):
                continue
            found = bargaining_distributions(
                x,
                float(base.salience[row, 0]),
                scale,
                float(unc.position[row, 0]),
                float(unc.salience[row, 0]),
                float(unc.capability[row]),
            )
            names = {
                "position": f"{BARGAINING}position.{issue}.{actor}",
                "salience": f"{BARGAINING}salience.{issue}.{actor}",
                "clout": f"{BARGAINING}clout.{actor}",
            }
            for kind, dist in found.items():
                if dist is not None:
                    dists[names[kind]] = dist
                    inputs.append((names[kind], kind, row))
        assert scenario.focal is not None  # stance_problems checked it
        entries.append(
            {
                "outcome": FORECAST_PREFIX + c.id,
                "issue": issue,
                "target": c.measure.target,
                "problems": problems,
                "inputs": inputs,
                "focal_row": base.actors.index(focal) if focal in base.actors else -1,
                "stance": {o.id: issue in o.stance for o in scenario.focal.options},
            }
        )
    return entries, dists


def joint_model(
    scenario: Scenario,
    *,
    paths_per_sample: int | None = None,
    horizon: int | None = None,
    seed: int = 0,
    framing: str | None = None,
    bargaining: bool = True,
    forecast_model: str = "compromise",
    reference: int = REFERENCE,
) -> ExploratoryModel:
    """The scenario's decision as one exploratory model (see the module docstring).

    Parameters
    ----------
    scenario
        The scenario (with judgements already widened, if they are to be explored).
    paths_per_sample, horizon
        World paths per experiment and months (the world model's defaults otherwise).
    seed
        Seed of the world model's probe run.
    framing
        The game's framing (default: the scenario's).
    bargaining
        Explore the bargaining inputs of the forecast criteria (``False``: they stay as written).
    forecast_model
        The bargaining model of the forecast criteria (as in :func:`melian.analysis.rank`).
    reference
        Experiments of the reference ensemble whose outcome ranges fix the utility's
        normalisation (:func:`with_fixed_normalisation`; 0: none yet, the caller fixes it).

    Returns
    -------
    ExploratoryModel
        Uncertainties: the world's, the game's and the bargaining inputs, in that order; outcomes:
        the world's per-experiment outcomes, ``game:<metric>``, ``forecast:<criterion>`` and
        ``judgement:<criterion>``; weights: every criterion's weight on its outcome; fixed
        normalisation bounds of every weighted outcome.
    """
    weighted = [c for c in scenario.criteria if c.weight > 0]
    if not weighted:
        raise ModelError(
            f"scenario {scenario.id!r} has no weighted criteria: there is no ranking to explore "
            "(explore the world or the game instead)"
        )
    kinds = by_kind(scenario)
    kinds = {k: [c for c in v if c.weight > 0] for k, v in kinds.items()}
    options = tuple(scenario.option_ids)
    names, dists = scenario_uncertainties(scenario, required=False)
    uncertainties: list[str] = []
    per_option: dict[str, dict[str, Distribution]] = {o: {} for o in options}
    outcomes: dict[str, Direction] = {}
    weights: dict[str, float] = {}
    notes: list[str] = []
    context: dict[str, Any] = {
        "scenario": scenario,
        "paths": 1,
        "horizon": 1,
        "world": False,
        "world_names": (),
        "game": None,
        "game_metrics": {},
        "forecasts": [],
        "forecast_model": forecast_model,
        "judgement": {},
    }
    path_outputs = False
    probabilities: tuple[str, ...] = ()
    if kinds.get("world"):
        # lazy: the world model, only when a criterion reads it
        from melian.explore.world import DEFAULT_HORIZON, DEFAULT_PATHS, world_part

        if not scenario.world.components:
            raise ModelError(
                f"criteria {', '.join(c.id for c in kinds['world'])} read the world model, "
                f"but scenario {scenario.id!r} declares no world components"
            )
        part = world_part(
            scenario,
            paths_per_sample=paths_per_sample or DEFAULT_PATHS,
            horizon=horizon or DEFAULT_HORIZON,
            seed=seed,
        )
        context.update(
            world=True,
            world_names=part.names,
            paths=part.context["paths"],
            horizon=part.context["horizon"],
        )
        uncertainties += part.names
        for o in options:
            per_option[o].update(part.distributions[o])
        outcomes.update(part.outcomes)
        weights.update(part.weights)
        notes += part.notes
        path_outputs = True
        probabilities = part.probabilities
    if kinds.get("game"):
        from melian.explore.game import game_context  # lazy: pygambit

        gnames = tuple(p for p in names if p.startswith("game."))
        context["game"] = game_context(scenario, gnames, framing)
        for c in kinds["game"]:
            out = GAME_PREFIX + str(c.measure.metric)
            metric = str(c.measure.metric)
            if metric != "total" and metric not in context["game"]["components"]:
                raise ModelError(
                    f"criterion {c.id!r}: unknown game metric {metric!r}; use total or one of "
                    f"{', '.join(context['game']['components'])}"
                )
            context["game_metrics"][out] = metric
            outcomes[out] = c.direction
            weights[out] = weights.get(out, 0.0) + c.weight
        uncertainties += gnames
        for o in options:
            per_option[o].update({p: dists[o][p] for p in gnames})
    if kinds.get("forecast"):
        entries, bdists = _bargaining_inputs(scenario, kinds["forecast"])
        if not bargaining:
            entries = [{**e, "inputs": []} for e in entries]
            bdists = {}
        clash = set(bdists) & set(uncertainties)
        if clash:
            raise ModelError(
                f"parameter name(s) {', '.join(sorted(clash))} clash with the bargaining inputs"
            )
        context["forecasts"] = entries
        uncertainties += list(bdists)
        for o in options:
            per_option[o].update(bdists)
        for c in kinds["forecast"]:
            out = FORECAST_PREFIX + c.id
            outcomes[out] = c.direction
            weights[out] = c.weight
        if bdists:
            notes.append(
                f"bargaining inputs: {len(bdists)} position(s), salience(s) and clout factor(s) "
                f"of the forecast issues, spreads set by their confidence "
                "(melian.bargaining.uncertainty), positions and saliences normal errors around the "
                "coded values, held on their scales (clipped: the central experiment is the "
                "inputs as written)"
            )
    for c in kinds.get("judgement", []):
        out = JUDGEMENT_PREFIX + c.id
        scores = {o: float(v) for o, v in (c.measure.scores or {}).items()}
        missing = [o for o in options if o not in scores]
        if missing:
            raise ModelError(f"criterion {c.id!r} gives no score for option(s) {missing}")
        context["judgement"][out] = scores
        outcomes[out] = c.direction
        weights[out] = c.weight
    if not uncertainties:
        raise ModelError(
            f"scenario {scenario.id!r}: nothing the ranking reads is uncertain "
            "(no uncertain world, game or bargaining input)"
        )
    notes += _unexplored(names, uncertainties)
    counts = {
        "world": len(context["world_names"]),
        "game": len(context["game"]["names"]) if context["game"] else 0,
        "bargaining": sum(1 for u in uncertainties if u.startswith(BARGAINING)),
    }
    notes.insert(
        0,
        "joint ensemble: "
        + ", ".join(f"{v} {k} input(s)" for k, v in counts.items())
        + f" sampled together; every future ranks the options on {len(weighted)} criteria",
    )
    model = ExploratoryModel(
        name=f"joint:{scenario.id}",
        function=joint_function,
        context=context,
        uncertainties=tuple(uncertainties),
        options=options,
        distributions=per_option,
        outcomes=outcomes,
        recommended=recommended_option(scenario),
        weights=weights,
        notes=tuple(notes),
        common_random_numbers=True,
        path_outputs=path_outputs,
        batch=joint_batch,
        probabilities=probabilities,
    )
    return with_fixed_normalisation(model, seed, reference) if reference else model


def _unexplored(names: tuple[str, ...] | list[str], explored: list[str]) -> list[str]:
    """The note naming the uncertain parameters no model of the ranking reads (none: [])."""
    unread = [p for p in names if p not in explored]
    return [not_explored_note(unread, "the ranking's models")] if unread else []


def with_fixed_normalisation(
    model: ExploratoryModel, seed: int, reference: int = REFERENCE
) -> ExploratoryModel:
    """``model`` (a :func:`joint_model`) with one fixed normalisation for every ensemble explored
    with it (quick or full, any size): each weighted outcome's range over a seeded reference
    ensemble of ``reference`` experiments, simulated with at least :data:`REFERENCE_PATHS` paths.
    """
    context = dict(model.context)
    ref_paths = max(int(context["paths"]), REFERENCE_PATHS) if context["world"] else 1
    key = (
        content_hash(context["scenario"]),
        model.uncertainties,
        tuple(model.weights),
        ref_paths,
        int(context["horizon"]),
        (context["game"] or {}).get("framing"),
        context["forecast_model"],
        int(seed),
        int(reference),
    )
    bounds = _BOUNDS.get(key)
    if bounds is None:
        ref = replace(model, context={**context, "paths": ref_paths})
        bounds = dict(with_reference_bounds(ref, seed, reference).bounds)
        if len(_BOUNDS) >= 32:
            _BOUNDS.pop(next(iter(_BOUNDS)))
        _BOUNDS[key] = bounds
    return replace(model, bounds=dict(bounds))


#: Reference normalisations already computed in this process (a pure function of the key: the
#: brief explores each view three times, breaking points, PRIM and regret, on the same model).
_BOUNDS: dict[tuple[Any, ...], dict[str, tuple[float, float]]] = {}
