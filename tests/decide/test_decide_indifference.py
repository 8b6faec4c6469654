"""Indifference thresholds (Brans & Vincke 1985; Roy 1991): a criterion within its threshold does
not move the ranking and is reported; a lead on a criterion taken alone is a lead by more than
the threshold. Hand-computed synthetic cases."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from melian.decide import Evidence, rank
from melian.decide.evidence import gather_evidence, world_error
from melian.decide.indifference import (
    indifference_thresholds,
    standing,
    threshold,
    tolerance,
)
from melian.decide.mcda import all_scores, scores
from melian.errors import ModelError
from melian.scenario import load_scenario

MINIMAL = "tests/data/scenarios/minimal.yaml"  # options ally, exit, drift; security (world, max,
# weight 0.6) and sovereignty (judgement scores 2, 5, 3, max, weight 0.4)


# ------------------------------------------------------------------ floating-point noise
def test_a_column_equal_up_to_rounding_does_not_move_the_ranking() -> None:
    # column a differs only by 1e-10 (rounding) and carries 90% of the weight; column b is
    # (3, 1, 2). The ranking must be b's alone: min-max (1, 0, 0.5) for both methods (TOPSIS on
    # one criterion is (r - min) / (max - min)); vector: b / sqrt(14) for the weighted sum.
    m = np.array([[1.0, 3.0], [1.0 + 1e-10, 1.0], [1.0 - 1e-10, 2.0]])
    w = np.array([0.9, 0.1])
    t = np.array([1, 1])
    got = all_scores(m, w, t)
    np.testing.assert_allclose(got["wsm-minmax"], [1.0, 0.0, 0.5], atol=1e-12)
    np.testing.assert_allclose(got["topsis-minmax"], [1.0, 0.0, 0.5], atol=1e-12)
    np.testing.assert_allclose(got["wsm-vector"], np.array([3, 1, 2]) / math.sqrt(14), atol=1e-12)
    np.testing.assert_allclose(got["topsis-vector"], [1.0, 0.0, 0.5], atol=1e-12)
    # the ranking on b alone, exactly
    for k, v in got.items():
        np.testing.assert_allclose(v, scores(m[:, [1]], w[[1]], t[[1]], *k.split("-")), atol=1e-12)
    # the test bites: with no threshold at all, min-max stretches the 1e-10 to 0..1 and the
    # option 1e-10 ahead comes first
    naive = all_scores(m, w, t, np.zeros(2))
    assert int(np.argmax(naive["wsm-minmax"])) == 1


def test_tolerance_is_relative_with_an_absolute_floor() -> None:
    assert tolerance(np.array([1000.0, -2000.0])) == pytest.approx(2e-6 + 1e-12, rel=1e-12)
    assert tolerance(np.zeros(3)) == 1e-12
    q, basis = threshold(np.array([5.0, 6.0]))
    assert basis == "tolerance" and q == pytest.approx(6e-9 + 1e-12)


# ------------------------------------------------------------------ Monte Carlo error
def test_threshold_is_two_standard_errors_of_a_difference() -> None:
    # q = 2 sqrt(2) max se: 2 * sqrt(2) * 2e-6 = 5.657e-6
    q, basis = threshold(np.array([1.6e-6, 6.3e-6, 3.0e-6]), np.array([1e-6, 2e-6, 1.5e-6]))
    assert basis == "monte-carlo" and q == pytest.approx(2 * math.sqrt(2) * 2e-6, rel=1e-9)
    # never below the floating-point tolerance (a standard error of zero)
    q0, _ = threshold(np.array([0.0, 1e-15]), np.zeros(2))
    assert q0 == pytest.approx(1e-12, rel=1e-6)
    # a given threshold overrides; a negative one is an error
    assert threshold(np.array([1.0, 2.0]), np.ones(2), 0.25) == (0.25, "given")
    with pytest.raises(ModelError, match="non-negative"):
        threshold(np.array([1.0, 2.0]), None, -1.0)


def test_a_column_within_two_standard_errors_is_non_discriminating() -> None:
    # the reserves case: 1.6e-6 .. 6.3e-6 (spread 4.7e-6)
    m = np.array([[1.6e-6, 3.0], [6.3e-6, 1.0], [3.0e-6, 2.0]])
    noisy = indifference_thresholds(m, ["reserves", "b"], {"reserves": np.full(3, 2e-6)})
    assert noisy[0].threshold == pytest.approx(5.657e-6, rel=1e-3)  # 2 sqrt(2) 2e-6
    assert not noisy[0].discriminating and noisy[0].spread == pytest.approx(4.7e-6)
    assert noisy[1].discriminating and noisy[1].basis == "tolerance"
    # four times the paths: half the standard error, q = 2.83e-6 < 4.7e-6: it discriminates
    sharp = indifference_thresholds(m, ["reserves", "b"], {"reserves": np.full(3, 1e-6)})
    assert sharp[0].discriminating
    with pytest.raises(ModelError, match="unknown criteria"):
        indifference_thresholds(m, ["reserves", "b"], given={"nope": 1.0})


def _ensemble(p: dict[str, float], paths: int) -> SimpleNamespace:
    return SimpleNamespace(
        results={
            o: SimpleNamespace(paths=paths, probabilities={"security_crisis": v}, metrics={})
            for o, v in p.items()
        },
        paths=paths,
        horizon=12,
        seed=1,
    )


# security (max) best for ally by a hair; sovereignty (2, 5, 3) puts exit first
P = {"ally": 0.305, "exit": 0.298, "drift": 0.300}


def test_rank_leaves_out_a_criterion_within_monte_carlo_error_and_says_so() -> None:
    s = load_scenario(MINIMAL)
    ev = gather_evidence(s, ensemble=_ensemble(P, 20_000))
    # binomial standard errors: sqrt(p (1 - p) / n)
    assert ev.errors["security"]["ally"] == pytest.approx(math.sqrt(0.305 * 0.695 / 20_000))
    assert "sovereignty" not in ev.errors  # judgement scores: no standard error
    r = rank(s, ev)
    # q = 2 sqrt(2) sqrt(0.305 * 0.695 / 20000) = 0.00921 > spread 0.007
    (sec,) = [x for x in r.indifference if x.criterion == "security"]
    assert sec.basis == "monte-carlo"
    assert sec.threshold == pytest.approx(2 * math.sqrt(2 * 0.305 * 0.695 / 20_000), rel=1e-9)
    assert r.non_discriminating == ["security"]
    # the ranking is sovereignty's alone: min-max (0, 1, 1/3) under both methods
    np.testing.assert_allclose(r.scores["wsm-minmax"], [0.0, 1.0, 1 / 3], atol=1e-12)
    np.testing.assert_allclose(r.scores["topsis-minmax"], [0.0, 1.0, 1 / 3], atol=1e-12)
    assert r.top() == "exit" and r.robust_to_method
    # reported: in the dict, each criterion's threshold, and in the frame's attributes
    d = r.to_dict()
    assert d["non_discriminating"] == ["security"]
    crit = {c["id"]: c for c in d["criteria"]}
    assert crit["security"]["discriminating"] is False
    assert crit["security"]["threshold_basis"] == "monte-carlo"
    assert crit["sovereignty"]["discriminating"] is True
    assert d["evidence"]["standard_errors"]["security"]["exit"] > 0
    assert r.to_frame().attrs["non_discriminating"] == ["security"]
    assert "security" in r._repr_html_()
    # moving the noise criterion's weight rescales the others only: the weighted sum's top
    # option holds over the whole interval
    (iv,) = [x for x in r.stability["wsm-minmax"] if x.criterion == "security"]
    assert (iv.low, iv.high) == (0.0, 1.0)
    # the test bites: without the threshold, min-max stretches the 0.007 and ally comes first
    # (0.6 * 1 + 0.4 * 0 = 0.6 against exit's 0.4)
    naive = rank(s, ev, thresholds={"security": 0.0})
    assert naive.non_discriminating == [] and naive.top("wsm-minmax") == "ally"
    np.testing.assert_allclose(naive.scores["wsm-minmax"][:2], [0.6, 0.4], atol=1e-12)


def test_more_paths_make_the_same_difference_a_preference() -> None:
    s = load_scenario(MINIMAL)
    # 200,000 paths: q = 2 sqrt(2 * 0.305 * 0.695 / 2e5) = 0.0029 < 0.007
    r = rank(s, gather_evidence(s, ensemble=_ensemble(P, 200_000)))
    assert r.non_discriminating == [] and r.top("wsm-minmax") == "ally"


def test_world_standard_errors() -> None:
    summ = SimpleNamespace(mean=3.0, sd=2.0, quantiles={"p50": 2.5}, cvar95=7.0)
    res = SimpleNamespace(paths=10_000, probabilities={"crisis": 0.36}, metrics={"cost": summ})
    assert world_error(res, "cost", "mean") == pytest.approx(0.02)  # 2 / sqrt(10000)
    assert world_error(res, "crisis", "probability") == pytest.approx(0.0048)  # .6 * .8 / 100
    assert world_error(res, "p_crisis", "mean") == pytest.approx(0.0048)
    assert world_error(res, "cost", "median") is None  # no standard error of a quantile
    assert world_error(res, "cost", "cvar95") is None


def test_given_thresholds_and_plain_evidence() -> None:
    s = load_scenario(MINIMAL)
    ev = {"security": P, "sovereignty": {"ally": 2, "exit": 5, "drift": 3}}
    # plain numbers carry no standard error: the tolerance alone, security discriminates
    r = rank(s, ev)
    assert r.non_discriminating == [] and r.top("wsm-minmax") == "ally"
    # a declared threshold of 0.01 makes it a tie across the board
    r = rank(s, ev, thresholds={"security": 0.01})
    assert r.non_discriminating == ["security"] and r.top() == "exit"
    assert r.to_dict()["criteria"][0]["threshold_basis"] == "given"
    with pytest.raises(ModelError, match="unknown criteria"):
        rank(s, ev, thresholds={"cost": 1.0})
    # an Evidence built by a caller may carry its own standard errors
    ev2 = Evidence(
        values={k: {o: float(v) for o, v in d.items()} for k, d in ev.items()},
        provenance={},
        errors={"security": dict.fromkeys(P, 0.01)},
    )
    assert rank(s, ev2).non_discriminating == ["security"]


# ------------------------------------------------------------------ first taken alone
def test_standing_leads_ties_and_not_first() -> None:
    v = {"A": 10.0, "B": 9.5, "C": 9.0}
    # q = 0.6: A is within 0.6 of B (0.5) but not of C (1.0)
    a = standing(v, "max", 0.6, "A")
    assert a.first and not a.lead and a.tied_with == ("B",)
    b = standing(v, "max", 0.6, "B")  # nothing beats B by more than 0.6: tied with A and C
    assert b.first and not b.lead and b.tied_with == ("A", "C")
    assert not standing(v, "max", 0.6, "C").first  # A beats C by 1.0
    # q = 0.4: A leads; for a cost (min) C leads
    assert standing(v, "max", 0.4, "A").lead
    assert standing(v, "min", 0.4, "C").lead and not standing(v, "min", 0.4, "A").first
    # an exact tie at the top is a tie, not a lead
    t = standing({"A": 1.0, "B": 1.0}, "max", tolerance(np.array([1.0, 1.0])), "A")
    assert t.first and not t.lead and t.tied_with == ("B",)


def test_ranking_reports_what_the_top_option_leads_and_ties_on() -> None:
    s = load_scenario(MINIMAL)
    # security: ally 0.9 against exit 0.9 (a tie), drift 0.1; sovereignty: ally leads (6)
    ev = {
        "security": {"ally": 0.9, "exit": 0.9, "drift": 0.1},
        "sovereignty": {"ally": 6, "exit": 5, "drift": 3},
    }
    r = rank(s, ev)
    assert r.top() == "ally"
    st = r.standing("ally")
    assert st["sovereignty"].lead and not st["security"].lead
    assert st["security"].tied_with == ("exit",)
    assert r.to_dict()["top_first_on"] == {
        "leads": ["sovereignty"],
        "ties": {"security": ["exit"]},
    }
    with pytest.raises(ModelError, match="unknown option"):
        r.standing("nope")
