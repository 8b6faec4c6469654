"""Where a scenario's datasets are found: beside the scenario's file, then in melian's data directory.

A scenario names its datasets by relative path (``world.datasets.NAME.file``). Every face and
analysis resolves them here, the same way: first in ``base_dir`` when the caller gives one, then
in the directory of the file the scenario was loaded from (:attr:`Scenario.origin`, set by
:func:`melian.scenario.load_scenario`), then in melian's shipped data directory (where the
built-in scenarios' datasets live). A scenario copied elsewhere with its datasets beside it runs
every command unchanged.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from melian.errors import InputError, Problem
from melian.scenario.schema import Scenario


def data_dir() -> Path:
    """melian's shipped data directory (``melian/data``)."""
    return Path(str(resources.files("melian.data")))


def search_dirs(scenario: Scenario, base_dir: Path | str | None = None) -> list[Path]:
    """The directories a dataset of ``scenario`` is looked for in, in order."""
    dirs: list[Path] = []
    if base_dir is not None:
        dirs.append(Path(base_dir))
    if scenario.origin is not None:
        dirs.append(Path(scenario.origin).parent)
    dirs.append(data_dir())
    out: list[Path] = []
    for d in dirs:
        if d not in out:
            out.append(d)
    return out


def dataset_path(
    scenario: Scenario, name: str, base_dir: Path | str | None = None, where: str = ""
) -> Path:
    """
    The file of the scenario's dataset ``name`` (``world.datasets.NAME``).

    Parameters
    ----------
    scenario : Scenario
        The scenario that declares the dataset.
    name : str
        The dataset's name in ``world.datasets``.
    base_dir : Path or str, optional
        A directory to look in before the scenario's own (``simulate --data-dir``).
    where : str
        What needs the dataset (``component.role``), for the error message.

    Raises
    ------
    InputError
        Located at ``world.datasets.NAME.file`` when no directory holds the file, naming the
        directories searched.
    """
    ds = scenario.world.datasets[name]
    dirs = search_dirs(scenario, base_dir)
    for root in dirs:
        p = root / ds.file
        if p.is_file():
            return p
    looked = [f"beside the scenario ({d})" for d in dirs if d != data_dir()]
    looked.append("in melian's data directory")
    need = f" ({where})" if where else ""
    raise InputError(
        [
            Problem(
                scenario.id,
                None,
                None,
                f"world.datasets.{name}.file",
                f"dataset file {ds.file!r}{need} not found {' or '.join(looked)}: put the file "
                "beside the scenario file, or give its path relative to the scenario file",
            )
        ]
    )
