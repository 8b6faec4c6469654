"""Monte Carlo error of an ensemble's robustness figures, and paths per future chosen from it.

An ensemble of ``n`` sampled futures (experiments) is run for every option with ``m`` paths per
future. Two errors blur the figures that say how often the recommended option is best:

* **the futures** (the effect of the inputs, measured with ``n`` samples): the binomial standard
  error ``sqrt(p (1 - p) / n)`` of a share ``p`` (conservative for a Latin hypercube);
* **the paths** (Monte Carlo noise inside each future): every option and every future use the
  same random numbers for path ``j`` (common random numbers, :mod:`melian.world.engine`), so the
  path noise is shared across futures and options rather than independent. Its effect on any
  figure is estimated by the bootstrap over path indices, resampling the same paths in every
  future and option (Efron and Tibshirani 1993, *An Introduction to the Bootstrap*, ch. 6; the
  paired design of Law 2015, *Simulation Modeling and Analysis*, section 11.2).

**Paths per future from the standard error** (:func:`adaptive_ensemble`): run a first batch of
``m`` paths, then further batches of independent paths (new seeds) so that the total doubles,
until the paths' standard error of the mean utility difference between the two best options is
at most ``rel_tol`` of that difference (default a third: the difference is resolved at three
standard errors) and the paths' standard error of the share of futures in
which the recommended option is not best is at most ``share_tol``, or ``max_paths`` is reached.
More paths cannot sharpen a figure whose error comes from the futures: each criterion is also met
when the paths' standard error is at most :data:`BALANCE` (a half) of the futures' standard error
of the same figure (the spread of the per-future differences over ``sqrt(n)``; the binomial error
of the share), since the total error, their root sum of squares, is then within 12% of the
futures' part alone. This is the balance of the inner and outer sample of nested Monte Carlo
(Lee & Glynn 2003, "Computing the distribution function of a conditional expectation via Monte
Carlo", ACM TOMACS 13; Gordy & Juneja 2010, "Nested simulation in portfolio risk measurement",
Management Science 56): when the top two options are tied within the futures' error, the
doubling stops there instead of running to ``max_paths`` (``stop`` says which rule stopped it).
Batches are pooled (a batch's seed depends only on the seed and its index), so the result does
not depend on the chunk size or the number of workers.

**Paths only where a future's label is uncertain** (``allocate``): once the difference is
resolved, a further batch goes only to the futures whose ranking of the recommendation their
own paths do not resolve at :data:`RESOLVED_Z` standard errors (:func:`unresolved`; nested
sequential simulation, Broadie, Du & Moallemi 2011, Management Science 57(6)). Futures then have
different numbers of paths; their error is measured by a bootstrap stratified by batch
(:func:`measure`). In those futures a batch runs only the options still in contention
(``eliminate``, :func:`contenders`): the recommendation and the options it does not yet lead by
:data:`RESOLVED_Z` standard errors (the elimination of a fully sequential ranking procedure,
Kim & Nelson 2001, ACM TOMACS 11(3)); an option's means where it ran fewer paths are
estimated through the recommendation's (the difference estimator, :func:`_through_ref`; for an
event probability the estimator post-stratified on the recommendation's event, which stays in
[0, 1]: :func:`_through_ref_probability`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from melian.explore.model import PATHS_PREFIX, UTILITY, ExploratoryModel, with_utility
from melian.explore.parallel import Evaluator, Progress, Results, chunk_rows

#: Bootstrap replicates over path indices.
BOOTSTRAP = 200
#: Default stopping rule: relative standard error of the top-vs-second utility difference, and
#: absolute standard error (from the paths) of the share of futures where the recommendation is
#: not best; cap on paths per future.
REL_TOL = 1 / 3
SHARE_TOL = 0.01
MAX_PATHS = 256
#: The paths' standard error of a figure need not fall below this share of its futures' one.
BALANCE = 0.5
#: A future's ranking of the recommendation counts as resolved by its paths at this many
#: standard errors (:func:`unresolved`): it gets no further batch of paths.
RESOLVED_Z = 3.0
#: One run of a batch of paths: the batch's index, the futures (rows) it ran, their results.
Part = tuple[int, np.ndarray, Results]
#: Prefix of an option's share of paths on which both its event and the recommendation's happen
#: (``BOTH_PREFIX + p_<event>``, per future; :func:`with_joint_shares`).
BOTH_PREFIX = "both:"


@dataclass
class MonteCarloError:
    """Standard errors of an ensemble's robustness figures, and the paths they were reached with.

    ``share_not_best`` is the share of futures in which the recommended option is not best;
    ``share_se_futures`` its binomial standard error from the number of futures,
    ``share_se_paths`` from the paths (bootstrap over path indices), ``share_se`` both combined
    (root sum of squares). ``best_share`` and ``best_share_se`` give the same for the share of
    futures in which each option is best. ``difference`` is the ensemble-mean utility of the top
    option minus that of the second (``top``, ``second`` by mean utility) and ``difference_se``
    its standard error from the paths. ``converged`` is False when ``max_paths`` stopped the
    doubling before the tolerances were met. ``difference_se_futures`` is the futures' standard
    error of ``difference``; ``stop`` says why the paths stopped doubling: ``"resolved"`` (the
    tolerances met), ``"futures"`` (the paths' error at most :data:`BALANCE` of the futures',
    so more paths would not sharpen the figures), ``"max_paths"`` or ``"fixed"`` (not adaptive,
    or no paths to adapt).
    """

    futures: int
    paths: int | None
    batches: list[int]
    top: str
    second: str | None
    difference: float
    difference_se: float | None
    share_not_best: float
    share_se_futures: float
    share_se_paths: float | None
    share_se: float
    best_share: dict[str, float]
    best_share_se: dict[str, float]
    converged: bool
    settings: dict[str, Any] = field(default_factory=dict)
    #: Exact (Clopper-Pearson) one-sided 95% upper bound of ``share_not_best`` from the futures
    #: (about ``3 / futures`` when no future flips, where the binomial standard error is 0).
    share_upper_95: float = 1.0
    difference_se_futures: float | None = None
    stop: str = "fixed"
    #: Paths per future -> how many futures have that many (one entry unless the paths were
    #: allocated per future: :func:`adaptive_ensemble`); ``paths`` is the largest.
    paths_by_future: dict[int, int] = field(default_factory=dict)
    #: Mean paths per future of each option (the recommendation's are ``paths_by_future``'s;
    #: fewer for an option a future stopped running once the recommendation led it: the
    #: ``eliminate`` rule of :func:`adaptive_ensemble`).
    paths_by_option: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "futures": self.futures,
            "paths_per_future": self.paths,
            "batches": list(self.batches),
            "top": self.top,
            "second": self.second,
            "difference": self.difference,
            "difference_se": self.difference_se,
            "difference_se_futures": self.difference_se_futures,
            "share_not_best": self.share_not_best,
            "share_se_futures": self.share_se_futures,
            "share_se_paths": self.share_se_paths,
            "share_se": self.share_se,
            "best_share": dict(self.best_share),
            "best_share_se": dict(self.best_share_se),
            "share_upper_95": self.share_upper_95,
            "converged": self.converged,
            "stop": self.stop,
            "paths_by_future": {str(k): v for k, v in self.paths_by_future.items()},
            "paths_by_option": dict(self.paths_by_option),
            "settings": dict(self.settings),
        }


def batch_seed(seed: int, b: int) -> int:
    """Seed of batch ``b`` of paths (batch 0 uses ``seed`` itself)."""
    if b == 0:
        return int(seed)
    ss = np.random.SeedSequence(int(seed), spawn_key=(0x4D43, b))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def _weighted(model: ExploratoryModel) -> dict[str, float]:
    w = {k: float(v) for k, v in model.weights.items() if v > 0}
    total = sum(w.values())
    return {k: v / total for k, v in w.items()} if total > 0 else {}


def path_utilities(
    model: ExploratoryModel, results: Mapping[str, Mapping[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Per-path utility ``(n, paths)`` of every option, normalised as
    :func:`melian.explore.model.utility` normalises the per-future means (the utility is linear
    in the outcomes, so the mean over paths of these is that utility).
    """
    w = _weighted(model)
    first = next(iter(w))
    shape = np.asarray(results[model.options[0]][PATHS_PREFIX + first]).shape
    out = {o: np.zeros(shape) for o in model.options}
    for c, wc in w.items():
        allv = np.concatenate([results[o][c] for o in model.options])
        lo, hi = float(np.nanmin(allv)), float(np.nanmax(allv))
        span = hi - lo
        if span <= 0:
            continue
        for o in model.options:
            y = results[o][PATHS_PREFIX + c]
            out[o] = out[o] + wc * (
                (y - lo) / span if model.outcomes[c] == "max" else (hi - y) / span
            )
    return out


