"""Capability made two things: material capability (game, world) and clout at the table
(bargaining models), with the documented defaults when a scenario gives only one.

The fixture is ``tests/data/scenarios/minimal.yaml`` with its actors block replaced. Expected
forecasts are computed by hand in the comments (compromise = sum c s x / sum c s; weighted median
with weights c s, Black 1948).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from melian.bargaining import forecast, forecast_all, run_forecast
from melian.bargaining.adapters import problem_from_scenario
from melian.bargaining.registry import get_model
from melian.errors import InputError
from melian.games.payoffs import game_data
from melian.scenario import load_scenario, parse_scenario
from melian.scenario.capability import actor_clout, capabilities, issue_clouts
from melian.scenario.schema import Scenario

MINIMAL = Path(__file__).parent.parent / "data" / "scenarios" / "minimal.yaml"
CINC = {"small": 0.00548, "big": 0.12605, "rival": 0.01635}

# Clouts: small 40 everywhere; big 100, but 50 on aid; rival per issue only (presence 60,
# aid 10); faction 10. Insurgents sit at no table and need none.
CLOUT_ACTORS = """actors:
  - {id: small, name: Small State, kind: state,
     capability: {series: cow-cinc, code: 645, year: 2019, source: nmc7},
     clout: {value: 40, source: analyst, judgement: true, confidence: low}}
  - {id: big, name: Big Power, kind: state,
     capability: {series: cow-cinc, code: 2, year: 2019, source: nmc7},
     clout: {value: 100, issues: {aid: 50}, source: analyst, judgement: true}}
  - {id: rival, name: Regional Rival, kind: state,
     capability: {series: cow-cinc, code: 630, year: 2019, source: nmc7},
     clout: {issues: {presence: 60, aid: 10}, source: analyst, judgement: true}}
  - {id: faction, name: Aligned Faction, kind: faction, parent: small,
     capability: {value: 0.002, source: analyst, judgement: true},
     clout: {value: 10, source: analyst, judgement: true}}
  - {id: insurgents, name: Insurgents, kind: armed_group, at_table: false,
     capability: {value: 0.0005, source: analyst, judgement: true}}
"""


def with_actors(block: str) -> str:
    """The minimal scenario's text with its actors block replaced by ``block``."""
    text = MINIMAL.read_text()
    return re.sub(r"(?ms)^actors:\n.*?(?=^issues:)", block, text)


@pytest.fixture(scope="module")
def clouted() -> Scenario:
    return parse_scenario(with_actors(CLOUT_ACTORS), "clouted.yaml")


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as exc:
        parse_scenario(text, "bad.yaml")
    return [(p.path, p.message) for p in exc.value.problems]


# --------------------------------------------------------------------------- defaults
def test_capability_only_bargains_with_capability() -> None:
    """Backward compatible: no clout anywhere -> the bargaining weight is the capability."""
    s = load_scenario(MINIMAL)
    p = problem_from_scenario(s)
    caps = capabilities(s)
    np.testing.assert_allclose(p.capability, [caps[a] for a in p.actors])
    assert "power" not in p.meta
    for a in s.actors:
        assert actor_clout(a) == caps[a.id]
    # hand check: compromise on aid with CINC weights (small .6, big .3, rival .2)
    w = np.array([caps["small"] * 0.6, caps["big"] * 0.3, caps["rival"] * 0.2])
    expect = float(w @ [90, 50, 20] / w.sum())
    assert forecast(s, "compromise").point()["aid"] == pytest.approx(expect, abs=1e-9)


def test_clout_only_gives_material_capability() -> None:
    """No capability anywhere -> material capability = the clout's value."""
    block = """actors:
  - {id: small, name: S, kind: state, clout: {value: 4, source: analyst}}
  - {id: big, name: B, kind: state, clout: {value: 10, issues: {aid: 2}, source: analyst}}
  - {id: rival, name: R, kind: state, clout: {value: 3, source: analyst}}
  - {id: faction, name: F, kind: faction, clout: {value: 1, source: analyst}}
  - {id: insurgents, name: I, kind: armed_group, at_table: false, clout: {value: 0.5, source: analyst}}
"""
    s = parse_scenario(with_actors(block))
    assert capabilities(s) == {"small": 4, "big": 10, "rival": 3, "faction": 1, "insurgents": 0.5}
    d = game_data(s)
    np.testing.assert_allclose(d.cap, [4, 10, 3, 1, 0.5])
    # clout on aid: big 2 (per-issue), others their value
    assert issue_clouts(s)["aid"] == {"small": 4, "big": 2, "rival": 3}


# --------------------------------------------------------------------------- clout in models
def test_problem_carries_clout_not_capability(clouted: Scenario) -> None:
    p = problem_from_scenario(clouted)
    assert p.actors == ("small", "big", "rival", "faction")
    # base clout; rival has per-issue clout only: the mean of 60 and 10
    np.testing.assert_allclose(p.capability, [40, 100, 35, 10])
    power = p.meta["power"]
    np.testing.assert_array_equal(np.isnan(power), [[1, 1], [1, 0], [0, 0], [1, 1]])
    assert power[1, 1] == 50 and power[2, 0] == 60 and power[2, 1] == 10
    one = problem_from_scenario(clouted, ["aid"])
    np.testing.assert_allclose(one.capability, [40, 50, 10])
    assert "power" not in one.meta


