"""Spatial bargaining models: forecast where a group's positions on each issue end up.

Public API::

    forecast(problem_or_scenario, model="compromise", **params) -> Forecast
    forecast_all(problem_or_scenario, models=None, params=None) -> dict[str, Forecast]
    model_names() -> list[str]

A :class:`~melian.bargaining.base.BargainingProblem` is used as given; a scenario (a
``melian.scenario.schema.Scenario``) is first turned into one by
``melian.bargaining.adapters.problem_from_scenario``. Each model is a registered
:class:`~melian.bargaining.registry.ModelSpec`; see docs/models/bargaining.md.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from melian.bargaining.base import BargainingProblem, Forecast, IssueForecast, issue_weights
from melian.bargaining.registry import get_model, model_names, run_model

__all__ = [
    "BargainingProblem",
    "Forecast",
    "IssueForecast",
    "forecast",
    "default_model",
    "forecast_all",
    "get_model",
    "model_names",
    "to_problem",
]


def to_problem(problem_or_scenario: Any, issues: list[str] | None = None) -> BargainingProblem:  # noqa: ANN401
    """The :class:`BargainingProblem` of a problem (returned as is) or of a scenario."""
    if isinstance(problem_or_scenario, BargainingProblem):
        if issues is None:
            return problem_or_scenario
        return _select_issues(problem_or_scenario, issues)
    from melian.bargaining.adapters import problem_from_scenario

    return problem_from_scenario(problem_or_scenario, issues)


def _select_issues(problem: BargainingProblem, issues: list[str]) -> BargainingProblem:
    from melian.errors import ModelError

    unknown = [i for i in issues if i not in problem.issues]
    if unknown:
        raise ModelError(f"no issue(s) {', '.join(unknown)}; issues: {', '.join(problem.issues)}")
    cols = [problem.issues.index(i) for i in issues]
    return BargainingProblem(
        actors=problem.actors,
        issues=tuple(issues),
        capability=problem.capability,
        position=problem.position[:, cols],
        salience=problem.salience[:, cols],
        scale=problem.scale[cols],
        reference=problem.reference[cols],
        name=problem.name,
        meta=dict(problem.meta),
    )


def default_model(problem: BargainingProblem) -> str:
    """The default forecaster for a problem.

    ``melian-deu`` (tuned and cross-validated on EU legislative outcomes) where the problem looks
    like legislative bargaining (:func:`melian.bargaining.melian_deu.looks_legislative`), else
    KTAB's spatial model of politics when every actor holds a position on every issue, else the
    compromise model (the benchmark of the field).
    """
    from melian.bargaining.melian_deu import looks_legislative

    if looks_legislative(problem):
        return "melian-deu"
    if not np.isnan(np.asarray(problem.position, dtype=float)).any():
        return "smp"
    return "compromise"


def forecast(
    problem_or_scenario: Any,  # noqa: ANN401
    model: str = "default",
    issues: list[str] | None = None,
    **params: Any,  # noqa: ANN401
) -> Forecast:
    """Run bargaining model ``model`` (a registered name, or ``default``: :func:`default_model`)
    through :func:`run_forecast`.
    """
    problem = to_problem(problem_or_scenario, issues)
    if model == "default":
        model = default_model(problem)
    return run_forecast(model, problem, **params)


def forecast_all(
    problem_or_scenario: Any,  # noqa: ANN401
    models: list[str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
    issues: list[str] | None = None,
) -> dict[str, Forecast]:
    """Run several models (default: every registered one) on the same problem.

    Each model runs through :func:`run_forecast` (issue by issue where clout differs by issue or
    a joint model cannot use missing positions). ``params`` maps a model name to its parameter
    overrides. Returns model name -> Forecast in registry order.
    """
    problem = to_problem(problem_or_scenario, issues)
    names = models if models is not None else model_names()
    params = params or {}
    return {name: run_forecast(name, problem, **params.get(name, {})) for name in names}


def issue_capability(problem: BargainingProblem) -> np.ndarray | None:
    """Each actor's weight on each issue (actors x issues) when it differs between issues.

    :func:`~melian.bargaining.base.issue_weights` (an issue-specific clout in ``meta['power']``,
    else ``capability``); ``None`` when no actor's weight on an issue where it holds a position
    differs from its ``capability`` (one weight per actor suffices).
    """
    if problem.meta.get("power") is None:
        return None
    full = issue_weights(problem)
    cap = np.broadcast_to(np.asarray(problem.capability, dtype=float).reshape(-1, 1), full.shape)
    held = ~np.isnan(np.asarray(problem.position, dtype=float))
    if np.array_equal(full[held], cap[held]):
        return None
    return full


def run_forecast(name: str, problem: BargainingProblem, **params: Any) -> Forecast:  # noqa: ANN401
    """Run model ``name``, issue by issue where one joint run cannot represent the problem.

    Two cases are forecast issue by issue, each issue with the actors that hold a position on it,
    and the per-issue results merged (trajectories padded with each issue's final row to the
    longest run, absent actors ``nan``, ``extra['by_issue']`` the rounds of each issue):

    * an actor's **clout differs between issues** (:func:`issue_capability`) and the model weighs
      an actor by one capability (``ModelSpec.issue_weights`` false: KTAB's SMP, melian-deu):
      each issue is run with the actors' clout on that issue. For a joint multidimensional model
      (SMP) this gives up the interaction between issues. Models that read per-issue weights
      (compromise, median, Nash, BDM, exchange) run jointly;
    * a joint multidimensional model that refuses **missing positions** (KTAB's SMP needs every
      actor's position on every dimension).

    Other errors propagate.
    """
    from melian.errors import ModelError

    weights = issue_capability(problem)
    note = "clout differs by issue: each issue forecast separately with its actors' clout there"
    if weights is not None and get_model(name).issue_weights:
        weights = None  # the model weighs each issue with its own clout in one joint run
    if weights is None:
        try:
            return run_model(name, problem, **params)
        except ModelError:
            spec = get_model(name)
            missing = np.isnan(np.asarray(problem.position, float))
            if not (spec.multidimensional and missing.any()) or missing.all(axis=0).any():
                raise
        note = "missing positions: each issue forecast separately with the actors that hold one"
        weights = np.broadcast_to(
            np.asarray(problem.capability, dtype=float).reshape(-1, 1), problem.position.shape
        )
    if problem.n_issues == 1:
        keep = np.flatnonzero(~np.isnan(problem.position[:, 0]))
        if len(keep) == problem.n_actors:
            return run_model(name, replace(problem, capability=weights[:, 0].copy()), **params)
    parts: list[Forecast] = []
    rows: list[np.ndarray] = []
    for j, issue in enumerate(problem.issues):
        keep = np.flatnonzero(~np.isnan(problem.position[:, j]))
        sub = BargainingProblem(
            actors=tuple(problem.actors[k] for k in keep),
            issues=(issue,),
            capability=np.asarray(weights[keep, j], dtype=float),
            position=problem.position[keep][:, [j]],
            salience=problem.salience[keep][:, [j]],
            scale=problem.scale[[j]],
            reference=problem.reference[[j]],
            name=problem.name,
            meta={k: v for k, v in problem.meta.items() if k != "power"},
        )
        parts.append(run_model(name, sub, **params))
        rows.append(keep)
    turns = max(f.issues[0].trajectory.shape[0] for f in parts)
    issues = []
    for f, keep in zip(parts, rows, strict=True):
        t = f.issues[0].trajectory
        full = np.full((turns, problem.n_actors), np.nan)
        full[: t.shape[0], keep] = t
        full[t.shape[0] :, keep] = t[-1]
        f.issues[0].trajectory = full
        issues.append(f.issues[0])
    return Forecast(
        model=name,
        params=parts[0].params,
        actors=problem.actors,
        issues=issues,
        rounds=turns - 1,
        extra={"by_issue": {f.issues[0].issue: f.rounds for f in parts}, "note": note},
    )
