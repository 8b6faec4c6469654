"""What a world component kind declares, and the base class every kind derives from.

A component kind is one module under :mod:`melian.world.components`. It declares, as class
attributes of a :class:`Kind` subclass:

- ``PARAMS``: its parameters (:class:`~melian.world.spec.ParamSpec`: name, unit, admissible
  range, meaning, optional default);
- ``STATES``: the state variables it exposes every month (other components read them);
- ``INPUTS``: the roles through which it reads other components' states (which states each
  upstream component must expose; one or many components; required or not);
- ``EVENTS``: events it records per path (the ensemble reports their probabilities);
- ``OUTCOMES``: per-path outcomes with unit, direction (is a higher value better or worse) and
  labels in every brief language;
- ``DESIRABLE``: the events and outcomes that become benefits (higher is better) when a scenario
  declares the component ``desirable: true`` (a wanted event); empty for kinds whose events are
  always to be avoided;
- ``BANDS``: states shown as monthly fan-chart bands;
- ``DATASETS``: data files it is calibrated on;
- ``ACTORS``: actor roles (a lender, the actor imposing sanctions...), ids of scenario actors.

It advances all paths of a block by a slab of months with numpy (:meth:`Kind.advance`). The
engine (:mod:`melian.world.engine`) orders the declared instances by what they read, gives each
its own random stream, and aggregates; it knows no kind by name. Amounts of money are in the
scenario's money unit (billions of the scenario's currency of account, "money bn"), commodity
volumes in million units per day and prices in money per unit.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
from scipy.special import gammaln, ndtri, pdtr

from melian.world.results import HistSpec
from melian.world.spec import ParamSpec

if TYPE_CHECKING:
    from melian.scenario.schema import Scenario

#: Languages every outcome, event and band label is given in (the brief languages).
LANGUAGES = ("en", "ar")
Direction = Literal["higher_worse", "higher_better"]
Params = dict[str, "np.ndarray | float"]
SlabStates = dict[str, np.ndarray]


@dataclass(frozen=True)
class StateSpec:
    """A state variable a component exposes each month: name, unit and meaning."""

    name: str
    unit: str
    meaning: str


@dataclass(frozen=True)
class InputSpec:
    """A role through which a component reads other components' states.

    ``states`` are the state names the upstream component must expose; ``many``: the role takes
    a list of components; ``required``: a scenario must bind it.
    """

    role: str
    states: tuple[str, ...]
    meaning: str
    many: bool = False
    required: bool = True


@dataclass(frozen=True)
class OutcomeSpec:
    """A per-path outcome: name, unit, direction, labels per language, description.

    ``role`` marks an outcome the ensemble reports separately (``"breakeven"``: the
    commodity price at which the budget's first month covers payroll).
    """

    name: str
    unit: str
    direction: Direction
    labels: dict[str, str]
    description: str
    role: str = ""


@dataclass(frozen=True)
class EventSpec:
    """An event recorded once per path (its probability is reported): name, labels, meaning."""

    name: str
    labels: dict[str, str]
    description: str


@dataclass(frozen=True)
class BandSpec:
    """A state reported as monthly fan-chart bands (mean and quantiles)."""

    name: str
    unit: str
    labels: dict[str, str]
    description: str
    log: bool = False


@dataclass(frozen=True)
class DatasetSpec:
    """A data file a component is calibrated on: role and expected content."""

    role: str
    content: str


@dataclass(frozen=True)
class ActorSpec:
    """An actor role of a component (for example the lender of a credit line)."""

    role: str
    meaning: str
    required: bool = True


@dataclass
class Finished:
    """What a component gives back at the end of a block: per-path outcomes and events.

    ``cover``: for a budget, the average commodity price over the first months and whether
    payroll fell into arrears in them (the emergent covering price is estimated from these).
    """

    outcomes: dict[str, np.ndarray] = field(default_factory=dict)
    events: dict[str, np.ndarray] = field(default_factory=dict)
    cover: tuple[np.ndarray, np.ndarray] | None = None


@dataclass
class Setup:
    """What the engine tells a kind when it prepares an instance for a run.

    ``nominal`` holds the nominal value of each of the instance's parameters (for calibration
    settings and histogram ranges); ``datasets`` the resolved file of each dataset role;
    ``actors`` the actor id of each actor role; ``inputs`` the component ids bound to each input
    role, and ``upstream`` those components (prepared), by id.
    """

    scenario: Scenario
    horizon: int
    nominal: dict[str, float]
    datasets: dict[str, Any]
    actors: dict[str, str]
    inputs: dict[str, list[str]]
    upstream: dict[str, Kind]


class Kind:
    """Base class of a component kind (see the module docstring).

    An instance is a component as a scenario declares it, prepared for a run (calibrated, bins
    fixed); it must be picklable (it is sent to worker processes). Per block of paths the
    engine calls :meth:`start`, then :meth:`advance` for every slab of months, then
    :meth:`finish`.
    """

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    PARAMS: ClassVar[tuple[ParamSpec, ...]] = ()
    STATES: ClassVar[tuple[StateSpec, ...]] = ()
    INPUTS: ClassVar[tuple[InputSpec, ...]] = ()
    EVENTS: ClassVar[tuple[EventSpec, ...]] = ()
    OUTCOMES: ClassVar[tuple[OutcomeSpec, ...]] = ()
    BANDS: ClassVar[tuple[BandSpec, ...]] = ()
    DATASETS: ClassVar[tuple[DatasetSpec, ...]] = ()
    ACTORS: ClassVar[tuple[ActorSpec, ...]] = ()
    #: Names of the events and outcomes a component declared ``desirable: true`` reports as
    #: benefits (direction ``higher_better``; an event: more likely is better). Empty: the kind
    #: cannot be declared desirable, its events are to be avoided.
    DESIRABLE: ClassVar[tuple[str, ...]] = ()
    #: True when the kind's one event *is* what the component stands for (an event hazard): a
    #: component's ``name`` is then its event's English label unless ``labels`` give one.
    EVENT_IS_COMPONENT: ClassVar[bool] = False

    @classmethod
    def direction(cls, name: str, desirable: bool = False) -> Direction:
        """The direction of the kind's event or outcome ``name`` in a component.

        Parameters
        ----------
        name : str
            An event or outcome of the kind (its own name, not a scenario's rename).
        desirable : bool
            The component's ``desirable`` declaration.

        Returns
        -------
        str
            ``higher_better`` for a name of :attr:`DESIRABLE` in a desirable component; else the
            outcome's declared direction, and ``higher_worse`` for an event (more likely is worse).
        """
        if desirable and name in cls.DESIRABLE:
            return "higher_better"
        return next((o.direction for o in cls.OUTCOMES if o.name == name), "higher_worse")

    @classmethod
    def actor_problems(cls, actors: Mapping[str, str], focal: str) -> list[tuple[str, str]]:
        """(role, message) for each actor binding this kind cannot model (default: none).

        ``actors`` maps the component's roles to actor ids; ``focal`` is the focal actor.
        """
        return []

    def __init__(self, cid: str, setup: Setup) -> None:
        """Prepare the instance ``cid`` (subclasses calibrate here and fix their bins)."""
        self.id = cid
        self.horizon = setup.horizon
        self.nominal = dict(setup.nominal)
        self.actors = dict(setup.actors)
        self.inputs = {r: list(v) for r, v in setup.inputs.items()}

    # -- declarations ----------------------------------------------------------------
    @classmethod
    def param(cls, name: str) -> ParamSpec:
        """The declaration of parameter ``name``."""
        return next(p for p in cls.PARAMS if p.path == name)

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """The kind's declarations as plain data (for docs, skeletons and the CLI)."""
        return {
            "kind": cls.kind,
            "title": cls.title,
            "description": (cls.__doc__ or "").strip(),
            "parameters": [
                {
                    "name": p.path,
                    "unit": p.unit,
                    "meaning": p.meaning,
                    "low": p.low,
                    "high": p.high,
                    "default": p.default,
                }
                for p in cls.PARAMS
            ],
            "states": [s.__dict__ for s in cls.STATES],
            "inputs": [i.__dict__ for i in cls.INPUTS],
            "events": [e.__dict__ for e in cls.EVENTS],
            "outcomes": [o.__dict__ for o in cls.OUTCOMES],
            "bands": [b.__dict__ for b in cls.BANDS],
            "datasets": [d.__dict__ for d in cls.DATASETS],
            "actors": [a.__dict__ for a in cls.ACTORS],
            "desirable": list(cls.DESIRABLE),
        }

    def calibration(self) -> dict[str, Any] | None:
        """What the instance was calibrated on (plain data) or None."""
        return None

    def hist(self, name: str) -> HistSpec:
        """Histogram bins of outcome or band ``name`` (subclasses override)."""
        raise NotImplementedError(name)

    # -- simulation --------------------------------------------------------------------
    def start(self, P: Params, n: int, rng: np.random.Generator, tile: int) -> Any:  # noqa: ANN401
        """The per-path state at the as-of date for ``n`` paths (draws ``n // tile``, tiled)."""
        raise NotImplementedError

    def advance(
        self,
        S: Any,  # noqa: ANN401
        t0: int,
        k: int,
        inputs: dict[str, Any],
        rng: np.random.Generator,
        tile: int,
    ) -> SlabStates:
        """Months ``t0 .. t0 + k - 1`` for every path: each declared state as a ``(k, n)`` array.

        ``inputs`` maps each bound input role to the slab states of the upstream component (a
        list of them for a ``many`` role).
        """
        raise NotImplementedError

    def finish(self, S: Any, rng: np.random.Generator, tile: int) -> Finished:  # noqa: ANN401
        """Per-path outcomes and events at the end of the horizon."""
        return Finished()


# --------------------------------------------------------------------------- helpers
def full(v: np.ndarray | float, n: int) -> np.ndarray:
    """``v`` as a contiguous float array of ``n`` values (numpy's minimum/maximum are faster
    with two arrays than with a scalar operand).
    """
    if isinstance(v, float | int):
        return np.full(n, float(v))
    return np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=float), (n,)))


