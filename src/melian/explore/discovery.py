"""Scenario discovery: where in parameter space is the recommended option not the best?

The Patient Rule Induction Method (Friedman & Fisher 1999, "Bump hunting in high-dimensional
data", Statistics and Computing 9) as used for scenario discovery (Lempert, Bryant & Bankes 2008;
Bryant & Lempert 2010, "Thinking inside the box", Technological Forecasting & Social Change 77),
run by ema_workbench's implementation (Kwakkel 2017).

An ensemble of experiments (a Latin hypercube over the quantiles of every uncertain parameter) is
run for every option; an experiment is a *case of interest* when some alternative beats the
recommended option on the decision outcome (the criteria-weighted utility by default, see
:func:`melian.explore.model.utility`). PRIM peels boxes that are dense in such cases. For every
box the result gives the whole peeling trajectory (coverage: share of all cases of interest in the
box; density: share of the box's experiments that are cases of interest; mass: share of all
experiments in the box; restricted dimensions), the chosen point on it, the limits of each
restricted dimension (as quantiles and as values of the recommended option's parameters) with the
quasi-p value of each limit, and which alternatives win inside the box.

With many uncertain inputs (a whole decision explores two hundred) PRIM peels the inputs that
matter least as readily as the others, and its cost grows with their number. The inputs are then
screened first, as Kwakkel (2017, "The Exploratory Modeling Workbench", Environmental Modelling &
Software 96) and Kwakkel & Jaxa-Rozen (2016, "Improving scenario discovery for handling
heterogeneous uncertainties and multinomial classified outcomes", Environmental Modelling &
Software 79) do: the extra-trees feature scores of the cases of interest (Geurts, Ernst & Wehenkel
2006, "Extremely randomized trees", Machine Learning 63; ema_workbench's ``feature_scoring``, seeded)
rank the inputs and PRIM peels the ``max_dims`` best (20 by default; every input when there are
fewer). The result names the inputs kept and their scores.
"""

from __future__ import annotations

import copy
import inspect
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType, ModuleType
from typing import Any

import numpy as np

from melian.errors import ModelError
from melian.explore.mcerror import (
    MAX_PATHS,
    REL_TOL,
    SHARE_TOL,
    MonteCarloError,
    adaptive_ensemble,
    measure,
)
from melian.explore.model import (
    UTILITY,
    ExploratoryModel,
    directions,
    latin_hypercube,
    with_utility,
)
from melian.explore.parallel import Evaluator, Progress, Results
from melian.jsonio import to_jsonable
from melian.reprs import html_table

#: An ensemble already run: ``(u, results)``, or ``(u, results, mc)`` with its Monte Carlo error.
Data = tuple[np.ndarray, Results] | tuple[np.ndarray, Results, MonteCarloError | None]

#: Inputs PRIM peels at most; more are screened by their feature scores first (module docstring).
MAX_DIMS = 20

#: Serialises the import of ema_workbench (see :func:`ema_analysis`), and what it imports.
_EMA_IMPORT = threading.Lock()
_EMA_MODULES = {"ema_workbench.analysis.prim", "ema_workbench.analysis.feature_scoring"}


@dataclass
class Box:
    """One PRIM box: its chosen point on the peeling trajectory and the whole trajectory."""

    index: int
    coverage: float
    density: float
    mass: float
    n: int
    restricted: list[dict[str, Any]]
    winners: dict[str, int]
    trajectory: list[dict[str, float]]
    chosen: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "box": self.index,
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "experiments": self.n,
            "restricted_dimensions": self.restricted,
            "best_alternatives_inside": self.winners,
            "chosen_step": self.chosen,
            "trajectory": self.trajectory,
        }


