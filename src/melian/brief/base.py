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

from melian.errors import MelianError

if TYPE_CHECKING:
    from melian.bargaining.base import Forecast
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
    MCDA ranking with its evidence.
    """

    forecast: Callable[[Scenario, str], Forecast]
    model_names: Callable[[], list[str]]
    game: Callable[[Scenario], GameAnalysis]
    simulate: Callable[..., Ensemble]
    explore: Callable[..., Result]
    rank: Callable[..., Ranking]


@dataclass(frozen=True)
class Settings:
    """Fidelity of a brief run. ``quick`` trades accuracy for speed (documented in the brief).

    ``paths`` and ``horizon``: world-model paths per option and months; ``prim_samples`` and
    ``regret_samples``: sampled futures for scenario discovery and regret, each simulated with
    ``explore_paths`` paths; ``tornado_paths``: paths per one-at-a-time swing.
    """

    quick: bool = False
    paths: int = 20_000
    horizon: int = 24
    prim_samples: int = 2048
    regret_samples: int = 1024
    explore_paths: int = 16
    tornado_paths: int = 400
    seed: int | None = None

    @classmethod
    def make(cls, quick: bool = False, seed: int | None = None) -> Settings:
        """Default settings, or the quick ones."""
        if quick:
            return cls(
                quick=True,
                paths=2_000,
                prim_samples=256,
                regret_samples=128,
                explore_paths=8,
                tornado_paths=50,
                seed=seed,
            )
        return cls(seed=seed)


@dataclass
class Section:
    """One section of the brief: its data for the template, charts, and an error if any."""

    id: str
    ok: bool = True
    error: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    charts: list[dict[str, str]] = field(default_factory=list)


def noop(_msg: str, _frac: float) -> None:
    """A progress callback that reports nothing."""
    return None


def run_section(section_id: str, fn: Callable[[], Section]) -> Section:
    """Run a section builder; a MelianError becomes the section's reported error."""
    try:
        return fn()
    except MelianError as exc:
        return Section(id=section_id, ok=False, error=exc.message)


def fmt(x: float | None, digits: int = 3) -> str:
    """``x`` with ``digits`` significant digits, or an en dash when it is missing or not finite."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.{digits}g}"


def label(obj: Any, lang: str) -> str:  # noqa: ANN401
    """Display name of a scenario object in ``lang`` (its ``names`` translation, else its name)."""
    names = getattr(obj, "names", None) or {}
    return str(names.get(lang) or obj.name)


def table(title: str, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    """A table for the template: title, column headers, rows of cells (rendered as text)."""
    return {"title": title, "columns": columns, "rows": [[str(c) for c in r] for r in rows]}
