"""The game's propositions are worded in the scenario's terms, headed by who makes them, and the
enmity comparison puts the patron in a hostile response (synthetic scenario in tmp_path)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from melian.cli import app
from melian.cli.game import roles_text
from melian.games import analyse_game
from melian.games.claims import (
    CLAIMS,
    claim_alliance_beats_enmity,
    claims_title,
    forced_continuation,
)
from melian.games.sweep import context
from melian.io import load_scenario
from tests.scenario_text import write_variant

BASE = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "synthetic-world.yaml"


def pivot_case(tmp_path: Path, recommended: bool = False) -> Path:
    """A game whose only option turning from the patron is a pivot to the alternative patron,
    and whose patron's hostile response is not called sanctions."""
    text = BASE.read_text(encoding="utf-8")
    edits = [
        ("  rival: rival\n", "  rival: rival\n  alternatives: [rival]\n"),
        ("{id: sanction, name: Sanction}", "{id: embargo, name: Embargo, posture: -1}"),
        ("      name: Demand withdrawal\n", "      name: Turn to the regional rival\n"),
    ]
    if not recommended:
        edits.append(("  recommended: ally\n", ""))
    return write_variant(tmp_path / "pivot.yaml", text, *edits)


@pytest.fixture
def scen(tmp_path: Path):  # noqa: ANN201
    return load_scenario(pivot_case(tmp_path))


def test_statements_use_the_scenarios_options_and_responses(scen) -> None:  # noqa: ANN001
    a = analyse_game(scen, conditions=False)
    assert a.roles["defection"] == a.roles["pivot"] == "exit"
    text = {c["id"]: c["statement"] for c in a.claims()}
    assert set(text) == set(CLAIMS)
    # worded with the scenario's names (options, responses, actors), not its ids
    d = text["defection-sanctioned"]
    assert "'Turn to the regional rival'" in d and "'Embargo'" in d and "Big Power" in d
    for s in text.values():
        assert "sanction" not in s.lower() and "withdrawal" not in s.lower()
    assert "'Embargo'" in text["pivot-provokes-patron"]
    assert "'Ally with the big power'" in text["alliance-in-equilibrium"]
    assert "Small State" in text["alliance-in-equilibrium"]


def test_generic_statements_name_no_case() -> None:
    for statement, _, _ in CLAIMS.values():
        assert "sanction" not in statement.lower() and "withdrawal" not in statement.lower()


def test_heading_names_a_source_only_when_the_scenario_records_one(tmp_path: Path) -> None:
    """The propositions are a source's claims only where ``game.claims_source`` says so: a
    source recommending an option has not thereby argued them."""
    assert claims_title(load_scenario(pivot_case(tmp_path))) == "Alliance-theory propositions"
    recommends = load_scenario(pivot_case(tmp_path, recommended=True))
    assert claims_title(recommends) == "Alliance-theory propositions"
    p = pivot_case(tmp_path, recommended=True)
    text = p.read_text(encoding="utf-8")
    assert text.count("\n  rival: rival\n") == 1
    p.write_text(text.replace("\n  rival: rival\n", "\n  rival: rival\n  claims_source: analyst\n"))
    assert claims_title(load_scenario(p)) == "The source's claims (analyst)"
    p.write_text(text.replace("\n  rival: rival\n", "\n  rival: rival\n  claims_source: nobody\n"))
    res = CliRunner().invoke(app, ["scenarios", "validate", str(p)], env={"COLUMNS": "200"})
    assert res.exit_code != 0 and "game.claims_source: unknown source 'nobody'" in res.output


def test_cli_heading_and_one_option_in_two_roles(tmp_path: Path) -> None:
    p = pivot_case(tmp_path)
    res = CliRunner().invoke(app, ["game", str(p), "--points", "0"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "Alliance-theory propositions" in res.stdout
    assert "paper" not in res.stdout
    assert "defection and pivot=exit" in res.stdout
    assert roles_text({"alliance": "a", "defection": "b", "pivot": "b", "status_quo": None}) == (
        "alliance=a, defection and pivot=b"
    )


@pytest.mark.parametrize("framing", ["zero-sum", "variable-sum"])
def test_enmity_is_the_defection_with_a_hostile_patron(scen, framing: str) -> None:  # noqa: ANN001
    """The enemy profile has the patron in a hostile response even where its equilibrium reply
    to the defection is not hostile; the alliance profile has the patron supporting."""
    ctx = context(scen, framing)
    r, d = ctx.roles, ctx.data
    pi = d.players.index(d.patron)
    holds, detail, values = claim_alliance_beats_enmity(ctx)
    assert holds is not None
    assert f"with {d.patron} playing embargo" in detail
    spe = ctx.spe[0]
    ally = enemy = 0.0
    for k, p in enumerate(ctx.probs):
        resp = forced_continuation(ctx, spe, r.ally, k, {pi: r.support})
        ally += p * ctx.leaves[(k, (r.ally, *resp))][d.focal]["total"]
        resp = forced_continuation(ctx, spe, r.defect, k, {pi: r.hostile[0]})
        assert resp[pi] in r.hostile
        enemy += p * ctx.leaves[(k, (r.defect, *resp))][d.focal]["total"]
    assert values["utility_ally"] == pytest.approx(ally)
    assert values["utility_defect"] == pytest.approx(enemy)
    assert holds == (ally > enemy)
