"""Fit the predictive calibration shipped in melian/data/deu/predictive-calibration.json.

Run: PYTHONPATH=src .venv/bin/python research/predictive/fit_calibration.py [--check]
Reads only the packaged DEU dev file (GDP weights, missing salience 50), runs every registered
model, fits :func:`melian.bargaining.validation.calibration.fit_calibration` and writes the JSON (``--check``
compares with the shipped file instead and exits 1 on a difference).
"""

from __future__ import annotations

import hashlib
import json
import sys

from melian.bargaining.io.deu import packaged_path, read_deu
from melian.bargaining.predictive import CALIBRATION_FILE
from melian.bargaining.registry import model_names
from melian.bargaining.validation.backtest import JOINT_MODELS, forecast_issues
from melian.bargaining.validation.calibration import fit_calibration

SEED = 20_261_202


def main() -> int:
    path = packaged_path("deu-dev.tsv")
    issues = read_deu(path, capability="gdp", missing_salience=50)
    points = {m: forecast_issues(issues, m, joint=m in JOINT_MODELS)[0] for m in model_names()}
    cal = fit_calibration(
        issues,
        points,
        seed=SEED,
        source={
            "file": "deu-dev.tsv",
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "capability": "gdp",
            "missing_salience": 50,
            "written_by": "research/predictive/fit_calibration.py",
            "method": "docs/models/predictive.md",
        },
    )
    text = json.dumps(cal.to_dict(), indent=1, sort_keys=True) + "\n"
    out = packaged_path(CALIBRATION_FILE)
    if "--check" in sys.argv:
        same = out.exists() and out.read_text() == text
        print("calibration up to date" if same else "calibration differs from a refit")
        return 0 if same else 1
    out.write_text(text)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
