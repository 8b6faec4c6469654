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

from typing import Any

import numpy as np

from melian.bargaining.base import BargainingProblem, Forecast, IssueForecast
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
    """Run bargaining model ``model`` (a registered name, or ``default``: :func:`default_model`)."""
    problem = to_problem(problem_or_scenario, issues)
    if model == "default":
        model = default_model(problem)
    return run_model(model, problem, **params)


def forecast_all(
    problem_or_scenario: Any,  # noqa: ANN401
    models: list[str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
    issues: list[str] | None = None,
) -> dict[str, Forecast]:
    """Run several models (default: every registered one) on the same problem.

    ``params`` maps a model name to its parameter overrides. Returns model name -> Forecast in
    registry order.
    """
    problem = to_problem(problem_or_scenario, issues)
    names = models if models is not None else model_names()
    params = params or {}
    return {name: run_model(name, problem, **params.get(name, {})) for name in names}
