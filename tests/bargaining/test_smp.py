"""KTAB's Spatial Model of Politics: fidelity to KTAB's own histories, building blocks, edge cases.

Reference data: tests/data/ktab (see PROVENANCE.md). KTAB printed positions to 0.1 (on 0-100) and
win probabilities to 1e-4, so the tolerances are 0.1 and 1e-3.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from melian.bargaining import smp
from melian.bargaining.base import BargainingProblem, Forecast
from melian.bargaining.io.ktab_csv import read_ktab_csv
from melian.bargaining.registry import get_model, run_model
from melian.errors import ModelError

DATA = Path(__file__).resolve().parents[1] / "data" / "ktab"
POS_TOL = 0.1
WIN_TOL = 1e-3

# KTAB's reference histories (tests/data/ktab/expected) and their number of states.
MATCHING_PREFIX = {
    "SOE-Policy": 20,
    "SOE-Pol-Comp": 28,
    "dummyData_3Dim": 11,
    "dummyData-a040": 21,
}


@cache
def problem(name: str) -> BargainingProblem:
    return read_ktab_csv(DATA / f"{name}.csv")


@cache
def expected(name: str) -> dict:
    return json.loads((DATA / "expected" / f"{name}.json").read_text())


@cache
def forecast(name: str, **params) -> Forecast:
    return run_model("smp", problem(name), **params)


def history(f: Forecast) -> np.ndarray:
    """Positions (states, actors, dims) on the issue scale."""
    return np.stack([i.trajectory for i in f.issues], axis=-1)


def first_mismatch(name: str) -> int:
    """Index of the first state whose positions or win probabilities leave the tolerance."""
    f = forecast(name)
    e = expected(name)
    pos = history(f)
    want_pos = np.asarray(e["positions"])
    want_win = np.asarray(e["win_probability"])
    for t in range(min(len(pos), len(want_pos))):
        if np.abs(pos[t] - want_pos[t]).max() > POS_TOL:
            return t
        if np.abs(f.win_probability[t] - want_win[t]).max() > WIN_TOL:
            return t
    return min(len(pos), len(want_pos))


@pytest.mark.parametrize("name", sorted(MATCHING_PREFIX))
def test_reference_history_prefix(name):
    """The first states reproduce KTAB's printed positions and win probabilities."""
    assert first_mismatch(name) >= MATCHING_PREFIX[name]


@pytest.mark.parametrize("name", sorted(MATCHING_PREFIX))
def test_reference_history_complete(name):
    """Acceptance: same number of states, every position within 0.1, win probability 1e-3."""
    f = forecast(name)
    e = expected(name)
    assert f.extra["states"] == e["states"]
    assert first_mismatch(name) == e["states"]


def test_soe_policy_point_forecast():
    f = forecast("SOE-Policy")
    assert f.issues[0].point == pytest.approx(38.57, abs=0.05)
    dist = f.issues[0].distribution
    assert sum(p for _, p in dist) == pytest.approx(1.0, abs=1e-9)
    assert f.issues[0].point == pytest.approx(sum(v * p for v, p in dist), abs=1e-9)


POINTS = [
    ("dummyData_3Dim", {}, (78.09, 35.64, 72.19)),
    ("SOE-Pol-Comp", {}, (39.73, 32.78)),
    ("dummyData_3Dim", {"victory_model": "square"}, (79.14, 32.84, 74.62)),
    ("dummyData_3Dim", {"election_model": "markov-incentive"}, (75.48, 48.38, 58.61)),
    (
        "dummyData_3Dim",
        {"election_model": "markov-incentive", "victory_model": "square"},
        (79.21, 39.87, 64.54),
    ),
    ("dummyData_3Dim", {"election_model": "markov-uniform"}, (70.56, 51.35, 57.56)),
    (
        "dummyData_3Dim",
        {"election_model": "markov-uniform", "victory_model": "square"},
        (78.16, 36.48, 70.91),
    ),
]


@pytest.mark.parametrize(("name", "params", "want"), POINTS)
def test_reference_point_forecasts(name, params, want):
    f = run_model("smp", problem(name), **params)
    np.testing.assert_allclose([i.point for i in f.issues], want, atol=0.05)


