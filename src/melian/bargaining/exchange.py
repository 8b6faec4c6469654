"""Exchange model of collective decision making (Stokman & van Oosten 1994, "equal gain").

Stokman & van Oosten (1994), "The exchange of voting positions: an object-oriented model of
policy networks", in Bueno de Mesquita & Stokman (eds.), *European Community Decision Making*,
Yale UP, 105-127. Applications: Stokman (2015, COP15), Stokman & Thomson (2015), Sprinz et al.
(2016, COP21).

The outcome of each issue is the compromise model, O_p = sum_i c_i s_ip x_ip / sum_i c_i s_ip.
Actors trade voting positions across pairs of issues (p, q). Actors i and j can exchange when
they sit on opposite sides of O_p and of O_q and their relative saliences differ; i supplies on p
(moves its position on p toward j's) when s_ip / s_iq < s_jp / s_jq, and j supplies on q. A shift
dx of x_ip moves O_p by dx c_i s_ip / W_p (W_p = sum_k c_k s_kp). Equal gain fixes the rate
dO_q = dO_p (s_ip + s_jp) / (s_iq + s_jq); the size is the largest with neither supplier moving
past its partner's position and neither outcome passing the demander's position (so one side
moves fully or an outcome reaches a position). Each actor's gain is s_iq dO_q - s_ip dO_p
(= s_jp dO_p - s_jq dO_q, equal by construction, positive).

Within a round the highest-gain exchange is executed, every (actor, issue) it used is locked for
the rest of the round, the remaining exchanges are recomputed from the shifted positions and
outcomes, and this repeats until no exchange with positive gain remains. The next round starts
from the shifted positions (which become the actors' positions: the model's "new round"
reading). ``rounds`` (default 10) rounds are run, or fewer when a round executes no exchange.
Third parties bear externalities s_kp (|O_p - x_kp| before - after), summed over both issues
(positive = benefit; x_kp = the third party's initial position), reported in ``extra``.

Actors with a ``nan`` position on an issue take no part in exchanges involving it; with one issue
no exchange is possible and the forecast is the compromise model's. An issue-specific weight
(``meta['power']``: a scenario's per-issue clout or a position's ``power``) replaces c_i on its
issue, c_ip s_ip.

``variant="decide"`` runs instead the algorithm of decide (``decide-exchange-model``, the
reference implementation), reproduced round by round (:mod:`melian.bargaining._exchange_decide`);
docs/models/bargaining.md lists, with equations, where the two readings differ.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from melian.bargaining._exchange_decide import exchange_record, run_decide_round, to_decimal
from melian.bargaining.base import BargainingProblem, Forecast, IssueForecast, issue_weights
from melian.bargaining.compromise import validate_problem
from melian.bargaining.registry import ModelSpec, register
from melian.errors import ModelError

GAIN_EPS = 1e-12


def _outcomes(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Compromise outcome per issue from positions x (nan = absent) and weights w = c s."""
    present = ~np.isnan(x)
    ww = np.where(present, w, 0.0)
    tot = ww.sum(axis=0)
    num = np.sum(ww * np.where(present, x, 0.0), axis=0)
    return np.where(tot > 0, num / np.where(tot > 0, tot, 1.0), np.nan)


Pairs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _pairs(s: np.ndarray, w: np.ndarray, W: np.ndarray) -> Pairs:
    """The (p, q, i, j) that may exchange whatever the positions: i supplies on p and j on q
    with the orientation of equal gain (``s_ip / s_iq < s_jp / s_jq``), both with a positive
    weight there, two issues with positive total weight, two actors. Index arrays ordered by
    (p, q, i, j); they depend on the saliences and weights only, fixed for a run.
    """
    n, m = s.shape
    sT, wT = s.T, w.T  # (issues, actors)
    sip, sjp = sT[:, None, :, None], sT[:, None, None, :]
    siq, sjq = sT[None, :, :, None], sT[None, :, None, :]
    with np.errstate(invalid="ignore"):
        orient = sip * sjq < sjp * siq
    ok = orient & (wT[:, None, :, None] > 0) & (wT[None, :, None, :] > 0)
    pq_ok = (W[:, None] > 0) & (W[None, :] > 0) & ~np.eye(m, dtype=bool)
    ok &= pq_ok[:, :, None, None]
    ok &= ~np.eye(n, dtype=bool)[None, None, :, :]
    pp, qq, ii, jj = np.nonzero(ok)
    return pp, qq, ii, jj


