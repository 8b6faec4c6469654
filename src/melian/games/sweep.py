"""How equilibria and claims change with the payoff parameters: one- and two-parameter sweeps.

A sweep rebuilds the game at each grid value of the swept game parameter(s) (option and shock
effects still apply on top) and records the equilibrium outcome: the subgame-perfect path of the
extensive form (in the no-shock state), the pure Nash equilibria of the normal form, and the truth
of every claim. Consecutive grid values with the same outcome form an **equilibrium region**.
Solving uses melian's own backward induction and numpy enumeration (verified against pygambit in
the tests), so sweeps do not call Gambit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from melian.errors import InputError, LimitError, Problem
from melian.games.build import extensive_form, leaf_components, normal_form
from melian.games.claims import ClaimContext, evaluate_claims
from melian.games.payoffs import Framing, GameData, game_data, with_parameters
from melian.games.solve import pure_equilibria_numpy, subgame_perfect
from melian.scenario.schema import Scenario

MAX_POINTS = 10_000
UNIT_INTERVAL = (
    "security_weight",
    "autonomy_weight",
    "abandonment_risk",
    "entrapment_risk",
    "hostile_threat",
    "security_provision",
    "conflict",
    "posture",
)


def context(
    scenario: Scenario,
    framing: Framing | None = None,
    overrides: Mapping[str, float] | None = None,
    spe_limit: int = 16,
    base: GameData | None = None,
) -> ClaimContext:
    """Build both forms and the SPE list for one framing and parameter set.

    ``base`` is game data already collected from ``scenario``; it is reused with the overrides
    applied (much cheaper than collecting it again in a sweep).
    """
    if base is not None:
        d = with_parameters(base, overrides, framing)
    else:
        d = game_data(scenario, framing, overrides)
    leaves = leaf_components(d)
    nf = normal_form(d, leaves)
    ef = extensive_form(d, leaves)
    return ClaimContext(d, nf, ef, leaves, subgame_perfect(ef, limit=spe_limit))


def outcome_label(ctx: ClaimContext) -> str:
    """The SPE play in the first shock state (no shock), e.g. ``ally-us / support / accept``."""
    labels = set()
    for s in ctx.spe:
        path = ctx.prefix(0)
        acts = []
        for _ in range(1 + len(ctx.data.players)):
            a = s.strategy[path]
            acts.append(a)
            path = (*path, a)
        labels.add(" / ".join(acts))
    return " | ".join(sorted(labels))


def nash_label(ctx: ClaimContext) -> str:
    """The pure Nash equilibria of the normal form (``none`` if there is none)."""
    eqs = pure_equilibria_numpy(ctx.nf)
    if not eqs:
        return "none (mixed only)"
    return " | ".join(
        " / ".join(st[i] for st, i in zip(ctx.nf.strategies, e, strict=True)) for e in eqs
    )


def parameter_range(scenario: Scenario, name: str) -> tuple[float, float]:
    """Default sweep range: the parameter's support, else [0, 1] for unit-interval quantities,
    else [0, 2 x value] (at least [0, 1]).
    """
    par = _param(scenario, name)
    lo, hi = par.support
    if lo < hi:
        return lo, hi
    if name.split(".")[0] in UNIT_INTERVAL:
        return 0.0, 1.0
    return 0.0, max(2.0 * abs(lo), 1.0)


def _param(scenario: Scenario, name: str) -> Any:  # noqa: ANN401
    g = scenario.game
    key = name[5:] if name.startswith("game.") else name
    if g is None or key not in g.parameters:
        known = ", ".join(sorted(g.parameters)) if g is not None else "none"
        raise InputError(
            [
                Problem(
                    "<parameters>",
                    None,
                    None,
                    "game.parameters",
                    f"unknown game parameter {name!r} (declared: {known})",
                )
            ]
        )
    return g.parameters[key]


def _key(name: str) -> str:
    return name[5:] if name.startswith("game.") else name


@dataclass
class Region:
    """A run of consecutive grid values with the same outcome."""

    low: float
    high: float
    outcome: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        return {"low": self.low, "high": self.high, "outcome": self.outcome}


def regions(values: Sequence[float], labels: Sequence[str]) -> list[Region]:
    """Group consecutive equal labels into regions (bounds are the first and last grid values)."""
    out: list[Region] = []
    for v, lab in zip(values, labels, strict=True):
        if out and out[-1].outcome == lab:
            out[-1].high = float(v)
        else:
            out.append(Region(float(v), float(v), lab))
    return out


@dataclass
class Sweep1:
    """A one-parameter sweep: outcome, pure NE and claim truth at every grid value."""

    parameter: str
    framing: str
    values: list[float]
    spe: list[str]
    nash: list[str]
    claims: dict[str, list[bool | None]] = field(default_factory=dict)

    @property
    def spe_regions(self) -> list[Region]:
        """Regions of the subgame-perfect outcome."""
        return regions(self.values, self.spe)

    @property
    def nash_regions(self) -> list[Region]:
        """Regions of the normal form's pure-equilibrium set."""
        return regions(self.values, self.nash)

    def claim_regions(self, claim: str) -> list[Region]:
        """Regions where a claim holds (``true``) or not (``false``/``n/a``)."""
        labs = ["n/a" if h is None else str(h).lower() for h in self.claims[claim]]
        return regions(self.values, labs)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        return {
            "parameter": self.parameter,
            "framing": self.framing,
            "values": self.values,
            "spe": self.spe,
            "nash": self.nash,
            "claims": self.claims,
            "spe_regions": [r.to_dict() for r in self.spe_regions],
            "nash_regions": [r.to_dict() for r in self.nash_regions],
        }