def test_compromise_and_median_use_issue_clout(clouted: Scenario) -> None:
    # presence: c*s = small 40*.8=32, big 100*.5=50, rival 60*.9=54, faction 10*.7=7 (143)
    #   compromise (32*40 + 50*60 + 54*0 + 7*10)/143 = 4350/143
    #   median: cumulative 54 (0), 61 (10), 93 (40) passes 71.5 at 40
    # aid: small 40*.6=24, big 50*.3=15, rival 10*.2=2 (41)
    #   compromise (24*90 + 15*50 + 2*20)/41 = 2950/41; median: cumulative 2, 17, 41 -> 90
    comp = forecast(clouted, "compromise").point()
    assert comp["presence"] == pytest.approx(4350 / 143, abs=1e-9)
    assert comp["aid"] == pytest.approx(2950 / 41, abs=1e-9)
    med = forecast(clouted, "median").point()
    assert med == {"presence": 40.0, "aid": 90.0}


def test_models_weigh_each_issue_by_its_clout(clouted: Scenario) -> None:
    joint = forecast_all(clouted)
    for name, f in joint.items():
        split = "clout differs by issue" in f.extra.get("note", "")
        assert split == (not get_model(name).issue_weights), name
        if name == "exchange":
            continue  # trades across issues: a joint run differs from one issue at a time
        for iss in ("presence", "aid"):
            alone = run_forecast(name, problem_from_scenario(clouted, [iss]))
            assert f.point()[iss] == pytest.approx(alone.point()[iss], abs=1e-9), (name, iss)
    # the exchange model starts from the compromise outcome with per-issue weights c_ip s_ip
    start = joint["exchange"].extra["initial_outcome"]
    assert start["presence"] == pytest.approx(4350 / 143, abs=1e-9)
    assert start["aid"] == pytest.approx(2950 / 41, abs=1e-9)
    assert {n for n in joint if not get_model(n).issue_weights} == {"smp", "melian-deu"}


def test_game_keeps_material_capability(clouted: Scenario) -> None:
    d = game_data(clouted)
    cap = dict(zip(d.actors, d.cap, strict=True))
    for a, v in CINC.items():
        assert cap[a] == pytest.approx(v, abs=1e-5)
    assert cap["faction"] == 0.002


# --------------------------------------------------------------------------- problems
def test_mixed_clout_scales_are_refused() -> None:
    block = CLOUT_ACTORS.replace(
        "     clout: {value: 10, source: analyst, judgement: true}}", "}"
    ).replace(
        "capability: {value: 0.002, source: analyst, judgement: true},",
        "capability: {value: 0.002, source: analyst, judgement: true}",
    )
    probs = problems_of(with_actors(block))
    assert probs[0][0] == "actors[3].id"
    assert "without a clout" in probs[0][1] and "different scales" in probs[0][1]


def test_mixed_capability_scales_are_refused() -> None:
    block = CLOUT_ACTORS.replace(
        "capability: {value: 0.002, source: analyst, judgement: true},\n", ""
    )
    probs = problems_of(with_actors(block))
    assert probs == [
        (
            "actors[3].id",
            "actor 'faction' has no capability while 'small' has one; its clout would stand in "
            "on another scale, so give every actor a capability (or none)",
        )
    ]


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        (
            "issues: {presence: 60, aid: 10}",
            "issues: {presence: 60, aid: 10, trade: 3}",
            "actors[2].clout.issues.trade",
            "unknown issue 'trade'",
        ),
        (
            "clout: {value: 10, source",
            "clout: {value: 10, issues: {aid: 5}, source",
            "actors[3].clout.issues.aid",
            "holds no position on it",
        ),
        (
            "issues: {presence: 60, aid: 10}",
            "issues: {presence: 60}",
            "actors[2].clout",
            "holds a position on issue 'aid' but has no clout there",
        ),
        (
            "clout: {issues: {presence: 60, aid: 10}, source: analyst, judgement: true}",
            "clout: {issues: {presence: 60}, source: analyst, judgement: true}",
            "actors[2].clout",
            "add clout.issues.aid or clout.value",
        ),
    ],
)
def test_clout_problems_are_located(old: str, new: str, path: str, message: str) -> None:
    assert old in CLOUT_ACTORS
    probs = problems_of(with_actors(CLOUT_ACTORS.replace(old, new)))
    assert any(p == path and message in m for p, m in probs), probs


def test_clout_given_twice_is_refused() -> None:
    text = with_actors(CLOUT_ACTORS).replace(
        "{actor: big, position: 50, salience: 30,",
        "{actor: big, position: 50, salience: 30, power: 7,",
    )
    probs = problems_of(text)
    assert any(p == "actors[1].clout.issues.aid" and "given twice" in m for p, m in probs), probs


def test_actor_needs_capability_or_clout() -> None:
    block = CLOUT_ACTORS.replace(
        "     capability: {value: 0.0005, source: analyst, judgement: true}}", "}"
    ).replace("at_table: false,\n}", "at_table: false}")
    probs = problems_of(with_actors(block))
    assert any("needs a capability (material) or a clout" in m for _, m in probs), probs