def _candidate_arrays(
    x: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    O: np.ndarray,
    W: np.ndarray,
    locked: np.ndarray,
    pairs: Pairs | None = None,
) -> dict[str, np.ndarray]:
    """Every feasible equal-gain exchange, vectorised over issue pairs and actor pairs.

    Arrays over the candidates, ordered by (p, q, i, j): supplier on p ``i``, supplier on q
    ``j``, issues ``p``, ``q``, outcome shifts ``dOp``, ``dOq``, voting-position moves ``dxi``
    (of x_ip), ``dxj`` (of x_jq) and the equal ``gain`` (only candidates with gain > GAIN_EPS).
    ``pairs`` are :func:`_pairs` of ``(s, w, W)`` when the caller keeps them across calls; of
    those, the candidates are the pairs on opposite sides of both outcomes with none of their
    four (actor, issue) cells locked.
    """
    pp, qq, ii, jj = _pairs(s, w, W) if pairs is None else pairs
    side = np.sign(x - O[None, :])  # nan where absent
    free = ~locked
    with np.errstate(invalid="ignore"):
        ok = (side[ii, pp] * side[jj, pp] < 0) & (side[ii, qq] * side[jj, qq] < 0)
    ok &= free[ii, pp] & free[jj, qq] & free[ii, qq] & free[jj, pp]
    pp, qq, ii, jj = pp[ok], qq[ok], ii[ok], jj[ok]
    k = (s[ii, pp] + s[jj, pp]) / (s[ii, qq] + s[jj, qq])
    dOp_full_i = np.abs(x[jj, pp] - x[ii, pp]) * w[ii, pp] / W[pp]
    dOq_full_j = np.abs(x[ii, qq] - x[jj, qq]) * w[jj, qq] / W[qq]
    cap_p = np.abs(x[jj, pp] - O[pp])  # O_p may not pass the demander j's position
    cap_q = np.abs(x[ii, qq] - O[qq])
    dOp = np.minimum.reduce([dOp_full_i, dOq_full_j / k, cap_p, cap_q / k])
    dOq = k * dOp
    gain = s[ii, qq] * dOq - s[ii, pp] * dOp
    good = gain > GAIN_EPS
    ii, jj, pp, qq = ii[good], jj[good], pp[good], qq[good]
    dOp, dOq, gain = dOp[good], dOq[good], gain[good]
    return {
        "i": ii,
        "j": jj,
        "p": pp,
        "q": qq,
        "dOp": dOp,
        "dOq": dOq,
        "dxi": dOp * W[pp] / w[ii, pp],
        "dxj": dOq * W[qq] / w[jj, qq],
        "gain": gain,
    }


def candidate_exchanges(
    x: np.ndarray, s: np.ndarray, w: np.ndarray, O: np.ndarray, W: np.ndarray, locked: np.ndarray
) -> list[dict[str, Any]]:
    """Every feasible equal-gain exchange between actor pairs over issue pairs.

    Returns dicts with supplier on p ``i``, supplier on q ``j``, issues ``p``, ``q``, outcome
    shifts ``dOp``, ``dOq``, voting-position moves ``dxi`` (of x_ip), ``dxj`` (of x_jq) and the
    equal ``gain``.
    """
    c = _candidate_arrays(x, s, w, O, W, locked)
    ints, floats = ("i", "j", "p", "q"), ("dOp", "dOq", "dxi", "dxj", "gain")
    return [
        {**{f: int(c[f][t]) for f in ints}, **{f: float(c[f][t]) for f in floats}}
        for t in range(c["gain"].size)
    ]


