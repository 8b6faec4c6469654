"""Compiled (numba) kernels for the hot loops of KTAB's Spatial Model of Politics.

The Spatial Model of Politics of the KAPSARC Toolkit for Behavioral Analysis (KTAB, Wise et al.,
KAPSARC 2015, MIT licence; docs/models/smp.md) costs O(n^3) per turn for n actors: every
challenger h evaluates, against every target j, a "little contest" to which every third party n
contributes a semi-committed vote. :mod:`melian.bargaining.smp` computes it with numpy arrays
over (challenger, target, third party); this module computes the same numbers pair by pair in
compiled loops, which lets each challenger stop as soon as no remaining target can beat its best
(exact pruning by upper bounds of the gain), without building the large arrays. It also holds
kernels for the one-dimensional position elections, the bargain values and the queue elections.

The challenge, position-election, bargain-value and equivalence-class kernels perform the same
floating-point operations in the same order as the numpy code they replace (no ``fastmath``; the
sums over third parties use numpy's own pairwise summation order, :func:`pairwise_sum`), so their
results are bitwise equal to the numpy path. The queue-election coalitions
(:func:`batched_coalition_rows`) sum the voters in index order where numpy's matrix product uses
BLAS's order, so they agree to rounding only (docs/models/smp.md, "Performance").

No kernel is parallel itself: :mod:`melian.bargaining.smp` runs ranges of independent rows on a
few Python threads (the kernels release the GIL), each range writing its own outputs, so the
results do not depend on the number of threads, and numba's threading layers (not fork-safe or
not thread-safe) are never started.

Importing this module imports numba; :mod:`melian.bargaining.smp` imports it lazily, only for
problems of at least ``smp._KERNEL_MIN_ACTORS`` actors, so ``import melian`` compiles nothing.
Compiled code is cached on disk (``cache=True``) in ``$NUMBA_CACHE_DIR`` if set, else in
``numba`` under melian's cache directory (``$MELIAN_CACHE_DIR`` or the user's cache directory),
or in the temporary directory when that is not writable.
"""

from __future__ import annotations

from melian.util import use_numba_cache

use_numba_cache()

from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from llvmlite import ir  # noqa: E402
from numba import njit, types, uint64  # noqa: E402
from numba.core import cgutils  # noqa: E402
from numba.extending import intrinsic  # noqa: E402

__all__ = [
    "pairwise_sum",
    "pairwise_sum_abs",
    "challenge_gain",
    "best_challenges_default",
    "challenge_gain_pruned",
    "coalition_prefix_sums",
    "coalitions_1d_rows",
    "bargain_values",
    "batched_coalition_rows",
    "equivalence_classes",
]

# numpy's block size for pairwise summation (numpy/_core/src/umath/loops_utils.h.src)
_PW_BLOCKSIZE = 128
# Third parties per step of the pruned challenge evaluation (challenge_gain_pruned).
_CHUNK = 64
# Smallest coalition strength (same constant as melian.bargaining.smp._MIN_COALITION).
_MIN_COALITION = 1e-10


@intrinsic
def _lane_sums(typingctx: Any, arr: Any, lo: Any, nblocks: Any, absolute: Any) -> Any:
    """Eight lane sums r_k = a[lo + k] + a[lo + 8 + k] + ... over ``nblocks`` blocks of 8.

    Each lane is summed in index order, as numpy's eight accumulators are; written with an
    LLVM <8 x double> accumulator (IEEE additions lane by lane, no reassociation), because
    LLVM does not vectorise the eight scalar accumulators by itself. ``absolute`` sums |a|.
    """
    if not (isinstance(arr, types.Array) and arr.ndim == 1 and arr.layout == "C"):
        return None  # contiguous 1-D arrays only (the data pointer is read directly)
    if arr.dtype != types.float64:
        return None
    sig = types.UniTuple(types.float64, 8)(arr, lo, nblocks, absolute)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        a_val, lo_v, nb_v, abs_v = args
        ary = context.make_array(signature.args[0])(context, builder, a_val)
        vec = ir.VectorType(ir.DoubleType(), 8)
        fabs = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(vec, [vec]), "llvm.fabs.v8f64"
        )
        is_abs = builder.icmp_unsigned("!=", abs_v, ir.Constant(abs_v.type, 0))
        base = builder.gep(ary.data, [lo_v])

        def load(i: Any) -> Any:
            ptr = builder.gep(base, [builder.mul(i, ir.Constant(i.type, 8))])
            v = builder.load(builder.bitcast(ptr, vec.as_pointer()), align=8)
            return builder.select(is_abs, builder.call(fabs, [v]), v)

        acc = cgutils.alloca_once(builder, vec)
        builder.store(load(ir.Constant(lo_v.type, 0)), acc)
        one = ir.Constant(nb_v.type, 1)
        with cgutils.for_range_slice(builder, one, nb_v, one) as (i, _):
            builder.store(builder.fadd(builder.load(acc), load(i)), acc)
        v = builder.load(acc)
        lanes = [builder.extract_element(v, ir.Constant(ir.IntType(32), k)) for k in range(8)]
        return context.make_tuple(builder, signature.return_type, lanes)

    return sig, codegen


