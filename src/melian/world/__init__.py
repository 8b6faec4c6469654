"""melian.world: a calibrated Monte Carlo model of the economy, security and politics.

``simulate(scenario, options, paths, horizon, seed)`` returns an :class:`Ensemble` with, per
option, outcome distributions, risk figures and fan-chart bands; ``evaluate`` gives per-sample
outcome means for sensitivity analysis; ``replay`` runs an option on a given Brent path. Options
act only through the parameters and effects declared in the scenario (docs/models/world.md).
"""

from melian.world.engine import (
    BLOCK,
    EVAL_METRICS,
    PARAMS,
    evaluate,
    replay,
    simulate,
)
from melian.world.results import Ensemble, OptionResult, Summary

__all__ = [
    "BLOCK",
    "EVAL_METRICS",
    "PARAMS",
    "Ensemble",
    "OptionResult",
    "Summary",
    "evaluate",
    "replay",
    "simulate",
]
