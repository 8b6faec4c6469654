"""The Monte Carlo engine of the world model: parameters, seeding, blocks, workers, aggregation.

Paths are simulated in blocks of :data:`BLOCK` paths, vectorised with numpy over the paths of a
block, in slabs of :data:`SLAB` months: the processes that do not depend on the budget (oil
price, security, sanctions and waiver, exogenous flows) are computed for a whole slab at once,
the public accounts month by month, then fragmentation for the slab (see :func:`run_paths` and
the component modules). Every block draws from its own generator, seeded by
``SeedSequence(seed, spawn_key=(option key, block index))`` where the option key is derived from
the option id: results do not depend on which other options are simulated, on the chunk size
(chunks are groups of whole blocks), or on the number of worker processes. Each block is reduced
into fixed-memory statistics (:class:`melian.world.results.Accumulator`) whose merge is exact
integer arithmetic, so memory is flat in the number of paths and results are bit-identical
however blocks are grouped.

Options act only through the scenario: the parameters of every path are drawn from
``scenario.parameters_for(option)`` (the declared effects applied to the world parameters).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import poisson as _poisson

from melian import limits
from melian.errors import InputError, LimitError, ModelError, Problem
from melian.scenario.schema import Distribution, Scenario
from melian.world import fiscal, oil, politics, security
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

#: Paths per random-number block (the unit of seeding and of vectorisation).
BLOCK = 8192
#: Months per slab: the random numbers of a block are drawn, and its state-independent
#: processes computed, for this many months at once (fixed: it sets the order of the draws).
SLAB = 3
#: Smallest run (paths x options x months) that ``simulate(workers=None)`` spreads over all cores
#: (below it, starting worker processes costs more than it saves).
PARALLEL_MIN_PATH_MONTHS = 20_000_000
#: Largest number of blocks in one task when ``simulate`` chooses the chunk size.
MAX_CHUNK_BLOCKS = 32
#: Largest number of paths and horizon accepted by :func:`simulate`.
MAX_PATHS = 100_000_000
MAX_HORIZON = 600
#: Months over which the emergent payroll-covering price is measured.
COVER_MONTHS = 24

PARAMS: tuple[ParamSpec, ...] = (
    fiscal.PARAMS + security.PARAMS + politics.PARAMS + fiscal.LAW_PARAMS
)
PARAM_SPECS: dict[str, ParamSpec] = {p.path: p for p in PARAMS}
#: Extra random streams of a block, each from its own ``SeedSequence`` child (the block's
#: spawn key extended by the stream's key), so that a draw added to the model never shifts the
#: draws of the main generator: uniforms of optional parameters, borrowing-law uniforms.
PARAM_STREAM = 0x6F7074  # "opt"
LAW_STREAM = 0x6C6177  # "law"

#: Datasets the model reads (name in ``world.datasets`` -> what it must contain).
DATASETS = {
    "oil_price": "monthly Brent price, CSV 'Date,Price' (US$/bbl)",
    "attacks": "insurgent attack counts, CSV 'start,end,attacks'",
}
#: Optional parameter reported beside the emergent payroll-covering price (never simulated).
REFERENCE_PRICE = "fiscal.reference_payroll_price"

EVENTS = (
    "salary_crisis",
    "security_crisis",
    "fragmentation",
    "sanctions",
    "waiver_lapse",
    "devaluation",
)


# --------------------------------------------------------------------------- preparation
@dataclass(frozen=True)
class Prepared:
    """Everything a worker needs to simulate: calibrations, parameter distributions, bins."""

    scenario_id: str
    as_of: dt.date
    oil: oil.OilCalibration
    attacks: security.AttackCalibration
    dists: dict[str, dict[str, Distribution]]  # option -> parameter path -> distribution
    metrics: tuple[MetricDef, ...]
    bands: tuple[BandDef, ...]
    cover_spec: HistSpec
    horizon: int
    reference_price: float | None


def data_dir() -> Path:
    """melian's shipped data directory."""
    return Path(str(resources.files("melian.data")))


