"""Property tests: every reported equilibrium survives an independent no-profitable-deviation check.

The check (:func:`brute_regret`) is written here from the definition of Nash equilibrium, apart
from the solver module: for each player, the payoff of each pure strategy against the others'
mixtures is summed over every pure profile explicitly.
"""

from __future__ import annotations

import itertools

import nashpy
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from melian.games.build import ExtensiveForm, Node, NormalForm
from melian.games.solve import (
    deviation_gain,
    gambit_regret,
    mixed_equilibria,
    pure_equilibria,
    pure_equilibria_numpy,
    subgame_perfect,
)

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def brute_regret(pay: np.ndarray, sigma: list[np.ndarray]) -> float:
    """Largest deviation gain, by explicit summation over every pure profile."""
    n = len(sigma)
    shape = pay.shape[1:]
    worst = 0.0
    for i in range(n):
        values = np.zeros(shape[i])
        for prof in itertools.product(*(range(k) for k in shape)):
            prob_others = np.prod([sigma[j][prof[j]] for j in range(n) if j != i])
            values[prof[i]] += prob_others * pay[(i, *prof)]
        worst = max(worst, float(values.max() - values @ sigma[i]))
    return worst


@st.composite
def games(draw: st.DrawFn, players: int) -> NormalForm:
    """Random normal-form games with integer payoffs in [-5, 5] (ties and degeneracy allowed)."""
    shape = tuple(draw(st.integers(2, 3)) for _ in range(players))
    size = players * int(np.prod(shape))
    vals = draw(st.lists(st.integers(-5, 5), min_size=size, max_size=size))
    pay = np.array(vals, dtype=float).reshape((players, *shape))
    strategies = tuple(tuple(f"s{k}" for k in range(n)) for n in shape)
    return NormalForm("random", tuple(f"p{i}" for i in range(players)), strategies, pay)


def _sigma(g: NormalForm, e: object) -> list[np.ndarray]:
    return [
        np.array([e.profile[p][s] for s in st_])
        for p, st_ in zip(g.players, g.strategies, strict=True)  # type: ignore[attr-defined]
    ]


@SETTINGS
@given(games(2))
def test_two_player_equilibria_have_no_profitable_deviation(g: NormalForm) -> None:
    eqs, _, _ = mixed_equilibria(g)
    assert eqs, "every finite game has an equilibrium"
    for e in eqs:
        assert brute_regret(g.payoffs, _sigma(g, e)) <= 1e-6


@SETTINGS
@given(games(3))
def test_three_player_equilibria_have_no_profitable_deviation(g: NormalForm) -> None:
    eqs, _, _ = mixed_equilibria(g)
    for e in eqs:
        assert brute_regret(g.payoffs, _sigma(g, e)) <= 1e-6


@SETTINGS
@given(games(3))
def test_pure_equilibria_agree_with_brute_force(g: NormalForm) -> None:
    eqs = pure_equilibria(g)  # raises if pygambit and numpy disagree
    want = {
        prof
        for prof in itertools.product(*(range(n) for n in g.shape))
        if brute_regret(g.payoffs, [np.eye(n)[k] for n, k in zip(g.shape, prof, strict=True)])
        <= 1e-12
    }
    assert set(pure_equilibria_numpy(g)) == want
    assert len(eqs) == len(want)


@SETTINGS
@given(
    st.lists(st.floats(-10, 10, allow_nan=False), min_size=8, max_size=8),
    st.lists(st.floats(-10, 10, allow_nan=False), min_size=8, max_size=8),
)
def test_nondegenerate_two_player_matches_nashpy(a: list[float], b: list[float]) -> None:
    """On generic 2x4 games enummixed and nashpy's vertex enumeration find the same set."""
    A = np.array(a).reshape(2, 4) + np.linspace(0, 1e-3, 8).reshape(2, 4)  # break exact ties
    B = np.array(b).reshape(2, 4) + np.linspace(0, 1e-3, 8).reshape(2, 4)[::-1]
    g = NormalForm("r", ("r", "c"), (("a", "b"), ("w", "x", "y", "z")), np.array([A, B]))
    ours, _, _ = mixed_equilibria(g)
    # nashpy's vertex enumeration uses loose tolerances and can return a profile that is not an
    # equilibrium (a best response off by ~1e-4): keep only the profiles that truly are
    theirs = [
        (x, y)
        for x, y in nashpy.Game(A, B).vertex_enumeration()
        if brute_regret(g.payoffs, [np.asarray(x), np.asarray(y)]) <= 1e-9
    ]
    if not theirs:
        return
    for x, y in theirs:
        assert any(
            np.allclose(_sigma(g, e)[0], x, atol=1e-6)
            and np.allclose(_sigma(g, e)[1], y, atol=1e-6)
            for e in ours
        )


@st.composite
def trees(draw: st.DrawFn) -> ExtensiveForm:
    """Random perfect-information trees: 2-3 players, depth 2-3, 2-3 actions, integer payoffs."""
    n = draw(st.integers(2, 3))
    depth = draw(st.integers(2, 3))
    players = tuple(f"p{i}" for i in range(n))

    def build(level: int) -> Node:
        if level == depth:
            vals = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))
            return Node("terminal", payoffs=np.array(vals, dtype=float))
        k = draw(st.integers(2, 3))
        return Node(
            "move",
            player=players[level % n],
            actions=tuple(f"a{j}" for j in range(k)),
            children=[build(level + 1) for _ in range(k)],
        )

    return ExtensiveForm("random tree", players, build(0))


@SETTINGS
@given(trees())
def test_every_spe_has_no_one_shot_deviation_and_is_nash_for_gambit(ef: ExtensiveForm) -> None:
    spe = subgame_perfect(ef, limit=8)
    assert spe
    game = ef.to_gambit()
    for s in spe:
        assert deviation_gain(ef, s.strategy) <= 1e-9
        assert gambit_regret(ef, s.strategy, game) <= 1e-9
