"""Residual pools conditioned on issue features (kernel-weighted by similarity).

Question: does weighting the other proposals' residuals by how similar their issues are (spread
of positions, disagreement of the models, distance of the forecast from the reference point,
whether there is one) sharpen the compromise model's predictive distribution?

Method: leave-one-proposal-out; the compromise point plus the other proposals' residuals (raw,
or standardised by the spread and rescaled), each weighted by a Gaussian kernel of bandwidth
``bw`` on the four features; CRPS of the weighted ensemble (scoringrules ``crps_ensemble`` with
``ens_w``). The bandwidths are shown side by side (choosing one by these numbers would be tuning
on the held-out proposals: a diagnostic, not an honest score).

Run: PYTHONPATH=src .venv/bin/python -m research.predictive.conditioned_pools
"""

import numpy as np
import scoringrules as sr

from melian.bargaining.validation.calibration import spread_of
from research.predictive._dev import dev_points

sub, P = dev_points()
n = len(sub)
y = np.array([it.outcome for it in sub])
g = np.array([it.proposal for it in sub])
n = len(sub)
pc = P["compromise"]
sp = np.array([spread_of(it.problem.position[:, 0], c) for it, c in zip(sub, pc, strict=False)])
ref = np.array([it.problem.reference[0] for it in sub])
dis = np.array(
    [
        max(P[m][i] for m in ["compromise", "exchange", "median", "nash", "bdm"])
        - min(P[m][i] for m in ["compromise", "exchange", "median", "nash", "bdm"])
        for i in range(n)
    ]
)
nref = np.where(np.isfinite(ref), np.abs(pc - ref), 100)
H = np.c_[sp / 25, dis / 25, nref / 25, np.isfinite(ref)]
for stdz in [False, True]:
    for bw in [0.25, 0.5, 1.0, 2.0, 1e9]:
        cr = []
        for i in range(n):
            o = g != g[i]
            if stdz:
                z = (y[o] - pc[o]) / sp[o]
                x = np.clip(pc[i] + sp[i] * z, 0, 100)
            else:
                x = np.clip(pc[i] + (y[o] - pc[o]), 0, 100)
            d2 = ((H[o] - H[i]) ** 2).sum(1)
            w = np.exp(-d2 / (2 * bw**2))
            w /= w.sum()
            cr.append(sr.crps_ensemble(y[i], x, ens_w=w))
        print(stdz, bw, np.mean(cr))
