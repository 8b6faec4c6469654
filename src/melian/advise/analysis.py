"""The lever analysis: own stance, linkage, whom to persuade and coalitions for one actor."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from melian.advise import coalitions as coal
from melian.advise import linkage, persuasion, stance
from melian.advise.core import (
    DEFAULT_CREDIBLE_POSITION,
    DEFAULT_CREDIBLE_SALIENCE,
    DEFAULT_POSITION_STEP,
    DEFAULT_SALIENCE_STEP,
    AdviseError,
    Edit,
    Gain,
    Setup,
    default_workers,
    evaluate,
    gain_stats,
    model_blocks,
    robustness,
    sample_worlds,
    utility,
)
from melian.advise.result import Levers
from melian.bargaining.adapters import problem_from_scenario
from melian.bargaining.base import BargainingProblem
from melian.bargaining.registry import get_model, model_names
from melian.bargaining.uncertainty import InputUncertainty, uncertainty_from_scenario
from melian.errors import ModelError
from melian.limits import check_memory, check_samples
from melian.scenario.schema import Scenario

#: Default number of sampled worlds of the input uncertainty (plus the central one).
DEFAULT_DRAWS = 8


def _mean(v: np.ndarray) -> float:
    ok = v[np.isfinite(v)]
    return float(ok.mean()) if ok.size else float("nan")


def _rng(seed: int | np.random.SeedSequence | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def credibility(
    s: Scenario, problem: BargainingProblem, actor: str
) -> tuple[np.ndarray, np.ndarray]:
    """The actor's credible distance per issue (issue scale) and salience change (on [0, 1]).

    From each position's ``credible`` declaration, else the defaults
    (:data:`~melian.advise.core.DEFAULT_CREDIBLE_POSITION` of the scale width,
    :data:`~melian.advise.core.DEFAULT_CREDIBLE_SALIENCE` of the salience scale).
    """
    width = problem.scale[:, 1] - problem.scale[:, 0]
    bp = DEFAULT_CREDIBLE_POSITION * width
    bs = np.full(problem.n_issues, DEFAULT_CREDIBLE_SALIENCE)
    smax = s.salience_scale.max - s.salience_scale.min
    for k, iid in enumerate(problem.issues):
        for p in s.issue(iid).positions:
            if p.actor == actor and p.credible is not None:
                if p.credible.position is not None:
                    bp[k] = p.credible.position
                if p.credible.salience is not None:
                    bs[k] = p.credible.salience / smax
    return bp, bs


def advise(
    scenario: Scenario,
    actor: str | None = None,
    *,
    models: Sequence[str] | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int | np.random.SeedSequence | np.random.Generator | None = None,
    spreads: Mapping[str, Mapping[str, float]] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    step: float = DEFAULT_POSITION_STEP,
    salience_step: float = DEFAULT_SALIENCE_STEP,
    workers: int | None = None,
    position_steps: Sequence[float] = stance.POSITION_STEPS,
    salience_steps: Sequence[float] = stance.SALIENCE_STEPS,
    progress: Progress | None = None,
) -> Levers:
    """Levers for ``actor`` (default: the scenario's focal actor) across the bargaining models.

    Parameters
    ----------
    scenario : Scenario
        The scenario; its agenda issues are the bargaining problem
        (:func:`melian.bargaining.adapters.problem_from_scenario`).
    actor : str, optional
        Any actor at the table holding a position; default the focal actor.
    models : sequence of str, optional
        Registered bargaining models (default: all of them).
    draws : int
        Sampled worlds of the input uncertainty (:mod:`melian.bargaining.uncertainty`); 0 gives
        the central inputs only.
    seed : int, SeedSequence or Generator, optional
        The random stream (default: the scenario's dataset seed).
    spreads : mapping, optional
        Overrides of the confidence-to-spread defaults.
    params : mapping, optional
        Per-model parameter overrides.
    step, salience_step : float
        Persuasion steps: fraction of the scale width; salience change on [0, 1].
    workers : int, optional
        Processes (default up to 2); results do not depend on it.
    position_steps, salience_steps : sequence of float
        The stance grid: signed fractions of the credible bounds (+ exaggeration / more
        salience); default -1 and +1.
    progress : callable, optional
        Called with (stage, runs done, runs) as each model's runs in one sampled world end;
        the stages are ``"counterfactual runs"`` and ``"packages"``.

    Returns
    -------
    Levers
        Stance, linkage, persuasion targets and coalitions with gains and their spread.
    """
    problem = problem_from_scenario(scenario)
    actor = actor or (scenario.focal.actor if scenario.focal else None)
    if actor is None:
        raise AdviseError(f"scenario {scenario.id!r} has no focal actor; name one with --actor")
    if actor not in problem.actors:
        raise AdviseError(
            f"actor {actor!r} is not at the table with a position in scenario {scenario.id!r}; "
            f"choose one of: {', '.join(problem.actors)}"
        )
    unc = uncertainty_from_scenario(scenario, problem, spreads) if draws > 0 else None
    bp, bs = credibility(scenario, problem, actor)
    if seed is None:
        seed = scenario.metadata.seed
    levers = advise_problem(
        problem,
        actor,
        models=models,
        draws=draws,
        rng=_rng(seed),
        uncertainty=unc,
        credible_position=bp,
        credible_salience=bs,
        params=params,
        step=step,
        salience_step=salience_step,
        workers=workers,
        progress=progress,
        salience_max=scenario.salience_scale.max,
        position_steps=position_steps,
        salience_steps=salience_steps,
    )
    levers.scenario = scenario.id
    levers.names = {a.id: a.name for a in scenario.actors} | {i.id: i.name for i in scenario.issues}
    levers.names_ar = {a.id: a.names.get("ar", a.name) for a in scenario.actors} | {
        i.id: i.names.get("ar", i.name) for i in scenario.issues
    }
    levers.seed = seed if isinstance(seed, int) else None
    return levers


#: Progress of a lever analysis: (stage, runs done, runs).
Progress = Callable[[str, int, int], None]


def _stage(progress: Progress | None, stage: str) -> Callable[[int, int], None] | None:
    """``progress`` for one stage, as :func:`melian.advise.core.evaluate` calls it."""
    if progress is None:
        return None
    return lambda done, total: progress(stage, done, total)


def advise_problem(
    problem: BargainingProblem,
    actor: str,
    *,
    models: Sequence[str] | None = None,
    draws: int = DEFAULT_DRAWS,
    rng: np.random.Generator | None = None,
    uncertainty: InputUncertainty | None = None,
    credible_position: np.ndarray | None = None,
    credible_salience: np.ndarray | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    step: float = DEFAULT_POSITION_STEP,
    salience_step: float = DEFAULT_SALIENCE_STEP,
    workers: int | None = None,
    salience_max: float = 1.0,
    position_steps: Sequence[float] = stance.POSITION_STEPS,
    salience_steps: Sequence[float] = stance.SALIENCE_STEPS,
    progress: Progress | None = None,
) -> Levers:
    """Levers for ``actor`` on a bare :class:`BargainingProblem` (see :func:`advise`).

    ``credible_position`` (issue scale) and ``credible_salience`` (on [0, 1]) default to the
    documented fractions; ``uncertainty`` ``None`` (or ``draws`` 0) uses the central inputs only.
    ``progress`` as in :func:`advise`.
    """
    if actor not in problem.actors:
        raise AdviseError(
            f"actor {actor!r} is not in the problem; actors: {', '.join(problem.actors)}"
        )
    if not step > 0 or not salience_step > 0:
        raise AdviseError("persuasion steps must be positive")
    if draws < 0:
        raise AdviseError("draws must be 0 or more")
    if draws > 0:
        check_samples(draws)
    # edited positions and saliences of every counterfactual in every world, for every model
    n_edits = 4 * problem.n_issues + 2 * problem.n_actors + 9
    n_models = len(models) if models is not None else len(model_names())
    check_memory(
        16 * (draws + 1) * n_edits * problem.n_actors * problem.n_issues * n_models,
        "the lever analysis",
    )
    f = problem.actors.index(actor)
    width = problem.scale[:, 1] - problem.scale[:, 0]
    bp = (
        DEFAULT_CREDIBLE_POSITION * width
        if credible_position is None
        else np.asarray(credible_position, float)
    )
    bs = (
        np.full(problem.n_issues, DEFAULT_CREDIBLE_SALIENCE)
        if credible_salience is None
        else np.asarray(credible_salience, float)
    )
    names = list(models) if models is not None else model_names()
    for m in names:
        get_model(m)
    prm = {m: dict((params or {}).get(m, {})) for m in names}
    rng = rng if rng is not None else np.random.default_rng(0)
    pos, sal, cap = sample_worlds(
        problem, f, uncertainty, draws if uncertainty is not None else 0, rng
    )
    setup = Setup(problem, f, bp, bs, pos, sal, cap, names, prm)
    if not setup.own_issues:
        raise AdviseError(f"actor {actor!r} holds no position with positive salience")
    blocks: dict[str, list[tuple[int, ...]]] = {}
    for m in list(names):
        try:
            blocks[m] = model_blocks(problem, m, prm[m])
        except ModelError as exc:
            setup.notes.append(f"{m}: left out ({exc.message})")
            names.remove(m)
            continue
        if get_model(m).multidimensional and len(blocks[m]) > 1:
            setup.notes.append(
                f"{m}: each issue run on its own, as in the forecast (clout that differs by "
                "issue, or missing positions)"
            )
    if not names:
        raise AdviseError("no bargaining model could run on this problem")
    setup.models = names
    workers = default_workers() if workers is None else max(1, int(workers))

    stance_cells = stance.grid(setup, tuple(position_steps), tuple(salience_steps))
    persuade_cells = persuasion.persuasion_edits(setup, step, salience_step)
    link_cells = linkage.package_edits(setup)
    edits: list[Edit] = (
        [c[4] for c in stance_cells] + [c[2] for c in persuade_cells] + [c[3] for c in link_cells]
    )
    keep = ["exchange"] if "exchange" in names else []
    outcomes, extras = evaluate(
        setup,
        {m: edits for m in names},
        blocks,
        workers,
        keep,
        _stage(progress, "counterfactual runs"),
    )
    gains: dict[str, dict[str, Gain]] = {}
    baseline: dict[str, dict[str, Any]] = {}
    for m in names:
        u = utility(setup, outcomes[m])  # (worlds, edits + 1)
        base = u[:, :1]
        gains[m] = {e.key: gain_stats(u[:, i + 1] - base[:, 0]) for i, e in enumerate(edits)}
        baseline[m] = {
            "outcome": {iss: float(outcomes[m][0, 0, k]) for k, iss in enumerate(problem.issues)},
            "utility": float(u[0, 0]),
            "utility_mean": _mean(u[1:, 0]) if u.shape[0] > 1 else float(u[0, 0]),
        }
    opts = stance.options(setup, stance_cells, gains)

    # stage 2: each model's best stance as one package, and the robust stance, for every model
    choices: dict[str | None, tuple[dict, dict, dict]] = {None: stance.choose(setup, opts, None)}
    for m in names:
        choices[m] = stance.choose(setup, opts, m)
    pkg_edits: dict[str, list[Edit]] = {}
    for m in names:
        eds = []
        for who in (None, m):
            p_, s_, _ = choices[who]
            if p_ or s_:
                eds.append(stance.stance_edit(f"package:{who}", f, p_, s_))
        pkg_edits[m] = eds
    pkg_out, _ = evaluate(
        setup,
        {m: e for m, e in pkg_edits.items() if e},
        blocks,
        workers,
        progress=_stage(progress, "packages"),
    )
    pkg_gain: dict[str, dict[str, Gain]] = {}
    for m, eds in pkg_edits.items():
        if not eds:
            continue
        u = utility(setup, pkg_out[m])
        pkg_gain[m] = {e.key: gain_stats(u[:, i + 1] - u[:, 0]) for i, e in enumerate(eds)}
    zero = gain_stats(np.zeros(setup.worlds))

    def as_stance(who: str | None) -> stance.Stance:
        p_, s_, rew = choices[who]
        key = f"package:{who}"
        if who is None:
            g = {m: pkg_gain.get(m, {}).get(key, zero) for m in names}
        else:
            g = {who: pkg_gain.get(who, {}).get(key, zero)}
        return stance.Stance(
            who,
            {problem.issues[k]: v for k, v in p_.items()},
            {problem.issues[k]: v for k, v in s_.items()},
            rew,
            g,
            robustness(g),
        )

    forecast = np.array(
        [np.nanmedian([outcomes[m][0, 0, k] for m in names]) for k in range(problem.n_issues)]
    )
    return Levers(
        actor=actor,
        scenario=problem.name,
        models=names,
        draws=setup.worlds - 1,
        issues=list(problem.issues),
        true_position={problem.issues[k]: float(setup.true_position[k]) for k in setup.own_issues},
        true_salience={problem.issues[k]: float(setup.true_salience[k]) for k in setup.own_issues},
        credible_position={problem.issues[k]: float(bp[k]) for k in setup.own_issues},
        credible_salience={problem.issues[k]: float(bs[k]) for k in setup.own_issues},
        salience_max=salience_max,
        step=step,
        salience_step=salience_step,
        baseline=baseline,
        stance_options=opts,
        stance_best={m: as_stance(m) for m in names},
        stance_robust=as_stance(None),
        packages=linkage.packages(setup, link_cells, gains),
        trades=linkage.trades(setup, extras["exchange"]) if keep else [],
        targets=persuasion.targets(setup, persuade_cells, gains),
        coalitions=coal.coalitions(setup, forecast),
        notes=list(setup.notes),
    )
