"""Predictive distributions: scores against hand computations, the issue's baselines, draws,
ensemble weights, the forecast object and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from melian.bargaining.base import BargainingProblem
from melian.bargaining.io.deu import packaged_path, read_deu
from melian.bargaining.predictive import (
    QUANTILE_LEVELS,
    Calibration,
    ErrorModel,
    MixtureParams,
    allocate,
    candidates,
    draw_outcomes,
    predictive_forecast,
    shipped_calibration,
    thresholds_from_scenario,
)
from melian.bargaining.validation.calibration import (
    BASELINE,
    ENSEMBLE,
    IssueData,
    Member,
    baseline_scores,
    crps_terms,
    distribution_backtest,
    fit_pool,
    interval_levels,
    mean_abs_diff,
    row_mean_abs_diff,
    score_samples,
    stacking_weights,
)

DEV = packaged_path("deu-dev.tsv")


@pytest.fixture(scope="module")
def dev():
    return [it for it in read_deu(DEV, capability="gdp", missing_salience=50) if it.has_outcome]


def test_crps_and_interval_score_match_hand_formulas():
    rng = np.random.default_rng(3)
    x = rng.normal(40, 10, size=(3, 50))
    y = np.array([35.0, 60.0, 41.0])
    s = score_samples(y, x.mean(axis=1), x, rng)
    hand = [
        np.mean(np.abs(x[k] - y[k])) - 0.5 * np.mean(np.abs(x[k][:, None] - x[k][None, :]))
        for k in range(3)
    ]
    assert s.crps == pytest.approx(hand, rel=1e-9)
    lo, hi = np.quantile(x, [0.1, 0.9], axis=1)
    isc = (hi - lo) + 10 * np.maximum(lo - y, 0) + 10 * np.maximum(y - hi, 0)
    assert s.interval_score[0.8] == pytest.approx(isc, rel=1e-9)
    assert s.covered[0.8].tolist() == ((lo <= y) & (y <= hi)).tolist()
    # a point forecast's CRPS is its absolute error
    one = score_samples(y, y, np.repeat([[50.0]], 3, axis=0), rng)
    assert one.crps == pytest.approx(np.abs(50 - y))


def test_mean_abs_diff_is_exact():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=37), rng.normal(1, 2, size=23)
    assert mean_abs_diff(a, b) == pytest.approx(np.mean(np.abs(a[:, None] - b[None, :])))


def test_row_mean_abs_diff_is_exact_with_ties():
    rng = np.random.default_rng(4)
    x = np.round(rng.uniform(0, 10, (6, 31)))  # many ties, within and across the samples
    y = np.round(rng.uniform(0, 10, (6, 17)))
    hand = np.mean(np.abs(x[:, :, None] - y[:, None, :]), axis=(1, 2))
    assert row_mean_abs_diff(x, y) == pytest.approx(hand, rel=1e-12)
    assert row_mean_abs_diff(x, x) == pytest.approx([mean_abs_diff(r, r) for r in x], rel=1e-12)


def test_crps_terms_give_the_mixture_crps():
    """w.a - 0.5 w'Bw is the mean CRPS of the mixture with weights w (exact over the draws)."""
    rng = np.random.default_rng(5)
    y = rng.uniform(0, 100, 12)
    d = [y[:, None] + rng.normal(mu, 8, (12, 50)) for mu in (-10.0, 0.0, 15.0)]
    a, B = crps_terms(d, y)
    w = np.array([0.2, 0.5, 0.3])
    # the exact mixture of the whole samples: E|X - y| and E|X - X'| over weighted draws
    ax = np.array([np.mean(np.abs(x - y[:, None])) for x in d])
    assert a == pytest.approx(ax, rel=1e-12)
    mix = sum(
        w[i] * w[j] * np.mean(np.abs(d[i][:, :, None] - d[j][:, None, :]))
        for i in range(3)
        for j in range(3)
    )
    assert w @ a - 0.5 * w @ B @ w == pytest.approx(w @ ax - 0.5 * mix, rel=1e-12)


