"""Importers: KTAB CSV, DEU rows and decide tables become valid scenarios with the same numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from melian.bargaining.adapters import problem_from_scenario
from melian.cli import app
from melian.errors import InputError
from melian.io import from_decide, from_deu, from_ktab_csv
from melian.scenario import parse_scenario, to_json, to_yaml

DATA = Path(__file__).parent.parent / "data"
KTAB = sorted((DATA / "ktab").glob("*.csv"))
runner = CliRunner()


@pytest.mark.parametrize("path", KTAB, ids=[p.name for p in KTAB])
def test_ktab_import_keeps_every_number(path):
    from melian.bargaining.io.ktab_csv import read_ktab_csv

    raw = read_ktab_csv(path)
    s = from_ktab_csv(path)
    assert parse_scenario(to_yaml(s)) == s
    prob = problem_from_scenario(s)
    assert prob.n_actors == raw.n_actors and prob.n_issues == raw.n_issues
    np.testing.assert_allclose(prob.capability, raw.capability)
    np.testing.assert_allclose(prob.position, raw.position)
    np.testing.assert_allclose(prob.salience, raw.salience, atol=1e-12)


def test_ktab_reference_inputs_present():
    assert len(KTAB) >= 8  # every KTAB example input shipped in the reference folder


def test_deu_import_one_issue():
    from melian.bargaining.io.deu import read_deu

    path = Path(__import__("melian").__file__).parent / "data" / "deu" / "deu-dev.tsv"
    rows = read_deu(path)
    s = from_deu(path, issue=rows[3].issue)
    prob = problem_from_scenario(s)
    want = rows[3].problem
    keep = ~np.isnan(want.position[:, 0])
    np.testing.assert_allclose(np.sort(prob.position[:, 0]), np.sort(want.position[keep, 0]))
    assert s.issues[0].status_quo is None or np.isclose(
        s.issues[0].status_quo.value, want.reference[0]
    )
    with pytest.raises(InputError, match="no issue"):
        from_deu(path, issue="no-such-issue")


def test_decide_import():
    s = from_decide(DATA / "decide" / "dialogue.csv")
    assert [i.id for i in s.issues] == ["budget", "reform"]
    budget = s.issue("budget")
    assert (budget.scale.low, budget.scale.high) == ("no cut", "deep cut")
    assert [a.capability.value for a in s.actors] == [3.0, 2.0, 1.0]
    assert parse_scenario(to_json(s)) == s


@pytest.mark.parametrize(
    ("text", "line", "col", "fragment"),
    [
        ("#A;a;A\n#P;i;I\n#D;a;i;x;50\n", 3, 8, "expected a number"),
        ("#A;a;A\n#P;i;I\n#D;b;i;10;50\n", 3, 4, "unknown actor 'b'"),
        ("#A;a;A\n#P;i;I\n#X;a\n", 3, 1, "unknown line type"),
        ("#A;a;A\n#P;i;I\n#D;a;i;10;50;-1\n", 3, 14, "power must be positive"),
        ("#A;a;A\n#A;a;B\n#P;i;I\n#D;a;i;1;1\n", 2, 4, "duplicate actor"),
    ],
)
def test_decide_bad_input_located(tmp_path, text, line, col, fragment):
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(InputError) as exc:
        from_decide(f)
    p = exc.value.problems[0]
    assert (p.line, p.column) == (line, col)
    assert fragment in p.message


def test_cli_import_roundtrip(tmp_path):
    out = tmp_path / "d.yaml"
    res = runner.invoke(
        app, ["import", "decide", str(DATA / "decide" / "dialogue.csv"), "-o", str(out)]
    )
    assert res.exit_code == 0, res.stderr
    res = runner.invoke(app, ["scenarios", "validate", str(out)])
    assert res.exit_code == 0
    res = runner.invoke(app, ["import", "decide", str(tmp_path / "missing.csv")])
    assert res.exit_code == 2 and "missing.csv" in res.stderr


def test_issue_specific_power_replaces_capability():
    """A decide table's per-issue power is used by the one-dimensional models on that issue."""
    from melian.bargaining.registry import run_model

    s = from_decide(DATA / "decide" / "dialogue.csv")
    prob = problem_from_scenario(s)
    assert "power" not in prob.meta  # every actor's power is the same on both issues
    text = (
        (DATA / "decide" / "dialogue.csv")
        .read_text()
        .replace("#D;gov;budget;80;60;3", "#D;gov;budget;80;60;9")
    )
    f = DATA.parent / "decide-power.csv"
    try:
        f.write_text(text)
        s2 = from_decide(f)
    finally:
        f.unlink()
    prob2 = problem_from_scenario(s2)
    assert "power" in prob2.meta
    out = run_model("compromise", prob2).point()["budget"]
    cap = dict(zip(prob2.actors, prob2.capability, strict=True))
    assert cap["gov"] == 6  # mean power over the two issues
    w = {"gov": 9 * 60, "opp": cap["opp"] * 90, "ally": cap["ally"] * 40}
    want = (80 * w["gov"] + 10 * w["opp"] + 50 * w["ally"]) / sum(w.values())
    assert out == pytest.approx(want)
