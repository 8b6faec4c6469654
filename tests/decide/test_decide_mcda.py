"""TOPSIS / weighted sum against their formulas, AHP on a textbook matrix, weight stability."""

from __future__ import annotations

import numpy as np
import pytest

from melian.decide import rank
from melian.decide.mcda import ahp, all_scores, consistency, rank_order, scores
from melian.decide.stability import _scan, moved_weights, stability
from melian.errors import ModelError
from melian.scenario import load_scenario

M = np.array([[250.0, 16.0, 12.0], [200.0, 16.0, 8.0], [300.0, 32.0, 16.0], [275.0, 32.0, 8.0]])
W = np.array([0.5, 0.3, 0.2])
T = np.array([-1, 1, 1])  # cost, profit, profit


def _minmax(m: np.ndarray, t: np.ndarray) -> np.ndarray:
    lo, hi = m.min(axis=0), m.max(axis=0)
    return np.where(t > 0, (m - lo) / (hi - lo), (hi - m) / (hi - lo))


def _vector(m: np.ndarray, t: np.ndarray) -> np.ndarray:
    r = m / np.sqrt((m**2).sum(axis=0))
    return np.where(t > 0, r, 1 - r)


def _topsis(r: np.ndarray, w: np.ndarray) -> np.ndarray:
    v = r * w
    dp = np.sqrt(((v - v.max(axis=0)) ** 2).sum(axis=1))
    dm = np.sqrt(((v - v.min(axis=0)) ** 2).sum(axis=1))
    return dm / (dm + dp)


def test_topsis_and_weighted_sum_follow_their_formulas() -> None:
    got = all_scores(M, W, T)
    for norm, f in (("minmax", _minmax), ("vector", _vector)):
        r = f(M, T)
        np.testing.assert_allclose(got[f"wsm-{norm}"], r @ W, rtol=1e-12)
        np.testing.assert_allclose(got[f"topsis-{norm}"], _topsis(r, W), rtol=1e-12)
    # hand values, min-max: option 3 = (0, 1, 1) -> WSM 0.5; option 2 = (1, 0, 0) -> 0.5
    assert got["wsm-minmax"][2] == pytest.approx(0.5)
    assert got["wsm-minmax"][1] == pytest.approx(0.5)
    assert rank_order(np.array([0.2, 0.9, 0.2])).tolist() == [2, 1, 2]


def test_constant_criterion_is_left_out() -> None:
    m = np.c_[M, np.full(4, 3.0)]
    s1 = scores(m, np.r_[W, 0.4], np.r_[T, 1], "topsis", "minmax")
    s0 = scores(M, W, T, "topsis", "minmax")
    np.testing.assert_allclose(s1, s0)


def test_ahp_textbook_matrix() -> None:
    # Saaty's 3x3 example: A = [[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]]
    res = ahp(["a", "b", "c"], [("a", "b", 3), ("a", "c", 5), ("b", "c", 3)])
    np.testing.assert_allclose(res.weights, [0.6370, 0.2583, 0.1047], atol=5e-4)
    assert res.lambda_max == pytest.approx(3.0385, abs=1e-4)
    assert res.ci == pytest.approx(0.0193, abs=1e-4)
    assert res.cr == pytest.approx(0.0332, abs=5e-4)  # RI_3 = 0.58
    assert res.consistent
    # pymcdm's eigenvector agrees
    from pymcdm.weights.subjective import AHP

    np.testing.assert_allclose(AHP(matrix=res.matrix)(), res.weights, atol=1e-10)


def test_ahp_inconsistent_and_incomplete() -> None:
    bad = ahp(["a", "b", "c"], [("a", "b", 9), ("b", "c", 9), ("c", "a", 9)])
    assert bad.cr > 1 and not bad.consistent
    # a consistent matrix with one judgement missing: Harker's method recovers it exactly
    res = ahp(["a", "b", "c"], [("a", "b", 2), ("b", "c", 2)])
    np.testing.assert_allclose(res.weights, np.array([4, 2, 1]) / 7, atol=1e-12)
    assert res.missing == 1 and res.cr == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ModelError, match="do not connect"):
        ahp(["a", "b", "c", "d"], [("a", "b", 2), ("c", "d", 2)])
    with pytest.raises(ModelError, match="more than once"):
        ahp(["a", "b"], [("a", "b", 2), ("b", "a", 2)])
    assert consistency(np.array([[1.0, 2.0], [0.5, 1.0]]))[2] == 0.0


# stability hand case: normalised values already 0..1 in each column
H = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.7]])
HT = np.array([1, 1])


def test_weighted_sum_stability_interval_hand_case() -> None:
    # P_A = w, P_B = 1 - w, P_C = 0.5 w + 0.7 (1 - w); at w = 0.6 A leads (0.6 > 0.58 > 0.4).
    # C overtakes A where w = 0.7 - 0.2 w, i.e. w = 0.7 / 1.2; nothing overtakes A above.
    iv = stability(H, np.array([0.6, 0.4]), HT, "wsm", "minmax", ["x", "y"], ["A", "B", "C"])
    x = iv[0]
    assert x.exact and x.low == pytest.approx(0.7 / 1.2, abs=1e-12) and x.high == 1.0
    assert x.below == "C" and x.above is None
    # criterion y moves the other way: y's weight may drop to 0 and rise to 1 - 0.7 / 1.2
    y = iv[1]
    assert y.low == 0.0 and y.high == pytest.approx(1 - 0.7 / 1.2, abs=1e-12) and y.above == "C"