def _best(c: dict[str, np.ndarray]) -> dict[str, Any] | None:
    """The exchange to execute: the largest gain, ties to the lowest (i, j, p, q)."""
    if c["gain"].size == 0:
        return None
    t = int(np.lexsort((c["q"], c["p"], c["j"], c["i"], -c["gain"]))[0])
    return {
        **{f: int(c[f][t]) for f in ("i", "j", "p", "q")},
        **{f: float(c[f][t]) for f in ("dOp", "dOq", "dxi", "dxj", "gain")},
    }


VARIANTS = ("melian", "decide")


def run(problem: BargainingProblem, rounds: int = 10, variant: str = "melian") -> Forecast:
    """Run the equal-gain exchange model (Stokman & van Oosten 1994).

    Parameters
    ----------
    problem
        Actors, issues, positions, saliences (in [0, 1]) and capabilities.
    rounds
        Rounds of exchanges (0-1000, default 10, as decide's).
    variant
        ``"melian"`` (default): melian's reading, where within a round every exchange is
        re-derived from the current positions and outcomes and each (actor, issue) trades at
        most once, and the next round starts from the voting positions. ``"decide"``: decide's
        algorithm (the reference implementation, ``decide-exchange-model``), reproduced round by
        round (see :mod:`melian.bargaining._exchange_decide` and docs/models/bargaining.md).

    Returns
    -------
    Forecast
        The point forecast is the compromise outcome of the positions after the last round's
        exchanges (the voting positions). ``extra`` holds ``exchanges`` (every executed
        exchange with its round), ``gains`` (total gain per actor), ``externalities`` (melian
        variant: total externality per actor from others' exchanges) and ``initial_outcome``;
        the decide variant adds ``start_outcome`` and ``voting_outcome`` per issue and round and
        ``start_positions`` (each round's preference positions, decide's "preference history").
    """
    validate_problem(problem)
    try:
        rounds = int(rounds)
    except (TypeError, ValueError):
        raise ModelError("exchange: rounds must be an integer") from None
    if not 0 <= rounds <= 1000:
        raise ModelError("exchange: rounds must be between 0 and 1000")
    if variant not in VARIANTS:
        raise ModelError(f"exchange: variant must be one of {', '.join(VARIANTS)}; got {variant!r}")
    x = np.asarray(problem.position, dtype=float).copy()
    s = np.asarray(problem.salience, dtype=float)
    s = np.where(np.isnan(x), 0.0, s)
    c = np.asarray(problem.capability, dtype=float)
    w = issue_weights(problem) * s  # c_ip s_ip, with an issue-specific clout where given
    W = np.where(np.isnan(x), 0.0, w).sum(axis=0)
    for k, issue in enumerate(problem.issues):
        if np.all(np.isnan(x[:, k])):
            raise ModelError(f"exchange: issue {issue!r}: no actor holds a position")
        if not W[k] > 0:
            raise ModelError(
                f"exchange: issue {issue!r}: every actor has zero capability x salience"
            )
    if variant == "decide":
        return _run_decide(problem, x, s, c, rounds)
    pairs = _pairs(s, w, W)
    kernel = _compiled_rounds() if x.shape[1] > 1 else None
    if kernel is not None:  # the numpy rounds' results, bitwise (_exchange_kernel)
        c = np.ascontiguousarray
        traj, rows, gains, ext = kernel.exchange_rounds(
            c(x), c(s), c(w), c(W), *(c(a, dtype=np.int64) for a in pairs), rounds, GAIN_EPS
        )
        executed = _executed(problem, rows, kernel.FIELDS)
    else:
        traj, executed, gains, ext = _run_numpy(problem, x, s, w, W, pairs, rounds)
    done = traj.shape[0] - 1
    O = _outcomes(traj[-1], w)
    issues = [
        IssueForecast(issue=issue, point=float(O[k]), trajectory=traj[:, :, k].copy())
        for k, issue in enumerate(problem.issues)
    ]
    return Forecast(
        model="exchange",
        params={"rounds": rounds, "variant": variant},
        actors=problem.actors,
        issues=issues,
        rounds=done,
        extra={
            "exchanges": executed,
            "gains": {a: float(g) for a, g in zip(problem.actors, gains, strict=True)},
            "externalities": {a: float(e) for a, e in zip(problem.actors, ext, strict=True)},
            "initial_outcome": {
                iss: float(v) for iss, v in zip(problem.issues, _outcomes(traj[0], w), strict=True)
            },
        },
    )