def _pool_members(y: np.ndarray, centres: tuple[float, ...]) -> tuple[IssueData, list[Member]]:
    """Members whose points are ``y + centre`` with standard-normal residual pools (no snapping).

    Each issue is its own proposal; spread 1 for every issue; the training issues are all.
    """
    n = y.size
    data = IssueData(
        outcome=y,
        groups=np.arange(n).astype(str),
        positions=[np.array([v]) for v in y],
        reference=np.full(n, np.nan),
        cand=np.zeros((n, 1)),
        cand_logw=np.zeros((n, 1)),
        names=[f"i{k}" for k in range(n)],
    )
    rng = np.random.default_rng(9)
    members = []
    for k, c in enumerate(centres):
        p = y + c
        z = rng.normal(0, 1, n)  # the standardised residuals the pools are drawn from
        u = rng.random((4, n, 200))
        prm = MixtureParams(12.0, 0.0, 8.0)
        m = Member(f"m{k}", prm, p[:, None], np.ones(n), z, np.arange(n), u, np.empty(0))
        m.fit = m.draws(data, m.train, u)
        members.append(m)
    return data, members


def test_spread_adjusted_pool_narrows_a_too_wide_mixture():
    """Two unbiased-on-average members 20 apart, each 12 wide: the plain pool is too wide.

    Outcomes sit between the members' points, so the members' disagreement already spreads the
    mixture; the CRPS-best pool narrows each member (factor < 1). One member keeps factor 1.
    """
    y = np.linspace(20, 80, 80)
    data, members = _pool_members(y, (-10.0, 10.0))
    grid = (0.25, 0.5, 0.75, 1.0)
    factor, w, dr = fit_pool(members, data, shrink=0.0, spread_grid=grid)
    assert factor < 1.0 and w == pytest.approx([0.5, 0.5], abs=0.1)
    scores = {}
    for c in grid:
        d = [m.draws(data, m.train, m.u_fit, c) for m in members]
        a, B = crps_terms(d, y)
        ww = stacking_weights(d, y, shrink=0.0)
        scores[c] = ww @ a - 0.5 * ww @ B @ ww
    assert factor == min(scores, key=scores.get)
    assert fit_pool(members[:1], data, spread_grid=grid)[0] == 1.0


def test_ensemble_spread_narrows_only_the_mixture():
    """A calibration's ensemble_spread narrows the ensemble, not the models' own distributions."""
    p = _problem((0.0, 100.0))
    res = np.linspace(-1.5, 1.5, 41)
    ems = {
        m: ErrorModel(m, res, MixtureParams(1.0, 0.0, 8.0), 0.5) for m in ("compromise", "median")
    }
    plain = Calibration(ems, {"file": "test"})
    slp = Calibration(ems, {"file": "test"}, ensemble_spread=0.5)
    assert Calibration.from_dict(slp.to_dict()).ensemble_spread == 0.5
    assert Calibration.from_dict({"models": plain.to_dict()["models"]}).ensemble_spread == 1.0
    kw = dict(seed=3, input_draws=0, n_samples=4000)
    a = predictive_forecast(p, ["compromise", "median"], calibration=plain, **kw).issues[0]
    b = predictive_forecast(p, ["compromise", "median"], calibration=slp, **kw).issues[0]
    assert [m.to_dict() for m in a.models] == [m.to_dict() for m in b.models]
    iqr = [np.subtract(*np.quantile(x.samples, [0.75, 0.25])) for x in (a, b)]
    assert iqr[1] < 0.8 * iqr[0]
    one = [
        predictive_forecast(p, ["compromise"], calibration=c, **kw).issues[0].samples
        for c in (plain, slp)
    ]
    assert np.array_equal(one[0], one[1])


def test_baseline_reproduces_the_issue_numbers(dev):
    """Issue 15's dev baselines: compromise (GDP weights, missing salience 50), LOPO residuals."""
    from melian.bargaining.validation.backtest import baseline_forecasts

    point = baseline_forecasts(dev)["capability_salience_mean"]
    s = baseline_scores(dev, point, seed=1).summary()
    assert s["mae"] == pytest.approx(24.11, abs=0.005)
    assert s["crps"] == pytest.approx(17.38, abs=0.005)
    assert s["coverage80"] == pytest.approx(0.797, abs=0.0005)
    assert s["interval_score80"] == pytest.approx(103.8, abs=0.05)


