"""Compiled (numba) rounds of the equal-gain exchange model (Stokman & van Oosten 1994).

:func:`melian.bargaining.exchange.run` (``variant="melian"``) executes, round after round, the
feasible exchange of largest gain, recomputes every candidate from the shifted positions and
outcomes, and repeats until none is left. In numpy each recomputation is a dozen passes over
every (issue pair, actor pair) and each executed exchange a few small-array operations; here one
compiled pass per executed exchange scans the candidates and keeps the best.

The kernel performs the numpy code's floating-point operations in the same order (no
``fastmath``): the candidate formulas element by element, the outcomes' sums over actors in
index order (numpy's order for a sum over the first axis of an actors x issues array of two
issues or more; with one issue there is no exchange and the kernel is not used), the two-term
externality sums. Its histories, exchanges, gains and externalities are therefore bitwise
equal to the numpy code's (tested on random problems with absent positions and issue-specific
weights).

Importing this module imports numba and compiles the kernel for its one signature, or loads it
from numba's on-disk cache (:func:`melian.util.use_numba_cache`).
"""

from __future__ import annotations

from melian.util import use_numba_cache

use_numba_cache()

import numpy as np  # noqa: E402
from numba import njit, types  # noqa: E402

__all__ = ["exchange_rounds", "FIELDS"]

#: Columns of the executed-exchange rows the kernel returns.
FIELDS = ("round", "i", "j", "p", "q", "dOp", "dOq", "dxi", "dxj", "gain")

_F2 = types.Array(types.float64, 2, "C", readonly=True)
_F1 = types.Array(types.float64, 1, "C", readonly=True)
_I1 = types.Array(types.int64, 1, "C", readonly=True)
_OUT = types.Tuple(
    (
        types.Array(types.float64, 3, "C"),
        types.Array(types.float64, 2, "C"),
        types.Array(types.float64, 1, "C"),
        types.Array(types.float64, 1, "C"),
    )
)


@njit(cache=True, nogil=True)
def _outcomes(x: np.ndarray, w: np.ndarray, out: np.ndarray) -> None:
    """Compromise outcome per issue (nan where nobody weighs in); sums in actor order."""
    n, m = x.shape
    for k in range(m):
        tot = 0.0
        num = 0.0
        for a in range(n):
            present = not np.isnan(x[a, k])
            wa = w[a, k] if present else 0.0
            xa = x[a, k] if present else 0.0
            if a == 0:
                tot = wa
                num = wa * xa
            else:
                tot = tot + wa
                num = num + wa * xa
        out[k] = num / tot if tot > 0 else np.nan


@njit(
    _OUT(_F2, _F2, _F2, _F1, _I1, _I1, _I1, _I1, types.int64, types.float64), cache=True, nogil=True
)
def exchange_rounds(
    x0: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    W: np.ndarray,
    pp: np.ndarray,
    qq: np.ndarray,
    ii: np.ndarray,
    jj: np.ndarray,
    rounds: int,
    gain_eps: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The melian variant's rounds from positions ``x0``.

    ``s`` and ``w`` are the saliences and weights c_ip s_ip (0 where a position is absent),
    ``W`` the issues' total weights, ``(pp, qq, ii, jj)`` the pairs that may exchange
    (:func:`melian.bargaining.exchange._pairs`, in their (p, q, i, j) order). Returns the
    positions after each round run (round 0 the start; a round without an exchange ends the
    run and is counted), the executed exchanges (rows of :data:`FIELDS`; actors and issues as
    indices), and each actor's total gain and externality.
    """
    n, m = x0.shape
    x = x0.copy()
    hist = np.empty((rounds + 1, n, m))
    hist[0] = x
    rows = np.empty((16, len(FIELDS)))
    ne = 0
    gains = np.zeros(n)
    ext = np.zeros(n)
    locked = np.empty((n, m), dtype=np.bool_)
    side = np.empty((n, m))
    O = np.empty(m)
    O2 = np.empty(m)
    done = 0
    for r in range(rounds):
        for a in range(n):
            for k in range(m):
                locked[a, k] = np.isnan(x[a, k])
        _outcomes(x, w, O)
        count = 0
        while True:
            for a in range(n):
                for k in range(m):
                    side[a, k] = np.sign(x[a, k] - O[k])
            best = -1
            bkey = 0
            bg = 0.0
            bi = bj = bp = bq = 0
            bdp = bdq = 0.0
            for t in range(pp.size):
                p, q, i, j = pp[t], qq[t], ii[t], jj[t]
                if not (side[i, p] * side[j, p] < 0 and side[i, q] * side[j, q] < 0):
                    continue
                if locked[i, p] or locked[j, q] or locked[i, q] or locked[j, p]:
                    continue
                kr = (s[i, p] + s[j, p]) / (s[i, q] + s[j, q])
                full_i = np.abs(x[j, p] - x[i, p]) * w[i, p] / W[p]
                full_j = np.abs(x[i, q] - x[j, q]) * w[j, q] / W[q]
                cap_p = np.abs(x[j, p] - O[p])
                cap_q = np.abs(x[i, q] - O[q])
                dop = min(min(min(full_i, full_j / kr), cap_p), cap_q / kr)
                doq = kr * dop
                g = s[i, q] * doq - s[i, p] * dop
                if not g > gain_eps:
                    continue
                # the largest gain; ties to the lowest (i, j, p, q), in lexicographic order
                key = ((i * n + j) * m + p) * m + q
                if best < 0 or g > bg or (g == bg and key < bkey):
                    best, bkey, bg, bi, bj, bp, bq, bdp, bdq = t, key, g, i, j, p, q, dop, doq
            if best < 0:
                break
            dxi = bdp * W[bp] / w[bi, bp]
            dxj = bdq * W[bq] / w[bj, bq]
            x[bi, bp] += np.sign(x[bj, bp] - x[bi, bp]) * dxi
            x[bj, bq] += np.sign(x[bi, bq] - x[bj, bq]) * dxj
            _outcomes(x, w, O2)
            for a in range(n):
                if a == bi or a == bj:
                    continue
                tp = s[a, bp] * (np.abs(O[bp] - x0[a, bp]) - np.abs(O2[bp] - x0[a, bp]))
                tq = s[a, bq] * (np.abs(O[bq] - x0[a, bq]) - np.abs(O2[bq] - x0[a, bq]))
                ext[a] += (0.0 if np.isnan(tp) else tp) + (0.0 if np.isnan(tq) else tq)
            gains[bi] += bg
            gains[bj] += bg
            locked[bi, bp] = locked[bi, bq] = locked[bj, bp] = locked[bj, bq] = True
            if ne == rows.shape[0]:
                grown = np.empty((2 * ne, len(FIELDS)))
                grown[:ne] = rows
                rows = grown
            rows[ne, 0] = r + 1
            rows[ne, 1] = bi
            rows[ne, 2] = bj
            rows[ne, 3] = bp
            rows[ne, 4] = bq
            rows[ne, 5] = bdp
            rows[ne, 6] = bdq
            rows[ne, 7] = dxi
            rows[ne, 8] = dxj
            rows[ne, 9] = bg
            ne += 1
            count += 1
            O[:] = O2
        done += 1
        hist[done] = x
        if count == 0:
            break
    return hist[: done + 1].copy(), rows[:ne].copy(), gains, ext
