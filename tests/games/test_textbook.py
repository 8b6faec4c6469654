"""Textbook games with known equilibria, solved through melian.games (pygambit) and checked.

References for the known answers: Osborne, *An Introduction to Game Theory* (2004), ch. 2-4
(prisoner's dilemma, battle of the sexes, chicken / hawk-dove, matching pennies); Jordan (1993),
"Three problems in learning mixed-strategy Nash equilibria", GEB 5 (the three-player matching
pennies game, unique equilibrium at uniform mixing); Selten (1978), the chain-store stage game
(entry deterrence: two pure Nash equilibria, unique subgame-perfect equilibrium In/Accommodate).
"""

from __future__ import annotations

import nashpy
import numpy as np
import pytest

from melian.games.build import ExtensiveForm, Node, NormalForm
from melian.games.solve import (
    deviation_gain,
    gambit_logit_tree,
    gambit_regret,
    max_regret,
    mixed_equilibria,
    pure_equilibria,
    solve_normal,
    subgame_perfect,
)


def two_player(
    name: str, a: list[list[float]], b: list[list[float]], s1: tuple[str, ...], s2: tuple[str, ...]
) -> NormalForm:
    """A bimatrix game as a NormalForm."""
    return NormalForm(name, ("row", "col"), (s1, s2), np.array([a, b], dtype=float))


PD = two_player("prisoner's dilemma", [[3, 0], [5, 1]], [[3, 5], [0, 1]], ("C", "D"), ("C", "D"))
BOS = two_player("battle of the sexes", [[2, 0], [0, 1]], [[1, 0], [0, 2]], ("B", "S"), ("B", "S"))
CHICKEN = two_player(
    "chicken",
    [[0, -1], [1, -10]],
    [[0, 1], [-1, -10]],
    ("swerve", "straight"),
    ("swerve", "straight"),
)
PENNIES = two_player(
    "matching pennies", [[1, -1], [-1, 1]], [[-1, 1], [1, -1]], ("H", "T"), ("H", "T")
)

# (game, pure equilibria as labels, every equilibrium as (row mix, col mix))
KNOWN = [
    (PD, {"D / D"}, [((0, 1), (0, 1))]),
    (
        BOS,
        {"B / B", "S / S"},
        [((1, 0), (1, 0)), ((0, 1), (0, 1)), ((2 / 3, 1 / 3), (1 / 3, 2 / 3))],
    ),
    (
        CHICKEN,
        {"swerve / straight", "straight / swerve"},
        [((1, 0), (0, 1)), ((0, 1), (1, 0)), ((0.9, 0.1), (0.9, 0.1))],
    ),
    (PENNIES, set(), [((0.5, 0.5), (0.5, 0.5))]),
]


def _mixes(eqs: list) -> list[tuple[np.ndarray, np.ndarray]]:
    return [tuple(np.array(list(m.values())) for m in e.profile.values()) for e in eqs]


def _same_sets(
    got: list[tuple[np.ndarray, ...]], want: list[tuple[np.ndarray, ...]], tol: float = 1e-6
) -> bool:
    def has(lst: list, x: tuple) -> bool:
        return any(all(np.allclose(a, b, atol=tol) for a, b in zip(x, y, strict=True)) for y in lst)

    return (
        len(got) == len(want) and all(has(want, g) for g in got) and all(has(got, w) for w in want)
    )


@pytest.mark.parametrize(("game", "pure", "every"), KNOWN, ids=[k[0].title for k in KNOWN])
def test_two_player_known_equilibria(game: NormalForm, pure: set[str], every: list) -> None:
    sol = solve_normal(game, qre_points=0)
    assert {e.label() for e in sol.pure} == pure
    assert sol.mixed_solver == "gambit:enummixed" and sol.mixed_complete
    want = [tuple(np.array(x, dtype=float) for x in eq) for eq in every]
    assert _same_sets(_mixes(sol.mixed), want)
    for e in sol.pure + sol.mixed:
        assert e.max_regret <= 1e-9


@pytest.mark.parametrize("game", [k[0] for k in KNOWN], ids=[k[0].title for k in KNOWN])
def test_two_player_cross_checked_with_nashpy(game: NormalForm) -> None:
    ours, _, _ = mixed_equilibria(game)
    theirs = list(nashpy.Game(game.payoffs[0], game.payoffs[1]).support_enumeration())
    assert _same_sets(_mixes(ours), [tuple(map(np.asarray, t)) for t in theirs])


def test_prisoners_dilemma_qre_tends_to_defection() -> None:
    sol = solve_normal(PD, qre_points=20)
    lams = [q.lam for q in sol.qre]
    assert lams == sorted(lams) and lams[0] == pytest.approx(0.0)
    assert sol.qre[0].profile["row"]["C"] == pytest.approx(0.5)  # lambda = 0: uniform play
    assert sol.qre[-1].profile["row"]["D"] > 0.999


def test_three_player_matching_pennies_unique_uniform_equilibrium() -> None:
    """Jordan's game: 1 matches 2, 2 matches 3, 3 mismatches 1 (payoffs +1 / -1)."""
    pay = np.zeros((3, 2, 2, 2))
    for i, j, k in np.ndindex(2, 2, 2):
        pay[0, i, j, k] = 1 if i == j else -1
        pay[1, i, j, k] = 1 if j == k else -1
        pay[2, i, j, k] = 1 if k != i else -1
    g = NormalForm("Jordan", ("1", "2", "3"), (("H", "T"),) * 3, pay)
    assert pure_equilibria(g) == []
    eqs, solver, complete = mixed_equilibria(g)
    assert solver.startswith("gambit:enumpoly") and complete
    assert len(eqs) == 1
    for m in eqs[0].profile.values():
        assert list(m.values()) == pytest.approx([0.5, 0.5], abs=1e-7)


