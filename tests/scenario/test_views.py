"""Contested views: overlays of alternative judgements, their paths, sources and validation."""

from __future__ import annotations

import pytest

from melian.errors import InputError
from melian.scenario import load_scenario, parse_scenario
from melian.scenario.loader import builtin_path
from melian.scenario.views import apply_view, view_ids

# the built-in scenario without its own views (the tests below add theirs)
BASE = builtin_path("iraq-us-2020").read_text(encoding="utf-8").split("\nviews:\n")[0]

VIEW = """
views:
  - id: sceptic
    name: A sceptic of the alliance
    sources: [judgement]
    overrides:
      - path: issues/us-presence/positions/iraq/position
        value: 10
        source: judgement
        note: the government wants the troops out
      - path: criteria/sovereignty/weight
        value: 0.5
        source: judgement
      - path: focal/options/ally-us/effects/security.militia_pressure
        value: {multiply: 3.0, judgement: true, confidence: low}
        source: judgement
"""


def _with(view: str) -> str:
    return BASE + view


def test_view_overlays_values_and_their_source():
    s = parse_scenario(_with(VIEW), "s.yaml")
    assert view_ids(s) == ["source", "sceptic"]
    v = apply_view(s, "sceptic")
    assert v.view == "sceptic" and s.view is None
    pos = next(p for p in v.issue("us-presence").positions if p.actor == "iraq")
    assert pos.position == 10 and pos.source == "judgement" and pos.judgement
    assert next(c for c in v.criteria if c.id == "sovereignty").weight == 0.5
    eff = v.option("ally-us").effects["security.militia_pressure"]
    assert eff.multiply == 3.0 and eff.source == "judgement"
    # the scenario as written is untouched
    assert next(p for p in s.issue("us-presence").positions if p.actor == "iraq").position == 40
    assert apply_view(s, "source") is s and apply_view(s, None) is s


def test_unknown_view_lists_the_views():
    s = parse_scenario(_with(VIEW), "s.yaml")
    with pytest.raises(InputError, match="views: source, sceptic"):
        apply_view(s, "hawk")


@pytest.mark.parametrize(
    "path, message",
    [
        ("issues/no-such-issue/positions/iraq/position", "no element 'no-such-issue' in issues"),
        ("issues/us-presence/positions/iraq/nope", "no 'nope' under"),
        ("metadata/title/x", "is a value, not a section"),
    ],
)
def test_bad_paths_are_located_at_load(path, message):
    text = _with(VIEW.replace("issues/us-presence/positions/iraq/position", path))
    with pytest.raises(InputError) as exc:
        parse_scenario(text, "s.yaml")
    msg = str(exc.value)
    assert (
        "s.yaml:" in msg
        and "views[0].overrides[0].path" in msg.replace(".0.", "[0].")
        or ("views" in msg)
    )
    assert message in msg


def test_a_view_giving_an_invalid_value_is_refused_at_load():
    text = _with(VIEW.replace("value: 10\n", "value: 1000\n"))
    with pytest.raises(InputError, match="under view 'sceptic'.*outside the scale"):
        parse_scenario(text, "s.yaml")


def test_unknown_override_source():
    text = _with(
        VIEW.replace(
            "        source: judgement\n        note:", "        source: nobody\n        note:"
        )
    )
    with pytest.raises(InputError, match="unknown source 'nobody'"):
        parse_scenario(text, "s.yaml")


def test_builtin_views_apply():
    s = load_scenario("iraq-us-2020")
    for v in view_ids(s):
        assert apply_view(s, v).id == s.id


def test_builtin_sceptic_view_overlays_the_critics_judgements():
    """iraq-us-2020's sceptic view: the alliance's critics in the fact sheet, each override cited."""
    s = load_scenario("iraq-us-2020")
    assert view_ids(s) == ["source", "sceptic"]
    v = apply_view(s, "sceptic")
    view = next(x for x in s.views if x.id == "sceptic")
    critics = {
        "joint-statement-republic",
        "afp-khamenei-jan2020",
        "reuters-khamenei-may2020",
        "kh-threat-2020-01",
        "sadr-conditions",
        "sadr-march",
        "reuters-parliament-vote",
    }
    assert set(view.sources) == critics
    assert {o.source for o in view.overrides} <= critics
    ally, ally0 = v.option("ally-us").effects, s.option("ally-us").effects
    assert ally["security.coalition_support"].set == 0.6 < ally0["security.coalition_support"].set
    assert ally["security.militia_pressure"].multiply == 2.5
    assert ally["militias.lever"].source == "kh-threat-2020-01"
    w = {c.id: c.weight for c in v.criteria}
    assert w["sovereignty"] == 0.3
    p = v.world.component("security").parameters["coalition_attack_effect"]
    assert (p.low, p.high, p.source) == (0.0, 0.3, "afp-khamenei-jan2020")
