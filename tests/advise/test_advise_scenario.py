"""Levers on the built-in scenario: any actor, every model, determinism, faces, credible bounds."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from melian.advise import AdviseError, advise, credibility
from melian.bargaining.adapters import problem_from_scenario
from melian.bargaining.base import issue_weights
from melian.cli import app
from melian.scenario import load_scenario
from melian.scenario.loader import parse_scenario, to_data, to_json

runner = CliRunner()


@pytest.fixture(scope="module")
def scen():
    return load_scenario("iraq-us-2020")


@pytest.fixture(scope="module")
def us_levers(scen):
    return advise(scen, "us", models=["compromise", "nash", "exchange"], draws=3, seed=7, workers=1)


def test_every_model_runs_for_a_non_focal_actor(scen):
    lv = advise(scen, "sadrists", draws=0, workers=1)
    from melian.bargaining.registry import model_names

    assert lv.models == model_names()  # every registered model, none left out
    assert lv.actor == "sadrists"
    assert len(lv.targets) == 2 * (len(problem_from_scenario(scen).actors) - 1)
    assert {c.issue for c in lv.coalitions} == set(lv.true_position)
    assert any("smp" in n for n in lv.notes)  # two actors hold no position on one issue


def test_levers_shape_and_views(us_levers):
    lv = us_levers
    assert lv.draws == 3 and lv.models == ["compromise", "nash", "exchange"]
    d = json.loads(json.dumps(lv.to_dict(), allow_nan=False))
    assert d["actor"] == "us" and d["stance"]["robust"]["model"] is None
    frame = lv.to_frame()
    assert list(frame.columns) == [
        "section",
        "lever",
        "issue",
        "actor",
        "model",
        "central",
        "mean",
        "low",
        "high",
        "helps",
    ]
    assert set(frame["section"]) == {"stance", "linkage", "persuasion"}
    assert (frame["low"] <= frame["high"] + 1e-12).all()
    assert frame["helps"].between(0, 1).all()
    assert "<li>" in lv._repr_html_()
    en, ar = lv.sentences("en"), lv.sentences("ar")
    assert [s["section"] for s in en] == [s["section"] for s in ar]
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in s["text"]) for s in ar)
    # each lever sentence carries its numbers
    assert all(any(ch.isdigit() for ch in s["text"]) for s in en)


def test_robust_levers_help_in_most_runs(us_levers):
    for t in us_levers.targets:
        if t.robustness.robust:
            assert t.robustness.models_helped > 0.5 and t.robustness.runs_helped > 0.5
    # targets are sorted: every robust one comes before every non-robust one
    flags = [t.robustness.robust for t in us_levers.targets]
    assert flags == sorted(flags, reverse=True)


def test_same_seed_same_result_whatever_the_workers(scen):
    kw = dict(models=["compromise", "median"], draws=4, seed=3)
    a = advise(scen, "iran", workers=1, **kw).to_dict()
    seen: list[tuple[str, int, int]] = []
    b = advise(scen, "iran", workers=2, progress=lambda *x: seen.append(x), **kw).to_dict()
    assert a == b
    # on two processes the runs are reported as they end (2 models x 5 worlds), in the order
    # they end, and again every second while none does
    runs = [(d, t) for stage, d, t in seen if stage == "counterfactual runs"]
    done = [d for d, _ in runs]
    assert done == sorted(done) and runs[-1] == (10, 10) and {t for _, t in runs} == {10}
    c = advise(scen, "iran", workers=1, models=["compromise", "median"], draws=4, seed=4)
    assert c.to_dict() != a


def test_compromise_persuasion_matches_the_closed_form_on_the_scenario(scen):
    lv = advise(scen, "iraq", models=["compromise"], draws=0, workers=1)
    p = problem_from_scenario(scen)
    f = p.actors.index("iraq")
    w = issue_weights(p) * p.salience  # clout, per issue where the scenario gives one
    W = np.nansum(np.where(np.isnan(p.position), 0, w), axis=0)
    O = np.nansum(np.where(np.isnan(p.position), 0, w * np.nan_to_num(p.position)), axis=0) / W
    xf, sf = p.position[f], p.salience[f]
    for t in lv.targets:
        if t.kind != "position":
            continue
        j = p.actors.index(t.actor)
        ok = ~np.isnan(p.position[j])
        move = np.where(ok, np.minimum(10.0, np.abs(xf - p.position[j])), 0.0)
        d = np.sign(xf - p.position[j])
        O2 = O + np.where(ok, w[j] * d * move / W, 0.0)
        u = lambda o: 100 * np.sum(sf * (1 - np.abs(o - xf) / 100)) / sf.sum()  # noqa: E731
        assert t.gains["compromise"].central == pytest.approx(u(O2) - u(O), abs=1e-9)


def test_declared_credibility_is_used(scen):
    data = to_data(scen)
    for iss in data["issues"]:
        if iss["id"] == "army":
            for pos in iss["positions"]:
                if pos["actor"] == "iraq":
                    pos["credible"] = {"position": 5, "salience": 30, "source": pos["source"]}
    s2 = parse_scenario(json.dumps(data), "edited.json")
    p = problem_from_scenario(s2)
    bp, bs = credibility(s2, p, "iraq")
    k = p.issues.index("army")
    assert bp[k] == 5 and bs[k] == pytest.approx(0.30)
    other = p.issues.index("alignment")
    assert bp[other] == pytest.approx(15.0) and bs[other] == pytest.approx(0.15)
    lv = advise(s2, models=["compromise"], draws=0, workers=1)
    vals = {o.value for o in lv.stance_options if o.issue == "army" and o.kind == "position"}
    assert vals == {80.0, 90.0}  # true 85 +/- 5
    assert "credible" in to_json(s2)


def test_errors(scen):
    with pytest.raises(AdviseError, match="not at the table"):
        advise(scen, "isis", draws=0, models=["compromise"], workers=1)
    with pytest.raises(Exception, match="unknown bargaining model"):
        advise(scen, draws=0, models=["nope"], workers=1)


def test_cli_json_and_errors():
    res = runner.invoke(
        app,
        ["advise", "iraq-us-2020", "--actor", "us", "--draws", "0", "-m", "compromise", "--json"],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["actor"] == "us" and d["models"] == ["compromise"] and d["sentences"]
    res = runner.invoke(app, ["advise", "iraq-us-2020", "--actor", "nobody", "--draws", "0"])
    assert res.exit_code == 2
    assert "nobody" in res.output and "Traceback" not in res.output
    res = runner.invoke(
        app, ["advise", "iraq-us-2020", "--draws", "0", "-m", "compromise", "--lang", "ar"]
    )
    assert res.exit_code == 0 and "levers for iraq" in res.stdout


def test_any_actor_of_another_scenario():
    from pathlib import Path

    s = load_scenario(str(Path(__file__).parents[1] / "data" / "scenarios" / "minimal.yaml"))
    for actor in problem_from_scenario(s).actors:
        lv = advise(s, actor, draws=1, seed=1, workers=1)
        assert lv.actor == actor and lv.models
        assert json.dumps(lv.to_dict(), allow_nan=False)
        assert lv.sentences("ar") and lv.to_frame().shape[0] > 0


def test_resource_caps(scen, monkeypatch):
    from melian.errors import LimitError

    monkeypatch.setenv("MELIAN_MAX_SAMPLES", "5")
    with pytest.raises(LimitError, match="samples"):
        advise(scen, draws=6, models=["compromise"], workers=1)
    monkeypatch.setenv("MELIAN_MAX_SAMPLES", "1000")
    monkeypatch.setenv("MELIAN_MAX_MEMORY", "1M")
    with pytest.raises(LimitError, match="lever analysis"):
        advise(scen, draws=100, models=["compromise"], workers=1)


def test_progress_reports_every_run_of_each_stage(scen):
    """Progress moves as each model's runs in one sampled world end, in both stages, and
    does not change the result."""
    calls: list[tuple[str, int, int]] = []
    kw = {"models": ["compromise", "median"], "draws": 2, "seed": 4}
    a = advise(scen, "iran", workers=1, progress=lambda *c: calls.append(c), **kw).to_dict()
    b = advise(scen, "iran", workers=1, **kw).to_dict()
    assert a == b
    runs = [c for c in calls if c[0] == "counterfactual runs"]
    # 2 models x 3 worlds (the central inputs and 2 draws), one call per task, in order
    assert runs == [("counterfactual runs", k, 6) for k in range(1, 7)]
    packages = [c for c in calls if c[0] == "packages"]
    assert packages and packages[-1][1] == packages[-1][2]
    assert [c[1] for c in packages] == list(range(1, packages[-1][2] + 1))


def test_same_result_from_a_thread_with_spawned_workers(scen):
    """Inside another thread (a web job) the pool spawns its workers instead of forking; the
    result is the same as in one process."""
    import threading

    kw = {"models": ["compromise", "median"], "draws": 2, "seed": 5}
    out: dict[str, object] = {}

    def job() -> None:
        out["two"] = advise(scen, "iran", workers=2, **kw).to_dict()

    t = threading.Thread(target=job)
    t.start()
    t.join()
    assert out["two"] == advise(scen, "iran", workers=1, **kw).to_dict()


def test_while_no_run_ends_the_progress_is_reported_again(scen, monkeypatch):
    # the brief forwards its other processes' progress whenever this one reports: a wait on the
    # pool reports again every HEARTBEAT seconds (here 1 ms, far below a model run)
    import melian.advise.core as core

    monkeypatch.setattr(core, "HEARTBEAT", 0.001)
    seen: list[tuple[str, int, int]] = []
    advise(scen, "iran", models=["compromise"], draws=3, seed=1, workers=2,
           progress=lambda *x: seen.append(x))  # fmt: skip
    runs = [(d, t) for stage, d, t in seen if stage == "counterfactual runs"]
    assert len(runs) > len(set(runs)) and runs[-1] == (4, 4)