def test_three_player_majority_game_all_equilibria() -> None:
    """Each of three players scores 1 if its choice is the majority's. Equilibria: AAA, BBB and
    uniform mixing (with p_i the probability of A, player i is indifferent iff the other two
    disagree with probability 1/2 each way, which forces p = 1/2 for all or a pure profile); a
    grid search over all mixed profiles confirms there is no other."""
    pay = np.zeros((3, 2, 2, 2))
    for prof in np.ndindex(2, 2, 2):
        maj = int(sum(prof) >= 2)
        for i in range(3):
            pay[(i, *prof)] = 1.0 if prof[i] == maj else 0.0
    g = NormalForm("majority", ("1", "2", "3"), (("A", "B"),) * 3, pay)
    assert {e.label() for e in pure_equilibria(g)} == {"A / A / A", "B / B / B"}
    eqs, _, complete = mixed_equilibria(g)
    assert complete
    got = sorted(tuple(round(m["A"], 9) for m in e.profile.values()) for e in eqs)
    assert got == [(0.0, 0.0, 0.0), (0.5, 0.5, 0.5), (1.0, 1.0, 1.0)]
    grid = np.linspace(0, 1, 21)
    found = {
        (a, b, c)
        for a in grid
        for b in grid
        for c in grid
        if max_regret(g, [np.array([x, 1 - x]) for x in (a, b, c)]) < 1e-9
    }
    assert found == {(0.0, 0.0, 0.0), (0.5, 0.5, 0.5), (1.0, 1.0, 1.0)}


def entry_game() -> ExtensiveForm:
    """Selten's entry deterrence: Out (0, 2); In then Fight (-1, -1) or Accommodate (1, 1)."""
    fight = Node("terminal", payoffs=np.array([-1.0, -1.0]))
    acc = Node("terminal", payoffs=np.array([1.0, 1.0]))
    inc = Node("move", player="Incumbent", actions=("Fight", "Accommodate"), children=[fight, acc])
    root = Node(
        "move",
        player="Entrant",
        actions=("In", "Out"),
        children=[inc, Node("terminal", payoffs=np.array([0.0, 2.0]))],
    )
    return ExtensiveForm("entry deterrence", ("Entrant", "Incumbent"), root)


def test_entry_deterrence_unique_spe_and_the_non_credible_threat() -> None:
    ef = entry_game()
    spe = subgame_perfect(ef)
    assert len(spe) == 1
    assert spe[0].strategy == {(): "In", ("In",): "Accommodate"}
    assert spe[0].payoffs == {"Entrant": 1.0, "Incumbent": 1.0}
    assert gambit_regret(ef, spe[0].strategy) == pytest.approx(0.0)
    threat = {(): "Out", ("In",): "Fight"}
    # (Out, Fight) is a Nash equilibrium (Gambit: no regret) but not subgame-perfect
    assert gambit_regret(ef, threat) == pytest.approx(0.0)
    assert deviation_gain(ef, threat) == pytest.approx(2.0)
    limit = gambit_logit_tree(ef)["behaviour"]
    assert limit[()]["In"] > 0.99 and limit[("In",)]["Accommodate"] > 0.99


def test_entry_deterrence_pure_nash_of_the_tree_via_gambit() -> None:
    import pygambit as gbt

    game = entry_game().to_gambit()
    res = gbt.nash.enumpure_solve(game)
    assert len(res.equilibria) == 2  # (In, Accommodate) and (Out, Fight)


def test_chance_node_expected_values() -> None:
    """Nature picks the state (1/4, 3/4); the mover observes it and picks the better action."""

    def leaf(x: float) -> Node:
        return Node("terminal", payoffs=np.array([x]))

    from fractions import Fraction

    root = Node(
        "chance",
        actions=("bad", "good"),
        probs=(Fraction(1, 4), Fraction(3, 4)),
        children=[
            Node("move", player="P", actions=("a", "b"), children=[leaf(1.0), leaf(2.0)]),
            Node("move", player="P", actions=("a", "b"), children=[leaf(4.0), leaf(3.0)]),
        ],
    )
    ef = ExtensiveForm("chance", ("P",), root)
    spe = subgame_perfect(ef)
    assert len(spe) == 1
    assert spe[0].strategy == {("bad",): "b", ("good",): "a"}
    assert spe[0].payoffs["P"] == pytest.approx(0.25 * 2 + 0.75 * 4)
    assert gambit_regret(ef, spe[0].strategy) == pytest.approx(0.0)


def test_ties_list_every_spe() -> None:
    """The follower is indifferent: two SPE, with different leader choices."""

    def leaf(a: float, b: float) -> Node:
        return Node("terminal", payoffs=np.array([a, b]))

    follower = Node("move", player="F", actions=("x", "y"), children=[leaf(3, 1), leaf(0, 1)])
    root = Node("move", player="L", actions=("go", "stop"), children=[follower, leaf(1, 0)])
    spe = subgame_perfect(ExtensiveForm("ties", ("L", "F"), root))
    got = {(s.strategy[()], s.strategy[("go",)]) for s in spe}
    assert got == {("go", "x"), ("stop", "y")}


def test_max_regret_detects_a_non_equilibrium() -> None:
    sig = [np.array([1.0, 0.0]), np.array([1.0, 0.0])]  # (C, C) in the prisoner's dilemma
    assert max_regret(PD, sig) == pytest.approx(2.0)