def _best(y: np.ndarray, r: int, tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """Best option index per future (rows of ``y``: options) and whether ``r`` is among the best
    (ties in the recommendation's favour, as :func:`melian.explore.discovery.best_option`).
    """
    top = y.max(axis=0)
    rec_ok = y[r] >= top - tol * np.maximum(1.0, np.abs(top))
    best = np.where(rec_ok, r, np.argmax(y, axis=0))
    return best, rec_ok


def measure(
    model: ExploratoryModel,
    results: Mapping[str, Mapping[str, np.ndarray]],
    seed: int,
    *,
    batches: Sequence[int] = (),
    bootstrap: int = BOOTSTRAP,
    outcome: str = UTILITY,
) -> MonteCarloError:
    """The Monte Carlo error of an ensemble's ranking on ``outcome`` (the utility by default;
    see the module docstring).

    ``results`` carry ``outcome`` for every option (:func:`with_utility` for the utility) and,
    for the path part, the per-path outcomes (``PATHS_PREFIX + name``: every weighted outcome
    for the utility); without them only the futures' error is given (``share_se_paths`` None: a
    deterministic model, or one that gives no paths).
    """
    opts = list(model.options)
    r = opts.index(model.recommended)
    sign = 1.0 if outcome == UTILITY or model.outcomes.get(outcome) != "min" else -1.0
    y = np.stack([sign * np.asarray(results[o][outcome], dtype=float) for o in opts])
    n = y.shape[1]
    best, rec_ok = _best(y, r)
    p = float(1 - rec_ok.mean())
    shares = {o: float(np.mean(best == i)) for i, o in enumerate(opts)}
    se_f = float(np.sqrt(p * (1 - p) / n))
    se_f_best = {o: float(np.sqrt(v * (1 - v) / n)) for o, v in shares.items()}
    means = y.mean(axis=1)
    order = np.argsort(-means, kind="stable")
    top = int(order[0])
    second = int(order[1]) if len(opts) > 1 else None
    diff = float(means[top] - means[second]) if second is not None else 0.0
    se_d_f = (
        float(np.std(y[top] - y[second], ddof=1) / np.sqrt(n))
        if second is not None and n > 1
        else None
    )
    U = _path_values(model, results, outcome)
    se_d: float | None = None
    se_p: float | None = None
    se_best_p: dict[str, float] = {o: 0.0 for o in opts}
    m_total: int | None = None
    paths_of: np.ndarray | None = None
    by_option: dict[str, float] = {}
    if U is not None:
        m_total = int(U[opts[0]].shape[1])
        given = {o: (~np.isnan(U[o])).sum(axis=1) for o in opts}  # paths per future
        ragged = any(bool((g < m_total).any()) for g in given.values())
        if second is not None and m_total > 1 and not ragged:
            a = (U[opts[top]] - U[opts[second]]).mean(axis=0)  # per path, over futures
            se_d = float(a.std(ddof=1) / np.sqrt(m_total))
        if m_total > 1:
            rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(0xB0075,)))
            if ragged:  # futures with fewer paths than others (:func:`adaptive_ensemble`)
                paths_of = given[opts[r]]
                by_option = {o: float(g.mean()) for o, g in given.items()}
                yb = _stratified_bootstrap(U, opts, batches, rng, bootstrap, r, given)
                if second is not None:
                    se_d = float((yb[top].mean(axis=0) - yb[second].mean(axis=0)).std(ddof=1))
            else:
                W = rng.multinomial(m_total, np.full(m_total, 1.0 / m_total), size=bootstrap).T
                Wn = W / m_total  # (paths, B)
                yb = np.stack([U[o] @ Wn for o in opts])  # (options, n, B)
            top_b = yb.max(axis=0)
            ok_b = yb[r] >= top_b - 1e-9 * np.maximum(1.0, np.abs(top_b))
            best_b = np.where(ok_b, r, np.argmax(yb, axis=0))
            se_p = float((1 - ok_b.mean(axis=0)).std(ddof=1))
            se_best_p = {
                o: float((best_b == i).mean(axis=0).std(ddof=1)) for i, o in enumerate(opts)
            }
    se = float(np.hypot(se_f, se_p or 0.0))
    from scipy.stats import beta as beta_dist  # scipy.stats is slow to import: on first use

    k_not = int(round(p * n))
    upper = 1.0 if k_not >= n else float(beta_dist.ppf(0.95, k_not + 1, n - k_not))
    return MonteCarloError(
        futures=n,
        paths=m_total,
        batches=list(batches),
        top=opts[top],
        second=opts[second] if second is not None else None,
        difference=diff,
        difference_se=se_d,
        share_not_best=p,
        share_se_futures=se_f,
        share_se_paths=se_p,
        share_se=se,
        best_share=shares,
        best_share_se={o: float(np.hypot(se_f_best[o], se_best_p[o])) for o in opts},
        converged=True,
        share_upper_95=upper,
        difference_se_futures=se_d_f,
        paths_by_future=_tally(paths_of, m_total, n),
        paths_by_option=by_option or ({o: float(m_total) for o in opts} if m_total else {}),
    )