def test_candidates_and_snapping():
    pos = np.array([0.0, 20.0, 20.0, 70.0, 100.0, np.nan])
    cand, logw, kinds = candidates(pos, 40.0)
    assert cand.tolist() == [0.0, 20.0, 40.0, 50.0, 70.0, 100.0]
    assert kinds[2] == ["reference"] and kinds[1] == ["position"]
    assert kinds[0] == ["position", "end"]
    assert logw[1] > logw[4]  # two actors at 20, one at 70
    u = np.random.default_rng(0).random((4, 500))
    # no residual spread and no snapping: every draw is the point
    d = draw_outcomes(np.array([33.0]), 5.0, np.zeros(10), cand, logw, MixtureParams(1, 0, 8), u)
    assert np.all(d == 33.0)
    # always snap with a tiny bandwidth: the nearest candidate (40) wins
    d = draw_outcomes(np.array([38.0]), 5.0, np.zeros(10), cand, logw, MixtureParams(1, 1, 0.1), u)
    assert np.all(d == 40.0)
    # clipping puts mass on the ends
    d = draw_outcomes(np.array([95.0]), 10.0, np.array([-1.0, 2.0]), cand, logw, MixtureParams(), u)
    assert set(np.unique(d)) == {85.0, 100.0}


def test_draws_stay_in_the_hull_of_positions_and_reference():
    """Actors between 20 and 60, reference 70: no draw outside [20, 70], no end atom."""
    from melian.bargaining.predictive import hull

    pos = np.array([20.0, 30.0, 60.0])
    assert hull(pos, 70.0) == (20.0, 70.0) and hull(pos, float("nan")) == (20.0, 60.0)
    assert hull(np.array([np.nan]), float("nan")) == (0.0, 100.0)
    cand, _, kinds = candidates(pos, 70.0)
    assert cand.tolist() == [20.0, 30.0, 50.0, 60.0, 70.0]  # 50 inside, the ends outside
    assert ["midpoint"] in kinds and not any("end" in k for k in kinds)
    res = np.linspace(-3, 3, 61)  # wide residuals: without the hull many draws would clip at 0
    u = np.random.default_rng(1).random((4, 5000))
    prm = MixtureParams(2.0, 0.3, 8.0)
    _, logw, _ = candidates(pos, 70.0)
    x = draw_outcomes(np.array([40.0]), 15.0, res, cand, logw, prm, u, bounds=hull(pos, 70.0))
    assert x.min() == 20.0 and x.max() == 70.0
    wide = draw_outcomes(np.array([40.0]), 15.0, res, cand, logw, prm, u)
    assert wide.min() == 0.0  # the old bounds, for contrast


def test_allocate_sums_and_is_proportional():
    c = allocate(np.array([0.5, 0.3, 0.2]), 7)
    assert c.sum() == 7 and c.tolist() == [4, 2, 1]


def test_stacking_prefers_the_better_model():
    rng = np.random.default_rng(2)
    y = rng.uniform(0, 100, 60)
    good = y[:, None] + rng.normal(0, 2, (60, 100))
    bad = y[:, None] + rng.normal(30, 5, (60, 100))
    w = stacking_weights([good, bad], y, shrink=0.0)
    assert w[0] > 0.95 and w.sum() == pytest.approx(1)
    w_shrunk = stacking_weights([good, bad], y, shrink=1e6)
    assert w_shrunk == pytest.approx([0.5, 0.5], abs=1e-3)


def test_interval_levels_shrink_when_outcomes_sit_on_point_masses():
    y = np.zeros(200)
    draws = np.where(np.random.default_rng(0).random((200, 100)) < 0.5, 0.0, 50.0)
    assert interval_levels(y, draws)[0.8] < 0.8


def _cal(residuals: np.ndarray, snap: float = 0.0) -> Calibration:
    em = ErrorModel("compromise", residuals, MixtureParams(1.0, snap, 8.0), 1.0)
    return Calibration({"compromise": em}, {"file": "test"})


def _problem(scale: tuple[float, float] = (0.0, 10.0)) -> BargainingProblem:
    return BargainingProblem(
        actors=("a", "b", "c"),
        issues=("x",),
        capability=np.array([1.0, 1.0, 2.0]),
        position=np.array([[2.0], [4.0], [8.0]]),
        salience=np.array([[1.0], [1.0], [0.5]]),
        scale=np.array([scale]),
        reference=np.array([5.0]),
        name="toy",
    )


