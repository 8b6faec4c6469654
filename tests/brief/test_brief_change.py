"""Section "What would change the recommendation": breaking points ranked by closeness, the
nearest flip in plain words (and how far outside the declared uncertainty it lies), PRIM and
regret, per view side by side. The explore results are given (canned, hand-written), so every
figure the section shows can be checked exactly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from melian.analysis.brief import RUNNERS
from melian.brief.base import Runners, Settings
from melian.brief.change import change_section
from melian.brief.sections import conclusions
from melian.scenario import load_scenario
from melian.scenario.schema import Scenario

DATA = Path(__file__).parents[1] / "data" / "scenarios"


def _with_view() -> Scenario:
    data = load_scenario(DATA / "synthetic-world.yaml").model_dump(
        mode="json", exclude_unset=True, by_alias=True
    )
    aid = next(c for c in data["world"]["components"] if c["id"] == "aid")
    aid["parameters"]["stop_hazard"] = {
        "dist": "uniform",
        "low": 0.005,
        "high": 0.02,
        "unit": "per month",
        "source": "analyst",
        "judgement": True,
    }
    data["views"] = [
        {
            "id": "sceptic",
            "name": "A sceptic's view",
            "names": {"ar": "رأي المتشكك"},
            "sources": ["analyst"],
            "overrides": [
                {
                    "path": "world/components/closure/parameters/base_hazard/value",
                    "value": 0.05,
                    "source": "analyst",
                }
            ],
        }
    ]
    return Scenario.model_validate(data)


def _switch(name: str, low: float | None, high: float | None, winner: str) -> dict[str, Any]:
    near = min(abs(v) for v in (low, high) if v is not None) if (low or high) else None
    return {
        "input": name,
        "low_z": low,
        "high_z": high,
        "low_value": None if low is None else 10 + low,
        "high_value": None if high is None else 10 + high,
        "low_winner": None if low is None else winner,
        "high_winner": None if high is None else winner,
        "low_se_z": None if low is None else 0.1,
        "high_se_z": None if high is None else 0.2,
        "nearest_z": near,
        "searched_z": 4.0,
    }


#: view -> (breaking points, share of futures where the top option is not best)
CANNED = {
    None: (
        {
            "top": "ally",
            "options": ["ally", "exit", "drift"],
            "inputs": ["a.x", "b.y", "c.z"],
            "central_gap": 0.3,
            "central_gap_se": 0.05,
            "switch_overs": [
                _switch("b.y", -3.5, None, "drift"),
                _switch("a.x", None, 3.0, "exit"),
                _switch("c.z", None, None, "exit"),
            ],
            "nearest": {"beta": 2.7, "z": {}, "winner": "exit", "movers": ["a.x", "b.y"]},
            "notes": [],
        },
        0.25,
    ),
    "sceptic": (
        {
            "top": "exit",
            "options": ["ally", "exit", "drift"],
            "inputs": ["a.x", "b.y", "c.z"],
            "central_gap": 0.1,
            "central_gap_se": 0.02,
            "switch_overs": [_switch("b.y", -0.8, None, "ally")],
            "nearest": {"beta": 0.8, "z": {}, "winner": "ally", "movers": ["b.y"]},
            "notes": [],
        },
        0.5,
    ),
}


@dataclass
class _Res:
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.data


CALLS: list[tuple[str | None, str, dict[str, Any]]] = []


def _explore(s: Scenario, method: str, **kw: Any) -> _Res:  # noqa: ANN401
    CALLS.append((s.view, method, kw))
    br, rate = CANNED[s.view]
    n = kw.get("samples") or 100
    if method == "breaking":
        return _Res(br)
    if method == "prim":
        k = int(rate * n)
        return _Res(
            {
                "experiments": n,
                "cases_not_best": k,
                "base_rate": rate,
                "best_counts": {br["top"]: n - k, "drift": k},
                "boxes": [],
                "recommended": br["top"],
            }
        )
    return _Res(
        {
            "experiments": n,
            "regret": {"utility": {"ally": {"max": 0.4, "p90": 0.2, "mean": 0.1}}},
            "minimax_regret_choice": {"utility": "ally"},
        }
    )


def _explore_methods(s: Scenario, methods: tuple[str, ...], **kw: Any) -> dict[str, _Res]:  # noqa: ANN401
    """PRIM and regret on one ensemble, as the analysis layer's explore_methods gives them."""
    return {m: _explore(s, m, **kw) for m in methods}


