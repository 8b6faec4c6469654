"""Shared machinery of the lever analysis: the focal actor, counterfactual runs, utilities, statistics.

A *counterfactual* (an :class:`Edit`) changes what some actors state (positions) or show
(saliences) on some issues. It is applied to the central inputs and to every sampled world of the
input uncertainty (:mod:`melian.bargaining.uncertainty`), always the same sampled worlds (common
random numbers), so that the gain of a lever in a world is a difference of two runs on the same
inputs. Each registered bargaining model (:mod:`melian.bargaining.registry`) is run on every
edited world; a one-dimensional model, and a multidimensional model that refuses missing
positions, is run issue by issue (each issue a *block* with the actors that hold a position on it,
as :func:`melian.bargaining.forecast` does), so that a counterfactual re-runs only the blocks
it touches.

The focal actor's utility of outcomes O is the salience-weighted closeness of the outcomes to its
TRUE positions x*_k (the scenario's positions), on [0, 100]:

    U(O) = 100 * sum_k s*_k (1 - |O_k - x*_k| / width_k) / sum_k s*_k

with s*_k its true salience. What it states may differ from x*, what it shows from s*; its own
preferences are known to it, so they are not perturbed in the sampled worlds (everybody else's
positions, saliences and every actor's clout are).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from melian.bargaining import forecast, issue_capability
from melian.bargaining.base import BargainingProblem
from melian.bargaining.registry import get_model, run_model
from melian.bargaining.uncertainty import InputUncertainty, sample_inputs
from melian.errors import MelianError, ModelError

#: Default credibility bounds (fractions of the issue's scale width and of the salience scale):
#: an actor can credibly state a position up to 15% of the scale away from its true one, and show a
#: salience up to 0.15 (on [0, 1]) above or below its true one, unless the scenario declares
#: ``credible`` on the position. A judgement, documented in docs/models/advise.md.
DEFAULT_CREDIBLE_POSITION = 0.15
DEFAULT_CREDIBLE_SALIENCE = 0.15
#: Default persuasion steps: another actor's position moved 10% of the scale towards the focal
#: actor's, its salience moved 0.1 (on [0, 1]).
DEFAULT_POSITION_STEP = 0.10
DEFAULT_SALIENCE_STEP = 0.10
#: A gain counts as "helps" in a sampled world when it exceeds this (utility points, 0-100).
HELP_EPS = 1e-6


class AdviseError(MelianError):
    """The lever analysis cannot run as asked (unknown actor, no usable model...)."""


@dataclass(frozen=True)
class Edit:
    """A counterfactual: ``apply(position, salience)`` returns edited copies of the arrays.

    The arrays have shape (worlds, actors, issues); ``issues`` lists the issue indices it touches;
    ``key`` names it (unique within an analysis).
    """

    key: str
    issues: tuple[int, ...]
    apply: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass
class Setup:
    """The problem, the focal actor and the sampled worlds shared by every lever.

    ``position``, ``salience`` (worlds, actors, issues) and ``capability`` (worlds, actors) hold
    the central inputs in world 0 and the sampled worlds after it.
    """

    problem: BargainingProblem
    focal: int
    credible_position: np.ndarray  # (issues,) on the issue scale
    credible_salience: np.ndarray  # (issues,) on [0, 1]
    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    models: list[str]
    params: dict[str, dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    @property
    def worlds(self) -> int:
        """Central world plus sampled ones."""
        return int(self.position.shape[0])

    @property
    def width(self) -> np.ndarray:
        """Width of each issue's scale."""
        return self.problem.scale[:, 1] - self.problem.scale[:, 0]

    @property
    def true_position(self) -> np.ndarray:
        """The focal actor's true positions (nan where it holds none)."""
        return self.problem.position[self.focal]

    @property
    def true_salience(self) -> np.ndarray:
        """The focal actor's true saliences on [0, 1] (0 where it holds no position)."""
        s = np.asarray(self.problem.salience[self.focal], dtype=float)
        return np.where(np.isnan(self.true_position), 0.0, np.nan_to_num(s))

    @property
    def own_issues(self) -> list[int]:
        """Issues on which the focal actor holds a position with positive salience."""
        return [k for k in range(self.problem.n_issues) if self.true_salience[k] > 0]

    def centre(self) -> np.ndarray:
        """Per world and issue, the capability x salience weighted mean of the OTHER actors.

        Shape (worlds, issues); the reference for "towards the others" (moderation) and "away
        from them" (exaggeration).
        """
        pos, sal = self.position, self.salience
        w = self.capability[:, :, None] * np.nan_to_num(sal)
        w = np.where(np.isnan(pos), 0.0, w)
        w[:, self.focal, :] = 0.0
        tot = w.sum(axis=1)
        num = (w * np.nan_to_num(pos)).sum(axis=1)
        mid = self.problem.scale.mean(axis=1)
        return np.where(tot > 0, num / np.where(tot > 0, tot, 1.0), mid[None, :])


