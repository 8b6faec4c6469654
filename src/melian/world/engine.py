"""The Monte Carlo engine of the world model: components, seeding, blocks, workers, aggregation.

A scenario's world is the list of components it declares (``world.components``), each an
instance of a kind of the registry :data:`melian.world.components.KINDS`. The engine knows no
kind by name: it checks the declarations (:func:`check`), orders the components so that every
component comes after those whose states it reads (a topological order; declared order breaks
ties), prepares (calibrates) each, and simulates them together.

Paths are simulated in blocks of :data:`BLOCK` paths, vectorised with numpy over the paths of a
block, in slabs of :data:`SLAB` months: every component in turn advances the whole slab, reading
the slab states of the components before it. Every component of every block draws from its own
generator, seeded by ``SeedSequence(seed, spawn_key=(block index, component key))`` (a key
derived from the component id), and the uniforms of each uncertain parameter come from a child
stream of that generator keyed by the parameter's name. The option is not part of any key:
**common random numbers** across options (Law 2015, *Simulation Modeling and Analysis*, 5th ed.,
section 11.2; Glasserman and Yao 1992), so path ``j`` of every option sees the same shocks and
the same parameter quantiles (each option maps them through its own distributions), and the
difference between two options is not blurred by independent noise. Whether a parameter is fixed
or uncertain leaves the other draws unchanged. Results do not depend on which other options are
simulated, on the chunk size (chunks are groups of whole blocks), on the number of worker
processes, or on which other components a scenario declares, except through what they pass on.
Each block is reduced into fixed-memory statistics (:class:`melian.world.results.Accumulator`)
whose merge is exact integer arithmetic, so results are bit-identical however blocks are
grouped.

Options act only through the scenario: the parameters of every path are drawn from
``scenario.parameters_for(option)`` (the declared effects applied to the component parameters,
paths ``component.parameter``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from melian import limits
from melian.errors import InputError, LimitError, ModelError, Problem
from melian.scenario.datasets import data_dir as data_dir  # re-exported (tests, callers)
from melian.scenario.datasets import dataset_path
from melian.scenario.schema import Distribution, Scenario, did_you_mean, support_bounds
from melian.world.components import KINDS
from melian.world.components.base import LANGUAGES, Kind, Setup
from melian.world.results import (
    Accumulator,
    BandDef,
    Ensemble,
    HistSpec,
    MetricDef,
    OptionResult,
    Summary,
)
from melian.world.spec import ParamSpec
from melian.world.units import component_words, localise

#: Paths per random-number block (the unit of seeding and of vectorisation).
BLOCK = 8192
#: Months per slab: every component advances this many months at once.
SLAB = 3
#: Smallest run (paths x options x months) that ``simulate(workers=None)`` spreads over all cores.
PARALLEL_MIN_PATH_MONTHS = 20_000_000
#: Largest number of blocks in one task when ``simulate`` chooses the chunk size.
MAX_CHUNK_BLOCKS = 32
#: Largest number of paths and horizon accepted by :func:`simulate`.
MAX_PATHS = 100_000_000
MAX_HORIZON = 600
#: Salt of the random streams of the parameters' uniforms (children of a component's generator's
#: seed sequence, one per parameter name): declaring or widening one leaves every other draw
#: unchanged.
PARAM_STREAM = 0x6F7074  # "opt"


# --------------------------------------------------------------------------- declarations
@dataclass(frozen=True)
class Declared:
    """An outcome, event or band of the scenario's world, as the engine reports it.

    ``name`` is the global name (the kind's name, or the component's rename); ``kind`` is
    ``outcome``, ``event`` or ``band``; ``direction`` ``higher_worse``/``higher_better`` (events
    are worse when more likely, unless their component is declared ``desirable``: then they and
    the kind's :attr:`~melian.world.components.base.Kind.DESIRABLE` outcomes are better when
    higher; bands have none); ``unit`` the kind's unit in the scenario's words (the units its
    parameters declare: :mod:`melian.world.units`); ``component_name`` the component's display
    name (its ``name``, else its id).
    """

    name: str
    kind: str
    component: str
    local: str
    unit: str
    direction: str
    labels: dict[str, str]
    description: str
    role: str = ""
    component_name: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return dict(self.__dict__)


def _problem(scenario: Scenario, path: str, msg: str) -> Problem:
    return Problem(scenario.id, None, None, path, msg)


def _bindings(comp: Any) -> dict[str, list[str]]:  # noqa: ANN401
    return {r: ([v] if isinstance(v, str) else list(v)) for r, v in comp.inputs.items()}


def _split(ref: str, ids: set[str] | dict[str, Any]) -> tuple[str, str | None]:
    """``(component, state)`` of an input binding: a component id, or ``component.state``."""
    if ref in ids:
        return ref, None
    cid, _, state = ref.rpartition(".")
    return cid, state or None


def check(scenario: Scenario) -> list[Problem]:
    """Every problem of the scenario's world for the world model (empty list: none).

    Checks that each component's kind exists; that its parameters are the kind's (none unknown,
    every required one declared) and that their values, over the whole support of their
    distributions, lie in the kind's admissible ranges; that every input role is the kind's,
    every required role is bound, and the components bound expose the states the role reads;
    that dataset and actor roles are the kind's and the required ones bound; that no component
    reads itself through a cycle; that renamed outcomes, events and bands exist and that no two
    share a name; that only kinds whose events can be wanted are declared ``desirable``.
    """
    out: list[Problem] = []
    comps = scenario.world.components
    by_id = {c.id: c for c in comps}
    for k, c in enumerate(comps):
        where = f"world.components[{k}]"
        K = KINDS.get(c.kind)
        if K is None:
            out.append(
                _problem(
                    scenario,
                    f"{where}.kind",
                    f"unknown component kind {c.kind!r} (kinds: {', '.join(sorted(KINDS))})",
                )
            )
            continue
        specs = {p.path: p for p in K.PARAMS}
        for name, par in c.parameters.items():
            ps = specs.get(name)
            if ps is None:
                out.append(
                    _problem(
                        scenario,
                        f"{where}.parameters.{name}",
                        f"{c.kind} has no parameter {name!r} (parameters: {', '.join(specs)})",
                    )
                )
                continue
            _, lo, hi = support_bounds(par.distribution())
            if (ps.low is not None and lo < ps.low) or (ps.high is not None and hi > ps.high):
                rng = f"[{ps.low:g}, {ps.high:g}]" if ps.high is not None else f">= {ps.low:g}"
                got = f"{lo:g}" if lo == hi else f"values in [{lo:g}, {hi:g}]"
                out.append(
                    _problem(
                        scenario,
                        f"{where}.parameters.{name}",
                        f"{c.id}.{name} must be {rng} ({ps.unit}); got {got}",
                    )
                )
        for ps in K.PARAMS:
            if ps.required and ps.path not in c.parameters:
                out.append(
                    _problem(
                        scenario,
                        f"world.{c.id}.{ps.path}",
                        f"the world model needs parameter {c.id}.{ps.path} ({ps.unit}): "
                        f"{ps.meaning}",
                    )
                )
        roles = {i.role: i for i in K.INPUTS}
        for role, refs in _bindings(c).items():
            spec = roles.get(role)
            if spec is None:
                out.append(
                    _problem(
                        scenario,
                        f"{where}.inputs.{role}",
                        f"{c.kind} has no input {role!r} (inputs: {', '.join(roles) or 'none'})",
                    )
                )
                continue
            if len(refs) > 1 and not spec.many:
                out.append(
                    _problem(
                        scenario, f"{where}.inputs.{role}", f"input {role!r} takes one component"
                    )
                )
            for r in refs:
                cid, state = _split(r, by_id)
                up = by_id.get(cid)
                up_kind = KINDS.get(up.kind) if up is not None else None
                if up_kind is None:
                    continue
                have = {s.name for s in up_kind.STATES}
                if spec.states == ("*",):
                    if state is None or state not in have:
                        out.append(
                            _problem(
                                scenario,
                                f"{where}.inputs.{role}",
                                f"input {role!r} takes component.state; {cid!r} ({up.kind}) "
                                f"exposes {', '.join(sorted(have))}",
                            )
                        )
                    continue
                if state is not None:
                    out.append(
                        _problem(
                            scenario,
                            f"{where}.inputs.{role}",
                            f"input {role!r} takes a component id",
                        )
                    )
                    continue
                miss = [s for s in spec.states if s not in have]
                if miss:
                    out.append(
                        _problem(
                            scenario,
                            f"{where}.inputs.{role}",
                            f"{r!r} ({up.kind}) does not expose {', '.join(miss)} "
                            f"that input {role!r} reads",
                        )
                    )
        for spec in K.INPUTS:
            if spec.required and spec.role not in c.inputs:
                out.append(
                    _problem(
                        scenario,
                        f"{where}.inputs",
                        f"{c.kind} {c.id!r} needs input {spec.role!r}: {spec.meaning}",
                    )
                )
        droles = {d.role: d for d in K.DATASETS}
        for role in c.datasets:
            if role not in droles:
                out.append(
                    _problem(
                        scenario, f"{where}.datasets.{role}", f"{c.kind} has no dataset {role!r}"
                    )
                )
        for d in K.DATASETS:
            if d.role not in c.datasets:
                out.append(
                    _problem(
                        scenario,
                        f"{where}.datasets",
                        f"{c.kind} {c.id!r} needs dataset {d.role!r}: {d.content}",
                    )
                )
        aroles = {a.role: a for a in K.ACTORS}
        for role in c.actors:
            if role not in aroles:
                out.append(
                    _problem(
                        scenario, f"{where}.actors.{role}", f"{c.kind} has no actor role {role!r}"
                    )
                )
        focal = getattr(scenario.focal, "actor", None)  # (a scenario being written may lack it)
        for role, message in K.actor_problems(dict(c.actors), focal) if focal else ():
            out.append(_problem(scenario, f"{where}.actors.{role}", message))
        for a in K.ACTORS:
            if a.required and a.role not in c.actors:
                out.append(
                    _problem(
                        scenario,
                        f"{where}.actors",
                        f"{c.kind} {c.id!r} needs actor {a.role!r}: {a.meaning}",
                    )
                )
        if c.desirable and not K.DESIRABLE:
            wanted = ", ".join(sorted(k for k, W in KINDS.items() if W.DESIRABLE))
            out.append(
                _problem(
                    scenario,
                    f"{where}.desirable",
                    f"{c.kind} {c.id!r} cannot be declared desirable: its events and outcomes "
                    f"keep the directions the kind declares (only the events of {wanted} can be "
                    "wanted); remove desirable: true",
                )
            )
        local = (
            {o.name for o in K.OUTCOMES} | {e.name for e in K.EVENTS} | {b.name for b in K.BANDS}
        )
        valued = {o.name for o in K.OUTCOMES} | {e.name for e in K.EVENTS}
        for nm in c.directions:
            if nm not in valued:
                out.append(
                    _problem(
                        scenario,
                        f"{where}.directions.{nm}",
                        f"{c.kind} has no outcome or event {nm!r} to give a direction "
                        f"(its own names: {', '.join(sorted(valued))})"
                        + did_you_mean(nm, sorted(valued)),
                    )
                )
        for nm in list(c.names) + list(c.labels):
            if nm not in local:
                out.append(
                    _problem(
                        scenario,
                        f"{where}.names",
                        f"{c.kind} has no outcome, event or band {nm!r}",
                    )
                )
    if not out:
        try:
            _order(scenario)
        except InputError as exc:
            out.extend(exc.problems)
        seen: dict[tuple[str, str], str] = {}
        for d in _declared(scenario):
            key = (d.kind if d.kind == "band" else "value", d.name)
            if key in seen:
                out.append(
                    _problem(
                        scenario,
                        f"world.components.{d.component}.names",
                        f"{d.name!r} is declared by {seen[key]!r} and {d.component!r}: rename one "
                        "with names:",
                    )
                )
            seen[key] = d.component
    return out


def _order(scenario: Scenario) -> list[str]:
    """Component ids in a topological order of their inputs (declared order breaks ties)."""
    comps = scenario.world.components
    ids = {c.id for c in comps}
    deps = {
        c.id: {_split(r, ids)[0] for refs in _bindings(c).values() for r in refs} for c in comps
    }
    order: list[str] = []
    done: set[str] = set()
    while len(order) < len(comps):
        ready = [c.id for c in comps if c.id not in done and deps[c.id] <= done]
        if not ready:
            cyc = sorted(c.id for c in comps if c.id not in done)
            raise InputError(
                [
                    _problem(
                        scenario,
                        "world.components",
                        "the components read each other in a cycle: " + ", ".join(cyc),
                    )
                ]
            )
        order.append(ready[0])
        done.add(ready[0])
    return order


def _declared(scenario: Scenario) -> list[Declared]:
    """Every outcome, event and band of the scenario's world with its global name and labels."""
    out: list[Declared] = []
    words = component_words(list(scenario.world.components), KINDS)
    for c in scenario.world.components:
        K = KINDS.get(c.kind)
        if K is None:
            continue
        shown = c.name or c.id

        def unit(u: str, c: Any = c) -> str:  # noqa: ANN401
            return localise(u, words[c.id])

        def lab(local: str, base: dict[str, str], c: Any = c) -> dict[str, str]:  # noqa: ANN401
            got = dict(base)
            got.update(c.labels.get(local, {}))
            return {lang: got.get(lang, got.get("en", local)) for lang in LANGUAGES}

        for o in K.OUTCOMES:
            out.append(
                Declared(
                    c.names.get(o.name, o.name),
                    "outcome",
                    c.id,
                    o.name,
                    unit(o.unit),
                    c.directions.get(o.name) or K.direction(o.name, c.desirable),
                    lab(o.name, o.labels),
                    o.description,
                    o.role,
                    shown,
                )
            )
        for e in K.EVENTS:
            out.append(
                Declared(
                    c.names.get(e.name, e.name),
                    "event",
                    c.id,
                    e.name,
                    "probability",
                    c.directions.get(e.name) or K.direction(e.name, c.desirable),
                    lab(
                        e.name,
                        {**e.labels, "en": c.name} if K.EVENT_IS_COMPONENT and c.name else e.labels,
                    ),
                    e.description,
                    component_name=shown,
                )
            )
        for b in K.BANDS:
            out.append(
                Declared(
                    c.names.get(b.name, b.name),
                    "band",
                    c.id,
                    b.name,
                    unit(b.unit),
                    "",
                    lab(b.name, b.labels),
                    b.description,
                    component_name=shown,
                )
            )
    return out


