"""Configurable resource caps, checked *before* anything is allocated.

Every cap has a default and can be overridden through the environment:

=====================  =========================  ==========================================
environment variable   default                    what it bounds
=====================  =========================  ==========================================
MELIAN_MAX_ACTORS      1 000                      actors in one scenario
MELIAN_MAX_ISSUES      500                        issues in one scenario
MELIAN_MAX_OPTIONS     100                        options of the focal actor
MELIAN_MAX_PATHS       100 000 000                Monte Carlo paths of one simulation
MELIAN_MAX_HORIZON     600                        months simulated
MELIAN_MAX_SAMPLES     1 000 000                  samples of one exploratory analysis
MELIAN_MAX_MEMORY      4 GiB                      estimated working memory of one request
=====================  =========================  ==========================================

``MELIAN_MAX_MEMORY`` accepts a byte count or a number with a ``K``/``M``/``G``/``T`` suffix
(powers of 1024, e.g. ``512M``). The variables are read on every call (:func:`current`), so a
long-lived server follows changes to its environment only if restarted, but tests can use
``monkeypatch.setenv``.

The ``check_*`` functions raise :class:`melian.errors.LimitError` with a message saying what was
asked, what the cap is and which variable raises it. Memory is *estimated from array shapes*
(:func:`estimate_world_bytes`, :func:`array_bytes`), never measured after the fact: a request is
refused before its arrays exist.

The world-model estimate uses two per-path constants and an accumulator size measured with
:mod:`tracemalloc` on the first built-in scenario (Python 3.11, numpy 1.26/2.x):
one simulated path needs 4 bytes per band per month (float32 bands, five bands) plus about
1 000 bytes of float64 state; one :class:`melian.world.results.Accumulator` holds about
0.56 MB of outcome histograms plus 75.3 kB per month of band histograms, and turning an
accumulator into results briefly needs up to twice that again. ``tests/test_limits.py``
re-measures peaks of real simulations and checks that the estimate bounds each measured peak
within a factor of two.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, fields
from typing import Any

from melian.errors import InputError, LimitError, Problem

__all__ = [
    "Limits",
    "WorldShape",
    "array_bytes",
    "check_arrays",
    "check_counts",
    "check_explore",
    "check_horizon",
    "check_memory",
    "check_paths",
    "check_samples",
    "check_scenario",
    "check_simulation",
    "current",
    "estimate_world_bytes",
    "format_bytes",
    "world_shape",
]

GIB = 1024**3

#: World model: bytes per simulated path per band per month (float32 bands).
BAND_BYTES_PER_MONTH = 4
#: World model: number of per-month bands kept per path (the first built-in scenario declares five:
#: a price, reserves, salary stress, debt, attacks).
WORLD_BANDS = 5
#: World model: bytes of float64 state per simulated path (measured: 900-1 000; rounded up), used
#: when the world's shape is not known.
STATE_BYTES_PER_PATH = 1_100
#: World model: bytes of state per path per named world variable (measured on the built-in
#: scenarios, 1 500 bytes per path for 38 variables and 1 100 for 24; rounded up): about six
#: float64 arrays per variable live during a block (the variable, its inputs and temporaries).
STATE_BYTES_PER_VARIABLE = 48
#: World model accumulator: fixed bytes (outcome histograms) and bytes per month of horizon.
ACC_FIXED_BYTES = 600_000
ACC_BYTES_PER_MONTH = 76_000
#: World model: transient bytes, in accumulators, of computing an option's results (measured 1.4-1.8).
ACC_FINISH_FACTOR = 2
#: Paths simulated together in one block by the world engine (melian.world.engine.BLOCK).
WORLD_BLOCK = 8192


@dataclass(frozen=True)
class Limits:
    """The resource caps in force (see the module docstring for the variables and defaults)."""

    max_actors: int = 1_000
    max_issues: int = 500
    max_options: int = 100
    max_paths: int = 100_000_000
    max_horizon: int = 600
    max_samples: int = 1_000_000
    max_memory: int = 4 * GIB


_ENV = {
    "max_actors": "MELIAN_MAX_ACTORS",
    "max_issues": "MELIAN_MAX_ISSUES",
    "max_options": "MELIAN_MAX_OPTIONS",
    "max_paths": "MELIAN_MAX_PATHS",
    "max_horizon": "MELIAN_MAX_HORIZON",
    "max_samples": "MELIAN_MAX_SAMPLES",
    "max_memory": "MELIAN_MAX_MEMORY",
}
_SUFFIX = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$", re.IGNORECASE)


def _parse(var: str, text: str, *, sizes: bool) -> int:
    """A positive whole number from an environment value (``K``/``M``/``G``/``T`` if ``sizes``)."""
    m = _NUMBER.match(text.replace("_", ""))
    value: float | None = None
    if m and (sizes or not m.group(2)):
        value = float(m.group(1)) * _SUFFIX[m.group(2).upper()]
    if value is None or value < 1 or not math.isfinite(value) or (not sizes and "." in text):
        what = "a byte count such as 2147483648 or 2G" if sizes else "a positive whole number"
        raise InputError([Problem(f"${var}", None, None, "", f"expected {what}, got {text!r}")])
    return int(value)


def current() -> Limits:
    """The caps in force: defaults overridden by any ``MELIAN_MAX_*`` environment variable.

    A malformed variable is an :class:`InputError` located at ``$VARIABLE``.
    """
    values: dict[str, Any] = {}
    for f in fields(Limits):
        raw = os.environ.get(_ENV[f.name])
        if raw is not None and raw.strip():
            values[f.name] = _parse(_ENV[f.name], raw, sizes=f.name == "max_memory")
    return Limits(**values)


def format_bytes(n: float) -> str:
    """``n`` bytes as a short human-readable size (``1.5 GiB``)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def _cap(value: int, cap: int, what: str, field: str, where: str) -> None:
    if value > cap:
        at = f"{where}: " if where else ""
        raise LimitError(
            f"{at}{value:,} {what} exceeds the limit of {cap:,} (set {_ENV[field]} to raise it)"
        )