@njit(cache=True, nogil=True, error_model="numpy")
def _pairwise_leaf(a: np.ndarray, lo: int, n: int, absolute: bool) -> float:
    """numpy's pairwise sum of a[lo : lo + n] (of |a| if ``absolute``) for n <= 128.

    One leaf of numpy's recursion: below 8 terms a plain loop; otherwise eight accumulators
    r_k = a[k] + a[k + 8] + ... over the whole blocks of 8, combined as
    ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the remainder one by one.
    """
    if n < 8:
        res = 0.0
        for i in range(n):
            res += abs(a[lo + i]) if absolute else a[lo + i]
        return res
    nb = n // 8
    r0, r1, r2, r3, r4, r5, r6, r7 = _lane_sums(a, lo, nb, absolute)
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(nb * 8, n):
        res += abs(a[lo + i]) if absolute else a[lo + i]
    return res


@njit(cache=True, nogil=True, error_model="numpy")
def _pairwise(
    a: np.ndarray, n: int, frames: np.ndarray, values: np.ndarray, absolute: bool
) -> float:
    """Sum of a[:n] (of |a[:n]| if ``absolute``) in numpy's pairwise order (``np.add.reduce``
    over contiguous float64).

    numpy sums blocks of at most 128 terms with :func:`_pairwise_leaf` and splits longer ranges
    into two halves, the first a multiple of 8 long (n2 = n // 2 - (n // 2) % 8), whose sums are
    added. The recursion is unrolled here with an explicit stack (numba's on-disk cache does not
    support recursive functions): ``frames`` (int64, (64, 3)) and ``values`` (float64, (64,))
    are scratch space. numpy then adds the result to the reduction's initial value 0.0, which
    can only change the sign of a zero.
    """
    if n <= _PW_BLOCKSIZE:
        return _pairwise_leaf(a, 0, n, absolute)
    top = 0
    frames[0, 0] = 0
    frames[0, 1] = n
    frames[0, 2] = 0
    nv = 0
    while top >= 0:
        lo = frames[top, 0]
        m = frames[top, 1]
        stage = frames[top, 2]
        if stage == 2:  # both halves done: left + right
            values[nv - 2] = values[nv - 2] + values[nv - 1]
            nv -= 1
            top -= 1
            continue
        m2 = m // 2
        m2 -= m2 % 8
        if stage == 0:
            clo, cm = lo, m2
        else:
            clo, cm = lo + m2, m - m2
        frames[top, 2] = stage + 1
        if cm <= _PW_BLOCKSIZE:
            values[nv] = _pairwise_leaf(a, clo, cm, absolute)
            nv += 1
        else:
            top += 1
            frames[top, 0] = clo
            frames[top, 1] = cm
            frames[top, 2] = 0
    return values[0]


@njit(cache=True, nogil=True, error_model="numpy")
def pairwise_sum(a: np.ndarray, n: int, frames: np.ndarray, values: np.ndarray) -> float:
    """Sum of a[:n] in numpy's pairwise order (see :func:`_pairwise`)."""
    return _pairwise(a, n, frames, values, False)


@njit(cache=True, nogil=True, error_model="numpy")
def pairwise_sum_abs(a: np.ndarray, n: int, frames: np.ndarray, values: np.ndarray) -> float:
    """Sum of |a[:n]| in numpy's pairwise order (:func:`pairwise_sum` of the absolute values)."""
    return _pairwise(a, n, frames, values, True)


@njit(cache=True, nogil=True, error_model="numpy")
def _principals(
    h: int, j: int, dt: np.ndarray, rho: np.ndarray, w: np.ndarray
) -> tuple[float, float, float]:
    """(1 - u_hj, C_ij, C_ji): the principals' votes in h's little contest against j.

    v_i = w_h (u_ii - u_ij), v_j = w_j (u_ji - u_jj) with u_ii = u_jj = 1, from h's view of the
    risk attitudes (``rho``); C_ij = 1e-10 + [v_i]^+ + [v_j]^+, C_ji = 1e-10 + [-v_i]^+ + [-v_j]^+.
    """
    loss_ij = dt[j, h] - rho[h] * (dt[j, h] * (1.0 - dt[j, h]))  # 1 - u_hj
    loss_ji = dt[h, j] - rho[j] * (dt[h, j] * (1.0 - dt[h, j]))  # 1 - u_jh
    vi = w[h] * (loss_ij - 0.0)
    vj = w[j] * (0.0 - loss_ji)
    c_ij = _MIN_COALITION + max(vi, 0.0) + max(vj, 0.0)
    c_ji = _MIN_COALITION + max(-vi, 0.0) + max(-vj, 0.0)
    return loss_ij, c_ij, c_ji


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _third_party_votes(
    d_j: np.ndarray,
    rho: np.ndarray,
    a_h: np.ndarray,
    w: np.ndarray,
    c_ij: float,
    cc: float,
    out: np.ndarray,
    start: int,
    stop: int,
) -> None:
    """Semi-committed votes t_n of third parties n = start..stop - 1 (arrays indexed alike).

    ``d_j[n] = d_nj``; B_n = w_n (1 - u_nj) = w_n (d_nj - rho_n d_nj (1 - d_nj)),
    v_n = B_n - A_n, t_n = (([v_n]^+ + C_ij) / (|v_n| + C)) (B_n + A_n) - B_n, C = C_ij + C_ji.
    The loop index is unsigned (no negative-index wrap-around), so that LLVM vectorises it.
    """
    for q in range(uint64(start), uint64(stop)):
        d = d_j[q]
        b = (d - rho[q] * (d * (1.0 - d))) * w[q]
        v = b - a_h[q]
        s = b + a_h[q]
        den = abs(v) + cc
        out[q] = ((max(v, 0.0) + c_ij) / den) * s - b