def test_first_turn_of_every_reference_is_exact():
    """Turn 0 (inputs only) and KTAB's first bargains: every example agrees to print precision."""
    for name in MATCHING_PREFIX:
        f = forecast(name)
        e = expected(name)
        np.testing.assert_allclose(history(f)[1], e["positions"][1], atol=POS_TOL)
        np.testing.assert_allclose(f.win_probability[0], e["win_probability"][0], atol=WIN_TOL)


def test_forecast_shape_and_registry():
    spec = get_model("smp")
    assert spec.multidimensional and spec.defaults["election_model"] == "conditional"
    f = forecast("SOE-Pol-Comp")
    assert f.model == "smp" and len(f.issues) == 2
    states = f.extra["states"]
    assert f.win_probability.shape == (states, 13)
    for issue in f.issues:
        assert issue.trajectory.shape == (states, 13)
        assert issue.distribution is not None
        assert sum(p for _, p in issue.distribution) == pytest.approx(1.0)
        lo = min(v for v, _ in issue.distribution)
        hi = max(v for v, _ in issue.distribution)
        assert lo - 1e-9 <= issue.point <= hi + 1e-9
    np.testing.assert_array_equal(f.issues[0].trajectory[0], problem("SOE-Pol-Comp").position[:, 0])
    assert np.all((f.win_probability >= 0) & (f.win_probability <= 1))
    json.dumps(f.to_dict())


def test_scale_invariance():
    """Positions are handled on [0, 1]: rescaling an issue rescales the forecast."""
    p = problem("SOE-Policy")
    q = BargainingProblem(
        actors=p.actors,
        issues=p.issues,
        capability=p.capability,
        position=p.position * 2.0 - 50.0,
        salience=p.salience,
        scale=np.array([[-50.0, 150.0]]),
        reference=p.reference,
    )
    f = forecast("SOE-Policy")
    g = run_model("smp", q)
    assert g.extra["states"] == f.extra["states"]
    np.testing.assert_allclose(g.issues[0].trajectory, f.issues[0].trajectory * 2 - 50, atol=1e-9)
    np.testing.assert_allclose(g.win_probability, f.win_probability, atol=1e-12)


def random_problem(n: int, m: int, seed: int) -> BargainingProblem:
    rng = np.random.default_rng(seed)
    sal = rng.uniform(0.05, 0.9, (n, m))
    sal /= np.maximum(1.0, sal.sum(axis=1, keepdims=True))
    return BargainingProblem(
        actors=tuple(f"a{i}" for i in range(n)),
        issues=tuple(f"i{k}" for k in range(m)),
        capability=rng.uniform(1, 100, n),
        position=np.round(rng.uniform(0, 100, (n, m)), 2),
        salience=sal,
        scale=np.tile([0.0, 100.0], (m, 1)),
        reference=np.full(m, np.nan),
    )


@pytest.mark.parametrize(
    ("n", "m", "rule"), [(90, 1, "semi"), (70, 2, "semi"), (80, 1, "none"), (230, 1, "semi")]
)
def test_pruned_challenges_equal_full_evaluation(n, m, rule):
    """The bound-ordered search returns exactly the argmax of the full O(n^3) evaluation.

    n = 230 exercises the threaded search (blocks run on a thread pool from 200 actors).
    """
    p = random_problem(n, m, seed=n + m)
    opt = smp._options({"third_party_commit": rule})
    x = p.position / 100.0
    d = smp.weighted_distance(x, p.salience)
    risk, _ = smp.risk_attitudes(x, p.salience, d, p.capability, opt)
    st = p.salience.sum(axis=1)
    js = np.array([[j for j in range(n) if j != i] for i in range(n)])
    dt = np.ascontiguousarray(d.T)
    own = np.diagonal(d).copy()
    g, pr = smp._challenge_gains(
        np.arange(n), js, dt, dt * (1 - dt), own, own * (1 - own), risk, p.capability * st, st, opt
    )
    k = np.argmax(g, axis=1)
    full_target = np.where(g[np.arange(n), k] > opt.min_gain, js[np.arange(n), k], -1)
    # without positions: the 1 - u_ij bound; with them (one dimension): the tighter 1-D bound
    for position in (None, x):
        target, prob, gain = smp.best_challenges(d, risk, p.capability, st, opt, position)
        np.testing.assert_array_equal(target, full_target)
        np.testing.assert_allclose(gain, g[np.arange(n), k], rtol=0, atol=1e-14)
        np.testing.assert_allclose(prob, pr[np.arange(n), k], rtol=0, atol=1e-14)


