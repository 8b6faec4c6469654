"""Fit melian-deu on the DEU dev file and freeze its parameters (reproducible, deterministic).

Usage:
    .venv/bin/python scripts/fit_melian_deu.py            # fit + grouped CV report, write JSON
    .venv/bin/python scripts/fit_melian_deu.py --analysis # also the nested CV of the selection
                                                          # procedures (about 15 minutes)
    .venv/bin/python scripts/fit_melian_deu.py --check    # refit and compare with the frozen file

Fits the shipped family (melian.bargaining.melian_deu.SHIPPED_FAMILY, penalty SHIPPED_LAMBDA)
on every issue of src/melian/data/deu/deu-dev.tsv that has an outcome, and writes
src/melian/data/deu/melian-deu-params.json with the parameters, how they were fitted, the file's
sha256, the date, and the cross-validated errors (grouped by proposal) of melian-deu and of the
compromise model on the same folds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from melian.bargaining import melian_deu as mdeu
from melian.bargaining.deu import packaged_path, read_deu

OUT = Path(__file__).resolve().parents[1] / "src" / "melian" / "data" / "deu" / mdeu.PARAMS_FILE


def design() -> tuple[mdeu.Design, Path]:
    path = packaged_path("deu-dev.tsv")
    issues = read_deu(path, capability="gdp")
    d = mdeu.build_design(
        [i.problem for i in issues], [i.outcome for i in issues], [i.proposal for i in issues]
    )
    return d, path


def fit_shipped(d: mdeu.Design) -> np.ndarray:
    return mdeu.fit(d, mdeu.SHIPPED_LAMBDA, mdeu.SHIPPED_FAMILY)


def cv_report(d: mdeu.Design) -> dict[str, object]:
    base = float(np.mean(np.abs(mdeu.predict_design(mdeu.THETA0, d) - d.outcome)))
    rows = {}
    for label, k, seed in (
        ("leave-one-proposal-out", 0, 0),
        ("grouped 10-fold", 10, 1),
        ("grouped 10-fold", 10, 2),
        ("grouped 5-fold", 5, 3),
    ):
        kk = np.unique(d.groups).size if k == 0 else k
        pred = mdeu.cv_predictions(d, mdeu.SHIPPED_FAMILY, mdeu.SHIPPED_LAMBDA, kk, seed)
        mae = float(np.mean(np.abs(pred - d.outcome)))
        rows[f"{label} (seed {seed})"] = {
            "melian_deu_mae": round(mae, 4),
            "compromise_mae": round(base, 4),
            "relative_change": round(mae / base - 1.0, 4),
        }
    return rows


def analysis(d: mdeu.Design) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, fams in (
        ("all families", tuple(mdeu.FAMILIES)),
        ("compromise or mean-blend", ("compromise", "mean-blend")),
    ):
        for k in (10, 0):
            t0 = time.perf_counter()
            r = mdeu.nested_cv(d, outer_k=k, families=fams)
            key = f"{name}, outer {'leave-one-proposal-out' if k == 0 else f'grouped {k}-fold'}"
            out[key] = {
                "nested_mae": round(r["mae"], 4),
                "compromise_mae": round(r["mae_compromise"], 4),
                "choices": dict(Counter(f"{f['family']}@{f['lambda']:g}" for f in r["folds"])),
                "seconds": round(time.perf_counter() - t0, 1),
            }
            print(key, out[key], flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="refit and compare with the frozen file")
    ap.add_argument("--analysis", action="store_true", help="also run the nested CV analyses")
    args = ap.parse_args()
    d, path = design()
    theta = fit_shipped(d)
    params = dict(zip(mdeu.PARAM_NAMES, (float(v) for v in theta), strict=True))
    if args.check:
        frozen = json.loads(OUT.read_text(encoding="utf-8"))["params"]
        ok = all(abs(frozen[k] - params[k]) <= 1e-6 for k in mdeu.PARAM_NAMES)
        print("frozen parameters reproduced" if ok else f"MISMATCH: {params} vs {frozen}")
        return 0 if ok else 1
    doc = {
        "model": "melian-deu",
        "params": params,
        "family": mdeu.SHIPPED_FAMILY,
        "free_parameters": [mdeu.PARAM_NAMES[i] for i in mdeu.FAMILIES[mdeu.SHIPPED_FAMILY]],
        "provenance": {
            "fitted_by": "scripts/fit_melian_deu.py",
            "data_file": "src/melian/data/deu/deu-dev.tsv",
            "data_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "issues_fitted": int(d.outcome.size),
            "proposals": int(np.unique(d.groups).size),
            "capability": "gdp (weights row; the shipped family does not use capabilities)",
            "objective": "mean absolute error (0-100 scale) + lambda * ||theta - theta0||^2",
            "lambda": mdeu.SHIPPED_LAMBDA,
            "optimiser": "scipy Nelder-Mead from fixed starts, bounded; rounded to 6 decimals",
            "date": dt.date.today().isoformat(),
            "in_sample_mae": round(
                float(np.mean(np.abs(mdeu.predict_design(theta, d) - d.outcome))), 4
            ),
        },
        "cross_validation": cv_report(d),
    }
    if args.analysis:
        doc["nested_cv_of_selection_procedures"] = analysis(d)
    elif OUT.exists():
        old = json.loads(OUT.read_text(encoding="utf-8"))
        if "nested_cv_of_selection_procedures" in old:
            doc["nested_cv_of_selection_procedures"] = old["nested_cv_of_selection_procedures"]
    OUT.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(doc, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