@njit(cache=True, nogil=True, error_model="numpy")
def _gain_from_votes(
    buf: np.ndarray,
    c_ij: float,
    c_ji: float,
    loss_ij: float,
    s_j: float,
    frames: np.ndarray,
    values: np.ndarray,
) -> tuple[float, float]:
    """Gain and P from the third parties' votes ``buf`` (in actor order, 0 at h and j).

    P = (C_ij + sum [t]^+) / (C_ij + C_ji + sum |t|), with numpy's pairwise sums, and
    gain = (1 - s_j) 2 u_hh + s_j (2 P u_hh + 2 (1 - P) u_hj) - (u_hh + u_hj).
    """
    n = buf.size
    tot = pairwise_sum(buf, n, frames, values)
    tot_abs = pairwise_sum_abs(buf, n, frames, values)
    chij = c_ij + 0.5 * (tot_abs + tot)
    chji = c_ji + 0.5 * (tot_abs - tot)
    p = chij / (chij + chji)
    u_ii = 1.0 - 0.0
    u_ij = 1.0 - loss_ij
    eu_sq = u_ii + u_ij
    eu_vict = 2.0 * u_ii
    eu_contest = p * 2.0 * u_ii + (1.0 - p) * 2.0 * u_ij
    eu_chlg = (1.0 - s_j) * eu_vict + s_j * eu_contest
    return eu_chlg - eu_sq, p


@njit(cache=True, nogil=True, error_model="numpy")
def challenge_gain(
    h: int,
    j: int,
    dt: np.ndarray,
    rho: np.ndarray,
    a_h: np.ndarray,
    w: np.ndarray,
    s_j: float,
    buf: np.ndarray,
    frames: np.ndarray,
    values: np.ndarray,
) -> tuple[float, float]:
    """Gain and win probability of challenger h against target j, default SMP model (step 6).

    Proportional votes, semi-committed third parties, ideals at positions (u_nn = 1).
    ``dt[j, n] = d_nj``, ``rho[n]`` is h's view of n's risk attitude (1 - a) R_h + a R_n,
    ``a_h[n] = w_n (1 - u_nh)`` (A_n), ``w`` the vote weights c s, ``s_j = min(total salience
    of j, 1)``, ``buf`` a scratch array of n floats, ``frames`` and ``values`` the scratch
    space of :func:`pairwise_sum`.

    With B_n = w_n (1 - u_nj), v_n = B_n - A_n, C_ij and C_ji the principals' coalitions, third
    party n's vote is t_n = (([v_n]^+ + C_ij) / (|v_n| + C_ij + C_ji)) (B_n + A_n) - B_n;
    P = (C_ij + sum [t_n]^+) / (C_ij + C_ji + sum |t_n|) over n other than h and j, and
    gain = (1 - s_j) 2 u_hh + s_j (2 P u_hh + 2 (1 - P) u_hj) - (u_hh + u_hj).
    Operation for operation the numpy code of ``smp._challenge_gains`` (bitwise equal).
    """
    loss_ij, c_ij, c_ji = _principals(h, j, dt, rho, w)
    _third_party_votes(dt[j], rho, a_h, w, c_ij, c_ij + c_ji, buf, 0, buf.size)
    buf[h] = 0.0
    buf[j] = 0.0
    return _gain_from_votes(buf, c_ij, c_ji, loss_ij, s_j, frames, values)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _chunk_sums(a: np.ndarray, a0: int, a1: int) -> tuple[float, float]:
    """(sum, sum of absolute values) of a[a0:a1] in any order (used only for a bound)."""
    nb = (a1 - a0) // 8
    tot = 0.0
    tot_abs = 0.0
    if nb:
        r0, r1, r2, r3, r4, r5, r6, r7 = _lane_sums(a, a0, nb, False)
        tot = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        r0, r1, r2, r3, r4, r5, r6, r7 = _lane_sums(a, a0, nb, True)
        tot_abs = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for q in range(a0 + 8 * nb, a1):
        tot += a[q]
        tot_abs += abs(a[q])
    return tot, tot_abs


