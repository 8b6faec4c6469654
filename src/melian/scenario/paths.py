"""Paths into a scenario as written: ``/``-separated steps over mappings and lists of elements.

A step is a mapping key, or, in a list, the id of an element (its ``id``, or ``actor`` for
positions, ``param`` or ``name`` where those identify it) or its index. Used by contested views
(:mod:`melian.scenario.views`) to name the judgements they replace.
"""

from __future__ import annotations

import copy
from typing import Any

#: Keys that identify an element of a list in an override path, in order of preference.
ID_KEYS = ("id", "actor", "param", "name")


class ViewPathError(LookupError):
    """An override path does not lead to a value of the scenario."""


def _step(node: Any, seg: str, where: str) -> tuple[Any, str | int]:  # noqa: ANN401
    if isinstance(node, dict):
        if seg in node:
            return node[seg], seg
        raise ViewPathError(f"no {seg!r} under {where or 'the scenario'}")
    if isinstance(node, list):
        for k, item in enumerate(node):
            if isinstance(item, dict) and any(item.get(key) == seg for key in ID_KEYS):
                return item, k
        if seg.isdigit() and int(seg) < len(node):
            return node[int(seg)], int(seg)
        raise ViewPathError(f"no element {seg!r} in {where or 'the scenario'}")
    raise ViewPathError(f"{where} is a value, not a section: cannot go to {seg!r}")


def resolve(data: dict[str, Any], path: str) -> tuple[Any, str | int]:  # noqa: ANN401
    """The container holding the value at ``path`` and the key (or index) of the value in it."""
    segs = [s for s in path.strip("/").split("/") if s]
    if not segs:
        raise ViewPathError("an empty path")
    node: Any = data
    where = ""
    for seg in segs[:-1]:
        node, _ = _step(node, seg, where)
        where = f"{where}/{seg}" if where else seg
    _, key = _step(node, segs[-1], where)
    return node, key


def overlay(data: dict[str, Any], overrides: list[dict[str, Any]]) -> dict[str, Any]:
    """A copy of the scenario data with the overrides applied (see the module docstring)."""
    out = copy.deepcopy(data)
    for ov in overrides:
        holder, key = resolve(out, ov["path"])
        value = copy.deepcopy(ov["value"])
        if isinstance(value, dict) and isinstance(holder[key], dict) and "source" in holder[key]:
            value.setdefault("source", ov["source"])
        holder[key] = value
        if isinstance(holder, dict) and "source" in holder and not isinstance(value, dict):
            holder["source"] = ov["source"]
            holder["judgement"] = True
    return out
