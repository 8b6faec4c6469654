"""The decision brief: every analysis on a scenario, assembled into one document.

The analyses run through this layer (:data:`RUNNERS`) and :func:`melian.brief.assemble` turns
their results into the sections, the bottom line, the key judgements and the signposts.
Nothing here writes a file or saves a run unless asked: :func:`build_brief` writes the files;
keeping the run in the store is the face's decision (``melian brief`` does it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from melian.analysis.explore import explore, explore_methods
from melian.analysis.forecast import forecast
from melian.analysis.game import analyse_game
from melian.analysis.predictive import predictive
from melian.analysis.rank import rank
from melian.analysis.simulate import simulate
from melian.bargaining import Forecast, model_names
from melian.bargaining.predictive import PredictiveForecast
from melian.brief import Brief, Progress, Runners, Settings, assemble
from melian.brief.render import write_brief
from melian.games import GameAnalysis
from melian.scenario.schema import Scenario
from melian.world.results import Ensemble

__all__ = ["RUNNERS", "Brief", "BriefResult", "brief", "build_brief", "write_brief"]


def _forecast(s: Scenario, model: str) -> Forecast:
    return forecast(s, model)


def _game(s: Scenario) -> GameAnalysis:
    return analyse_game(s, conditions=False)


def _simulate(s: Scenario, **kw: Any) -> Ensemble:  # noqa: ANN401
    return simulate(s, **kw)


def _predictive(
    s: Scenario,
    *,
    seed: int | None,
    input_draws: int,
    progress: Callable[[int, int], None] | None = None,
) -> PredictiveForecast:
    """The ensemble's predictive distribution of every agenda issue, as ``melian forecast
    --distribution`` gives it (every calibrated model, the scenario's input uncertainty and
    declared thresholds), with ``progress(done, total)`` after every model run.
    """
    return predictive(s, seed=seed, input_draws=input_draws, progress=progress)


#: The analyses a brief shows, as the analysis layer's functions.
RUNNERS = Runners(
    forecast=_forecast,
    model_names=model_names,
    game=_game,
    simulate=_simulate,
    explore=explore,
    rank=rank,
    predictive=_predictive,
    explore_methods=explore_methods,
)


def brief(
    scenario: Scenario,
    *,
    lang: str = "en",
    quick: bool = False,
    seed: int | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
    strict: bool = False,
) -> Brief:
    """Run every analysis on ``scenario`` and assemble the decision brief (nothing is written).

    Parameters
    ----------
    scenario
        The scenario.
    lang
        ``"en"`` or ``"ar"`` (Arabic, right to left).
    quick
        A fast, lower-fidelity run (fewer paths and samples; said in the brief).
    seed
        Default: the scenario's seed.
    settings
        Explicit fidelity settings (override ``quick`` and ``seed``).
    progress
        Called with (message, fraction done).
    strict
        Raise :class:`melian.brief.BriefIncompleteError` at the first section that fails
        (default: record the failure in ``Brief.failures`` and go on).

    Returns
    -------
    Brief
        Every section's data and charts, the bottom line, key judgements (ICD 203 likelihood
        words) and signposts, and the run manifest; ``to_dict()``, ``to_frame()``; written by
        :func:`write_brief`.
    """
    return assemble(
        scenario,
        RUNNERS,
        lang=lang,
        quick=quick,
        seed=seed,
        progress=progress,
        settings=settings,
        strict=strict,
    )


@dataclass
class BriefResult:
    """What :func:`build_brief` made: the brief and the files it wrote."""

    brief: Brief
    paths: dict[str, Path]


def build_brief(
    scenario: Scenario,
    out_dir: str | Path = "briefs",
    *,
    lang: str = "en",
    quick: bool = False,
    seed: int | None = None,
    pdf: bool = True,
    progress: Progress | None = None,
    settings: Settings | None = None,
    allow_partial: bool = False,
) -> BriefResult:
    """Assemble the brief and write ``brief-<scenario>[-ar].html``, ``.json`` (and ``.pdf``).

    Parameters
    ----------
    scenario
        The scenario.
    out_dir
        Directory of the files (created if needed; files are written atomically).
    lang
        As in :func:`brief`.
    quick
        As in :func:`brief`.
    seed
        As in :func:`brief`.
    pdf
        Also print a PDF with headless Chromium.
    progress
        As in :func:`brief`.
    settings
        As in :func:`brief`.
    allow_partial
        Write the brief even when sections failed (a banner in the brief names them and
        ``brief.failures`` lists them); by default a failed section raises and nothing is written.

    Returns
    -------
    BriefResult
        The brief and the paths written. No run is saved.

    Raises
    ------
    melian.brief.BriefIncompleteError
        A section failed and ``allow_partial`` is false (no file is written). Sections the
        scenario declares nothing for (no world, no game...) are omitted, not failed.
    """
    b = brief(
        scenario,
        lang=lang,
        quick=quick,
        seed=seed,
        settings=settings,
        progress=progress,
        strict=not allow_partial,
    )
    return BriefResult(brief=b, paths=write_brief(b, Path(out_dir), pdf=pdf))
