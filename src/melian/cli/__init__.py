"""melian's command line (typer + rich): one sub-module per command group.

Each module in :data:`COMMANDS` exposes ``register(app: typer.Typer) -> None``.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="melian",
    help="Strategic-dialogue analysis: forecast, game, simulate, explore, decide, brief.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMANDS = [
    "melian.cli.scenarios",
    "melian.cli.game",
    "melian.cli.forecast",
    "melian.cli.explore",
    "melian.cli.decide",
    "melian.cli.runs",
    "melian.cli.serve",
    "melian.cli.simulate",
    "melian.cli.backtest",
    "melian.cli.brief",
    "melian.cli.seal",
    "melian.cli.advise",
]


def _register_all() -> None:
    for name in COMMANDS:
        importlib.import_module(name).register(app)


_register_all()


def main() -> None:
    """Console-script entry point."""
    app()