@dataclass
class DiscoveryResult:
    """PRIM boxes of the region where the recommended option is not the best."""

    outcome: str
    recommended: str
    experiments: int
    cases: int
    base_rate: float
    best_counts: dict[str, int]
    boxes: list[Box]
    seed: int
    seconds: float
    settings: dict[str, Any] = field(default_factory=dict)
    #: Monte Carlo error of the shares on the decision outcome
    #: (:class:`melian.explore.mcerror.MonteCarloError` as a dict).
    mc_error: dict[str, Any] = field(default_factory=dict)

    @property
    def base_rate_se(self) -> float | None:
        """Standard error of ``base_rate`` (futures and paths combined), if measured."""
        v = self.mc_error.get("share_se")
        return None if v is None else float(v)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return to_jsonable(
            {
                "method": "prim",
                "outcome": self.outcome,
                "recommended": self.recommended,
                "experiments": self.experiments,
                "cases_not_best": self.cases,
                "base_rate": self.base_rate,
                "base_rate_se": self.base_rate_se,
                "best_counts": self.best_counts,
                "mc_error": self.mc_error,
                "boxes": [b.to_dict() for b in self.boxes],
                "seed": self.seed,
                "seconds": round(self.seconds, 3),
                "settings": self.settings,
            }
        )

    def to_frame(self) -> Any:  # noqa: ANN401
        """Long (tidy) box limits: box, coverage, density, then one row per restricted dimension."""
        import pandas as pd

        rows = [
            {"box": b.index, "coverage": b.coverage, "density": b.density, "mass": b.mass, **r}
            for b in self.boxes
            for r in b.restricted
        ]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        rows = [[b.index, b.coverage, b.density, b.mass, len(b.restricted)] for b in self.boxes]
        return html_table(
            f"PRIM: where {self.recommended!r} is not best on {self.outcome} "
            f"({self.cases} of {self.experiments} experiments)",
            ["box", "coverage", "density", "mass", "dimensions"],
            rows,
        )


def decision_outcome(model: ExploratoryModel, outcome: str | None) -> str:
    """The outcome that decides which option is best: ``outcome``, else utility, else the only one."""
    dirs = directions(model)
    if outcome is not None:
        if outcome not in dirs:
            raise ModelError(f"unknown outcome {outcome!r}; outcomes: {', '.join(dirs)}")
        return outcome
    if UTILITY in dirs:
        return UTILITY
    if len(dirs) == 1:
        return next(iter(dirs))
    raise ModelError(
        "the model has no criteria weights to combine its outcomes; name the outcome that "
        f"decides which option is best (one of: {', '.join(dirs)})"
    )


def best_option(
    model: ExploratoryModel, results: Results, outcome: str, tol: float = 1e-9
) -> tuple[np.ndarray, np.ndarray]:
    """(index of the best option per experiment, whether the recommendation is among the best).

    Ties within ``tol`` count in the recommended option's favour.
    """
    sign = 1.0 if directions(model)[outcome] == "max" else -1.0
    y = np.stack([sign * results[o][outcome] for o in model.options])  # (options, n)
    best = np.argmax(y, axis=0)
    r = model.options.index(model.recommended)
    rec_ok = y[r] >= y.max(axis=0) - tol * np.maximum(1.0, np.abs(y.max(axis=0)))
    best = np.where(rec_ok, r, best)
    return best, rec_ok


def ensemble(
    model: ExploratoryModel,
    n: int,
    seed: int,
    evaluator: Evaluator | None = None,
    progress: Progress | None = None,
) -> tuple[np.ndarray, Results]:
    """A Latin-hypercube ensemble of ``n`` experiments run for every option (with utility),
    with the model's paths per experiment as given (no adaptation; see :func:`ensemble_mc`).
    """
    u = latin_hypercube(model.k, n, seed)
    if evaluator is None:
        with Evaluator("synchronous") as ev:
            res = ev.run(model, u, seed, progress=progress)
    else:
        res = evaluator.run(model, u, seed, progress=progress)
    return u, with_utility(model, res)


def ensemble_mc(
    model: ExploratoryModel,
    n: int,
    seed: int,
    evaluator: Evaluator | None = None,
    progress: Progress | None = None,
    *,
    data: Data | None = None,
    outcome: str = UTILITY,
    **adapt: Any,  # noqa: ANN401
) -> tuple[np.ndarray, Results, MonteCarloError | None]:
    """A Latin-hypercube ensemble of ``n`` experiments, the paths per experiment chosen from the
    standard error of the differences on ``outcome`` (:func:`melian.explore.mcerror.adaptive_ensemble`;
    ``adapt``: ``adaptive``, ``rel_tol``, ``share_tol``, ``max_paths``), with its Monte Carlo
    error. ``data`` is an ensemble ``(u, results)`` already run: it is measured (when it carries
    ``outcome``), not run again; ``(u, results, mc)`` gives its Monte Carlo error as measured
    when it was run on ``outcome`` (the per-path outputs it needs are not kept in ``results``).
    """
    if data is not None:
        u, res = data[0], data[1]
        if len(data) > 2:
            return u, res, data[2]  # type: ignore[misc]
        mc = (
            measure(model, res, seed, outcome=outcome) if outcome in res[model.options[0]] else None
        )
        return u, res, mc
    u = latin_hypercube(model.k, n, seed)
    if evaluator is None:
        with Evaluator("synchronous") as ev:
            res, mc = adaptive_ensemble(
                model, u, seed, evaluator=ev, progress=progress, outcome=outcome, **adapt
            )
    else:
        res, mc = adaptive_ensemble(
            model, u, seed, evaluator=evaluator, progress=progress, outcome=outcome, **adapt
        )
    return u, res, mc


