"""Common types of the spatial bargaining models: the problem they solve and the forecast they give.

Every model in :mod:`melian.bargaining` is a function ``run(problem, **params) -> Forecast``
registered in :data:`melian.bargaining.registry.MODELS`. Positions are on each issue's own scale;
saliences in [0, 1]; capabilities positive. Missing positions (an actor that took no position on
an issue) are ``nan`` and the model leaves that actor out of that issue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from melian.jsonio import to_jsonable
from melian.reprs import html_table

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class BargainingProblem:
    """Actors, issues and their positions: the input of every bargaining model.

    ``position`` and ``salience`` have shape (actors, issues); ``scale`` has shape (issues, 2)
    with the low and high end of each issue's scale; ``reference`` has shape (issues,) and holds
    the status quo / reversion point where it is known (``nan`` otherwise). ``meta`` carries
    per-problem facts some models use (for example a legislative procedure and voting rule).
    """

    actors: tuple[str, ...]
    issues: tuple[str, ...]
    capability: np.ndarray
    position: np.ndarray
    salience: np.ndarray
    scale: np.ndarray
    reference: np.ndarray
    name: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_actors(self) -> int:
        """Number of actors."""
        return len(self.actors)

    @property
    def n_issues(self) -> int:
        """Number of issues (dimensions)."""
        return len(self.issues)


def issue_weights(problem: BargainingProblem) -> np.ndarray:
    """Each actor's weight on each issue (actors x issues): ``meta['power']`` where it gives one
    (a scenario's per-issue clout or a position's ``power``), else the actor's ``capability``.
    """
    cap = np.asarray(problem.capability, dtype=float).reshape(-1, 1)
    shape = np.asarray(problem.position).shape
    power = problem.meta.get("power")
    if power is None:
        return np.broadcast_to(cap, shape).copy()
    power = np.asarray(power, dtype=float)
    return np.where(np.isnan(power), cap, power)


@dataclass
class IssueForecast:
    """One issue's forecast: the point, the outcome distribution and every actor's path.

    ``trajectory`` has shape (rounds + 1, actors): row 0 is the initial position. ``distribution``
    is a list of (outcome, probability) pairs where the model defines one, else ``None``.
    """

    issue: str
    point: float
    trajectory: np.ndarray
    distribution: list[tuple[float, float]] | None = None

    def to_dict(self, actors: tuple[str, ...]) -> dict[str, Any]:
        """JSON-ready dict (trajectories keyed by actor)."""
        return {
            "issue": self.issue,
            "point": float(self.point),
            "distribution": None
            if self.distribution is None
            else [{"outcome": float(v), "probability": float(p)} for v, p in self.distribution],
            "trajectory": {a: to_jsonable(self.trajectory[:, i]) for i, a in enumerate(actors)},
        }


@dataclass
class Forecast:
    """A model's forecast for every issue of a problem, with the parameters used.

    ``win_probability`` (rounds + 1, actors) is filled by models that compute the probability
    that each actor's position wins (KTAB's SMP); ``extra`` holds model-specific diagnostics.
    """

    model: str
    params: dict[str, Any]
    actors: tuple[str, ...]
    issues: list[IssueForecast]
    rounds: int
    win_probability: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def point(self) -> dict[str, float]:
        """Point forecast per issue id."""
        return {f.issue: float(f.point) for f in self.issues}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the whole forecast (:mod:`melian.jsonio`: NaN as ``null``)."""
        return to_jsonable(
            {
                "model": self.model,
                "params": self.params,
                "rounds": self.rounds,
                "issues": [f.to_dict(self.actors) for f in self.issues],
                "win_probability": None
                if self.win_probability is None
                else np.round(self.win_probability, 6).tolist(),
                "extra": self.extra,
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """Long (tidy) trajectories: model, issue, round, actor, position.

        One row per issue, round and actor holding a position on the issue (round 0 is the
        initial position); the point forecast is :meth:`point`.
        """
        import pandas as pd

        rows = [
            (self.model, f.issue, r, a, float(f.trajectory[r, k]))
            for f in self.issues
            for r in range(f.trajectory.shape[0])
            for k, a in enumerate(self.actors)
            if not np.isnan(f.trajectory[r, k])
        ]
        return pd.DataFrame(rows, columns=["model", "issue", "round", "actor", "position"])

    def _repr_html_(self) -> str:
        rows = [
            [
                f.issue,
                float(f.point),
                float(np.nanmin(f.trajectory[0])),
                float(np.nanmax(f.trajectory[0])),
            ]
            for f in self.issues
        ]
        return html_table(
            f"Forecast ({self.model}, {self.rounds} rounds)",
            ["issue", "point", "lowest initial position", "highest initial position"],
            rows,
        )
