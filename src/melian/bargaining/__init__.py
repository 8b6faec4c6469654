"""Spatial bargaining models: forecast where a group's positions on each issue end up.

Public API::

    forecast(problem_or_scenario, model="default", issues=None, *, missing_positions="per-issue",
             **params) -> Forecast                      (the one entry point)
    forecast_all(problem_or_scenario, models=None, params=None) -> dict[str, Forecast]
    model_names() -> list[str]

A :class:`~melian.bargaining.base.BargainingProblem` is used as given; a scenario (a
``melian.scenario.schema.Scenario``) is first turned into one by
``melian.bargaining.adapters.problem_from_scenario``. Each model is a registered
:class:`~melian.bargaining.registry.ModelSpec`; see docs/models/bargaining.md.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from melian.bargaining.base import BargainingProblem, Forecast, IssueForecast, issue_weights
from melian.bargaining.registry import get_model, model_names, run_model
from melian.errors import ModelError

if TYPE_CHECKING:
    from melian.scenario.schema import Scenario

__all__ = [
    "BargainingProblem",
    "Forecast",
    "IssueForecast",
    "MissingPositions",
    "forecast",
    "default_model",
    "forecast_all",
    "get_model",
    "model_names",
    "per_issue",
    "to_problem",
]


def to_problem(
    problem_or_scenario: BargainingProblem | Scenario, issues: list[str] | None = None
) -> BargainingProblem:  # noqa: ANN401
    """The :class:`BargainingProblem` of a problem (returned as is) or of a scenario."""
    if isinstance(problem_or_scenario, BargainingProblem):
        if issues is None:
            return problem_or_scenario
        return _select_issues(problem_or_scenario, issues)
    # lazy: the adapter loads the scenario schema (pydantic), not needed for a KTAB/DEU problem
    from melian.bargaining.adapters import problem_from_scenario

    return problem_from_scenario(problem_or_scenario, issues)


def _select_issues(problem: BargainingProblem, issues: list[str]) -> BargainingProblem:
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

    ``melian-deu`` (tuned and cross-validated on the DEU legislative outcomes) where the problem looks
    like legislative bargaining (:func:`melian.bargaining.melian_deu.looks_legislative`), else
    KTAB's spatial model of politics when every actor holds a position on every issue, else the
    compromise model (the benchmark of the field).
    """
    # lazy: melian_deu imports scipy.optimize (its fitting); not needed to load the package
    from melian.bargaining.melian_deu import looks_legislative

    if looks_legislative(problem):
        return "melian-deu"
    if not np.isnan(np.asarray(problem.position, dtype=float)).any():
        return "smp"
    return "compromise"


MissingPositions = Literal["per-issue", "error"]


def forecast(
    problem_or_scenario: BargainingProblem | Scenario,
    model: str = "default",
    issues: list[str] | None = None,
    *,
    missing_positions: MissingPositions = "per-issue",
    **params: Any,  # noqa: ANN401
) -> Forecast:
    """Run bargaining model ``model`` on a problem or a scenario: the one bargaining entry point.

    Parameters
    ----------
    problem_or_scenario
        A :class:`BargainingProblem` (used as given) or a scenario (its agenda, through
        :func:`melian.bargaining.adapters.problem_from_scenario`).
    model
        A registered model name (:func:`model_names`), or ``"default"`` (:func:`default_model`).
    issues
        Only these issue ids (default: every issue).
    missing_positions
        What to do when a joint multidimensional model (KTAB's SMP) needs every actor's
        position on every issue and some are missing: ``"per-issue"`` (the default) forecasts
        each issue on its own with the actors that hold a position on it and merges the results
        (:func:`per_issue`); ``"error"`` raises the model's :class:`~melian.errors.ModelError`.
        Problems without missing positions, and models that handle them, are not affected.
        Independently, where an actor's clout differs between issues and the model weighs an
        actor by one number (``ModelSpec.issue_weights`` false: SMP, melian-deu), each issue is
        forecast with the actors' clout on that issue (:func:`issue_capability`).
    **params
        The model's parameters (its keyword arguments; the published defaults otherwise).

    Returns
    -------
    Forecast
        Per issue: the point forecast, every actor's trajectory and, where the model has one,
        the outcome distribution.
    """
    if missing_positions not in ("per-issue", "error"):
        raise ModelError(
            f"missing_positions must be 'per-issue' or 'error', not {missing_positions!r}"
        )
    problem = to_problem(problem_or_scenario, issues)
    if model == "default":
        model = default_model(problem)
    weights = issue_capability(problem)
    spec = get_model(model)
    missing = bool(np.isnan(np.asarray(problem.position, float)).any())
    if weights is not None and not spec.issue_weights:
        if missing_positions == "error" and spec.multidimensional and missing:
            return run_model(model, problem, **params)  # the model's own error, as asked
        return per_issue(model, problem, weights, CLOUT_NOTE, **params)
    try:
        return run_model(model, problem, **params)
    except ModelError:
        spec = get_model(model)
        held = ~np.isnan(np.asarray(problem.position, float))
        fallback = (
            missing_positions == "per-issue"
            and spec.multidimensional
            and not held.all()
            and bool(held.any(axis=0).all())  # an issue nobody holds a position on stays an error
        )
        if not fallback:
            raise
    return per_issue(model, problem, None, MISSING_NOTE, **params)