@njit(cache=True, nogil=True, error_model="numpy")
def challenge_gain_pruned(
    h: int,
    j: int,
    dt: np.ndarray,
    rho: np.ndarray,
    a_h: np.ndarray,
    w: np.ndarray,
    s_j: float,
    threshold: float,
    sorted_data: tuple,
    buf: np.ndarray,
    frames: np.ndarray,
    values: np.ndarray,
) -> tuple[float, float, bool]:
    """:func:`challenge_gain` on one dimension, abandoned once the gain cannot reach ``threshold``.

    ``sorted_data`` = (inv, dts, rho_s, a_s, w_s, cum_a, sbuf, w_max): the actors sorted by position
    (inv[i] = sorted place of actor i, dts = dt in sorted order on both axes, h's rho and A_n
    and the weights in sorted order, cum_a the prefix sums of a_s, sbuf scratch). Third
    parties are processed from the ends of the sorted order inwards (farthest from h first).
    P increases with every vote t_n, and t_n <= kappa A_n with kappa = max(P0, 1 - 2 C_ji /
    (C + 2 W d_hj)), P0 = C_ij / C, W = max w (``w_max``): a third party on j's side of the
    midpoint (A_n >= B_n) has p_in <= P0, so t_n <= P0 A_n - (1 - P0) B_n; one on h's side
    has t_n = A_n - C_ji (A_n + B_n) / (C + v_n) with A_n + B_n >= 2 A_n and
    v_n <= 2 w_n d_hj (1 - u is increasing in the distance with slope <= 2). Replacing the
    votes not yet computed by kappa A_n bounds P, and so the gain
    (1 - u_hj)(1 - 2 s_j (1 - P)), from above; when that bound (with a relative margin of
    1e-9) is below ``threshold`` the evaluation stops: returns (bound, 0, False). Otherwise
    the votes are put back in actor order and summed as in :func:`challenge_gain`, with the
    same result bitwise: (gain, P, True).
    """
    inv, dts, rho_s, a_s, w_s, cum_a, sbuf, w_max = sorted_data
    n = dts.shape[0]
    hs = inv[h]
    js = inv[j]
    loss_ij, c_ij, c_ji = _principals(h, j, dt, rho, w)
    cc = c_ij + c_ji
    kappa = max(c_ij / cc, 1.0 - 2.0 * c_ji / (cc + 2.0 * w_max * dt[j, h]))
    d_j = dts[js]
    lo = 0
    hi = n
    pos = 0.0  # sum of [t]^+ so far
    mag = 0.0  # sum of |t| so far
    while lo < hi:
        if hs - lo >= hi - hs:
            a0 = lo
            a1 = min(lo + _CHUNK, hi)
            lo = a1
        else:
            a1 = hi
            a0 = max(hi - _CHUNK, lo)
            hi = a0
        _third_party_votes(d_j, rho_s, a_s, w_s, c_ij, cc, sbuf, a0, a1)
        if a0 <= hs < a1:
            sbuf[hs] = 0.0
        if a0 <= js < a1:
            sbuf[js] = 0.0
        tot, tot_abs = _chunk_sums(sbuf, a0, a1)
        pos += 0.5 * (tot_abs + tot)
        mag += tot_abs
        if lo < hi:
            rest = kappa * max(cum_a[hi] - cum_a[lo], 0.0)
            p_ub = (c_ij + pos + rest) / (cc + mag + rest)
            p_ub = min(p_ub * (1.0 + 1e-9) + 1e-9, 1.0)
            g_ub = loss_ij * (1.0 - 2.0 * s_j * (1.0 - p_ub)) + 1e-9 * (1.0 + loss_ij)
            if g_ub < threshold:
                return g_ub, 0.0, False
    for q in range(n):
        buf[q] = sbuf[inv[q]]
    g, p = _gain_from_votes(buf, c_ij, c_ji, loss_ij, s_j, frames, values)
    return g, p, True


