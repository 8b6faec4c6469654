"""Compact HTML of result objects for notebooks (``_repr_html_``): one small escaped table."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

__all__ = ["amount", "cell", "html_table"]


def amount(x: float | None) -> str:
    """An amount in a scenario's unit: three significant digits, thousands separated
    (3608.8 -> "3,610"; 94.33 -> "94.3"), or an en dash when it is missing or not finite.
    """
    if x is None or not math.isfinite(x):
        return "–"
    r = float(f"{x:.3g}")
    return f"{r:,.0f}" if abs(r) >= 1000 else f"{r:g}"


def cell(v: Any, digits: int = 4) -> str:  # noqa: ANN401
    """Text of one table cell: numbers with ``digits`` significant digits, missing as a dash."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return "–" if not math.isfinite(v) else f"{v:.{digits}g}"
    return str(v)


def html_table(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    note: str = "",
    max_rows: int = 20,
) -> str:
    """A compact HTML table: a bold title, at most ``max_rows`` rows, and a note under it."""
    esc = html.escape
    head = "".join(f"<th>{esc(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(cell(v))}</td>" for v in r) + "</tr>" for r in rows[:max_rows]
    )
    more = f"<br>… {len(rows) - max_rows} more rows" if len(rows) > max_rows else ""
    foot = f"<br><small>{esc(note)}</small>" if note else ""
    return (
        f"<div><b>{esc(title)}</b><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>{more}{foot}</div>"
    )