def declared(scenario: Scenario) -> list[Declared]:
    """The outcomes, events and bands the scenario's world reports (names, units, labels)."""
    return _declared(scenario)


def outcome_directions(scenario: Scenario) -> dict[str, str]:
    """``min`` or ``max`` for every per-sample metric of :func:`evaluate` (events as ``p_NAME``),
    from the declared directions: an event is ``min`` unless its component is declared
    ``desirable`` (then ``max``, as the kind's desirable outcomes).
    """
    out: dict[str, str] = {}
    for d in _declared(scenario):
        best = "min" if d.direction == "higher_worse" else "max"
        if d.kind == "outcome":
            out[d.name] = best
        elif d.kind == "event":
            out[f"p_{d.name}"] = best
    return out


def parameter_specs(scenario: Scenario) -> dict[str, ParamSpec]:
    """The declaration of every parameter the scenario's world reads, by path ``component.name``."""
    out: dict[str, ParamSpec] = {}
    for c in scenario.world.components:
        K = KINDS.get(c.kind)
        if K is not None:
            for p in K.PARAMS:
                out[f"{c.id}.{p.path}"] = p
    return out


def has_world(scenario: Scenario) -> bool:
    """True if the scenario declares any world component."""
    return bool(scenario.world.components)


# --------------------------------------------------------------------------- preparation
@dataclass(frozen=True)
class Prepared:
    """Everything a worker needs to simulate: prepared components in order, distributions, bins."""

    scenario_id: str
    as_of: dt.date
    components: tuple[Kind, ...]
    bindings: dict[str, dict[str, list[str]]]
    many: dict[str, set[str]]
    dists: dict[str, dict[str, dict[str, Distribution]]]  # option -> component -> name -> dist
    metrics: tuple[MetricDef, ...]
    bands: tuple[BandDef, ...]
    events: tuple[str, ...]
    names: dict[tuple[str, str], str]  # (component, local) -> global name
    band_logs: dict[str, bool]
    declared: tuple[Declared, ...]
    cover: str | None
    cover_spec: HistSpec
    breakeven: MetricDef | None
    horizon: int
    reference_price: float | None
    start: str
    calibrations: dict[str, Any] = field(default_factory=dict)


