"""Every result of the analysis layer: to_dict() is JSON (no NaN), to_frame() a tidy pandas
DataFrame, _repr_html_() a compact table (small runs of the built-in scenario)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import melian


@pytest.fixture(scope="module")
def scenario():
    return melian.load_scenario("iraq-us-2020")


def check(result: object, columns: list[str] | None = None) -> pd.DataFrame:
    d = result.to_dict()  # type: ignore[attr-defined]
    json.dumps(d, allow_nan=False)
    frame = result.to_frame()  # type: ignore[attr-defined]
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0
    if columns is not None:
        assert list(frame.columns) == columns
    html = result._repr_html_()  # type: ignore[attr-defined]
    assert html.startswith("<div>") and "<table>" in html and len(html) < 20_000
    return frame


def test_forecast_results(scenario) -> None:
    f = melian.forecast(scenario, model="compromise")
    frame = check(f, ["model", "issue", "round", "actor", "position"])
    # the initial round is every actor's stated position
    first = frame[(frame["round"] == 0) & (frame["issue"] == "us-presence")]
    stated = {p.actor: p.position for p in scenario.issue("us-presence").positions}
    assert dict(zip(first["actor"], first["position"], strict=True)) == {
        a: stated[a] for a in first["actor"]
    }
    fs = melian.forecast_all(scenario, ["compromise", "median"])
    assert set(check(fs)["model"]) == {"compromise", "median"}
    assert fs.points()["median"] == melian.forecast(scenario, "median").point()


def test_game_result(scenario) -> None:
    g = melian.analyse_game(scenario, conditions=False, qre_points=5)
    frame = check(g, ["profile", "player", "component", "value"])
    # the components of a player's payoff sum to its total in every profile
    for (_, _), grp in frame.groupby(["profile", "player"]):
        total = grp.loc[grp["component"] == "total", "value"].iloc[0]
        parts = grp.loc[grp["component"] != "total", "value"].sum()
        assert parts == pytest.approx(total, abs=1e-9)


def test_world_rank_and_explore_results(scenario) -> None:
    e = melian.simulate(scenario, paths=256, horizon=12, workers=1)
    check(e)
    seen: list[tuple[int, int]] = []
    r = melian.rank(scenario, paths=256, horizon=12, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1] > 0  # the evidence's world simulation, to its end
    frame = check(r, ["method", "option", "score", "rank"])
    assert set(frame.groupby("method")["rank"].min()) == {1}
    t = melian.explore_scenario(scenario, "tornado", paths_per_sample=20, horizon=12)
    check(t)
