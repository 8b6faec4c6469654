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
no exchange is possible and the forecast is the compromise model's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melian.bargaining.base import BargainingProblem, Forecast, IssueForecast
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


def _candidate_arrays(
    x: np.ndarray, s: np.ndarray, w: np.ndarray, O: np.ndarray, W: np.ndarray, locked: np.ndarray
) -> dict[str, np.ndarray]:
    """Every feasible equal-gain exchange, vectorised over issue pairs and actor pairs.

    Arrays over the candidates, ordered by (p, q, i, j): supplier on p ``i``, supplier on q
    ``j``, issues ``p``, ``q``, outcome shifts ``dOp``, ``dOq``, voting-position moves ``dxi``
    (of x_ip), ``dxj`` (of x_jq) and the equal ``gain`` (only candidates with gain > GAIN_EPS).
    """
    n, m = x.shape
    side = np.sign(x - O[None, :])  # nan where absent
    # axes (p, q, i, j): i supplies on p, j supplies on q
    sT, sideT, wT, lockT = s.T, side.T, w.T, locked.T  # (issues, actors)
    sip, sjp = sT[:, None, :, None], sT[:, None, None, :]
    siq, sjq = sT[None, :, :, None], sT[None, :, None, :]
    with np.errstate(invalid="ignore"):
        opposite = (sideT[:, None, :, None] * sideT[:, None, None, :] < 0) & (
            sideT[None, :, :, None] * sideT[None, :, None, :] < 0
        )
        orient = sip * sjq < sjp * siq
    ok = opposite & orient & (wT[:, None, :, None] > 0) & (wT[None, :, None, :] > 0)
    ok &= ~lockT[:, None, :, None] & ~lockT[None, :, None, :]
    ok &= ~lockT[None, :, :, None] & ~lockT[:, None, None, :]
    pq_ok = (W[:, None] > 0) & (W[None, :] > 0) & ~np.eye(m, dtype=bool)
    ok &= pq_ok[:, :, None, None]
    ok &= ~np.eye(n, dtype=bool)[None, None, :, :]
    pp, qq, ii, jj = np.nonzero(ok)
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


def run(problem: BargainingProblem, rounds: int = 10) -> Forecast:
    """Run the equal-gain exchange model; the forecast is the compromise outcome after exchanges.

    ``extra`` holds ``exchanges`` (every executed exchange with its round), ``gains`` (total gain
    per actor) and ``externalities`` (total externality per actor from others' exchanges).
    """
    validate_problem(problem)
    try:
        rounds = int(rounds)
    except (TypeError, ValueError):
        raise ModelError("exchange: rounds must be an integer") from None
    if not 0 <= rounds <= 1000:
        raise ModelError("exchange: rounds must be between 0 and 1000")
    x = np.asarray(problem.position, dtype=float).copy()
    s = np.asarray(problem.salience, dtype=float)
    s = np.where(np.isnan(x), 0.0, s)
    c = np.asarray(problem.capability, dtype=float)
    w = c[:, None] * s
    W = np.where(np.isnan(x), 0.0, w).sum(axis=0)
    for k, issue in enumerate(problem.issues):
        if np.all(np.isnan(x[:, k])):
            raise ModelError(f"exchange: issue {issue!r}: no actor holds a position")
        if not W[k] > 0:
            raise ModelError(
                f"exchange: issue {issue!r}: every actor has zero capability x salience"
            )
    n, m = x.shape
    history = [x.copy()]
    executed: list[dict[str, Any]] = []
    gains = np.zeros(n)
    ext = np.zeros(n)
    done = 0
    for r in range(rounds):
        locked = np.isnan(x)
        count = 0
        while True:
            O = _outcomes(x, w)
            best = _best(_candidate_arrays(x, s, w, O, W, locked))
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
        history.append(x.copy())
        done += 1
        if count == 0:
            break
    O = _outcomes(x, w)
    traj = np.stack(history)  # (rounds + 1, n, m)
    issues = [
        IssueForecast(issue=issue, point=float(O[k]), trajectory=traj[:, :, k].copy())
        for k, issue in enumerate(problem.issues)
    ]
    return Forecast(
        model="exchange",
        params={"rounds": rounds},
        actors=problem.actors,
        issues=issues,
        rounds=done,
        extra={
            "exchanges": executed,
            "gains": {a: float(g) for a, g in zip(problem.actors, gains, strict=True)},
            "externalities": {a: float(e) for a, e in zip(problem.actors, ext, strict=True)},
            "initial_outcome": {
                iss: float(v)
                for iss, v in zip(problem.issues, _outcomes(history[0], w), strict=True)
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
        defaults={"rounds": 10},
    )
)