def _dataset_path(scenario: Scenario, name: str, base_dir: Path | None, where: str) -> Path:
    """Resolve a dataset of the scenario (:func:`melian.scenario.datasets.dataset_path`)."""
    return dataset_path(scenario, name, base_dir, where)


def no_world_error(scenario: Scenario) -> InputError:
    """The error of a world-model run on a scenario that declares no world."""
    return InputError(
        [
            _problem(
                scenario,
                "world.components",
                "the scenario declares no world components: there is no world to simulate "
                "(add world.components; docs/scenario-format.md)",
            )
        ]
    )


def prepare(
    scenario: Scenario, options: Sequence[str] | None, horizon: int, base_dir: Path | None = None
) -> Prepared:
    """Check the scenario's world, order and prepare (calibrate) its components, fix the bins."""
    if not has_world(scenario):
        raise no_world_error(scenario)
    problems = check(scenario)
    if problems:
        raise InputError(problems)
    if not 1 <= horizon <= MAX_HORIZON:
        raise LimitError(f"horizon must be between 1 and {MAX_HORIZON} months (got {horizon})")
    opts = list(options) if options else scenario.option_ids
    if not opts:
        raise InputError(
            [_problem(scenario, "focal.options", "the scenario has no options to simulate")]
        )
    unknown = [o for o in opts if o not in scenario.option_ids]
    if unknown:
        raise InputError(
            [
                _problem(
                    scenario,
                    "focal.options",
                    f"unknown option {o!r} (options: {', '.join(scenario.option_ids)})",
                )
                for o in unknown
            ]
        )
    order = _order(scenario)
    by_id = {c.id: c for c in scenario.world.components}
    prepared: dict[str, Kind] = {}
    bindings: dict[str, dict[str, list[str]]] = {}
    many: dict[str, set[str]] = {}
    for cid in order:
        c = by_id[cid]
        K = KINDS[c.kind]
        b = _bindings(c)
        bindings[cid] = b
        many[cid] = {i.role for i in K.INPUTS if i.many}
        setup = Setup(
            scenario,
            horizon,
            {k: float(p.nominal) for k, p in c.parameters.items()},
            {
                role: _dataset_path(scenario, ds, base_dir, f"{cid}.{role}")
                for role, ds in c.datasets.items()
            },
            dict(c.actors),
            b,
            {
                _split(r, by_id)[0]: prepared[_split(r, by_id)[0]]
                for refs in b.values()
                for r in refs
            },
        )
        prepared[cid] = K(cid, setup)
    comps = tuple(prepared[c] for c in order)
    decl = tuple(_declared(scenario))
    names = {(d.component, d.local): d.name for d in decl}
    metrics: list[MetricDef] = []
    bands: list[BandDef] = []
    events: list[str] = []
    breakeven = None
    band_logs: dict[str, bool] = {}
    for d in decl:
        comp = prepared[d.component]
        if d.kind == "outcome":
            m = MetricDef(
                d.name, comp.hist(d.local), d.unit, d.direction == "higher_worse", d.description
            )
            if d.role == "breakeven" and breakeven is None:
                breakeven = m
            else:
                metrics.append(m)
        elif d.kind == "event":
            events.append(d.name)
        else:
            spec = comp.hist(d.local)
            bands.append(BandDef(d.name, spec, d.unit, d.description))
            band_logs[d.name] = spec.log
    cover = next((c.id for c in comps if hasattr(c, "cover_spec")), None)
    scale = next((c.price_scale() for c in comps if hasattr(c, "price_scale")), 1.0)
    cover_spec = (
        prepared[cover].cover_spec(scale)
        if cover is not None
        else HistSpec(5.0, 400.0, 80, log=True)
    )
    ref = None
    if cover is not None:
        ref = getattr(prepared[cover], "reference_price", None)
    dists: dict[str, dict[str, dict[str, Distribution]]] = {}
    for o in opts:
        allp = scenario.parameters_for(o)
        dists[o] = {
            cid: {k.split(".", 1)[1]: v for k, v in allp.items() if k.split(".", 1)[0] == cid}
            for cid in order
        }
    last = [c.last_date for c in comps if hasattr(c, "last_date")]
    start = _add_months(max(last), 1) if last else _add_months(scenario.metadata.as_of, 0)
    cal = {c.id: got for c in comps if (got := c.calibration()) is not None}
    return Prepared(
        scenario.id,
        scenario.metadata.as_of,
        comps,
        bindings,
        many,
        dists,
        tuple(metrics),
        tuple(bands),
        tuple(events),
        names,
        band_logs,
        decl,
        cover,
        cover_spec,
        breakeven,
        horizon,
        ref,
        start,
        cal,
    )


