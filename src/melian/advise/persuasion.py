"""Whom to persuade: the focal actor's gain if another actor's position or salience moved a step
towards it, per model, ranked.

For every other actor j: *position* moves j's position on every issue the focal actor cares about
by ``step`` x (scale width) towards the focal actor's true position (never past it); *salience*
raises j's salience by ``salience step`` on the issues where j stands closer to the focal actor than
the capability x salience weighted centre of all actors does (j's pull helps there) and lowers it
where j stands further (its pull hurts). In the compromise model the first has the closed form
dU ~ 100 sum_k s*_k w_jk / W_k min(step, |x_jk - x*_k|) / width_k / sum_k s*_k while the outcome
stays on the same side of x* (w = c s, W = sum w): the best target is the actor with the largest
salience-weighted weight share where it is not already at the focal actor's position.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from melian.advise.core import Edit, Gain, Robustness, Setup


@dataclass(frozen=True)
class Target:
    """A persuasion target: actor, kind of move (``position``/``salience``) and gain per model.

    ``rank`` gives its rank per model (1 = best) among all targets of the analysis.
    """

    actor: str
    kind: str
    gains: dict[str, Gain]
    robustness: Robustness
    rank: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "actor": self.actor,
            "kind": self.kind,
            "gains": {m: g.to_dict() for m, g in self.gains.items()},
            "robustness": self.robustness.to_dict(),
            "rank": self.rank,
        }


def persuasion_edits(
    setup: Setup, step: float, salience_step: float
) -> list[tuple[str, str, Edit]]:
    """(actor, kind, edit) for every other actor holding a position on an issue the focal cares about."""
    f = setup.focal
    own = np.array(setup.own_issues, dtype=int)
    x_star = setup.true_position
    width = setup.width
    out: list[tuple[str, str, Edit]] = []
    for j, name in enumerate(setup.problem.actors):
        if j == f:
            continue
        mine = [int(k) for k in own if not np.isnan(setup.problem.position[j, k])]
        if not mine:
            continue
        ks = np.array(mine)

        def move(pos: np.ndarray, sal: np.ndarray, j: int = j, ks: np.ndarray = ks) -> tuple:
            d = x_star[ks] - pos[:, j, ks]
            pos[:, j, ks] += np.sign(d) * np.minimum(step * width[ks], np.abs(d))
            return pos, sal

        def care(pos: np.ndarray, sal: np.ndarray, j: int = j, ks: np.ndarray = ks) -> tuple:
            w = np.where(np.isnan(pos), 0.0, np.nan_to_num(sal)) * setup.capability[:, :, None]
            c = (w * np.nan_to_num(pos)).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-300)
            closer = np.abs(pos[:, j, ks] - x_star[ks]) < np.abs(c[:, ks] - x_star[ks])
            sal[:, j, ks] = np.clip(
                sal[:, j, ks] + np.where(closer, 1.0, -1.0) * salience_step, 0, 1
            )
            return pos, sal

        out.append((name, "position", Edit(f"persuade:{name}:position", tuple(mine), move)))
        out.append((name, "salience", Edit(f"persuade:{name}:salience", tuple(mine), care)))
    return out


def targets(
    setup: Setup, cells: list[tuple[str, str, Edit]], gains: dict[str, dict[str, Gain]]
) -> list[Target]:
    """Targets with gains and per-model ranks, sorted by robustness (best first)."""
    from melian.advise.core import robustness  # lazy: core imports this module (cycle)

    rows = []
    for actor, kind, e in cells:
        g = {m: gains[m][e.key] for m in gains}
        rows.append((actor, kind, g, robustness(g)))
    ranks: dict[tuple[str, str], dict[str, int]] = {(a, k): {} for a, k, _, _ in rows}
    for m in gains:
        order = sorted(
            rows, key=lambda r: -(r[2][m].mean if np.isfinite(r[2][m].mean) else -np.inf)
        )
        for i, r in enumerate(order):
            ranks[(r[0], r[1])][m] = i + 1
    out = [Target(a, k, g, rb, ranks[(a, k)]) for a, k, g, rb in rows]
    out.sort(key=lambda t: t.robustness.key(), reverse=True)
    return out
