"""Other tools' formats: read KTAB SMP CSV, DEU TSV and decide tables as scenarios.

:func:`load_scenario` is what the faces (command line, Python API) call to load a scenario by
built-in id or path: a ``.csv`` file is read as KTAB input, a ``.tsv`` file as a DEU file (its
first issue), anything else as scenario format v1 (:func:`melian.scenario.load_scenario`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from melian.errors import InputError, Problem
from melian.io.importers import from_deu, from_ktab_csv, scenario_from_problem
from melian.scenario.importers import from_decide
from melian.scenario.loader import MAX_BYTES, resolve_path
from melian.scenario.loader import load_scenario as load_scenario_file
from melian.scenario.schema import Scenario, did_you_mean
from melian.scenario.yamlsrc import parse_located, read_text

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
    try:
        return load_scenario_file(ref, max_bytes=max_bytes)
    except InputError as exc:
        if not any(_EFFECT.match(p.message) for p in exc.problems):
            raise
        raise InputError(_with_kinds(exc.problems, ref, max_bytes)) from None


#: The scenario layer's message for an effect on an undeclared parameter of a world component.
_EFFECT = re.compile(
    r"unknown parameter '(?P<cid>[^'.]+)\.(?P<name>[^']+)': component '[^']+' declares no "
    r"parameter '[^']+' \(declared: (?P<have>[^)]*)\).*world\.components\[(?P<k>\d+)\]"
)


def _with_kinds(problems: list[Problem], ref: str | Path, max_bytes: int) -> list[Problem]:
    """``problems`` with each effect on an undeclared component parameter explained by the
    component's kind: whether the kind has the parameter (optional, with its default, unit,
    range and meaning) or which parameters it has.
    """
    try:
        data = parse_located(read_text(resolve_path(ref), max_bytes), str(ref)).data
        comps = data["world"]["components"]
    except (InputError, KeyError, TypeError):
        return problems
    from melian.world.components import KINDS  # lazy: the world model, on this error only

    out = []
    for p in problems:
        m = _EFFECT.match(p.message)
        k = int(m["k"]) if m else -1
        comp = comps[k] if m and 0 <= k < len(comps) and isinstance(comps[k], dict) else None
        kind = KINDS.get(str(comp.get("kind"))) if comp is not None else None
        if m is None or kind is None:
            out.append(p)
            continue
        out.append(Problem(p.file, p.line, p.column, p.path, _effect_message(m, kind, k)))
    return out


def _effect_message(m: re.Match[str], kind: Any, k: int) -> str:  # noqa: ANN401
    """The message of an effect on parameter ``m['name']`` of component ``k`` of ``kind``."""
    cid, name = m["cid"], m["name"]
    head = (
        f"unknown parameter '{cid}.{name}': component {cid!r} ({kind.kind}) declares no "
        f"parameter {name!r} (declared: {m['have']})"
    )
    specs = {ps.path: ps for ps in kind.PARAMS}
    ps = specs.get(name)
    if ps is None:
        return (
            f"{head}; {kind.kind} has no parameter {name!r}{did_you_mean(name, list(specs))} "
            f"(its parameters: {', '.join(specs)})"
        )
    rng = ""
    if ps.low is not None:
        rng = f", range [{ps.low:g}, {ps.high:g}]" if ps.high is not None else f", >= {ps.low:g}"
    status = (
        f"it is optional, default {ps.default:g} {ps.unit}{rng}: {ps.meaning}"
        if ps.default is not None
        else f"it is required: {ps.unit}{rng}: {ps.meaning}"
    )
    return (
        f"{head}; declare `{name}` under world.components[{k}].parameters ({status}) with its "
        "value and source: an effect moves a declared parameter only"
    )