def _dataset_path(scenario: Scenario, name: str, base_dir: Path | None) -> Path:
    """Resolve a dataset of the scenario (relative to ``base_dir`` or melian's data directory)."""
    ds = scenario.world.datasets.get(name)
    where = f"world.datasets.{name}"
    if ds is None:
        raise InputError(
            [
                Problem(
                    scenario.id,
                    None,
                    None,
                    "world.datasets",
                    f"the world model needs a dataset {name!r}: {DATASETS[name]}",
                )
            ]
        )
    for root in ([base_dir] if base_dir is not None else []) + [data_dir()]:
        p = root / ds.file
        if p.is_file():
            return p
    raise InputError(
        [
            Problem(
                scenario.id,
                None,
                None,
                f"{where}.file",
                f"dataset file {ds.file!r} not found in melian's data directory"
                + (f" or {base_dir}" if base_dir else ""),
            )
        ]
    )


def _check_parameters(scenario: Scenario) -> None:
    """Raise one InputError listing every parameter the model needs but the scenario lacks."""
    have = scenario.parameters()
    problems = [
        Problem(
            scenario.id,
            None,
            None,
            f"world.{p.path}",
            f"the world model needs parameter {p.path!r} ({p.unit}): {p.meaning}",
        )
        for p in PARAMS
        if p.required and p.path not in have
    ]
    if problems:
        raise InputError(problems)


def _fixed(scenario: Scenario, path: str) -> float:
    """Nominal value of a parameter (for calibration settings and bin ranges)."""
    return float(scenario.parameters()[path].nominal)


