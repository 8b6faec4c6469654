"""Levers for one actor: what to ask for, what to offer, whom to persuade (issue 16).

Above the bargaining engines, beside :mod:`melian.explore` and :mod:`melian.decide`: it reads a
scenario (or a bare :class:`~melian.bargaining.base.BargainingProblem`), runs counterfactuals
through every registered bargaining model over sampled inputs, and returns a :class:`Levers`.

* :mod:`melian.advise.stance`: the position to state and the salience to show;
* :mod:`melian.advise.linkage`: concession packages and the exchange model's trades;
* :mod:`melian.advise.persuasion`: whom to persuade, ranked per model;
* :mod:`melian.advise.coalitions`: allies and opponents per issue.

docs/models/advise.md gives the equations, defaults and citations.
"""

from __future__ import annotations

from melian.advise.analysis import DEFAULT_DRAWS, advise, advise_problem, credibility
from melian.advise.core import AdviseError, Gain, Robustness
from melian.advise.result import Levers

__all__ = [
    "DEFAULT_DRAWS",
    "AdviseError",
    "Gain",
    "Levers",
    "Robustness",
    "advise",
    "advise_problem",
    "credibility",
]