@pytest.mark.parametrize(("seed", "turns"), [(1, 0), (2, 4), (3, 9)])
def test_one_dimensional_gain_bound_is_an_upper_bound(seed, turns):
    """The O(n^2) 1-D bound is >= the exact O(n^3) gain for every challenger-target pair.

    Checked at the start and after some turns (positions bunched, risk attitudes spread).
    """
    n = 120
    p = random_problem(n, 1, seed=seed)
    opt = smp._options({"min_turns": max(1, turns), "max_turns": max(1, turns)})
    x = p.position / 100.0
    if turns:
        x = smp.simulate(x, p.salience, p.capability, opt).positions[-1]
    d = smp.weighted_distance(x, p.salience)
    risk, _ = smp.risk_attitudes(x, p.salience, d, p.capability, opt)
    st = p.salience.sum(axis=1)
    w = p.capability * st
    js = np.array([[j for j in range(n) if j != i] for i in range(n)])
    dt = np.ascontiguousarray(d.T)
    own = np.zeros(n)
    g, _ = smp._challenge_gains(np.arange(n), js, dt, dt * (1 - dt), own, own, risk, w, st, opt)
    bound = smp._gain_bound_1d(x[:, 0], risk, w, st, opt.risk_adjustment)
    b = np.take_along_axis(bound, js, axis=1)
    assert np.all(b >= g)
    # and it is tighter than 1 - u_ij somewhere (else it would be pointless)
    plain = np.take_along_axis(d - risk[:, None] * d * (1 - d), js, axis=1)
    assert np.mean(b < plain) > 0.5


def test_challenge_gain_matches_scalar_formula():
    """Vectorised challenge evaluation against a plain loop over the spec's formulas."""
    p = random_problem(9, 2, seed=3)
    opt = smp._options({})
    x = p.position / 100.0
    d = smp.weighted_distance(x, p.salience)
    risk, _ = smp.risk_attitudes(x, p.salience, d, p.capability, opt)
    st = p.salience.sum(axis=1)
    w = p.capability * st
    n, a = 9, 1.0 / 3.0
    for i in range(n):
        uh = smp.utility(d, (1 - a) * risk[i] + a * risk[:, None])
        gains = []
        for j in range(n):
            if j == i:
                gains.append(-np.inf)
                continue
            vi = w[i] * (uh[i, i] - uh[i, j])
            vj = w[j] * (uh[j, i] - uh[j, j])
            c0ij = 1e-10 + max(vi, 0) + max(vj, 0)
            c0ji = 1e-10 + max(-vi, 0) + max(-vj, 0)
            cij, cji = c0ij, c0ji
            for k in range(n):
                if k in (i, j):
                    continue
                v = w[k] * (uh[k, i] - uh[k, j])
                pin = (c0ij + max(v, 0)) / (c0ij + max(v, 0) + c0ji + max(-v, 0))
                ui = pin * (2 * uh[k, i] + uh[k, k]) + (1 - pin) * 3 * uh[k, j]
                uj = pin * 3 * uh[k, i] + (1 - pin) * (2 * uh[k, j] + uh[k, k])
                v3 = w[k] * (ui - uj)
                cij += max(v3, 0)
                cji += max(-v3, 0)
            pij = cij / (cij + cji)
            eu_sq = uh[i, i] + uh[i, j]
            eu = (1 - st[j]) * 2 * uh[i, i] + st[j] * (
                pij * 2 * uh[i, i] + (1 - pij) * 2 * uh[i, j]
            )
            gains.append(eu - eu_sq)
        target, _, gain = smp.best_challenges(d, risk, p.capability, st, opt)
        assert target[i] == int(np.argmax(gains))
        assert gain[i] == pytest.approx(max(gains), abs=1e-12)


