"""The compiled SMP kernels (melian.bargaining._smp_kernels) against the numpy code and loops.

Every kernel except the queue-election coalitions must be bitwise equal to the numpy path
(``smp._NUMPY_ONLY``); those coalitions are checked against a plain loop in the same order.
Results must not depend on the number of threads.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from melian.bargaining import smp
from melian.bargaining.base import BargainingProblem
from melian.util import numba_cache_dir

K = pytest.importorskip("melian.bargaining._smp_kernels")


def random_problem(n: int, m: int, seed: int, ties: bool = False) -> BargainingProblem:
    """Random issue(s); with ``ties`` some actors share positions and weights exactly."""
    rng = np.random.default_rng(seed)
    sal = rng.uniform(0.05, 0.9, (n, m))
    sal /= np.maximum(1.0, sal.sum(axis=1, keepdims=True))
    cap = rng.uniform(1, 100, n)
    pos = np.round(rng.uniform(0, 100, (n, m)), 2)
    if ties:
        pos[1::7] = pos[0::7][: pos[1::7].shape[0]]
        sal[1::7] = sal[0::7][: sal[1::7].shape[0]]
        cap[1::7] = cap[0::7][: cap[1::7].shape[0]]
    return BargainingProblem(
        actors=tuple(f"a{i}" for i in range(n)),
        issues=tuple(f"i{k}" for k in range(m)),
        capability=cap,
        position=pos,
        salience=sal,
        scale=np.tile([0.0, 100.0], (m, 1)),
        reference=np.full(m, np.nan),
    )


def state(n: int, m: int, seed: int, turns: int = 0, ties: bool = False):
    """Positions after ``turns`` turns, saliences, capabilities, distances and risk attitudes."""
    p = random_problem(n, m, seed, ties)
    x = p.position / 100.0
    if turns:
        opt = smp._options({"min_turns": turns, "max_turns": turns})
        x = smp.simulate(x, p.salience, p.capability, opt).positions[-1]
    d = smp.weighted_distance(x, p.salience)
    risk, _ = smp.risk_attitudes(x, p.salience, d, p.capability, smp._options({}))
    return x, p.salience, p.capability, d, risk


def test_pairwise_sum_is_numpys_sum():
    rng = np.random.default_rng(0)
    frames = np.empty((64, 3), dtype=np.int64)
    values = np.empty(64)
    for n in [*range(1, 300), 513, 999, 1000, 1001, 4097, 100_000]:
        a = rng.normal(size=n) * rng.uniform(0, 1e3, n)
        assert K.pairwise_sum(a, n, frames, values) == a.sum()
        assert K.pairwise_sum_abs(a, n, frames, values) == np.abs(a).sum()
    # along the last axis of a 3-D array, as in smp._challenge_gains
    b = rng.normal(size=(3, 4, 777))
    for i in range(3):
        for j in range(4):
            assert K.pairwise_sum(b[i, j].copy(), 777, frames, values) == b.sum(axis=2)[i, j]


@pytest.mark.parametrize(
    ("n", "m", "turns", "ties"),
    [(150, 1, 0, False), (120, 1, 3, True), (90, 2, 0, False), (80, 2, 2, True), (60, 3, 1, False)],
)
def test_challenge_gain_is_bitwise_the_numpy_evaluation(n, m, turns, ties):
    x, sal, cap, d, risk = state(n, m, seed=n + m, turns=turns, ties=ties)
    opt = smp._options({})
    st = sal.sum(axis=1)
    w = cap * st
    js = np.array([[j for j in range(n) if j != i] for i in range(n)])
    dt = np.ascontiguousarray(d.T)
    own = np.zeros(n)
    g, pr = smp._challenge_gains(np.arange(n), js, dt, dt * (1 - dt), own, own, risk, w, st, opt)
    a = opt.risk_adjustment
    s_cap = np.minimum(st, 1.0)
    frames, values, buf = np.empty((64, 3), dtype=np.int64), np.empty(64), np.empty(n)
    for h in range(n):
        rho = (1 - a) * risk[h] + a * risk
        a_h = (dt[h] - rho * (dt[h] * (1 - dt[h]))) * w
        for k, j in enumerate(js[h]):
            gk, pk = K.challenge_gain(h, j, dt, rho, a_h, w, s_cap[j], buf, frames, values)
            assert gk == g[h, k] and pk == pr[h, k], (h, j)


def test_pruned_evaluation_is_exact_or_a_valid_bound():
    """Either the exact gain bitwise, or a bound below the threshold that exceeds the gain."""
    n = 160
    x, sal, cap, d, risk = state(n, 1, seed=4, turns=3, ties=True)
    opt = smp._options({})
    st = sal.sum(axis=1)
    w, s_cap = cap * st, np.minimum(st, 1.0)
    dt = np.ascontiguousarray(d.T)
    order = np.argsort(x[:, 0], kind="stable")
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    dts, w_s = dt[np.ix_(order, order)], w[order]
    frames, values, buf = np.empty((64, 3), dtype=np.int64), np.empty(64), np.empty(n)
    a = opt.risk_adjustment
    rng = np.random.default_rng(1)
    exits = 0
    for h in range(0, n, 3):
        rho = (1 - a) * risk[h] + a * risk
        a_h = (dt[h] - rho * (dt[h] * (1 - dt[h]))) * w
        a_s = a_h[order]
        cum_a = np.concatenate([[0.0], np.cumsum(a_s)])
        data = (inv, dts, rho[order], a_s, w_s, cum_a, np.empty(n), w.max())
        for j in rng.choice([q for q in range(n) if q != h], 20, replace=False):
            g, p = K.challenge_gain(h, j, dt, rho, a_h, w, s_cap[j], buf, frames, values)
            thr = g + rng.choice([-0.02, 0.0, 1e-12, 0.01, 0.05])
            gb, pb, full = K.challenge_gain_pruned(
                h, j, dt, rho, a_h, w, s_cap[j], thr, data, buf, frames, values
            )
            if full:
                assert gb == g and pb == p
            else:
                exits += 1
                assert gb >= g and gb < thr and thr > g
    assert exits > 0


@pytest.mark.parametrize(
    ("n", "m", "turns", "ties"),
    [(230, 1, 0, False), (230, 1, 5, True), (150, 2, 2, False), (120, 3, 1, True)],
)
def test_kernel_search_equals_numpy_search(n, m, turns, ties, monkeypatch):
    """Same targets, and bitwise the same P and gain wherever a target is chosen."""
    x, sal, cap, d, risk = state(n, m, seed=7 * n + m, turns=turns, ties=ties)
    opt = smp._options({})
    st = sal.sum(axis=1)
    monkeypatch.setattr(smp, "_NUMPY_ONLY", True)
    t0, p0, g0 = smp.best_challenges(d, risk, cap, st, opt, x)
    monkeypatch.setattr(smp, "_NUMPY_ONLY", False)
    t1, p1, g1 = smp.best_challenges(d, risk, cap, st, opt, x)
    np.testing.assert_array_equal(t1, t0)
    ok = t0 >= 0
    assert ok.sum() > n // 2
    np.testing.assert_array_equal(p1[ok], p0[ok])
    np.testing.assert_array_equal(g1[ok], g0[ok])


@pytest.mark.parametrize("rule", ["proportional", "binary"])
def test_one_dimensional_coalitions_bitwise(rule, monkeypatch):
    rng = np.random.default_rng(5)
    for n, no in [(120, 60), (300, 300), (250, 90)]:
        x = np.round(rng.uniform(0, 1, n), 3)
        x[10] = x[11]
        risk = rng.uniform(-0.5, 1, n)
        w = rng.uniform(0, 5, n)
        y = x[rng.choice(n, no, replace=False)] if no < n else x
        monkeypatch.setattr(smp, "_NUMPY_ONLY", True)
        a = smp.coalitions_1d(x, y, risk, w, rule)
        monkeypatch.setattr(smp, "_NUMPY_ONLY", False)
        b = smp.coalitions_1d(x, y, risk, w, rule)
        np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("rule", smp.VOTING_RULES)
def test_queue_coalitions_equal_a_plain_loop(rule):
    """Voters summed in index order; equal options get equal strengths; BLAS agrees to 1e-12."""
    rng = np.random.default_rng(1)
    u = rng.normal(size=(3, 150, 7))
    u[:, :, 3] = u[:, :, 5]
    w = rng.uniform(0, 5, 150)
    c = smp._kernel_coalitions(u, w, rule)
    ref = np.zeros_like(c)
    for g in range(3):
        for a in range(7):
            for b in range(7):
                total = 0.0
                for k in range(150):
                    du = u[g, k, a] - u[g, k, b]
                    pos = max(du, 0.0)
                    vote = {"proportional": pos, "binary": float(du > 0), "cubic": pos * pos * pos}
                    total += w[k] * vote[rule]
                ref[g, a, b] = total
    np.testing.assert_array_equal(c, ref)
    np.testing.assert_array_equal(c[:, 3], c[:, 5])
    np.testing.assert_array_equal(c[:, :, 3], c[:, :, 5])
    np.testing.assert_allclose(c, smp._batched_coalitions(u, w, rule), rtol=1e-12, atol=1e-11)


def test_equivalence_classes_kernel(monkeypatch):
    rng = np.random.default_rng(3)
    for n, m, dec in [(150, 1, 3), (300, 2, 2), (1000, 1, 4), (200, 3, 1)]:
        x = np.round(rng.uniform(0, 1, (n, m)), dec)
        for tol in (1e-3, 0.0, 0.05):
            monkeypatch.setattr(smp, "_NUMPY_ONLY", True)
            reps0, look0 = smp.equivalence_classes(x, tol)
            monkeypatch.setattr(smp, "_NUMPY_ONLY", False)
            reps1, look1 = smp.equivalence_classes(x, tol)
            np.testing.assert_array_equal(reps1, reps0)
            np.testing.assert_array_equal(look1, look0)


@pytest.mark.parametrize(("n", "m"), [(150, 1), (120, 2), (100, 3)])
def test_resolution_kernel_equals_numpy(n, m, monkeypatch):
    """Bargain values bitwise; the queue elections then pick the same bargains."""
    x, sal, cap, d, risk = state(n, m, seed=n, turns=3)
    opt = smp._options({})
    st = sal.sum(axis=1)
    t, pp, _ = smp.best_challenges(d, risk, cap, st, opt, x)
    ok = t >= 0
    init, rcvr = np.nonzero(ok)[0], t[ok]
    y_init, y_rcvr = smp.interpolate_bargains(x, sal, init, rcvr, pp[ok], opt)
    den = np.einsum("km,km->k", sal, sal)
    delta = np.empty((n, init.size))
    K.bargain_values(x, sal, den, risk, init, rcvr, y_init, y_rcvr, 0, n, delta)
    u_init = smp.utility(smp._point_distance(x, sal, y_init), risk[:, None])
    u_rcvr = smp.utility(smp._point_distance(x, sal, y_rcvr), risk[:, None])
    u_pos = smp.utility(smp.weighted_distance(x, sal), risk[:, None])
    np.testing.assert_array_equal(delta, (u_init + u_rcvr - u_pos[:, init] - u_pos[:, rcvr]) / n)
    monkeypatch.setattr(smp, "_NUMPY_ONLY", True)
    a = smp.resolve_bargains(x, sal, cap, risk, init, rcvr, (y_init, y_rcvr), opt, None)
    monkeypatch.setattr(smp, "_NUMPY_ONLY", False)
    b = smp.resolve_bargains(x, sal, cap, risk, init, rcvr, (y_init, y_rcvr), opt, None)
    np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize(("n", "m", "turns"), [(230, 1, 12), (140, 2, 6)])
def test_whole_runs_equal_numpy_and_do_not_depend_on_threads(n, m, turns, monkeypatch):
    p = random_problem(n, m, seed=11)
    x = p.position / 100.0
    opt = smp._options({"min_turns": turns, "max_turns": turns})
    runs = []
    for numpy_only, threads in [(True, 2), (False, 1), (False, 2), (False, 3)]:
        monkeypatch.setattr(smp, "_NUMPY_ONLY", numpy_only)
        monkeypatch.setattr(smp, "_THREADS", threads)
        runs.append(smp.simulate(x, p.salience, p.capability, opt))
    for r in runs[1:]:
        np.testing.assert_array_equal(r.positions, runs[0].positions)
        np.testing.assert_array_equal(r.win_probability, runs[0].win_probability)
        np.testing.assert_array_equal(r.final_option_probability, runs[1].final_option_probability)


def test_import_melian_does_not_import_numba():
    code = (
        "import sys, melian, melian.bargaining.smp, melian.bargaining.registry\n"
        "assert 'numba' not in sys.modules, 'numba imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ))


def test_cache_dir_falls_back_when_not_writable(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MELIAN_CACHE_DIR", str(blocker))
    path = numba_cache_dir()
    assert os.path.isdir(path) and os.access(path, os.W_OK)
    assert not path.startswith(str(blocker))
    monkeypatch.setenv("MELIAN_CACHE_DIR", str(tmp_path / "c"))
    assert numba_cache_dir() == str(tmp_path / "c" / "numba")


@pytest.mark.parametrize(
    "params",
    [
        {"risk_adjustment": "full"},
        {"election_model": "markov-uniform"},
        {"election_model": "markov-incentive", "victory_model": "octic"},
        {"victory_model": "binary"},
        {"bargain_model": "S2PMax"},
        {"third_party_commit": "none"},
        {"voting_rule": "binary"},
        {"voting_rule": "cubic"},
        {"resolution": "stochastic", "seed": 3},
    ],
)
@pytest.mark.parametrize("m", [1, 2])
def test_options_with_kernels_equal_numpy(params, m, monkeypatch):
    """Every model option on a problem large enough for the kernels: the same history."""
    p = random_problem(110, m, seed=5)
    opt = smp._options({**params, "min_turns": 4, "max_turns": 4})
    x = p.position / 100.0
    runs = []
    for numpy_only in (True, False):
        monkeypatch.setattr(smp, "_NUMPY_ONLY", numpy_only)
        runs.append(smp.simulate(x, p.salience, p.capability, opt, params.get("seed")))
    np.testing.assert_array_equal(runs[1].positions, runs[0].positions)
    np.testing.assert_allclose(runs[1].win_probability, runs[0].win_probability, atol=1e-12)
