"""Which analyses a scenario can run, and what is missing for the others, in plain words.

:func:`readiness` asks the same checks the analyses make before they start (the bargaining
problem of the agenda, the world model's :func:`melian.world.check`, the ranking's
:func:`melian.decide.check`, the game section) and returns, per analysis kind of the web app,
the problems that stop it (an empty list: it can run). :func:`group_problems` turns located
problems (of a check or of a failed job) into a short list grouped by the part of the scenario
they are about, each with the authoring field where it is fixed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from melian.errors import InputError, MelianError, Problem
from melian.scenario.schema import Scenario


def _p(path: str, message: str) -> Problem:
    return Problem("", None, None, path, message)


def _forecast(s: Scenario) -> list[Problem]:
    if not s.issues:
        return [_p("issues", "the scenario has no agenda issue: add an issue with positions")]
    from melian.bargaining.adapters import problem_from_scenario  # lazy: numpy-heavy engine

    try:
        problem = problem_from_scenario(s)
    except InputError as exc:
        return exc.problems
    except MelianError as exc:
        return [_p("issues", exc.message)]
    if problem.n_actors < 2:
        return [_p("issues", "a forecast needs at least two actors at the table with positions")]
    return []


def _focal(s: Scenario) -> list[Problem]:
    if s.focal is None:
        return [_p("focal", "the scenario has no options: choose the focal actor and add options")]
    return []


def _game(s: Scenario) -> list[Problem]:
    out = _focal(s)
    if s.game is None:
        out.append(
            _p(
                "game",
                "the scenario has no game: choose the patron and the responding players, with "
                "their responses, in the Game section",
            )
        )
    return out


def _world(s: Scenario) -> list[Problem]:
    if not s.world.components:
        return [_p("world", "the scenario has no world components: add one to simulate")]
    from melian.world import check  # lazy: the world engine imports numpy-heavy modules

    return _focal(s) + check(s)


def _decide(s: Scenario) -> list[Problem]:
    out = _focal(s)
    if not s.criteria:
        return out + [_p("criteria", "the scenario has no criteria to rank the options on")]
    kinds = {c.measure.kind for c in s.criteria}
    if "world" in kinds:
        out += _world(s)
    if "game" in kinds and s.game is None:
        out += _game(s)
    if "forecast" in kinds:
        out += _forecast(s)
    return _unique(out)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if (p.path, p.message) not in seen:
            seen.add((p.path, p.message))
            out.append(p)
    return out


def readiness(s: Scenario, kinds: list[str]) -> dict[str, list[Problem]]:
    """Per analysis kind, the problems that stop it on scenario ``s`` (empty: it can run).

    ``forecast`` needs agenda issues with at least two bargaining actors; ``game`` a focal actor
    with options and a game section; ``simulate`` world components that pass the world model's
    checks; ``decide`` criteria and whatever their measures read; ``brief`` what the forecast
    needs (it reports its other sections when they cannot be made). Kinds registered by other
    parts of melian are assumed able to run.
    """
    checks = {
        "forecast": _forecast,
        "game": _game,
        "simulate": _world,
        "decide": _decide,
        "brief": _forecast,
    }
    return {k: (checks[k](s) if k in checks else []) for k in kinds}


@dataclass
class Group:
    """Problems about one part of the scenario: its title and (field, message) items."""

    title: str
    items: list[tuple[str | None, str]] = field(default_factory=list)


def _group_key(s: Scenario | None, path: str) -> str:
    """A title for the part of the scenario ``path`` is about (``World component 'oil'``)."""
    m = re.match(r"world\.components\[(\d+)\]", path)
    cid = None
    if m and s is not None and int(m.group(1)) < len(s.world.components):
        cid = s.world.components[int(m.group(1))].id
    m2 = re.match(r"world\.(?:components\.)?([A-Za-z0-9][A-Za-z0-9_\-]*)\.", path)
    if cid is None and m2 and m2.group(1) not in ("components", "datasets"):
        cid = m2.group(1)
    if cid is not None and s is not None:
        comp = next((c for c in s.world.components if c.id == cid), None)
        if comp is not None:
            return f"World component '{comp.name or comp.id}' ({comp.kind})"
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    m3 = re.match(r"issues\[(\d+)\]", path)
    if m3 and s is not None and int(m3.group(1)) < len(s.issues):
        return f"Issue '{s.issues[int(m3.group(1))].name}'"
    titles = {
        "world": "World",
        "focal": "Options",
        "criteria": "Criteria",
        "issues": "Agenda",
        "actors": "Actors",
        "game": "Game",
        "metadata": "Metadata",
        "sources": "Sources",
    }
    return titles.get(head, "Scenario")


def group_problems(
    problems: list[Problem] | list[dict[str, Any]],
    s: Scenario | None,
    field_of: Callable[[str], str | None] | None = None,
) -> list[Group]:
    """``problems`` grouped by the part of the scenario they are about, in plain words.

    ``field_of`` maps a problem path to the authoring form field where it is fixed (see
    :meth:`melian.web.authoring.FormMap.field_of`); items without one have ``None``. Problems
    may be :class:`Problem` objects or their dicts (as a job keeps them).
    """
    from melian.web.authoring import plain  # lazy: the form module is loaded with the pages

    items = [p if isinstance(p, Problem) else Problem(**p) for p in problems]
    groups: dict[str, Group] = {}
    missing: dict[str, list[tuple[str | None, str]]] = {}
    for p in _unique(items):
        title = _group_key(s, p.path)
        g = groups.setdefault(title, Group(title))
        where = field_of(p.path) if field_of else None
        m = _MISSING.match(p.message)
        if m:  # one line per component for its missing parameters
            missing.setdefault(title, []).append((where, m.group(1)))
            continue
        m = _UNKNOWN.match(p.message)
        text = f"{m.group(2)!r} is not a parameter of {m.group(1)}" if m else plain(p.message)
        g.items.append((where, text))
    for title, found in missing.items():
        names = ", ".join(n for _, n in found)
        text = f"needs {len(found)} parameter(s): {names}"
        groups[title].items.insert(0, (found[0][0], text))
    return list(groups.values())


_MISSING = re.compile(r"^the world model needs parameter [^.\s]+\.(\S+) ")
_UNKNOWN = re.compile(r"^(\S+) has no parameter '([^']+)' \(parameters: .*\)$")


__all__ = ["Group", "group_problems", "readiness"]