def discover(
    model: ExploratoryModel,
    n: int = 2000,
    *,
    seed: int = 0,
    outcome: str | None = None,
    threshold: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    max_boxes: int = 3,
    max_dims: int | None = MAX_DIMS,
    evaluator: Evaluator | None = None,
    progress: Progress | None = None,
    data: Data | None = None,
    adaptive: bool = True,
    rel_tol: float = REL_TOL,
    share_tol: float = SHARE_TOL,
    max_paths: int = MAX_PATHS,
    steps: Progress | None = None,
) -> DiscoveryResult:
    """PRIM boxes where the recommended option is not the best on ``outcome``.

    On each box's peeling trajectory the chosen point is the one with the largest coverage whose
    density reaches ``threshold`` (the last point if none does). ``data`` reuses an ensemble
    ``(u, results)`` already run. The paths per experiment of a Monte Carlo model are doubled
    until the standard errors meet ``rel_tol`` and ``share_tol`` or reach ``max_paths``
    (``adaptive``; :mod:`melian.explore.mcerror`); the Monte Carlo error of the shares is in
    ``mc_error`` (the futures' and the paths' parts, on the utility). With more than
    ``max_dims`` uncertain inputs PRIM peels the ``max_dims`` with the highest extra-trees
    feature scores (``None``: every input; the module's docstring); ``settings["screening"]``
    names them. ``steps(done, total)`` is told after the ensemble, after the screening and
    after each box (``total`` is ``max_boxes + 2``), for callers whose ``progress`` covers only
    the ensemble.
    """
    t0 = time.perf_counter()
    if len(model.options) < 2:
        raise ModelError("scenario discovery needs at least two options")
    decided = decision_outcome(model, outcome)
    u, res, mc = ensemble_mc(
        model,
        n,
        seed,
        evaluator,
        progress,
        data=data,
        outcome=decided,
        adaptive=adaptive,
        rel_tol=rel_tol,
        share_tol=share_tol,
        max_paths=max_paths,
    )
    best, rec_ok = best_option(model, res, decided)
    y = ~rec_ok
    n_exp = int(u.shape[0])
    counts = {o: int(np.sum(best == i)) for i, o in enumerate(model.options)}
    boxes: list[Box] = []
    screening: dict[str, Any] = {}
    total = max_boxes + 2
    if steps is not None:
        steps(1, total)
    if 0 < y.sum() < n_exp:
        keep, screening = screen_inputs(model, u, y, max_dims, seed)
        if steps is not None:
            steps(2, total)
        boxes = _prim_boxes(
            model, u, y, best, keep, threshold, peel_alpha, mass_min, max_boxes,
            None if steps is None else (lambda b: steps(2 + b, total)),
        )  # fmt: skip
    if steps is not None:
        steps(total, total)
    return DiscoveryResult(
        outcome=decided,
        recommended=model.recommended,
        experiments=n_exp,
        cases=int(y.sum()),
        base_rate=float(y.mean()),
        best_counts=counts,
        boxes=boxes,
        seed=seed,
        seconds=time.perf_counter() - t0,
        mc_error=mc.to_dict() if mc is not None else {},
        settings={
            "threshold": threshold,
            "peel_alpha": peel_alpha,
            "mass_min": mass_min,
            "max_boxes": max_boxes,
            "max_dims": max_dims,
            "sample": "latin hypercube over quantiles",
            **({"screening": screening} if screening else {}),
        },
    )


def _frames_by_name(frame: FrameType | None, context: int = 1) -> list[inspect.FrameInfo]:
    """``inspect.getouterframes`` without reading source files: names and lines only."""
    out = []
    while frame is not None:
        code = frame.f_code
        out.append(
            inspect.FrameInfo(frame, code.co_filename, frame.f_lineno, code.co_name, None, None)
        )
        frame = frame.f_back
    return out


