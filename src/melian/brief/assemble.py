"""Assemble the decision brief: run every analysis on a scenario and prepare what the page shows.

Order (each step a call of one of the :class:`~melian.brief.base.Runners` on the immutable
scenario): bargaining forecasts for every agenda issue with every registered model; the
alliance game under both framings; the world-model ensemble per option; robustness (tornado,
PRIM, regret); the MCDA ranking with weight stability. Then the bottom line, key judgements
(ICD 203 likelihood words) and signposts are derived from those results, never typed in. A step
that cannot be computed for this scenario (for example a scenario without options has no game)
is omitted and the brief says why; a step that fails is a failure of the brief
(:attr:`Brief.failures`; :meth:`Brief.check` raises), never passed off as a result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from melian.brief import change, parallel
from melian.brief import sections as extra
from melian.brief.base import (
    BriefIncompleteError,
    Progress,
    Runners,
    Section,
    Settings,
    noop,
    run_section,
)
from melian.brief.change import change_section
from melian.brief.consequences import consequences_section
from melian.brief.levers import levers_section
from melian.brief.likelihood import likelihood_words
from melian.errors import MelianError
from melian.jsonio import to_jsonable
from melian.manifest import run_manifest
from melian.reprs import html_table
from melian.scenario.schema import Scenario


# --------------------------------------------------------------------------- the brief
@dataclass
class Brief:
    """Everything the brief shows, in one object (rendered by :mod:`melian.brief.render`)."""

    scenario: Scenario
    lang: str
    settings: Settings
    manifest: dict[str, Any]
    sections: dict[str, Section]
    bluf: list[str]
    judgements: list[dict[str, str]]
    signposts: list[str]
    #: Why there are no signposts (empty when there are some).
    signposts_note: str = ""

    @property
    def failures(self) -> dict[str, str]:
        """Sections that should have been computed and failed: section id -> cause."""
        return {k: v.error or "" for k, v in self.sections.items() if v.failed}

    @property
    def skipped(self) -> dict[str, str]:
        """Sections the scenario declares nothing for: section id -> why."""
        return {k: v.skipped for k, v in self.sections.items() if v.skipped is not None}

    def check(self) -> None:
        """Raise :class:`~melian.brief.base.BriefIncompleteError` if any section failed."""
        if self.failures:
            raise BriefIncompleteError(self.failures)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready results (charts left out: they are in the HTML; :mod:`melian.jsonio`)."""
        return to_jsonable(self._data())

    def _data(self) -> dict[str, Any]:
        return {
            "manifest": self.manifest,
            "lang": self.lang,
            "bluf": self.bluf,
            "judgements": self.judgements,
            "signposts": self.signposts,
            "signposts_note": self.signposts_note,
            "failures": self.failures,
            "sections": {
                k: {"ok": v.ok, "error": v.error, "skipped": v.skipped, "data": _strip(v.data)}
                for k, v in self.sections.items()
            },
        }

    def to_frame(self) -> Any:  # noqa: ANN401
        """Long (tidy) numbers of the brief: section, path (dotted keys), value.

        Every number each section shows (its ``data``, charts left out), one row each.
        """
        import pandas as pd

        rows = [
            (sec, path, v)
            for sec, d in self.to_dict()["sections"].items()
            for path, v in _leaves(d["data"])
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        ]
        return pd.DataFrame(rows, columns=["section", "path", "value"])

    def _repr_html_(self) -> str:
        rows = [
            [k, "ok" if v.ok else ("omitted: " if v.skipped else "FAILED: ") + str(v.error)]
            for k, v in self.sections.items()
        ]
        return html_table(
            f"Brief on {self.scenario.id} ({self.lang})",
            ["section", "status"],
            rows,
            note=" ".join(self.bluf),
        )


def _leaves(data: Any, prefix: str = "") -> list[tuple[str, Any]]:  # noqa: ANN401
    """(dotted path, value) of every leaf of nested dicts and lists."""
    if isinstance(data, dict):
        return [x for k, v in data.items() for x in _leaves(v, f"{prefix}{k}.")]
    if isinstance(data, list):
        return [x for i, v in enumerate(data) for x in _leaves(v, f"{prefix}{i}.")]
    return [(prefix.rstrip("."), data)]


def _strip(data: Any) -> Any:  # noqa: ANN401
    if isinstance(data, dict):
        return {str(k): _strip(v) for k, v in data.items() if k != "uri"}
    if isinstance(data, (list, tuple)):
        return [_strip(v) for v in data]
    if isinstance(data, (np.floating, np.integer)):
        return data.item()
    return data


