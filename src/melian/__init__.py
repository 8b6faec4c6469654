"""melian: strategic-dialogue analysis.

Public Python API (thin functions over the packages; heavy modules are imported on first use)::

    import melian
    s = melian.load_scenario("iraq-us-2020")
    f = melian.forecast(s, model="smp")          # melian.bargaining
    g = melian.analyse_game(s)                   # melian.games
    e = melian.simulate(s, paths=10_000)         # melian.world
    r = melian.explore(s, method="sobol")        # melian.explore
    k = melian.rank(s)                           # melian.decide
    b = melian.brief(s, out_dir="briefs")        # melian.brief
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from melian.errors import InputError, MelianError, ModelError

if TYPE_CHECKING:
    from melian.scenario import load_scenario, parse_scenario

__all__ = [
    "InputError",
    "MelianError",
    "ModelError",
    "analyse_game",
    "brief",
    "explore",
    "forecast",
    "load_scenario",
    "parse_scenario",
    "rank",
    "simulate",
]


def forecast(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
    """Bargaining forecast: see :func:`melian.bargaining.forecast`."""
    from melian.bargaining import forecast as _f

    return _f(*args, **kwargs)


def analyse_game(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
    """Alliance game analysis: see :func:`melian.games.analyse_game`."""
    from melian.games import analyse_game as _f

    return _f(*args, **kwargs)


def simulate(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
    """World-model Monte Carlo: see :func:`melian.world.simulate`."""
    from melian.world import simulate as _f

    return _f(*args, **kwargs)


def explore(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
    """Sensitivity, scenario discovery and regret: see :func:`melian.explore.explore`."""
    from melian.explore import explore as _f

    return _f(*args, **kwargs)


def rank(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
    """Multi-criteria ranking of the options: see :func:`melian.decide.rank`."""
    from melian.decide import rank as _f

    return _f(*args, **kwargs)


def brief(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
    """Write the decision brief: see :func:`melian.brief.build_brief`."""
    from melian.brief import build_brief as _f

    return _f(*args, **kwargs)


def __getattr__(name: str) -> Any:  # noqa: ANN401
    """Import the scenario loaders on first use (``import melian`` stays cheap for the CLI)."""
    if name in ("load_scenario", "parse_scenario"):
        from melian import scenario

        return getattr(scenario, name)
    raise AttributeError(f"module 'melian' has no attribute {name!r}")
