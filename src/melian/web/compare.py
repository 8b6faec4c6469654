"""What changed between two runs, in the analyst's words: inputs and outputs by name.

- **Inputs**: the two runs' scenarios (parsed from their stored text) are flattened with list
  items keyed by their id (actors, issues, options, criteria) or by their actor (positions), so
  a change reads "Issue name · Actor name · position: 40 → 55" rather than a key path with list
  indexes; ids are shown as the scenario's names.
- **Outputs**: the tables the two run pages show (:func:`melian.web.results.run_tables`, built
  by the brief's code) are compared row by row (rows matched by their first cell, an option,
  issue or criterion name); changed rows are listed with the changed cells marked, unchanged rows
  are counted and collapsed.
"""

from __future__ import annotations

from typing import Any

from melian.brief.base import label
from melian.scenario.loader import to_data
from melian.scenario.schema import Scenario

_KEYS = ("id", "actor", "key")


def keyed_leaves(data: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:  # noqa: ANN401
    """Leaves of nested scenario data by path, list items keyed by their ``id``/``actor``/``key``
    (else their index), so that inserting an actor does not shift every later path.
    """
    out: dict[tuple[str, ...], Any] = {}
    if isinstance(data, dict) and data:
        for k, v in data.items():
            out.update(keyed_leaves(v, (*path, str(k))))
    elif isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        for i, v in enumerate(data):
            key = next((str(v[k]) for k in _KEYS if isinstance(v.get(k), str)), f"#{i + 1}")
            out.update(keyed_leaves(v, (*path, key)))
    else:
        out[path] = data
    return out


def _names(s: Scenario, lang: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for group in (s.actors, s.issues, s.criteria):
        for obj in group:
            names[obj.id] = label(obj, lang)
    if s.focal is not None:
        for o in s.focal.options:
            names[o.id] = label(o, lang)
    return names


def _words(path: tuple[str, ...], names: dict[str, str]) -> str:
    """A path as the analyst reads it: ids replaced by names, structural keys dropped."""
    skip = {"actors", "issues", "positions", "criteria", "options", "focal", "material"}
    parts = [names.get(p, p.replace("_", " ")) for p in path if p not in skip]
    return " · ".join(parts) or "·"


def _show(v: Any) -> str:  # noqa: ANN401
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (list, dict)):
        return "(empty)" if not v else str(v)
    return str(v)


def input_changes(a: Scenario | None, b: Scenario | None, lang: str) -> list[dict[str, str]]:
    """The scenario values that differ between two runs' inputs, named for the analyst.

    Each change: ``what`` (e.g. "Issue · Actor · position"), ``a`` and ``b`` (``—`` where the
    value is absent on that side). Empty if either scenario is missing or they are equal.
    """
    if a is None or b is None:
        return []
    la, lb = keyed_leaves(to_data(a)), keyed_leaves(to_data(b))
    names = {**_names(a, lang), **_names(b, lang)}
    out = []
    for path in list(la) + [p for p in lb if p not in la]:
        va, vb = la.get(path), lb.get(path)
        if va != vb:
            out.append({"what": _words(path, names), "a": _show(va), "b": _show(vb)})
    return out


def _rows(tab: dict[str, Any]) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for r in tab.get("rows", []):
        key, k = str(r[0]) if r else "", 2
        while key in rows:
            key, k = f"{r[0]} ({k})", k + 1
        rows[key] = [str(c) for c in r]
    return rows


def table_changes(
    tables_a: list[dict[str, Any]], tables_b: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Row-by-row comparison of two runs' shown tables (matched by position, then title).

    Each result: ``title``, ``columns``, ``changed`` (rows with ``key``, ``a``, ``b`` cells and
    per-cell ``diff`` flags; a row on one side only has the other side empty), ``same`` (rows
    that are equal, to be collapsed) and ``n_same``.
    """
    out = []
    for k in range(max(len(tables_a), len(tables_b))):
        ta = tables_a[k] if k < len(tables_a) else {"title": "", "columns": [], "rows": []}
        tb = tables_b[k] if k < len(tables_b) else {"title": "", "columns": [], "rows": []}
        ra, rb = _rows(ta), _rows(tb)
        changed, same = [], []
        for key in list(ra) + [x for x in rb if x not in ra]:
            a, b = ra.get(key), rb.get(key)
            if a == b:
                same.append({"key": key, "cells": a})
                continue
            width = max(len(a or []), len(b or []))
            cells = []
            for j in range(1, width):
                ca = a[j] if a and j < len(a) else "—"
                cb = b[j] if b and j < len(b) else "—"
                cells.append({"a": ca, "b": cb, "diff": ca != cb})
            changed.append({"key": key, "cells": cells})
        out.append(
            {
                "title": tb.get("title") or ta.get("title"),
                "columns": tb.get("columns") or ta.get("columns"),
                "changed": changed,
                "same": same,
                "n_same": len(same),
            }
        )
    return out


__all__ = ["input_changes", "keyed_leaves", "table_changes"]
