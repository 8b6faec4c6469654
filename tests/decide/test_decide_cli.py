"""``melian decide`` and ``melian explore`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from melian.cli import app

DATA = Path(__file__).parent / "data" / "minimal-decide.yaml"


def test_decide_json_and_table() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["decide", str(DATA), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["scenario"] == "minimal-decide"
    assert set(d["methods"]) == {"topsis-minmax", "topsis-vector", "wsm-minmax", "wsm-vector"}
    assert abs(d["ahp"]["weights"]["presence"] - 2 / 3) < 1e-12
    assert d["criteria"][0]["provenance"].startswith("compromise forecast on presence")
    assert len(d["stability"]["topsis-minmax"]) == 2
    res = runner.invoke(app, ["decide", str(DATA)])
    assert res.exit_code == 0 and "weight-stability" in res.output


def test_explore_reports_bad_input_with_exit_2() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["explore", str(DATA), "--method", "nope"])
    assert res.exit_code == 2 and "unknown method" in res.output


def test_explore_prim_names_the_screened_inputs() -> None:
    """The whole decision of the Manas case has 53 uncertain inputs: PRIM peels the 20 with the
    highest feature scores, and the command line says which."""
    res = CliRunner().invoke(
        app,
        ["explore", "kyrgyzstan-manas-2009", "--method", "prim", "--samples", "128"]
        + ["--scheduler", "synchronous"],
    )
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "PRIM peeled the 20 of 53 inputs with the highest extra-trees feature scores" in text


def test_provenance_gives_each_criterion_its_units_and_horizon():
    """decide's "from" column says what a value is measured in: world criteria their declared
    unit and the months simulated, forecasts the scale's points and the issue's unit, the game
    its payoff units."""
    r = CliRunner().invoke(app, ["decide", "iraq-us-2020", "--json", "--paths", "500"])
    assert r.exit_code == 0, r.output
    prov = {c["id"]: c["provenance"] for c in json.loads(r.stdout)["criteria"]}
    assert prov["army"].endswith("(outcome; points of 0-100)")
    world = [p for p in prov.values() if p.startswith("world model:")]
    assert world and all(p.endswith("over 120 months)") for p in world)
    assert any("(months, over 120 months)" in p for p in world)
    assert any(p.endswith("(payoff units)") for p in prov.values())
    r = CliRunner().invoke(app, ["decide", "kyrgyzstan-manas-2009", "--json"])
    prov = {c["id"]: c["provenance"] for c in json.loads(r.stdout)["criteria"]}
    assert prov["base-payment"].endswith("(outcome; points of 0-100 = 0-200 US$ m a year)")
