"""Registry of bargaining models: the CLI, the brief, the backtest and the tests iterate over it.

Each model module calls :func:`register` at import time with a :class:`ModelSpec`; the contract is
``spec.run(problem: BargainingProblem, **params) -> Forecast`` with ``spec.defaults`` holding the
published default of every open choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from melian.bargaining.base import BargainingProblem, Forecast
from melian.errors import ModelError


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: name, callable, citation and its parameters' defaults.

    ``summary`` is a one-line description for people; ``label`` a short display name (the faces
    fall back to ``name`` when it is empty, see :attr:`title`).
    """

    name: str
    run: Callable[..., Forecast]
    summary: str
    citation: str
    multidimensional: bool = False
    defaults: dict[str, Any] = field(default_factory=dict)
    #: The model reads per-issue weights (``meta['power']``, :func:`~melian.bargaining.base.
    #: issue_weights`) itself; otherwise ``forecast`` runs it issue by issue when they differ.
    issue_weights: bool = False
    label: str = ""
    #: Optional: the point forecasts of many one-issue problems at once, ``points(x, w, s)`` with
    #: positions ``x`` (``nan`` where absent), weights (clout) ``w`` and saliences ``s`` of shape
    #: (draws, actors); for static models whose point is a closed form (exploration evaluates
    #: thousands of perturbed problems).
    points: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None

    @property
    def title(self) -> str:
        """The name shown to people: ``label`` if set, else ``name``."""
        return self.label or self.name

    def describe(self) -> dict[str, Any]:
        """What the faces show of the model: name, title, summary, citation, kind, defaults."""
        return {
            "name": self.name,
            "title": self.title,
            "summary": self.summary,
            "citation": self.citation,
            "multidimensional": self.multidimensional,
            "defaults": dict(self.defaults),
        }


MODELS: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    """Add a model to the registry (names are unique)."""
    if spec.name in MODELS and MODELS[spec.name] is not spec:
        raise ValueError(f"bargaining model {spec.name!r} registered twice")
    MODELS[spec.name] = spec
    return spec


def get_model(name: str) -> ModelSpec:
    """Return the registered model called ``name`` or raise a :class:`ModelError` listing them.

    A built-in model's module is imported on first use of that model alone (the others are not:
    start-up of a one-model command, issue 12); an unknown name loads every model to list them.
    """
    if name not in MODELS and name in _HOME:
        import importlib

        importlib.import_module(_HOME[name])
    if name not in MODELS:
        _load_all()
    try:
        return MODELS[name]
    except KeyError:
        raise ModelError(
            f"unknown bargaining model {name!r}; available: {', '.join(sorted(MODELS))}"
        ) from None


def model_names() -> list[str]:
    """Names of every registered model: the built-ins in their declared order (whichever was
    used first), then any other in registration order.
    """
    _load_all()
    return _ordered()


def _ordered() -> list[str]:
    """Registered names, the built-ins first in :data:`_HOME`'s order."""
    return [n for n in _HOME if n in MODELS] + [n for n in MODELS if n not in _HOME]


def run_model(name: str, problem: BargainingProblem, **params: Any) -> Forecast:
    """Run the model ``name`` on ``problem`` with ``params`` overriding its defaults."""
    spec = get_model(name)
    unknown = set(params) - set(spec.defaults)
    if unknown:
        raise ModelError(
            f"model {name!r} has no parameter(s) {', '.join(sorted(unknown))}; "
            f"its parameters: {', '.join(sorted(spec.defaults)) or 'none'}"
        )
    return spec.run(problem, **params)


#: The module where each built-in model registers itself, in registration order.
_HOME = {
    "compromise": "melian.bargaining.compromise",
    "median": "melian.bargaining.median",
    "nash": "melian.bargaining.nash",
    "bdm": "melian.bargaining.bdm",
    "smp": "melian.bargaining.smp",
    "exchange": "melian.bargaining.exchange",
    "melian-deu": "melian.bargaining.melian_deu",
}
_MODULES = tuple(_HOME.values())


def _load_all() -> None:
    """Import every model module so that each registers itself."""
    import importlib

    for mod in _MODULES:
        importlib.import_module(mod)


def installed_models() -> list[ModelSpec]:
    """Every model whose module imports on this installation, in registration order.

    Unlike :func:`model_names`, a model module that cannot be imported (an optional dependency
    missing) is left out instead of raising, so that a server can still offer the others.
    """
    import importlib

    for mod in _MODULES:
        try:
            importlib.import_module(mod)
        except ImportError:
            continue
    return [MODELS[n] for n in _ordered()]
