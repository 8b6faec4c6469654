"""The built-in iraq-us-2020 scenario's game, and the ``melian game`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pygambit as gbt
import pytest
from typer.testing import CliRunner

from melian.cli import app
from melian.games import analyse_game
from melian.games.claims import CLAIMS
from melian.games.solve import gambit_regret
from melian.games.sweep import context
from melian.scenario import load_scenario


@pytest.fixture(scope="module")
def iraq():  # noqa: ANN201
    return load_scenario("iraq-us-2020")


def test_builtin_game_structure(iraq) -> None:  # noqa: ANN001
    ctx = context(iraq)
    d = ctx.data
    assert d.all_players == ("iraq", "us", "iran")
    assert set(d.options) >= {"ally-us", "demand-withdrawal", "pivot-china", "hedge"}
    assert [r.id for r in d.responses["us"]] == ["support", "disengage", "sanction"]
    assert [r.id for r in d.responses["iran"]] == ["accept", "pressure"]
    assert d.alternatives == ("china",)
    assert ctx.nf.shape == (len(d.options), 3, 2)
    # two shocks: nature's four states precede Iraq's choice
    assert ctx.ef.root.kind == "chance" and len(ctx.ef.root.children) == 4
    r = ctx.roles
    assert d.options[r.ally] == "ally-us"
    assert d.options[r.defect] == "demand-withdrawal"
    assert d.options[r.pivot] == "pivot-china"


def test_builtin_every_game_parameter_is_sourced_and_used(iraq) -> None:  # noqa: ANN001
    from melian.games.payoffs import PARAMETERS

    for name, p in iraq.game.parameters.items():
        assert name.split(".")[0] in PARAMETERS, name
        assert p.source in iraq.sources


@pytest.mark.parametrize("framing", ["zero-sum", "variable-sum"])
def test_builtin_spe_verified_by_gambit(iraq, framing: str) -> None:  # noqa: ANN001
    ctx = context(iraq, framing)
    assert ctx.spe, "a finite perfect-information game has a pure SPE"
    game = ctx.ef.to_gambit()
    for s in ctx.spe:
        assert s.max_deviation_gain <= 1e-9
        assert gambit_regret(ctx.ef, s.strategy, game) <= 1e-9


def test_builtin_claims_reported_for_both_framings(iraq) -> None:  # noqa: ANN001
    a = analyse_game(iraq, conditions=False, qre_points=5)
    assert set(a.framings) == {"zero-sum", "variable-sum"}
    for v in a.framings.values():
        ids = [c["id"] for c in v["claims"]]
        assert ids == list(CLAIMS)
        assert all(c["holds"] in (True, False) for c in v["claims"])
    zs = {c["id"]: c["holds"] for c in a.claims("zero-sum")}
    vs = {c["id"]: c["holds"] for c in a.claims("variable-sum")}
    # the dark scenario (sanctions after a withdrawal demand) needs the zero-sum reading
    assert zs["defection-sanctioned"] is True and vs["defection-sanctioned"] is False
    for e in a.solution["pure"] + a.solution["mixed"]:
        assert e["max_regret"] <= 1e-6


def test_builtin_conditions_sweep_every_uncertain_parameter(iraq) -> None:  # noqa: ANN001
    a = analyse_game(iraq, conditions=True, points=2, qre_points=0)
    uncertain = {k for k, p in iraq.game.parameters.items() if not p.is_fixed}
    for entry in a.conditions.values():
        for f in ("zero-sum", "variable-sum"):
            assert set(entry[f]) == uncertain


def test_cli_json_and_export(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app,
        [
            "game",
            "iraq-us-2020",
            "--json",
            "--points",
            "0",
            "--export",
            str(tmp_path),
            "--form",
            "extensive",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["form"] == "extensive" and data["solution"]["spe"]
    assert len(data["exported"]) == 2
    efg = gbt.read_efg(next(p for p in data["exported"] if p.endswith(".efg")))
    assert list(efg.players) == ["iraq", "us", "iran"]


def test_cli_tables() -> None:
    res = CliRunner().invoke(
        app, ["game", "iraq-us-2020", "--points", "0", "--framing", "variable-sum"]
    )
    assert res.exit_code == 0, res.output
    assert "Payoff components" in res.stdout and "The source's claims" in res.stdout


@pytest.mark.parametrize(
    "args", [["--framing", "positive-sum"], ["--form", "tree"], ["--points", "-1"]]
)
def test_cli_bad_arguments_exit_2(args: list[str]) -> None:
    res = CliRunner().invoke(app, ["game", "iraq-us-2020", *args])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
