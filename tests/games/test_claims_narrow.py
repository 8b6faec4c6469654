"""A proposition's verdict that rests on a payoff difference under 1% of the payoffs' range is
flagged as narrow, in the result, the CLI and the brief."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from melian.cli import app
from melian.games import analyse_game
from melian.games.build import leaf_components
from melian.games.claims import NARROW_SHARE, is_narrow
from melian.games.payoffs import game_data
from melian.io import load_scenario


def test_is_narrow_by_hand():
    assert NARROW_SHARE == 0.01
    assert is_narrow(True, {"margin": 0.009, "scale": 1.0})
    assert is_narrow(False, {"margin": -0.0007, "scale": 0.1924})
    assert not is_narrow(True, {"margin": 0.011, "scale": 1.0})
    assert not is_narrow(None, {"margin": 0.0, "scale": 1.0})  # not applicable
    assert not is_narrow(True, {})  # a claim on equilibrium play compares no payoffs
    assert not is_narrow(True, {"margin": 0.0, "scale": 0.0})  # payoffs that do not vary


def test_builtin_verdicts_flag_their_narrow_margins():
    s = load_scenario("kyrgyzstan-manas-2009")
    a = analyse_game(s)
    sec = {c["id"]: c for c in a.framings["variable-sum"]["claims"]}
    # the security comparisons of the variable-sum framing differ by about 0.001 on a range of
    # about 0.19: flagged; the enmity comparison (0.23 on 1.77) is not
    for cid in ("small-state-gains-more-security", "pivot-less-secure"):
        v = sec[cid]["values"]
        assert abs(v["margin"]) < 0.01 * v["scale"] and sec[cid]["narrow"], cid
        assert "[narrow: the margin" in sec[cid]["detail"]
    assert not sec["alliance-beats-enmity"]["narrow"]
    # the scale is the range of the focal state's security over every leaf of the game
    d = game_data(s, framing="variable-sum")
    sec_vals = [leaf[d.focal]["security"] for leaf in leaf_components(d).values()]
    assert sec["pivot-less-secure"]["values"]["scale"] == pytest.approx(
        max(sec_vals) - min(sec_vals)
    )
    r = CliRunner().invoke(app, ["game", "kyrgyzstan-manas-2009"], env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "false (narrow margin)" in r.output


def test_no_narrow_flag_where_margins_are_wide():
    a = analyse_game(load_scenario("iraq-us-2020"))
    assert not any(c["narrow"] for v in a.framings.values() for c in v["claims"])


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_brief_game_section_marks_narrow_verdicts(lang):
    from melian.brief.base import Runners
    from melian.brief.i18n import t
    from melian.brief.sections import game_section

    def unused(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the game section runs the game only")

    run = Runners(unused, unused, analyse_game, unused, unused, unused, unused)
    sec = game_section(load_scenario("kyrgyzstan-manas-2009"), lang, run, lambda *a: None)
    cells = [c for tb in sec.data["tables"] for row in tb["rows"] for c in row]
    assert sum(f"({t('narrow_margin', lang)})" in str(c) for c in cells) == 2
    assert any("1%" in p for p in sec.data["paragraphs"])
