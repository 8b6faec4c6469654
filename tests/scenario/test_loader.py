"""Scenario loading: every malformed fixture is refused with its location; valid ones round-trip."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from melian.cli import app
from melian.errors import InputError
from melian.scenario import (
    builtin_ids,
    content_hash,
    json_schema,
    load_scenario,
    parse_scenario,
    to_json,
    to_yaml,
)
from melian.scenario.yamlsrc import MAX_BYTES

DATA = Path(__file__).parent.parent / "data"
BAD = DATA / "bad"
MINIMAL = DATA / "scenarios" / "minimal.yaml"
EXPECTED = list(csv.DictReader((BAD / "expected.tsv").open(), delimiter="\t"))
runner = CliRunner()


def test_at_least_thirty_bad_fixtures():
    assert len(EXPECTED) >= 30
    assert {r["file"] for r in EXPECTED} == {p.name for p in BAD.glob("*.yaml")}


@pytest.mark.parametrize("row", EXPECTED, ids=[r["file"] for r in EXPECTED])
def test_bad_fixture_is_located(row):
    with pytest.raises(InputError) as exc:
        load_scenario(BAD / row["file"])
    first = exc.value.problems[0]
    assert first.file.endswith(row["file"])
    assert str(first.line or "") == row["line"]
    assert str(first.column or "") == row["column"]
    assert first.path == row["path"]
    assert row["message"] in first.message


@pytest.mark.parametrize("row", EXPECTED[::5], ids=[r["file"] for r in EXPECTED[::5]])
def test_cli_validate_exits_2_with_located_message(row):
    res = runner.invoke(app, ["scenarios", "validate", str(BAD / row["file"])])
    assert res.exit_code == 2
    loc = f"{row['file']}:{row['line']}:{row['column']}:" if row["line"] else row["file"]
    assert loc in res.stderr
    assert "Traceback" not in res.output + res.stderr


def test_all_problems_reported_at_once(tmp_path):
    text = MINIMAL.read_text()
    text = text.replace(
        "{actor: big, position: 60, salience: 50,", "{actor: big, position: 160, salience: 50,"
    )
    text = text.replace("{actor: faction, position: 10,", "{actor: ghost, position: 10,")
    text = text.replace("  seed: 7", "  seed: -7")
    bad = tmp_path / "many.yaml"
    bad.write_text(text)
    with pytest.raises(InputError) as exc:
        load_scenario(bad)
    # pydantic (seed) problems come first; reference problems need a typed scenario
    assert any(p.path == "metadata.seed" for p in exc.value.problems)
    text = text.replace("  seed: -7", "  seed: 7")
    bad.write_text(text)
    with pytest.raises(InputError) as exc:
        load_scenario(bad)
    paths = [p.path for p in exc.value.problems]
    assert "issues[0].positions[1].position" in paths
    assert "issues[0].positions[3].actor" in paths


def test_oversize_file_refused_before_reading(tmp_path):
    big = tmp_path / "huge.yaml"
    with big.open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # 100 MB (sparse)
    with pytest.raises(InputError) as exc:
        load_scenario(big)
    assert f"the limit is {MAX_BYTES:,} bytes" in exc.value.problems[0].message
    res = runner.invoke(app, ["scenarios", "validate", str(big)])
    assert res.exit_code == 2 and "huge.yaml" in res.stderr


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such scenario"):
        load_scenario(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="directory"):
        load_scenario(tmp_path)


@pytest.mark.parametrize("sid", builtin_ids())
def test_builtins_load_and_round_trip(sid):
    s = load_scenario(sid)
    assert parse_scenario(to_yaml(s)) == s
    assert parse_scenario(to_json(s)) == s
    assert content_hash(parse_scenario(to_yaml(s))) == content_hash(s)
    res = runner.invoke(app, ["scenarios", "validate", sid])
    assert res.exit_code == 0, res.stderr


def test_minimal_round_trip_and_effects():
    s = load_scenario(MINIMAL)
    assert parse_scenario(to_yaml(s)) == s
    base = s.parameters_for(None)
    exit_ = s.parameters_for("exit")
    assert exit_["fiscal.aid"].nominal == 0
    assert exit_["sanctions.probability"].nominal == pytest.approx(
        3 * base["sanctions.probability"].nominal, rel=0.02
    )
    assert s.parameters_for("ally")["fiscal.aid"].support == (0.1, 0.3)


def test_shipped_json_schema_is_current():
    shipped = Path(__file__).parents[2] / "src" / "melian" / "scenario" / "scenario-v1.schema.json"
    assert json.loads(shipped.read_text()) == json_schema()


def test_cli_show_lists_sources():
    res = runner.invoke(app, ["scenarios", "show", str(MINIMAL)], env={"COLUMNS": "250"})
    assert res.exit_code == 0
    for token in ("small", "presence", "analyst", "judgement", "fiscal.payroll", "Sovereignty"):
        assert token in res.stdout
    res = runner.invoke(app, ["scenarios", "show", str(MINIMAL), "--json"])
    assert json.loads(res.stdout)["metadata"]["id"] == "minimal"


def test_cli_export_atomic(tmp_path):
    out = tmp_path / "x.json"
    res = runner.invoke(
        app, ["scenarios", "export", str(MINIMAL), "--format", "json", "--out", str(out)]
    )
    assert res.exit_code == 0
    assert parse_scenario(out.read_text()) == load_scenario(MINIMAL)
    res = runner.invoke(app, ["scenarios", "export", str(MINIMAL), "--format", "xml"])
    assert res.exit_code == 2
