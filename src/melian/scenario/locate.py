"""Locating problems found on a loaded scenario in the file it was loaded from.

The loader reports its own problems as ``file:line:column: field.path: message``. Checks made
later, on the :class:`~melian.scenario.schema.Scenario` (the world model's, the criteria's),
know the scenario and a field path only; :func:`relocate` reads the scenario's file again with
positions (:func:`melian.scenario.yamlsrc.parse_located`) and gives each such problem the file,
line and column of its path (of its deepest ancestor present in the file when the field itself
is missing, as the loader does for a missing field).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from melian.errors import InputError, Problem
from melian.scenario.loader import builtin_ids, builtin_path
from melian.scenario.schema import Scenario
from melian.scenario.yamlsrc import Located, PathT, format_path, parse_located, read_text

__all__ = ["located", "parse_path", "relocate"]

_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def parse_path(data: Any, path: str) -> PathT:  # noqa: ANN401
    """The path elements of ``path`` (``world.components[1].parameters.x``) over ``data``.

    A mapping key may itself contain dots (an effect ``component.parameter``): at each mapping
    the longest key of ``data`` that the rest of the path starts with is taken.

    Parameters
    ----------
    data : Any
        The scenario's data as parsed from its file.
    path : str
        A field path as :func:`melian.scenario.yamlsrc.format_path` writes it.

    Returns
    -------
    tuple
        The path's elements (keys and indices); those past the data are split at dots.
    """
    out: list[str | int] = []
    cur = data
    rest = path
    while rest:
        rest = rest.lstrip(".")
        m = re.match(r"\[(\d+)\]", rest)
        if m:
            idx = int(m.group(1))
            out.append(idx)
            rest = rest[m.end() :]
            cur = cur[idx] if isinstance(cur, list) and 0 <= idx < len(cur) else None
            continue
        key = None
        if isinstance(cur, dict):
            for k in sorted((k for k in cur if isinstance(k, str)), key=len, reverse=True):
                if rest == k or rest.startswith(k + ".") or rest.startswith(k + "["):
                    key = k
                    break
        if key is None:
            m2 = _STEP.match(rest)
            key = m2.group(2) if m2 and m2.group(2) else rest
        out.append(key)
        rest = rest[len(key) :]
        cur = cur.get(key) if isinstance(cur, dict) else None
    return tuple(out)


def display_name(scenario: Scenario) -> str:
    """The file name problems of ``scenario`` are reported under (a built-in's id, else its file)."""
    origin = scenario.origin
    if origin is None:
        return scenario.id
    if scenario.id in builtin_ids() and Path(origin) == builtin_path(scenario.id):
        return scenario.id
    return origin


_CACHE: dict[tuple[str, float, int], Located] = {}


def located(scenario: Scenario) -> Located | None:
    """The scenario's file parsed with positions (None: not loaded from a readable file)."""
    origin = scenario.origin
    if origin is None:
        return None
    try:
        st = Path(origin).stat()
        key = (str(Path(origin).resolve()), st.st_mtime, st.st_size)
        if key not in _CACHE:
            if len(_CACHE) >= 16:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = parse_located(read_text(origin), display_name(scenario))
        return _CACHE[key]
    except (OSError, InputError):
        return None


def relocate(scenario: Scenario, problems: list[Problem]) -> list[Problem]:
    """``problems`` (found on ``scenario``) with the file, line and column of their paths.

    Parameters
    ----------
    scenario : Scenario
        The scenario the problems are about (its :attr:`~Scenario.origin` is read again).
    problems : list of Problem
        Problems whose ``path`` is a field path of the scenario; their ``file`` may be the
        scenario's id. Problems that already have a line are kept as they are.

    Returns
    -------
    list of Problem
        The problems, located, sorted by line and column. Without a file to read (a scenario
        parsed from text) they are returned unchanged.
    """
    loc = located(scenario)
    if loc is None:
        return list(problems)
    out = []
    for p in problems:
        if p.line is not None or not p.path:
            out.append(p)
            continue
        steps = parse_path(loc.data, p.path)
        where = loc.problem(steps, p.message, key=_is_key(loc, steps))
        out.append(Problem(where.file, where.line, where.column, format_path(steps), p.message))
    return sorted(out, key=lambda q: (q.line or 0, q.column or 0, q.path))


def _is_key(loc: Located, steps: PathT) -> bool:
    """Locate a mapping entry at its key (a parameter, a name) rather than at its value."""
    return steps in loc.keys
