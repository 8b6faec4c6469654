"""What every part of the brief shares: settings, the section record, the runners of the
analyses, and the small formatting helpers of tables and labels.

The brief computes nothing itself: :class:`Runners` holds the functions that run each analysis;
:func:`melian.analysis.brief` fills it with the analysis layer's functions (so the brief sits
below the analysis layer and never imports it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from melian.brief.likelihood import likelihood_words, percent_text
from melian.errors import MelianError, ModelError

if TYPE_CHECKING:
    from melian.bargaining.base import Forecast
    from melian.bargaining.predictive import PredictiveForecast
    from melian.decide import Ranking
    from melian.explore import Result
    from melian.games import GameAnalysis
    from melian.scenario.schema import Scenario
    from melian.world.results import Ensemble

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Runners:
    """The analyses a brief shows, as functions (filled by :func:`melian.analysis.brief`).

    ``forecast(s, model)``: one bargaining forecast of every agenda issue; ``model_names()``:
    the registered bargaining models; ``game(s)``: the game analysis without condition sweeps;
    ``simulate(s, paths, horizon, seed, progress)``: the world ensemble of every option;
    ``explore(s, method, **options)``: one exploratory method; ``rank(s, paths, seed)``: the
    MCDA ranking with its evidence; ``predictive(s, seed, input_draws)``: the ensemble's
    predictive distribution of every agenda issue (optional: without it the brief shows the
    models' points only); ``explore_methods(s, methods, **options)``: PRIM and regret on one
    ensemble.
    """

    forecast: Callable[[Scenario, str], Forecast]
    model_names: Callable[[], list[str]]
    game: Callable[[Scenario], GameAnalysis]
    simulate: Callable[..., Ensemble]
    explore: Callable[..., Result]
    rank: Callable[..., Ranking]
    explore_methods: Callable[..., dict[str, Result]]
    predictive: Callable[..., PredictiveForecast] | None = None


@dataclass(frozen=True)
class Settings:
    """Fidelity of a brief run. ``quick`` trades accuracy for speed (documented in the brief).

    ``paths`` and ``horizon``: world-model paths per option and months; ``prim_samples``: the
    sampled futures that scenario discovery and regret read together (one ensemble, simulated
    with ``explore_paths`` paths per future to start); ``tornado_paths``: paths per one-at-a-time
    swing (kept for callers that set it; the brief's breaking points replace the tornado;
    ``breaking``: compute them (off in
    the quick brief, where they cost minutes); ``explore_max_paths``: the cap on the paths per
    future that PRIM and regret double to from the Monte Carlo error; ``explore_scheduler``: where
    the breaking points' scan and the PRIM and regret ensemble of a view run (the results
    identical): ``synchronous`` (default: in the view's own process, every view beside the
    others and beside this one, which already keeps the cores busy; a Dask cluster per view
    only added processes there, measured on the full brief's sceptic view alone: the scan
    64 s and about 110 CPU-s on a LocalCluster of 2 workers against 51 s and 55 CPU-s in
    process, the ensemble 84 s either way and about 130 against 71 CPU-s) or ``local``
    (a Dask LocalCluster on this machine's cores, every view in one process beside this one,
    one after the other)); ``breaking_reference``,
    ``breaking_replications`` and ``breaking_grid``: the normalisation ensemble, the independent
    streams of the Monte Carlo standard errors and the scan points per side of the breaking
    points (:func:`melian.explore.breaking.model_breaking_points`), simulated with
    ``breaking_paths`` paths over ``breaking_horizon`` months (default: the exploratory model's
    horizon, the one PRIM and regret use, so that every figure ranks the same options);
    ``input_draws``: Monte Carlo draws
    of the bargaining inputs per model for the predictive distributions; ``judgements``: the
    robustness analyses also explore every number the scenario marks as a judgement, over spreads
    set by its confidence (:mod:`melian.explore.judgements`; ``False``: the source's judgements
    as written); ``parallel``: compute the robustness section's views in child processes while
    this one builds the other sections (:mod:`melian.brief.parallel`; the same results either
    way).
    """

    quick: bool = False
    paths: int = 20_000
    horizon: int = 24
    prim_samples: int = 512
    explore_paths: int = 16
    tornado_paths: int = 400
    breaking_reference: int = 64
    breaking_replications: int = 4
    breaking_grid: int = 17
    breaking_paths: int = 16
    breaking_horizon: int | None = None
    input_draws: int = 32
    judgements: bool = True
    breaking: bool = True
    explore_max_paths: int = 256
    explore_scheduler: str = "synchronous"
    parallel: bool = True
    seed: int | None = None

    @classmethod
    def make(cls, quick: bool = False, seed: int | None = None) -> Settings:
        """Default settings, or the quick ones."""
        if quick:
            return cls(
                quick=True,
                paths=2_000,
                prim_samples=256,
                explore_paths=8,
                tornado_paths=50,
                breaking_reference=16,
                breaking_replications=2,
                breaking_grid=7,
                breaking_paths=8,
                breaking=False,
                explore_max_paths=32,
                input_draws=8,
                seed=seed,
            )
        return cls(seed=seed)


class NotApplicableError(ModelError):
    """The scenario declares nothing a section could show (no world, no game, no criteria...).

    Not a failure: the section is omitted and the brief says why.
    """


class BriefIncompleteError(MelianError):
    """Sections of the brief failed: the brief is not written (unless partial briefs are allowed)."""

    def __init__(self, failures: dict[str, str]) -> None:
        """``failures``: section id -> cause."""
        self.failures = dict(failures)
        parts = "; ".join(f"section '{k}' failed: {v}" for k, v in failures.items())
        super().__init__(
            f"the brief is incomplete, no file was written: {parts} "
            "(--allow-partial writes it anyway, with what is missing marked)"
        )


@dataclass
class Section:
    """One section of the brief: its data for the template, charts, and an error if any.

    ``ok`` False with ``skipped`` set: the scenario declares nothing the section could show (not
    a failure, said in the brief); ``ok`` False without it: the section failed (``error``).
    """

    id: str
    ok: bool = True
    error: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    charts: list[dict[str, str]] = field(default_factory=list)
    skipped: str | None = None

    @property
    def failed(self) -> bool:
        """True if the section should have been computed and was not."""
        return not self.ok and self.skipped is None


def noop(_msg: str, _frac: float) -> None:
    """A progress callback that reports nothing."""
    return None


def counting(
    progress: Progress, msg: str, start: float, width: float
) -> Callable[[int, int], None]:
    """A ``(done, total)`` callback (as the analyses report) that reports ``msg`` at
    ``start + width * done / total`` of the section.
    """

    def report(done: int, total: int) -> None:
        progress(msg, start + width * done / max(total, 1))

    return report


def run_section(section_id: str, fn: Callable[[], Section]) -> Section:
    """Run a section builder; its failure becomes the section's reported error.

    :class:`NotApplicableError` marks the section skipped (the scenario declares nothing for it); any
    other error marks it failed, with its cause (the type is named for an unexpected error, a
    defect to report), so that the brief can refuse to pass a failure off as a result.
    """
    try:
        return fn()
    except NotApplicableError as exc:
        return Section(id=section_id, ok=False, error=exc.message, skipped=exc.message)
    except MelianError as exc:
        return Section(id=section_id, ok=False, error=exc.message)
    except Exception as exc:  # noqa: BLE001 - reported as the section's failure, never swallowed
        return Section(id=section_id, ok=False, error=f"{type(exc).__name__}: {exc}")


def fmt(x: float | None, digits: int = 3) -> str:
    """``x`` with ``digits`` significant digits, or an en dash when it is missing or not finite."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.{digits}g}"