def check_counts(
    *,
    actors: int = 0,
    issues: int = 0,
    options: int = 0,
    where: str = "",
    limits: Limits | None = None,
) -> None:
    """Refuse more actors, issues or focal options than the caps allow (``where`` names the input)."""
    lim = limits or current()
    _cap(actors, lim.max_actors, "actors", "max_actors", where)
    _cap(issues, lim.max_issues, "issues", "max_issues", where)
    _cap(options, lim.max_options, "options", "max_options", where)


def check_scenario(scenario: Any, where: str = "", limits: Limits | None = None) -> None:  # noqa: ANN401
    """Refuse a validated :class:`~melian.scenario.schema.Scenario` above the count caps."""
    check_counts(
        actors=len(scenario.actors),
        issues=len(scenario.issues),
        options=len(scenario.option_ids),
        where=where or scenario.id,
        limits=limits,
    )


def check_paths(paths: int, limits: Limits | None = None) -> None:
    """Refuse a non-positive number of paths or more than ``max_paths``."""
    if paths < 1:
        raise LimitError(f"the number of paths must be at least 1 (got {paths})")
    _cap(paths, (limits or current()).max_paths, "paths", "max_paths", "")


def check_horizon(horizon: int, limits: Limits | None = None) -> None:
    """Refuse a non-positive horizon or one longer than ``max_horizon`` months."""
    if horizon < 1:
        raise LimitError(f"the horizon must be at least 1 month (got {horizon})")
    _cap(horizon, (limits or current()).max_horizon, "months of horizon", "max_horizon", "")


def check_samples(samples: int, limits: Limits | None = None) -> None:
    """Refuse a non-positive sample count or more than ``max_samples``."""
    if samples < 1:
        raise LimitError(f"the number of samples must be at least 1 (got {samples})")
    _cap(samples, (limits or current()).max_samples, "samples", "max_samples", "")


def check_memory(nbytes: int, what: str, limits: Limits | None = None) -> int:
    """Refuse ``what`` if its estimated ``nbytes`` exceed ``max_memory``; return ``nbytes``."""
    cap = (limits or current()).max_memory
    if nbytes > cap:
        raise LimitError(
            f"{what} would need about {format_bytes(nbytes)} of memory; the limit is "
            f"{format_bytes(cap)} (reduce the request or set MELIAN_MAX_MEMORY to raise it)"
        )
    return nbytes


def array_bytes(*shapes: tuple[int, ...], itemsize: int = 8) -> int:
    """Bytes of arrays of the given shapes (``itemsize`` bytes per element, float64 by default)."""
    total = 0
    for shape in shapes:
        n = 1
        for d in shape:
            if d < 0:
                raise LimitError(f"negative array dimension in shape {shape}")
            n *= int(d)
        total += n * itemsize
    return total


def check_arrays(
    *shapes: tuple[int, ...], what: str, itemsize: int = 8, limits: Limits | None = None
) -> int:
    """Refuse allocating arrays of ``shapes`` above the memory cap; return their bytes."""
    return check_memory(array_bytes(*shapes, itemsize=itemsize), what, limits)


@dataclass(frozen=True)
class WorldShape:
    """The size of a prepared world that its memory depends on.

    ``bands`` per-month bands kept per path, ``state_bytes`` bytes of state per path (see
    :func:`world_shape`), ``acc_bytes`` bytes of one option's accumulator of statistics (its
    histograms; None: estimated from the horizon). The defaults are the first built-in scenario's
    former sizes, for callers that have not prepared a world.
    """

    bands: int = WORLD_BANDS
    state_bytes: int = STATE_BYTES_PER_PATH
    acc_bytes: int | None = None


def world_shape(bands: int, variables: int, acc_bytes: int | None = None) -> WorldShape:
    """The :class:`WorldShape` of a world with ``bands`` bands and ``variables`` named variables."""
    return WorldShape(int(bands), STATE_BYTES_PER_VARIABLE * max(int(variables), 1), acc_bytes)


