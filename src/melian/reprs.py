"""Compact HTML of result objects for notebooks (``_repr_html_``): one small escaped table."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

__all__ = ["amount", "cell", "html_table"]


def amount(x: float | None, span: float | None = None) -> str:
    """An amount in a scenario's unit, as text.

    With ``span`` (the width of the unit's range, e.g. ``|at_max - at_min|``) the amount is
    rounded to the power of ten nearest below a hundredth of it: a range of 10,400 troops gives
    steps of 100, one of 30 years steps of 0.1, so no amount claims more precision than a
    hundredth of the range. Without it, three significant digits.
    Thousands are separated from 10,000 up ("3608.8" -> "3600" with a span of 10,400;
    "12345" -> "12,300"). An en dash when ``x`` is missing or not finite.
    """
    if x is None or not math.isfinite(x):
        return "–"
    if span is not None and math.isfinite(span) and span > 0:
        step = 10.0 ** math.floor(math.log10(span / 100.0))
        digits = max(0, -math.floor(math.log10(step)))
        r = round(x / step) * step  # round() gives an int: no "-0"
        return f"{r:,.{digits}f}" if abs(r) >= 10_000 else f"{r:.{digits}f}"
    r = float(f"{x:.3g}")
    return f"{r:,.0f}" if abs(r) >= 10_000 else f"{r:g}"


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