def utility(setup: Setup, outcomes: np.ndarray) -> np.ndarray:
    """The focal actor's utility (0-100) of ``outcomes`` (..., issues); nan where any is nan."""
    x, s, w = setup.true_position, setup.true_salience, setup.width
    own = s > 0
    close = 1.0 - np.abs(outcomes[..., own] - x[own]) / w[own]
    return 100.0 * (close * s[own]).sum(axis=-1) / s[own].sum()


# --------------------------------------------------------------------------- running models
def subproblem(
    p: BargainingProblem, actors: np.ndarray, issues: Sequence[int]
) -> BargainingProblem:
    """The problem restricted to ``actors`` and ``issues`` (issue-specific power sliced too)."""
    ks = list(issues)
    meta = {
        k: (np.asarray(v)[np.ix_(actors, ks)] if k == "power" else v) for k, v in p.meta.items()
    }
    return replace(
        p,
        actors=tuple(p.actors[i] for i in actors),
        issues=tuple(p.issues[k] for k in ks),
        capability=np.asarray(p.capability)[actors],
        position=np.asarray(p.position)[np.ix_(actors, ks)],
        salience=np.asarray(p.salience)[np.ix_(actors, ks)],
        scale=p.scale[ks],
        reference=p.reference[ks],
        meta=meta,
    )


def model_blocks(
    problem: BargainingProblem, model: str, params: dict[str, Any]
) -> list[tuple[int, ...]]:
    """How ``model`` is run: one block of every issue, or each issue on its own.

    The same decomposition as :func:`melian.bargaining.forecast`, so that the counterfactuals'
    baseline is the forecast the other sections show. One-dimensional models are separable:
    each issue is its own block. A multidimensional model runs all issues jointly, except (as
    the forecast does) where an actor's clout differs between issues and the model weighs an
    actor by one number (each issue then runs with its actors' clout there) or where it refuses
    the problem's missing positions (each issue then runs with the actors that hold one).
    Raises :class:`ModelError` if the model cannot run on the problem at all.
    """
    spec = get_model(model)
    per_issue = [(k,) for k in range(problem.n_issues)]
    if not spec.multidimensional or (_issue_clout(problem, model) is not None):
        return per_issue
    pos = np.asarray(problem.position, float)
    try:
        run_model(model, problem, **params)
        return [tuple(range(problem.n_issues))]
    except ModelError:
        if not np.isnan(pos).any():
            raise
    return per_issue


def _issue_clout(problem: BargainingProblem, model: str) -> np.ndarray | None:
    """Each actor's clout per issue (actors x issues) where ``model`` must be run with it issue by
    issue (it weighs an actor by one number and clout differs by issue), else ``None``.
    """
    if get_model(model).issue_weights:
        return None
    return issue_capability(problem)


def _run_block(
    problem: BargainingProblem, model: str, params: dict[str, Any], block: tuple[int, ...]
) -> tuple[np.ndarray, Any]:
    """Point forecasts of ``block``'s issues (nan on a model error) and the forecast's extra."""
    pos = np.asarray(problem.position, float)[:, list(block)]
    # a joint block is one the model accepted with its missing positions (model_blocks): every
    # actor with a position in it takes part, as in the forecast; one issue: its holders
    actors = np.flatnonzero(~np.all(np.isnan(pos), axis=1))
    sub = subproblem(problem, actors, block)
    try:
        # the forecast's own rules (each issue with its actors' clout there, for a model that
        # weighs an actor by one number); the model's error, not a fallback, where it refuses
        f = forecast(sub, model, missing_positions="error", **params)
    except ModelError:
        return np.full(len(block), np.nan), None
    return np.array([iss.point for iss in f.issues], dtype=float), f.extra


@dataclass(frozen=True)
class Task:
    """Every run of one model in one world: the baseline and each edit's touched blocks."""

    model: str
    params: dict[str, Any]
    blocks: tuple[tuple[int, ...], ...]
    problem: BargainingProblem
    position: np.ndarray  # (edits + 1, actors, issues); row 0 the baseline
    salience: np.ndarray
    capability: np.ndarray  # (actors,)
    touched: tuple[tuple[int, ...], ...]  # per edit (row 1...), the issue indices it touches
    keep_extra: bool = False


