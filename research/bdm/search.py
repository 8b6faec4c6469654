"""Enumerate the open choices of the expected-utility model against Scholz et al. (2011) Table 2.

Runs every combination of the ambiguity parameters of melian.bargaining.bdm on the
emission-standards case (tests/data/bdm) and scores it against the published per-round medians
and means (8 rounds). Prints the best combinations. Usage:
    python -m research.bdm.search [--top 20]
"""

from __future__ import annotations

import argparse
import itertools

from melian.bargaining.bdm import CHOICES, BDMParams, simulate

from .table import TABLE_MEAN, TABLE_MEDIAN, load, trunc


def score(med, mean):
    """(rounds matching both median and mean, truncated; same rounded; abs error sum)."""
    t = sum(
        trunc(m) == a and trunc(e) == b
        for m, e, a, b in zip(med[1:], mean[1:], TABLE_MEDIAN, TABLE_MEAN, strict=True)
    )
    r = sum(
        round(m, 1) == a and round(e, 1) == b
        for m, e, a, b in zip(med[1:], mean[1:], TABLE_MEDIAN, TABLE_MEAN, strict=True)
    )
    err = sum(
        abs(m - a) + abs(e - b)
        for m, e, a, b in zip(med[1:], mean[1:], TABLE_MEDIAN, TABLE_MEAN, strict=True)
    )
    return t, r, err


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--q", default="1.0,0.5")
    ap.add_argument("--by-error", action="store_true", help="rank by summed absolute error")
    args = ap.parse_args()
    x, c, s = load()
    keys = [
        "t_rule",
        "salience",
        "security",
        "compromise",
        "boundary",
        "selection",
        "conflict",
        "range",
        "p_denominator",
        "perception",
        "update",
        "median_tie",
    ]
    results = []
    for q in [float(v) for v in args.q.split(",")]:
        for combo in itertools.product(*(CHOICES[k] for k in keys)):
            params = dict(zip(keys, combo, strict=True), q=q, rounds=8)
            if q == 1.0 and params["t_rule"] != "closer":
                continue  # T has no effect when Q = 1
            p = BDMParams.make(**params)
            res = simulate(x, c, s, 6.0, p)
            med = res.median + [res.median[-1]] * (8 - res.rounds_run)
            mean = res.mean + [res.mean[-1]] * (8 - res.rounds_run)
            results.append((score(med, mean), params, med, mean))
    if args.by_error:
        results.sort(key=lambda t: t[0][2])
    else:
        results.sort(key=lambda t: (-t[0][0], -t[0][1], t[0][2]))
    print(f"{len(results)} combinations")
    for (t, r, err), params, med, mean in results[: args.top]:
        diff = {k: v for k, v in params.items() if k in keys and v != BDMParams.make().__dict__[k]}
        print(f"trunc={t} round={r} err={err:.2f} q={params['q']} {diff}")
        print("   median", " ".join(f"{v:.3f}" for v in med[1:]))
        print("   mean  ", " ".join(f"{v:.3f}" for v in mean[1:]))


if __name__ == "__main__":
    main()