def ema_analysis() -> ModuleType:
    """ema_workbench's ``analysis`` package (with ``prim`` and ``feature_scoring``), imported once.

    ema_workbench's ``method_logger`` decorator calls ``inspect.getouterframes`` for each class
    it decorates at import time; that reads the source of every frame of the importing stack and
    scans every loaded module for each, about 3 s of the brief's run (2,000 modules loaded). It
    keeps only the caller's function name, so during that import ``getouterframes`` gives the
    frames without their source lines (``code_context`` None, as for frames whose source is not
    available), under a lock. Import-time warnings of optional back ends are silenced.
    """
    if _EMA_MODULES <= sys.modules.keys():
        return sys.modules["ema_workbench.analysis"]
    with _EMA_IMPORT, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        original = inspect.getouterframes
        inspect.getouterframes = _frames_by_name  # type: ignore[assignment]
        try:
            import ema_workbench.analysis.feature_scoring
            import ema_workbench.analysis.prim  # noqa: F401
        finally:
            inspect.getouterframes = original
    return sys.modules["ema_workbench.analysis"]


def screen_inputs(
    model: ExploratoryModel, u: np.ndarray, y: np.ndarray, max_dims: int | None, seed: int
) -> tuple[list[int], dict[str, Any]]:
    """The indices of the inputs PRIM peels, and a record of the screening (empty if none).

    With more than ``max_dims`` inputs, the ``max_dims`` with the highest extra-trees feature
    scores for the binary outcome ``y`` (Geurts, Ernst & Wehenkel 2006; Kwakkel 2017), computed
    by ema_workbench's ``feature_scoring`` with 100 trees seeded by ``seed``; ties keep the
    inputs' declared order.
    """
    k = model.k
    if max_dims is None or k <= max_dims:
        return list(range(k)), {}
    if max_dims < 1:
        raise ModelError(f"max_dims must be at least 1, got {max_dims}")
    import pandas as pd

    get_ex_feature_scores = ema_analysis().feature_scoring.get_ex_feature_scores
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        names = list(model.uncertainties)
        scores, _ = get_ex_feature_scores(
            pd.DataFrame(u, columns=names), y.astype(int), random_state=seed % 2**32
        )
    by_name = {str(i): float(v) for i, v in scores.iloc[:, 0].items()}
    order = sorted(range(k), key=lambda j: (-by_name.get(names[j], 0.0), j))
    keep = sorted(order[:max_dims])
    return keep, {
        "method": "extra-trees feature scores (ema_workbench feature_scoring, 100 trees)",
        "inputs": k,
        "kept": [names[j] for j in order[:max_dims]],
        "scores": {names[j]: by_name.get(names[j], 0.0) for j in order[:max_dims]},
    }


def _lazy_prim(prim: ModuleType) -> type:
    """ema_workbench's ``Prim`` whose boxes leave their quasi-p values uncomputed while peeling
    and pasting.

    ema_workbench computes the quasi-p values (Bryant & Lempert 2010: one-sided binomial tests
    of each restricted dimension) of every box of the trajectory as it is found, about 40% of
    PRIM's time; the brief reports them for the chosen box only, which :func:`_quasi_p`
    computes with ema_workbench's own method. The boxes and trajectories are ema_workbench's,
    unchanged (the placeholder quasi-p values are never read); a test checks that the values
    equal the eagerly computed ones.
    """

    class LazyPrim(prim.Prim):  # type: ignore[misc,name-defined]
        def _peel(self, box: Any) -> Any:  # noqa: ANN401
            box._calculate_quasi_p = _no_quasi_p  # on this box only, before its first update
            return _numeric_peel(self, box) if _all_float(self) else super()._peel(box)

        _pastes = {**prim.Prim._pastes, "float": _numeric_paste}

    return LazyPrim


def _all_float(prim: Any) -> bool:  # noqa: ANN401
    """Every input of ``prim`` (an ema_workbench ``Prim``) is a float column: the inputs
    :func:`_numeric_peel` and :func:`_numeric_paste` handle (others go to ema_workbench's own
    methods).
    """
    return not prim.x_int_columns.size and len(prim.x_float_colums) == prim.box_init.shape[1]


