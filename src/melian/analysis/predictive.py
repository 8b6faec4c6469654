"""The ``predictive`` analysis: the ensemble's predictive distribution of every agenda issue.

A thin entry point over :func:`melian.bargaining.predictive.predictive_forecast`
(docs/models/predictive.md): the scenario's input uncertainty (its confidence marks) propagated
by Monte Carlo through every bargaining model, each model's calibrated error (fitted out of
sample on the DEU dev file), point masses at the actors' positions, the reference point and the
scale's ends, and the models mixed with weights earned by out-of-sample skill. Per issue: the
median, the 50/80/95% intervals, the point masses, the models' spread and the probability of
every threshold the scenario declares.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from melian.bargaining import BargainingProblem
from melian.bargaining.predictive import (
    DEFAULT_INPUT_DRAWS,
    DEFAULT_SAMPLES,
    DEFAULT_SEED,
    Calibration,
    PredictiveForecast,
    scenario_predictive,
)

if TYPE_CHECKING:
    from melian.scenario.schema import Scenario

__all__ = ["DEFAULT_SEED", "PredictiveForecast", "predictive"]


def predictive(
    scenario: Scenario | BargainingProblem,
    models: Sequence[str] | None = None,
    *,
    seed: int | np.random.SeedSequence | None = None,
    input_draws: int = DEFAULT_INPUT_DRAWS,
    n_samples: int = DEFAULT_SAMPLES,
    issues: Sequence[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    calibration: Calibration | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PredictiveForecast:
    """Predictive distribution of every agenda issue: the ensemble of the bargaining models.

    Parameters
    ----------
    scenario
        A scenario (positions, saliences and clout with their confidence marks, declared
        thresholds), or a :class:`~melian.bargaining.BargainingProblem` (then every input is
        taken as of medium confidence and there are no thresholds).
    models
        Models in the ensemble (default: every model of the calibration; weights by
        out-of-sample skill on DEU dev data). One model gives its own distribution.
    seed
        Root of every random stream (default: the scenario's ``metadata.seed``, else
        :data:`DEFAULT_SEED`). Same inputs and seed give the same draws.
    input_draws
        Monte Carlo draws of the inputs per model (0: the central inputs only).
    n_samples
        Predictive draws per issue.
    issues
        Only these issue ids (default: every agenda issue).
    params
        Model name -> parameter overrides.
    calibration
        Error models and ensemble weights (default: the shipped DEU calibration).
    progress
        ``progress(done, total)`` after every model run.

    Returns
    -------
    PredictiveForecast
        Per issue: point, median, 50/80/95% intervals, quantiles at every percent, draws, point
        masses, each model's point and weight, the models' spread and the threshold
        probabilities; ``to_dict()`` (schema ``melian.predictive/1``), ``to_frame()``.

    Examples
    --------
    >>> import melian
    >>> pf = melian.predictive(melian.load_scenario(melian.scenarios()[0]), input_draws=0)
    >>> lo, hi = pf.issue("us-presence").intervals[0.8]
    >>> lo <= pf.issue("us-presence").median <= hi
    True
    """
    return scenario_predictive(
        scenario,
        models,
        seed=seed,
        input_draws=input_draws,
        n_samples=n_samples,
        issues=issues,
        params=params,
        calibration=calibration,
        progress=progress,
    )
