"""Linkage: which concessions on issues the focal actor cares less about buy movement on the issues
it cares about most.

Two sources. (1) Counterfactual packages, for every model: on a *give* issue (low true salience)
the focal actor states a moderate position (its full credible distance towards the other actors'
centre) and shows less salience; on a *get* issue (high true salience) it shows more salience.
The candidates pair the three issues it cares least about with the two it cares most about.
(2) The exchange model's own trades (Stokman & van Oosten 1994): every executed exchange in which
the focal actor takes part names the partner, the issue on which the focal actor gives ground and
the one on which it gains; they are collected over the sampled worlds with the model's equal gain
(salience x scale points).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from melian.advise.core import Edit, Gain, Robustness, Setup, robustness
from melian.advise.stance import shown_salience, stance_edit, stated_position

GIVE_ISSUES = 3
GET_ISSUES = 2


@dataclass(frozen=True)
class Package:
    """A linkage package: concede on ``give`` (state ``give_position``, show less salience), insist
    on ``get`` (show more salience), with its gain per model.
    """

    give: str
    get: str
    give_position: float
    give_true: float
    gains: dict[str, Gain]
    robustness: Robustness

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "give": self.give,
            "get": self.get,
            "give_position": self.give_position,
            "give_true": self.give_true,
            "gains": {m: g.to_dict() for m, g in self.gains.items()},
            "robustness": self.robustness.to_dict(),
        }


@dataclass(frozen=True)
class Trade:
    """An exchange-model trade of the focal actor: with ``partner``, giving ground on ``give`` for
    movement on ``get``; ``share`` of sampled worlds in which it is executed (the central world
    when none are sampled), its mean equal ``gain`` there, and whether it happens centrally.
    """

    partner: str
    give: str
    get: str
    share: float
    gain: float
    central: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "partner": self.partner,
            "give": self.give,
            "get": self.get,
            "share": round(self.share, 6),
            "gain": round(self.gain, 6),
            "central": self.central,
        }


def package_edits(setup: Setup) -> list[tuple[int, int, float, Edit]]:
    """(give issue, get issue, stated position on give, edit) for the candidate packages."""
    own = setup.own_issues
    s = setup.true_salience
    by_sal = sorted(own, key=lambda k: (s[k], k))
    give = by_sal[:GIVE_ISSUES]
    get = sorted(own, key=lambda k: (-s[k], k))[:GET_ISSUES]
    out = []
    for a in give:
        for b in get:
            if a == b or not s[a] < s[b]:
                continue
            v = stated_position(setup, a, -1.0)
            key = f"link:{setup.problem.issues[a]}>{setup.problem.issues[b]}"
            e = stance_edit(
                key,
                setup.focal,
                {a: v},
                {a: shown_salience(setup, a, -1.0), b: shown_salience(setup, b, 1.0)},
            )
            out.append((a, b, v, e))
    return out


def packages(
    setup: Setup, cells: list[tuple[int, int, float, Edit]], gains: dict[str, dict[str, Gain]]
) -> list[Package]:
    """Packages with their gains, best (most robust) first."""
    out = []
    for a, b, v, e in cells:
        g = {m: gains[m][e.key] for m in gains}
        out.append(
            Package(
                setup.problem.issues[a],
                setup.problem.issues[b],
                v,
                float(setup.true_position[a]),
                g,
                robustness(g),
            )
        )
    out.sort(key=lambda p: p.robustness.key(), reverse=True)
    return out


def trades(setup: Setup, extras: list[Any]) -> list[Trade]:
    """The focal actor's exchange-model trades over the worlds (``extras[world]`` per block)."""
    focal = setup.problem.actors[setup.focal]
    sampled = range(1, len(extras)) if len(extras) > 1 else range(1)
    count: dict[tuple[str, str, str], int] = defaultdict(int)
    total: dict[tuple[str, str, str], float] = defaultdict(float)
    central: set[tuple[str, str, str]] = set()
    for w in range(len(extras)):
        seen = set()
        for extra in extras[w] or []:
            for ex in (extra or {}).get("exchanges", []):
                if ex["i"] == focal:  # focal supplies on p, demands q
                    key = (ex["j"], ex["p"], ex["q"])
                elif ex["j"] == focal:  # focal supplies on q, demands p
                    key = (ex["i"], ex["q"], ex["p"])
                else:
                    continue
                if w == 0:
                    central.add(key)
                if w in sampled and key not in seen:
                    seen.add(key)
                    count[key] += 1
                    total[key] += float(ex["gain"])
    n = len(sampled)
    out = [Trade(k[0], k[1], k[2], count[k] / n, total[k] / count[k], k in central) for k in count]
    out.sort(key=lambda t: (-t.share, -t.gain, t.partner, t.give, t.get))
    return out