def test_predictive_forecast_hand_case():
    """Compromise point (2 + 4 + 8) / 3 on 0-10 (c x s = 1 each); residuals -+1 times spread."""
    p = _problem()
    pf = predictive_forecast(
        p, ["compromise"], seed=7, calibration=_cal(np.array([0.0])), input_draws=0
    )
    it = pf.issues[0]
    c = 14 / 3
    assert it.point == pytest.approx(c)
    assert np.all(it.samples == pytest.approx(c)) and it.median == pytest.approx(c)
    # spread on 0-100 = 1 + mean |x - 46.67| over 20, 40, 80 = 1 + 66.67 / 3 -> 2.3222 on 0-10
    pf = predictive_forecast(
        p, ["compromise"], seed=7, calibration=_cal(np.array([-1.0, 1.0])), input_draws=0
    )
    sp = (1 + 200 / 9) / 10
    assert set(np.round(pf.issues[0].samples, 9)) == {round(c - sp, 9), round(c + sp, 9)}
    from melian.bargaining.predictive import Threshold

    th = Threshold("x", "below four", 4.0, "below", 4.0)
    pf = predictive_forecast(
        p,
        ["compromise"],
        seed=7,
        calibration=_cal(np.array([-1.0, 1.0])),
        input_draws=0,
        thresholds=[th],
        n_samples=2000,
    )
    assert pf.issues[0].thresholds[0].probability == pytest.approx(0.5, abs=0.05)


def test_predictive_forecast_is_deterministic_and_serialisable():
    p = _problem((0.0, 100.0))
    cal = _cal(np.linspace(-1, 1, 21), snap=0.5)
    a = predictive_forecast(p, ["compromise"], seed=11, calibration=cal, input_draws=0)
    b = predictive_forecast(p, ["compromise"], seed=11, calibration=cal, input_draws=0)
    c = predictive_forecast(p, ["compromise"], seed=12, calibration=cal, input_draws=0)
    assert np.array_equal(a.issues[0].samples, b.issues[0].samples)
    assert not np.array_equal(a.issues[0].samples, c.issues[0].samples)
    d = json.loads(json.dumps(a.to_dict()))
    assert d["schema"] == "melian.predictive/1"
    iss = d["issues"][0]
    assert len(iss["quantiles"]) == 99 == QUANTILE_LEVELS.size
    assert len(iss["samples"]) == a.n_samples
    assert set(iss["intervals"]) == {"50", "80", "95"}
    assert sum(x["probability"] for x in iss["atoms"]) <= 1.0
    f = a.to_frame()
    assert list(f.columns) == ["issue", "stat", "level", "value", "probability"]
    assert (f["stat"] == "quantile").sum() == 99


def test_ensemble_streams_do_not_depend_on_model_order():
    from melian.bargaining.uncertainty import uniform_uncertainty

    p = _problem((0.0, 100.0))
    cal = shipped_calibration()
    unc = uniform_uncertainty(p, "medium")
    kw = dict(seed=5, calibration=cal, uncertainty=unc, input_draws=3)
    seen: list[tuple[int, int]] = []
    a = predictive_forecast(
        p, ["compromise", "median"], progress=lambda d, t: seen.append((d, t)), **kw
    )
    assert seen == [(k, 8) for k in range(1, 9)]  # 2 models x (central + 3 draws), run by run
    b = predictive_forecast(p, ["median", "compromise"], **kw)
    sa = {m.model: m.median for m in a.issues[0].models}
    sb = {m.model: m.median for m in b.issues[0].models}
    assert sa == sb
    assert np.array_equal(np.sort(a.issues[0].samples), np.sort(b.issues[0].samples))


def test_shipped_calibration_covers_the_registry():
    from melian.bargaining.registry import model_names

    cal = shipped_calibration()
    assert set(cal.models) == set(model_names())
    assert sum(m.weight for m in cal.models.values()) == pytest.approx(1.0, abs=1e-5)
    assert cal.source["n_issues"] == 172 and cal.source["missing_salience"] == 50


def test_thresholds_map_through_the_unit():
    from melian.scenario import load_scenario

    s = load_scenario("iraq-us-2020")
    th = [t for t in thresholds_from_scenario(s) if t.label == "US troops below 3,000"]
    assert len(th) == 1
    assert th[0].scale_value == pytest.approx(3000 / 10400 * 100)
    assert th[0].direction == "below" and th[0].unit == "US troops in Iraq"