STEPS: list[tuple[str, float]] = [
    ("forecast", 0.15),
    ("game", 0.10),
    ("consequences", 0.25),
    ("levers", 0.05),
    ("robustness", 0.35),
    ("ranking", 0.10),
]

#: The order the sections are computed in: the robustness section, whose views run in other
#: processes, last, so that this process builds every other section while they run instead of
#: waiting for them first (the sections are independent; the brief keeps :data:`STEPS`'s order).
COMPUTE_ORDER: list[str] = [k for k, _ in STEPS if k != "robustness"] + ["robustness"]


def build_step(
    s: Scenario,
    lang: str,
    settings: Settings,
    runners: Runners,
    secs: dict[str, Section],
    step: str,
    progress: Progress,
    views: dict[str, dict[str, Any]] | None = None,
) -> Section:
    """Build section ``step`` of the brief (``secs``: the sections built so far; ``views``: the
    robustness section's views computed elsewhere, :func:`melian.brief.change.view_result`).
    """
    if step == "forecast":
        return extra.forecast_section(s, lang, runners, progress, settings)
    if step == "game":
        return extra.game_section(s, lang, runners, progress)
    if step == "consequences":
        return consequences_section(s, lang, settings, runners, progress)
    if step == "robustness":
        return change_section(s, lang, settings, runners, progress, done=views)
    if step == "ranking":
        return extra.ranking_section(s, lang, settings, secs, runners, progress)
    if step == "levers":
        return levers_section(s, lang, settings, progress)
    raise ValueError(f"unknown brief step {step!r}")


#: Libraries both this process (the game's solver, the charts) and every view's process (the
#: scenario-discovery library) import, about a second together per process, and the compiled
#: kernels of the world engine and of the exchange model (numba and their cached code, about
#: 0.3 s): imported once
#: before the views are forked (:func:`melian.brief.parallel.preload`) instead of once per
#: process.
SHARED_IMPORTS = (
    "pandas",
    "scipy.stats",
    "melian.world._kernels",
    "melian.bargaining._exchange_kernel",
)


@dataclass(frozen=True)
class _Child:
    """A child process computing ``tasks`` in turn (``(view, part)``, part None: the whole
    view); ``share``: its share of the robustness section's progress.
    """

    proc: parallel.Beside
    tasks: tuple[tuple[str, str | None], ...]
    share: float


def _view_tasks(views: list[str], settings: Settings) -> list[tuple[tuple[str, str | None], ...]]:
    """The robustness section's work per child process.

    Views whose ensembles run in one process (the ``synchronous`` scheduler) get a process
    each. With breaking points and several views, each process computes one view's PRIM and
    regret ensemble and the next view's breaking points (:data:`melian.brief.change.PARTS`,
    independent computations): a view that costs more than the others in both parts then no
    longer runs alone at the end while the other cores idle. Views whose ensembles already
    spread over the machine's cores (a Dask cluster) share one process, one after the other.
    """
    if settings.explore_scheduler != "synchronous":
        return [tuple((v, None) for v in views)]
    n = len(views)
    if not settings.breaking or n < 2:
        return [((v, None),) for v in views]
    return [((views[k], "ensemble"), (views[(k + 1) % n], "breaking")) for k in range(n)]


def _start_views(
    s: Scenario, runners: Runners, settings: Settings, sub: Callable[[str], Progress]
) -> dict[str, _Child]:
    """The robustness section's views started in child processes (:func:`_view_tasks`), when
    the settings ask for it and the section applies (those that cannot be sent are left to
    this process).
    """
    if not settings.parallel:
        return {}
    try:
        on, views = change.plan(s, settings)
    except MelianError:  # not applicable, or not computable: the section says so itself
        return {}
    parallel.preload(SHARED_IMPORTS)
    out: dict[str, _Child] = {}
    for k, tasks in enumerate(_view_tasks(views, settings)):
        key = f"robustness:{k}"
        build = functools.partial(change.parts_result, s, settings, runners, on, list(tasks))
        b = parallel.start(key, build, sub(key), functools.partial(_all_failed, tasks))
        if b is not None:
            share = sum(change.part_share(p) for _, p in tasks)
            out[key] = _Child(b, tasks, share / len(views))
    return out


def _all_failed(tasks: tuple[tuple[str, str | None], ...], message: str) -> list[dict[str, Any]]:
    """Every task of a child process that failed or ended without a result."""
    return [change.view_failed(message, part) for _, part in tasks]