def label(obj: Any, lang: str) -> str:  # noqa: ANN401
    """Display name of a scenario object in ``lang`` (its ``names`` translation, else its name)."""
    names = getattr(obj, "names", None) or {}
    return str(names.get(lang) or obj.name)


def option_name(s: Scenario, oid: str | None, lang: str = "en") -> str:
    """Display name of option ``oid`` in ``lang`` (its id if the scenario has no such option, "–"
    for none).
    """
    if oid is None:
        return "–"
    try:
        return label(s.option(oid), lang)
    except KeyError:
        return oid


def table(title: str, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    """A table for the template: title, column headers, rows of cells (rendered as text)."""
    return {"title": title, "columns": columns, "rows": [[str(c) for c in r] for r in rows]}


def judgement(
    p: float, text: str, lang: str, basis: str = "", n: int | None = None
) -> dict[str, Any]:
    """A key judgement: ICD 203 words for ``p`` (:mod:`melian.brief.likelihood`), the
    probability (never printed as a certainty: :func:`~melian.brief.likelihood.percent_text`,
    ``n`` the samples ``p`` is a share of, if known) and the sentence; ``p`` is the probability
    as a number, for readers of the brief's JSON.
    """
    if not math.isfinite(p):
        raise ValueError("a judgement needs a finite probability")
    return {
        "words": likelihood_words(p, lang),
        "probability": percent_text(p, n),
        "p": float(p),
        "text": text,
        "basis": basis,
    }
