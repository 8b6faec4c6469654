"""Build recipe of melian-deu's shipped parameter file (deterministic: rebuilt byte for byte).

Usage (from the repository root)::

    python -m scripts.fit_melian_deu           # refit, write src/melian/data/deu/melian-deu-params.json
    python -m scripts.fit_melian_deu --check   # rebuild in memory, compare bytes with the shipped file

What it does: fits the shipped family (``research.melian_deu.fitting.SHIPPED_FAMILY``, ridge
strength ``SHIPPED_LAMBDA``) on every issue of ``src/melian/data/deu/deu-dev.tsv`` that has an
outcome, computes the grouped cross-validated errors of melian-deu and of the compromise model on
the same folds (``CV_SPLITS``), and writes the parameters with their provenance (data file and
its sha256, objective, optimiser, the recipe's date) and those errors. Every input is in the
repository and the fit is deterministic, so rebuilding gives the same bytes (``--check``; a test
does the same). The fitting code is research (``research/melian_deu/fitting.py``); the studies
that chose the shipped family (alternatives, third round) are in ``research/melian_deu/`` and
write their numbers there, not into the shipped file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from melian.bargaining import melian_deu as mdeu
from research.melian_deu import fitting

OUT = Path(__file__).resolve().parents[1] / "src" / "melian" / "data" / "deu" / mdeu.PARAMS_FILE

#: Date of this recipe (written into the file's provenance). Change it together with the recipe,
#: the data or the fitting code; it is not the clock, so that rebuilding gives the same bytes.
RECIPE_DATE = "2026-11-29"


def build() -> str:
    """The shipped parameter file's text, computed from the packaged DEU dev file."""
    d, path = fitting.dev_design()
    theta = fitting.fit_shipped(d)
    params = dict(zip(mdeu.PARAM_NAMES, (float(v) for v in theta), strict=True))
    doc = {
        "model": "melian-deu",
        "params": params,
        "family": fitting.SHIPPED_FAMILY,
        "free_parameters": [mdeu.PARAM_NAMES[i] for i in fitting.FAMILIES[fitting.SHIPPED_FAMILY]],
        "provenance": {
            "fitted_by": "scripts/fit_melian_deu.py (fitting code: research/melian_deu/fitting.py)",
            "data_file": "src/melian/data/deu/deu-dev.tsv",
            "data_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "issues_fitted": int(d.outcome.size),
            "proposals": int(np.unique(d.groups).size),
            "capability": "gdp (weights row; the shipped family does not use capabilities)",
            "objective": "mean absolute error (0-100 scale) + lambda * ||theta - theta0||^2",
            "lambda": fitting.SHIPPED_LAMBDA,
            "optimiser": "scipy Nelder-Mead from fixed starts, bounded; rounded to 6 decimals",
            "date": RECIPE_DATE,
            "in_sample_mae": round(
                float(np.mean(np.abs(fitting.predict_design(theta, d) - d.outcome))), 4
            ),
        },
        "cross_validation": fitting.cv_report(d),
    }
    return json.dumps(doc, indent=2) + "\n"


def main() -> int:
    """Write (or with ``--check`` verify) the shipped parameter file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--check", action="store_true", help="rebuild in memory and compare with the shipped file"
    )
    args = ap.parse_args()
    text = build()
    if args.check:
        same = OUT.read_text(encoding="utf-8") == text
        print(f"{OUT.name}: {'rebuilt byte for byte' if same else 'DIFFERS from the rebuild'}")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