def run_task(task: Task) -> tuple[np.ndarray, Any]:
    """Outcomes (edits + 1, issues) of ``task``; the baseline's per-block ``extra`` if asked.

    A block whose inputs an edit leaves unchanged (or that another row already ran with the same
    inputs) is not run again: its outcomes are copied.
    """
    m = task.problem.n_issues
    n_rows = task.position.shape[0]
    out = np.full((n_rows, m), np.nan)
    extras: list[Any] = []
    done: dict[tuple[tuple[int, ...], bytes, bytes], np.ndarray] = {}
    for r in range(n_rows):
        p = replace(
            task.problem,
            position=task.position[r],
            salience=task.salience[r],
            capability=task.capability,
        )
        hit = set(range(m)) if r == 0 else set(task.touched[r - 1])
        if r > 0:
            out[r] = out[0]
        for b in task.blocks:
            if not hit.intersection(b):
                continue
            cols = list(b)
            key = (b, task.position[r][:, cols].tobytes(), task.salience[r][:, cols].tobytes())
            if key in done and r > 0:
                out[r, cols] = done[key]
                continue
            out[r, cols], extra = _run_block(p, task.model, task.params, b)
            done[key] = out[r, cols]
            if r == 0:
                extras.append(extra)
    return out, (extras if task.keep_extra else None)


def evaluate(
    setup: Setup,
    edits: Mapping[str, Sequence[Edit]],
    blocks: Mapping[str, list[tuple[int, ...]]],
    workers: int = 1,
    keep_extra: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, list[Any]]]:
    """Outcomes of every model under its baseline and each of its edits, in every world.

    Parameters
    ----------
    setup : Setup
        Problem, focal actor and sampled worlds.
    edits : mapping
        Per model, the counterfactuals to run (the same worlds for each: common random numbers).
    blocks : mapping
        Per model, its blocks (:func:`model_blocks`).
    workers : int
        Processes; 1 runs in this process. Results do not depend on it.
    keep_extra : sequence of str
        Models whose baseline ``Forecast.extra`` (per world, per block) is returned.
    progress : callable, optional
        Called with (tasks done, tasks) as runs of one model in one world end (on several
        processes also every :data:`HEARTBEAT` seconds while none does).

    Returns
    -------
    outcomes : dict
        Per model an array (worlds, edits + 1, issues): row 0 the baseline.
    extras : dict
        Per model in ``keep_extra``, per world, the list of per-block extras.
    """
    tasks: list[Task] = []
    for model, eds in edits.items():
        pos = [setup.position]
        sal = [setup.salience]
        for e in eds:
            p2, s2 = e.apply(setup.position.copy(), setup.salience.copy())
            pos.append(p2)
            sal.append(s2)
        P = np.stack(pos, axis=1)  # (worlds, edits + 1, actors, issues)
        S = np.stack(sal, axis=1)
        for w in range(setup.worlds):
            tasks.append(
                Task(
                    model=model,
                    params=setup.params.get(model, {}),
                    blocks=tuple(blocks[model]),
                    problem=setup.problem,
                    position=P[w],
                    salience=S[w],
                    capability=setup.capability[w],
                    touched=tuple(e.issues for e in eds),
                    keep_extra=model in keep_extra,
                )
            )
    if workers > 1 and len(tasks) > 1:
        # heaviest models first so that the two processes finish together; results are put
        # back in task order, so they do not depend on the schedule; progress as each run ends
        # (in whatever order), not in submission order, where a heavy first run holds it back
        order = sorted(range(len(tasks)), key=lambda i: _schedule_rank(tasks[i].model))
        results: list[Any] = [None] * len(tasks)
        with _process_pool(workers) as pool:
            pending = {pool.submit(run_task, tasks[i]): i for i in order}
            left, done = set(pending), 0
            while left:
                # every second without a run ending, the same progress again: a caller that
                # forwards other processes' progress from its own (the brief) gets to do so
                ended, left = wait(left, timeout=HEARTBEAT, return_when=FIRST_COMPLETED)
                for fut in ended:
                    results[pending[fut]] = fut.result()
                done += len(ended)
                if progress is not None:
                    progress(done, len(tasks))
    else:
        results = []
        for t in tasks:
            results.append(run_task(t))
            if progress is not None:
                progress(len(results), len(tasks))
    outcomes: dict[str, np.ndarray] = {}
    extras: dict[str, list[Any]] = {}
    k = 0
    for model in edits:
        rows = results[k : k + setup.worlds]
        k += setup.worlds
        outcomes[model] = np.stack([r[0] for r in rows])
        if model in keep_extra:
            extras[model] = [r[1] for r in rows]
    return outcomes, extras


#: Seconds between two progress reports while no run ends (see :func:`evaluate`).
HEARTBEAT = 1.0