@njit(cache=True, nogil=True, error_model="numpy")
def _search_1d(
    h: int,
    dt: np.ndarray,
    risk_h: float,
    w: np.ndarray,
    s_cap: np.ndarray,
    min_gain: float,
    rho: np.ndarray,
    a_h: np.ndarray,
    buf: np.ndarray,
    frames: np.ndarray,
    values: np.ndarray,
    order: np.ndarray,
    data: tuple,
) -> tuple[int, float, float, int]:
    """:func:`_best_for_challenger` on one dimension: targets from the farthest inwards.

    The bound 1 - u_hj = d - R_h d (1 - d) increases with the distance d = d_hj, so walking
    the targets in sorted order of position from both ends towards h (the farther end first)
    visits them in decreasing order of the bound without sorting. The walk stops when the
    next bound plus 1e-12 (covering rounding, which could make the computed bound slightly
    non-monotone) is below max(best gain, ``min_gain``); after the first target each is
    evaluated by :func:`challenge_gain_pruned` with that threshold. Same result as the
    general search: the argmax over all targets, ties to the lowest index, whenever the best
    gain exceeds ``min_gain``.
    """
    inv, dts = data[0], data[1]
    n = dts.shape[0]
    hs = inv[h]
    drow = dts[hs]
    lo = 0
    hi = n - 1
    best_g = -np.inf
    best_j = n
    best_p = 0.0
    count = 0
    while True:
        if lo == hs:
            lo += 1
        if hi == hs:
            hi -= 1
        if lo > hi:
            break
        if drow[lo] >= drow[hi]:
            k = lo
            lo += 1
        else:
            k = hi
            hi -= 1
        d = drow[k]
        thr = max(best_g, min_gain)
        if count > 0 and d - risk_h * d * (1.0 - d) + 1e-12 < thr:
            break
        j = order[k]
        if count == 0:
            g, p = challenge_gain(h, j, dt, rho, a_h, w, s_cap[j], buf, frames, values)
        else:
            g, p, full = challenge_gain_pruned(
                h, j, dt, rho, a_h, w, s_cap[j], thr, data, buf, frames, values
            )
            if not full:
                continue
        count += 1
        if g > best_g or (g == best_g and j < best_j):
            best_g = g
            best_j = j
            best_p = p
    if count == 0:
        return -1, 0.0, -np.inf, 0
    return (best_j if best_g > min_gain else -1), best_p, best_g, count


@njit(cache=True, nogil=True, error_model="numpy")
def _best_for_challenger(
    h: int,
    dt: np.ndarray,
    risk: np.ndarray,
    w: np.ndarray,
    s_cap: np.ndarray,
    bound_row: np.ndarray,
    a: float,
    min_gain: float,
    rho: np.ndarray,
    a_h: np.ndarray,
    buf: np.ndarray,
    frames: np.ndarray,
    values: np.ndarray,
    pruned: bool,
    sorted_data: tuple,
) -> tuple[int, float, float, int]:
    """Best target of challenger h by bound-ordered exact search: (target, P, gain, evaluated).

    ``bound_row`` is an upper bound of the gain against each target (``-inf`` at h itself):
    1 - u_hj, since u_hh = 1 and the gain is (1 - u_hj)(1 - 2 s_j (1 - P)). The target with
    the largest bound is evaluated first, then the others in decreasing order of their bound
    until the next bound is below max(best gain, ``min_gain``). Ties of the gain go to the
    lowest target index, so the result is the argmax over all targets whenever the best gain
    exceeds ``min_gain`` (a target not evaluated has a gain below the best). ``evaluated``
    counts the pairs evaluated. With ``pruned`` (one dimension) :func:`_search_1d` is used.
    """
    n = dt.shape[0]
    rh = (1.0 - a) * risk[h]
    for q in range(n):
        rho[q] = rh + a * risk[q]
        d = dt[h, q]
        a_h[q] = (d - rho[q] * (d * (1.0 - d))) * w[q]
    if pruned:
        order, inv, dts, rho_s, a_s, w_s, cum_a, sbuf, w_max = sorted_data
        cum_a[0] = 0.0
        for k in range(n):
            rho_s[k] = rho[order[k]]
            a_s[k] = a_h[order[k]]
            cum_a[k + 1] = cum_a[k] + a_s[k]
        data = (inv, dts, rho_s, a_s, w_s, cum_a, sbuf, w_max)
        return _search_1d(
            h, dt, risk[h], w, s_cap, min_gain, rho, a_h, buf, frames, values, order, data
        )
    # the target with the largest bound first
    top = -1
    top_b = -np.inf
    for j in range(n):
        if bound_row[j] > top_b:
            top_b = bound_row[j]
            top = j
    if top < 0:
        return -1, 0.0, -np.inf, 0
    best_g, best_p = challenge_gain(h, top, dt, rho, a_h, w, s_cap[top], buf, frames, values)
    best_j = top
    count = 1
    # then the targets whose bound reaches the best gain, in decreasing order of the bound
    thr = max(best_g, min_gain)
    m = 0
    cand = np.empty(n, dtype=np.int64)
    keys = np.empty(n)
    for j in range(n):
        if j != top and bound_row[j] >= thr:
            cand[m] = j
            keys[m] = -bound_row[j]
            m += 1
    order_c = np.argsort(keys[:m], kind="mergesort")
    for k in range(m):
        j = cand[order_c[k]]
        thr = max(best_g, min_gain)
        if bound_row[j] < thr:
            break
        g, p = challenge_gain(h, j, dt, rho, a_h, w, s_cap[j], buf, frames, values)
        count += 1
        if g > best_g or (g == best_g and j < best_j):
            best_g = g
            best_j = j
            best_p = p
    return (best_j if best_g > min_gain else -1), best_p, best_g, count