# --------------------------------------------------------------------------- parameters
def _key(text: str) -> int:
    """A stable 63-bit key of an id (for seeding)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


_option_key = _key


def draw_parameters(
    specs: dict[str, ParamSpec],
    dists: dict[str, Distribution],
    n: int,
    rng: np.random.Generator,
    tile: int = 1,
    where: str = "",
) -> dict[str, np.ndarray | float]:
    """Per-path values of one component's parameters: fixed ones as floats, uncertain ones drawn.

    The ``n // tile`` uniforms of every uncertain parameter come from its own child stream of
    ``rng`` (keyed by the parameter's name, :func:`_param_stream`), so that which parameters are
    uncertain, and under which option, changes no other draw (common random numbers across
    options and across input values); ``rng`` itself is left untouched for the component's
    dynamics. Values are repeated ``tile`` times (common random numbers across tiled samples).
    Values outside a parameter's range raise a ModelError.
    """
    m = n // tile
    names = sorted(k for k in dists if k in specs)
    P: dict[str, np.ndarray | float] = {}
    for k in names:
        d = dists[k]
        if d.is_fixed:
            P[k] = float(d.value)  # type: ignore[arg-type]
        else:
            v = d.ppf(_param_stream(rng, k).random(m))
            P[k] = np.tile(v, tile) if tile > 1 else v
    msgs = [m2 for k in names if (m2 := specs[k].check(P[k])) is not None]
    if msgs:
        raise ModelError("invalid world parameter values" + where + ": " + "; ".join(msgs))
    return P


def _param_stream(rng: np.random.Generator, name: str) -> np.random.Generator:
    """The stream of the uniforms of parameter ``name`` (a child of ``rng``'s seed sequence)."""
    return _stream(rng, PARAM_STREAM ^ _key(name))


def _stream(rng: np.random.Generator, key: int) -> np.random.Generator:
    """A generator independent of ``rng``: the child ``key`` of ``rng``'s seed sequence."""
    ss = rng.bit_generator.seed_seq
    if not isinstance(ss, np.random.SeedSequence):
        raise ModelError("the world model needs generators seeded from a SeedSequence")
    child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, key))
    return np.random.Generator(np.random.PCG64(child))


def _rngs(prep: Prepared, seed: int, option: str, block: int) -> dict[str, np.random.Generator]:
    """The generator of every component of one block (the same for every option: common random
    numbers; ``option`` is accepted for the callers' convenience and not used in the key).
    """
    return {
        c.id: np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, _key(c.id))))
        )
        for c in prep.components
    }


