"""Own stance: how the focal actor's utility responds to the position it states and the salience it
shows on each issue, within its credibility bounds, under every model.

For each issue on which the focal actor holds a position, the grid is: stated position
x* + t b d for t in :data:`POSITION_STEPS` (default -1 and +1; a finer grid is a parameter), with
b the credible distance and d = +1 if the actor's true
position x* lies above the other actors' capability x salience weighted centre (else -1), so that
t > 0 is *exaggeration* (further from the others than its true position) and t < 0 a *moderate
opening*; and shown salience s* +/- b_s. Each is one counterfactual, run with everything else
unchanged (Bueno de Mesquita 2002, 2009, on searching the position an actor should take; Scholz,
Calbert & Smith 2011 on the model's sensitivity to such changes). Per model, the best stance takes
on each issue the grid point with the largest mean gain (or the true stance when none gains), and is
then evaluated as one package; the robust stance takes on each issue the grid point that helps
under most models and most sampled worlds (:func:`melian.advise.core.robustness`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from melian.advise.core import Edit, Gain, Robustness, Setup, robustness

POSITION_STEPS: tuple[float, ...] = (-1.0, 1.0)
SALIENCE_STEPS: tuple[float, ...] = (-1.0, 1.0)


@dataclass(frozen=True)
class StanceOption:
    """One counterfactual statement on one issue and its gain per model.

    ``kind`` is ``position`` (``value`` the stated position on the issue scale) or ``salience``
    (``value`` the shown salience on [0, 1]); ``step`` is the signed fraction of the credible bound
    (+ exaggeration / more salience, - moderation / less salience).
    """

    issue: str
    kind: str
    step: float
    value: float
    true_value: float
    gains: dict[str, Gain]
    robustness: Robustness

    @property
    def label(self) -> str:
        """``exaggerate``, ``moderate``, ``show_more`` or ``show_less``."""
        if self.kind == "position":
            return "exaggerate" if self.step > 0 else "moderate"
        return "show_more" if self.step > 0 else "show_less"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "issue": self.issue,
            "kind": self.kind,
            "label": self.label,
            "step": self.step,
            "value": self.value,
            "true_value": self.true_value,
            "gains": {m: g.to_dict() for m, g in self.gains.items()},
            "robustness": self.robustness.to_dict(),
        }


@dataclass(frozen=True)
class Stance:
    """A whole stance (stated position and shown salience per issue) and its gain per model.

    ``model`` is the model it is best for, or ``None`` for the robust stance; ``rewards`` says per
    issue what the choosing model(s) reward: ``exaggeration``, ``moderation`` or ``true``.
    """

    model: str | None
    position: dict[str, float]
    salience: dict[str, float]
    rewards: dict[str, str]
    gains: dict[str, Gain]
    robustness: Robustness

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "model": self.model,
            "position": self.position,
            "salience": self.salience,
            "rewards": self.rewards,
            "gains": {m: g.to_dict() for m, g in self.gains.items()},
            "robustness": self.robustness.to_dict(),
        }


def directions(setup: Setup) -> np.ndarray:
    """Per issue, +1 if the focal actor's true position is at or above the others' centre, else -1."""
    c = setup.centre()[0]
    return np.where(setup.true_position >= c, 1.0, -1.0)


def stated_position(setup: Setup, k: int, step: float) -> float:
    """The position stated on issue ``k`` at ``step`` (fraction of the bound; + exaggeration)."""
    lo, hi = setup.problem.scale[k]
    x = setup.true_position[k] + step * setup.credible_position[k] * directions(setup)[k]
    return float(np.clip(x, lo, hi))


def shown_salience(setup: Setup, k: int, step: float) -> float:
    """The salience shown on issue ``k`` at ``step`` (fraction of the bound), on [0, 1]."""
    return float(np.clip(setup.true_salience[k] + step * setup.credible_salience[k], 0.0, 1.0))


def stance_edit(key: str, f: int, position: dict[int, float], salience: dict[int, float]) -> Edit:
    """An edit setting the focal actor's stated positions and shown saliences on some issues."""
    issues = tuple(sorted(set(position) | set(salience)))

    def apply(pos: np.ndarray, sal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        for k, v in position.items():
            pos[:, f, k] = v
        for k, v in salience.items():
            sal[:, f, k] = v
        return pos, sal

    return Edit(key, issues, apply)


def grid(
    setup: Setup,
    position_steps: tuple[float, ...] = POSITION_STEPS,
    salience_steps: tuple[float, ...] = SALIENCE_STEPS,
) -> list[tuple[int, str, float, float, Edit]]:
    """Every one-issue counterfactual of the stance grid: (issue, kind, step, value, edit).

    Steps are signed fractions of the credible bounds (+ exaggeration / more salience).
    """
    out = []
    f = setup.focal
    for k in setup.own_issues:
        iss = setup.problem.issues[k]
        for t in position_steps:
            v = stated_position(setup, k, t)
            if v != setup.true_position[k]:
                out.append(
                    (k, "position", t, v, stance_edit(f"stance:{iss}:p{t:+g}", f, {k: v}, {}))
                )
        for t in salience_steps:
            v = shown_salience(setup, k, t)
            if v != setup.true_salience[k]:
                out.append(
                    (k, "salience", t, v, stance_edit(f"stance:{iss}:s{t:+g}", f, {}, {k: v}))
                )
    return out


def options(
    setup: Setup,
    cells: list[tuple[int, str, float, float, Edit]],
    gains: dict[str, dict[str, Gain]],
) -> list[StanceOption]:
    """The grid's options with their gains (``gains[model][edit key]``)."""
    out = []
    for k, kind, t, v, e in cells:
        g = {m: gains[m][e.key] for m in gains}
        true = setup.true_position[k] if kind == "position" else setup.true_salience[k]
        out.append(StanceOption(setup.problem.issues[k], kind, t, v, float(true), g, robustness(g)))
    return out


def _pick(opts: list[StanceOption], score: Any) -> StanceOption | None:  # noqa: ANN401
    best = None
    for o in opts:
        s = score(o)
        if s is not None and (best is None or s > best[0]):
            best = (s, o)
    return None if best is None else best[1]


def choose(setup: Setup, opts: list[StanceOption], model: str | None) -> tuple[dict, dict, dict]:
    """Per issue the best position and salience under ``model`` (or the robust ones for ``None``).

    Returns (positions by issue index, saliences by issue index, rewards by issue id).
    """
    pos: dict[int, float] = {}
    sal: dict[int, float] = {}
    rewards: dict[str, str] = {}
    for k in setup.own_issues:
        iss = setup.problem.issues[k]
        for kind, target in (("position", pos), ("salience", sal)):
            cand = [o for o in opts if o.issue == iss and o.kind == kind]
            if model is None:
                o = _pick(cand, lambda o: o.robustness.key() if o.robustness.robust else None)
            else:
                o = _pick(
                    cand,
                    lambda o: (
                        o.gains[model].mean
                        if np.isfinite(o.gains[model].mean) and o.gains[model].mean > 1e-6
                        else None
                    ),
                )
            if o is not None:
                target[k] = o.value
            if kind == "position":
                rewards[iss] = (
                    "true" if o is None else ("exaggeration" if o.step > 0 else "moderation")
                )
    return pos, sal, rewards
