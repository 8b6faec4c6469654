"""Judgement uncertainty: which judged numbers are widened, and how."""

from __future__ import annotations

import pytest

from melian.explore.judgements import HALF_WIDTH, with_judgement_uncertainty
from melian.scenario import load_scenario, parse_scenario
from melian.scenario.loader import builtin_path


@pytest.fixture(scope="module")
def iraq():
    return load_scenario("iraq-us-2020")


def test_judged_effects_become_triangles_with_the_confidence_width(iraq):
    w, r = with_judgement_uncertainty(iraq)
    # militia pressure x1.5 on a fixed base of 1.0, confidence low: triangle 1.5 +- 50%
    base = iraq.parameters_for(None)["security.militia_pressure"]
    assert base.is_fixed
    d = w.parameters_for("ally-us")["security.militia_pressure"]
    v = base.nominal * 1.5
    assert (d.dist, d.low, d.mode, d.high) == (
        "triangular",
        pytest.approx(v * (1 - HALF_WIDTH["low"])),
        pytest.approx(v),
        pytest.approx(v * (1 + HALF_WIDTH["low"])),
    )
    assert "ally-us: security.militia_pressure" in r.effects


def test_sourced_numbers_and_distributions_are_untouched(iraq):
    w, _ = with_judgement_uncertainty(iraq)
    for path, p in iraq.parameters().items():
        if not p.judgement or not p.is_fixed:
            assert w.parameters()[path].distribution() == p.distribution(), path


def test_widths_are_overridable_and_zero_means_off(iraq):
    w, r = with_judgement_uncertainty(iraq, half_width={"low": 0.0, "medium": 0.0, "high": 0.0})
    for o in iraq.option_ids:
        for path, d in w.parameters_for(o).items():
            assert d.nominal == pytest.approx(iraq.parameters_for(o)[path].nominal), (o, path)


def test_ranges_clip_and_positive_values_stay_positive():
    text = builtin_path("iraq-us-2020").read_text(encoding="utf-8")
    s = parse_scenario(text)
    w, _ = with_judgement_uncertainty(s, ranges=lambda path: (0.0, 1.0))
    for path in w.parameters():
        d = w.parameters()[path]
        if d.dist == "triangular" and path in {
            p for p in s.parameters() if s.parameters()[p].is_fixed
        }:
            assert 0.0 <= d.low <= d.mode <= d.high <= 1.0, path
    w2, r2 = with_judgement_uncertainty(s)
    lows = [w2.parameters()[p].low for p in r2.parameters]
    assert all(lo >= 0 for lo in lows if lo is not None)
    assert any("calibration_years" in x for x in r2.left)


def test_model_ranges_come_from_the_world_components(iraq):
    from melian.explore.judgements import model_ranges

    rng = model_ranges(iraq)
    assert rng("security.coalition_support") == (0.0, 1.0)
    w, _ = with_judgement_uncertainty(iraq, ranges=rng)
    d = w.parameters_for("ally-us")["security.coalition_support"]
    assert 0.0 <= d.low < d.mode < d.high <= 1.0 and d.mode - d.low == pytest.approx(
        d.high - d.mode
    )


def test_by_default_widened_judgements_stay_within_what_the_models_admit(iraq):
    """Without ``ranges`` the widening is clipped to the components' declared ranges (before,
    a judged share near 1 at low confidence could be widened past 1 and the world model then
    refused the draws), and a run of the widened scenario's world accepts every draw."""
    from melian.world.engine import parameter_specs

    specs = parameter_specs(iraq)
    w, r = with_judgement_uncertainty(iraq)
    unclipped, _ = with_judgement_uncertainty(iraq, ranges=lambda path: None)
    beyond = 0
    for o in iraq.option_ids:
        for path, d in w.parameters_for(o).items():
            if path not in specs or d.dist != "triangular":
                continue
            lo, hi = specs[path].low, specs[path].high
            assert (lo is None or d.low >= lo) and (hi is None or d.high <= hi), (o, path)
            u = unclipped.parameters_for(o)[path]
            beyond += (lo is not None and u.low < lo) or (hi is not None and u.high > hi)
    assert beyond > 0  # the built-in scenario has judgements the unclipped widening pushes out