def uniforms(rng: np.random.Generator, rows: int, k: int, n: int, tile: int) -> np.ndarray:
    """Float32 uniforms ``(rows, k, n)``: ``n // tile`` drawn per row and month, tiled."""
    m = n // tile
    U = rng.random((rows, k, m), dtype=np.float32)
    return np.tile(U, (1, 1, tile)) if tile > 1 else U


def box_muller(u_radius: np.ndarray, u_angle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two independent standard normal arrays from two uniform arrays (Box & Muller 1958), float32.

    ``r = sqrt(-2 log(1 - u1))``, ``(r cos 2 pi u2, r sin 2 pi u2)``. With 24-bit float32
    uniforms the largest attainable |z| is 5.77 (the normal tail beyond it has mass 8e-9).
    """
    r = np.log1p(-u_radius)
    r *= -2.0
    np.sqrt(r, out=r)
    ang = u_angle * np.float32(2.0 * math.pi)
    z1 = np.cos(ang)
    z1 *= r
    np.sin(ang, out=ang)
    ang *= r
    return z1, ang


def normals(rng: np.random.Generator, k: int, n: int, tile: int) -> np.ndarray:
    """Float32 standard normals ``(k, n)`` (``n // tile`` per month, tiled): both halves of
    Box-Muller pairs, so one uniform pair gives two normals.
    """
    m = n // tile
    h = (m + 1) // 2
    U = rng.random((2, k, h), dtype=np.float32)
    z1, z2 = box_muller(U[0], U[1])
    Z = np.concatenate([z1, z2], axis=1)[:, :m]
    return np.tile(Z, (1, tile)) if tile > 1 else Z


#: Means above which the inverse-CDF search starts near the quantile instead of at 0.
LARGE_MEAN = 15.0


#: The search steps every cell at once while more than one in DENSE_SHARE cells still searches.
DENSE_SHARE = 4


#: Set to True to use the numpy code even where numba is available (tests compare the two).
NUMPY_ONLY = False


@functools.cache
def _kernels() -> Any:  # noqa: ANN401 - a module
    """:mod:`melian.world._kernels`, or None where numba cannot be imported."""
    try:
        from melian.world import _kernels  # lazy: numba, imported on the first use
    except ImportError:  # pragma: no cover - numba is a dependency
        return None
    return _kernels


def compiled(name: str) -> Callable[..., None] | None:
    """The compiled kernel ``name`` of :mod:`melian.world._kernels` (the same numbers as the
    numpy code it replaces), or None: numba missing, or :data:`NUMPY_ONLY` set.
    """
    mod = None if NUMPY_ONLY else _kernels()
    return None if mod is None else getattr(mod, name)


def poisson_inverse(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson counts with means ``lam`` from uniforms ``u`` by inverse CDF.

    ``N = min{n : F(n; lam) > u}``, adding terms ``p_n = p_{n-1} lam / n`` on the shrinking set
    of cells still searching. The search starts at 0, or, for means above :data:`LARGE_MEAN`, a
    little below a Cornish-Fisher guess ``k0 = lam + sqrt(lam) z + (z^2 - 1)/6 - 2`` (``z =
    Phi^-1(u)``; lower, at ``lam - 6 sqrt(lam) - 5`` or 0, where ``F(k0 - 1) > u``) with ``F(k0 -
    1)`` from the regularised gamma function (``pdtr``). Exact up to floating point, with few
    steps per cell whatever ``lam``. The steps run in the compiled kernel of
    :mod:`melian.world._kernels` where numba is available (the same counts, bit for bit), else
    in numpy.
    """
    lam, u = np.broadcast_arrays(np.asarray(lam, dtype=float), np.asarray(u, dtype=float))
    shape = lam.shape
    lam, u = lam.ravel(), u.ravel()
    k0 = np.zeros(lam.size)
    below = np.zeros(lam.size)
    p = np.exp(-lam)
    big = np.flatnonzero(lam > LARGE_MEAN)
    if big.size:
        lb, ub = lam[big], u[big]
        z = ndtri(np.clip(ub, 1e-12, 1 - 1e-12))
        sq = np.sqrt(lb)
        kb = np.maximum(np.floor(lb + sq * z + (z * z - 1.0) / 6.0 - 2.0), 0.0)
        bb = pdtr(np.maximum(kb - 1.0, 0.0), lb) * (kb > 0)
        high = ub < bb
        if high.any():  # the guess overshot: start far below
            kb[high] = np.maximum(np.floor(lb[high] - 6.0 * sq[high] - 5.0), 0.0)
            bb[high] = pdtr(np.maximum(kb[high] - 1.0, 0.0), lb[high]) * (kb[high] > 0)
            still = ub < bb
            kb[still], bb[still] = 0.0, 0.0
        k0[big], below[big] = kb, bb
        p[big] = np.exp(kb * np.log(lb) - lb - gammaln(kb + 1.0))
    F = below + p
    N = k0
    search = compiled("poisson_search")
    if search is not None:
        search(np.ascontiguousarray(u), np.ascontiguousarray(lam), p, F, N, DENSE_SHARE)
        return N.reshape(shape)
    more = u >= F
    k = k0.copy()
    # dense steps over every cell while many still search (no gathering), then gather the rest;
    # each searching cell sees the same operations in the same order either way
    while more.sum() * DENSE_SHARE > more.size:
        k += 1.0
        p = p * lam / k
        F = F + p
        N += more
        more &= (u >= F) & (p > 0)
    idx = np.flatnonzero(more)
    p, F, lam_i, u_i, k = p[idx], F[idx], lam[idx], u[idx], k[idx]
    while idx.size:
        k = k + 1.0
        N[idx] = k
        p = p * lam_i / k
        F = F + p
        more = (u_i >= F) & (p > 0)
        idx, p, F, lam_i, u_i, k = idx[more], p[more], F[more], lam_i[more], u_i[more], k[more]
    return N.reshape(shape)


def prob(h: np.ndarray | float) -> np.ndarray:
    """Monthly probability ``1 - exp(-h)`` of a hazard ``h`` (float32)."""
    with np.errstate(over="ignore"):
        return np.asarray(-np.expm1(-np.asarray(h, dtype=float)), dtype=np.float32)


def ramp(t: np.ndarray | int, months: np.ndarray | float) -> np.ndarray:
    """Share of a linear transition completed in month(s) ``t`` (0 = first simulated month):
    ``clip((t + 1) / months, 0, 1)`` (complete at once when ``months`` is 0).
    """
    return np.clip(
        (np.asarray(t, dtype=float) + 1.0) / np.maximum(np.asarray(months, dtype=float), 1e-9),
        0.0,
        1.0,
    )


def money_scale(nominal: dict[str, float], names: tuple[str, ...], horizon: int) -> float:
    """Upper end of the bins of a money stock: four times the sum of the nominal stocks named,
    plus a margin growing with the horizon (values beyond fall in the top slot, whose mean and
    min/max are exact).
    """
    money = max(sum(nominal.get(k, 0.0) for k in names), 10.0)
    return 4.0 * money + 50.0 * (1 + horizon / 120)


def labels(en: str, ar: str) -> dict[str, str]:
    """Labels in the brief languages."""
    return {"en": en, "ar": ar}
