"""Scholz, Calbert & Smith (2011) Table 2 and the emission-standards case the BDM passes score against.

Shared by every script of this study (``python -m research.bdm.<script>`` from the repository
root). The input is melian's test copy, ``tests/data/bdm/emission-standards-1994.csv``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "bdm"
#: Published per-round weighted median and c x s weighted mean, rounds 1-8 (one decimal).
TABLE_MEDIAN = [8.4, 9.9, 9.9, 9.9, 9.9, 7.4, 8.8, 9.6]
TABLE_MEAN = [7.4, 7.5, 7.6, 7.3, 7.3, 7.4, 7.5, 7.6]


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions, capabilities and saliences (0-1) of the ten actors of the case."""
    with open(DATA / "emission-standards-1994.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    x = np.array([float(r["position"]) for r in rows])
    c = np.array([float(r["capability"]) for r in rows])
    s = np.array([float(r["salience"]) for r in rows]) / 100.0
    return x, c, s


def trunc(v: float) -> float:
    """``v`` truncated to one decimal (how the table's numbers are compared)."""
    return math.floor(v * 10 + 1e-9) / 10