def prepare(
    scenario: Scenario, options: Sequence[str] | None, horizon: int, base_dir: Path | None = None
) -> Prepared:
    """Validate the scenario for the world model, calibrate oil and attacks, fix the bins."""
    _check_parameters(scenario)
    if not 1 <= horizon <= MAX_HORIZON:
        raise LimitError(f"horizon must be between 1 and {MAX_HORIZON} months (got {horizon})")
    opts = list(options) if options else scenario.option_ids
    if not opts:
        raise InputError(
            [
                Problem(
                    scenario.id,
                    None,
                    None,
                    "focal.options",
                    "the scenario has no options to simulate",
                )
            ]
        )
    unknown = [o for o in opts if o not in scenario.option_ids]
    if unknown:
        raise InputError(
            [
                Problem(
                    scenario.id,
                    None,
                    None,
                    "focal.options",
                    f"unknown option {o!r} (options: {', '.join(scenario.option_ids)})",
                )
                for o in unknown
            ]
        )
    as_of = scenario.metadata.as_of
    cal = oil.calibrate(
        str(_dataset_path(scenario, "oil_price", base_dir)),
        as_of,
        _fixed(scenario, "oil.calibration_years"),
    )
    att = security.calibrate_attacks(_dataset_path(scenario, "attacks", base_dir), as_of)
    dists = {
        o: {k: v for k, v in scenario.parameters_for(o).items() if k in PARAM_SPECS} for o in opts
    }
    money = max(
        _fixed(scenario, "fiscal.reserves")
        + _fixed(scenario, "fiscal.domestic_debt")
        + _fixed(scenario, "fiscal.external_debt"),
        10.0,
    )
    scale = 4.0 * money + 50.0 * (1 + horizon / 120)
    metrics = (
        MetricDef(
            "arrears_months",
            HistSpec(-0.5, horizon + 0.5, horizon + 1),
            "months",
            True,
            "months in which payroll was not paid in full",
        ),
        MetricDef(
            "max_salary_stress",
            HistSpec(0.0, 36.0, 7200),
            "months of payroll",
            True,
            "largest stock of payroll arrears, in months of payroll",
        ),
        MetricDef(
            "reserves_end",
            HistSpec(0.0, scale, 8000),
            "US$ bn",
            False,
            "foreign reserves at the horizon",
        ),
        MetricDef(
            "reserves_min",
            HistSpec(0.0, scale, 8000),
            "US$ bn",
            False,
            "lowest foreign reserves over the horizon",
        ),
        MetricDef(
            "debt_end",
            HistSpec(0.0, scale, 8000),
            "US$ bn",
            True,
            "public debt (domestic, external, collateralised) at the horizon",
        ),
        MetricDef(
            "collateralised_debt_end",
            HistSpec(0.0, scale, 8000),
            "US$ bn",
            True,
            "oil-collateralised creditor debt at the horizon",
        ),
        MetricDef(
            "attacks_total",
            HistSpec(0.0, att.rate * horizon * 30.0, 8000),
            "attacks",
            True,
            "insurgent attacks over the horizon",
        ),
        MetricDef(
            "militia_attacks_total",
            HistSpec(
                0.0,
                max(_fixed(scenario, "security.militia_attack_rate"), 1.0) * horizon * 40.0,
                8000,
            ),
            "attacks",
            True,
            "militia attacks on the patron's forces over the horizon",
        ),
        MetricDef(
            "brent_mean",
            HistSpec(1.0, 1000.0, 6000, log=True),
            "US$/bbl",
            False,
            "average Brent price over the horizon",
        ),
    )
    bands = (
        BandDef("brent", HistSpec(1.0, 1000.0, 1500, log=True), "US$/bbl", "Brent price"),
        BandDef("reserves", HistSpec(0.0, scale, 2000), "US$ bn", "foreign reserves"),
        BandDef(
            "salary_stress",
            HistSpec(1e-9, 24.0, 2400),
            "months of payroll",
            "payroll arrears outstanding",
        ),
        BandDef("debt", HistSpec(0.0, scale, 2000), "US$ bn", "public debt"),
        BandDef(
            "attack_intensity",
            HistSpec(0.0, att.rate * 30.0, 1500),
            "attacks/month",
            "expected insurgent attacks per month",
        ),
    )
    ref = scenario.parameters().get(REFERENCE_PRICE)
    return Prepared(
        scenario.id,
        as_of,
        cal,
        att,
        dists,
        metrics,
        bands,
        HistSpec(5.0, 400.0, 80, log=True),
        horizon,
        None if ref is None else float(ref.nominal),
    )


BREAKEVEN = MetricDef(
    "payroll_breakeven",
    HistSpec(0.0, 400.0, 8000),
    "US$/bbl",
    True,
    "Brent price at which the first month's budget revenue covers payroll and senior claims",
)


# --------------------------------------------------------------------------- parameters
def _option_key(option: str) -> int:
    """A stable 63-bit key of an option id (for seeding)."""
    return int.from_bytes(hashlib.sha256(option.encode()).digest()[:8], "big") >> 1


_FROZEN: dict[int, tuple[Distribution, Any]] = {}


def _ppf(d: Distribution, u: np.ndarray) -> np.ndarray:
    """``d.ppf(u)`` with the scipy frozen distribution built once per distribution object.

    Same values as :meth:`Distribution.ppf` (same clipping, same scipy quantile function);
    building the frozen distribution costs more than evaluating it on a block of paths.
    """
    if d.dist in ("fixed", "discrete"):
        return d.ppf(u)
    hit = _FROZEN.get(id(d))
    if hit is None or hit[0] is not d:
        if len(_FROZEN) > 4096:
            _FROZEN.clear()
        hit = (d, d._frozen())
        _FROZEN[id(d)] = hit
    q = np.clip(np.clip(np.asarray(u, dtype=float), 0.0, 1.0), 1e-9, 1 - 1e-9)
    return np.asarray(hit[1].ppf(q), dtype=float)