def test_one_dimensional_coalitions_equal_direct_sum():
    rng = np.random.default_rng(5)
    x = np.round(rng.uniform(0, 1, 120), 3)
    x[10] = x[11]  # equal positions
    risk = rng.uniform(-0.5, 1, 120)
    w = rng.uniform(0, 5, 120)
    opts = np.arange(0, 120, 2)
    u = smp.utility(np.abs(x[:, None] - x[None, opts]), risk[:, None])
    direct = smp.coalitions(u, w, "proportional")
    fast = smp.coalitions_1d(x, x[opts], risk, w, "proportional")
    np.testing.assert_allclose(fast, direct, rtol=1e-9, atol=1e-9)
    # binary votes: a voter exactly at a midpoint is indifferent, which the direct sum sees
    # through rounding noise; compare on positions without exact midpoints
    x = rng.uniform(0, 1, 120)
    u = smp.utility(np.abs(x[:, None] - x[None, opts]), risk[:, None])
    direct = smp.coalitions(u, w, "binary")
    fast = smp.coalitions_1d(x, x[opts], risk, w, "binary")
    np.testing.assert_allclose(fast, direct, rtol=1e-9, atol=1e-9)


def test_elections_are_distributions():
    rng = np.random.default_rng(1)
    u = rng.uniform(0, 1, (12, 6))
    w = rng.uniform(1, 3, 12)
    for vm in smp.VICTORY_MODELS:
        c = smp.coalitions(u, w)
        pv = smp.victory_probability(c, vm)
        np.testing.assert_allclose(pv + pv.T, 1.0, atol=1e-12)
        for em in smp.ELECTION_MODELS:
            p = smp.election(pv, c, em)
            assert p.sum() == pytest.approx(1.0) and np.all(p >= 0)


def test_markov_uniform_is_a_fixed_point():
    rng = np.random.default_rng(2)
    c = smp.coalitions(rng.uniform(0, 1, (10, 5)), rng.uniform(1, 2, 10))
    pv = smp.victory_probability(c)
    p = smp.election(pv, c, "markov-uniform")
    q = np.array([sum(pv[i, j] * (p[i] + p[j]) for j in range(5)) / 5 for i in range(5)])
    np.testing.assert_allclose(q, p, atol=1e-8)


def test_big_r():
    r = smp.big_r_from_prob(np.array([0.1, 0.2, 0.7]))
    np.testing.assert_allclose(r, [-0.5, -0.25, 1.0])
    np.testing.assert_array_equal(smp.big_r_from_prob(np.full(4, 0.25)), 0.0)


def test_equivalence_classes_overlap_rule():
    # 0.5000 and 0.5006 are one option (first is the representative); 0.5012 is its own option,
    # and 0.5006, within tol of both representatives, reports the later one.
    x = np.array([[0.5], [0.5006], [0.5012], [0.9]])
    reps, lookup = smp.equivalence_classes(x, 1e-3)
    assert reps.tolist() == [0, 2, 3]
    assert reps[lookup].tolist() == [0, 2, 2, 3]


@pytest.mark.parametrize(
    "params",
    [
        {"risk_adjustment": "none"},
        {"risk_adjustment": "full"},
        {"risk_adjustment": "half"},
        {"risk_adjustment": "two-thirds"},
        {"victory_model": "quartic"},
        {"victory_model": "octic"},
        {"victory_model": "binary"},
        {"bargain_model": "S1P1"},
        {"bargain_model": "S2PMax"},
        {"third_party_commit": "none"},
        {"voting_rule": "binary"},
        {"voting_rule": "cubic"},
        {"election_model": "markov-incentive", "victory_model": "octic"},
        {"max_turns": 3, "min_turns": 3},
    ],
)
def test_every_option_runs_clean(params):
    f = run_model("smp", problem("dummyData_3Dim"), **params)
    assert np.all(np.isfinite(f.win_probability))
    assert np.all((f.win_probability >= 0) & (f.win_probability <= 1))
    for issue in f.issues:
        assert np.all(np.isfinite(issue.trajectory)) and np.isfinite(issue.point)
        assert np.all((issue.trajectory >= 0) & (issue.trajectory <= 100))
    if "max_turns" in params:
        assert f.extra["states"] == 4 and f.extra["stopped_by"] == "max_turns"


def test_stochastic_resolution_is_reproducible():
    p = problem("SOE-Pol-Comp")
    a = run_model("smp", p, resolution="stochastic", seed=7)
    b = run_model("smp", p, resolution="stochastic", seed=7)
    np.testing.assert_array_equal(history(a), history(b))
    runs = {
        tuple(
            np.round(history(run_model("smp", p, resolution="stochastic", seed=s))[-1].ravel(), 4)
        )
        for s in range(4)
    }
    assert len(runs) > 1


