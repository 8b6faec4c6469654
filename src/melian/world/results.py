"""Streaming aggregation of simulated paths and the typed results (Ensemble, OptionResult).

Every path is reduced, block by block, into fixed-memory statistics: histograms with fixed bin
edges (integer counts), event counts, and sums held in fixed point (integers in units of
``2**-20``), so merging blocks is exact integer addition. Results are therefore bit-identical
whatever the order or grouping in which blocks are merged (chunk size, number of workers), and the
memory needed does not grow with the number of paths. Quantiles are read from the histograms by
linear interpolation inside a bin (error at most one bin width, stated per metric by ``bin_width``),
except that the values exactly equal to an outcome's atoms (0, 1 and the bins' lower edge:
:attr:`HistSpec.atoms`) are counted, so a quantile whose rank falls among them is that value
exactly (a median of 0 cut months); values outside an outcome's bins are kept exactly (up to
:data:`MAX_OUTSIDE`; beyond, the engine bins the outcome again over its exact range:
:meth:`Accumulator.overflowing`). CVaR at 95% is the mean of the worst 5% of paths computed from
the same histogram (bin mid-points, atoms at their values) and those values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from melian.jsonio import num, to_jsonable
from melian.reprs import html_table

QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
FP_SCALAR = 2**20  # fixed-point scale of scalar sums
#: Most values outside an outcome's bins kept exactly per option (beyond: binned again).
MAX_OUTSIDE = 65_536
FP_ARRAY = 2**16  # fixed-point scale of per-month sums (int64 arrays)
#: Values at which outcomes pile up (no cut: 0 months, no loss, a share of 0 or 1): each
#: outcome counts its values exactly equal to these and to its bins' lower edge.
ATOMS = (0.0, 1.0)
_BOUNDS: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}


@dataclass(frozen=True)
class HistSpec:
    """Fixed histogram bins: ``nb`` bins between ``lo`` and ``hi`` on a linear or log scale.

    Slot 0 holds values below ``lo``, slot ``nb + 1`` values at or above ``hi``.
    """

    lo: float
    hi: float
    nb: int
    log: bool = False

    def index(self, x: np.ndarray) -> np.ndarray:
        """Slot of each value (0 .. nb + 1)."""
        if self.log:
            f = (np.log(np.maximum(x, 1e-300)) - math.log(self.lo)) * (
                self.nb / math.log(self.hi / self.lo)
            )
        else:
            f = (x - self.lo) * (self.nb / (self.hi - self.lo))
        return (np.clip(np.floor(f), -1, self.nb) + 1).astype(np.int64)

    def edge(self, k: float) -> float:
        """Position of fractional bin boundary ``k`` (0 = lo, nb = hi)."""
        if self.log:
            return float(self.lo * (self.hi / self.lo) ** (k / self.nb))
        return float(self.lo + (self.hi - self.lo) * k / self.nb)

    def edges(self, k: np.ndarray) -> np.ndarray:
        """:meth:`edge` of every element of ``k`` (the same formula; on log bins numpy's power
        can differ from Python's in the last bit).
        """
        k = np.asarray(k, dtype=float)
        if self.log:
            return self.lo * (self.hi / self.lo) ** (k / self.nb)
        return self.lo + (self.hi - self.lo) * k / self.nb

    @property
    def width(self) -> float:
        """Bin width (relative width for log bins)."""
        return (
            (self.hi / self.lo) ** (1 / self.nb) - 1 if self.log else (self.hi - self.lo) / self.nb
        )

    @property
    def atoms(self) -> tuple[float, ...]:
        """The values counted exactly when they occur (:data:`ATOMS` and ``lo``), in order.

        Only those inside the bins (an inner slot) are kept: values outside are kept exactly
        anyway (or read as the minimum or maximum).
        """
        got = sorted({self.lo, *ATOMS})
        slots = self.index(np.asarray(got, dtype=float))
        return tuple(a for a, k in zip(got, slots, strict=True) if 1 <= k <= self.nb)

    def covering(self, vmin: float, vmax: float) -> HistSpec:
        """Bins of the same number and scale whose range covers ``[vmin, vmax]``.

        The range is ``[vmin, vmax]`` itself (every value then falls in an inner bin), with the top
        edge a little above ``vmax`` (a value at the top edge would fall in the top slot). On a log
        scale ``lo`` stays where it is when ``vmin`` is not positive (such values cannot be
        placed on it: they stay in slot 0); with no positive value the bins are kept.

        Parameters
        ----------
        vmin, vmax
            The smallest and largest values to cover (finite, ``vmin <= vmax``).

        Returns
        -------
        HistSpec
            The new bins.
        """
        if self.log:
            if vmax <= 0:
                return self  # nothing can be placed on a log scale
            lo = vmin if vmin > 0 else min(self.lo, vmax)
            hi = max(vmax, lo) * (1.0 + 1e-6)
            return HistSpec(lo, hi, self.nb, log=True)
        margin = max(vmax - vmin, abs(vmax), abs(vmin), 1e-12) * 1e-6
        return HistSpec(vmin, vmax + margin, self.nb)


#: Exact counts of an outcome's values at some of its atoms: ``(value, count)`` pairs.
AtomCounts = Sequence[tuple[float, int]]
#: A bin's mass in increasing order of value: ``(mass, f0, f1, value)``, spread uniformly over
#: fractional positions ``[f0, f1]`` of the bin (``value`` None) or all at ``value`` (an atom).
_Piece = tuple[float, float, float, float | None]


def _atom_slots(spec: HistSpec, atoms: AtomCounts) -> dict[int, list[tuple[float, float, int]]]:
    """Slot -> ``(position in the bin, value, count)`` of the atoms counted there, by value.

    The slot is :meth:`HistSpec.index` of the value (the one its paths were counted in); the
    position is its fractional place in that bin (0 = lower edge, 1 = upper edge).
    """
    out: dict[int, list[tuple[float, float, int]]] = {}
    for a, c in atoms:
        k = int(spec.index(np.asarray([a], dtype=float))[0])
        if c <= 0 or not 1 <= k <= spec.nb:
            continue
        if spec.log:
            f = (math.log(a) - math.log(spec.lo)) * (spec.nb / math.log(spec.hi / spec.lo))
        else:
            f = (a - spec.lo) * (spec.nb / (spec.hi - spec.lo))
        out.setdefault(k, []).append((min(max(f - (k - 1), 0.0), 1.0), float(a), int(c)))
    for v in out.values():
        v.sort()
    return out


def _pieces(count: float, atoms: list[tuple[float, float, int]]) -> list[_Piece]:
    """A bin's ``count`` values as pieces (:data:`_Piece`): its atoms at their values, the rest
    spread uniformly over the bin (between and around the atoms).
    """
    rest = max(count - sum(c for _, _, c in atoms), 0.0)
    pieces: list[_Piece] = []
    f0 = 0.0
    for pos, value, c in atoms:
        pieces.append((rest * (pos - f0), f0, pos, None))
        pieces.append((float(c), pos, pos, value))
        f0 = pos
    pieces.append((rest * (1.0 - f0), f0, 1.0, None))
    return [p for p in pieces if p[0] > 0]


def _in_bin(spec: HistSpec, k: int, r: float, pieces: list[_Piece]) -> float:
    """The value of rank ``r`` (``0 < r <= `` the bin's count) among the pieces of slot ``k``."""
    cum = 0.0
    for mass, f0, f1, value in pieces:
        if r <= cum + mass:
            if value is not None:
                return value
            return spec.edge(k - 1 + f0 + (r - cum) / mass * (f1 - f0))
        cum += mass
    mass, f0, f1, value = pieces[-1]  # (rounding: r a hair above the count)
    return value if value is not None else spec.edge(k - 1 + f1)


def hist_quantile(
    spec: HistSpec,
    counts: np.ndarray,
    q: float,
    vmin: float,
    vmax: float,
    atoms: AtomCounts = (),
) -> float:
    """The ``q`` quantile from slot counts (linear inside a bin; min/max in the outer slots).

    Parameters
    ----------
    spec, counts
        The bins and their slot counts.
    q
        The probability (0 < q <= 1).
    vmin, vmax
        The exact minimum and maximum (quantiles are clipped to them).
    atoms
        ``(value, count)``: how many of the values equal ``value`` exactly (a point mass such
        as 0 months or a share of 1). A bin holding an atom is read as the atom at its value
        and the bin's other values spread uniformly over the bin.

    Returns
    -------
    float
        The quantile: exactly an atom's value when the rank ``q * n`` falls among its values,
        else within one bin width (``spec.width``) of the true quantile.
    """
    n = int(counts.sum())
    if n == 0:
        return float("nan")
    target = q * n
    cum = np.cumsum(counts)
    k = int(np.searchsorted(cum, target, side="left"))
    k = min(k, len(counts) - 1)
    if k == 0:
        return vmin
    if k == len(counts) - 1:
        return vmax
    below = cum[k - 1]
    here = _atom_slots(spec, atoms).get(k) if atoms else None
    if here and counts[k]:
        return float(
            min(max(_in_bin(spec, k, target - below, _pieces(counts[k], here)), vmin), vmax)
        )
    frac = (target - below) / counts[k] if counts[k] else 0.0
    return float(min(max(spec.edge(k - 1 + frac), vmin), vmax))


def tail_quantile(
    spec: HistSpec,
    counts: np.ndarray,
    q: float,
    vmin: float,
    vmax: float,
    below: np.ndarray,
    above: np.ndarray,
    atoms: AtomCounts = (),
) -> float:
    """:func:`hist_quantile` with the outer slots read from their exact sorted values.

    ``below`` and ``above`` are the values that fell below ``lo`` and at or above ``hi``
    (as many as the outer slots count); a quantile that falls in an outer slot is the order
    statistic there instead of the minimum or maximum. ``atoms`` as in :func:`hist_quantile`.
    """
    n = int(counts.sum())
    if n == 0:
        return float("nan")
    target = q * n
    if below.size and target <= below.size:
        return float(below[max(math.ceil(target) - 1, 0)])
    if above.size and target > n - above.size:
        return float(above[min(max(math.ceil(target - (n - above.size)) - 1, 0), above.size - 1)])
    return hist_quantile(spec, counts, q, vmin, vmax, atoms)


def hist_quantile_rows(
    spec: HistSpec, counts: np.ndarray, q: float, vmin: float, vmax: float
) -> np.ndarray:
    """:func:`hist_quantile` of every row of ``counts`` (months x slots) in one array operation."""
    counts = np.asarray(counts)
    n = counts.sum(axis=1)
    target = q * n
    cum = np.cumsum(counts, axis=1)
    last = counts.shape[1] - 1
    k = np.minimum(np.sum(cum < target[:, None], axis=1), last)  # searchsorted, side left
    rows = np.arange(counts.shape[0])
    below = cum[rows, np.maximum(k - 1, 0)]
    ck = counts[rows, k]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(ck != 0, (target - below) / np.where(ck != 0, ck, 1), 0.0)
    x = np.minimum(np.maximum(spec.edges(k - 1 + frac), vmin), vmax)
    x = np.where(k == 0, vmin, np.where(k == last, vmax, x))
    return np.where(n == 0, np.nan, x).astype(float)


def hist_cvar(
    spec: HistSpec,
    counts: np.ndarray,
    alpha: float,
    worst_high: bool,
    vmin: float,
    vmax: float,
    outside: tuple[np.ndarray, np.ndarray] | None = None,
    atoms: AtomCounts = (),
) -> float:
    """Mean of the worst ``1 - alpha`` share of values (bin mid-points; outer slots at min/max,
    or, with ``outside`` = the sorted exact values below and above the bins, those values).

    ``atoms`` (as in :func:`hist_quantile`) are counted at their exact values, the other values
    of their bins at the mid-points of the parts of the bin below, between and above them. Every
    value is then read within half a bin width (atoms and outside values exactly), and so is the
    tail mean.
    """
    n = int(counts.sum())
    if n == 0:
        return float("nan")
    k_tail = (1 - alpha) * n
    mids = np.concatenate([[vmin], spec.edges(np.arange(spec.nb) + 0.5), [vmax]])
    mids = np.clip(mids, vmin, vmax)
    last = len(counts) - 1
    slots = _atom_slots(spec, atoms) if atoms else {}
    order = range(last, -1, -1) if worst_high else range(len(counts))
    taken, total = 0.0, 0.0
    for i in order:
        c = counts[i]
        if c == 0:
            continue
        use = min(c, k_tail - taken)
        if outside is not None and i in (0, last):
            x = outside[0] if i == 0 else outside[1]
            x = x[::-1] if worst_high else x  # the worst values first
            whole = int(use)
            total += float(np.sum(x[:whole])) + (use - whole) * (x[whole] if use > whole else 0.0)
        elif i in slots:
            total += _pieces_tail(spec, i, _pieces(c, slots[i]), use, worst_high, vmin, vmax)
        else:
            total += use * mids[i]
        taken += use
        if taken >= k_tail:
            break
    return float(total / taken) if taken else float("nan")


def _pieces_tail(
    spec: HistSpec,
    k: int,
    pieces: list[_Piece],
    use: float,
    worst_high: bool,
    vmin: float,
    vmax: float,
) -> float:
    """Sum of the worst ``use`` values of slot ``k`` read from its pieces (:func:`_pieces`):
    atoms at their values, the rest at the mid-points of their parts (clipped to min/max).
    """
    total = 0.0
    for mass, f0, f1, value in reversed(pieces) if worst_high else pieces:
        part = min(mass, use)
        x = value if value is not None else spec.edge(k - 1 + (f0 + f1) / 2)
        total += part * min(max(x, vmin), vmax)
        use -= part
        if use <= 0:
            break
    return total


@dataclass(frozen=True)
class MetricDef:
    """A per-path outcome: histogram bins, unit, which tail is bad, description."""

    name: str
    spec: HistSpec
    unit: str
    worst_high: bool
    description: str


@dataclass(frozen=True)
class BandDef:
    """A per-month variable with fan-chart bands."""

    name: str
    spec: HistSpec
    unit: str
    description: str


class Accumulator:
    """Fixed-memory, exactly mergeable statistics of simulated paths for one option."""

    def __init__(
        self,
        metrics: list[MetricDef],
        bands: list[BandDef],
        events: list[str],
        months: int,
        cover_spec: HistSpec,
    ) -> None:
        """Empty statistics for the given metrics, bands and events over ``months`` months."""
        self.metrics = metrics
        self.bands = bands
        self.events = events
        self.months = months
        self.cover_spec = cover_spec
        self.n = 0
        self.hist = {m.name: np.zeros(m.spec.nb + 2, np.int64) for m in metrics}
        self.sum = {m.name: 0 for m in metrics}
        self.sumsq = {m.name: 0 for m in metrics}
        self.min = {m.name: math.inf for m in metrics}
        self.max = {m.name: -math.inf for m in metrics}
        self.event_count = {e: 0 for e in events}
        self.band_hist = {b.name: np.zeros((months, b.spec.nb + 2), np.int64) for b in bands}
        self.band_sum = {b.name: np.zeros(months, np.int64) for b in bands}
        self.cover = np.zeros((cover_spec.nb + 2, 2), np.int64)
        #: the exact values that fell outside each outcome's bins (below ``lo`` / at or above
        #: ``hi``), kept while there are at most :data:`MAX_OUTSIDE` of them (else ``None``)
        self.outside: dict[str, list[np.ndarray] | None] = {m.name: [] for m in metrics}
        #: how many values of each outcome equal each of its atoms exactly (``spec.atoms``)
        self.atoms = {m.name: np.zeros(len(m.spec.atoms), np.int64) for m in metrics}

    @staticmethod
    def size(
        metrics: list[MetricDef], bands: list[BandDef], months: int, cover_spec: HistSpec
    ) -> int:
        """Bytes of the arrays of an accumulator of these metrics, bands and months (int64
        histograms and per-month sums), without allocating one (the atom counts, at most three
        integers per outcome, are left out).
        """
        slots = sum(m.spec.nb + 2 for m in metrics)
        slots += sum(months * (b.spec.nb + 3) for b in bands)  # histograms and sums per month
        slots += 2 * (cover_spec.nb + 2)
        return 8 * slots

    def add_block(
        self,
        outcomes: dict[str, np.ndarray],
        events: dict[str, np.ndarray],
        bands: dict[str, np.ndarray],
        cover_price: np.ndarray,
        cover_flag: np.ndarray,
    ) -> None:
        """Add one block of paths: per-path outcomes/events, per-month band matrices (months x n)."""
        n = len(next(iter(outcomes.values())))
        self.n += n
        for m in self.metrics:
            x = outcomes[m.name]
            idx = m.spec.index(x)
            self.hist[m.name] += np.bincount(idx, minlength=m.spec.nb + 2)
            self._keep_outside(m.name, x[(idx == 0) | (idx == m.spec.nb + 1)])
            for j, a in enumerate(m.spec.atoms):
                self.atoms[m.name][j] += np.count_nonzero(x == a)
            self.sum[m.name] += int(round(float(np.sum(x)) * FP_SCALAR))
            self.sumsq[m.name] += int(round(float(np.sum(x * x)) * FP_SCALAR))
            self.min[m.name] = min(self.min[m.name], float(x.min()))
            self.max[m.name] = max(self.max[m.name], float(x.max()))
        for e in self.events:
            self.event_count[e] += int(np.count_nonzero(events[e]))
        for b in self.bands:
            if b.name not in bands:
                continue
            X = bands[b.name]
            nb2 = b.spec.nb + 2
            idx = b.spec.index(X) + (np.arange(self.months, dtype=np.int64) * nb2)[:, None]
            self.band_hist[b.name] += np.bincount(idx.ravel(), minlength=self.months * nb2).reshape(
                self.months, nb2
            )
            self.band_sum[b.name] += np.rint(X.sum(axis=1) * FP_ARRAY).astype(np.int64)
        ci = self.cover_spec.index(cover_price) * 2 + cover_flag.astype(np.int64)
        self.cover += np.bincount(ci, minlength=self.cover.size).reshape(self.cover.shape)

    def add_band_slab(
        self, name: str, t0: int, values: np.ndarray, log_values: np.ndarray | None = None
    ) -> None:
        """Add months ``t0 .. t0 + k - 1`` of band ``name`` for a block of paths.

        ``values`` is ``(k, n)``; ``log_values``, if given, holds their logarithms (used for
        log-scale bins instead of recomputing them). Same slots as :meth:`HistSpec.index`
        (up to rounding at bin edges); the per-month sum is rounded to fixed point per call, so
        a block must be added in the same slabs whatever the grouping of blocks (it is).
        """
        spec = next(b.spec for b in self.bands if b.name == name)
        k, n = values.shape
        nb2 = spec.nb + 2
        # fractional slot + 1 in float32 (slot 0 = below lo, nb + 1 = at or above hi); the
        # month's offset in the flattened (k, nb + 2) counts is added as an integer, so that a
        # value just below lo (salary stress 0 against lo = 1e-9) stays in slot 0
        if spec.log:
            lv = np.log(np.maximum(values, 1e-300)) if log_values is None else log_values
            scale = spec.nb / math.log(spec.hi / spec.lo)
            shift = 1.0 - math.log(spec.lo) * scale
        else:
            lv = values
            scale = spec.nb / (spec.hi - spec.lo)
            shift = 1.0 - spec.lo * scale
        f = np.empty((k, n), np.float32)
        np.multiply(lv, scale, out=f, casting="same_kind")
        f += np.float32(shift)
        lo, hi = self._slot_bounds(k, n, spec.nb)
        np.maximum(f, lo, out=f)
        np.minimum(f, hi, out=f)
        idx = f.astype(np.intp)
        idx += (np.arange(k, dtype=np.intp) * nb2)[:, None]
        rows = self.band_hist[name][t0 : t0 + k].reshape(-1)  # a view: rows are contiguous
        np.add.at(rows, idx.reshape(-1), 1)  # (faster than bincount for ~10^4 slots)
        self.band_sum[name][t0 : t0 + k] += np.rint(values.sum(axis=1) * FP_ARRAY).astype(np.int64)

    @staticmethod
    def _slot_bounds(k: int, n: int, nb: int) -> tuple[np.ndarray, np.ndarray]:
        """Arrays of 0 and ``nb + 1`` (float32, ``(k, n)``) to clamp fractional slots.

        numpy's minimum/maximum are much faster with two arrays than with a scalar operand.
        """
        key = (k, n, nb)
        got = _BOUNDS.get(key)
        if got is None:
            got = (np.zeros((k, n), np.float32), np.full((k, n), nb + 1.0, np.float32))
            if len(_BOUNDS) > 16:
                _BOUNDS.clear()
            _BOUNDS[key] = got
        return got

    def _keep_outside(self, name: str, values: np.ndarray | list[np.ndarray] | None) -> None:
        """Add values outside the bins of ``name`` while their total count allows it.

        Whether they are kept depends only on the total count of outside values (the outer
        slots' counts), so it does not depend on how paths were grouped.
        """
        h = self.hist[name]
        kept = self.outside[name]
        if kept is None or values is None or int(h[0] + h[-1]) > MAX_OUTSIDE:
            self.outside[name] = None
            return
        if isinstance(values, list):
            kept.extend(values)
        elif values.size:
            kept.append(np.asarray(values, dtype=float))

    def outside_values(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The sorted exact values below and above the bins of ``name`` (``None``: not kept)."""
        kept = self.outside[name]
        if kept is None:
            return None
        m = next(m for m in self.metrics if m.name == name)
        x = np.sort(np.concatenate(kept)) if kept else np.empty(0)
        below = x[m.spec.index(x) == 0] if x.size else x
        return below, x[below.size :]

    def overflowing(self) -> dict[str, HistSpec]:
        """Bins covering every outcome some of whose paths fell outside its bins.

        A value below ``lo`` or at or above ``hi`` is counted in an outer slot, where a quantile
        or the tail mean can only be read as the minimum or maximum (an option that widens a
        parameter's range beyond what the bins were fixed for piles its values there). For every
        such outcome this gives bins spanning the outcome's exact minimum and maximum
        (:meth:`HistSpec.covering`); both are merged exactly, so the answer does not depend on
        how the paths were grouped.

        Returns
        -------
        dict
            Outcome name -> bins covering all its values (empty: every value is inside).
        """
        out: dict[str, HistSpec] = {}
        for m in self.metrics:
            h = self.hist[m.name]
            lo, hi = self.min[m.name], self.max[m.name]
            if (h[0] == 0 and h[-1] == 0) or self.outside[m.name] is not None:
                continue  # every value inside, or the outside ones kept exactly
            if not (math.isfinite(lo) and math.isfinite(hi)):
                continue
            spec = m.spec.covering(lo, hi)
            if spec != m.spec:
                out[m.name] = spec
        return out

    def adopt(self, other: Accumulator) -> None:
        """Take the bins and counts of ``other``'s outcomes (the same paths binned anew).

        ``other`` must have accumulated the very same paths (same option, seed and blocks) for a
        subset of the outcomes, with other bins: their sums, minimum and maximum are the same.
        """
        if other.n != self.n:
            raise ValueError(f"adopting bins of {other.n} paths into {self.n}")
        specs = {m.name: m for m in other.metrics}
        self.metrics = [specs.get(m.name, m) for m in self.metrics]
        for name in specs:
            self.hist[name] = other.hist[name].copy()
            self.atoms[name] = other.atoms[name].copy()
            self.outside[name] = other.outside[name]

    def merge(self, other: Accumulator) -> None:
        """Add another accumulator's statistics (exact; order does not matter)."""
        self.n += other.n
        for m in self.metrics:
            k = m.name
            self.hist[k] += other.hist[k]
            self.atoms[k] += other.atoms[k]
            self._keep_outside(k, other.outside[k])
            self.sum[k] += other.sum[k]
            self.sumsq[k] += other.sumsq[k]
            self.min[k] = min(self.min[k], other.min[k])
            self.max[k] = max(self.max[k], other.max[k])
        for e in self.events:
            self.event_count[e] += other.event_count[e]
        for b in self.bands:
            self.band_hist[b.name] += other.band_hist[b.name]
            self.band_sum[b.name] += other.band_sum[b.name]
        self.cover += other.cover

    # -- summaries ---------------------------------------------------------------------
    def summary(self, name: str) -> Summary:
        """Mean, standard deviation, quantiles, CVaR95, min and max of one outcome."""
        m = next(m for m in self.metrics if m.name == name)
        n = self.n
        mean = self.sum[name] / FP_SCALAR / n
        var = max(self.sumsq[name] / FP_SCALAR / n - mean * mean, 0.0)
        lo, hi = self.min[name], self.max[name]
        h = self.hist[name]
        out = self.outside_values(name) if h[0] or h[-1] else None
        atoms = list(zip(m.spec.atoms, self.atoms[name].tolist(), strict=True))
        if out is None:
            qs = {
                f"p{int(round(q * 100)):02d}": hist_quantile(m.spec, h, q, lo, hi, atoms)
                for q in QUANTILES
            }
        else:
            qs = {
                f"p{int(round(q * 100)):02d}": tail_quantile(m.spec, h, q, lo, hi, *out, atoms)
                for q in QUANTILES
            }
        return Summary(
            name,
            m.unit,
            m.description,
            mean,
            math.sqrt(var * n / max(n - 1, 1)),
            qs,
            hist_cvar(m.spec, h, 0.95, m.worst_high, lo, hi, out, atoms),
            lo,
            hi,
            m.spec.width,
            m.worst_high,
        )

    def band(self, name: str) -> dict[str, np.ndarray]:
        """Per-month mean and quantiles of a band variable."""
        b = next(b for b in self.bands if b.name == name)
        H = self.band_hist[name]
        out: dict[str, np.ndarray] = {"mean": self.band_sum[name] / FP_ARRAY / self.n}
        lo_edge, hi_edge = b.spec.lo, b.spec.hi
        for q in QUANTILES:
            out[f"p{int(round(q * 100)):02d}"] = hist_quantile_rows(
                b.spec, H[: self.months], q, lo_edge, hi_edge
            )
        return out

    def covering_price(self) -> dict[str, Any]:
        """Emergent payroll-covering price: where P(arrears | average price) crosses one half.

        Paths are binned by their average commodity price over the window; the covering price is
        the highest price bin boundary at which the share of paths with payroll arrears in the
        window falls to 0.5 or below, by linear interpolation between bin centres.
        """
        spec = self.cover_spec
        c = self.cover
        tot = c.sum(axis=1)
        centers, probs = [], []
        for i in range(1, spec.nb + 1):
            if tot[i] >= 50:
                centers.append(spec.edge(i - 0.5))
                probs.append(c[i, 1] / tot[i])
        price = float("nan")
        for j in range(len(probs) - 1, 0, -1):
            if probs[j] <= 0.5 < probs[j - 1]:
                w = (0.5 - probs[j]) / (probs[j - 1] - probs[j])
                price = float(
                    math.exp(
                        math.log(centers[j]) + w * (math.log(centers[j - 1]) - math.log(centers[j]))
                    )
                )
                break
        return {"price": price, "bin_centres": centers, "arrears_probability": probs}


@dataclass(frozen=True)
class Summary:
    """Distribution summary of one outcome over paths."""

    name: str
    unit: str
    description: str
    mean: float
    sd: float
    quantiles: dict[str, float]
    cvar95: float
    min: float
    max: float
    bin_width: float
    worst_high: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {
            "unit": self.unit,
            "description": self.description,
            "mean": self.mean,
            "sd": self.sd,
            **self.quantiles,
            "cvar95": self.cvar95,
            "min": self.min,
            "max": self.max,
            "bin_width": self.bin_width,
            "cvar_tail": "high" if self.worst_high else "low",
        }


@dataclass(frozen=True)
class OptionResult:
    """The simulated consequences of one option."""

    option: str
    paths: int
    metrics: dict[str, Summary]
    probabilities: dict[str, float]
    bands: dict[str, dict[str, np.ndarray]]
    breakeven: Summary | None = None
    covering_price: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (the breakeven and covering price only for a world with a
        budget that reports them).
        """
        out: dict[str, Any] = {
            "option": self.option,
            "paths": self.paths,
            "metrics": {k: v.to_dict() for k, v in self.metrics.items()},
            "probabilities": dict(self.probabilities),
        }
        if self.breakeven is not None:
            out["payroll_breakeven"] = self.breakeven.to_dict()
        if self.covering_price is not None:
            out["payroll_covering_price_simulated"] = {
                "price": num(self.covering_price["price"]),
                "bin_centres": self.covering_price["bin_centres"],
                "arrears_probability": self.covering_price["arrears_probability"],
            }
        out["bands"] = {
            k: {s: [num(x) for x in v] for s, v in b.items()} for k, b in self.bands.items()
        }
        return out


@dataclass(frozen=True)
class Ensemble:
    """The world model's results for a scenario: one OptionResult per simulated option."""

    scenario: str
    seed: int
    paths: int
    horizon: int
    start_month: str
    months: list[str]
    results: dict[str, OptionResult]
    calibrations: dict[str, Any] = field(default_factory=dict)
    reference_payroll_price: float | None = None
    band_units: dict[str, str] = field(default_factory=dict)
    declared: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def price_model(self) -> dict[str, Any]:
        """The calibration of the first price component (chosen model, last price), or {}."""
        return next((c for c in self.calibrations.values() if "last_price" in c), {})

    @property
    def oil(self) -> dict[str, Any]:
        """Deprecated name of :attr:`price_model` (kept for code written against it)."""
        return self.price_model

    @property
    def attacks(self) -> dict[str, Any]:
        """The calibration of the first event-count component (as-of rate, trend), or {}."""
        return next((c for c in self.calibrations.values() if "rate" in c), {})

    def label(self, name: str, lang: str = "en") -> str:
        """The declared label of an outcome, event or band in language ``lang``."""
        d = self.declared.get(name)
        if d is None:
            return name.replace("_", " ")
        return str(d["labels"].get(lang) or d["labels"].get("en") or name)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data of the whole ensemble.

        Keys that apply only to some worlds are there only when they apply:
        ``reference_payroll_price`` (a budget that declares a source's covering price),
        ``price_model`` (a price component's chosen model; the key was ``oil_model`` before,
        :func:`read_ensemble_dict` reads both) and ``attack_calibration`` (an event-count
        component's calibration). Every component's calibration is under ``calibrations``.
        """
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "seed": self.seed,
            "paths": self.paths,
            "horizon": self.horizon,
            "start_month": self.start_month,
            "months": self.months,
        }
        if self.reference_payroll_price is not None:
            out["reference_payroll_price"] = self.reference_payroll_price
        if self.price_model:
            out["price_model"] = to_jsonable(self.price_model)
        if self.attacks:
            out["attack_calibration"] = to_jsonable(self.attacks)
        out.update(
            {
                "calibrations": to_jsonable(self.calibrations),
                "declared": self.declared,
                "band_units": self.band_units,
                "options": {k: v.to_dict() for k, v in self.results.items()},
            }
        )
        return out

    def _repr_html_(self) -> str:
        rows = [
            [oid, *(r.probabilities.get(e) for e in list(r.probabilities)[:4])]
            for oid, r in self.results.items()
        ]
        events = list(next(iter(self.results.values())).probabilities)[:4] if self.results else []
        return html_table(
            f"World ensemble of {self.scenario}: {self.paths:,} paths x {self.horizon} months, "
            f"seed {self.seed}",
            ["option", *(f"P({e})" for e in events)],
            rows,
        )

    def risk_table(self) -> list[dict[str, Any]]:
        """One row per option: ``p_EVENT`` for every event; ``OUTCOME_mean``, ``_median`` and
        ``_cvar95`` for every outcome; ``payroll_breakeven_median`` where a budget reports it.
        """
        rows = []
        for oid, r in self.results.items():
            row: dict[str, Any] = {"option": oid}
            for e, p in r.probabilities.items():
                row[f"p_{e}"] = p
            for k, m in r.metrics.items():
                row[f"{k}_mean"] = m.mean
                row[f"{k}_median"] = m.quantiles["p50"]
                row[f"{k}_cvar95"] = m.cvar95
            if r.breakeven is not None:
                row["payroll_breakeven_median"] = r.breakeven.quantiles["p50"]
            rows.append(row)
        return rows

    def to_frame(self) -> Any:  # noqa: ANN401
        """A long pandas DataFrame: option, kind, variable, month, stat, value, unit.

        ``unit`` is the variable's unit as the scenario declares it (``probability`` for
        events; a kind's generic unit, such as ``money bn``, where the scenario declares none).
        """
        import pandas as pd

        rows: list[tuple[str, str, str, str | None, str, float | None]] = []
        units: dict[str, str] = dict(self.band_units)
        for r in self.results.values():
            units.update({k: s.unit for k, s in r.metrics.items()})
            if r.breakeven is not None:
                units["payroll_breakeven"] = r.breakeven.unit
                units["payroll_covering_price_simulated"] = r.breakeven.unit
        for oid, r in self.results.items():
            for k, s in r.metrics.items():
                for stat, v in s.to_dict().items():
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        rows.append((oid, "metric", k, None, stat, num(v)))
            if r.breakeven is not None:
                for stat, v in r.breakeven.to_dict().items():
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        rows.append((oid, "metric", "payroll_breakeven", None, stat, num(v)))
            if r.covering_price is not None:
                rows.append(
                    (
                        oid,
                        "metric",
                        "payroll_covering_price_simulated",
                        None,
                        "value",
                        num(r.covering_price["price"]),
                    )
                )
            for k, p in r.probabilities.items():
                rows.append((oid, "probability", k, None, "p", float(p)))
            for k, b in r.bands.items():
                for stat, arr in b.items():
                    for t, v in enumerate(arr):
                        rows.append((oid, "band", k, self.months[t], stat, num(v)))
        df = pd.DataFrame(rows, columns=["option", "kind", "variable", "month", "stat", "value"])
        unit = [
            "probability" if k == "probability" else units.get(v, "")
            for k, v in zip(df["kind"], df["variable"], strict=True)
        ]
        return df.assign(unit=unit)

    def to_parquet(self, path: str | Path) -> Path:
        """Write :meth:`to_frame` to a Parquet file (with the scenario, seed and paths as metadata)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(self.to_frame(), preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"melian.world"] = (
            f'{{"scenario": "{self.scenario}", "seed": {self.seed}, '
            f'"paths": {self.paths}, "horizon": {self.horizon}}}'
        ).encode()
        table = table.replace_schema_metadata(meta)
        p = Path(path)
        pq.write_table(table, p)
        return p


#: Keys of :meth:`Ensemble.to_dict` renamed since runs were first stored: old -> new.
RENAMED_KEYS = {"oil_model": "price_model"}


def read_ensemble_dict(data: dict[str, Any]) -> dict[str, Any]:
    """Stored :meth:`Ensemble.to_dict` data in today's keys, whenever it was written.

    A run stored before the keys were renamed has ``oil_model`` (now ``price_model``) and
    carries ``reference_payroll_price: None``, ``oil_model: {}`` and ``attack_calibration: {}``
    where they do not apply (now left out). The old keys are read as the new ones and the empty
    entries dropped; today's data comes back unchanged (a copy).

    Parameters
    ----------
    data
        ``to_dict()`` data of an ensemble, old or new.

    Returns
    -------
    dict
        The same data with today's keys.
    """
    out = dict(data)
    for old, new in RENAMED_KEYS.items():
        if old in out:
            value = out.pop(old)
            out.setdefault(new, value)
    for key in ("reference_payroll_price", "price_model", "attack_calibration"):
        if key in out and out[key] in (None, {}):
            del out[key]
    return out
