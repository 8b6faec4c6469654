"""Backtest: published DEU baselines, cluster bootstrap determinism, failures, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from melian.bargaining.base import Forecast, IssueForecast
from melian.bargaining.io.deu import packaged_path, read_deu
from melian.bargaining.validation.backtest import (
    backtest,
    baseline_forecasts,
    forecast_issues,
    mean_absolute_error,
)
from melian.errors import ModelError

DEV = packaged_path("deu-dev.tsv")

# Published baselines on the dev file (reference/bargaining-models.md, section 7).
PUBLISHED = {
    "salience_mean": 23.87,
    "mean": 23.72,
    "capability_salience_mean": 24.11,
    "salience_median": 28.60,
    "median": 28.62,
    "constant50": 29.04,
    "commission": 36.32,
    "parliament": 35.17,
}


@pytest.fixture(scope="module")
def dev():
    return read_deu(DEV, capability="gdp")


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_baselines(dev, name):
    mae, n = mean_absolute_error(baseline_forecasts(dev)[name], dev)
    assert mae == pytest.approx(PUBLISHED[name], abs=0.01)
    assert n == {"commission": 168, "parliament": 138}.get(name, 172)


def _const_runner(value_of):
    def run(name, problem):
        v = value_of(name, problem)
        return Forecast(
            model=name,
            params={},
            actors=problem.actors,
            issues=[
                IssueForecast(issue=i, point=v, trajectory=problem.position[:, [k]].T)
                for k, i in enumerate(problem.issues)
            ],
            rounds=0,
        )

    return run


def _wmean(problem):
    x, s = problem.position[:, 0], problem.salience[:, 0]
    return float(np.dot(x, s) / s.sum()) if s.sum() > 0 else float(x.mean())


def test_backtest_with_own_runner_and_failures(dev):
    def value(name, problem):
        if name == "compromise":
            return _wmean(problem)
        if name == "fails-sometimes" and problem.meta["proposal"] == "d00032":
            raise ModelError("degenerate")
        return 50.0

    res = backtest(dev, ["fifty", "fails-sometimes"], runner=_const_runner(value), n_boot=500)
    assert list(res.models) == ["fifty", "fails-sometimes", "compromise"]
    assert res.models["compromise"].mean_ae == pytest.approx(23.87, abs=0.01)
    assert res.models["fifty"].mean_ae == pytest.approx(29.04, abs=0.01)
    f = res.models["fails-sometimes"]
    assert len(f.failures) == 4 and f.n == 168
    assert f.failures[0] == {"issue": "d00032i1", "error": "degenerate"}
    fifty = res.models["fifty"]
    assert fifty.diff_mean_ae == pytest.approx(29.04 - 23.87, abs=0.02)
    lo, hi = fifty.diff_ci
    assert lo < fifty.diff_mean_ae < hi
    assert res.models["compromise"].diff_ci == (0.0, 0.0)
    pred = fifty.predictions[0]
    assert pred == {"issue": "d00032i1", "proposal": "d00032", "forecast": 50.0, "outcome": 100.0}
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["models"]["fails-sometimes"]["n_failures"] == 4


def test_bootstrap_is_deterministic_and_seed_dependent(dev):
    run = _const_runner(
        lambda n, p: _wmean(p) if n == "compromise" else float(np.median(p.position))
    )
    a = backtest(dev, ["med"], runner=run, seed=7, n_boot=400).models["med"].diff_ci
    b = backtest(dev, ["med"], runner=run, seed=7, n_boot=400).models["med"].diff_ci
    c = backtest(dev, ["med"], runner=run, seed=8, n_boot=400).models["med"].diff_ci
    assert a == b
    assert a != c


def test_cluster_bootstrap_wider_than_issue_bootstrap(dev):
    """Issues of a proposal are correlated: resampling proposals gives a wider interval."""
    from melian.bargaining.validation.backtest import _bootstrap_weights, paired_cluster_ci

    base = baseline_forecasts(dev)
    y = np.array([i.outcome for i in dev])
    e1 = np.abs(base["median"] - y)
    e0 = np.abs(base["salience_mean"] - y)
    props = np.array([i.proposal for i in dev])
    ok = np.isfinite(y)
    gi = {p: k for k, p in enumerate(dict.fromkeys(props[ok]))}
    _, (lo_c, hi_c), _ = paired_cluster_ci(e1, e0, props, _bootstrap_weights(len(gi), 3000, 1), gi)
    issues = np.array([i.issue for i in dev])
    ii = {p: k for k, p in enumerate(issues[ok])}
    _, (lo_i, hi_i), _ = paired_cluster_ci(e1, e0, issues, _bootstrap_weights(len(ii), 3000, 1), ii)
    assert hi_c - lo_c > hi_i - lo_i


def test_registry_backtest_runs_every_model_fast_ones(dev):
    res = backtest(dev, ["compromise", "median", "melian-deu"], n_boot=200)
    assert res.models["compromise"].mean_ae == pytest.approx(24.11, abs=0.01)  # GDP x salience
    assert res.models["melian-deu"].n == 172


def test_cli_backtest_json():
    from melian.cli import app

    r = CliRunner().invoke(
        app, ["backtest", "deu", str(DEV), "--model", "compromise", "--json", "--seed", "3"]
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    m = data["models"]["compromise"]
    assert m["n"] == 172 and round(m["mean_ae"], 2) == 24.11
    assert set(m["predictions"][0]) >= {"issue", "forecast", "outcome"}
    assert data["seed"] == 3
    assert "manifest" in data


def test_cli_backtest_errors(tmp_path):
    from melian.cli import app

    bad = tmp_path / "bad.tsv"
    bad.write_text("prnr\tisnr\tpcom\tscom\tout\nP\tI\t500\t50\t1\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["backtest", "deu", str(bad), "--capability", "equal"])
    assert r.exit_code == 2
    assert f"{bad}:2:3: pcom:" in r.output
    r = CliRunner().invoke(app, ["backtest", "deu", str(DEV), "--model", "nope"])
    assert r.exit_code == 2 and "unknown bargaining model" in r.output


def test_smp_backtest_leaves_out_zero_salience_actors_instead_of_failing():
    """DEU codes indifference as salience 0: the SMP runs without those actors on that issue."""
    issues = [
        it
        for it in read_deu(DEV)
        if np.isfinite(it.outcome) and np.any(np.asarray(it.problem.salience) == 0)
    ]
    assert len(issues) >= 5  # the dev file has such issues (22 failed before)
    pred, failures = forecast_issues(issues, "smp")
    assert failures == []
    assert np.all(np.isfinite(pred))
    assert np.all((pred >= 0) & (pred <= 100))