def test_scanned_interval_agrees_with_exact_one_and_topsis_flip_is_real() -> None:
    w = np.array([0.6, 0.4])

    def top(t: float) -> int:
        return int(np.argmax(scores(H, moved_weights(w, 0, t), HT, "wsm", "minmax")))

    lo, hi, below, above = _scan(top, 0.6, 401)
    assert lo == pytest.approx(0.7 / 1.2, abs=1e-8) and hi == 1.0 and below == 2
    iv = stability(H, w, HT, "topsis", "minmax", ["x", "y"], ["A", "B", "C"])[0]
    top0 = int(np.argmax(scores(H, w, HT, "topsis", "minmax")))
    for t in np.linspace(iv.low + 1e-6, iv.high - 1e-6, 50):
        assert int(np.argmax(scores(H, moved_weights(w, 0, t), HT, "topsis", "minmax"))) == top0
    if iv.low > 0:
        t = iv.low - 1e-6
        assert int(np.argmax(scores(H, moved_weights(w, 0, t), HT, "topsis", "minmax"))) != top0


def test_moved_weights_keep_proportions() -> None:
    w = moved_weights(np.array([0.5, 0.3, 0.2]), 0, 0.8)
    np.testing.assert_allclose(w, [0.8, 0.12, 0.08])


def test_rank_minimal_scenario_with_given_evidence_and_ahp() -> None:
    s = load_scenario("tests/data/scenarios/minimal.yaml")
    ev = {
        "security": {"ally": 0.8, "exit": 0.3, "drift": 0.5},
        "sovereignty": {"ally": 2, "exit": 5, "drift": 3},
    }
    r = rank(s, ev)
    d = r.to_dict()
    assert set(d["methods"]) == {"topsis-minmax", "topsis-vector", "wsm-minmax", "wsm-vector"}
    # min-max WSM by hand: security (0.6) -> ally 1, exit 0, drift 0.4; sovereignty (0.4) -> 0, 1, 1/3
    np.testing.assert_allclose(r.scores["wsm-minmax"], [0.6, 0.4, 0.24 + 0.4 / 3])
    assert r.top("wsm-minmax") == "ally" and d["recommended_is_top"] is not None
    # sovereignty's weight may rise to where exit ties ally: 0.6 - 0.6 t... solved exactly
    sov = next(i for i in r.stability["wsm-minmax"] if i.criterion == "sovereignty")
    assert sov.high == pytest.approx(0.5) and sov.above == "exit"


def test_rank_with_ahp_weights() -> None:
    from melian.scenario.schema import PairwiseJudgement

    s = load_scenario("tests/data/scenarios/minimal.yaml")
    s = s.model_copy(
        update={
            "weights_from": "ahp",
            "criteria_pairwise": [
                PairwiseJudgement(a="security", b="sovereignty", ratio=3, source="analyst")
            ],
        }
    )
    ev = {
        "security": {"ally": 0.8, "exit": 0.3, "drift": 0.5},
        "sovereignty": {"ally": 2, "exit": 5, "drift": 3},
    }
    r = rank(s, ev)
    assert r.weights_from == "ahp"
    assert r.weights["security"] == pytest.approx(0.75) and r.ahp is not None and r.ahp.cr == 0.0


def test_rank_rejects_incomplete_evidence() -> None:
    s = load_scenario("tests/data/scenarios/minimal.yaml")
    with pytest.raises(ModelError, match="no evidence"):
        rank(s, {"security": {"ally": 1.0}})


@pytest.mark.parametrize("normalisation", ["minmax", "vector"])
def test_topsis_scan_in_one_array_operation_agrees_with_pymcdm(normalisation: str) -> None:
    # random decision matrices with cost and benefit criteria and a constant column: the top
    # option of the batched scan is pymcdm's TOPSIS top option at every scanned weight
    from melian.decide.stability import _topsis_batch

    rng = np.random.default_rng(7)
    for _ in range(20):
        m = rng.normal(size=(5, 4))
        m[:, 2] = 1.5  # every option the same: left out
        types = np.array([1, -1, 1, -1])
        w = rng.dirichlet(np.ones(4))
        tops = _topsis_batch(m, types, normalisation)
        ts = np.linspace(0.0, 1.0, 41)
        for j in range(4):
            got = tops(w, j, ts)
            want = [
                int(np.argmax(scores(m, moved_weights(w, j, t), types, "topsis", normalisation)))
                for t in ts
            ]
            assert got.tolist() == want


def test_topsis_stability_batched_equals_point_by_point() -> None:
    rng = np.random.default_rng(11)
    m = rng.normal(size=(4, 3))
    types = np.array([1, -1, 1])
    w = np.array([0.5, 0.3, 0.2])
    iv = stability(m, w, types, "topsis", "minmax", ["a", "b", "c"], ["A", "B", "C", "D"])
    for j, x in enumerate(iv):

        def top(t: float, j: int = j) -> int:
            return int(np.argmax(scores(m, moved_weights(w, j, t), types, "topsis", "minmax")))

        lo, hi, below, above = _scan(top, float(w[j]), 401)
        assert (x.low, x.high) == pytest.approx((lo, hi), abs=1e-12)
        assert x.below == (None if below is None else "ABCD"[below])
        assert x.above == (None if above is None else "ABCD"[above])