#: Scheduling hint only (heaviest first; results never depend on it): the models whose runs cost
#: the most on problems of a dozen actors.
_HEAVY = ("exchange", "smp", "bdm")


def _schedule_rank(model: str) -> int:
    return _HEAVY.index(model) if model in _HEAVY else len(_HEAVY)


def _process_pool(n: int) -> ProcessPoolExecutor:
    """A process pool: forked where available and safe (workers inherit the imported modules),
    spawned when other threads run in this process (a web job's thread: forking copies locks
    that other threads may hold).
    """
    import multiprocessing as mp
    import threading

    fork = "fork" in mp.get_all_start_methods() and threading.active_count() == 1
    return ProcessPoolExecutor(
        max_workers=n, mp_context=mp.get_context("fork" if fork else "spawn")
    )


def default_workers() -> int:
    """Processes used when the caller does not say: at most 2, at most the CPUs available."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        n = os.cpu_count() or 1
    return max(1, min(2, n))


# --------------------------------------------------------------------------- statistics
@dataclass(frozen=True)
class Gain:
    """A lever's gain for the focal actor under one model, in utility points (0-100).

    ``central``: on the scenario's own inputs; ``mean``, ``low``, ``high``: mean, 10th and 90th
    percentile over the sampled worlds (the central world when none are sampled); ``helps``: the
    share of sampled worlds in which it helps (gain > 0); ``failed``: worlds where the model failed.
    """

    central: float
    mean: float
    low: float
    high: float
    helps: float
    failed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (nan -> None)."""
        return {k: _num(getattr(self, k)) for k in ("central", "mean", "low", "high", "helps")} | {
            "failed": self.failed
        }


def _num(v: float) -> float | None:
    return None if not np.isfinite(v) else round(float(v), 6)


def gain_stats(g: np.ndarray) -> Gain:
    """Summarise gains per world (world 0 central, then the sampled worlds)."""
    central = float(g[0])
    sampled = g[1:] if g.shape[0] > 1 else g[:1]
    ok = sampled[np.isfinite(sampled)]
    failed = int(np.sum(~np.isfinite(g)))
    if ok.size == 0:
        return Gain(central, np.nan, np.nan, np.nan, np.nan, failed)
    lo, hi = np.percentile(ok, [10, 90])
    return Gain(
        central, float(ok.mean()), float(lo), float(hi), float(np.mean(ok > HELP_EPS)), failed
    )


@dataclass(frozen=True)
class Robustness:
    """How a lever fares across models: share of models under which it helps in most worlds,
    share of all (model, world) runs in which it helps, and the median of the models' mean gains.
    """

    models_helped: float
    runs_helped: float
    median_gain: float

    @property
    def robust(self) -> bool:
        """Helps under most models and in most sampled worlds."""
        return self.models_helped > 0.5 and self.runs_helped > 0.5

    def key(self) -> tuple[float, ...]:
        """Sort key (higher is better): robust first, then support, then gain."""
        g = self.median_gain if np.isfinite(self.median_gain) else -np.inf
        return (float(self.robust), self.models_helped + self.runs_helped, g)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "models_helped": _num(self.models_helped),
            "runs_helped": _num(self.runs_helped),
            "median_gain": _num(self.median_gain),
            "robust": self.robust,
        }


def robustness(gains: Mapping[str, Gain]) -> Robustness:
    """Combine per-model gains (models whose gain is undefined are left out)."""
    ok = [g for g in gains.values() if np.isfinite(g.mean)]
    if not ok:
        return Robustness(0.0, 0.0, np.nan)
    return Robustness(
        float(np.mean([g.helps > 0.5 for g in ok])),
        float(np.mean([g.helps for g in ok])),
        float(np.median([g.mean for g in ok])),
    )


def sample_worlds(
    problem: BargainingProblem,
    focal: int,
    uncertainty: InputUncertainty | None,
    draws: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Central inputs stacked with ``draws`` sampled worlds; the focal actor's own stance fixed."""
    pos0 = np.asarray(problem.position, float)[None]
    sal0 = np.asarray(problem.salience, float)[None]
    cap0 = np.asarray(problem.capability, float)[None]
    if draws <= 0 or uncertainty is None:
        return pos0.copy(), sal0.copy(), cap0.copy()
    pos, sal, cap = sample_inputs(problem, uncertainty, draws, rng)
    pos[:, focal, :] = problem.position[focal]
    sal[:, focal, :] = problem.salience[focal]
    return (
        np.concatenate([pos0, pos]),
        np.concatenate([sal0, sal]),
        np.concatenate([cap0, cap]),
    )