def _numeric_peel(self: Any, box: Any) -> Any:  # noqa: ANN401
    """The peeling phase of ``box`` as ema_workbench 2.5.3's ``Prim._peel`` runs it on numeric
    inputs, with each candidate's limits on arrays.

    Peeling (Friedman & Fisher 1999, section 4) cuts, at every step, the ``peel_alpha`` (or
    ``1 - peel_alpha``) quantile off one end of one input, choosing the candidate with the best
    objective (and, among equals, the fewest restricted inputs, then the first in ema_workbench's
    order: inputs in order, the upper end before the lower), while the mass stays at least
    ``mass_min``, falls, and the objective is positive. ema_workbench builds a data frame of
    limits for every candidate and compares it with the initial box to count the restricted
    inputs; here only the chosen candidate's data frame is built, as ema_workbench builds it.
    A test compares boxes, trajectories and limits with ema_workbench's ``Prim``.
    """
    from ema_workbench.analysis.prim_util import get_quantile

    init = self.box_init.to_numpy(dtype=float)
    cols = list(self.x_float_colums)
    while True:
        mass_old = box.yi.shape[0] / self.n
        x = self.x_float[box.yi]
        lims = box.box_lims[-1]
        cur = np.array(lims[cols].to_numpy(dtype=float))
        y_box = self.y[box.yi]
        best: tuple[Any, ...] | None = None
        for j, u in enumerate(cols):
            xj = x[:, j]
            for row, q in ((1, 1 - self.peel_alpha), (0, self.peel_alpha)):
                cut = get_quantile(xj, q)
                indices = box.yi[xj <= cut] if row == 1 else box.yi[xj >= cut]
                obj = self.obj_func(self, y_box, self.y[indices])
                was = cur[row, j]
                cur[row, j] = cut
                unrestricted = self.n_cols - int((~np.all(init == cur, axis=0)).sum())
                cur[row, j] = was
                # the first of the best (obj, unrestricted): ema_workbench's stable descending sort
                if best is None or (obj, unrestricted) > (best[0], best[1]):
                    best = (obj, unrestricted, row, u, cut, indices)
        if best is None:
            return box
        obj, _, row, u, cut, indices = best
        mass_new = self.y[indices].shape[0] / self.n
        if not ((mass_new >= self.mass_min) & (mass_new < mass_old) & (obj > 0)):
            return box
        new_lims = copy.deepcopy(lims)
        new_lims.loc[row, u] = cut
        box.update(new_lims, indices)


def _numeric_paste(self: Any, box: Any, u: str, x: Any, resdim: Any) -> list[tuple[Any, Any]]:  # noqa: ANN401
    """The two candidate pastes of ``box`` along the numeric input ``u`` (below and above), as
    ema_workbench 2.5.3's ``Prim._real_paste`` gives them, computed on arrays.

    Pasting (Friedman & Fisher 1999, section 8) widens one limit of the box along ``u`` to the
    ``paste_alpha`` quantile (ema_workbench's ``get_quantile``) of the remaining points that lie
    in the slab between that limit and the input's range, within the box's other limits; the
    candidate's points are those inside the widened box (limits inclusive, over the restricted
    inputs ``resdim``). ema_workbench selects columns and rows of data frames for each of the
    slab, its points and the widened box, about 10 ms per candidate and most of PRIM's time in
    a brief; the same comparisons on one array give the same limits and points (a test compares
    boxes and trajectories with ema_workbench's). Inputs that are not all numeric are pasted by
    ema_workbench's own method.
    """
    from ema_workbench.analysis.prim_util import get_quantile

    if not _all_float(self):
        return ema_analysis().prim.Prim._real_paste(self, box, u, x, resdim)  # type: ignore[no-any-return]
    cols = list(resdim)
    cache = getattr(self, "_paste_arrays", None)  # x is the same for every input of one paste
    if cache is None or cache[0] is not x or cache[1] != cols:
        cache = (x, cols, x[cols].to_numpy(dtype=float))
        self._paste_arrays = cache
    X = cache[2]
    boxlim = box.box_lims[-1]
    lo = boxlim.loc[0, cols].to_numpy(dtype=float)
    hi = boxlim.loc[1, cols].to_numpy(dtype=float)
    j = cols.index(u)
    others = np.ones(X.shape[0], dtype=bool)
    for c in range(len(cols)):
        if c != j:
            others &= (lo[c] <= X[:, c]) & (X[:, c] <= hi[c])
    xu = X[:, j]
    minimum, maximum = self.box_init[u].values
    pastes = []
    # below the box (the slab from the input's minimum to the lower limit), then above it
    sides = ((minimum, lo[j], 1 - self.paste_alpha), (hi[j], maximum, self.paste_alpha))
    for i, (a, b, q) in enumerate(sides):
        data = xu[others & (a <= xu) & (xu <= b)]
        value = get_quantile(data, q) if data.size > 0 else (minimum, maximum)[i]
        new_lo, new_hi = (value, hi[j]) if i == 0 else (lo[j], value)
        box_paste = boxlim.copy()
        box_paste.loc[i, u] = value
        pastes.append((self.yi_remaining[others & (new_lo <= xu) & (xu <= new_hi)], box_paste))
    return pastes


