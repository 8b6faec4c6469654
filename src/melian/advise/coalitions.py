"""Coalitions: on each issue, the actors whose interests align with the focal actor's.

With O_k the consensus forecast of issue k (the median over the models of their central point
forecasts), an actor is an *ally* on k when it stands on the same side of O_k as the focal actor's
true position (both would gain if the outcome moved towards the focal actor), an *opponent* when it
stands on the other side. The coalition's weight is its capability x salience share of the issue,
the quantity that moves the compromise outcome (Achen 2006).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from melian.advise.core import Setup


@dataclass(frozen=True)
class Coalition:
    """The focal actor's allies and opponents on one issue, with their weight shares (0-1)."""

    issue: str
    forecast: float
    allies: tuple[str, ...]
    opponents: tuple[str, ...]
    ally_weight: float
    opponent_weight: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "issue": self.issue,
            "forecast": round(self.forecast, 6),
            "allies": list(self.allies),
            "opponents": list(self.opponents),
            "ally_weight": round(self.ally_weight, 6),
            "opponent_weight": round(self.opponent_weight, 6),
        }


def coalitions(setup: Setup, forecast: np.ndarray) -> list[Coalition]:
    """Per issue the focal actor cares about, its allies and opponents around ``forecast``."""
    p = setup.problem
    f = setup.focal
    out = []
    for k in setup.own_issues:
        o = float(forecast[k])
        xf = setup.true_position[k]
        side_f = np.sign(xf - o)
        pos = p.position[:, k]
        w = np.where(np.isnan(pos), 0.0, p.capability * np.nan_to_num(p.salience[:, k]))
        power = p.meta.get("power")
        if power is not None:
            pw = np.asarray(power, float)[:, k]
            w = np.where(np.isnan(pw), w, pw * np.nan_to_num(p.salience[:, k]))
        tot = w.sum()
        allies, opp = [], []
        wa = wo = 0.0
        for j, name in enumerate(p.actors):
            if j == f or np.isnan(pos[j]) or not np.isfinite(o):
                continue
            side = np.sign(pos[j] - o)
            if side_f != 0 and side == side_f:
                allies.append(name)
                wa += w[j]
            elif side_f != 0 and side == -side_f:
                opp.append(name)
                wo += w[j]
        allies.sort(key=lambda a: -w[p.actors.index(a)])
        opp.sort(key=lambda a: -w[p.actors.index(a)])
        ally = float((wa + w[f]) / tot) if tot > 0 else 0.0
        oppose = float(wo / tot) if tot > 0 else 0.0
        out.append(Coalition(p.issues[k], o, tuple(allies), tuple(opp), ally, oppose))
    return out
