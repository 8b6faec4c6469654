"""Does widening the judgements by 1% move the robustness shares beyond Monte Carlo error?

The blocking finding of issue 14 (docs/models/explore-decide.md): on iraq-us-2020, PRIM found the
recommended option best in 100% of futures with the judgements as written and in about 25% with
them widened, and the same shift with a 1% half-width, i.e. noise. This script reruns the three
ensembles with common random numbers across options and paths per future chosen from the
standard error, and prints the shares with their standard errors.

Run: ``PYTHONPATH=src .venv/bin/python research/crn-judgements/widening.py [--samples 400]``.
"""

from __future__ import annotations

import argparse
import json
import time

from melian.explore import explore
from melian.explore.judgements import model_ranges, with_judgement_uncertainty
from melian.scenario import load_scenario


def main() -> None:
    """Print one JSON line per configuration."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="iraq-us-2020")
    ap.add_argument("--samples", type=int, default=400)
    ap.add_argument("--paths", type=int, default=16)
    ap.add_argument("--horizon", type=int, default=120)
    ap.add_argument("--max-paths", type=int, default=256)
    args = ap.parse_args()
    s = load_scenario(args.scenario)
    one, _ = with_judgement_uncertainty(
        s, half_width={"low": 0.01, "medium": 0.01, "high": 0.01}, ranges=model_ranges(s)
    )
    configs = [
        ("as written", s, False),
        ("widened by 1%", one, False),
        ("widened (defaults)", s, True),
    ]
    from melian.scenario.views import apply_view

    for v in s.views:
        sv = apply_view(s, v.id)
        configs += [(f"view {v.id}, as written", sv, False), (f"view {v.id}, widened", sv, True)]
    for label, scen, judg in configs:
        t0 = time.perf_counter()
        r = explore(
            scen,
            "prim",
            samples=args.samples,
            paths_per_sample=args.paths,
            horizon=args.horizon,
            scheduler="synchronous",
            judgements=judg,
            max_paths=args.max_paths,
        )
        mc = r.mc_error
        print(
            json.dumps(
                {
                    "config": label,
                    "seconds": round(time.perf_counter() - t0, 1),
                    "experiments": r.experiments,
                    "not_best": r.base_rate,
                    "se": mc.get("share_se"),
                    "se_futures": mc.get("share_se_futures"),
                    "se_paths": mc.get("share_se_paths"),
                    "paths_per_future": mc.get("paths_per_future"),
                    "converged": mc.get("converged"),
                    "top": mc.get("top"),
                    "second": mc.get("second"),
                    "difference": mc.get("difference"),
                    "difference_se": mc.get("difference_se"),
                    "best_share": mc.get("best_share"),
                    "best_share_se": mc.get("best_share_se"),
                    "boxes": len(r.boxes),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