#: Set to True to run the numpy rounds even where numba is available (tests compare the two).
NUMPY_ONLY = False


@functools.cache
def _kernel() -> Any:  # noqa: ANN401 - a module
    """:mod:`melian.bargaining._exchange_kernel` (the compiled rounds), or None without numba."""
    try:
        from melian.bargaining import _exchange_kernel  # lazy: numba, on the first joint run
    except ImportError:  # pragma: no cover - numba is a dependency
        return None
    return _exchange_kernel


def _compiled_rounds() -> Any:  # noqa: ANN401
    return None if NUMPY_ONLY else _kernel()


def _executed(
    problem: BargainingProblem, rows: np.ndarray, fields: Sequence[str]
) -> list[dict[str, Any]]:
    """The compiled kernel's executed-exchange rows (columns ``fields``) as :func:`_run_numpy`
    lists them: actors and issues by name, the same keys in the same order.
    """
    names = {"i": problem.actors, "j": problem.actors, "p": problem.issues, "q": problem.issues}
    out = []
    for row in rows.tolist():
        rec = dict(zip(fields, row, strict=True))
        out.append(
            {
                **{f: names[f][int(rec[f])] for f in names},
                **{f: rec[f] for f in ("dOp", "dOq", "dxi", "dxj", "gain")},
                "round": int(rec["round"]),
            }
        )
    return out


def _run_numpy(
    problem: BargainingProblem,
    x: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    W: np.ndarray,
    pairs: Pairs,
    rounds: int,
) -> tuple[np.ndarray, list[dict[str, Any]], np.ndarray, np.ndarray]:
    """The melian variant's rounds in numpy: positions after each round (round 0 the start),
    the executed exchanges, each actor's total gain and externality.
    """
    n, m = x.shape
    history = [x.copy()]
    executed: list[dict[str, Any]] = []
    gains = np.zeros(n)
    ext = np.zeros(n)
    for r in range(rounds):
        locked = np.isnan(x)
        count = 0
        O = _outcomes(x, w)
        while True:
            best = _best(_candidate_arrays(x, s, w, O, W, locked, pairs))
            if best is None:
                break
            i, j, p, q = best["i"], best["j"], best["p"], best["q"]
            x[i, p] += np.sign(x[j, p] - x[i, p]) * best["dxi"]
            x[j, q] += np.sign(x[i, q] - x[j, q]) * best["dxj"]
            O2 = _outcomes(x, w)
            after = np.abs(O2[None, [p, q]] - history[0][:, [p, q]])
            before0 = np.abs(O[None, [p, q]] - history[0][:, [p, q]])
            delta = np.nansum(s[:, [p, q]] * (before0 - after), axis=1)
            third = np.ones(n, dtype=bool)
            third[[i, j]] = False
            ext[third] += delta[third]
            gains[i] += best["gain"]
            gains[j] += best["gain"]
            locked[[i, i, j, j], [p, q, p, q]] = True
            executed.append(
                {
                    **best,
                    "round": r + 1,
                    "i": problem.actors[i],
                    "j": problem.actors[j],
                    "p": problem.issues[p],
                    "q": problem.issues[q],
                }
            )
            count += 1
            O = O2  # the outcomes of the positions now
        history.append(x.copy())
        if count == 0:
            break
    return np.stack(history), executed, gains, ext


