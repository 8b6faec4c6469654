"""The analyses page describes the world model by the scenario's own components, not by the
built-in case's (oil, budget, security, politics)."""

from __future__ import annotations

from pathlib import Path

SYNTHETIC = Path(__file__).parents[1] / "data" / "scenarios" / "synthetic-world.yaml"


def test_simulate_is_described_by_the_scenarios_components(client, web_env) -> None:  # noqa: ANN001
    (web_env["scenarios"] / "synthetic.yaml").write_text(SYNTHETIC.read_text())
    page = client.get("/scenarios/user/synthetic/analyses").text
    assert "Simulate oil" not in page and "oil, budget" not in page
    assert 'id="world-simulate"' in page
    assert "Closure of the base (event hazard)" in page and "economy (economy)" in page
    other = client.get("/scenarios/user/minimal/analyses").text
    assert "Closure of the base" not in other and "(commodity price)" in other
    arabic = client.get("/scenarios/user/synthetic/analyses?lang=ar").text
    assert "This scenario's world:" not in arabic