def draw_all(
    prep: Prepared,
    option: str,
    n: int,
    rngs: dict[str, np.random.Generator],
    tile: int = 1,
) -> dict[str, dict[str, np.ndarray | float]]:
    """Every component's per-path parameters under ``option`` (see :func:`draw_parameters`)."""
    out = {}
    for c in prep.components:
        specs = {p.path: p for p in type(c).PARAMS}
        out[c.id] = draw_parameters(
            specs,
            prep.dists[option][c.id],
            n,
            rngs[c.id],
            tile,
            f" of component {c.id!r} under option {option!r}",
        )
    return out


# --------------------------------------------------------------------------- one block
def run_paths(
    prep: Prepared,
    P: dict[str, dict[str, np.ndarray | float]],
    n: int,
    rngs: dict[str, np.random.Generator],
    tile: int = 1,
    bands: bool = True,
    acc: Accumulator | None = None,
    keep: Sequence[str] = (),
    record: bool = False,
) -> dict[str, Any]:
    """Simulate ``n`` paths of every component over the horizon; per-path outcomes and events.

    Random draws are made for ``n // tile`` paths and repeated ``tile`` times. With ``acc`` the
    fan-chart bands are binned into that accumulator slab by slab; otherwise, with ``bands``,
    they are returned as ``(months, n)`` float32 matrices. ``keep`` names slab states
    (``component.state``) returned as ``(months, n)`` matrices (for tests and replays). With
    ``record`` a component that can record its flows (a state with a ``record`` list) does, every
    month (the accounts test).
    """
    H = prep.horizon
    S = {c.id: c.start(P[c.id], n, rngs[c.id], tile) for c in prep.components}
    if record:
        for st in S.values():
            if isinstance(st, dict) and "record" in st:
                st["record"] = []
    keep_bands = bands and acc is None
    B = {b.name: np.empty((H, n), np.float32) for b in prep.bands} if keep_bands else {}
    K = {k: np.empty((H, n)) for k in keep}
    band_of = {(d.component, d.local): d.name for d in prep.declared if d.kind == "band"}
    for t0 in range(0, H, SLAB):
        k = min(SLAB, H - t0)
        slab: dict[str, dict[str, np.ndarray]] = {}
        for c in prep.components:
            inputs: dict[str, Any] = {}
            for role, refs in prep.bindings[c.id].items():
                got = [
                    slab[r]
                    if r in slab
                    else {"value": slab[r.rpartition(".")[0]][r.rpartition(".")[2]]}
                    for r in refs
                ]
                inputs[role] = got if role in prep.many[c.id] else got[0]
            st = c.advance(S[c.id], t0, k, inputs, rngs[c.id], tile)
            slab[c.id] = st
            for b in type(c).BANDS:
                name = band_of[(c.id, b.name)]
                if acc is not None:
                    acc.add_band_slab(name, t0, st[b.name], log_values=st.get("log_" + b.name))
                elif keep_bands:
                    B[name][t0 : t0 + k] = st[b.name]
        for key in keep:
            cid, state = key.split(".", 1)
            K[key][t0 : t0 + k] = slab[cid][state]
    outcomes: dict[str, np.ndarray] = {}
    events: dict[str, np.ndarray] = {}
    cover = None
    for c in prep.components:
        f = c.finish(S[c.id], rngs[c.id], tile)
        for name, v in f.outcomes.items():
            outcomes[prep.names[(c.id, name)]] = np.asarray(v, dtype=float)
        for name, v in f.events.items():
            events[prep.names[(c.id, name)]] = v
        if f.cover is not None and c.id == prep.cover:
            cover = f.cover
    return {
        "outcomes": outcomes,
        "events": events,
        "bands": B,
        "cover": cover,
        "kept": K,
        "state": S,
    }


def _acc_metrics(prep: Prepared) -> list[MetricDef]:
    return list(prep.metrics) + ([prep.breakeven] if prep.breakeven is not None else [])


def world_shape(prep: Prepared) -> limits.WorldShape:
    """The prepared world's size for memory estimates: its bands, variables and accumulator."""
    acc = Accumulator.size(_acc_metrics(prep), list(prep.bands), prep.horizon, prep.cover_spec)
    return limits.world_shape(len(prep.bands), len(prep.names), acc)


def _new_accumulator(prep: Prepared, specs: dict[str, HistSpec] | None = None) -> Accumulator:
    """An empty accumulator of the prepared world; with ``specs`` one of only those outcomes,
    in those bins (no bands or events).
    """
    if specs is None:
        return Accumulator(
            _acc_metrics(prep), list(prep.bands), list(prep.events), prep.horizon, prep.cover_spec
        )
    metrics = [
        MetricDef(m.name, specs[m.name], m.unit, m.worst_high, m.description)
        for m in _acc_metrics(prep)
        if m.name in specs
    ]
    return Accumulator(metrics, [], [], prep.horizon, prep.cover_spec)


def run_chunk(
    prep: Prepared,
    option: str,
    seed: int,
    paths: int,
    blocks: tuple[int, int],
    specs: dict[str, HistSpec] | None = None,
) -> Accumulator:
    """Simulate blocks ``[blocks[0], blocks[1])`` of an option and reduce them.

    With ``specs`` (outcome name -> bins) only those outcomes are accumulated, in those bins
    (no bands, events or covering price): the second pass of :func:`simulate`.
    """
    acc = _new_accumulator(prep, specs)
    for b in range(*blocks):
        n = min(BLOCK, paths - b * BLOCK)
        rngs = _rngs(prep, seed, option, b)
        P = draw_all(prep, option, n, rngs)
        if specs is not None:
            r = run_paths(prep, P, n, rngs, bands=False)
        else:
            r = run_paths(prep, P, n, rngs, acc=acc)
        cov = r["cover"]
        if cov is None or specs is not None:
            cov = (np.full(n, prep.cover_spec.lo), np.zeros(n, bool))  # not reported
        acc.add_block(r["outcomes"], r["events"], {}, cov[0], cov[1])
    return acc


