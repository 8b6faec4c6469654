"""melian: strategic-dialogue analysis.

The public Python API: typed functions of :mod:`melian.analysis` (the one layer every face
calls), loaded on first use so that ``import melian`` stays light::

    import melian
    s = melian.load_scenario(melian.scenarios()[0])  # a built-in id, or a path
    f = melian.forecast(s, model="smp")          # Forecast: f.point(), f.to_frame()
    fs = melian.forecast_all(s)                  # every bargaining model side by side
    g = melian.analyse_game(s)                   # GameAnalysis
    e = melian.simulate(s, paths=10_000)         # Ensemble (world model)
    r = melian.explore_scenario(s, "tornado")    # sensitivity, discovery, regret
    k = melian.rank(s)                           # Ranking (MCDA with its evidence)
    b = melian.make_brief(s, quick=True)         # Brief; melian.write_brief(b, "briefs")
    v = melian.levers(s)                         # Levers: what to ask for, offer, whom to persuade
    d = melian.predictive(s)                     # PredictiveForecast: intervals, point masses

Every result has ``to_dict()`` (JSON-safe: :mod:`melian.jsonio`), ``to_frame()`` (pandas) and
an HTML view in notebooks. ``melian.explore`` and ``melian.brief`` are the sub-packages (the
engines below the analysis layer), hence the names ``explore_scenario`` and ``make_brief``
(and ``levers`` for :func:`melian.analysis.advise.advise`: ``melian.advise`` is the sub-package).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from melian._version import __version__ as __version__
from melian.errors import InputError, MelianError, ModelError

if TYPE_CHECKING:
    from melian.analysis.advise import advise as levers
    from melian.analysis.brief import brief as make_brief
    from melian.analysis.brief import build_brief, write_brief
    from melian.analysis.explore import explore as explore_scenario
    from melian.analysis.forecast import forecast, forecast_all
    from melian.analysis.game import analyse_game
    from melian.analysis.predictive import predictive
    from melian.analysis.rank import rank
    from melian.analysis.simulate import simulate
    from melian.io import load_scenario
    from melian.scenario import parse_scenario
    from melian.scenario.loader import builtin_ids as scenarios

#: Public name -> (module, attribute), imported on first use (PEP 562).
_PUBLIC: dict[str, tuple[str, str]] = {
    "load_scenario": ("melian.io", "load_scenario"),
    "parse_scenario": ("melian.scenario", "parse_scenario"),
    "scenarios": ("melian.scenario.loader", "builtin_ids"),
    "forecast": ("melian.analysis.forecast", "forecast"),
    "forecast_all": ("melian.analysis.forecast", "forecast_all"),
    "analyse_game": ("melian.analysis.game", "analyse_game"),
    "simulate": ("melian.analysis.simulate", "simulate"),
    "explore_scenario": ("melian.analysis.explore", "explore"),
    "rank": ("melian.analysis.rank", "rank"),
    "make_brief": ("melian.analysis.brief", "brief"),
    "build_brief": ("melian.analysis.brief", "build_brief"),
    "write_brief": ("melian.analysis.brief", "write_brief"),
    "levers": ("melian.analysis.advise", "advise"),
    "predictive": ("melian.analysis.predictive", "predictive"),
}

__all__ = [
    "InputError",
    "MelianError",
    "ModelError",
    "analyse_game",
    "build_brief",
    "explore_scenario",
    "forecast",
    "forecast_all",
    "levers",
    "load_scenario",
    "make_brief",
    "parse_scenario",
    "predictive",
    "rank",
    "scenarios",
    "simulate",
    "write_brief",
]


def __getattr__(name: str) -> Any:  # noqa: ANN401
    """Import a public function on first use."""
    if name in _PUBLIC:
        module, attr = _PUBLIC[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    if not name.startswith("_"):
        try:  # a sub-package or module (melian.explore, melian.brief, ...)
            return importlib.import_module(f"melian.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"melian.{name}":
                raise
    raise AttributeError(f"module 'melian' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
