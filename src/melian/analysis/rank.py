"""Rank the focal actor's options on the decision-maker's criteria, with the evidence computed here.

Each criterion's measure names where its values come from: the world model (an ensemble of every
option), the game (the focal actor's quantity at the responders' subgame-perfect replies), a
bargaining forecast with the focal actor at each option's stance, or judgement scores. This
module runs those models through the analysis layer and hands their results to
:func:`melian.decide.gather_evidence`; :func:`melian.decide.rank` then ranks (TOPSIS and the
weighted sum under two normalisations, with weight-stability intervals).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from melian import decide
from melian.analysis.forecast import forecast
from melian.analysis.game import option_values
from melian.analysis.simulate import simulate
from melian.analysis.validate import criteria_problems
from melian.decide import Evidence, Ranking
from melian.decide.evidence import by_kind, gather_evidence, stance_problems
from melian.errors import InputError, ModelError
from melian.games.parameters import parameter_problems
from melian.scenario.locate import relocate
from melian.scenario.schema import Scenario
from melian.world.results import Ensemble

__all__ = ["Evidence", "Ranking", "evidence", "rank"]


def evidence(
    scenario: Scenario,
    *,
    paths: int = 20_000,
    horizon: int | None = None,
    seed: int | None = None,
    forecast_model: str = "compromise",
    workers: int | None = 1,
    ensemble: Ensemble | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Evidence:
    """Criterion values per option for every criterion of the scenario, from the models.

    Parameters
    ----------
    scenario
        A scenario with criteria and a focal actor's options.
    paths
        World-model paths per option (``world`` criteria).
    horizon
        World-model horizon in months (default: :func:`melian.analysis.simulate`'s).
    seed
        Default: the scenario's seed.
    forecast_model
        Bargaining model of ``forecast`` criteria (default: the compromise model; van den Bos
        1991, Achen 2006).
    workers
        World-model worker processes.
    ensemble
        An ensemble of every option already computed (then ``paths``, ``horizon``, ``seed`` and
        ``workers`` are not used for the world).
    progress
        ``progress(done, total)`` of the world ensemble's simulation.

    Returns
    -------
    Evidence
        ``values[criterion][option]`` with the provenance of each criterion.

    Raises
    ------
    melian.errors.InputError
        A world criterion names an outcome or event the world model does not declare, or a
        stat that does not apply to it, or (with game criteria) a key of ``game.parameters``
        names no parameter the game model reads or no actor of the scenario (located in the
        scenario's file), before any model runs.
    """
    if not scenario.criteria:
        raise ModelError(f"scenario {scenario.id!r} declares no criteria to rank options on")
    seed = scenario.metadata.seed if seed is None else seed
    kinds = by_kind(scenario)
    problems = criteria_problems(scenario, located=False)  # before any model runs
    if "game" in kinds:
        problems += parameter_problems(scenario)
    if problems:
        raise InputError(relocate(scenario, problems))
    points = None
    if "forecast" in kinds:
        points = {
            c.id: {
                o: float(forecast(p, forecast_model).point()[str(c.measure.issue)])
                for o, p in stance_problems(scenario, c).items()
            }
            for c in kinds["forecast"]
        }
    game = None
    if "game" in kinds:
        game = {
            str(c.measure.metric): option_values(scenario, str(c.measure.metric))
            for c in kinds["game"]
        }
    if "world" in kinds and ensemble is None:
        extra = {} if horizon is None else {"horizon": horizon}
        ensemble = simulate(
            scenario,
            scenario.option_ids,
            paths=paths,
            seed=seed,
            workers=workers,
            progress=progress,
            **extra,
        )
    return gather_evidence(
        scenario,
        ensemble=ensemble if "world" in kinds else None,
        game=game,
        forecasts=points,
        forecast_model=forecast_model,
    )


def rank(
    scenario: Scenario,
    *,
    evidence_values: Evidence | Mapping[str, Mapping[str, float]] | None = None,
    weights: Mapping[str, float] | None = None,
    primary: str = decide.PRIMARY,
    with_stability: bool = True,
    paths: int = 20_000,
    horizon: int | None = None,
    seed: int | None = None,
    forecast_model: str = "compromise",
    workers: int | None = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Ranking:
    """Rank the scenario's options on its criteria.

    Parameters
    ----------
    scenario
        A scenario with criteria and a focal actor's options.
    evidence_values
        Criterion -> option -> value replacing the models' values (default: computed by
        :func:`evidence`).
    weights
        Criterion weights overriding the scenario's (normalised to sum to one).
    primary
        The method whose top option is reported first (``topsis-minmax``, ``topsis-vector``,
        ``wsm-minmax``, ``wsm-vector``).
    with_stability
        Compute each criterion's weight-stability interval under every method.
    paths
        World-model paths per option.
    horizon
        World-model horizon in months.
    seed
        Default: the scenario's seed.
    forecast_model
        Bargaining model of ``forecast`` criteria.
    workers
        World-model worker processes.
    progress
        ``progress(done, total)`` of the world ensemble's simulation.

    Returns
    -------
    Ranking
        Scores and ranks of every option under every method, the weights, the evidence and the
        stability intervals; ``to_dict()``, ``to_frame()`` (long: method, option, score, rank).
    """
    decide.check(scenario, primary)
    if evidence_values is None:
        evidence_values = evidence(
            scenario,
            paths=paths,
            horizon=horizon,
            seed=seed,
            forecast_model=forecast_model,
            workers=workers,
            progress=progress,
        )
    return decide.rank(
        scenario,
        evidence_values,
        weights=weights,
        primary=primary,
        with_stability=with_stability,
    )
