"""The notes of an exploration say which uncertain inputs are explored, truthfully: in the joint
ensemble the game's parameters are explored with the game (synthetic scenario in tmp_path)."""

from __future__ import annotations

from pathlib import Path

from melian.explore.joint import joint_model
from melian.explore.world import world_model
from melian.io import load_scenario

BASE = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "synthetic-world.yaml"

GAME_CRITERION = """  - id: autonomy
    name: Autonomy
    direction: max
    weight: 0.2
    measure: {kind: game, metric: autonomy}
    source: analyst
    judgement: true
"""


def case(tmp_path: Path, game_criterion: bool) -> Path:
    """The synthetic world with an uncertain world and an uncertain game parameter."""
    text = BASE.read_text(encoding="utf-8")
    edits = [
        (
            "base_hazard: {value: 0.02,",
            "base_hazard: {dist: uniform, low: 0.01, high: 0.03,",
        ),
        (
            "security_weight: {value: 0.6,",
            "security_weight: {dist: uniform, low: 0.4, high: 0.8,",
        ),
    ]
    if game_criterion:
        edits.append(("criteria:\n", "criteria:\n" + GAME_CRITERION))
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    p = tmp_path / f"notes-{game_criterion}.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def not_explored(notes: tuple[str, ...]) -> list[str]:
    return [n for n in notes if "not explored" in n]


def test_joint_ensemble_does_not_call_the_game_parameters_unexplored(tmp_path: Path) -> None:
    s = load_scenario(case(tmp_path, game_criterion=True))
    m = joint_model(s, paths_per_sample=2, horizon=6, reference=0)
    assert "game.security_weight" in m.uncertainties
    assert m.notes[0].startswith("joint ensemble: 1 world input(s), 1 game input(s)")
    assert not not_explored(m.notes), m.notes


def test_joint_ensemble_names_what_no_model_of_the_ranking_reads(tmp_path: Path) -> None:
    s = load_scenario(case(tmp_path, game_criterion=False))
    m = joint_model(s, paths_per_sample=2, horizon=6, reference=0)
    assert "game.security_weight" not in m.uncertainties
    (note,) = not_explored(m.notes)
    assert note.endswith(": game.security_weight")


def test_the_world_alone_says_it_does_not_explore_the_game(tmp_path: Path) -> None:
    s = load_scenario(case(tmp_path, game_criterion=True))
    m = world_model(s, paths_per_sample=2, horizon=6)
    (note,) = not_explored(m.notes)
    assert "the world model" in note and note.endswith(": game.security_weight")
