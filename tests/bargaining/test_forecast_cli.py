"""``melian forecast`` and the JSON/CSV export of forecasts."""

import csv
import io
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from melian.bargaining import forecast, forecast_all, model_names
from melian.bargaining.base import BargainingProblem
from melian.bargaining.io.export import to_csv, write_json
from melian.cli import app

runner = CliRunner()

KTAB = """tiny, three actors two dims, 3, 2
Actor, Description, Power, Pos1, Sal1, Pos2, Sal2,
A, first, 100, 10, 80, 90, 20,
B, second, 50, 90, 30, 10, 70,
C, third, 80, 50, 50, 40, 60,
"""


def problem():
    return BargainingProblem(
        actors=("A", "B", "C"),
        issues=("p", "q"),
        capability=np.array([1.0, 0.5, 0.8]),
        position=np.array([[10.0, 90.0], [90.0, np.nan], [50.0, 40.0]]),
        salience=np.array([[0.8, 0.2], [0.3, 0.7], [0.5, 0.6]]),
        scale=np.array([[0.0, 100.0], [0.0, 100.0]]),
        reference=np.array([30.0, np.nan]),
    )


def test_csv_long_format_rows():
    fc = forecast(problem(), "bdm", rounds=2)
    rows = list(csv.DictReader(io.StringIO(to_csv(fc))))
    assert set(rows[0]) == {"model", "issue", "round", "actor", "position"}
    point = [r for r in rows if r["actor"] == "__point__"]
    assert [float(r["position"]) for r in point] == pytest.approx(list(fc.point().values()))
    # B has no position on q: no rows for it there
    assert not [r for r in rows if r["issue"] == "q" and r["actor"] == "B"]
    q_rows = [r for r in rows if r["issue"] == "q" and r["actor"] != "__point__"]
    assert len(q_rows) == 2 * (fc.rounds + 1)


def test_json_export_has_no_nan(tmp_path):
    fcs = forecast_all(problem(), models=["compromise", "median", "nash", "bdm", "exchange"])
    path = tmp_path / "f.json"
    write_json(list(fcs.values()), path)
    data = json.loads(path.read_text())
    assert [d["model"] for d in data] == ["compromise", "median", "nash", "bdm", "exchange"]
    assert data[3]["issues"][1]["trajectory"]["B"][0] is None


def test_cli_all_models_on_ktab_csv(tmp_path):
    f = tmp_path / "tiny.csv"
    f.write_text(KTAB)
    out = tmp_path / "traj.csv"
    res = runner.invoke(app, ["forecast", str(f), "--model", "all", "--json", "--csv", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    for name in ("compromise", "median", "nash", "bdm", "exchange"):
        assert name in data["forecasts"]
        assert len(data["forecasts"][name]["issues"]) == 2
    # compromise on dim 1: (10*1*.8 + 90*.5*.3 + 50*.8*.5) / (.8 + .15 + .4)
    comp = data["forecasts"]["compromise"]["issues"][0]["point"]
    assert comp == pytest.approx((8 + 13.5 + 20) / 1.35, abs=1e-6)
    assert out.exists() and out.read_text().startswith("model,issue,round,actor,position")


def test_cli_builtin_scenario_single_model_table():
    res = runner.invoke(app, ["forecast", "iraq-us-2020", "--model", "median"])
    assert res.exit_code == 0, res.output
    assert "median" in res.output


def test_cli_params_and_errors():
    res = runner.invoke(
        app, ["forecast", "iraq-us-2020", "--model", "bdm", "--param", "rounds=2", "--json"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["forecasts"]["bdm"]["params"]["rounds"] == 2
    bad = runner.invoke(app, ["forecast", "iraq-us-2020", "--model", "bdm", "--param", "zzz=1"])
    assert bad.exit_code == 2
    unknown = runner.invoke(app, ["forecast", "iraq-us-2020", "--model", "nope"])
    assert unknown.exit_code == 2 and "unknown bargaining model" in unknown.output
    missing = runner.invoke(app, ["forecast", "iraq-us-2020", "--issue", "no-such-issue"])
    assert missing.exit_code == 2


def test_model_names_include_mine():
    assert {"compromise", "median", "nash", "bdm", "exchange"} <= set(model_names())


def test_default_model_is_melian_deu_for_legislative_bargaining():
    from pathlib import Path

    import melian
    from melian.bargaining import default_model, to_problem
    from melian.bargaining.io.deu import read_deu
    from melian.scenario import load_scenario

    deu = Path(melian.__file__).parent / "data" / "deu" / "deu-dev.tsv"
    assert default_model(read_deu(deu)[0].problem) == "melian-deu"
    # the built-in dialogue has actors without a position on some issues: compromise
    assert default_model(to_problem(load_scenario("iraq-us-2020"))) == "compromise"
    assert (
        default_model(to_problem(load_scenario("tests/data/scenarios/minimal.yaml"), ["presence"]))
        == "smp"
    )


def test_joint_model_runs_issue_by_issue_when_positions_are_missing():
    """SMP needs complete data; with missing positions each issue is forecast on its own."""
    import numpy as np

    from melian.bargaining import run_forecast, to_problem
    from melian.bargaining.registry import run_model
    from melian.errors import ModelError
    from melian.scenario import load_scenario

    p = to_problem(load_scenario("iraq-us-2020"))
    assert np.isnan(p.position).any()
    with pytest.raises(ModelError):
        run_model("smp", p)
    f = run_forecast("smp", p)
    assert set(f.extra["by_issue"]) == set(p.issues)
    for j, issue in enumerate(p.issues):
        alone = run_model("smp", to_problem(load_scenario("iraq-us-2020"), [issue]))
        assert f.issues[j].point == pytest.approx(alone.issues[0].point)
        absent = np.isnan(p.position[:, j])
        assert np.isnan(f.issues[j].trajectory[:, absent]).all()
        assert not np.isnan(f.issues[j].trajectory[:, ~absent]).any()
