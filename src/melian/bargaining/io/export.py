"""Write bargaining forecasts as JSON (``Forecast.to_dict``) or long-format CSV.

CSV columns: ``model, issue, round, actor, position`` (one row per model, issue, round and actor
present on the issue; absent actors are omitted), plus one row per model and issue with
``actor = "__point__"`` and ``round = -1`` holding the point forecast.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from melian.bargaining.base import Forecast

CSV_COLUMNS = ("model", "issue", "round", "actor", "position")
POINT_ACTOR = "__point__"


def forecast_to_dict(fc: Forecast) -> dict[str, Any]:
    """JSON-ready dict of a forecast (``Forecast.to_dict``, through :mod:`melian.jsonio`)."""
    return fc.to_dict()


def write_json(forecasts: Forecast | Iterable[Forecast], path: str | Path) -> None:
    """Write one forecast (a dict) or several (a list of dicts) as JSON to ``path``."""
    data: Any
    if isinstance(forecasts, Forecast):
        data = forecast_to_dict(forecasts)
    else:
        data = [forecast_to_dict(f) for f in forecasts]
    Path(path).write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def csv_rows(fc: Forecast) -> list[tuple[str, str, int, str, float]]:
    """Long-format rows (model, issue, round, actor, position) of one forecast."""
    rows: list[tuple[str, str, int, str, float]] = []
    for f in fc.issues:
        rows.append((fc.model, f.issue, -1, POINT_ACTOR, float(f.point)))
        for r, row in enumerate(f.trajectory):
            for a, v in zip(fc.actors, row, strict=True):
                if not np.isnan(v):
                    rows.append((fc.model, f.issue, r, a, float(v)))
    return rows


def to_csv(forecasts: Forecast | Iterable[Forecast]) -> str:
    """CSV text (header + long-format rows) of one or several forecasts."""
    fcs = [forecasts] if isinstance(forecasts, Forecast) else list(forecasts)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for fc in fcs:
        for model, issue, r, actor, pos in csv_rows(fc):
            w.writerow((model, issue, r, actor, repr(pos)))
    return buf.getvalue()


def write_csv(forecasts: Forecast | Iterable[Forecast], path: str | Path) -> None:
    """Write the long-format CSV of one or several forecasts to ``path``."""
    Path(path).write_text(to_csv(forecasts), encoding="utf-8")
