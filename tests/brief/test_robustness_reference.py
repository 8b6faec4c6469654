"""Without a recorded recommendation the robustness analysis measures against the present course;
the bottom line then names the option best in most futures as the robustness analysis's first,
not the reference option, and says which reference it used."""

from __future__ import annotations

from melian.brief.base import Section
from melian.brief.sections import _robustness_bluf
from melian.io import load_scenario


def _case():
    s = load_scenario("iraq-us-2020")
    s = s.model_copy(update={"focal": s.focal.model_copy(update={"recommended": None})})
    prim = {
        "experiments": 200,
        "recommended": "drift",  # the reference: the present course
        "base_rate": 0.855,
        "best_counts": {"drift": 29, "ally-us": 171},
    }
    rb = Section(id="robustness", data={"prim": prim, "on": "world", "views": {}})
    return s, rb


def test_no_disagreement_is_announced_when_both_put_the_same_option_first():
    s, rb = _case()
    rk = Section(id="ranking", data={"top": "ally-us", "raw": {"primary": "topsis-minmax"}})
    text = " ".join(_robustness_bluf(s, "en", rb, rk))
    assert "different options first" not in text
    from melian.brief.base import option_name

    assert f"measures against '{option_name(s, 'drift')}'" in text
    assert f"best in most sampled futures is '{option_name(s, 'ally-us')}' (85.5%)" in text


def test_a_real_disagreement_names_the_option_best_most_often():
    s, rb = _case()
    rk = Section(id="ranking", data={"top": "hedge", "raw": {"primary": "topsis-minmax"}})
    out = _robustness_bluf(s, "en", rb, rk)
    assert "different options first" in out[0]
    from melian.brief.base import option_name

    assert f"puts '{option_name(s, 'ally-us')}' first" in out[0]
    assert f"'{option_name(s, 'drift')}' first" not in out[0]
    assert _robustness_bluf(s, "ar", rb, rk)  # the Arabic sentences fill in too


def test_the_bottom_line_gives_forecasts_in_the_issue_s_unit_too():
    from melian.brief.sections import _forecast_bluf

    s = load_scenario("iraq-us-2020")
    fc = Section(
        id="forecast",
        data={
            "predictive": {
                "issues": [
                    {"issue": "us-presence", "median": 34.7, "intervals": {"80": [25.0, 45.0]}},
                    {"issue": "army", "median": 56.6, "intervals": {"80": [40.0, 65.0]}},
                ]
            }
        },
    )
    (text,) = _forecast_bluf(s, "en", fc)
    # 0-100 is 0-10,400 US troops: 34.7 -> 3,608.8, 25 -> 2,600, 45 -> 4,680 (steps of 100)
    assert "34.7 [25 – 45] (= 3600 [2600 – 4700] US troops in Iraq)" in text
    assert "56.6 [40 – 65]" in text
    assert text.count("(=") == 1  # the army issue declares no unit
