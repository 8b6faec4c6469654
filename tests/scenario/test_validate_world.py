"""`melian scenarios validate` catches what the world model would refuse later, every problem as
``file:line:column: field: message`` (synthetic scenarios written in tmp_path)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from melian.cli import app
from melian.errors import InputError
from melian.io import load_scenario
from tests.scenario_text import line_of

BASE = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "synthetic-world.yaml"
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<path>\S+): (?P<msg>.+)$")


def variant(tmp_path: Path, *edits: tuple[str, str], name: str = "case.yaml") -> Path:
    """The synthetic world scenario with each (old, new) text replaced once."""
    text = BASE.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def validate(*paths: Path | str) -> tuple[int, list[str], str]:
    res = CliRunner().invoke(app, ["scenarios", "validate", *map(str, paths)])
    return res.exit_code, res.stderr.splitlines(), res.stdout


def test_a_criterion_metric_the_world_does_not_declare_is_located(tmp_path: Path) -> None:
    p = variant(tmp_path, ("metric: base_closure,", "metric: base_clossure,"))
    code, err, out = validate(p)
    assert code == 2 and "valid" not in out
    m = LOCATED.match(err[0])
    assert m, err
    assert m["file"] == str(p) and int(m["line"]) == line_of(p, "base_clossure")
    assert m["path"] == "criteria[0].measure.metric"
    assert "no outcome or event 'base_clossure'" in m["msg"]
    assert "did you mean 'base_closure'" in m["msg"]


def test_decide_stops_on_the_metric_before_any_model_runs(tmp_path: Path) -> None:
    p = variant(tmp_path, ("metric: base_closure,", "metric: base_clossure,"))
    res = CliRunner().invoke(app, ["decide", str(p), "--paths", "100", "--json"])
    assert res.exit_code == 2 and res.stdout == ""
    assert re.search(r":\d+:\d+: criteria\[0\]\.measure\.metric: ", res.stderr)


def test_a_stat_that_does_not_apply_to_an_outcome_is_located(tmp_path: Path) -> None:
    p = variant(
        tmp_path,
        ("metric: base_closure, stat: probability}", "metric: transfers_total, stat: probability}"),
    )
    code, err, _ = validate(p)
    assert code == 2
    assert LOCATED.match(err[0])["path"] == "criteria[0].measure.stat"  # type: ignore[index]


def test_a_missing_dataset_file_is_located(tmp_path: Path) -> None:
    p = variant(
        tmp_path,
        (
            "world:\n  components:",
            "world:\n  datasets:\n    prices: {file: data/missing.csv, source: analyst}\n"
            "  components:",
        ),
    )
    code, err, _ = validate(p)
    assert code == 2
    m = LOCATED.match(err[0])
    assert m and m["path"] == "world.datasets.prices.file"
    assert int(m["line"]) == line_of(p, "data/missing.csv")
    assert "not found" in m["msg"]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "missing.csv").write_text("date,value\n", encoding="utf-8")
    assert validate(p)[0] == 0


def test_world_parameter_problems_are_located_at_real_paths(tmp_path: Path) -> None:
    p = variant(
        tmp_path,
        ("base_hazard: {value: 0.02,", "base_hazard: {value: 20,"),
        (
            "        output: {value: 10.0, unit: money bn/year, source: analyst, judgement: true}\n",
            "",
        ),
    )
    code, err, _ = validate(p)
    assert code == 2
    found = {m["path"]: m for m in map(LOCATED.match, err) if m}
    assert len(found) == len(err), err  # every message is located
    rng = found["world.components[0].parameters.base_hazard"]
    assert int(rng["line"]) == line_of(p, "base_hazard: {value: 20")
    missing = found["world.components[2].parameters.output"]
    assert int(missing["line"]) == line_of(p, "growth: {value: 0.03")  # at the parameters
    assert "output" in missing["msg"]
    assert not any(path.startswith("world.economy") for path in found)


def test_labels_keyed_by_a_renamed_name_say_what_the_keys_are(tmp_path: Path) -> None:
    p = variant(tmp_path, ("        event: {en: the base closing", "        base_closure: {en: x"))
    code, err, _ = validate(p)
    assert code == 2 and len(err) == 1
    m = LOCATED.match(err[0])
    assert m and m["path"] == "world.components[0].labels.base_closure"
    assert int(m["line"]) == line_of(p, "base_closure: {en: x")
    assert "keyed by the kind's original" in m["msg"]
    assert "new name of 'event'" in m["msg"] and "events: event" in m["msg"]


def test_an_effect_on_an_undeclared_optional_parameter_says_where_to_declare_it(
    tmp_path: Path,
) -> None:
    p = variant(
        tmp_path,
        (
            "        lever: {value: 0.0, unit: log hazard ratio, source: analyst, judgement: true}\n",
            "",
        ),
    )
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    (prob,) = exc.value.problems
    assert prob.line == line_of(p, "closure.lever:") and prob.path.endswith("effects.closure.lever")
    assert "declare `lever` under world.components[0].parameters" in prob.message
    assert "it is optional, default 0" in prob.message
    assert "declare it under world or game" not in prob.message


def test_an_unquoted_comma_in_a_flow_mapping_gets_a_quoting_hint(tmp_path: Path) -> None:
    p = variant(
        tmp_path, ("{id: support, name: Support}", "{id: support, name: Support (aid, exercises)}")
    )
    code, err, _ = validate(p)
    assert code == 2
    assert "unknown key" in err[0]
    assert 'quote the value: name: "Support (aid, exercises)"' in err[0]


def test_an_unknown_actor_gets_a_suggestion(tmp_path: Path) -> None:
    p = variant(tmp_path, ("{actor: rival, position: 0,", "{actor: rivl, position: 0,"))
    code, err, _ = validate(p)
    assert code == 2 and "unknown actor 'rivl' (did you mean 'rival'?)" in err[0]


def test_weights_not_summing_to_one_are_a_located_warning(tmp_path: Path) -> None:
    p = variant(tmp_path, ("    weight: 0.6\n", "    weight: 0.9\n"))
    code, err, out = validate(p)
    assert code == 0 and f"{p}: valid" in out
    m = LOCATED.match(err[0])
    assert m and m["path"] == "criteria"
    assert "warning: criteria weights sum to 1.3, not 1" in m["msg"]
    assert "security 0.692" in m["msg"]  # the weight actually used
    res = CliRunner().invoke(app, ["scenarios", "validate", "--json", str(p)])
    (row,) = json.loads(res.stdout)
    assert row["valid"] and "sum to 1.3" in row["warnings"][0]["message"]
    code, err, _ = validate(variant(tmp_path, name="ok.yaml"))
    assert code == 0 and err == []


def test_the_builtin_scenarios_still_validate() -> None:
    code, err, out = validate("iraq-us-2020", "kyrgyzstan-manas-2009")
    assert code == 0 and out.count(": valid (") == 2
    assert all("warning" in e for e in err)  # the built-in weights sum to 1.1: said, not failed


def test_decide_reports_the_weights_warning(tmp_path: Path) -> None:
    p = variant(tmp_path, ("    weight: 0.6\n", "    weight: 0.9\n"))
    args = ["decide", str(p), "--paths", "100", "--horizon", "6", "--json"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    (w,) = json.loads(res.stdout)["warnings"]
    assert w["path"] == "criteria" and w["line"] and "sum to 1.3" in w["message"]
