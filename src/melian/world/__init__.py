"""melian.world: a Monte Carlo world model assembled from the components a scenario declares.

``simulate(scenario, options, paths, horizon, seed)`` returns an :class:`Ensemble` with, per
option, the distribution of every declared outcome, the probability of every declared event and
fan-chart bands; ``evaluate`` gives per-sample outcome means for sensitivity analysis; ``replay``
runs an option on a given price path. The component kinds are in
:data:`melian.world.components.KINDS` (docs/models/world.md); options act only through the
parameters and effects declared in the scenario.
"""

from melian.world.components import KINDS
from melian.world.engine import (
    BLOCK,
    Declared,
    check,
    declared,
    eval_metrics,
    evaluate,
    evaluate_options,
    has_world,
    outcome_directions,
    parameter_specs,
    replay,
    simulate,
)
from melian.world.results import Ensemble, OptionResult, Summary, read_ensemble_dict

__all__ = [
    "BLOCK",
    "KINDS",
    "Declared",
    "Ensemble",
    "OptionResult",
    "Summary",
    "check",
    "declared",
    "eval_metrics",
    "evaluate",
    "evaluate_options",
    "has_world",
    "outcome_directions",
    "parameter_specs",
    "read_ensemble_dict",
    "replay",
    "simulate",
]