def forecast_all(
    problem_or_scenario: Any,  # noqa: ANN401
    models: list[str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
    issues: list[str] | None = None,
    *,
    missing_positions: MissingPositions = "per-issue",
) -> dict[str, Forecast]:
    """Run several models (default: every registered one) on the same problem.

    ``params`` maps a model name to its parameter overrides; ``missing_positions`` is passed to
    :func:`forecast`. Returns model name -> Forecast in registry order.
    """
    problem = to_problem(problem_or_scenario, issues)
    names = models if models is not None else model_names()
    params = params or {}
    return {
        name: forecast(problem, name, missing_positions=missing_positions, **params.get(name, {}))
        for name in names
    }


def run_forecast(name: str, problem: BargainingProblem, **params: Any) -> Forecast:  # noqa: ANN401
    """Deprecated alias of ``forecast(problem, name, **params)`` (kept for old callers)."""
    return forecast(problem, name, **params)


CLOUT_NOTE = "clout differs by issue: each issue forecast separately with its actors' clout there"
MISSING_NOTE = "missing positions: each issue forecast separately with the actors that hold one"


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


def per_issue(
    name: str,
    problem: BargainingProblem,
    weights: np.ndarray | None = None,
    note: str = MISSING_NOTE,
    **params: Any,  # noqa: ANN401
) -> Forecast:
    """Run model ``name`` issue by issue and merge the results.

    Each issue is forecast on its own with the actors that hold a position on it, weighed by
    ``weights`` (actors x issues, which then replace any issue-specific ``power``; default: each
    actor's ``capability``, with ``meta['power']`` kept for the models that read it);
    trajectories are padded with each issue's final row to the longest run, absent actors are
    ``nan``, and ``extra['by_issue']`` records the rounds of each issue. Used by :func:`forecast`
    when a joint multidimensional model (KTAB's SMP) refuses a problem with missing positions, and
    when clout differs by issue for a model that weighs an actor by one number.
    """
    folded = weights is not None
    if weights is None:
        weights = np.broadcast_to(
            np.asarray(problem.capability, dtype=float).reshape(-1, 1), problem.position.shape
        )

    def meta_of(keep: np.ndarray, j: int) -> dict[str, Any]:
        if folded:
            return {k: v for k, v in problem.meta.items() if k != "power"}
        return {k: (v[keep][:, [j]] if k == "power" else v) for k, v in problem.meta.items()}

    if problem.n_issues == 1 and folded:
        keep = np.flatnonzero(~np.isnan(problem.position[:, 0]))
        if len(keep) == problem.n_actors:
            one = replace(problem, capability=weights[:, 0].copy(), meta=meta_of(keep, 0))
            return run_model(name, one, **params)
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
            meta=meta_of(keep, j),
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
