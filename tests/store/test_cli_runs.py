"""``melian runs list|show|diff|export`` on a temporary store."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from melian.cli import app
from melian.store import RunStore

runner = CliRunner()


@pytest.fixture
def two_runs(sqlite_url: str) -> tuple[str, str, str]:
    with RunStore(sqlite_url) as s:
        a = s.save_run(
            "forecast",
            {"points": {"x": 1.0}},
            manifest={"seed": 1, "scenario_id": "m"},
            inputs="a: 1\n",
        )
        b = s.save_run(
            "forecast",
            {"points": {"x": 2.0}},
            manifest={"seed": 1, "scenario_id": "m"},
            inputs="a: 2\n",
        )
    return sqlite_url, a, b


def test_list_json_and_table(two_runs) -> None:
    url, a, b = two_runs
    r = runner.invoke(app, ["runs", "list", "--store", url, "--json"])
    assert r.exit_code == 0, r.output
    assert {x["id"] for x in json.loads(r.stdout)} == {a, b}
    r = runner.invoke(app, ["runs", "list", "--store", url])
    assert r.exit_code == 0 and "forecast" in r.stdout


def test_store_from_environment(two_runs, monkeypatch) -> None:
    url, a, b = two_runs
    monkeypatch.setenv("MELIAN_STORE", url)
    r = runner.invoke(app, ["runs", "list", "--json", "--kind", "forecast", "--limit", "1"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)) == 1


def test_show_diff_export(two_runs, tmp_path) -> None:
    url, a, b = two_runs
    r = runner.invoke(app, ["runs", "show", a, "--store", url, "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["results"] == {"points": {"x": 1.0}}
    r = runner.invoke(app, ["runs", "show", a, "--store", url])
    assert r.exit_code == 0 and "manifest.seed" in r.stdout
    r = runner.invoke(app, ["runs", "diff", a, b, "--store", url, "--json"])
    d = json.loads(r.stdout)
    assert [c["path"] for c in d["changes"]] == ["results.points.x"]
    r = runner.invoke(app, ["runs", "diff", a, b, "--store", url])
    assert r.exit_code == 0 and "results.points.x" in r.stdout and "+a: 2" in r.stdout
    out = tmp_path / "run.json"
    r = runner.invoke(app, ["runs", "export", b, "--store", url, "-o", str(out)])
    assert r.exit_code == 0
    assert json.loads(out.read_text())["results"] == {"points": {"x": 2.0}}
    r = runner.invoke(app, ["runs", "export", b, "--store", url, "--inputs"])
    assert r.stdout == "a: 2\n"


def test_unknown_run_exits_2_without_traceback(two_runs) -> None:
    url, _, _ = two_runs
    r = runner.invoke(app, ["runs", "show", "nope", "--store", url])
    assert r.exit_code == 2
    assert "no run 'nope'" in r.output and "Traceback" not in r.output


def test_serve_refuses_public_interface_without_flag() -> None:
    r = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert r.exit_code == 2 and "--public" in r.output
