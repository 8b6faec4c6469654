"""Shared plumbing of the command line: consoles, JSON output and error handling.

JSON goes through :func:`melian.jsonio.dumps` (the one serialiser; NaN is written as ``null``).

Every command is wrapped by :func:`guard`, which turns a :class:`melian.errors.MelianError` into
its message on stderr and exit code 2 (never a traceback), and writes nothing else.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import typer

from melian.errors import MelianError
from melian.jsonio import dumps

if TYPE_CHECKING:
    from rich.console import Console


class _LazyConsole:
    """A rich ``Console`` made on first use: importing rich costs about 20 ms, which a command
    writing JSON (``--json``) never needs (issue 12: a CLI that starts at once).
    """

    def __init__(self, **options: Any) -> None:  # noqa: ANN401
        self._options = options
        self._console: Console | None = None
        self._columns: str | None = None

    def get(self) -> Console:
        """The console itself, made now if not yet (again if ``COLUMNS`` changed since)."""
        columns = os.environ.get("COLUMNS")
        if self._console is None or columns != self._columns:
            from rich.console import Console

            self._console = Console(**self._options)
            self._columns = columns
        return self._console

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401
        return getattr(self.get(), name)

    def __enter__(self) -> Console:
        return self.get().__enter__()

    def __exit__(self, *exc: object) -> None:
        self.get().__exit__(*exc)  # type: ignore[arg-type]


console = cast("Console", _LazyConsole(emoji=False))
err_console = cast("Console", _LazyConsole(stderr=True, emoji=False))


def rich_console(c: Console) -> Console:
    """The rich ``Console`` behind :data:`console` or :data:`err_console`, for the rich objects
    that take one (``Progress(console=...)``).
    """
    return c.get() if isinstance(c, _LazyConsole) else c


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
