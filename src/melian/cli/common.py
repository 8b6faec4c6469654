"""Shared plumbing of the command line: consoles, JSON output and error handling.

JSON goes through :func:`melian.jsonio.dumps` (the one serialiser; NaN is written as ``null``).

Every command is wrapped by :func:`guard`, which turns a :class:`melian.errors.MelianError` into
its message on stderr and exit code 2 (never a traceback), and writes nothing else.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from melian.errors import MelianError
from melian.jsonio import dumps

console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)

F = TypeVar("F", bound=Callable[..., Any])


def print_json(data: Any) -> None:  # noqa: ANN401
    """Write ``data`` as JSON on stdout (machine output of ``--json``)."""
    sys.stdout.write(dumps(data) + "\n")


def guard(func: F) -> F:
    """Wrap a command: MelianError -> message on stderr, exit code 2, no traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        try:
            return func(*args, **kwargs)
        except MelianError as exc:
            err_console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(code=exc.exit_code) from None

    return wrapper  # type: ignore[return-value]