@njit(cache=True, nogil=True, error_model="numpy")
def best_challenges_default(
    dt: np.ndarray,
    risk: np.ndarray,
    w: np.ndarray,
    s_cap: np.ndarray,
    bound: np.ndarray,
    a: float,
    min_gain: float,
    start: int,
    stop: int,
    target: np.ndarray,
    prob: np.ndarray,
    gain: np.ndarray,
    evaluated: np.ndarray,
    order: np.ndarray,
    inv: np.ndarray,
    dts: np.ndarray,
    w_s: np.ndarray,
) -> None:
    """Best target, P and gain of challengers start..stop - 1 (default model), in place.

    See :func:`_best_for_challenger`. On one dimension ``order`` sorts the actors by
    position, ``inv`` is its inverse, ``dts`` = dt[order][:, order] and ``w_s`` = w[order]
    (then the pruned evaluation is used); otherwise all four are empty. Challengers are
    independent and each writes only its own entries of ``target``, ``prob``, ``gain`` and
    ``evaluated`` (pairs evaluated to the end), so ranges of challengers can run on different
    threads (the GIL is released) with the same results.
    """
    n = dt.shape[0]
    rho = np.empty(n)
    a_h = np.empty(n)
    buf = np.empty(n)
    frames = np.empty((64, 3), dtype=np.int64)
    values = np.empty(64)
    pruned = order.size == n
    m = n if pruned else 0
    w_max = w_s.max() if pruned else 0.0
    sorted_data = (
        order, inv, dts, np.empty(m), np.empty(m), w_s, np.empty(m + 1), np.empty(m), w_max
    )  # fmt: skip
    for h in range(start, stop):
        t, p, g, c = _best_for_challenger(
            h, dt, risk, w, s_cap, bound[h], a, min_gain, rho, a_h, buf, frames, values,
            pruned, sorted_data,
        )  # fmt: skip
        target[h] = t
        prob[h] = p
        gain[h] = g
        evaluated[h] = c


@njit(cache=True, nogil=True, error_model="numpy")
def coalition_prefix_sums(
    xs: np.ndarray,
    ws: np.ndarray,
    rs: np.ndarray,
    ys: np.ndarray,
    proportional: bool,
    start: int,
    stop: int,
    ps: np.ndarray,
) -> None:
    """Columns start..stop - 1 of the voters' prefix sums ps[i, b] for :func:`coalitions_1d_rows`.

    Voters sorted by position (``xs`` ascending, weights ``ws``, risk attitudes ``rs``); voter
    k's utility of option b is u_kb = (1 - d)(1 + d R_k), d = min(|x_k - y_b|, 1), and
    ps[i, b] = w_0 u_0b + ... + w_{i-1} u_{i-1,b} (w_k alone for binary votes), summed in voter
    order like ``np.cumsum`` (the options' order does not matter here).
    """
    n = xs.size
    for b in range(start, stop):
        ps[0, b] = 0.0
    for k in range(n):
        xk = xs[k]
        wk = ws[k]
        rk = rs[k]
        prev = ps[k, start:stop]
        row = ps[k + 1, start:stop]
        y = ys[start:stop]
        for b in range(row.size):
            d = min(abs(xk - y[b]), 1.0)
            u = (1.0 - d) * (1.0 + d * rk)
            c = wk * u if proportional else wk * 1.0
            row[b] = c if k == 0 else prev[b] + c


@njit(cache=True, nogil=True, error_model="numpy")
def coalitions_1d_rows(
    xs: np.ndarray,
    ys: np.ndarray,
    sigma: np.ndarray,
    ps: np.ndarray,
    proportional: bool,
    start: int,
    stop: int,
    c: np.ndarray,
) -> None:
    """Rows sigma[start..stop - 1] of the coalition strengths C on one dimension (steps 3-4).

    Options sorted by position (``ys`` ascending, ``sigma`` their original indices, ``ps`` the
    prefix sums of :func:`coalition_prefix_sums` over the sorted options). u_kb is strictly
    decreasing in the distance, so voter k prefers a to b exactly when it is on a's side of
    their midpoint: for y_a < y_b, C[a, b] is the sum over the voters left of the midpoint of
    w_k (u_ka - u_kb) = ps[lo, a] - ps[lo, b] (for y_a > y_b the voters right of it; binary
    votes sum the weights), then [.]^+; 0 for equal options. Along a row the midpoint grows
    with y_b, so the voter counts lo and hi are found by two moving pointers: O(n) per row.
    The same operations as ``smp.coalitions_1d`` (bitwise equal), written into
    c[sigma[a], sigma[b]].
    """
    n = xs.size
    no = ys.size
    for a in range(start, stop):
        ya = ys[a]
        ca = c[sigma[a]]
        lo = 0  # voters with x < mid
        hi = 0  # voters with x <= mid
        for b in range(no):
            yb = ys[b]
            if ya == yb:
                ca[sigma[b]] = 0.0
                continue
            mid = 0.5 * (ya + yb)
            if ya < yb:
                while lo < n and xs[lo] < mid:
                    lo += 1
                v = ps[lo, a] - ps[lo, b] if proportional else ps[lo, a]
            else:
                while hi < n and xs[hi] <= mid:
                    hi += 1
                if proportional:
                    v = (ps[n, a] - ps[hi, a]) - (ps[n, b] - ps[hi, b])
                else:
                    v = ps[n, a] - ps[hi, a]
            ca[sigma[b]] = max(v, 0.0)


