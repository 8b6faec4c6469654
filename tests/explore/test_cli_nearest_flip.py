"""The breaking-point summary line when the flip is at the central values (no input moves)."""

from __future__ import annotations

from melian.cli import explore as cli_explore


def _result(beta: float | None, movers: list[str]) -> dict:
    return {
        "top": "a",
        "central_gap": 0.01,
        "switch_overs": [],
        "nearest": {"beta": beta, "probability": 0.5, "winner": "b", "movers": movers},
        "notes": [],
    }


def test_a_flip_at_the_centre_says_so_and_lists_no_empty_movers(capsys) -> None:
    cli_explore._print_breaking(_result(0.0, []), 5)
    out = capsys.readouterr().out
    assert "at the central values themselves" in out and "moves most" not in out
    cli_explore._print_breaking(_result(1.5, []), 5)
    out = capsys.readouterr().out
    assert "1.50 spreads" in out and "moves most" not in out
    cli_explore._print_breaking(_result(1.5, ["x.y"]), 5)
    assert "moves most: x.y" in capsys.readouterr().out


def test_sensitivity_tables_hide_idle_parameters_and_flag_indices_outside_0_1(capsys) -> None:
    rows = [
        {"parameter": "a", "S1": 1.07, "S1_conf": 0.3, "ST": 0.9, "ST_conf": 0.2},
        {"parameter": "b", "S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0},
    ]
    out = {"option": "x", "outcome": "y", "kind": "outcome", "indices": rows}
    d = {"method": "sobol", "outputs": [out], "runs": 10, "seconds": 0.1, "seed": 1}
    cli_explore._print_sensitivity(d, 10)
    text = capsys.readouterr().out
    assert "1 parameter(s) with every index 0 not shown" in text
    assert "outside [0, 1]" in text


def test_minimax_regret_says_when_options_tie() -> None:
    per = {o: {"max": m, "p90": 0.0, "mean": 0.0} for o, m in (("a", 0.0), ("b", 0.0), ("c", 1.0))}
    assert cli_explore._minimax_text("a", per) == "a (tie with b)"
    per["c"]["max"] = 0.0
    assert cli_explore._minimax_text("a", per) == "tie (all)"
    per["b"]["max"] = per["c"]["max"] = 2.0
    assert cli_explore._minimax_text("a", per) == "a"
