"""Bargaining forecasts of a scenario's agenda: one model, or several side by side.

Models: the registry of :mod:`melian.bargaining` (one module per published model). The per-issue
fallback for joint multidimensional models that need complete positions (KTAB's SMP) is the
``missing_positions`` parameter of :func:`melian.bargaining.forecast`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from melian import bargaining
from melian.bargaining import BargainingProblem, Forecast, MissingPositions
from melian.errors import MelianError
from melian.jsonio import to_jsonable
from melian.reprs import html_table

if TYPE_CHECKING:
    import pandas as pd

    from melian.scenario.schema import Scenario

__all__ = ["ForecastSet", "forecast", "forecast_all"]


def forecast(
    scenario: Scenario | BargainingProblem,
    model: str = "default",
    *,
    issues: Sequence[str] | None = None,
    params: Mapping[str, Any] | None = None,
    missing_positions: MissingPositions = "per-issue",
) -> Forecast:
    """Forecast where the agenda's issues end up with one bargaining model.

    Parameters
    ----------
    scenario
        A scenario (its agenda issues and the positions, saliences and capabilities of the
        actors at the table), or a :class:`~melian.bargaining.BargainingProblem`.
    model
        A registered model (``melian.bargaining.model_names()``: compromise, median, nash, bdm,
        smp, exchange, melian-deu), or ``"default"`` (melian-deu for legislative bargaining,
        else KTAB's SMP when every position is known, else the compromise model).
    issues
        Only these issue ids (default: every agenda issue).
    params
        The model's parameters (its published defaults otherwise).
    missing_positions
        ``"per-issue"`` (default): a model that needs every actor's position on every issue
        (SMP) is run issue by issue when some are missing; ``"error"``: raise instead.

    Returns
    -------
    Forecast
        Per issue the point forecast, every actor's trajectory and, where the model defines one,
        the distribution of outcomes; ``to_dict()``, ``to_frame()`` (long: model, issue, round,
        actor, position).

    Examples
    --------
    >>> import melian
    >>> f = melian.forecast(melian.load_scenario(melian.scenarios()[0]), model="smp")
    >>> sorted(f.point())[:2]
    ['alignment', 'army']
    """
    return bargaining.forecast(
        scenario,
        model,
        list(issues) if issues is not None else None,
        missing_positions=missing_positions,
        **dict(params or {}),
    )


@dataclass
class ForecastSet:
    """Several models' forecasts of the same problem, with the models that could not run."""

    problem: BargainingProblem
    forecasts: dict[str, Forecast]
    errors: dict[str, str] = field(default_factory=dict)

    def points(self) -> dict[str, dict[str, float]]:
        """Point forecast per model and issue: ``{model: {issue: point}}``."""
        return {m: f.point() for m, f in self.forecasts.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the problem, every forecast and the errors."""
        p = self.problem
        return to_jsonable(
            {
                "problem": {
                    "name": p.name,
                    "actors": list(p.actors),
                    "issues": list(p.issues),
                    "status_quo": dict(zip(p.issues, p.reference.tolist(), strict=True)),
                },
                "forecasts": {m: f.to_dict() for m, f in self.forecasts.items()},
                "errors": self.errors,
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """Long trajectories of every model: model, issue, round, actor, position."""
        import pandas as pd

        frames = [f.to_frame() for f in self.forecasts.values()]
        if not frames:
            return pd.DataFrame(columns=["model", "issue", "round", "actor", "position"])
        return pd.concat(frames, ignore_index=True)

    def _repr_html_(self) -> str:
        models = list(self.forecasts)
        rows = [
            [
                iss,
                float(self.problem.reference[k]),
                *(self.forecasts[m].point()[iss] for m in models),
            ]
            for k, iss in enumerate(self.problem.issues)
        ]
        note = "; ".join(f"{m}: {e}" for m, e in self.errors.items())
        return html_table(
            f"Bargaining forecasts: {self.problem.name}",
            ["issue", "status quo", *models],
            rows,
            note=note,
        )


def forecast_all(
    scenario: Scenario | BargainingProblem,
    models: Sequence[str] | None = None,
    *,
    issues: Sequence[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    missing_positions: MissingPositions = "per-issue",
    keep_going: bool = True,
) -> ForecastSet:
    """Forecast the agenda with several bargaining models side by side.

    Parameters
    ----------
    scenario
        A scenario or a :class:`~melian.bargaining.BargainingProblem`.
    models
        Model names (default: every registered model, in registry order).
    issues
        Only these issue ids.
    params
        Per-model parameters: ``{model: {parameter: value}}``.
    missing_positions
        As in :func:`forecast`.
    keep_going
        Record a model that fails on this problem in ``errors`` and go on (default); with
        ``False`` the first failure is raised.

    Returns
    -------
    ForecastSet
        The problem, model -> :class:`~melian.bargaining.Forecast`, and model -> error message.
    """
    problem = bargaining.to_problem(scenario, list(issues) if issues is not None else None)
    names = list(models) if models is not None else bargaining.model_names()
    params = params or {}
    out: dict[str, Forecast] = {}
    errors: dict[str, str] = {}
    for m in names:
        try:
            out[m] = forecast(problem, m, params=params.get(m), missing_positions=missing_positions)
        except MelianError as exc:
            if not keep_going:
                raise
            errors[m] = str(exc)
    return ForecastSet(problem=problem, forecasts=out, errors=errors)