def _run_tasks(
    prep: Prepared,
    tasks: list[tuple[str, tuple[int, int]]],
    seed: int,
    paths: int,
    nworkers: int,
    executor: Executor | None,
    advanced: Callable[[int], None],
    specs: dict[str, dict[str, HistSpec]] | None = None,
) -> dict[str, Accumulator]:
    """Run tasks ``(option, (first block, end block))`` here or on workers; merged per option.

    ``specs`` gives, per option, the outcomes to bin anew and their bins (:func:`run_chunk`).
    ``advanced`` is called with the number of paths of every task done. Merging is exact
    integer arithmetic, so the result does not depend on the order in which tasks finish.
    """

    def task_paths(bl: tuple[int, int]) -> int:
        return min(bl[1] * BLOCK, paths) - bl[0] * BLOCK

    def spec(o: str) -> dict[str, HistSpec] | None:
        return None if specs is None else specs[o]

    accs = {o: _new_accumulator(prep, spec(o)) for o in dict.fromkeys(o for o, _ in tasks)}
    if executor is None and (nworkers == 1 or len(tasks) == 1):
        for o, bl in tasks:
            accs[o].merge(run_chunk(prep, o, seed, paths, bl, spec(o)))
            advanced(task_paths(bl))
        return accs
    own = executor is None
    ex = executor or _process_pool(nworkers)
    try:
        # at most 2 tasks per worker in flight; each result is merged (exact integer sums,
        # any order) and dropped as soon as it arrives, so memory does not grow with paths
        window = 2 * (nworkers if executor is None else max(nworkers, 2))
        pending: dict[Future[Accumulator], tuple[str, tuple[int, int]]] = {}
        queue = list(reversed(tasks))
        while queue or pending:
            while queue and len(pending) < window:
                o, bl = queue.pop()
                pending[ex.submit(run_chunk, prep, o, seed, paths, bl, spec(o))] = (o, bl)
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for f in finished:
                o, bl = pending.pop(f)
                accs[o].merge(f.result())
                advanced(task_paths(bl))
    finally:
        if own:
            ex.shutdown()
    return accs


