"""The analyses the web app can run in the background: a registry from kind to callable.

Each :class:`AnalysisSpec` names a kind (``forecast``, later ``game``, ``simulate``,
``explore``), a pydantic model of its parameters and a function
``run(scenario, params, progress) -> results`` where ``progress(fraction, message)`` reports how
far it got and ``results`` is JSON-ready data that the run store saves. Other parts of melian plug
their analyses in with :func:`register_analysis`; the web app, its JSON API and its OpenAPI
document pick them up at start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from melian.errors import MelianError, ModelError
from melian.scenario.schema import Id, Scenario

Progress = Callable[[float, str], None]


class ForecastParams(BaseModel):
    """Parameters of a web forecast: which bargaining models and which agenda issues."""

    model_config = ConfigDict(extra="forbid")

    models: list[Id] | None = Field(
        default=None, max_length=50, description="bargaining models to run (default: all)"
    )
    issues: list[Id] | None = Field(
        default=None, max_length=500, description="agenda issues to forecast (default: all)"
    )


@dataclass(frozen=True)
class AnalysisSpec:
    """A kind of analysis the web app can run: its parameters model and its function."""

    kind: str
    title: str
    description: str
    params: type[BaseModel]
    run: Callable[[Scenario, BaseModel, Progress], dict[str, Any]]


ANALYSES: dict[str, AnalysisSpec] = {}


def register_analysis(spec: AnalysisSpec) -> AnalysisSpec:
    """Make an analysis kind available to the web app (kinds are unique)."""
    if spec.kind in ANALYSES and ANALYSES[spec.kind] is not spec:
        raise ValueError(f"analysis kind {spec.kind!r} registered twice")
    ANALYSES[spec.kind] = spec
    return spec


def _model_names() -> list[str]:
    """Every registered bargaining model (the ones whose modules import)."""
    from melian.bargaining import registry

    try:
        return registry.model_names()
    except ImportError:
        # a model module is missing from this installation: use the ones that load
        for mod in registry._MODULES:
            try:
                importlib.import_module(mod)
            except ImportError:
                continue
        return list(registry.MODELS)


def run_forecast(scenario: Scenario, params: BaseModel, progress: Progress) -> dict[str, Any]:
    """Forecast every agenda issue of ``scenario`` with each bargaining model.

    The scenario's agenda becomes a :class:`~melian.bargaining.base.BargainingProblem`
    (:func:`melian.bargaining.adapters.problem_from_scenario`); each model of
    :mod:`melian.bargaining.registry` runs with its published defaults
    (:func:`~melian.bargaining.registry.run_model`; not ``forecast_all``, so that each model
    reports progress and one failing model does not stop the others). A model that cannot handle
    the problem (:class:`ModelError`) is reported under ``errors`` and the others still run.
    Results: ``default_model`` (:func:`melian.bargaining.default_model`), ``actors``, ``issues``,
    ``points`` (issue -> model -> point forecast), ``models`` (each forecast's full ``to_dict()``)
    and ``errors``.
    """
    assert isinstance(params, ForecastParams)
    from melian.bargaining import registry
    from melian.bargaining.adapters import problem_from_scenario

    problem = problem_from_scenario(scenario, issues=params.issues)
    available = _model_names()
    names = params.models if params.models is not None else available
    if not names:
        raise ModelError("no bargaining models are installed")
    forecasts: dict[str, Any] = {}
    errors: dict[str, str] = {}
    progress(0.0, f"{len(names)} model(s), {problem.n_actors} actors, {problem.n_issues} issue(s)")
    for k, name in enumerate(names):
        progress(k / len(names), f"running {name}")
        try:
            if name not in registry.MODELS:
                raise ModelError(
                    f"unknown bargaining model {name!r}; available: {', '.join(available)}"
                )
            from melian.bargaining import run_forecast as run_bargaining

            forecasts[name] = run_bargaining(name, problem)
        except ModelError as exc:
            if params.models is not None and len(names) == 1:
                raise
            errors[name] = exc.message
    if not forecasts:
        raise ModelError(
            "no model could forecast this scenario: "
            + "; ".join(f"{n}: {m}" for n, m in errors.items())
        )
    progress(1.0, "done")
    points = {
        iss: {name: f.point().get(iss) for name, f in forecasts.items()} for iss in problem.issues
    }
    try:
        from melian.bargaining import default_model

        default: str | None = default_model(problem)
    except (ImportError, MelianError):
        default = None
    return {
        "default_model": default,
        "actors": list(problem.actors),
        "issues": list(problem.issues),
        "points": points,
        "models": {name: f.to_dict() for name, f in forecasts.items()},
        "errors": errors,
    }


register_analysis(
    AnalysisSpec(
        kind="forecast",
        title="Bargaining forecast",
        description="Forecast every agenda issue with each registered bargaining model.",
        params=ForecastParams,
        run=run_forecast,
    )
)


# --------------------------------------------------------------------------- more analyses
class GameParams(BaseModel):
    """Parameters of a web game analysis."""

    model_config = ConfigDict(extra="forbid")

    framing: Literal["zero-sum", "variable-sum"] | None = Field(
        default=None, description="payoff framing (default: the scenario's)"
    )
    form: Literal["normal", "extensive"] = Field(default="normal", description="game form to solve")


def run_game(scenario: Scenario, params: BaseModel, progress: Progress) -> dict[str, Any]:
    """The alliance game (:func:`melian.games.analyse_game`): equilibria, payoffs and claims."""
    assert isinstance(params, GameParams)
    from melian.games import analyse_game

    progress(0.1, "building and solving the game")
    out = analyse_game(
        scenario, framing=params.framing, form=params.form, conditions=False
    ).to_dict()
    progress(1.0, "done")
    return out


class SimulateParams(BaseModel):
    """Parameters of a web world-model simulation (bounded for an interactive server)."""

    model_config = ConfigDict(extra="forbid")

    paths: int = Field(default=5_000, ge=100, le=200_000, description="paths per option")
    horizon: int = Field(default=24, ge=1, le=120, description="months")
    seed: int | None = Field(default=None, ge=0, lt=2**63, description="default: the scenario's")


def run_simulate(scenario: Scenario, params: BaseModel, progress: Progress) -> dict[str, Any]:
    """The world model's ensemble per option (:func:`melian.world.simulate`)."""
    assert isinstance(params, SimulateParams)
    from melian.world import simulate

    def prog(done: int, total: int) -> None:
        progress(done / max(total, 1), f"{done:,} of {total:,} paths")

    ens = simulate(
        scenario, paths=params.paths, horizon=params.horizon, seed=params.seed, progress=prog
    )
    return ens.to_dict()


class DecideParams(BaseModel):
    """Parameters of a web multi-criteria ranking."""

    model_config = ConfigDict(extra="forbid")

    paths: int = Field(
        default=5_000, ge=100, le=100_000, description="world-model paths per option"
    )


def run_decide(scenario: Scenario, params: BaseModel, progress: Progress) -> dict[str, Any]:
    """Rank the options on the scenario's criteria with weight stability (:func:`melian.decide.rank`)."""
    assert isinstance(params, DecideParams)
    from melian.decide import rank

    progress(0.1, "gathering the evidence")
    out = rank(scenario, paths=params.paths).to_dict()
    progress(1.0, "done")
    return out


for _spec in (
    AnalysisSpec(
        "game",
        "Alliance game",
        "Solve the alliance game with Gambit and check the claims.",
        GameParams,
        run_game,
    ),
    AnalysisSpec(
        "simulate",
        "Consequences (world model)",
        "Simulate oil, budget, security and politics for each option.",
        SimulateParams,
        run_simulate,
    ),
    AnalysisSpec(
        "decide",
        "Ranking on the criteria",
        "Rank the options (TOPSIS, weighted sum) with weight stability.",
        DecideParams,
        run_decide,
    ),
):
    register_analysis(_spec)
