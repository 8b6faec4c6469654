"""The exploratory model: uncertainties, levers (the focal actor's options) and outcomes.

The vocabulary is that of exploratory modelling (Bankes 1993, "Exploratory modeling for policy
analysis", Operations Research 41(3); Kwakkel 2017, "The Exploratory Modeling Workbench",
Environmental Modelling & Software 96): an *experiment* is one point in the space of the deep
uncertainties; every *lever* (option) is evaluated at every experiment; the model returns one
value per experiment for each *outcome*.

An experiment is stored as a point ``u`` of the unit hypercube (one quantile per uncertainty).
Each option maps ``u`` to parameter values through its own distributions
(:meth:`melian.scenario.schema.Scenario.parameters_for`), so "the same state of the world" under
two options means the same quantiles of every uncertain parameter, with each option's declared
effects applied (an option that triples a probability triples the same quantile). Sobol indices
are unchanged by this quantile transform: the inputs stay independent and the variance
decomposition of ``f(F^-1(u))`` over ``u`` is that of ``f`` over the parameters (Saltelli et al.
2008, *Global Sensitivity Analysis: The Primer*, ch. 4).

The model function is a module-level callable ``function(context, option_id, samples, seed)``
returning ``{outcome: array of shape (n,)}``, so that it can be shipped to Dask workers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from melian.errors import LimitError, ModelError
from melian.scenario.schema import Distribution, Scenario

Direction = Literal["max", "min"]
#: Prefix of the per-path outputs of a Monte Carlo model (``PATHS_PREFIX + outcome``).
PATHS_PREFIX = "paths:"
ModelFunction = Callable[[Any, str, dict[str, np.ndarray], int], dict[str, np.ndarray]]
#: ``batch(context, {option: samples}, seed)``: ``function`` of several options in one call.
BatchFunction = Callable[
    [Any, dict[str, dict[str, np.ndarray]], int], dict[str, dict[str, np.ndarray]]
]


@dataclass(frozen=True)
class ExploratoryModel:
    """A model to explore: named uncertainties, options (levers) and outcomes.

    ``distributions[option][name]`` is the distribution of uncertainty ``name`` under ``option``;
    ``outcomes`` maps an outcome name to the direction in which it is better; ``weights`` (if
    given) define the scalar *utility* used to say which option is best in an experiment (a
    weighted sum of min-max normalised outcomes, see :func:`utility`). ``recommended`` is the
    option the source argues for.
    """

    name: str
    function: ModelFunction
    context: Any
    uncertainties: tuple[str, ...]
    options: tuple[str, ...]
    distributions: Mapping[str, Mapping[str, Distribution]]
    outcomes: Mapping[str, Direction]
    recommended: str
    weights: Mapping[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    #: True if ``function`` draws the same noise for every experiment of a call given a seed
    #: (common random numbers): results are then independent of the chunk size as well.
    common_random_numbers: bool = False
    #: True if ``function`` is a Monte Carlo model whose ``context`` is a dict with ``paths``
    #: (paths per experiment) and which, given ``context["per_path"]``, also returns the per-path
    #: values ``PATHS_PREFIX + name`` (arrays (n, paths)) of the outcomes named in
    #: ``context["path_outcomes"]``, every option with the same random numbers for the same path
    #: (see :mod:`melian.explore.mcerror`).
    path_outputs: bool = False
    #: Fixed normalisation bounds ``(lo, hi)`` of weighted outcomes (see :func:`utility`); an
    #: outcome without bounds is normalised on the ensemble at hand.
    bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    #: Optional: ``function`` of several options in one call, with the same results as one call
    #: per option (a Monte Carlo model that simulates every option's experiments together and
    #: pays its fixed cost per call once; :meth:`evaluate_options` uses it).
    batch: BatchFunction | None = None
    #: Outcomes that are probabilities: per experiment the mean over paths of an event indicator
    #: (0 or 1 on each path), so in [0, 1]. An estimate that combines paths of several options
    #: keeps them in [0, 1] (:func:`melian.explore.mcerror.adaptive_ensemble`).
    probabilities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.uncertainties:
            raise ModelError(f"model {self.name!r} has no uncertain parameters to explore")
        if not self.options:
            raise ModelError(f"model {self.name!r} has no options")
        if self.recommended not in self.options:
            raise ModelError(f"recommended option {self.recommended!r} is not an option")
        for o in self.options:
            missing = set(self.uncertainties) - set(self.distributions.get(o, {}))
            if missing:
                raise ModelError(f"option {o!r} lacks distributions for {sorted(missing)}")
        unknown = set(self.weights) - set(self.outcomes)
        if unknown:
            raise ModelError(f"utility weights name unknown outcomes {sorted(unknown)}")
        unknown = set(self.probabilities) - set(self.outcomes)
        if unknown:
            raise ModelError(f"probabilities name unknown outcomes {sorted(unknown)}")

    @property
    def k(self) -> int:
        """Number of uncertainties."""
        return len(self.uncertainties)

    def values(self, option: str, u: np.ndarray) -> dict[str, np.ndarray]:
        """Parameter values under ``option`` for quantile points ``u`` of shape (n, k)."""
        u = np.atleast_2d(np.asarray(u, dtype=float))
        dists = self.distributions[option]
        return {name: dists[name].ppf(u[:, j]) for j, name in enumerate(self.uncertainties)}

    def evaluate(self, option: str, u: np.ndarray, seed: int) -> dict[str, np.ndarray]:
        """Run the model for ``option`` at the quantile points ``u`` (n, k) with ``seed``."""
        u = np.atleast_2d(np.asarray(u, dtype=float))
        return self._checked(self.function(self.context, option, self.values(option, u), seed), u)

    def evaluate_options(
        self, options: Sequence[str], u: np.ndarray, seed: int
    ) -> dict[str, dict[str, np.ndarray]]:
        """:meth:`evaluate` of every one of ``options`` (in one call of :attr:`batch` when the
        model has one: the same results; one call per option where a limit on the size of one
        simulation refuses the batch, as an operator's ``MELIAN_MAX_PATHS`` may).
        """
        u = np.atleast_2d(np.asarray(u, dtype=float))
        if self.batch is not None and len(options) > 1:
            try:
                outs = self.batch(self.context, {o: self.values(o, u) for o in options}, seed)
                return {o: self._checked(outs[o], u) for o in options}
            except LimitError:
                pass  # checked before any path runs
        return {o: self.evaluate(o, u, seed) for o in options}

    def _checked(self, out: dict[str, np.ndarray], u: np.ndarray) -> dict[str, np.ndarray]:
        """The model function's output for the experiments ``u``, checked and flattened."""
        res: dict[str, np.ndarray] = {}
        for name in self.outcomes:
            if name not in out:
                raise ModelError(f"model {self.name!r} returned no outcome {name!r}")
            arr = np.asarray(out[name], dtype=float).reshape(-1)
            if arr.shape[0] != u.shape[0]:
                raise ModelError(
                    f"model {self.name!r} returned {arr.shape[0]} values of {name!r} "
                    f"for {u.shape[0]} experiments"
                )
            res[name] = arr
        for name, v in out.items():
            if name.startswith(PATHS_PREFIX):
                arr = np.asarray(v, dtype=float)
                if arr.ndim != 2 or arr.shape[0] != u.shape[0]:
                    raise ModelError(f"model {self.name!r} returned per-path {name!r} of bad shape")
                res[name] = arr
        return res

    def nominal(self) -> np.ndarray:
        """The nominal experiment: every uncertainty at its median (u = 0.5)."""
        return np.full((1, self.k), 0.5)


class ClippedNormal(Distribution):
    """A normal of ``mean`` and ``sd`` whose values are clipped to ``[low, high]``.

    The bound takes the probability the normal puts beyond it (a point mass at each bound), as
    :func:`melian.bargaining.uncertainty.sample_inputs` perturbs a coded position or salience for
    the predictive distributions and the levers: the coder's value plus a normal error, held on
    the scale. Unlike the truncated normal a scenario declares with ``low``/``high``, its median
    is the coded value whenever that lies in range, so the central experiment of an exploration
    is the source's input as written (the ranking's evidence). Its quantile function is
    ``clip(mean + sd Phi^-1(u), low, high)``.
    """

    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """``clip(mean + sd Phi^-1(u), low, high)`` for uniforms ``u`` (clipped to
        [1e-9, 1 - 1e-9], as :meth:`Distribution.ppf` keeps quantiles finite).
        """
        from scipy.special import ndtri  # lazy: scipy only when a distribution is sampled

        q = np.clip(np.asarray(u, dtype=float), 1e-9, 1 - 1e-9)
        lo = -np.inf if self.low is None else float(self.low)
        hi = np.inf if self.high is None else float(self.high)
        return np.asarray(np.clip(ndtri(q) * self.sd + self.mean, lo, hi), dtype=float)  # type: ignore[operator]


def utility(
    model: ExploratoryModel, results: Mapping[str, Mapping[str, np.ndarray]]
) -> dict[str, np.ndarray] | None:
    """Weighted-sum utility of each option in each experiment, or ``None`` without weights.

    ``U(o, e) = sum_c w_c * n_c(y_c(o, e))`` with ``n_c`` the min-max normalisation of outcome
    ``c`` (``(y - lo) / (hi - lo)`` for outcomes to maximise, ``(hi - y) / (hi - lo)`` for
    outcomes to minimise) and weights summing to one: the simple additive weighting of
    multi-attribute value theory (Keeney & Raiffa 1976), with the decision-maker's criteria
    weights. ``lo`` and ``hi`` are the model's fixed :attr:`ExploratoryModel.bounds` where it
    has them (then an experiment's utilities do not depend on the other experiments of the
    ensemble, and ensembles of different sizes rank on the same scale), else the range of the
    outcome over every option and experiment of the ensemble.
    """
    w = {k: float(v) for k, v in model.weights.items() if v > 0}
    if not w:
        return None
    total = sum(w.values())
    first = next(iter(w))
    out = {o: np.zeros_like(np.asarray(results[o][first], dtype=float)) for o in model.options}
    for c, wc in w.items():
        if c in model.bounds:
            lo, hi = (float(x) for x in model.bounds[c])
        else:
            allv = np.concatenate([results[o][c] for o in model.options])
            lo, hi = float(np.nanmin(allv)), float(np.nanmax(allv))
        span = hi - lo
        for o in model.options:
            if span <= 0:
                continue
            y = results[o][c]
            n = (y - lo) / span if model.outcomes[c] == "max" else (hi - y) / span
            out[o] = out[o] + (wc / total) * n
    return out


UTILITY = "utility"


def distinct_rows(
    samples: Mapping[str, np.ndarray], names: Sequence[str], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows ``(m, len(names))`` of the experiments' values of ``names`` and, per
    experiment (``n`` of them), the index of its row: a model whose response depends only on these
    inputs runs once per distinct row (experiments that differ only in other inputs share it).
    """
    if not names:
        return np.zeros((1, 0)), np.zeros(n, dtype=int)
    rows = np.column_stack([np.asarray(samples[p], dtype=float) for p in names])
    uniq, inverse = np.unique(rows, axis=0, return_inverse=True)
    return uniq, np.asarray(inverse).reshape(-1)


def outcome_bounds(
    model: ExploratoryModel, results: Mapping[str, Mapping[str, np.ndarray]]
) -> dict[str, tuple[float, float]]:
    """The range (finite values) of every weighted outcome over every option of ``results``."""
    out: dict[str, tuple[float, float]] = {}
    for c in model.weights:
        vals = [np.asarray(results[o][c], dtype=float) for o in model.options]
        v = np.concatenate(vals)
        v = v[np.isfinite(v)]
        if v.size:
            out[c] = (float(v.min()), float(v.max()))
    return out


def with_reference_bounds(
    model: ExploratoryModel, seed: int, reference: int = 64
) -> ExploratoryModel:
    """``model`` with fixed normalisation bounds: the ranges of its weighted outcomes over a
    seeded Latin hypercube of ``reference`` experiments and the nominal one (every option), so
    that its utility is one fixed function of the outcomes whatever the ensemble explored.
    """
    from dataclasses import replace

    u = np.vstack([latin_hypercube(model.k, max(reference, 2), seed), model.nominal()])
    results = model.evaluate_options(model.options, u, seed)
    return replace(model, bounds=outcome_bounds(model, results))


def with_utility(
    model: ExploratoryModel, results: Mapping[str, Mapping[str, np.ndarray]]
) -> dict[str, dict[str, np.ndarray]]:
    """The results with the ``utility`` outcome added to every option (when weights exist)."""
    u = utility(model, results)
    out = {o: dict(results[o]) for o in model.options}
    if u is not None:
        for o in model.options:
            out[o][UTILITY] = u[o]
    return out


def directions(model: ExploratoryModel) -> dict[str, Direction]:
    """Direction of every outcome, ``utility`` included when the model defines weights."""
    d: dict[str, Direction] = dict(model.outcomes)
    if any(v > 0 for v in model.weights.values()):
        d[UTILITY] = "max"
    return d


# --------------------------------------------------------------------------- scenario adapter
def scenario_uncertainties(
    scenario: Scenario, *, required: bool = True
) -> tuple[tuple[str, ...], dict[str, dict[str, Distribution]]]:
    """Names of the parameters uncertain under some option, and each option's distributions.

    The uncertainty space is every parameter that carries a distribution in the scenario
    (``uncertain_parameters``) or under one of the options once its effects are applied. With
    ``required`` (the default) a scenario without any raises :class:`ModelError`.
    """
    options = scenario.option_ids
    if not options:
        raise ModelError(f"scenario {scenario.id!r} has no focal options to compare")
    per = {o: scenario.parameters_for(o) for o in options}
    names = set(scenario.uncertain_parameters())
    for o in options:
        names |= {p for p, d in per[o].items() if not d.is_fixed}
    ordered = tuple(p for p in scenario.parameters() if p in names)
    if not ordered and required:
        raise ModelError(f"scenario {scenario.id!r} declares no uncertain parameters")
    return ordered, {o: {p: per[o][p] for p in ordered} for o in options}


def recommended_option(scenario: Scenario) -> str:
    """The option the scenario's source recommends, else the status-quo option, else the first."""
    if scenario.focal is None or not scenario.focal.options:
        raise ModelError(f"scenario {scenario.id!r} has no focal options")
    if scenario.focal.recommended is not None:
        return scenario.focal.recommended
    for o in scenario.focal.options:
        if o.status_quo:
            return o.id
    return scenario.focal.options[0].id


def latin_hypercube(k: int, n: int, seed: int) -> np.ndarray:
    """``n`` quantile points of a Latin hypercube in ``k`` dimensions (McKay, Beckman & Conover
    1979, Technometrics 21), seeded; the ensemble of scenario discovery and robust choice.
    """
    from scipy.stats import qmc

    if n < 2:
        raise ModelError(f"an ensemble needs at least 2 experiments, got {n}")
    return qmc.LatinHypercube(d=k, rng=np.random.default_rng(seed)).random(n)


def not_explored_note(ignored: list[str] | tuple[str, ...], model: str) -> str:
    """The note naming the uncertain parameters ``model`` does not read, so does not explore."""
    return (
        f"{len(ignored)} uncertain parameter(s) not read by {model} are not explored with it: "
        f"{', '.join(ignored)}"
    )