# --------------------------------------------------------------------------- public API
def simulate(
    scenario: Scenario,
    options: Sequence[str] | None = None,
    paths: int = 100_000,
    horizon: int = 120,
    seed: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    base_dir: Path | None = None,
) -> Ensemble:
    """Simulate the consequences of each option over ``horizon`` months on ``paths`` paths.

    ``seed`` defaults to the scenario's seed. ``chunk_size`` paths (rounded up to whole blocks
    of :data:`BLOCK`) form one task; None chooses about four tasks per worker, at most
    :data:`MAX_CHUNK_BLOCKS` blocks each (every task returns a ~10 MB accumulator). Tasks run
    in ``workers`` processes or on a given ``executor`` (for example a dask
    ``Client.get_executor()``); ``workers=None`` (the default) uses every core for runs of at
    least :data:`PARALLEL_MIN_PATH_MONTHS` path-months, else this process. ``progress`` is
    called with (paths done, paths total). Results are identical for any chunk size, worker
    count or executor.

    Values that fall outside an outcome's bins (fixed from the nominal parameters; an option may
    widen a parameter beyond them) are kept exactly by the accumulator, up to
    :data:`~melian.world.results.MAX_OUTSIDE` of them; an option with more is simulated a second
    time, on the same random numbers, and those outcomes are binned over their exact range
    (:meth:`~melian.world.results.Accumulator.overflowing`). Either way its quantiles are within
    the stated ``bin_width``; the decisions read exact merged counts, minima and maxima, so they
    do not depend on the grouping of paths.
    """
    if not 1 <= paths <= MAX_PATHS:
        raise LimitError(f"paths must be between 1 and {MAX_PATHS:,} (got {paths})")
    if chunk_size is not None and chunk_size < 1:
        raise LimitError(f"chunk_size must be positive (got {chunk_size})")
    n_options = len(options) if options else (len(scenario.option_ids) or 1)
    prep = prepare(scenario, options, horizon, base_dir)
    limits.check_simulation(
        paths,
        horizon,
        n_options,
        workers=workers or os.cpu_count() or 1,
        chunk_size=chunk_size,
        shape=world_shape(prep),
    )
    seed = scenario.metadata.seed if seed is None else int(seed)
    opts = list(prep.dists)
    nblocks = -(-paths // BLOCK)
    if workers is None:
        big = paths * len(opts) * horizon >= PARALLEL_MIN_PATH_MONTHS
        nworkers = (os.cpu_count() or 1) if big else 1
    else:
        nworkers = max(1, int(workers))
    if chunk_size is None:
        per_option = max(1, -(-4 * nworkers // len(opts)))  # tasks per option
        per_chunk = min(MAX_CHUNK_BLOCKS, max(1, -(-nblocks // per_option)))
    else:
        per_chunk = max(1, -(-chunk_size // BLOCK))
    tasks = [
        (o, (b, min(b + per_chunk, nblocks))) for o in opts for b in range(0, nblocks, per_chunk)
    ]
    count = {"done": 0, "total": paths * len(opts)}

    def advanced(n: int) -> None:
        count["done"] += n
        if progress:
            progress(count["done"], count["total"])

    accs = _run_tasks(prep, tasks, seed, paths, nworkers, executor, advanced)
    # second pass, only where some outcome's values fell outside its bins (an option widened a
    # parameter beyond what the bins were fixed for): the same paths again, binned over their
    # exact range, and those outcomes' counts replace the first pass's
    wide = {o: got for o in opts if (got := accs[o].overflowing())}
    if wide:
        count["total"] += paths * len(wide)
        again = [(o, bl) for o, bl in tasks if o in wide]
        rebinned = _run_tasks(prep, again, seed, paths, nworkers, executor, advanced, wide)
        for o in wide:
            accs[o].adopt(rebinned[o])
    results = {o: _option_result(prep, o, accs[o]) for o in opts}
    months = [_add_months_str(prep.start, k) for k in range(horizon)]
    return Ensemble(
        prep.scenario_id,
        seed,
        paths,
        horizon,
        months[0],
        months,
        results,
        prep.calibrations,
        prep.reference_price,
        {b.name: b.unit for b in prep.bands},
        {d.name: d.to_dict() for d in prep.declared},
    )


def _process_pool(n: int) -> ProcessPoolExecutor:
    """A process pool (fork where available: workers inherit the imported modules)."""
    import multiprocessing as mp

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    return ProcessPoolExecutor(max_workers=n, mp_context=ctx)


def _add_months(d: dt.date, k: int) -> str:
    """``YYYY-MM`` of the month ``k`` months after ``d``."""
    y, mth = divmod(d.year * 12 + d.month - 1 + k, 12)
    return f"{y:04d}-{mth + 1:02d}"


def _add_months_str(ym: str, k: int) -> str:
    """``YYYY-MM`` ``k`` months after the month ``ym``."""
    y, m = int(ym[:4]), int(ym[5:7])
    return _add_months(dt.date(y, m, 1), k)


def _option_result(prep: Prepared, option: str, acc: Accumulator) -> OptionResult:
    """Summaries of an option's accumulated statistics."""
    metrics = {m.name: acc.summary(m.name) for m in prep.metrics}
    probs = {e: acc.event_count[e] / acc.n for e in prep.events}
    bands = {b.name: acc.band(b.name) for b in prep.bands}
    be: Summary | None = acc.summary(prep.breakeven.name) if prep.breakeven is not None else None
    cover = acc.covering_price() if prep.cover is not None else None
    return OptionResult(option, acc.n, metrics, probs, bands, be, cover)


#: Prepared worlds of the last few (scenario object, options, horizon, base_dir) that
#: :func:`evaluate` saw: an exploration calls it thousands of times on the same scenario, and
#: preparing (calibrating, freezing the distributions) costs more than a small run. Entries hold
#: the scenario object itself, so a hit is the very same object (scenarios are not mutated).
_PREP_CACHE: dict[tuple[int, tuple[str, ...], int, str], tuple[Scenario, Prepared]] = {}
_PREP_CACHE_SIZE = 32


def _prepared(
    scenario: Scenario, options: tuple[str, ...], horizon: int, base_dir: Path | None
) -> Prepared:
    """:func:`prepare` for ``options``, cached on the scenario object (see ``_PREP_CACHE``)."""
    key = (id(scenario), options, int(horizon), str(base_dir))
    hit = _PREP_CACHE.get(key)
    if hit is not None and hit[0] is scenario:
        return hit[1]
    prep = prepare(scenario, list(options), horizon, base_dir)
    if len(_PREP_CACHE) >= _PREP_CACHE_SIZE:
        _PREP_CACHE.pop(next(iter(_PREP_CACHE)))
    _PREP_CACHE[key] = (scenario, prep)
    return prep


def eval_metrics(prep: Prepared) -> tuple[str, ...]:
    """Names of the per-sample metrics :func:`evaluate` returns: every outcome, and ``p_NAME``
    for every event.
    """
    names = [m.name for m in prep.metrics]
    if prep.breakeven is not None:
        names.append(prep.breakeven.name)
    return tuple(names) + tuple(f"p_{e}" for e in prep.events)


#: Paths :func:`evaluate_options` simulates at a time (rows of whole samples; the results do not
#: depend on it: every group draws the same random numbers).
GROUP_PATHS = 65_536


def evaluate(
    scenario: Scenario,
    option_id: str,
    parameter_overrides: dict[str, np.ndarray],
    paths_per_sample: int = 1000,
    horizon: int = 120,
    seed: int | None = None,
    *,
    base_dir: Path | None = None,
    per_path: bool = False,
) -> dict[str, np.ndarray]:
    """Per-sample outcome metrics with chosen parameters fixed per sample (for sensitivity).

    ``parameter_overrides`` maps parameter paths (``component.name``) to arrays of equal length
    ``S``; sample ``s`` runs ``paths_per_sample`` paths with each overridden parameter fixed at
    its ``s``-th value and the other parameters drawn from their distributions under the
    option. All samples, and every option, share the same random numbers (common random
    numbers: path ``j`` of every sample and option sees the same shocks), so differences between
    samples come from the overridden values and differences between options from the options.
    Returns, per metric of :func:`eval_metrics`, an array of length ``S``: the mean over the
    sample's paths (``p_*`` are probabilities); with ``per_path`` an array ``(S,
    paths_per_sample)`` of the per-path values instead (event indicators for ``p_*``), from which
    a caller estimates Monte Carlo standard errors of paired differences.
    """
    return evaluate_options(
        scenario,
        {option_id: parameter_overrides},
        paths_per_sample,
        horizon,
        seed,
        base_dir=base_dir,
        per_path=per_path,
    )[option_id]


def evaluate_options(
    scenario: Scenario,
    overrides: dict[str, dict[str, np.ndarray]],
    paths_per_sample: int = 1000,
    horizon: int = 120,
    seed: int | None = None,
    *,
    base_dir: Path | None = None,
    per_path: bool = False,
) -> dict[str, dict[str, np.ndarray]]:
    """:func:`evaluate` of several options in one simulation: option -> its metrics.

    ``overrides`` maps each option to its parameter overrides (each option its own number of
    samples). The samples of every option are simulated together, as rows of one set of paths
    (rows of at most 65,536 paths at a time), with the random numbers :func:`evaluate` gives
    each of them alone: the results are the same, number for number, as one call per option,
    and the cost of a call that does not depend on its paths (about 70 ms per option over 120
    months) is paid once.
    """
    seed = scenario.metadata.seed if seed is None else int(seed)
    options = list(overrides)
    if not options:
        raise ModelError("no options to evaluate")
    prep = _prepared(scenario, tuple(options), horizon, base_dir)
    specs = parameter_specs(scenario)
    arrays, sizes = _override_arrays(scenario, overrides)
    pps = int(paths_per_sample)
    total = sum(sizes.values())
    if pps < 1 or min(sizes.values()) < 1:
        raise LimitError("paths_per_sample and the number of samples must be positive")
    if total * pps > MAX_PATHS:
        raise LimitError(f"{total} samples x {pps} paths exceeds {MAX_PATHS:,} paths")
    limits.check_paths(total * pps)
    limits.check_simulation(
        min(total * pps, max(GROUP_PATHS, pps)),
        horizon,
        1,
        block=None,
        bands=False,
        shape=world_shape(prep),
    )
    group = max(1, GROUP_PATHS // pps)
    names = eval_metrics(prep)
    out = {
        o: {k: (np.empty((sizes[o], pps)) if per_path else np.empty(sizes[o])) for k in names}
        for o in options
    }
    starts = np.cumsum([0] + [sizes[o] for o in options])
    for g0 in range(0, total, group):
        g1 = min(total, g0 + group)
        k = g1 - g0
        # the rows of this group, option by option: (option, first sample, samples, first row)
        segs = [
            (o, max(g0, a) - a, min(g1, b) - max(g0, a), max(g0, a) - g0)
            for o, a, b in zip(options, starts[:-1], starts[1:], strict=True)
            if min(g1, b) > max(g0, a)
        ]
        rngs = _rngs(prep, seed, options[0], 2**31)
        P = _stacked_parameters(prep, segs, arrays, specs, pps, rngs)
        r = run_paths(prep, P, k * pps, rngs, tile=k, bands=False)
        for name in names:
            if name.startswith("p_"):
                x = r["events"][name[2:]].astype(float)
            else:
                x = r["outcomes"][name]
            x = x.reshape(k, pps)
            for o, s0, n, row in segs:
                part = x[row : row + n]
                out[o][name][s0 : s0 + n] = part if per_path else part.mean(axis=1)
    return out


def _override_arrays(
    scenario: Scenario, overrides: dict[str, dict[str, np.ndarray]]
) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, int]]:
    """Each option's overrides as flat arrays, and its number of samples (checked)."""
    params = scenario.parameters()
    arrays: dict[str, dict[str, np.ndarray]] = {}
    sizes: dict[str, int] = {}
    for o, given in overrides.items():
        arrays[o] = {k: np.asarray(v, dtype=float).ravel() for k, v in given.items()}
        bad = [k for k in arrays[o] if k not in params]
        if bad:
            raise InputError(
                [_problem(scenario, k, "unknown parameter (declare it under world)") for k in bad]
            )
        lengths = {len(v) for v in arrays[o].values()}
        if len(lengths) > 1:
            raise ModelError(f"parameter override arrays differ in length: {sorted(lengths)}")
        sizes[o] = lengths.pop() if lengths else 1
    return arrays, sizes


def _stacked_parameters(
    prep: Prepared,
    segs: list[tuple[str, int, int, int]],
    arrays: dict[str, dict[str, np.ndarray]],
    specs: dict[str, ParamSpec],
    pps: int,
    rngs: dict[str, np.random.Generator],
) -> dict[str, dict[str, np.ndarray | float]]:
    """Per-path parameters of the rows of one group: each segment ``(option, first sample,
    samples, first row)`` drawn under its option (:func:`draw_all`, the same uniforms for every
    option and sample) with its samples' overrides, the segments put end to end. A parameter
    with one fixed value in every segment stays a float, as in a single option's run.
    """
    parts = []
    for o, s0, n, _ in segs:
        P = draw_all(prep, o, n * pps, rngs, tile=n)
        for name, vals in arrays[o].items():
            if name in specs:
                v = np.repeat(vals[s0 : s0 + n], pps)
                msg = specs[name].check(v)
                if msg:
                    raise ModelError(msg)
                cid, local = name.split(".", 1)
                P[cid][local] = v
        parts.append((n * pps, P))
    if len(parts) == 1:
        return parts[0][1]
    out: dict[str, dict[str, np.ndarray | float]] = {}
    for cid in parts[0][1]:
        out[cid] = {}
        for local in parts[0][1][cid]:
            vals = [P[cid][local] for _, P in parts]
            if all(isinstance(v, float) for v in vals) and len({*vals}) == 1:
                out[cid][local] = vals[0]
            else:
                out[cid][local] = np.concatenate(
                    [
                        np.full(m, v) if isinstance(v, float) else v
                        for (m, _), v in zip(parts, vals, strict=True)
                    ]
                )
    return out


def replay(
    scenario: Scenario,
    option_id: str,
    prices: Sequence[float],
    paths: int = 20_000,
    seed: int | None = None,
    *,
    base_dir: Path | None = None,
    component: str | None = None,
) -> dict[str, Any]:
    """Run an option with a given monthly price path (one value per month) instead of a model.

    ``component`` is the id of the component whose price is replayed (default: the first that
    can replay a path). Used for out-of-sample validation: everything else stays stochastic.
    Returns per-month mean, 5/50/95% quantiles and share of positive values of every band, and
    event probabilities.
    """
    seed = scenario.metadata.seed if seed is None else int(seed)
    H = len(prices)
    prep = prepare(scenario, [option_id], H, base_dir)
    limits.check_simulation(paths, H, 1, block=None, shape=world_shape(prep))
    target = [c for c in prep.components if hasattr(c, "fixed_path")]
    if component is not None:
        target = [c for c in target if c.id == component]
    if not target:
        raise InputError(
            [_problem(scenario, "world.components", "no price component to replay a path on")]
        )
    target[0].fixed_path = np.asarray(prices, dtype=float)  # type: ignore[attr-defined]
    try:
        rngs = _rngs(prep, seed, option_id, 2**32)
        P = draw_all(prep, option_id, paths, rngs)
        r = run_paths(prep, P, paths, rngs)
    finally:
        target[0].fixed_path = None  # type: ignore[attr-defined]
    out: dict[str, Any] = {"months": [_add_months_str(prep.start, k) for k in range(H)]}
    for name, X in r["bands"].items():
        X = X.astype(float)
        out[name] = {
            "mean": X.mean(axis=1),
            "p05": np.quantile(X, 0.05, axis=1),
            "p50": np.quantile(X, 0.5, axis=1),
            "p95": np.quantile(X, 0.95, axis=1),
            "p_positive": (X > 0.005).mean(axis=1),
        }
    out["events"] = {k: float(v.mean()) for k, v in r["events"].items()}
    out["outcomes_mean"] = {k: float(v.mean()) for k, v in r["outcomes"].items()}
    return out