def _joined(children: dict[str, _Child]) -> dict[str, dict[str, Any]]:
    """The views' results, once every child has its tasks' (the parts of a view joined). A
    view of which a part was not started in a child is left out (this process computes it
    whole).
    """
    parts: dict[str, dict[str | None, dict[str, Any]]] = {}
    for c in children.values():
        for (v, part), r in zip(c.tasks, c.proc.wait(), strict=True):
            parts.setdefault(v, {})[part] = r
    return {
        v: change.merge_parts(list(rs.values()))
        for v, rs in parts.items()
        if None in rs or set(rs) == set(change.PARTS)
    }


def _run_steps(
    s: Scenario,
    runners: Runners,
    lang: str,
    settings: Settings,
    progress: Progress,
    strict: bool,
) -> dict[str, Section]:
    """Every section of :data:`STEPS` (computed in :data:`COMPUTE_ORDER`, returned in the
    order of :data:`STEPS`), with the robustness section's views in child processes when the
    settings allow; progress is the weighted sum of the parts' fractions.
    """
    weights = dict(STEPS)
    frac = dict.fromkeys(weights, 0.0)

    def sub(key: str) -> Progress:
        def report(msg: str, f: float) -> None:
            frac[key] = min(max(f, 0.0), 1.0)
            progress(msg, sum(weights.get(k, 0.0) * v for k, v in frac.items()))

        return report

    children: dict[str, _Child] = {}
    secs: dict[str, Section] = {}
    try:
        children.update(_start_views(s, runners, settings, sub))
        total = sum(c.share for c in children.values())
        for k, c in children.items():  # the views carry the section's weight
            weights[k] = weights["robustness"] * c.share / total
        if children:
            weights["robustness"] = 0.0  # assembling their results is quick
        for step in COMPUTE_ORDER:
            own = sub(step)

            def report(msg: str, f: float, own: Progress = own) -> None:
                own(msg, f)
                for c in children.values():
                    c.proc.poll()

            views = None
            if step == "robustness" and children:
                views = _joined(children)
            secs[step] = run_section(step, lambda st=step, r=report, vs=views: build_step(
                s, lang, settings, runners, secs, st, r, vs
            ))  # fmt: skip
            if strict and secs[step].failed:
                raise BriefIncompleteError({step: secs[step].error or ""})
            own(f"{step}: done", 1.0)
    finally:
        for c in children.values():
            c.proc.stop()
    return {k: secs[k] for k, _ in STEPS if k in secs}


def assemble(
    s: Scenario,
    runners: Runners,
    *,
    lang: str = "en",
    quick: bool = False,
    seed: int | None = None,
    progress: Progress | None = None,
    settings: Settings | None = None,
    strict: bool = False,
) -> Brief:
    """Run every analysis on ``s`` through ``runners`` and return the :class:`Brief`.

    Nothing is written and nothing is saved: :func:`melian.brief.render.write_brief` writes the
    files, and the face decides whether to keep the run in the store. With ``strict`` the first
    section that fails raises :class:`~melian.brief.base.BriefIncompleteError` at once (the other
    analyses are not run for nothing); otherwise failures are recorded (:attr:`Brief.failures`).
    """
    progress = progress or noop
    if settings is None:
        settings = Settings.make(quick, seed if seed is not None else s.metadata.seed)
    secs = _run_steps(s, runners, lang, settings, progress, strict)
    secs["assumptions"] = extra.scenario_section(s, lang)
    bluf, judgements, signposts = extra.conclusions(s, lang, secs)
    manifest = run_manifest(
        s,
        command="brief",
        seed=settings.seed,
        params={
            "lang": lang,
            "quick": quick,
            "paths": settings.paths,
            "horizon": settings.horizon,
            "prim_samples": settings.prim_samples,
            "explore_paths": settings.explore_paths,
            "breaking_reference": settings.breaking_reference,
            "breaking_replications": settings.breaking_replications,
            "breaking_grid": settings.breaking_grid,
            "breaking_paths": settings.breaking_paths,
            "input_draws": settings.input_draws,
            "views": [v.id for v in s.views],
        },
    )
    progress("brief assembled", 1.0)
    return Brief(
        scenario=s,
        lang=lang,
        settings=settings,
        manifest=manifest,
        sections=secs,
        bluf=bluf,
        judgements=judgements,
        signposts=signposts,
        signposts_note=extra.signposts_note(lang, secs, signposts),
    )


__all__ = ["Brief", "Runners", "Section", "Settings", "assemble", "likelihood_words"]
