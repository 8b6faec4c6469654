"""Every key under ``game.parameters`` must be one the payoff model reads: a misspelled name or
actor id is a located error (validate, game, decide), never a default silently used in its place.

Synthetic scenarios are written in tmp_path from tests/data/scenarios/synthetic-world.yaml
(actors ``small``, ``big``, ``rival``...; the game declares ``security_weight`` only).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from melian.analysis.rank import evidence
from melian.analysis.validate import validate
from melian.cli import app
from melian.errors import InputError
from melian.games import analyse_game
from melian.games.parameters import PARAMETERS, key_problem, parameter_problems
from melian.games.payoffs import game_data
from melian.io import load_scenario
from tests.scenario_text import line_of, write_variant

BASE = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "synthetic-world.yaml"
DECLARED = "    security_weight: {value: 0.6, source: analyst, judgement: true}\n"
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<path>\S+): (?P<msg>.+)$")
ACTORS = ("small", "big", "rival")


def variant(tmp_path: Path, *keys: str, edits: tuple[tuple[str, str], ...] = ()) -> Path:
    """synthetic-world.yaml with ``keys`` added under game.parameters (value 0.2) and text edits."""
    text = BASE.read_text(encoding="utf-8")
    assert text.count(DECLARED) == 1
    added = "".join(f"    {k}: {{value: 0.2, source: analyst, judgement: true}}\n" for k in keys)
    text = text.replace(DECLARED, DECLARED + added)
    return write_variant(tmp_path / "case.yaml", text, *edits)


@pytest.mark.parametrize(
    "key",
    [
        *sorted(PARAMETERS.keys() - {"conflict"}),
        "security_provision.big",
        "aid.rival",
        "security_weight.small",
        "posture.rival",
        "conflict.big.rival",
        "conflict.rival.big",
    ],
)
def test_keys_the_model_reads_are_accepted(key: str) -> None:
    assert key_problem(key, ACTORS) is None


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (
            "security_provison.big",
            "unknown game parameter 'security_provison' (did you mean 'security_provision'",
        ),
        ("security_provison", "unknown game parameter 'security_provison'"),
        ("nonsense.big", "unknown game parameter 'nonsense' (known: abandonment_risk, aid,"),
        ("harm.rivl", "unknown actor 'rivl' (did you mean 'rival'?)"),
        ("harm.nobody", "unknown actor 'nobody'"),
        ("aid.big.rival", "not for 2 actors"),
        ("conflict", "read for a pair of actors only: conflict.<actor>.<actor>"),
        ("conflict.big", "read for a pair of actors only"),
        ("conflict.big.rivl", "unknown actor 'rivl' (did you mean 'rival'?)"),
        ("conflict.bigg.rival", "unknown actor 'bigg' (did you mean 'big'?)"),
        ("conflict.big.big", "with itself, never read"),
    ],
)
def test_other_keys_are_refused_with_a_suggestion(key: str, message: str) -> None:
    problem = key_problem(key, ACTORS)
    assert problem is not None and message in problem, problem


def test_actor_ids_with_dots_are_read_whole() -> None:
    actors = ("a.b", "c")
    assert key_problem("aid.a.b", actors) is None
    assert key_problem("conflict.a.b.c", actors) is None
    assert key_problem("conflict.c.a.b", actors) is None


def test_validate_locates_every_bad_key_with_the_other_problems(tmp_path: Path) -> None:
    p = variant(
        tmp_path,
        "security_provison.big",
        "harm.rivl",
        "aid.big",
        edits=(("metric: base_closure,", "metric: base_clossure,"),),
    )
    res = CliRunner().invoke(app, ["scenarios", "validate", str(p)])
    assert res.exit_code == 2 and "valid" not in res.stdout
    found = [m for m in map(LOCATED.match, res.stderr.splitlines()) if m]
    by_path = {m["path"]: m for m in found}
    assert set(by_path) == {
        "criteria[0].measure.metric",
        "game.parameters.security_provison.big",
        "game.parameters.harm.rivl",
    }, res.stderr
    typo = by_path["game.parameters.security_provison.big"]
    assert typo["file"] == str(p) and int(typo["line"]) == line_of(p, "security_provison.big")
    assert int(typo["col"]) == 5
    assert typo["msg"].startswith(
        "unknown game parameter 'security_provison' (did you mean 'security_provision'"
    )
    actor = by_path["game.parameters.harm.rivl"]
    assert int(actor["line"]) == line_of(p, "harm.rivl")
    assert actor["msg"] == "unknown actor 'rivl' (did you mean 'rival'?)"


def test_a_valid_scenario_has_no_game_parameter_problem(tmp_path: Path) -> None:
    p = variant(tmp_path, "security_provision.big", "conflict.big.rival", "harm")
    s = load_scenario(p)
    assert parameter_problems(s) == []
    assert not [q for q in validate(s).problems if q.path.startswith("game.")]


@pytest.mark.parametrize("builtin", ["iraq-us-2020", "kyrgyzstan-manas-2009"])
def test_builtin_game_parameters_are_all_read(builtin: str) -> None:
    s = load_scenario(builtin)
    assert parameter_problems(s) == []
    assert validate(s).valid


def test_the_game_is_not_built_with_a_default_in_place_of_a_typo(tmp_path: Path) -> None:
    p = variant(tmp_path, "security_provison.big", "harm.rivl")
    s = load_scenario(p)
    for build in (lambda: game_data(s), lambda: analyse_game(s, conditions=False)):
        with pytest.raises(InputError) as e:
            build()
        assert [q.path for q in e.value.problems] == [
            "game.parameters.security_provison.big",
            "game.parameters.harm.rivl",
        ]
        assert e.value.problems[0].line == line_of(p, "security_provison.big")
        assert str(e.value.problems[0]).startswith(f"{p}:{line_of(p, 'security_provison')}:5: ")


def test_melian_game_exits_with_the_located_message(tmp_path: Path) -> None:
    p = variant(tmp_path, "harm.rivl")
    res = CliRunner().invoke(app, ["game", str(p), "--points", "0"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert (
        f"{p}:{line_of(p, 'harm.rivl')}:5: game.parameters.harm.rivl: unknown actor 'rivl' "
        "(did you mean 'rival'?)"
    ) in res.stderr


def test_decide_stops_before_any_model_runs(tmp_path: Path) -> None:
    game_criterion = (
        "measure: {kind: world, metric: base_closure, stat: probability}",
        "measure: {kind: game, metric: total}",
    )
    p = variant(tmp_path, "security_provison.big", edits=(game_criterion,))
    s = load_scenario(p)
    with pytest.raises(InputError) as e:
        evidence(s, paths=10)
    assert [q.path for q in e.value.problems] == ["game.parameters.security_provison.big"]
    res = CliRunner().invoke(app, ["decide", str(p), "--paths", "100", "--json"])
    assert res.exit_code == 2 and res.stdout == ""
    assert re.search(r":\d+:5: game\.parameters\.security_provison\.big: unknown game", res.stderr)