def draw_parameters(
    dists: dict[str, Distribution],
    n: int,
    rng: np.random.Generator,
    tile: int = 1,
    option: str = "",
) -> dict[str, np.ndarray | float]:
    """Per-path parameter values: fixed ones as floats, uncertain ones drawn (inverse CDF).

    Uniforms are drawn for every uncertain required parameter in sorted name order (``n`` per
    parameter) from ``rng``, and for every uncertain optional parameter in sorted name order
    from the block's :data:`PARAM_STREAM` (so declaring an optional parameter leaves the draws
    of the others unchanged); values are repeated ``tile`` times (common random numbers
    across tiled samples).
    """
    names = sorted(k for k in dists if k in PARAM_SPECS)
    unc = [k for k in names if not dists[k].is_fixed and PARAM_SPECS[k].required]
    opt = [k for k in names if not dists[k].is_fixed and not PARAM_SPECS[k].required]
    u = rng.random((len(unc), n)) if unc else np.empty((0, n))
    uo = _stream(rng, PARAM_STREAM).random((len(opt), n)) if opt else np.empty((0, n))
    P: dict[str, np.ndarray | float] = {}
    for k in names:
        d = dists[k]
        if d.is_fixed:
            P[k] = float(d.value)  # type: ignore[arg-type]
        else:
            P[k] = _ppf(d, u[unc.index(k)] if k in unc else uo[opt.index(k)])
    if tile > 1:
        P = {k: (np.tile(v, tile) if isinstance(v, np.ndarray) else v) for k, v in P.items()}
    msgs = [m for k in names if (m := PARAM_SPECS[k].check(P[k])) is not None]
    if msgs:
        where = f" under option {option!r}" if option else ""
        raise ModelError("invalid world parameter values" + where + ": " + "; ".join(msgs))
    return P


def _stream(rng: np.random.Generator, key: int) -> np.random.Generator:
    """A generator independent of ``rng``: the child ``key`` of ``rng``'s seed sequence.

    Does not consume ``rng``. The child's spawn key is ``rng``'s extended by ``key`` (keys are
    large, so they never coincide with ``SeedSequence.spawn`` children).
    """
    ss = rng.bit_generator.seed_seq
    if not isinstance(ss, np.random.SeedSequence):
        raise ModelError("the world model needs generators seeded from a SeedSequence")
    child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, key))
    return np.random.Generator(np.random.PCG64(child))


# --------------------------------------------------------------------------- one block
def _uniform_rows(om: oil.OilModel) -> dict[str, int]:
    """Row of each use in a slab's block of float32 uniforms (see :func:`run_paths`)."""
    rows = {
        "bm_radius": 0,
        "bm_angle": 1,
        "crisis": 2,
        "waiver": 3,
        "sanctions": 4,
        "fragmentation": 5,
    }
    if om.regimes:
        rows["regime"] = len(rows)
    if om.jumps:
        rows["jump"] = len(rows)
        rows["jump_radius"] = len(rows)
        rows["jump_angle"] = len(rows)
    return rows