def _run_decide(
    problem: BargainingProblem, x: np.ndarray, s: np.ndarray, c: np.ndarray, rounds: int
) -> Forecast:
    """The ``variant="decide"`` run: decide's rounds on positions normalised to 0-100."""
    scale = np.asarray(problem.scale, dtype=float)
    if np.any(scale[:, 1] <= scale[:, 0]):
        raise ModelError("exchange: variant 'decide' needs every issue's scale to have max > min")
    n, m = x.shape
    lo = [to_decimal(v) for v in scale[:, 0]]
    step = [Decimal(100) / (to_decimal(hi) - lo[k]) for k, hi in enumerate(scale[:, 1])]
    cap = np.broadcast_to(c[:, None], x.shape).astype(float)
    power = problem.meta.get("power") if isinstance(problem.meta, dict) else None
    if power is not None:
        pw = np.asarray(power, dtype=float)
        cap = np.where(np.isnan(pw), cap, pw)
    z: list[list[Decimal | None]] = [
        [None if np.isnan(x[a, k]) else (to_decimal(x[a, k]) - lo[k]) * step[k] for k in range(m)]
        for a in range(n)
    ]
    sd = [[to_decimal(s[a, k]) for k in range(m)] for a in range(n)]
    cd = [[to_decimal(cap[a, k]) for k in range(m)] for a in range(n)]

    def out(v: list[list[Decimal | None]]) -> np.ndarray:
        return np.array(
            [
                [np.nan if v[a][k] is None else float(v[a][k] / step[k] + lo[k]) for k in range(m)]
                for a in range(n)
            ]
        )

    def out_o(o: list[Decimal]) -> list[float]:
        return [float(o[k] / step[k] + lo[k]) for k in range(m)]

    voting_hist, start_hist = [out(z)], [out(z)]
    start_o: list[list[float]] = []
    voting_o: list[list[float]] = []
    executed: list[dict[str, Any]] = []
    gains = np.zeros(n)
    names = {"i": problem.actors, "j": problem.actors, "q": problem.issues, "p": problem.issues}
    for r in range(rounds):
        voting, z, done, o_start, o_voting = run_decide_round(z, sd, cd)
        start_o.append(out_o(o_start))
        voting_o.append(out_o(o_voting))
        voting_hist.append(out(voting))
        start_hist.append(out(z))
        for e in done:
            rec = exchange_record(e, r + 1, lo, step)
            executed.append({k: names[k][v] if k in names else v for k, v in rec.items()})
            gains[[e.A, e.B]] += float(e.gain)
    traj = np.stack(voting_hist)
    starts = np.stack(start_hist)
    initial = _outcomes(x, cap * s)
    point = voting_o[-1] if voting_o else list(initial)
    issues = [
        IssueForecast(issue=issue, point=float(point[k]), trajectory=traj[:, :, k].copy())
        for k, issue in enumerate(problem.issues)
    ]

    def per_issue(rows: list[list[float]]) -> dict[str, list[float]]:
        return {iss: [float(v[k]) for v in rows] for k, iss in enumerate(problem.issues)}

    return Forecast(
        model="exchange",
        params={"rounds": rounds, "variant": "decide"},
        actors=problem.actors,
        issues=issues,
        rounds=rounds,
        extra={
            "exchanges": executed,
            "gains": {a: float(g) for a, g in zip(problem.actors, gains, strict=True)},
            "initial_outcome": {
                iss: float(v) for iss, v in zip(problem.issues, initial, strict=True)
            },
            "start_outcome": per_issue(start_o),
            "voting_outcome": per_issue(voting_o),
            "start_positions": {
                iss: {
                    a: [None if np.isnan(v) else float(v) for v in starts[:, i, k]]
                    for i, a in enumerate(problem.actors)
                }
                for k, iss in enumerate(problem.issues)
            },
        },
    )


SPEC = register(
    ModelSpec(
        name="exchange",
        run=run,
        summary="Stokman & van Oosten (1994) equal-gain exchange of voting positions.",
        citation=(
            "Stokman & van Oosten (1994), in Bueno de Mesquita & Stokman (eds.), European "
            "Community Decision Making, Yale UP, 105-127."
        ),
        multidimensional=True,
        issue_weights=True,
        defaults={"rounds": 10, "variant": "melian"},
    )
)
