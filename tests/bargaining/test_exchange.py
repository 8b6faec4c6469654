"""Exchange model (Stokman & van Oosten 1994): hand-checkable two-actor, two-issue exchanges."""

import numpy as np
import pytest

from melian.bargaining import forecast
from melian.bargaining.base import BargainingProblem


def prob(pos, sal, cap):
    pos = np.asarray(pos, dtype=float)
    n, m = pos.shape
    return BargainingProblem(
        actors=("A", "B", "C", "D")[:n],
        issues=("p", "q")[:m] if m <= 2 else tuple(f"i{k}" for k in range(m)),
        capability=np.asarray(cap, dtype=float),
        position=pos,
        salience=np.asarray(sal, dtype=float),
        scale=np.tile([0.0, 100.0], (m, 1)),
        reference=np.full(m, np.nan),
    )


def test_symmetric_exchange_by_hand():
    # A: p=0 (s .2), q=100 (s .8); B: p=100 (s .8), q=0 (s .2); equal capability.
    # O_p = (0*.2 + 100*.8)/1.0 = 80 and O_q = (100*.8 + 0*.2)/1.0 = 80.
    p = prob([[0, 100], [100, 0]], [[0.2, 0.8], [0.8, 0.2]], [1, 1])
    fc = forecast(p, "exchange", rounds=1)
    ex = fc.extra["exchanges"]
    assert len(ex) == 1
    e = ex[0]
    # A supplies on p (relatively less salient to A: .2/.8 < .8/.2), B supplies on q
    assert (e["i"], e["p"], e["j"], e["q"]) == ("A", "p", "B", "q")
    # equal-gain rate dO_q = dO_p (s_Ap + s_Bp) / (s_Aq + s_Bq) = dO_p * 1.0
    assert e["dOq"] == pytest.approx(e["dOp"])
    # cap: O_p may not pass B's position (100): 20 = |100 - 80|; A's full move gives 100*.2/1 = 20
    assert e["dOp"] == pytest.approx(20.0)
    # both gain s_Aq dO_q - s_Ap dO_p = .8*20 - .2*20 = 12 = s_Bp dO_p - s_Bq dO_q
    assert e["gain"] == pytest.approx(12.0)
    assert fc.extra["gains"] == {"A": pytest.approx(12.0), "B": pytest.approx(12.0)}
    # outcome shifts: p from 80 to 100 (toward B's 100), q from 80 to 100 (toward A's 100)
    assert fc.extra["initial_outcome"] == {"p": pytest.approx(80.0), "q": pytest.approx(80.0)}
    assert fc.point() == {"p": pytest.approx(100.0), "q": pytest.approx(100.0)}
    # A moved fully to B's position on p; B moved fully to A's position on q
    assert fc.issues[0].trajectory[-1].tolist() == pytest.approx([100.0, 100.0])
    assert fc.issues[1].trajectory[-1].tolist() == pytest.approx([100.0, 100.0])


