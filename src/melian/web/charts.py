"""Small inline SVG charts for the web pages (no script, no external assets).

Every text that comes from data (actor and issue ids) is escaped with :func:`markupsafe.escape`
before it enters the SVG, so a hostile name stays text.
"""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup, escape

#: Line colours: twelve distinct hues, each dark enough to read on white (WCAG 3:1 for
#: graphics); past twelve actors the colours repeat with a dashed line.
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#c05a00",
    "#8c564b",
    "#c2388f",
    "#0f8290",
    "#5c5c5c",
    "#7a7a00",
    "#000000",
    "#1a237e",
)
#: Dash patterns by round of the palette (solid first).
DASHES = ("", "6 3", "2 2")


def trajectory_svg(issue: dict[str, Any], *, width: int = 640, height: int = 240) -> Markup:
    """Line chart of every actor's position over the bargaining rounds of one issue.

    ``issue`` is one entry of ``Forecast.to_dict()["issues"]``: ``trajectory`` maps actors (their
    names, as the legend shows them) to their position per round (``None`` where the actor takes
    no part); the headline forecast ``point`` is drawn as a dashed line and, if given and
    different, ``model_point`` (the charted model's own forecast) as a dotted grey line. Returns
    SVG markup (empty if there is nothing to draw).
    """
    traj: dict[str, list[float | None]] = issue.get("trajectory") or {}
    series = {
        a: [v for v in vals]
        for a, vals in traj.items()
        if any(isinstance(v, (int, float)) for v in vals)
    }
    if not series:
        return Markup("")
    values = [float(v) for vals in series.values() for v in vals if isinstance(v, (int, float))]
    point = issue.get("point")
    for extra in (point, issue.get("model_point")):
        if isinstance(extra, (int, float)) and math.isfinite(extra):
            values.append(float(extra))
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - 1.0, hi + 1.0
    rounds = max(len(v) for v in series.values())
    left, right, top, bottom = 44, 150, 10, 24
    pw, ph = width - left - right, height - top - bottom

    def x(k: int) -> float:
        return left + (pw * k / (rounds - 1) if rounds > 1 else pw / 2)

    def y(v: float) -> float:
        return top + ph * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="positions by round on {escape(issue.get("name") or issue.get("issue", ""))}">',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#d5dbe1"/>',
    ]
    for v in (lo, (lo + hi) / 2, hi):
        parts.append(
            f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end" '
            f'font-size="10">{v:.4g}</text>'
        )
    parts.append(
        f'<text x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle" '
        f'font-size="10">round (0 = initial positions; {rounds - 1} rounds)</text>'
    )
    for n, (actor, vals) in enumerate(sorted(series.items())):
        colour = PALETTE[n % len(PALETTE)]
        dash = DASHES[(n // len(PALETTE)) % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        pts = " ".join(
            f"{x(k):.1f},{y(float(v)):.1f}"
            for k, v in enumerate(vals)
            if isinstance(v, (int, float))
        )
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.6"{dash_attr} '
            f'points="{pts}"><title>{escape(actor)}</title></polyline>'
        )
        if n < (ph // 13):  # legend, one line per actor
            ly = top + 10 + 13 * n
            parts.append(
                f'<line x1="{left + pw + 8}" x2="{left + pw + 22}" y1="{ly - 3}" '
                f'y2="{ly - 3}" stroke="{colour}" stroke-width="2"{dash_attr}/>'
                f'<text x="{left + pw + 26}" y="{ly}" font-size="10">'
                f"{escape(actor[:20])}</text>"
            )
    if isinstance(point, (int, float)) and math.isfinite(point):
        parts.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{y(point):.1f}" y2="{y(point):.1f}" '
            f'stroke="#1d232b" stroke-dasharray="4 3"><title>forecast '
            f"{point:.4g}</title></line>"
        )
    other = issue.get("model_point")
    if (
        isinstance(other, (int, float))
        and math.isfinite(other)
        and not (isinstance(point, (int, float)) and abs(other - point) < 1e-9)
    ):
        parts.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{y(other):.1f}" y2="{y(other):.1f}" '
            f'stroke="#5c6670" stroke-dasharray="1 3"><title>this model\'s forecast '
            f"{other:.4g}</title></line>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def chart_model(results: dict[str, Any]) -> str | None:
    """The forecast model whose trajectories to draw: the default model if it moves positions
    over rounds, else the first model that does, else the default (or first) model.
    """
    models: dict[str, Any] = results.get("models") or {}
    if not models:
        return None
    default = results.get("default_model")
    order = ([default] if default in models else []) + [m for m in models if m != default]
    for m in order:
        if (models[m].get("rounds") or 0) > 0:
            return m
    return order[0]
