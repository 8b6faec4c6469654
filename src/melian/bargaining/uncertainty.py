"""Uncertainty of the bargaining inputs: positions, saliences and clout, sampled by confidence.

A scenario marks each position (and each capability) with a ``confidence`` (low / medium /
high) and a ``judgement`` flag, but gives no explicit spread. This module turns those marks into
spreads through documented, overridable defaults (:data:`DEFAULT_SPREADS`) and draws perturbed
copies of a :class:`~melian.bargaining.base.BargainingProblem` from them, so that a model's
forecast can be propagated by Monte Carlo (predictive distributions) and a lever's gain reported
with its spread over the inputs.

The spreads are standard deviations:

* positions: a normal perturbation with standard deviation ``position`` x (scale width),
  clipped to the issue's scale;
* saliences: a normal perturbation with standard deviation ``salience`` on the [0, 1]
  salience scale, clipped to [0, 1] (a salience of exactly 0 stays 0: indifference is coded,
  not estimated);
* clout (capability): a multiplicative log-normal factor with log-standard deviation
  ``capability``.

The defaults follow the convention of expert-survey data in the field: positions coded by
experts from documents disagree by about a tenth of the scale between coders (Thomson et al.
2006, *The European Union Decides*, ch. 2, inter-coder checks), which is taken as "medium"; "low"
doubles it and "high" halves it. These are judgements, documented as such; every analysis that
uses them takes a ``spreads`` argument to override them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from melian.bargaining.base import BargainingProblem
from melian.scenario.schema import Scenario

#: Standard deviations per confidence level (see the module docstring). ``None`` is the level used
#: for a number with no stated confidence: a sourced number that is not a judgement gets "high",
#: a judgement without a confidence gets "medium".
DEFAULT_SPREADS: dict[str, dict[str, float]] = {
    "high": {"position": 0.05, "salience": 0.05, "capability": 0.10},
    "medium": {"position": 0.10, "salience": 0.10, "capability": 0.25},
    "low": {"position": 0.20, "salience": 0.20, "capability": 0.50},
}


@dataclass(frozen=True)
class InputUncertainty:
    """Standard deviations of a problem's inputs.

    ``position`` and ``salience`` have shape (actors, issues): ``position`` on each issue's own
    scale, ``salience`` on [0, 1]; ``capability`` has shape (actors,) and is the standard
    deviation of the log of each actor's clout.
    """

    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray

    def scaled(self, factor: float) -> InputUncertainty:
        """The same uncertainty with every spread multiplied by ``factor`` (0 switches it off)."""
        return InputUncertainty(
            self.position * factor, self.salience * factor, self.capability * factor
        )


def _level(confidence: str | None, judgement: bool) -> str:
    if confidence is not None:
        return confidence
    return "medium" if judgement else "high"


def _table(spreads: Mapping[str, Mapping[str, float]] | None) -> dict[str, dict[str, float]]:
    table = {k: dict(v) for k, v in DEFAULT_SPREADS.items()}
    for level, values in (spreads or {}).items():
        if level not in table:
            raise ValueError(f"unknown confidence level {level!r}; use low, medium or high")
        table[level].update(values)
    return table


def uncertainty_from_scenario(
    s: Scenario,
    problem: BargainingProblem,
    spreads: Mapping[str, Mapping[str, float]] | None = None,
) -> InputUncertainty:
    """Spreads of ``problem``'s inputs from the confidence marks of scenario ``s``.

    Parameters
    ----------
    s : Scenario
        The scenario the problem was built from (:func:`melian.bargaining.adapters.problem_from_scenario`).
    problem : BargainingProblem
        The problem whose actors and issues the spreads are aligned to.
    spreads : mapping, optional
        Overrides of :data:`DEFAULT_SPREADS`, for example ``{"low": {"position": 0.3}}``.

    Returns
    -------
    InputUncertainty
        Standard deviations aligned to ``problem`` (zero where a position is missing).
    """
    table = _table(spreads)
    a_idx = {a: k for k, a in enumerate(problem.actors)}
    i_idx = {i: k for k, i in enumerate(problem.issues)}
    n, m = problem.n_actors, problem.n_issues
    pos_sd = np.zeros((n, m))
    sal_sd = np.zeros((n, m))
    width = problem.scale[:, 1] - problem.scale[:, 0]
    for issue in s.issues:
        j = i_idx.get(issue.id)
        if j is None:
            continue
        for p in issue.positions:
            k = a_idx.get(p.actor)
            if k is None:
                continue
            level = table[_level(p.confidence, p.judgement)]
            pos_sd[k, j] = level["position"] * width[j]
            sal_sd[k, j] = level["salience"]
    cap_sd = np.zeros(n)
    for actor in s.actors:
        k = a_idx.get(actor.id)
        if k is None:
            continue
        # the bargaining weight is the clout (the material capability when none is declared)
        cap = actor.clout if actor.clout is not None else actor.material
        cap_sd[k] = table[_level(cap.confidence, cap.judgement)]["capability"]
    return InputUncertainty(pos_sd, sal_sd, cap_sd)


def uniform_uncertainty(
    problem: BargainingProblem,
    confidence: str = "medium",
    spreads: Mapping[str, Mapping[str, float]] | None = None,
) -> InputUncertainty:
    """The same confidence level for every input of ``problem`` (for data with no marks, e.g. DEU).

    Parameters
    ----------
    problem : BargainingProblem
        The problem.
    confidence : {"low", "medium", "high"}
        The level applied to every position, salience and clout.
    spreads : mapping, optional
        Overrides of :data:`DEFAULT_SPREADS`.

    Returns
    -------
    InputUncertainty
        Standard deviations aligned to ``problem``.
    """
    level = _table(spreads)[confidence]
    width = problem.scale[:, 1] - problem.scale[:, 0]
    shape = (problem.n_actors, problem.n_issues)
    return InputUncertainty(
        np.broadcast_to(level["position"] * width, shape).copy(),
        np.full(shape, level["salience"]),
        np.full(problem.n_actors, level["capability"]),
    )


def sample_inputs(
    problem: BargainingProblem,
    uncertainty: InputUncertainty,
    draws: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw perturbed inputs: positions, saliences and clout for ``draws`` sampled worlds.

    Parameters
    ----------
    problem : BargainingProblem
        The central inputs.
    uncertainty : InputUncertainty
        Their standard deviations.
    draws : int
        Number of draws.
    rng : numpy.random.Generator
        The random stream (the caller seeds it).

    Returns
    -------
    position, salience, capability : numpy.ndarray
        Arrays of shape (draws, actors, issues), (draws, actors, issues) and (draws, actors).
        Positions are clipped to each issue's scale, saliences to [0, 1]; missing positions stay
        ``nan`` and zero saliences stay zero.
    """
    n, m = problem.n_actors, problem.n_issues
    lo, hi = problem.scale[:, 0], problem.scale[:, 1]
    z_pos = rng.standard_normal((draws, n, m))
    z_sal = rng.standard_normal((draws, n, m))
    z_cap = rng.standard_normal((draws, n))
    pos = np.clip(problem.position + z_pos * uncertainty.position, lo, hi)
    sal = np.clip(problem.salience + z_sal * uncertainty.salience, 0.0, 1.0)
    sal = np.where(problem.salience == 0, 0.0, sal)
    cap = problem.capability * np.exp(z_cap * uncertainty.capability)
    return pos, sal, cap


def sample_problems(
    problem: BargainingProblem,
    uncertainty: InputUncertainty,
    draws: int,
    rng: np.random.Generator,
) -> list[BargainingProblem]:
    """``draws`` perturbed copies of ``problem`` (see :func:`sample_inputs`).

    Parameters
    ----------
    problem : BargainingProblem
        The central inputs.
    uncertainty : InputUncertainty
        Their standard deviations.
    draws : int
        Number of copies.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    list of BargainingProblem
        Copies sharing actors, issues, scales, reference points and meta.
    """
    pos, sal, cap = sample_inputs(problem, uncertainty, draws, rng)
    return [
        replace(problem, position=pos[d], salience=sal[d], capability=cap[d]) for d in range(draws)
    ]
