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