def _path_values(
    model: ExploratoryModel, results: Mapping[str, Mapping[str, np.ndarray]], outcome: str
) -> dict[str, np.ndarray] | None:
    """Per-path values ``(n, paths)`` of ``outcome`` for every option, larger is better (the
    utility of :func:`path_utilities`; an outcome to minimise negated), ``NaN`` for the paths a
    future was not given; ``None`` when ``results`` carry no per-path outputs.
    """
    opts = list(model.options)
    w = _weighted(model) if outcome == UTILITY else {outcome: 1.0}
    if not w or not all(PATHS_PREFIX + c in results[opts[0]] for c in w):
        return None
    if outcome == UTILITY:
        return path_utilities(model, results)
    sign = -1.0 if model.outcomes.get(outcome) == "min" else 1.0
    return {o: sign * np.asarray(results[o][PATHS_PREFIX + outcome], dtype=float) for o in opts}


def _stratified_bootstrap(
    U: Mapping[str, np.ndarray],
    opts: Sequence[str],
    batches: Sequence[int],
    rng: np.random.Generator,
    bootstrap: int,
    ref: int | None = None,
    given: Mapping[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Bootstrap means ``(options, n, B)`` of futures given different batches of paths.

    The batches are independent streams (:func:`batch_seed`) and a future has every path of
    each batch it was given, so the paths are resampled within each batch (the stratified
    bootstrap, Davison and Hinkley 1997, *Bootstrap Methods and their Application*, section
    3.7), the same indices in every future and option (common random numbers): each future's
    resample has exactly its own number of paths, from the batches it was given. Without the
    batches (``batches`` not summing to the paths), the paths are resampled together and each
    future's mean is weighted by its own paths' resampled counts. An option given fewer paths
    than option ``ref`` (the recommendation) in a future is resampled as :func:`_pool` estimates
    it: ``ref``'s resampled mean plus the resampled mean of their per-path difference over its
    own paths. ``given``: each option's paths per future, if the caller has counted them.
    """
    m_all = U[opts[0]].shape[1]
    sizes = list(batches) if sum(batches) == m_all else [m_all]
    W = np.vstack([rng.multinomial(m, np.full(m, 1.0 / m), size=bootstrap).T for m in sizes])

    def resampled(x: np.ndarray) -> np.ndarray:  # each future's mean over its own resample
        given = np.maximum((~np.isnan(x)).astype(float) @ W, 1.0)  # (n, B)
        return (np.nan_to_num(x, nan=0.0) @ W) / given

    out = [resampled(U[o]) for o in opts]
    if ref is not None:
        have = given if given is not None else {o: (~np.isnan(U[o])).sum(axis=1) for o in opts}
        for i, o in enumerate(opts):
            fewer = have[o] < have[opts[ref]]
            if i != ref and fewer.any():
                via = out[ref] + resampled(U[o] - U[opts[ref]])
                out[i] = np.where(fewer[:, None], via, out[i])
    return np.stack(out)


def _tally(paths_of: np.ndarray | None, m_total: int | None, n: int) -> dict[int, int]:
    """How many futures have each number of paths (every future ``m_total`` when uniform)."""
    if paths_of is None:
        return {} if m_total is None else {int(m_total): int(n)}
    values, counts = np.unique(paths_of, return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts, strict=True)}


def _pool(
    parts: list[Part],
    sizes: list[int],
    n: int,
    ref: str | None = None,
    probabilities: Sequence[str] = (),
) -> Results:
    """Pool batches of paths: means weighted by paths, per-path arrays side by side.

    ``parts``: per batch and group of futures, the batch's index, the futures it ran (row
    indices of the ``n``) and their results, for the options the group ran (every option in
    the first batch). An option a batch did not run in a future has ``NaN`` for that batch's
    paths there, and its means in that future are those of the batches it ran; where it ran
    fewer paths than option ``ref`` (the recommendation, which runs in every batch a future
    gets), its means are estimated through ``ref``'s (:func:`_through_ref`; the outcomes named
    in ``probabilities`` with :func:`_through_ref_probability`, from the shares
    :func:`with_joint_shares` added to the parts).
    """
    options = list(parts[0][2])
    whole = len(parts) == len(sizes) and all(
        r.size == n and len(p) == len(options) for _, r, p in parts
    )
    if whole:  # every future and option every batch: plain pooled means
        tot = float(sum(sizes))
        res = [p for _, _, p in parts]
        return {
            o: {
                k: np.concatenate([p[o][k] for p in res], axis=1)
                if k.startswith(PATHS_PREFIX)
                else sum(p[o][k] * (m / tot) for p, m in zip(res, sizes, strict=True))
                for k in d
            }
            for o, d in res[0].items()
        }
    start = np.cumsum([0, *sizes])
    out: Results = {}
    have: dict[str, np.ndarray] = {}
    for o in options:
        mine = [(b, r, p[o]) for b, r, p in parts if o in p]
        have[o] = np.zeros(n)
        for b, r, _ in mine:
            have[o][r] += sizes[b]
        d: dict[str, np.ndarray] = {}
        for k in parts[0][2][o]:
            if k.startswith(PATHS_PREFIX):
                x = np.full((n, int(start[-1])), np.nan)
                for b, r, q in mine:
                    x[r, start[b] : start[b + 1]] = q[k]
            else:
                x = np.zeros(n)
                for b, r, q in mine:
                    x[r] += q[k] * sizes[b]
                x = x / have[o]
            d[k] = x
        out[o] = d
    if ref is not None:
        _through_ref(out, parts, sizes, have, ref, probabilities)
    return out


def _through_ref(
    pooled: Results,
    parts: list[Part],
    sizes: list[int],
    have: Mapping[str, np.ndarray],
    ref: str,
    probabilities: Sequence[str] = (),
) -> None:
    """Each option's means where it ran fewer paths than ``ref`` in a future, estimated through
    ``ref``: ``mean_ref + mean(option - ref)``, the difference averaged over the option's own
    paths (the batches it ran, in each of which ``ref`` ran the same paths beside it). This is
    the difference estimator of two-phase sampling (Cochran 1977, *Sampling Techniques*, 3rd
    ed., section 12.7), a control variate of coefficient one (Law 2015, *Simulation Modeling
    and Analysis*, section 11.4): unbiased, and it keeps the pairing of common random numbers,
    the option's difference to ``ref`` coming from the paths both ran and its level moving with
    ``ref``'s over the paths only ``ref`` ran. Without it an option stopped at 32 paths would
    carry the common noise of those 32 paths against the recommendation's 256 in every figure
    that compares them (regret, best option per outcome).

    The difference estimator does not respect a range: for an event probability it gave values
    above 1 (``ref``'s event on all its 256 paths and the option's on all of its 64, ``ref``'s
    missed on one of those 64: ``1 + 1/64``) and below 0. The outcomes named in
    ``probabilities`` are estimated instead by :func:`_through_ref_probability`, in [0, 1] by
    construction. ``pooled`` is changed in place.
    """
    r = pooled[ref]
    probs = set(probabilities)
    for o, d in pooled.items():
        fewer = have[o] < have[ref]
        if o == ref or not fewer.any():
            continue
        for k in list(d):
            if k.startswith((PATHS_PREFIX, BOTH_PREFIX)) or k not in r:
                continue
            diff = np.zeros(len(fewer))
            ref_own = np.zeros(len(fewer))  # ref's sum over the option's paths
            for b, rows, p in parts:
                if o in p and ref in p:
                    diff[rows] += (p[o][k] - p[ref][k]) * sizes[b]
                    ref_own[rows] += p[ref][k] * sizes[b]
            with np.errstate(invalid="ignore", divide="ignore"):
                if k in probs:
                    est = _through_ref_probability(
                        r[k], d[k], ref_own / have[o], d.get(BOTH_PREFIX + k), have[o]
                    )
                else:
                    est = r[k] + diff / have[o]
            d[k] = np.where(fewer, est, d[k])


def _through_ref_probability(
    p_ref: np.ndarray,
    own: np.ndarray,
    ref_same: np.ndarray,
    both: np.ndarray | None,
    paths: np.ndarray,
) -> np.ndarray:
    """An option's event probability per future through the recommendation's, in [0, 1].

    Double sampling for stratification (Cochran 1977, *Sampling Techniques*, 3rd ed., section
    12.2; Rao 1973, "On double sampling for stratification and analytical surveys", Biometrika
    60(1)): the recommendation's event splits the paths into two strata, its share ``p_ref`` of
    paths with the event is measured on all its paths (the first phase), and the option's event
    rate within each stratum on the paths both ran (the second phase): ``p_ref q1 + (1 - p_ref)
    q0`` with ``q1`` (``q0``) the share of those paths with the option's event among those with
    (without) the recommendation's. With a binary auxiliary variable this is the regression
    estimator of two-phase sampling (Cochran, chapter 12) with the slope estimated, ``q1 -
    q0``, where the difference estimator of :func:`_through_ref` fixes it at 1; and the
    difference estimator's ``p_ref + P(option, not ref) - P(ref, not option)`` with the two
    discordant rates read per stratum. A convex combination of two shares in [0, 1] with a
    weight in [0, 1] lies in [0, 1] (so does its floating-point value: ``q1``, ``q0`` are
    ratios of counts at most 1). It keeps the pairing of common random numbers as the
    difference estimator does. Where the option's paths hold one stratum only, its rate is
    that of the difference estimator's slope one within what a probability allows: ``q1 = 1``
    (the option's event on every path with the recommendation's) without such paths, ``q0 =
    0`` without paths free of the recommendation's event. With events that move together
    under common random numbers (one event's paths within the other's), the rate so set is the
    true one where the stratum held shows which way the nesting goes (``q0 > 0``: the option's
    event holds the recommendation's, ``q1 = 1``; ``q1 < 1``: it lies within it, ``q0 = 0``),
    and the estimate equals the difference estimator's where it does not. Collapsing the
    strata (the option's own share) would lose the pairing there: measured on a built-in
    scenario's quick ensemble it moved the best-option shares by more than their standard
    errors. A value in range has its price near 0 and 1: unbiased estimators of a probability
    near 1 from 16 paths need values above 1 on some draws. Simulated (200,000 draws of paired
    paths), the mean of this estimator is within 0.001 of the probability for nested events of
    probabilities 0.05 to 0.9, within 0.006 for independent events, and 0.013 below it for
    0.99 with the recommendation's at 0.95 (16 of 64 paths; 0.007 with 32 of 256), with a
    standard deviation within 0.1% of the difference estimator's for a rare event and up to
    40% smaller near 0 and 1. On a built-in scenario's regret ensemble (1,000 futures), against
    the same futures run with every option on every path, its mean absolute error was 0.032
    where the difference estimator's was 0.039 (docs/models/explore-decide.md).

    Parameters
    ----------
    p_ref : numpy.ndarray
        The recommendation's event probability per future, over all its paths.
    own : numpy.ndarray
        The option's event probability per future over its own paths.
    ref_same : numpy.ndarray
        The recommendation's event probability over the option's paths (the same paths).
    both : numpy.ndarray or None
        The share of the option's paths on which both events happen (``None``: not measured,
        the option's own share is returned).
    paths : numpy.ndarray
        The option's paths per future.

    Returns
    -------
    numpy.ndarray
        The estimated probability per future, in [0, 1].
    """
    if both is None:
        return np.asarray(own, dtype=float)
    m = np.asarray(paths, dtype=float)
    # counts of paths (the shares are means of 0/1 indicators over the option's m paths)
    n1 = np.rint(ref_same * m)
    n0 = m - n1
    n11 = np.rint(both * m)
    n01 = np.rint(own * m) - n11
    # a stratum the option's paths do not hold: the slope one of the difference estimator,
    # within what a probability allows (q1 = 1: the option's event with every one of the
    # recommendation's; q0 = 0: never without it)
    q1 = np.where(n1 > 0, n11 / np.where(n1 > 0, n1, 1.0), 1.0)
    q0 = np.where(n0 > 0, n01 / np.where(n0 > 0, n0, 1.0), 0.0)
    return p_ref * q1 + (1.0 - p_ref) * q0


def with_joint_shares(
    results: Results, ref: str, probabilities: Sequence[str], drop: Sequence[str] = ()
) -> Results:
    """``results`` of one batch with, for every option other than ``ref`` and every event
    probability of ``probabilities`` given per path, the share of paths on which both its event
    and ``ref``'s happen (``BOTH_PREFIX + name``; ``NaN`` where ``ref`` did not run), which
    :func:`_through_ref_probability` reads; the per-path arrays of the outcomes in ``drop`` are
    then removed (kept only for this). ``results`` is changed in place and returned.
    """
    if ref in results:
        rr = results[ref]
        for name in probabilities:
            key = PATHS_PREFIX + name
            if key not in rr:
                continue
            x = np.asarray(rr[key], dtype=float)
            for o, d in results.items():
                if o != ref and key in d:
                    d[BOTH_PREFIX + name] = (np.asarray(d[key], dtype=float) * x).mean(axis=1)
    else:
        for d in results.values():
            for name in probabilities:
                key = PATHS_PREFIX + name
                if key in d:
                    d[BOTH_PREFIX + name] = np.full(np.asarray(d[key]).shape[0], np.nan)
    for d in results.values():
        for name in drop:
            d.pop(PATHS_PREFIX + name, None)
    return results


def _t_stats(
    model: ExploratoryModel, results: Mapping[str, Mapping[str, np.ndarray]], outcome: str
) -> tuple[list[str], np.ndarray] | None:
    """Per future, the t-statistic of the per-path difference between the recommendation and
    each other option (over the paths both were given): the other options and an array
    ``(others, n)``, positive where the recommendation leads, infinite without path noise;
    ``None`` when ``results`` carry no per-path outputs.
    """
    U = _path_values(model, results, outcome)
    if U is None:
        return None
    others = [o for o in model.options if o != model.recommended]
    rec = U[model.recommended]
    t = []
    for o in others:
        g = rec - U[o]
        m = (~np.isnan(g)).sum(axis=1)
        mean = np.nanmean(g, axis=1)
        se = np.nanstd(g, axis=1, ddof=1) / np.sqrt(m)
        with np.errstate(divide="ignore", invalid="ignore"):
            t.append(
                np.where(se > 0, mean / se, np.where(mean == 0, np.inf, np.sign(mean) * np.inf))
            )
    return others, np.stack(t)


def unresolved(
    model: ExploratoryModel,
    results: Mapping[str, Mapping[str, np.ndarray]],
    outcome: str = UTILITY,
    z: float | None = None,
) -> np.ndarray:
    """Futures whose ranking of the recommendation is not yet resolved by their paths.

    For each future, the per-path difference between the recommended option and each other
    option gives a t-statistic ``|mean| / (sd / sqrt(m))`` over its ``m`` paths. The
    recommendation's label (best or not) is resolved at ``z`` (:data:`RESOLVED_Z`) when, if it
    is best, it leads every other option by ``z`` standard errors, and if it is not, some
    option beating it does so by ``z``. Futures without path noise (a zero standard error) are
    resolved. These are the futures a sequential allocation keeps simulating (Broadie, Du and
    Moallemi 2011, "Efficient risk estimation via nested sequential simulation", Management
    Science 57(6): the inner samples go to the scenarios near the threshold).
    """
    # the recommendation is a contender exactly where its future's label is open
    return contenders(model, results, outcome, z)[list(model.options).index(model.recommended)]


def contenders(
    model: ExploratoryModel,
    results: Mapping[str, Mapping[str, np.ndarray]],
    outcome: str = UTILITY,
    z: float | None = None,
) -> np.ndarray:
    """Which options a future still needs paths of: ``(options, n)``, in ``model.options`` order.

    In a future whose label is not resolved (:func:`unresolved`), the recommendation and every
    option it does not yet lead by ``z`` standard errors; in a resolved future, none. An option
    the recommendation leads by ``z`` cannot change the label (its own paths already place it
    below), so further paths of it would be spent on nothing: the elimination of inferior
    systems in a fully sequential ranking procedure (Kim and Nelson 2001, "A fully sequential
    procedure for indifference-zone selection in simulation", ACM TOMACS 11(3)), here per
    future and against the recommendation only.
    """
    z = RESOLVED_Z if z is None else z
    n = next(iter(results.values()))[outcome].shape[0]
    ts = _t_stats(model, results, outcome)
    if ts is None:
        return np.zeros((len(model.options), n), dtype=bool)
    others, T = ts
    # the label is resolved where the recommendation leads every option by z, or some option
    # beats it by z
    leads_all = (T > 0).all(axis=0)
    open_ = ~np.where(leads_all, T.min(axis=0) >= z, (-T).max(axis=0) >= z)
    keep = {o: open_ & (T[i] < z) for i, o in enumerate(others)}
    keep[model.recommended] = open_
    return np.stack([keep[o] for o in model.options])


def _stop_rule(mc: MonteCarloError, rel_tol: float, share_tol: float) -> str | None:
    """Why the paths may stop doubling (``"resolved"``, ``"futures"``), or ``None``: the
    difference and the share each met by its tolerance or by the balance with the futures'
    error (module docstring).
    """
    d_se, s_se = mc.difference_se, mc.share_se_paths
    d_tol = d_se is None or d_se <= rel_tol * abs(mc.difference)
    s_tol = s_se is None or s_se <= share_tol
    if d_tol and s_tol:
        return "resolved"
    s_bal = s_tol or (s_se is not None and s_se <= BALANCE * mc.share_se_futures)
    return "futures" if _difference_met(mc, rel_tol) and s_bal else None


def _still_open(
    model: ExploratoryModel,
    res: Results,
    mc: MonteCarloError,
    rel_tol: float,
    outcome: str,
    eliminate: bool,
) -> np.ndarray:
    """Which (option, future) may run the next batch ``(options, n)``: while the difference
    between the top two options is not resolved, every future keeps them (the difference is a
    mean over every future); with ``eliminate``, the other options only where they are still in
    contention (:func:`contenders`). Once it is resolved, only the futures whose label is open
    (:func:`unresolved`), with every option or, with ``eliminate``, the contenders.
    """
    met = _difference_met(mc, rel_tol)
    if not eliminate:
        open_ = unresolved(model, res, outcome) if met else np.ones(mc.futures, dtype=bool)
        return np.broadcast_to(open_, (len(model.options), mc.futures))
    keep = contenders(model, res, outcome)
    if not met:
        pair = np.isin(np.array(model.options), [mc.top, mc.second])
        keep |= pair[:, None]
    return keep


def _groups(options: Sequence[str], act: np.ndarray) -> list[tuple[list[str], np.ndarray]]:
    """The futures that run the same options in a batch: ``(options, rows)`` per set of options
    ``act`` (options x futures) gives them, the largest sets first (futures running none are
    left out).
    """
    run = np.flatnonzero(act.any(axis=0))
    patterns, which = np.unique(act[:, run].T, axis=0, return_inverse=True)
    which = np.asarray(which).reshape(-1)
    order = sorted(range(len(patterns)), key=lambda g: (-int(patterns[g].sum()), g))
    return [
        ([o for o, on in zip(options, patterns[g], strict=True) if on], run[which == g])
        for g in order
    ]


def _share(progress: Progress | None, before: float, work: float, cap: float) -> Progress | None:
    """Progress of a batch of ``work`` (paths times futures) after ``before``, as a share of
    ``cap``: the bar moves forward across the doubling batches instead of restarting with each.
    """
    if progress is None:
        return None
    cap = max(cap, before + work)
    return lambda done, total: progress(before * total + work * done, cap * total)


def _difference_met(mc: MonteCarloError, rel_tol: float) -> bool:
    """The difference's tolerance, or its balance with the futures' error, is met."""
    d_se = mc.difference_se
    if d_se is None or d_se <= rel_tol * abs(mc.difference):
        return True
    return mc.difference_se_futures is not None and d_se <= BALANCE * mc.difference_se_futures


def adaptive_ensemble(
    model: ExploratoryModel,
    u: np.ndarray,
    seed: int,
    *,
    evaluator: Evaluator,
    progress: Progress | None = None,
    adaptive: bool = True,
    rel_tol: float = REL_TOL,
    share_tol: float = SHARE_TOL,
    max_paths: int = MAX_PATHS,
    outcome: str = UTILITY,
    allocate: bool = True,
    eliminate: bool = True,
) -> tuple[Results, MonteCarloError | None]:
    """Run the experiments ``u`` for every option, with paths per future chosen from the
    standard error (see the module docstring); results with ``utility`` and the Monte Carlo
    error of the ranking on ``outcome`` (``None`` for the utility of a model without criteria
    weights).

    With ``allocate`` (sequential allocation), once the difference between the top two options
    is resolved (its tolerance or its balance met) and every future has two batches, a further
    batch goes only to the futures whose ranking of the recommendation is not yet resolved by
    their own paths (:func:`unresolved`); the others keep the paths they have (their standard
    errors and the bootstrap count them as they are, :func:`measure`). When no future is left
    unresolved the doubling stops (``stop`` ``"each_future"``). With ``eliminate`` as well, from
    the third batch on each future runs only the options still in contention there
    (:func:`contenders`): the recommendation and the options it does not yet lead by
    :data:`RESOLVED_Z` standard errors; while the difference is not yet resolved, every future
    also keeps the top two options (:func:`_still_open`). An option's means in a future where
    it ran fewer paths are the recommendation's plus their difference over its own paths
    (:func:`_through_ref`; ``paths_by_option`` in the error says how many it was given).

    A model that gives no per-path outputs (``model.path_outputs`` False, e.g. a deterministic
    game) is run once, and its error is the futures' part alone. With ``adaptive`` False the
    first batch is kept whatever its error (which is still measured).
    """
    w = _weighted(model) if outcome == UTILITY else {outcome: 1.0}
    if not model.path_outputs or not w or not isinstance(model.context, dict):
        res = with_utility(model, evaluator.run(model, u, seed, progress=progress))
        return res, (measure(model, res, seed, outcome=outcome) if w else None)
    n, k = u.shape[0], len(model.options)
    m0 = int(model.context.get("paths", 1))
    sizes: list[int] = []
    parts: list[Part] = []
    total = 0
    act = np.ones((k, n), dtype=bool)  # which option each future runs in the next batch
    work = 0.0
    # options may run fewer paths than the recommendation in a future (``eliminate``): their
    # event probabilities are then read through the recommendation's per stratum of its event,
    # from the per-path indicators of every batch (_through_ref_probability)
    probs = tuple(model.probabilities) if adaptive and allocate and eliminate else ()
    extra = tuple(p for p in probs if p not in w)
    while True:
        m = m0 if not sizes else total  # doubles the total
        m = min(m, max(0, max_paths - total)) if sizes else m
        if m <= 0:
            break
        ctx = {**model.context, "paths": m, "per_path": True, "path_outcomes": tuple(w) + extra}
        mb = replace(model, context=ctx)
        cells = act.sum() / k  # futures' worth of (future, option) runs in this batch
        cap = work + (max(max_paths, total + m) - total) * cells if adaptive else m * n
        for opts, rows in _groups(model.options, act):
            parts.append(
                (
                    len(sizes),
                    rows,
                    with_joint_shares(
                        evaluator.run(
                            mb,
                            u[rows],
                            batch_seed(seed, len(sizes)),
                            options=opts,
                            progress=_share(progress, work, m * rows.size * len(opts) / k, cap),
                            # at most CHUNK_PATHS paths per chunk: with 256 paths per future a
                            # chunk of the evaluator's 128 rows takes about 16 s on this
                            # machine, and the progress stalls as long; the results do not
                            # depend on the chunking
                            chunk_size=chunk_rows(model, m, evaluator.chunk_size, len(opts)),
                        ),
                        model.recommended,
                        probs,
                        drop=extra,
                    ),
                )
            )
            work += m * rows.size * len(opts) / k
        sizes.append(m)
        total += m
        res = with_utility(model, _pool(parts, sizes, n, model.recommended, probs))
        mc = measure(model, res, seed, batches=sizes, outcome=outcome)
        stop = _stop_rule(mc, rel_tol, share_tol)
        if stop is None and allocate and adaptive and len(sizes) >= 2:
            act &= _still_open(model, res, mc, rel_tol, outcome, eliminate)
            if not act.any():
                stop = "each_future"
        if stop is not None or not adaptive or total >= max_paths:
            mc.converged = stop is not None
            mc.stop = stop or ("max_paths" if adaptive else "fixed")
            break
    mc.settings = {
        "rel_tol": rel_tol,
        "share_tol": share_tol,
        "max_paths": max_paths,
        "adaptive": adaptive,
        "allocate": allocate,
        "eliminate": eliminate,
        "resolved_z": RESOLVED_Z,
        "bootstrap": BOOTSTRAP,
    }
    clean = {
        o: {k: v for k, v in d.items() if not k.startswith((PATHS_PREFIX, BOTH_PREFIX))}
        for o, d in res.items()
    }
    return clean, mc
