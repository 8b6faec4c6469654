"""One error hierarchy for melian: every user-facing failure carries a message and a location.

The CLI maps :class:`MelianError` to exit code 2 and prints ``str(error)`` (one line per problem),
never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One located problem in an input: ``file:line:column: field.path: message``."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        """Render as ``file:line:column: path: message`` (missing parts omitted)."""
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        path = f" {self.path}:" if self.path else ""
        return f"{loc}:{path} {self.message}"


class MelianError(Exception):
    """Base class of every error melian reports to a user (exit code 2)."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(MelianError):
    """Bad input: one or more located problems, all reported at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ModelError(MelianError):
    """A model cannot compute a result for the given input (degenerate data, bad parameter)."""


class LimitError(MelianError):
    """A request exceeds a configured resource limit; refused before any allocation."""


class StoreError(MelianError):
    """The run store cannot complete an operation."""