def test_asymmetric_rate_and_partial_move():
    # three actors so that outcomes sit strictly between A and B
    # A: p=0 s.2, q=100 s.6 ; B: p=100 s.6, q=0 s.3 ; C neutral at 50/50 with s .5/.5
    p = prob([[0, 100], [100, 0], [50, 50]], [[0.2, 0.6], [0.6, 0.3], [0.5, 0.5]], [1, 1, 1])
    w = np.array([[0.2, 0.6], [0.6, 0.3], [0.5, 0.5]])
    W = w.sum(axis=0)
    Op = (0 * 0.2 + 100 * 0.6 + 50 * 0.5) / W[0]
    Oq = (100 * 0.6 + 0 * 0.3 + 50 * 0.5) / W[1]
    fc = forecast(p, "exchange", rounds=1)
    e = fc.extra["exchanges"][0]
    assert (e["i"], e["p"], e["j"], e["q"]) == ("A", "p", "B", "q")
    k = (0.2 + 0.6) / (0.6 + 0.3)
    assert e["dOq"] == pytest.approx(k * e["dOp"])
    full_A = 100 * 0.2 / W[0]  # A moves fully to B's position on p
    full_B = 100 * 0.3 / W[1]  # B moves fully to A's position on q
    want = min(full_A, full_B / k, 100 - Op, (100 - Oq) / k)
    assert e["dOp"] == pytest.approx(want)
    gain_A = 0.6 * e["dOq"] - 0.2 * e["dOp"]
    gain_B = 0.6 * e["dOp"] - 0.3 * e["dOq"]
    assert gain_A == pytest.approx(gain_B) and gain_A > 0
    assert e["gain"] == pytest.approx(gain_A)
    # the outcome on p moved toward B (up) and on q toward A (up) by the stated amounts
    traj_p = fc.issues[0].trajectory
    traj_q = fc.issues[1].trajectory
    newOp = np.dot(w[:, 0], traj_p[-1]) / W[0]
    newOq = np.dot(w[:, 1], traj_q[-1]) / W[1]
    assert newOp - Op == pytest.approx(e["dOp"])
    assert newOq - Oq == pytest.approx(e["dOq"])
    assert fc.point()["p"] == pytest.approx(newOp)
    # C is a third party: on p the outcome moved away from C's 50? record its externality
    ext_C = 0.5 * (abs(Op - 50) - abs(newOp - 50)) + 0.5 * (abs(Oq - 50) - abs(newOq - 50))
    assert fc.extra["externalities"]["C"] == pytest.approx(ext_C)


def test_same_relative_salience_no_exchange():
    p = prob([[0, 100], [100, 0]], [[0.5, 0.5], [0.5, 0.5]], [1, 1])
    fc = forecast(p, "exchange")
    assert fc.extra["exchanges"] == []
    assert fc.rounds == 1
    assert fc.point() == {"p": pytest.approx(50.0), "q": pytest.approx(50.0)}


def test_same_side_no_exchange():
    # A (0) and B (10) are both left of O_p = (0*.2 + 10*.8 + 100*1)/2 = 54: they cannot trade on p
    from melian.bargaining.exchange import _outcomes, candidate_exchanges

    x = np.array([[0, 100], [10, 0], [100, 50]], dtype=float)
    s = np.array([[0.2, 0.8], [0.8, 0.2], [1, 0.1]])
    w = s * 1.0
    O = _outcomes(x, w)
    assert O[0] == pytest.approx(54.0)
    cands = candidate_exchanges(x, s, w, O, w.sum(axis=0), np.zeros_like(x, dtype=bool))
    assert cands, "other pairs can still trade"
    assert all({c["i"], c["j"]} != {0, 1} for c in cands)


def test_a_locked_cell_or_a_same_side_pair_leaves_the_static_pairs():
    # the pairs fixed for a run (orientation of equal gain, positive weights, two issues, two
    # actors) are the candidates until positions or locks rule them out: A (0, 100) and B
    # (100, 0) with opposite relative saliences trade in one orientation only (A supplies on
    # p, where it cares less); locking A on q, or moving B to A's position on p, removes it
    from melian.bargaining.exchange import _candidate_arrays, _outcomes, _pairs

    x = np.array([[0, 100], [100, 0]], dtype=float)
    s = np.array([[0.2, 0.8], [0.8, 0.2]])
    w = s * 1.0
    W = w.sum(axis=0)
    pairs = _pairs(s, w, W)
    # (p, q, i, j): A supplies on 0 and B on 1, or B supplies on 1 and A on 0 (issues swapped)
    assert sorted(zip(*(a.tolist() for a in pairs), strict=True)) == [(0, 1, 0, 1), (1, 0, 1, 0)]
    free = np.zeros_like(x, dtype=bool)
    c = _candidate_arrays(x, s, w, _outcomes(x, w), W, free, pairs)
    assert sorted(zip(c["p"].tolist(), c["i"].tolist(), strict=True)) == [(0, 0), (1, 1)]
    fresh = _candidate_arrays(x, s, w, _outcomes(x, w), W, free)
    assert all(np.array_equal(c[k], fresh[k]) for k in c)
    locked = free.copy()
    locked[0, 1] = True  # A may no longer move on q: it can neither supply nor demand there
    assert _candidate_arrays(x, s, w, _outcomes(x, w), W, locked, pairs)["gain"].size == 0
    x2 = np.array([[0, 100], [0, 0]], dtype=float)  # B at A's position: both at O_p = 0
    assert _candidate_arrays(x2, s, w, _outcomes(x2, w), W, free, pairs)["gain"].size == 0