@njit(cache=True, nogil=True, error_model="numpy")
def batched_coalition_rows(
    u: np.ndarray, weight: np.ndarray, rule: int, start: int, stop: int, c: np.ndarray
) -> None:
    """Coalition strengths C[g, a, b] = sum_k [vote_k(a over b)]^+ for rows a in start..stop - 1.

    ``u`` (G, voters, options): u[g, k, a] is voter k's utility of option a in option set g
    (SMP step 9, the queue elections); ``rule`` 0 proportional (w du), 1 binary (w if du > 0),
    2 cubic (w du^3). For every pair a < b both C[g, a, b] and C[g, b, a] are accumulated in
    one pass over the voters, in voter order (a fixed summation order, so equal options get
    equal strengths), with the options as the inner, vectorisable loop. Rows of different
    ranges write disjoint entries, so ranges can run on different threads.
    """
    ng, nk, m = u.shape
    acc_ab = np.empty(m)
    acc_ba = np.empty(m)
    for g in range(ng):
        for a in range(start, stop):
            c[g, a, a] = 0.0
            if a + 1 >= m:
                continue
            for b in range(a + 1, m):
                acc_ab[b] = 0.0
                acc_ba[b] = 0.0
            ab = acc_ab[a + 1 :]
            ba = acc_ba[a + 1 :]
            k = 0
            if rule == 0:  # four voters per pass (added one after the other, same order)
                while k + 4 <= nk:
                    w0, w1, w2, w3 = weight[k], weight[k + 1], weight[k + 2], weight[k + 3]
                    x0, x1, x2, x3 = u[g, k, a], u[g, k + 1, a], u[g, k + 2, a], u[g, k + 3, a]
                    r0 = u[g, k, a + 1 :]
                    r1 = u[g, k + 1, a + 1 :]
                    r2 = u[g, k + 2, a + 1 :]
                    r3 = u[g, k + 3, a + 1 :]
                    for b in range(r0.size):
                        d0 = x0 - r0[b]
                        d1 = x1 - r1[b]
                        d2 = x2 - r2[b]
                        d3 = x3 - r3[b]
                        s = ab[b] + w0 * (d0 if d0 > 0.0 else 0.0)
                        s = s + w1 * (d1 if d1 > 0.0 else 0.0)
                        s = s + w2 * (d2 if d2 > 0.0 else 0.0)
                        ab[b] = s + w3 * (d3 if d3 > 0.0 else 0.0)
                        s = ba[b] + w0 * (-d0 if d0 < 0.0 else 0.0)
                        s = s + w1 * (-d1 if d1 < 0.0 else 0.0)
                        s = s + w2 * (-d2 if d2 < 0.0 else 0.0)
                        ba[b] = s + w3 * (-d3 if d3 < 0.0 else 0.0)
                    k += 4
            for kk in range(k, nk):
                wk = weight[kk]
                uka = u[g, kk, a]
                row = u[g, kk, a + 1 :]
                # one loop per rule, written so that LLVM vectorises it (slices from 0)
                if rule == 0:
                    for b in range(row.size):
                        du = uka - row[b]
                        ab[b] += wk * (du if du > 0.0 else 0.0)
                        ba[b] += wk * (-du if du < 0.0 else 0.0)
                elif rule == 1:
                    for b in range(row.size):
                        du = uka - row[b]
                        ab[b] += wk * (1.0 if du > 0.0 else 0.0)
                        ba[b] += wk * (1.0 if du < 0.0 else 0.0)
                else:
                    for b in range(row.size):
                        du = uka - row[b]
                        pa = du if du > 0.0 else 0.0
                        pb = -du if du < 0.0 else 0.0
                        ab[b] += wk * (pa * pa * pa)
                        ba[b] += wk * (pb * pb * pb)
            for b in range(a + 1, m):
                c[g, a, b] = acc_ab[b]
                c[g, b, a] = acc_ba[b]


@njit(cache=True, nogil=True, error_model="numpy")
def _distance(position: np.ndarray, i: int, r: int) -> float:
    """Euclidean distance between the positions of actors i and r (dimensions summed in order)."""
    acc = 0.0
    for k in range(position.shape[1]):
        diff = position[r, k] - position[i, k]
        acc += diff * diff
    return np.sqrt(acc)


