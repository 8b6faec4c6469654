"""A problem of the scenario itself is reported once, where it is, not again under every view."""

from __future__ import annotations

from pathlib import Path

import pytest

from melian.errors import InputError
from melian.scenario.loader import load_scenario
from tests.scenario_text import write_variant

BASE = Path(__file__).parents[1] / "data" / "scenarios" / "synthetic-world.yaml"

VIEW = """
views:
  - id: sceptic
    name: A sceptic
    sources: [analyst]
    overrides:
      - path: focal/options/ally/name
        value: Ally after all
        source: analyst
"""


def _case(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    return write_variant(tmp_path / "case.yaml", BASE.read_text(encoding="utf-8") + VIEW, *edits)


def test_the_view_case_is_valid(tmp_path: Path) -> None:
    assert [v.id for v in load_scenario(_case(tmp_path)).views] == ["sceptic"]


def test_a_base_problem_is_not_repeated_under_the_view(tmp_path: Path) -> None:
    p = _case(
        tmp_path, ("actors: {payer: big, payee: small}", "actors: {payer: bigg, payee: small}")
    )
    with pytest.raises(InputError) as e:
        load_scenario(p)
    msgs = [q.message for q in e.value.problems]
    assert msgs and not any("under view" in m for m in msgs), msgs


def test_a_problem_the_view_brings_is_reported_at_the_view(tmp_path: Path) -> None:
    bad = VIEW.replace(
        "path: focal/options/ally/name\n        value: Ally after all",
        "path: focal/options/ally/stance/x\n        value: 500",
    )
    p = tmp_path / "case.yaml"
    p.write_text(BASE.read_text(encoding="utf-8") + bad, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_scenario(p)
    assert any(
        "under view 'sceptic'" in q.message or q.path.startswith("views") for q in e.value.problems
    ), [q.message for q in e.value.problems]


def test_scenarios_show_prints_the_judgement_marks() -> None:
    """rich read '[judgement]' as a style tag and printed nothing of it ('(seed )')."""
    from typer.testing import CliRunner

    from melian.cli import app

    res = CliRunner().invoke(app, ["scenarios", "show", "iraq-us-2020"], env={"COLUMNS": "250"})
    assert res.exit_code == 0
    assert "[judgement, low]" in res.stdout and "(judgement )" not in res.stdout
