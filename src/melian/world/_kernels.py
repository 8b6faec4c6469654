"""Compiled (numba) kernel of the world engine's Poisson inverse-CDF search.

:func:`melian.world.components.base.poisson_inverse` draws Poisson counts by inverting the
cumulative distribution cell by cell: ``N = min{n : F(n; lam) > u}``, adding the terms
``p_n = p_{n-1} lam / n`` (the recurrence of the Poisson probabilities) until the sum passes
``u``. In numpy every step is several passes over the cells still searching; here one compiled
pass per step updates every searching cell, and the last few cells finish one at a time. The
start (``p``, ``F`` and the count reached, from the Cornish-Fisher guess for large means) is
computed by numpy as before, and the kernel performs the same floating-point operations in the
same order as the numpy search (``(p * lam) / k``, then ``F + p``; no ``fastmath``), so the counts
are bitwise equal to it (tested).

Importing this module imports numba and compiles the kernel for its one signature, or loads it
from numba's on-disk cache (:func:`melian.util.use_numba_cache`), so that processes forked
afterwards (a brief's views, a worker pool) share it.
"""

from __future__ import annotations

from melian.util import use_numba_cache

use_numba_cache()

import numpy as np  # noqa: E402
from numba import njit, types  # noqa: E402

__all__ = ["poisson_search"]

_IN = types.Array(types.float64, 1, "C", readonly=True)  # u, lam: read only (may be views)
_OUT = types.Array(types.float64, 1, "C")


@njit(cache=True, nogil=True)
def _finish(
    u: np.ndarray, lam: np.ndarray, p: np.ndarray, F: np.ndarray, N: np.ndarray, c: int
) -> None:
    """Step cell ``c`` to its count (see :func:`poisson_search`)."""
    uc = u[c]
    f = F[c]
    if not uc >= f:
        return
    q = p[c]
    lc = lam[c]
    k = N[c]
    while True:
        k += 1.0
        q = q * lc / k
        f = f + q
        if not (uc >= f and q > 0.0):
            break
    N[c] = k
    F[c] = f if q > 0.0 else np.inf


@njit(types.void(_IN, _IN, _OUT, _OUT, _OUT, types.int64), cache=True, nogil=True)
def poisson_search(
    u: np.ndarray, lam: np.ndarray, p: np.ndarray, F: np.ndarray, N: np.ndarray, dense_share: int
) -> None:
    """Step every cell with ``u >= F`` until ``F > u`` or its term ``p`` underflows to 0.

    ``p``, ``F`` and ``N`` hold each cell's current term, cumulative probability and count
    (the index of the term ``p``); they are updated in place and ``N`` ends as the Poisson count.
    A step of a searching cell is ``N += 1; p = p * lam / N; F = F + p``, and a cell stops
    after a step that leaves ``F > u`` or ``p = 0`` (a cell that starts with ``u < F`` takes no
    step).

    Cells that start beyond 0 (``N > 0``: a large mean's start) finish one by one first. The
    others all stand at 0, so while more than one in ``dense_share`` of the cells still
    searches they are stepped together, one pass per step with the same ``N`` (a stopped cell
    gets ``F = inf``: only ``N`` is read afterwards); then the rest finish one by one.
    """
    n = u.size
    for c in range(n):
        if N[c] > 0.0:
            _finish(u, lam, p, F, N, c)
    k = 0.0
    while True:
        k += 1.0
        searching = 0
        for c in range(n):
            if u[c] >= F[c]:
                searching += 1
                q = p[c] * lam[c] / k
                f = F[c] + q
                p[c] = q
                F[c] = f if q > 0.0 else np.inf
                N[c] = k
        if searching * dense_share <= n:
            break
    for c in range(n):
        _finish(u, lam, p, F, N, c)