def estimate_world_bytes(
    paths: int,
    horizon: int,
    options: int,
    *,
    workers: int = 1,
    chunk_size: int | None = 65_536,
    block: int | None = WORLD_BLOCK,
    bands: bool = True,
    shape: WorldShape | None = None,
) -> int:
    """Estimated peak bytes of a world-model simulation (:func:`melian.world.engine.simulate`).

    Paths run in blocks of ``block`` (``None``: all paths in one block, as ``replay`` and
    ``evaluate`` do); a task of ``chunk_size`` paths (rounded up to whole blocks) returns one
    accumulator. With one worker one task is live at a time; with several, ``workers`` tasks run
    at once and the parent keeps every finished task's accumulator until it is merged (an upper
    bound: all tasks). Per path: ``shape.bands * 4 * horizon + shape.state_bytes`` (without
    the band term when ``bands`` is false, as in ``evaluate``); ``shape`` is the prepared world's
    (:class:`WorldShape`; default: the legacy constants).
    """
    sh = shape or WorldShape()
    n_block = paths if block is None else min(block, paths)
    band = sh.bands * BAND_BYTES_PER_MONTH * horizon if bands else 0
    per_block = n_block * (band + sh.state_bytes)
    if block is None:
        # one block, no accumulators; with bands, quantiles of a band copy it to float64 and
        # sort a copy (``replay``): 2 x 8 bytes per path and month
        return per_block + (2 * 8 * horizon * paths if bands else 0)
    acc = ACC_FIXED_BYTES + ACC_BYTES_PER_MONTH * horizon if sh.acc_bytes is None else sh.acc_bytes
    finish = ACC_FINISH_FACTOR * acc  # turning an accumulator into quantiles and histograms
    nblocks = -(-paths // block)
    per_chunk = max(1, -(-(chunk_size or paths) // block))
    tasks = options * -(-nblocks // per_chunk)
    if workers <= 1 or tasks == 1:
        return per_block + acc + options * acc + finish
    live = min(workers, tasks)
    return live * (per_block + acc) + (options + tasks) * acc + finish


def check_simulation(
    paths: int,
    horizon: int,
    options: int,
    *,
    workers: int = 1,
    chunk_size: int | None = 65_536,
    block: int | None = WORLD_BLOCK,
    bands: bool = True,
    shape: WorldShape | None = None,
    limits: Limits | None = None,
) -> int:
    """Check paths, horizon, options and the estimated memory of a world simulation.

    Returns the estimated bytes (:func:`estimate_world_bytes` of the world ``shape``); raises
    :class:`LimitError` before any path is allocated if any cap is exceeded.
    """
    lim = limits or current()
    check_paths(paths, lim)
    check_horizon(horizon, lim)
    check_counts(options=options, limits=lim)
    if options < 1:
        raise LimitError(f"a simulation needs at least one option (got {options})")
    need = estimate_world_bytes(
        paths,
        horizon,
        options,
        workers=workers,
        chunk_size=chunk_size,
        block=block,
        bands=bands,
        shape=shape,
    )
    what = f"simulating {paths:,} paths x {horizon} months x {options} option(s)"
    return check_memory(need, what, lim)


def check_explore(
    samples: int,
    parameters: int,
    options: int,
    *,
    outcomes: int = 13,
    paths_per_sample: int = 1,
    horizon: int = 120,
    workers: int = 1,
    chunk_size: int = 128,
    rows: int | None = None,
    shape: WorldShape | None = None,
    limits: Limits | None = None,
) -> int:
    """Check an exploratory analysis: sample count, design and result arrays, and the world runs.

    ``rows`` is the number of experiments evaluated: by default ``samples x (parameters + 2)``,
    the size of a Saltelli design for Sobol indices with base sample ``samples``; pass
    ``samples x (parameters + 1)`` for Morris and ``samples`` for prim/regret ensembles.
    Design ``rows x parameters`` and results ``rows x options x outcomes`` are float64; a chunk of
    ``chunk_size`` experiments runs ``chunk_size x paths_per_sample`` world paths in one block per
    worker, at most ``max(65 536, paths_per_sample)`` at once as
    :func:`melian.world.engine.evaluate` groups them, without bands.
    """
    lim = limits or current()
    check_samples(samples, lim)
    check_horizon(horizon, lim)
    check_counts(options=options, limits=lim)
    rows = samples * (parameters + 2) if rows is None else rows
    design = array_bytes((rows, max(parameters, 1)), (rows, max(options, 1), outcomes))
    chunk_paths = max(1, min(chunk_size, rows) * paths_per_sample)
    chunk_paths = min(chunk_paths, max(65_536, paths_per_sample))
    check_paths(paths_per_sample, lim)
    per_worker = estimate_world_bytes(chunk_paths, horizon, 1, block=None, bands=False, shape=shape)
    need = design + max(1, workers) * per_worker
    what = (
        f"exploring {samples:,} samples x {parameters} parameter(s) x {options} option(s) "
        f"({paths_per_sample} path(s) per sample)"
    )
    return check_memory(need, what, lim)
