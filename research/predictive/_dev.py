"""Shared loading for the predictive research scripts: the DEU dev issues and every model's points.

Reads only the packaged DEU dev file (GDP weights, missing salience 50), as the shipped
calibration does; the models' points come from the backtest's own runner.
"""

from __future__ import annotations

import numpy as np

from melian.bargaining.io.deu import DeuIssue, packaged_path, read_deu
from melian.bargaining.registry import model_names
from melian.bargaining.validation.backtest import JOINT_MODELS, forecast_issues


def dev_points() -> tuple[list[DeuIssue], dict[str, np.ndarray]]:
    """The dev issues with an outcome and each registered model's point on them (0-100)."""
    issues = read_deu(packaged_path("deu-dev.tsv"), capability="gdp", missing_salience=50)
    keep = [i for i, it in enumerate(issues) if it.has_outcome]
    points = {}
    for m in model_names():
        p = np.asarray(forecast_issues(issues, m, joint=m in JOINT_MODELS)[0], dtype=float)
        points[m] = p[keep]
    return [issues[i] for i in keep], points