def test_stopping_rule():
    f = forecast("SOE-Policy")
    mv = np.asarray(f.extra["movement"])
    assert f.extra["stopped_by"] == "quiet"
    assert mv[-1] / mv[0] < 0.02
    assert np.all(mv[1:-1] / mv[0] >= 0.02)


def tiny(pos, sal, cap) -> BargainingProblem:
    pos = np.asarray(pos, float).reshape(len(cap), -1)
    m = pos.shape[1]
    return BargainingProblem(
        actors=tuple(f"a{i}" for i in range(len(cap))),
        issues=tuple(f"i{k}" for k in range(m)),
        capability=np.asarray(cap, float),
        position=pos,
        salience=np.asarray(sal, float).reshape(len(cap), m),
        scale=np.tile([0.0, 100.0], (m, 1)),
        reference=np.full(m, np.nan),
    )


def test_degenerate_inputs():
    with pytest.raises(ModelError, match="at least 2 actors"):
        run_model("smp", tiny([50], [0.5], [1]))
    with pytest.raises(ModelError, match="zero salience"):
        run_model("smp", tiny([10, 90], [0.5, 0.0], [1, 1]))
    with pytest.raises(ModelError, match="every capability is zero"):
        run_model("smp", tiny([10, 90], [0.5, 0.5], [0, 0]))
    with pytest.raises(ModelError, match="missing"):
        run_model("smp", tiny([10, np.nan], [0.5, 0.5], [1, 1]))
    with pytest.raises(ModelError, match="election_model"):
        run_model("smp", tiny([10, 90], [0.5, 0.5], [1, 1]), election_model="borda")


def test_identical_positions_documented_result():
    """Nobody can gain from a challenge: no movement, stop at min_turns, one sure outcome."""
    f = run_model("smp", tiny([40, 40, 40], [0.2, 0.5, 0.9], [1, 2, 3]))
    assert f.extra["states"] == 3 and f.extra["stopped_by"] == "no_movement"
    np.testing.assert_array_equal(f.win_probability, 1.0)
    assert f.issues[0].point == 40.0 and f.issues[0].distribution == [(40.0, 1.0)]


def test_total_salience_above_one_is_capped_as_resistance_probability():
    """KTAB asserts total salience <= 1; melian caps the resistance probability s_j at 1."""
    f = run_model(
        "smp", tiny([[10, 20], [90, 80], [50, 50]], [[0.8, 0.8], [0.5, 0.5], [1, 1]], [1, 1, 2])
    )
    assert np.all(np.isfinite(f.win_probability)) and np.all(np.isfinite(history(f)))


def test_zero_capability_actor_is_harmless():
    f = run_model("smp", tiny([10, 50, 90], [0.5, 0.6, 0.7], [0, 5, 3]))
    assert np.all(np.isfinite(f.win_probability))
    assert np.isfinite(f.issues[0].point)


def test_zero_salience_drop_keeps_the_others_and_reports_the_dropped():
    """zero_salience="drop": the indifferent actor is left out, stays put, has win prob 0."""
    p = tiny([10, 50, 90, 30], [0.5, 0.0, 0.8, 0.6], [1, 1, 1, 2])
    f = run_model("smp", p, zero_salience="drop")
    assert f.extra["dropped_actors"] == [p.actors[1]]
    traj = f.issues[0].trajectory
    assert traj.shape[1] == 4
    assert np.all(traj[:, 1] == 50.0)
    assert np.all(f.win_probability[:, 1] == 0.0)
    assert all(row[1] is None for row in f.extra["risk_attitude"])
    # the same as running the model on the three others
    q = tiny([10, 90, 30], [0.5, 0.8, 0.6], [1, 1, 2])
    g = run_model("smp", q)
    assert f.issues[0].point == pytest.approx(g.issues[0].point, abs=1e-12)
    np.testing.assert_allclose(traj[:, [0, 2, 3]], g.issues[0].trajectory, atol=1e-12)
    assert np.isfinite(f.win_probability).all()
    with pytest.raises(ModelError, match="zero_salience"):
        run_model("smp", p, zero_salience="ignore")