def _no_quasi_p(i: int, restricted_dims: Any) -> None:  # noqa: ANN401
    """Placeholder of a trajectory step's quasi-p values (see :func:`_lazy_prim`)."""
    return None


def _quasi_p(prim: ModuleType, box: Any, i: int, box_init: Any) -> dict[str, Any]:  # noqa: ANN401
    """The quasi-p values of step ``i`` of ``box``'s trajectory, as ema_workbench's
    ``PrimBox.update`` computes them (call before PRIM looks for the next box: they are taken
    over the data not yet in an earlier box).
    """
    from ema_workbench.analysis import scenario_discovery_util as sdutil

    restricted = sdutil._determine_restricted_dims(box.box_lims[i], box_init)
    return prim.PrimBox._calculate_quasi_p(box, i, restricted)


def _prim_boxes(
    model: ExploratoryModel,
    u: np.ndarray,
    y: np.ndarray,
    best: np.ndarray,
    keep: list[int],
    threshold: float,
    peel_alpha: float,
    mass_min: float,
    max_boxes: int,
    found: Callable[[int], None] | None = None,
) -> list[Box]:
    """Run ema_workbench PRIM on the inputs ``keep`` (indices) and describe up to ``max_boxes``
    boxes (``found(b)`` after the ``b``-th search for a box).
    """
    import logging

    import pandas as pd

    prim = ema_analysis().prim
    logging.getLogger("EMA").setLevel(logging.ERROR)
    all_names = list(model.uncertainties)
    names = [all_names[j] for j in keep]
    x = pd.DataFrame(u[:, keep], columns=names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = _lazy_prim(prim)(
            x,
            y.astype(bool),
            threshold=threshold,
            peel_alpha=peel_alpha,
            paste_alpha=peel_alpha,
            mass_min=mass_min,
        )
    init = p.box_init
    rec = model.recommended
    out: list[Box] = []
    for b in range(max_boxes):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = p.find_box()
        if found is not None:
            found(b + 1)
        if box is None:
            break
        traj = box.peeling_trajectory
        if len(traj) <= 1 or float(traj["mean"].iloc[-1]) < threshold:
            break  # a dump box: no more dense regions
        dens = traj["density"].to_numpy()
        ok = np.flatnonzero(dens >= threshold)
        chosen = int(ok[np.argmax(traj["coverage"].to_numpy()[ok])]) if ok.size else len(traj) - 1
        box.select(chosen)
        lims = box.box_lims[chosen]
        qp = _quasi_p(prim, box, chosen, p.box_init)
        restricted = []
        for j, name in zip(keep, names, strict=True):
            lo, hi = float(lims[name].iloc[0]), float(lims[name].iloc[1])
            lo_r = lo > float(init[name].iloc[0])
            hi_r = hi < float(init[name].iloc[1])
            if not (lo_r or hi_r):
                continue
            vals = model.values(rec, np.array([[lo] * model.k, [hi] * model.k]))[name]
            q = qp.get(name, [-1, -1])
            restricted.append(
                {
                    "parameter": name,
                    "quantile_low": lo if lo_r else None,
                    "quantile_high": hi if hi_r else None,
                    "value_low": float(vals[0]) if lo_r else None,
                    "value_high": float(vals[1]) if hi_r else None,
                    "qp_low": None if q[0] is None or q[0] < 0 else float(q[0]),
                    "qp_high": None if q[1] is None or q[1] < 0 else float(q[1]),
                    "index": j,
                }
            )
        inside = np.asarray(box.yi)
        win = best[inside]
        winners = {
            o: int(np.sum(win == i))
            for i, o in enumerate(model.options)
            if o != rec and np.any(win == i)
        }
        row = traj.iloc[chosen]
        out.append(
            Box(
                index=b + 1,
                coverage=float(row["coverage"]),
                density=float(row["density"]),
                mass=float(row["mass"]),
                n=int(row["n"]),
                restricted=restricted,
                winners=winners,
                trajectory=[
                    {
                        "step": int(i),
                        "coverage": float(r["coverage"]),
                        "density": float(r["density"]),
                        "mass": float(r["mass"]),
                        "restricted_dimensions": int(r["res_dim"]),
                    }
                    for i, r in traj.reset_index(drop=True).iterrows()
                ],
                chosen=chosen,
            )
        )
    return out
