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


# --------------------------------------------------------------------------- the budget's accounts
@njit(cache=True, nogil=True, inline="always")
def _max(a: float, b: float) -> float:
    """``np.maximum`` of two floats (nan propagates from either)."""
    return a if (a >= b or a != a) else b


@njit(cache=True, nogil=True, inline="always")
def _min(a: float, b: float) -> float:
    """``np.minimum`` of two floats (nan propagates from either)."""
    return a if (a <= b or a != a) else b


_S1 = types.Array(types.float64, 1, "C")
_C1 = types.Array(types.float64, 1, "C", readonly=True)
_X2 = types.Array(types.float64, 2, "A", readonly=True)
_O2 = types.Array(types.float64, 2, "C")
_B1 = types.Array(types.boolean, 1, "C")


@njit(
    types.void(
        *(_S1,) * 6,  # treasury, reserves, domestic_debt, external_debt, arrears, fx
        _B1,  # devalued
        _S1,  # authorised (used where law)
        # dom_m ext_m amort_m running invest cap_d lim_d cap_x lim_x leak trigger fx_new
        *(_C1,) * 12,
        _C1,  # hazard
        _C1,  # tranche
        *(_X2,) * 8,  # cash0 other payroll senior_x project ext_factor fx_in law_u
        types.boolean,  # law
        *(_O2,) * 3,  # ST RS DB
    ),
    cache=True,
    nogil=True,
)
def budget_months(  # noqa: PLR0913 - one array per account and constant
    treasury: np.ndarray,
    reserves: np.ndarray,
    ddebt: np.ndarray,
    xdebt: np.ndarray,
    arrears: np.ndarray,
    fx: np.ndarray,
    devalued: np.ndarray,
    authorised: np.ndarray,
    dom_m: np.ndarray,
    ext_m: np.ndarray,
    amort_m: np.ndarray,
    running0: np.ndarray,
    invest0: np.ndarray,
    cap_d: np.ndarray,
    lim_d: np.ndarray,
    cap_x: np.ndarray,
    lim_x: np.ndarray,
    leak: np.ndarray,
    trigger: np.ndarray,
    fx_new: np.ndarray,
    hazard: np.ndarray,
    tranche0: np.ndarray,
    cash0: np.ndarray,
    other0: np.ndarray,
    payroll0: np.ndarray,
    senior_x: np.ndarray,
    project: np.ndarray,
    ext_factor: np.ndarray,
    fx_in: np.ndarray,
    law_u: np.ndarray,
    law: bool,
    ST: np.ndarray,
    RS: np.ndarray,
    DB: np.ndarray,
) -> None:
    """The months of a slab of :class:`melian.world.components.commodity_budget.CommodityBudget`
    (``month`` for each month, then the slab's stress, reserves and debt rows), path by path.

    The same operations in the same order as the numpy code, element by element (paths are
    independent): a path's values are multiplied by its exchange rate, which is 1 until it
    devalues, so multiplying every path (as here) or none (the numpy code before the first
    devaluation) gives the same numbers. The state arrays are updated in place.
    """
    k, n = ST.shape
    for c in range(n):
        for j in range(k):
            if reserves[c] < trigger[c] and not devalued[c]:
                ddebt[c] *= fx_new[c]
                fx[c] = fx_new[c]
                devalued[c] = True
                if law:
                    authorised[c] *= fx_new[c]
            D = ddebt[c]
            Xd = xdebt[c]
            T = treasury[c]
            A = arrears[c]
            f = fx[c]
            other = other0[j, c] * f
            payroll = payroll0[j, c] * f
            running = running0[c] * f
            invest = invest0[c] * f
            cash = cash0[j, c] + other
            dom_int = D * dom_m[c]
            ext_int = Xd * ext_m[c]
            amort = Xd * amort_m[c]
            senior = dom_int + ext_int
            senior += amort
            senior += senior_x[j, c]
            l1 = senior + project[j, c]
            l2 = l1 + payroll
            l3 = l2 + running
            l4 = l3 + A
            avail_d = _min(_max(lim_d[c] - D, 0.0), cap_d[c])
            avail_x = _min(_max(lim_x[c] - Xd, 0.0), cap_x[c])
            avail_x *= ext_factor[j, c]
            if law:
                gap = l4 - cash
                gap -= T
                gap = _min(_max(gap, 0.0), avail_d)
                gap -= authorised[c]
                if gap > 0:
                    if law_u[j, c] < hazard[c]:
                        authorised[c] = authorised[c] + _max(tranche0[c] * f, gap)
                    else:
                        avail_d = authorised[c]
            spend = cash + T
            spend += avail_d
            spend += avail_x
            spend = _min(spend, l4)
            need = _max(spend - cash, 0.0)
            draw_t = _min(need, T)
            need -= draw_t
            dom = _min(need, avail_d)
            ext = need - dom
            spare = _max(cash - l4, 0.0)
            invest_paid = _min(spare, invest)
            surplus = spare - invest_paid
            payroll_paid = _min(_max(spend - l1, 0.0), payroll)
            running_paid = _min(_max(spend - l2, 0.0), running)
            arrears_repaid = _min(_max(spend - l3, 0.0), A)
            short = _max(l1 - spend, 0.0)
            new_arrears = payroll - payroll_paid
            new_arrears += short
            a2 = A - arrears_repaid
            a2 += new_arrears
            arrears[c] = a2
            t2 = T - draw_t
            t2 += surplus
            treasury[c] = t2
            ddebt[c] = D + dom
            if law:
                authorised[c] = _max(authorised[c] - dom, 0.0)
            x2 = Xd + ext
            x2 -= amort
            xdebt[c] = x2
            local_out = payroll_paid + running_paid
            local_out += arrears_repaid
            local_out += invest_paid
            local_out += dom_int
            local_out *= leak[c]
            R = reserves[c] + fx_in[j, c]
            R += ext
            R -= local_out
            R -= ext_int
            R -= amort
            reserves[c] = _max(R, 0.0)
            ST[j, c] = a2 / payroll
            RS[j, c] = reserves[c]
            DB[j, c] = ddebt[c] + x2
