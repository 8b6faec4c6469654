"""Other tools' formats: read KTAB SMP CSV, DEU TSV and decide tables as scenarios.

:func:`load_scenario` is what the faces (command line, Python API) call to load a scenario by
built-in id or path: a ``.csv`` file is read as KTAB input, a ``.tsv`` file as a DEU file (its
first issue), anything else as scenario format v1 (:func:`melian.scenario.load_scenario`).
"""

from __future__ import annotations

from pathlib import Path

from melian.io.importers import from_deu, from_ktab_csv, scenario_from_problem
from melian.scenario.importers import from_decide
from melian.scenario.loader import MAX_BYTES, resolve_path
from melian.scenario.loader import load_scenario as load_scenario_file
from melian.scenario.schema import Scenario

__all__ = ["from_decide", "from_deu", "from_ktab_csv", "load_scenario", "scenario_from_problem"]


def load_scenario(ref: str | Path, *, max_bytes: int = MAX_BYTES) -> Scenario:
    """Load a scenario by built-in id or path, in scenario format v1 or another tool's format.

    Parameters
    ----------
    ref
        A built-in scenario id (``melian.scenarios()``) or a file: ``.csv`` (KTAB SMP input),
        ``.tsv`` (DEU rows; the first issue), else YAML/JSON scenario format v1.
    max_bytes
        Largest scenario file read.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    melian.errors.InputError
        Every problem of the file at once, each located as file:line:column: field: message.
    """
    suffix = Path(str(ref)).suffix.lower()
    if suffix == ".csv":
        return from_ktab_csv(resolve_path(ref))
    if suffix == ".tsv":
        return from_deu(resolve_path(ref))
    return load_scenario_file(ref, max_bytes=max_bytes)