@njit(cache=True, nogil=True, error_model="numpy")
def equivalence_classes(position: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Distinct positions and the option each actor reports (``smp.equivalence_classes``).

    Representatives: the actors, in index order, not within ``tol`` of an earlier
    representative; lookup[i]: the last representative within ``tol`` of actor i (the last
    one when none is, as numpy's argmax of an all-false row gives). Same distances as the
    numpy code, bitwise.
    """
    n = position.shape[0]
    reps = np.empty(n, dtype=np.int64)
    nr = 0
    for i in range(n):
        new = True
        for k in range(nr):
            if _distance(position, i, reps[k]) < tol:
                new = False
                break
        if new:
            reps[nr] = i
            nr += 1
    lookup = np.full(n, nr - 1, dtype=np.int64)
    for i in range(n):
        for k in range(nr - 1, -1, -1):
            if _distance(position, i, reps[k]) < tol:
                lookup[i] = k
                break
    return reps[:nr].copy(), lookup


@njit(cache=True, nogil=True, error_model="numpy")
def _distance_to(
    position: np.ndarray, salience: np.ndarray, den: np.ndarray, k: int, point: np.ndarray
) -> float:
    """Salience-weighted distance from actor k's ideal to ``point`` (``smp._point_distance``)."""
    num = 0.0
    for m in range(position.shape[1]):
        t = salience[k, m] * (point[m] - position[k, m])
        num += t * t
    return min(np.sqrt(num / den[k]), 1.0)


@njit(cache=True, nogil=True, error_model="numpy")
def _distance_between(
    position: np.ndarray, salience: np.ndarray, den: np.ndarray, k: int, j: int
) -> float:
    """d_kj of ``smp.weighted_distance`` (|x_j - x_k| on one dimension)."""
    if position.shape[1] == 1:
        return min(abs(position[j, 0] - position[k, 0]), 1.0)
    num = 0.0
    for m in range(position.shape[1]):
        t = salience[k, m] * (position[j, m] - position[k, m])
        num += t * t
    return min(np.sqrt(num / den[k]), 1.0)


@njit(cache=True, nogil=True, error_model="numpy")
def bargain_values(
    position: np.ndarray,
    salience: np.ndarray,
    den: np.ndarray,
    risk: np.ndarray,
    init: np.ndarray,
    rcvr: np.ndarray,
    y_init: np.ndarray,
    y_rcvr: np.ndarray,
    start: int,
    stop: int,
    delta: np.ndarray,
) -> None:
    """Rows start..stop - 1 of delta[k, b]: voter k's change of mean utility by bargain b.

    delta = (u(y_init) + u(y_rcvr) - u(x_init) - u(x_rcvr)) / n with u(d) = (1 - d)(1 + d R_k)
    (SMP step 9, ``smp.resolve_bargains``; ``den`` = sum_m s_km^2). Same operations as the
    numpy code, bitwise.
    """
    n = position.shape[0]
    nb = init.size
    if position.shape[1] == 1:  # one dimension: contiguous columns, a vectorisable loop
        yi = y_init[:, 0].copy()
        yr = y_rcvr[:, 0].copy()
        xi = np.empty(nb)
        xr = np.empty(nb)
        for b in range(nb):
            xi[b] = position[init[b], 0]
            xr[b] = position[rcvr[b], 0]
        for k in range(start, stop):
            r = risk[k]
            xk = position[k, 0]
            sk = salience[k, 0]
            dk = den[k]
            out = delta[k]
            for b in range(nb):
                t = sk * (yi[b] - xk)
                d = min(np.sqrt(t * t / dk), 1.0)
                u_i = (1.0 - d) * (1.0 + d * r)
                t = sk * (yr[b] - xk)
                d = min(np.sqrt(t * t / dk), 1.0)
                u_r = (1.0 - d) * (1.0 + d * r)
                d = min(abs(xi[b] - xk), 1.0)
                p_i = (1.0 - d) * (1.0 + d * r)
                d = min(abs(xr[b] - xk), 1.0)
                p_r = (1.0 - d) * (1.0 + d * r)
                out[b] = (u_i + u_r - p_i - p_r) / n
        return
    for k in range(start, stop):
        r = risk[k]
        for b in range(nb):
            d = _distance_to(position, salience, den, k, y_init[b])
            u_i = (1.0 - d) * (1.0 + d * r)
            d = _distance_to(position, salience, den, k, y_rcvr[b])
            u_r = (1.0 - d) * (1.0 + d * r)
            d = _distance_between(position, salience, den, k, init[b])
            p_i = (1.0 - d) * (1.0 + d * r)
            d = _distance_between(position, salience, den, k, rcvr[b])
            p_r = (1.0 - d) * (1.0 + d * r)
            delta[k, b] = (u_i + u_r - p_i - p_r) / n