def _runners() -> Runners:
    fields = {f: getattr(RUNNERS, f) for f in RUNNERS.__dataclass_fields__}
    fields["explore"] = _explore
    fields["explore_methods"] = _explore_methods
    return Runners(**fields)


SETTINGS = Settings(quick=True, prim_samples=100, seed=1)


def test_breaking_points_ranked_per_view_with_standard_errors():
    s = _with_view()
    sec = change_section(s, "en", SETTINGS, _runners(), lambda m, f: None)
    summary = sec.data["tables"][0]
    assert [r[0] for r in summary["rows"]] == ["the source's view", "A sceptic's view"]
    src, sce = summary["rows"]
    assert src[1] == "Ally with the big power" and sce[1] == "Demand withdrawal"
    assert src[2] == "0.3 ± 0.05"
    assert src[3] == "a.x (3.00 spreads)"  # nearest first, though listed second
    assert src[4] == "2.70"
    assert src[5] == "25.0% ± 4.3"  # sqrt(0.25 x 0.75 / 100) = 0.0433
    breaking = sec.data["tables"][1]
    assert [r[0] for r in breaking["rows"]] == ["a.x", "b.y"]  # c.z has no switch-over
    assert breaking["rows"][0][3] == "13 (+3.00 ± 0.20) → Demand withdrawal"
    text = " ".join(sec.data["paragraphs"])
    # nothing within the declared uncertainty flips the source's ranking: how far outside
    assert "nothing within the declared uncertainty (±2 spreads) flips the ranking" in text
    assert "2.7 spreads from the central values, 0.7 spreads outside that range" in text
    # under the sceptic's view a flip lies inside
    assert "A sceptic's view: a change of 0.8 spreads in the inputs" in text
    assert "1 of 3 uncertain inputs cannot make 'Ally with the big power' lose first place" in text
    # signposts of the source's view, within twice the declared range only
    assert sec.data["signposts"] == [
        "a.x above 13 (3.0 spreads from its central value): 'Demand withdrawal' overtakes "
        "'Ally with the big power'.",
        "b.y below 6.5 (3.5 spreads from its central value): 'Drift' overtakes "
        "'Ally with the big power'.",
    ]
    # every view explores the whole decision (every criterion, world, game and bargaining inputs
    # together) with the judgements widened: breaking points, PRIM, regret
    made = {(v, m) for v, m, kw in CALLS if kw.get("judgements") and kw.get("on") == "joint"}
    assert made >= {(v, m) for v in (None, "sceptic") for m in ("breaking", "prim", "regret")}
    # PRIM and regret read one ensemble of the quick brief's PRIM futures
    assert {kw["samples"] for _, m, kw in CALLS if m in ("prim", "regret")} == {100}
    # the scan and the ensemble run where the settings say (in the view's own process)
    assert {kw["scheduler"] for _, _, kw in CALLS} == {SETTINGS.explore_scheduler}
    assert Settings().explore_scheduler == "synchronous"
    bluf, judg, _ = conclusions(s, "en", {"robustness": sec})
    assert any("the nearest flip lies 2.7 spreads" in line for line in bluf)
    assert judg[0]["probability"] == "75%" and judg[0]["words"] == "likely"


def test_arabic_change_section_names_views_in_arabic():
    sec = change_section(_with_view(), "ar", SETTINGS, _runners(), lambda m, f: None)
    rows = sec.data["tables"][0]["rows"]
    assert [r[0] for r in rows] == ["رأي المصدر", "رأي المتشكك"]
    assert "لا شيء ضمن عدم اليقين المصرَّح به" in " ".join(sec.data["paragraphs"])