def test_distribution_backtest_compromise_only(dev, tmp_path):
    from melian.bargaining.validation.backtest import baseline_forecasts

    pts = {"compromise": baseline_forecasts(dev)["capability_salience_mean"]}
    res = distribution_backtest(dev, pts, seed=1, n_boot=200, folds=5, n_samples=400)
    assert set(res.summary) == {BASELINE, "compromise", ENSEMBLE}
    base = res.summary[BASELINE]
    assert base["crps"] == pytest.approx(17.38, abs=0.01) and base["diff_crps"] == 0
    comp = res.summary["compromise"]
    assert comp["mae"] == pytest.approx(24.11, abs=0.01)
    assert 0.6 < comp["coverage80"] < 0.95
    lo, hi = comp["diff_crps_ci95"]
    assert lo <= comp["diff_crps"] <= hi
    q = res.quantiles_of("compromise", dev[0].issue)
    assert q is not None and len(q) == 99 and q == sorted(q)
    pit = res.pit[ENSEMBLE]
    assert np.all((pit >= 0) & (pit <= 1))
    from melian.bargaining.validation.calibration import pit_chart

    png = tmp_path / "pit.png"
    pit_chart(res, str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_forecast_distribution_json():
    from melian.cli import app

    r = CliRunner().invoke(
        app,
        [
            "forecast",
            "iraq-us-2020",
            "--distribution",
            "--model",
            "compromise",
            "--input-draws",
            "4",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)["predictive"]
    assert d["models"] == ["compromise"]
    us = next(i for i in d["issues"] if i["issue"] == "us-presence")
    assert us["thresholds"][0]["label"] == "US troops below 3,000"
    assert 0 <= us["thresholds"][0]["probability"] <= 1
    r = CliRunner().invoke(app, ["forecast", "iraq-us-2020", "--distribution", "-m", "compromise"])
    assert r.exit_code == 0 and "P(US troops below 3,000)" in r.output


def test_forecast_shows_the_issue_unit():
    """CLI and brief give the 80% interval and median in the issue's unit as well."""
    from melian.analysis.predictive import predictive
    from melian.brief.sections import _predictive
    from melian.cli import app
    from melian.reprs import amount
    from melian.scenario import load_scenario

    args = ["forecast", "iraq-us-2020", "--distribution", "-m", "compromise", "--input-draws", "4"]
    r = CliRunner().invoke(app, [*args, "--json"])
    us = next(
        i for i in json.loads(r.stdout)["predictive"]["issues"] if i["issue"] == "us-presence"
    )
    lo, hi = us["intervals"]["80"]
    want = (
        f"us-presence in US troops in Iraq: median {amount(us['median'] * 104, 10400)}, "
        f"80% {amount(lo * 104, 10400)} to {amount(hi * 104, 10400)}"
    )
    r = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert r.exit_code == 0 and want in r.output, r.output
    s = load_scenario("iraq-us-2020")
    pf = predictive(s, ["compromise"], seed=3, input_draws=2)
    sec = type("S", (), {"data": {}, "charts": []})()
    _predictive(s, "en", pf, sec, [])
    it = next(i for i in pf.issues if i.issue == "us-presence")
    text = next(j["text"] for j in sec.data["judgements"] if "US troops in Iraq:" in j["text"])
    assert f"median {amount(it.median * 104, 10400)}." in text
    # an issue without a unit gets no such sentence
    army = [j["text"] for j in sec.data["judgements"] if "'Building and arming" in j["text"]]
    assert len(army) == 1 and " In " not in army[0]


def test_cli_backtest_missing_salience(tmp_path):
    from melian.cli import app

    f = tmp_path / "deu2.tsv"
    f.write_text(
        "prnr\tisnr\tpcom\tscom\tpde\tsde\tout\n"
        "P1\tI1\t0\t50\t100\t\t40\n"
        "P2\tI2\t20\t50\t60\t30\t50\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(app, ["backtest", "deu", str(f), "--capability", "equal", "--points"])
    assert r.exit_code == 2 and "--missing-salience" in r.output
    r = CliRunner().invoke(
        app,
        [
            "backtest",
            "deu",
            str(f),
            "--capability",
            "equal",
            "--model",
            "compromise",
            "--missing-salience",
            "50",
            "--points",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["missing_salience"] == 50
    assert d["models"]["compromise"]["predictions"][0]["forecast"] == pytest.approx(50.0)


def test_plain_forecast_gives_points_in_the_issue_unit():
    from melian.cli import app
    from melian.reprs import amount

    r = CliRunner().invoke(app, ["forecast", "iraq-us-2020", "-m", "compromise", "--json"])
    pts = {
        i["issue"]: i["point"]
        for f in json.loads(r.stdout)["forecasts"].values()
        for i in f["issues"]
    }
    r = CliRunner().invoke(app, ["forecast", "iraq-us-2020", "-m", "compromise"])
    assert r.exit_code == 0
    want = f"us-presence in US troops in Iraq: compromise {amount(pts['us-presence'] * 104, 10400)}"
    assert want in r.output
    assert "army in" not in r.output  # no unit declared there