def _box_muller(u_radius: np.ndarray, u_angle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def run_paths(
    prep: Prepared,
    P: dict[str, np.ndarray | float],
    n: int,
    rng: np.random.Generator,
    tile: int = 1,
    bands: bool = True,
    record_flows: bool = False,
    brent_path: np.ndarray | None = None,
    acc: Accumulator | None = None,
) -> dict[str, Any]:
    """Simulate ``n`` paths over the horizon; return per-path outcomes, events and bands.

    Random draws are made for ``n // tile`` paths and repeated ``tile`` times. With
    ``brent_path`` (US$/bbl, one value per month) the oil price is replayed instead of simulated.
    With ``record_flows`` every month's budget flows are returned (for the accounts test). With
    ``acc`` the fan-chart bands are binned into that accumulator slab by slab (and not returned);
    otherwise, with ``bands``, they are returned as ``(months, n)`` float32 matrices.

    Months are simulated in slabs of :data:`SLAB` months. Per slab the generator gives one
    float32 array of uniforms ``(rows, SLAB, n)`` (rows: :func:`_uniform_rows`; the two normals
    per path-month, for the oil price and the attack intensity, come from one Box-Muller pair).
    Everything that does not depend on the budget's state (oil price, security, sanctions and
    waiver, exogenous flows) is computed for the whole slab at once; only the budget itself and
    the short recursions (AR(1) terms, Markov chains, crisis clock) run month by month.
    """
    H = prep.horizon
    m = n // tile
    om = prep.oil.model

    def rep(a: np.ndarray) -> np.ndarray:
        return np.tile(a, tile) if tile > 1 else a

    x = np.full(n, math.log(prep.oil.last_price))
    regime = None
    if om.regimes:
        regime = rep(rng.random(m) >= prep.oil.regime0_prob)
    lam0 = prep.attacks.rate * np.exp(prep.attacks.se_log_rate * rep(rng.standard_normal(m)))
    FS = fiscal.initial_state(P, n)
    SS = security.initial_state(n)
    PS = politics.initial_state(n)
    acct = fiscal.Accounts(P, n)
    arrears_months = np.zeros(n, np.int64)
    max_stress = np.zeros(n)
    res_min = FS.reserves.copy()
    brent_sum = np.zeros(n)
    cover_sum = np.zeros(n)
    cover_flag = np.zeros(n, bool)
    senior0 = FS.domestic_debt * acct.dom_m + FS.external_debt * acct.ext_sm
    breakeven = fiscal.payroll_breakeven(P, 0, senior0) * np.ones(n)
    keep = bands and acc is None
    B = {b.name: np.empty((H, n), np.float32) for b in prep.bands} if keep else {}
    binned = acc is not None
    flows: list[dict[str, np.ndarray]] = []
    cover_T = min(COVER_MONTHS, H)
    rows = _uniform_rows(om)
    law_rng = _stream(rng, LAW_STREAM) if acct.law else None
    for t0 in range(0, H, SLAB):
        k = min(SLAB, H - t0)
        U = rng.random((len(rows), k, m), dtype=np.float32)
        if tile > 1:
            U = np.tile(U, (1, 1, tile))
        UL = None
        if law_rng is not None:  # borrowing-law uniforms, from their own stream
            UL = law_rng.random((k, m), dtype=np.float32)
            if tile > 1:
                UL = np.tile(UL, (1, tile))
        z_oil, z_att = _box_muller(U[0], U[1])
        if brent_path is None:
            zj = None
            if om.jumps:
                zj = _box_muller(U[rows["jump_radius"]], U[rows["jump_angle"]])[0]
            XO, x, regime = om.advance(
                x,
                regime,
                z_oil,
                U[rows["regime"]] if om.regimes else None,
                U[rows["jump"]] if om.jumps else None,
                zj,
            )
            brent = np.exp(XO)
        else:
            brent = np.repeat(np.asarray(brent_path[t0 : t0 + k], dtype=float)[:, None], n, axis=1)
            XO = np.log(brent)
        lam, coal, crisis = security.advance(SS, P, t0, k, lam0, z_att, U[rows["crisis"]])
        sanc, lapsed = politics.advance_sanctions(
            PS, P, t0, U[rows["waiver"]], U[rows["sanctions"]]
        )
        XF = acct.exogenous(FS, t0, brent, crisis, sanc, lapsed)
        if UL is not None:
            XF["law_u"] = UL
        ST = np.empty((k, n))
        RS = np.empty((k, n))
        DB = np.empty((k, n)) if (keep or binned) else None
        for j in range(k):
            payroll, fl = acct.month(FS, XF, j, record_flows)
            if fl is not None:
                flows.append(fl)
            np.divide(FS.arrears, payroll, out=ST[j])
            RS[j] = FS.reserves
            if DB is not None:
                np.add(FS.domestic_debt, FS.external_debt, out=DB[j])
        if DB is not None and XF["china_debt"] is not None:
            DB += XF["china_debt"]
        politics.advance_fragmentation(PS, P, coal, crisis, ST, U[rows["fragmentation"]])
        short = ST > 0.005
        arrears_months += np.count_nonzero(short, axis=0)
        np.maximum(max_stress, ST.max(axis=0), out=max_stress)
        np.minimum(res_min, RS.min(axis=0), out=res_min)
        brent_sum += brent.sum(axis=0)
        if t0 < cover_T:
            c = cover_T - t0
            cover_sum += brent[:c].sum(axis=0)
            cover_flag |= short[:c].any(axis=0)
        if binned:
            assert acc is not None and DB is not None
            acc.add_band_slab("brent", t0, brent, log_values=XO)
            acc.add_band_slab("reserves", t0, RS)
            acc.add_band_slab("salary_stress", t0, ST)
            acc.add_band_slab("debt", t0, DB)
            acc.add_band_slab("attack_intensity", t0, lam)
        elif keep:
            assert DB is not None
            B["brent"][t0 : t0 + k] = brent
            B["reserves"][t0 : t0 + k] = RS
            B["salary_stress"][t0 : t0 + k] = ST
            B["debt"][t0 : t0 + k] = DB
            B["attack_intensity"][t0 : t0 + k] = lam
    # counts by inverse CDF from one uniform per path (tiled like every other draw): a Poisson
    # sampler's consumption of random numbers depends on its mean, which would break common random
    # numbers across tiled samples
    u_att = rep(rng.random(m))
    u_mil = rep(rng.random(m))
    attacks = np.maximum(_poisson.ppf(u_att, SS.attack_sum), 0.0)
    militia = np.maximum(_poisson.ppf(u_mil, security.militia_total(P, H, n)), 0.0)
    debt = FS.domestic_debt + FS.external_debt + FS.china_debt
    outcomes = {
        "arrears_months": arrears_months.astype(float),
        "max_salary_stress": max_stress,
        "reserves_end": FS.reserves.copy(),
        "reserves_min": res_min,
        "debt_end": debt,
        "collateralised_debt_end": FS.china_debt.copy(),
        "attacks_total": np.asarray(attacks, dtype=float),
        "militia_attacks_total": np.asarray(militia, dtype=float),
        "brent_mean": brent_sum / H,
        "payroll_breakeven": breakeven,
    }
    events = {
        "salary_crisis": max_stress >= P["fiscal.salary_crisis_months"],
        "security_crisis": SS.ever_crisis,
        "fragmentation": PS.fragmented,
        "sanctions": PS.ever_sanctioned,
        "waiver_lapse": PS.ever_lapsed,
        "devaluation": FS.devalued,
    }
    out: dict[str, Any] = {
        "outcomes": outcomes,
        "events": events,
        "bands": B,
        "cover_price": cover_sum / cover_T,
        "cover_flag": cover_flag,
    }
    if record_flows:
        out["flows"] = flows
        out["state"] = FS
    return out


def _block_rng(seed: int, option: str, block: int) -> np.random.Generator:
    """The generator of one block of one option."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(_option_key(option), block)))
    )


def _new_accumulator(prep: Prepared) -> Accumulator:
    return Accumulator(
        list(prep.metrics) + [BREAKEVEN],
        list(prep.bands),
        list(EVENTS),
        prep.horizon,
        prep.cover_spec,
    )


def run_chunk(
    prep: Prepared, option: str, seed: int, paths: int, blocks: tuple[int, int]
) -> Accumulator:
    """Simulate blocks ``[blocks[0], blocks[1])`` of an option and reduce them."""
    acc = _new_accumulator(prep)
    for b in range(*blocks):
        n = min(BLOCK, paths - b * BLOCK)
        rng = _block_rng(seed, option, b)
        P = draw_parameters(prep.dists[option], n, rng, option=option)
        r = run_paths(prep, P, n, rng, acc=acc)
        acc.add_block(r["outcomes"], r["events"], {}, r["cover_price"], r["cover_flag"])
    return acc


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
    """
    if not 1 <= paths <= MAX_PATHS:
        raise LimitError(f"paths must be between 1 and {MAX_PATHS:,} (got {paths})")
    if chunk_size is not None and chunk_size < 1:
        raise LimitError(f"chunk_size must be positive (got {chunk_size})")
    n_options = len(options) if options else (len(scenario.option_ids) or 1)
    limits.check_simulation(
        paths, horizon, n_options, workers=workers or os.cpu_count() or 1, chunk_size=chunk_size
    )
    seed = scenario.metadata.seed if seed is None else int(seed)
    prep = prepare(scenario, options, horizon, base_dir)
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
    total = paths * len(opts)
    done = 0

    def task_paths(bl: tuple[int, int]) -> int:
        return min(bl[1] * BLOCK, paths) - bl[0] * BLOCK

    accs = {o: _new_accumulator(prep) for o in opts}
    if executor is None and (nworkers == 1 or len(tasks) == 1):
        for o, bl in tasks:
            accs[o].merge(run_chunk(prep, o, seed, paths, bl))
            done += task_paths(bl)
            if progress:
                progress(done, total)
    else:
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
                    pending[ex.submit(run_chunk, prep, o, seed, paths, bl)] = (o, bl)
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    o, bl = pending.pop(f)
                    accs[o].merge(f.result())
                    done += task_paths(bl)
                    if progress:
                        progress(done, total)
        finally:
            if own:
                ex.shutdown()
    results = {o: _option_result(prep, o, accs[o]) for o in opts}
    start = prep.oil.last_date
    months = [_add_months(start, k + 1) for k in range(horizon)]
    return Ensemble(
        prep.scenario_id,
        seed,
        paths,
        horizon,
        months[0],
        months,
        results,
        prep.oil.to_dict(),
        prep.attacks.to_dict(),
        prep.reference_price,
        {b.name: b.unit for b in prep.bands},
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


def _option_result(prep: Prepared, option: str, acc: Accumulator) -> OptionResult:
    """Summaries of an option's accumulated statistics."""
    metrics = {m.name: acc.summary(m.name) for m in prep.metrics}
    probs = {e: acc.event_count[e] / acc.n for e in EVENTS}
    bands = {b.name: acc.band(b.name) for b in prep.bands}
    be: Summary = acc.summary(BREAKEVEN.name)
    return OptionResult(option, acc.n, metrics, probs, bands, be, acc.covering_price())


EVAL_METRICS = (
    "arrears_months",
    "max_salary_stress",
    "reserves_end",
    "reserves_min",
    "debt_end",
    "collateralised_debt_end",
    "attacks_total",
    "payroll_breakeven",
    "p_salary_crisis",
    "p_security_crisis",
    "p_fragmentation",
    "p_sanctions",
    "p_devaluation",
)


def evaluate(
    scenario: Scenario,
    option_id: str,
    parameter_overrides: dict[str, np.ndarray],
    paths_per_sample: int = 1000,
    horizon: int = 120,
    seed: int | None = None,
    *,
    base_dir: Path | None = None,
) -> dict[str, np.ndarray]:
    """Per-sample outcome metrics with chosen parameters fixed per sample (for sensitivity).

    ``parameter_overrides`` maps parameter paths (``component.name``) to arrays of equal length
    ``S``; sample ``s`` runs ``paths_per_sample`` paths with each overridden parameter fixed at
    its ``s``-th value and the other parameters drawn from their distributions under the
    option. All samples share the same random numbers (common random numbers), so differences
    between samples come from the overridden values. Returns, per metric of
    :data:`EVAL_METRICS`, an array of length ``S``: the mean over the sample's paths
    (``p_*`` are probabilities).
    """
    seed = scenario.metadata.seed if seed is None else int(seed)
    prep = prepare(scenario, [option_id], horizon, base_dir)
    params = scenario.parameters()
    arrays = {k: np.asarray(v, dtype=float).ravel() for k, v in parameter_overrides.items()}
    bad = [k for k in arrays if k not in params]
    if bad:
        raise InputError(
            [
                Problem(scenario.id, None, None, k, "unknown parameter (declare it under world)")
                for k in bad
            ]
        )
    sizes = {len(v) for v in arrays.values()}
    if len(sizes) > 1:
        raise ModelError(f"parameter override arrays differ in length: {sorted(sizes)}")
    S = sizes.pop() if sizes else 1
    pps = int(paths_per_sample)
    if pps < 1 or S < 1:
        raise LimitError("paths_per_sample and the number of samples must be positive")
    if S * pps > MAX_PATHS:
        raise LimitError(f"{S} samples x {pps} paths exceeds {MAX_PATHS:,} paths")
    limits.check_paths(S * pps)
    limits.check_simulation(min(S * pps, max(65_536, pps)), horizon, 1, block=None, bands=False)
    group = max(1, 65_536 // pps)
    out = {k: np.empty(S) for k in EVAL_METRICS}
    for g0 in range(0, S, group):
        g1 = min(S, g0 + group)
        k = g1 - g0
        rng = _block_rng(seed, option_id, 2**31)
        P = draw_parameters(prep.dists[option_id], pps, rng, tile=k, option=option_id)
        for name, vals in arrays.items():
            if name in PARAM_SPECS:
                v = np.repeat(vals[g0:g1], pps)
                msg = PARAM_SPECS[name].check(v)
                if msg:
                    raise ModelError(msg)
                P[name] = v
        r = run_paths(prep, P, k * pps, rng, tile=k, bands=False)
        for name in EVAL_METRICS:
            if name.startswith("p_"):
                x = r["events"][name[2:]].astype(float)
            else:
                x = r["outcomes"][name]
            out[name][g0:g1] = x.reshape(k, pps).mean(axis=1)
    return out


def replay(
    scenario: Scenario,
    option_id: str,
    brent: Sequence[float],
    paths: int = 20_000,
    seed: int | None = None,
    *,
    base_dir: Path | None = None,
) -> dict[str, Any]:
    """Run an option with a given monthly Brent path (one value per month) instead of the model.

    Used for out-of-sample validation: everything except the oil price stays stochastic.
    Returns per-month mean and 5/50/95% quantiles of reserves and salary stress, and event
    probabilities.
    """
    seed = scenario.metadata.seed if seed is None else int(seed)
    H = len(brent)
    limits.check_simulation(paths, H, 1, block=None)
    prep = prepare(scenario, [option_id], H, base_dir)
    rng = _block_rng(seed, option_id, 2**32)
    P = draw_parameters(prep.dists[option_id], paths, rng, option=option_id)
    r = run_paths(prep, P, paths, rng, brent_path=np.asarray(brent, dtype=float))
    out: dict[str, Any] = {"months": [_add_months(prep.oil.last_date, k + 1) for k in range(H)]}
    for name in ("reserves", "salary_stress", "debt"):
        X = r["bands"][name].astype(float)
        out[name] = {
            "mean": X.mean(axis=1),
            "p05": np.quantile(X, 0.05, axis=1),
            "p50": np.quantile(X, 0.5, axis=1),
            "p95": np.quantile(X, 0.95, axis=1),
            "p_positive": (X > 0.005).mean(axis=1),
        }
    out["events"] = {k: float(v.mean()) for k, v in r["events"].items()}
    out["arrears_months_mean"] = float(r["outcomes"]["arrears_months"].mean())
    return out