def test_one_issue_equals_compromise():
    p = prob([[0], [100], [30]], [[1], [0.5], [0.2]], [1, 2, 3])
    assert forecast(p, "exchange").point()["p"] == pytest.approx(
        forecast(p, "compromise").point()["p"]
    )


def test_gains_positive_and_outcomes_in_scale_random():
    rng = np.random.default_rng(11)
    pos = rng.uniform(0, 100, (4, 2))
    sal = rng.uniform(0.05, 1, (4, 2))
    fc = forecast(prob(pos, sal, rng.uniform(1, 3, 4)), "exchange")
    for e in fc.extra["exchanges"]:
        assert e["gain"] > 0
    for f in fc.issues:
        assert np.all((f.trajectory >= -1e-9) & (f.trajectory <= 100 + 1e-9))


def _random_problem(rng, n, m, absent, power):
    pos = np.round(rng.uniform(0, 100, (n, m)), int(rng.integers(0, 3)))
    pos[rng.random((n, m)) < absent] = np.nan
    pos[0] = np.where(np.isnan(pos[0]), 50.0, pos[0])  # every issue keeps a position
    sal = rng.choice([0.0, 0.1, 0.25, 0.5, 0.8, 1.0], (n, m)) if rng.random() < 0.5 else None
    if sal is None:
        sal = rng.uniform(0.05, 1.0, (n, m))
    sal[0] = np.maximum(sal[0], 0.2)
    cap = rng.choice([1.0, 2.0, 5.0, 10.0], n) if rng.random() < 0.5 else rng.uniform(1, 100, n)
    meta = {}
    if power:
        pw = rng.uniform(0.5, 50, (n, m))
        pw[rng.random((n, m)) < 0.5] = np.nan
        meta["power"] = pw
    return BargainingProblem(
        actors=tuple(f"a{k}" for k in range(n)),
        issues=tuple(f"i{k}" for k in range(m)),
        capability=cap,
        position=pos,
        salience=sal,
        scale=np.tile([0.0, 100.0], (m, 1)),
        reference=np.full(m, np.nan),
        meta=meta,
    )


@pytest.mark.parametrize("seed", range(6))
def test_compiled_rounds_equal_the_numpy_rounds(monkeypatch, seed):
    # the numba kernel performs the numpy rounds' operations in the same order: every point,
    # trajectory, exchange, gain and externality equal to the last bit (ties in gain included:
    # rounded positions and saliences from a few values)
    pytest.importorskip("numba")
    from melian.bargaining import exchange

    rng = np.random.default_rng(seed)
    executed = 0
    for _ in range(8):
        n, m = int(rng.integers(2, 25)), int(rng.integers(2, 8))
        p = _random_problem(rng, n, m, absent=rng.choice([0.0, 0.2]), power=rng.random() < 0.3)
        rounds = int(rng.choice([0, 1, 3, 10]))
        monkeypatch.setattr(exchange, "NUMPY_ONLY", True)
        want = exchange.run(p, rounds=rounds)
        monkeypatch.setattr(exchange, "NUMPY_ONLY", False)
        assert exchange._compiled_rounds() is not None
        got = exchange.run(p, rounds=rounds)
        assert got.rounds == want.rounds and got.extra == want.extra
        if want.extra["exchanges"]:
            assert list(got.extra["exchanges"][0]) == list(want.extra["exchanges"][0])
            executed += len(want.extra["exchanges"])
        for a, b in zip(got.issues, want.issues, strict=True):
            assert a.point == b.point or (np.isnan(a.point) and np.isnan(b.point))
            np.testing.assert_array_equal(a.trajectory, b.trajectory)
    assert executed > 50  # the cases exchange