def _grid(
    scenario: Scenario, name: str, values: Sequence[float] | None, points: int
) -> list[float]:
    if values is not None:
        return [float(v) for v in values]
    lo, hi = parameter_range(scenario, name)
    return [float(v) for v in np.linspace(lo, hi, points)]


def sweep1(
    scenario: Scenario,
    parameter: str,
    values: Sequence[float] | None = None,
    framing: Framing | None = None,
    points: int = 11,
) -> Sweep1:
    """Sweep one game parameter over ``values`` (default: its range, ``points`` values)."""
    _param(scenario, parameter)
    grid = _grid(scenario, parameter, values, points)
    if len(grid) > MAX_POINTS:
        raise LimitError(f"{len(grid)} sweep points exceed the cap of {MAX_POINTS}")
    fr: Framing = framing or scenario.game.framing  # type: ignore[union-attr]
    res = Sweep1(_key(parameter), fr, grid, [], [])
    base = game_data(scenario, fr)
    for v in grid:
        ctx = context(scenario, fr, {_key(parameter): v}, base=base)
        res.spe.append(outcome_label(ctx))
        res.nash.append(nash_label(ctx))
        for c in evaluate_claims(ctx):
            res.claims.setdefault(c.id, []).append(c.holds)
    return res


@dataclass
class Sweep2:
    """A two-parameter sweep: the SPE outcome on a grid, with a legend of distinct outcomes."""

    parameters: tuple[str, str]
    framing: str
    values: tuple[list[float], list[float]]
    outcome: list[list[int]]
    legend: list[str]

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (``outcome[i][j]`` indexes ``legend`` at values[0][i], values[1][j])."""
        return {
            "parameters": list(self.parameters),
            "framing": self.framing,
            "values": [self.values[0], self.values[1]],
            "outcome": self.outcome,
            "legend": self.legend,
        }


def sweep2(
    scenario: Scenario,
    p1: str,
    p2: str,
    values1: Sequence[float] | None = None,
    values2: Sequence[float] | None = None,
    framing: Framing | None = None,
    points: int = 9,
) -> Sweep2:
    """Sweep two game parameters jointly; record the SPE outcome region of every grid cell."""
    _param(scenario, p1)
    _param(scenario, p2)
    g1 = _grid(scenario, p1, values1, points)
    g2 = _grid(scenario, p2, values2, points)
    if len(g1) * len(g2) > MAX_POINTS:
        raise LimitError(f"{len(g1) * len(g2)} sweep points exceed the cap of {MAX_POINTS}")
    fr: Framing = framing or scenario.game.framing  # type: ignore[union-attr]
    legend: list[str] = []
    grid: list[list[int]] = []
    base = game_data(scenario, fr)
    for v1 in g1:
        row = []
        for v2 in g2:
            lab = outcome_label(context(scenario, fr, {_key(p1): v1, _key(p2): v2}, base=base))
            if lab not in legend:
                legend.append(lab)
            row.append(legend.index(lab))
        grid.append(row)
    return Sweep2((_key(p1), _key(p2)), fr, (g1, g2), grid, legend)


def default_parameters(scenario: Scenario) -> list[str]:
    """The game parameters worth sweeping: those declared with a distribution, else all."""
    g = scenario.game
    if g is None:
        return []
    unc = [k for k, p in g.parameters.items() if not p.is_fixed]
    return unc or list(g.parameters)