def test_a_switch_over_bounds_the_nearest_flip_and_noise_is_said():
    """A design-point search that did not converge still leaves the one-input switch-over as a
    flip: the brief reports it, and says when Monte Carlo error does not resolve the centre."""
    from melian.brief.change import nearest

    br = {
        "top": "ally",
        "central_gap": 0.1,
        "central_gap_se": 0.18,
        "switch_overs": [_switch("a.x", None, 0.8, "drift"), _switch("b.y", None, None, "x")],
        "nearest": {"beta": None, "z": {}, "winner": None, "movers": []},
        "notes": [],
    }
    near = nearest(br)
    assert near["beta"] == 0.8 and near["movers"] == ["a.x"] and near["winner"] == "drift"
    CANNED["noisy"] = (br, 0.1)
    try:
        s = _with_view()
        s._view = "noisy"
        sec = change_section(s, "en", SETTINGS, _runners(), lambda m, f: None)
    finally:
        del CANNED["noisy"]
    text = " ".join(sec.data["paragraphs"])
    assert (
        "the source's view: a change of 0.8 spreads in the inputs, within the declared "
        "uncertainty, flips the ranking: 'Drift' overtakes 'Ally with the big power'" in text
    )
    assert (
        "'Ally with the big power' leads by 0.1, within two Monte Carlo standard errors (0.18)"
        in text
    )
    assert sec.data["tables"][0]["rows"][0][4] == "0.80"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_tie_within_monte_carlo_error_is_said_as_such(lang):
    """When the top two options tie within Monte Carlo error at the centre (no design point is
    searched), the brief says the simulation does not decide between them: no 'change of 0.0
    spreads' sentence, and the summary says the tie."""
    from melian.brief.change import nearest

    br = {
        "top": "ally",
        "central_gap": 0.001,
        "central_gap_se": 0.01,
        "switch_overs": [_switch("a.x", None, 0.3, "drift")],
        "nearest": {
            "beta": 0.0,
            "z": {},
            "winner": "drift",
            "movers": [],
            "converged": True,
            "within_error": True,
        },
        "notes": [],
    }
    assert nearest(br)["beta"] == 0.0 and nearest(br)["within_error"]
    CANNED["tied"] = (br, 0.4)
    try:
        s = _with_view()
        s._view = "tied"
        sec = change_section(s, lang, SETTINGS, _runners(), lambda m, f: None)
    finally:
        del CANNED["tied"]
    text = " ".join(sec.data["paragraphs"])
    assert "0.0 spreads" not in text and "0.0 انحرافات" not in text
    want = {"en": "within two Monte Carlo standard errors", "ar": "ضمن خطأين معياريين"}[lang]
    assert want in text
    tied = {"en": "tied within Monte Carlo error", "ar": "تعادل ضمن خطأ مونت كارلو"}[lang]
    assert tied in sec.data["tables"][0]["rows"][0][4]


def test_the_judgement_basis_names_the_paths_the_ensemble_ended_with() -> None:
    """The key judgement's basis gives the paths per future the ensemble ended with (they double,
    only for the futures whose ranking is still open), not the paths it started with."""
    from melian.brief.change import _paths_used

    st = Settings.make(False, 1)
    ragged = {"mc_error": {"paths_by_future": {"32": 27, "64": 47, "256": 341}}}
    assert _paths_used(ragged, st) == "32–256"
    assert _paths_used({"mc_error": {"paths_by_future": {"64": 512}}}, st) == "64"
    assert _paths_used({"mc_error": {"paths_per_future": 128}}, st) == "128"
    assert _paths_used({}, st) == str(st.explore_paths)


def test_the_judgement_basis_of_a_model_without_paths_names_no_paths() -> None:
    """A model with no random paths (its Monte Carlo error has no paths per future) is not said
    to have been run with the starting paths."""
    from melian.brief.change import _basis, _paths_used

    st = Settings.make(False, 1)
    exact = {"mc_error": {"paths_per_future": None, "paths_by_future": {}}}
    assert _paths_used(exact, st) is None
    assert _basis(exact, st, 512, "en") == (
        "ensemble of 512 Latin-hypercube futures (the model has no random paths)"
    )
    assert "512" in _basis(exact, st, 512, "ar") and "paths" not in _basis(exact, st, 512, "ar")
    assert _basis({"mc_error": {"paths_per_future": 64}}, st, 512, "en") == (
        "ensemble of 512 Latin-hypercube futures x 64 paths"
    )
