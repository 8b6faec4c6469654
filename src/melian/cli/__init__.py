"""melian's command line (typer + rich): one sub-module per command group, loaded on demand.

Each module named in :data:`COMMANDS` exposes ``register(app: typer.Typer) -> None``. The
modules (and the numerical libraries they need) are imported only when one of their commands
runs or shows its own help: ``melian --help`` lists the commands from the short help strings
kept here (a test checks that they match the commands' own help), so the command line starts
without importing numpy, scipy, SQLAlchemy, numba or the analysis packages.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from typer._coercion import RuntimeParam, build_runtime_param
from typer.core import TyperCommand, TyperGroup

#: Command name -> (module that registers it, short help shown by ``melian --help``), in the
#: order ``melian --help`` lists them (commands first, then command groups, as typer does).
#: A new command module: add each command it registers here (tests/test_cli_startup.py checks).
COMMANDS: dict[str, tuple[str, str]] = {
    "game": (
        "melian.cli.game",
        "Build the scenario's alliance game, solve it with pygambit and check its propositions.",
    ),
    "forecast": (
        "melian.cli.forecast",
        "Forecast each issue's outcome with the spatial bargaining models.",
    ),
    "explore": (
        "melian.cli.explore",
        "Which uncertainties matter, where the recommendation stops being best, what is robust.",
    ),
    "decide": (
        "melian.cli.decide",
        "Rank the options with TOPSIS and weighted sum (two normalisations) and their stability.",
    ),
    "serve": (
        "melian.cli.serve",
        "Serve the web app: browse and edit scenarios, run analyses, read briefs, compare runs.",
    ),
    "simulate": (
        "melian.cli.simulate",
        "Simulate the economy, security and politics under each option of SCENARIO.",
    ),
    "advise": (
        "melian.cli.advise",
        "Own stance, linkage, whom to persuade and coalitions, across the bargaining models.",
    ),
    "brief": (
        "melian.cli.brief",
        "Write the decision brief for SCENARIO: bottom line, judgements, every analysis, sources.",
    ),
    "seal": (
        "melian.cli.seal",
        "Forecast SCENARIO and seal the forecast in the append-only ledger.",
    ),
    "verify": (
        "melian.cli.seal",
        "Check the ledger's hash chain and re-solve its sealed forecasts bit for bit "
        "(exit 1 if not).",
    ),
    "score": (
        "melian.cli.seal",
        "Score sealed forecasts once outcomes are known (error, CRPS, coverage, Brier).",
    ),
    "scenarios": ("melian.cli.scenarios", "List, show, validate and export scenarios."),
    "import": ("melian.cli.scenarios", "Import scenarios from other tools' formats."),
    "runs": ("melian.cli.runs", "List, show, compare and export stored runs."),
    "backtest": ("melian.cli.backtest", "Backtest bargaining models on real decisions."),
    "ledger": ("melian.cli.seal", "The forecast ledger."),
}


@dataclass(frozen=True)
class PlainRuntimeParam(RuntimeParam):
    """
    Coercion of plain ``str``, ``Path``, ``int``, ``float``, ``list[str]`` and flag options
    (each optional or not) without pydantic.

    typer (0.29, pinned) coerces every option through a pydantic ``TypeAdapter`` built on each
    run, which imports pydantic and costs ~0.15 s per command line. For these annotations
    without constraints the result is the value itself, ``Path(value)``, ``float(value)`` or
    ``list(value)`` (what the adapter returns for the values click has already parsed), and a
    flag's bool is itself; ``None`` (an optional option not given) never reaches here (typer's
    ``coerce`` returns it first, and gives the annotation without its ``None``). Anything else
    goes to typer's own coercion.
    """

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:  # noqa: ANN401
        a = self.annotation
        if a is bool and isinstance(value, bool):
            return value
        if a is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if a is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if a is str and isinstance(value, str):
            return value
        if a is Path and isinstance(value, (str, Path)):
            return Path(value)
        if a == list[str] and isinstance(value, (list, tuple)):
            if all(isinstance(v, str) for v in value):
                return list(value)
        return build_runtime_param(param.type_descriptor)._coerce_value(value, param, ctx)


#: ParameterInfo fields that must keep their defaults for :class:`PlainRuntimeParam` to apply.
_PLAIN_DEFAULTS = {
    "parser": None,
    "exists": False,
    "writable": False,
    "resolve_path": False,
    "allow_dash": False,
    "path_type": None,
    "file_okay": True,
    "dir_okay": True,
    "readable": True,
    "min": None,
    "max": None,
    "formats": None,
    "mode": None,
    "lazy": None,
}


def _plain_coercion_param(p: Any) -> None:  # noqa: ANN401
    """Give the parameter ``p`` a :class:`PlainRuntimeParam` when its annotation is plain."""
    if getattr(p, "_runtime_param", True) is not None:
        return
    d = getattr(p, "type_descriptor", None)
    if d is None or d.file_annotation is not None or d.is_choice:
        return
    if d.annotation not in (bool, str, Path, int, float, list[str]):
        return
    info = d.parameter_info
    if any(getattr(info, k, v) != v for k, v in _PLAIN_DEFAULTS.items()):
        return
    p._runtime_param = PlainRuntimeParam(annotation=d.annotation, parameter_info=info)


def _plain_coercion(cmd: Any, ctx: Any = None) -> None:  # noqa: ANN401
    """:func:`_plain_coercion_param` on every parameter of ``cmd`` and its sub-commands, its
    ``--help`` option included when ``ctx`` is given.
    """
    for sub in getattr(cmd, "commands", {}).values():
        _plain_coercion(sub, ctx)
    for p in cmd.params:
        _plain_coercion_param(p)
    if ctx is not None:
        help_option = cmd.get_help_option(ctx)
        if help_option is not None:
            _plain_coercion_param(help_option)


def load_module_commands(module: str) -> dict[str, Any]:
    """
    Import the command module ``module`` and return the click commands it registers.

    The module's ``register`` is called on a scratch :class:`typer.Typer`, which is then turned
    into click commands exactly as typer does for the main application; plain string and path
    options get :class:`PlainRuntimeParam`.
    """
    scratch = typer.Typer(add_completion=False)
    importlib.import_module(module).register(scratch)
    commands = dict(typer.main.get_group(scratch).commands)
    for cmd in commands.values():
        _plain_coercion(cmd)
    return commands


class LazyGroup(TyperGroup):
    """
    The top-level ``melian`` group: commands are stubs until they are resolved.

    Listing (``melian --help``) uses the stubs' short help; resolving a command name (running
    it, or ``melian NAME --help``) imports its module and swaps in the real command.
    """

    def __init__(self, **attrs: Any) -> None:  # noqa: ANN401
        super().__init__(**attrs)
        for name, (_module, short) in COMMANDS.items():
            if name not in self.commands:
                self.commands[name] = TyperCommand(name=name, help=short, callback=None)
        self._loaded: set[str] = set()

    def load(self, name: str) -> None:
        """Replace the stub of ``name`` (and of its module's other commands) by the real ones."""
        if name not in COMMANDS or name in self._loaded:
            return
        module = COMMANDS[name][0]
        for cmd_name, cmd in load_module_commands(module).items():
            self.commands[cmd_name] = cmd
            self._loaded.add(cmd_name)

    def resolve_command(
        self,
        ctx: Any,  # noqa: ANN401
        args: list[str],
    ) -> tuple[str | None, Any, list[str]]:
        """Load the named command's module, then resolve as typer does."""
        if args:
            self.load(args[0])
        name, cmd, rest = super().resolve_command(ctx, args)
        if cmd is not None:
            _plain_coercion(cmd, ctx)
        return name, cmd, rest

    def get_help_option(self, ctx: Any) -> Any:  # noqa: ANN401
        """The ``--help`` option, coerced without pydantic."""
        opt = super().get_help_option(ctx)
        if opt is not None:
            _plain_coercion_param(opt)
        return opt

    def format_commands(self, ctx: Any, formatter: Any) -> None:  # noqa: ANN401
        """List the commands with their whole short help, wrapped (click would cut it)."""
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=1000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    name="melian",
    help="Strategic-dialogue analysis: forecast, game, simulate, explore, decide, brief.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
    # Plain click formatting for the top level: typer's rich help imports rich.markdown and
    # markdown-it (~0.2 s). Each command's own help (``melian NAME --help``) stays rich.
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    """Strategic-dialogue analysis: forecast, game, simulate, explore, decide, brief."""


def main() -> None:
    """Console-script entry point."""
    app()
