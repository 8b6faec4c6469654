"""The alliance game at many parameter points at once: payoffs and backward induction over a
leading sample axis.

Exploring the game (:mod:`melian.explore.game`, :mod:`melian.explore.joint`) values every option
at thousands of sampled parameter points. Building and solving the game once per point
(:func:`melian.games.sweep.context`) spends almost all of its time in Python loops over the
leaves. Here the same quantities are computed for ``S`` points together:

* the payoff components of :func:`melian.games.payoffs.components` (Morrow 1991 security-autonomy
  trade-off; Snyder 1984 abandonment and entrapment), every operation carrying the sample axis;
* the option and shock effects of :func:`melian.games.payoffs.params_for`, applied to arrays;
* the first subgame-perfect equilibrium of :func:`melian.games.solve.subgame_perfect` (Selten
  1965, 1975; backward induction on the perfect-information tree chance -> focal actor ->
  responders in move order), with the same tie rule: at each decision node the first action whose
  value is within :data:`melian.games.solve.TOL` of the best.

The results are those of the one-point path to rounding; the tests check them against it.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from melian.games.build import _check_size, shock_states
from melian.games.payoffs import PARAMETERS, GameData
from melian.games.solve import TOL
from melian.scenario.schema import Distribution


class BatchParams:
    """Parameter lookup (as :class:`melian.games.payoffs.Params`) with one value per sample."""

    def __init__(self, values: Mapping[str, np.ndarray], size: int) -> None:
        self.values = dict(values)
        self.size = size
        self._arrays: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}

    def get(self, name: str, actor: str | None = None, default: float | None = None) -> np.ndarray:
        """``name.actor``, else ``name``, else the default, as an array of shape (S,)."""
        if actor is not None and f"{name}.{actor}" in self.values:
            return self.values[f"{name}.{actor}"]
        if name in self.values:
            return self.values[name]
        value = default if default is not None else PARAMETERS[name][0]
        return np.full(self.size, float(value))

    def array(self, name: str, actors: tuple[str, ...]) -> np.ndarray:
        """``get(name, actor)`` for every actor: shape (S, actors) (memoised)."""
        key = (name, actors)
        if key not in self._arrays:
            self._arrays[key] = np.column_stack([self.get(name, a) for a in actors])
        return self._arrays[key]


def params_for_batch(
    data: GameData,
    base: Mapping[str, np.ndarray],
    size: int,
    option: str,
    shocks_on: tuple[bool, ...],
) -> BatchParams:
    """The parameters once the option's and the active shocks' effects are applied (as
    :func:`melian.games.payoffs.params_for`, on arrays of base values).
    """
    vals = dict(base)
    effects = list(data.option_effects.get(option, {}).items())
    for on, sh in zip(shocks_on, data.shocks, strict=False):
        if on:
            effects += list(sh.effects.items())
    for name, eff in effects:
        if name in vals:
            current = vals[name]
        else:
            root = name.split(".")[0]
            actor = name.split(".", 1)[1] if "." in name else None
            current = (
                BatchParams(vals, size).get(root, actor) if root in PARAMETERS else np.zeros(size)
            )
        if eff.set is not None:
            s = eff.set if isinstance(eff.set, Distribution) else Distribution(value=eff.set)
            vals[name] = np.full(size, s.nominal)
        elif eff.add is not None:
            vals[name] = current + float(eff.add)
        else:
            vals[name] = current * float(eff.multiply)  # type: ignore[arg-type]
    return BatchParams(vals, size)


def _conflict(d: GameData, p: BatchParams, j: str, k: str) -> np.ndarray:
    for key in (f"conflict.{j}.{k}", f"conflict.{k}.{j}"):
        if key in p.values:
            return p.values[key]
    ij, ik = d.index(j), d.index(k)
    return np.full(p.size, 0.5 * (d.threat[ij, ik] + d.threat[ik, ij]))


def components_batch(
    d: GameData, option: int, responses: tuple[int, ...], p: BatchParams
) -> dict[str, dict[str, np.ndarray]]:
    """:func:`melian.games.payoffs.components` at every sample: ``{player: {component: (S,)}}``."""
    S = p.size
    n = len(d.actors)
    f = d.index(d.focal)
    a = d.alignment[option]
    g = 0.5 * (1.0 + a)
    post = np.zeros((S, n))
    for ai, act in enumerate(d.actors):
        if act in d.alternatives and act not in d.players:
            v = p.get("posture", act, default=1.0)
            post[:, ai] = np.where(np.isnan(v), 1.0, v)
        elif act != d.focal and f"posture.{act}" in p.values:
            post[:, ai] = p.values[f"posture.{act}"]
    for pl, r in zip(d.players, responses, strict=True):
        post[:, d.index(pl)] = d.responses[pl][r].posture
    pos_part = np.maximum(post, 0.0)
    neg_part = np.maximum(-post, 0.0)
    pos_part[:, f] = 0.0
    neg_part[:, f] = 0.0
    q = p.array("security_provision", d.actors)
    kappa = q * pos_part * g
    kappa[:, f] = 0.0

    mult = p.array("threat_multiplier", d.actors)
    theta = np.clip(d.threat[None, :, :] * mult[:, None, :], 0.0, 1.0)
    eta = p.array("hostile_threat", d.actors)
    theta[:, f, :] = theta[:, f, :] + (1.0 - theta[:, f, :]) * neg_part * eta
    diag = np.arange(n)
    theta[:, diag, diag] = 0.0
    cap = d.cap

    def eff_caps(kap: np.ndarray) -> np.ndarray:
        k = np.broadcast_to(cap, (S, n)).copy()
        k[:, f] += kap @ cap
        contrib = pos_part * g * q[:, f : f + 1] * cap[f]
        contrib[:, f] = 0.0
        return k + contrib

    def security(kcap: np.ndarray) -> np.ndarray:
        exposure = kcap[:, None, :] / (kcap[:, :, None] + kcap[:, None, :])
        return -np.sum(theta * exposure, axis=2)

    kcap = eff_caps(kappa)
    sec = security(kcap)

    lam = p.array("influence", d.actors) * pos_part * g
    lam[:, f] = 0.0
    stance = d.stance[option]
    w_pull = lam * cap
    present = ~np.isnan(d.positions)
    num = cap[f] * stance + np.sum(
        np.where(present[None], w_pull[:, :, None] * np.nan_to_num(d.positions)[None], 0.0), axis=1
    )
    den = cap[f] + np.sum(np.where(present[None], w_pull[:, :, None], 0.0), axis=1)
    x = np.where(np.isnan(stance)[None, :], np.nan, num / den)
    dist = np.abs(x[:, None, :] - d.positions[None, :, :]) / d.scale_width[None, None, :]
    auto = -np.sum(np.where(np.isnan(dist), 0.0, d.saliences[None] * dist), axis=2)

    aid = p.array("aid", d.actors)
    harm = p.array("harm", d.actors)
    econ_f = np.sum(aid * pos_part * g - harm * neg_part, axis=1)

    rival = d.index(d.rival) if d.rival else None
    cons = d.contestants
    out: dict[str, dict[str, np.ndarray]] = {}

    ws = p.get("security_weight", d.focal)
    wa = p.get("autonomy_weight", d.focal)
    wa = np.where(np.isnan(wa), 1.0 - ws, wa)
    we = p.get("economy_weight", d.focal)
    ab = np.zeros(S)
    en = np.zeros(S)
    patrons = [x_ for x_ in (d.patron, *d.alternatives) if x_ != d.focal]
    for j in range(n):
        on = kappa[:, j] > 0
        if not on.any():
            continue
        jid = d.actors[j]
        kap_wo = kappa.copy()
        kap_wo[:, j] = 0.0
        loss = sec[:, f] - security(eff_caps(kap_wo))[:, f]
        interest = _conflict(d, p, jid, d.rival) if d.rival and jid != d.rival else np.zeros(S)
        others = [d.index(k) for k in patrons if k != jid]
        alt_cap = np.zeros(S)
        for k in others:
            alt_cap = alt_cap + q[:, k] * cap[k] * g[k]
        denom = alt_cap + q[:, j] * cap[j]
        alt = np.divide(alt_cap, denom, out=np.zeros(S), where=alt_cap > 0)
        p_ab = p.get("abandonment_risk", jid) * (1.0 - interest) * (1.0 - alt)
        ab = ab + np.where(on, ws * p_ab * loss, 0.0)
        if rival is not None and j != rival:
            exposure = cap[rival] / (cap[rival] + cap[f])
            term = (
                ws
                * p.get("entrapment_risk", jid)
                * pos_part[:, j]
                * g[j]
                * _conflict(d, p, jid, d.rival)  # type: ignore[arg-type]
                * exposure
            )
            en = en + np.where(on, term, 0.0)
    fc = {
        "security": ws * sec[:, f],
        "autonomy": wa * auto[:, f],
        "economy": we * econ_f,
        "abandonment": -ab,
        "entrapment": -en,
    }
    fc["total"] = (
        fc["security"] + fc["autonomy"] + fc["economy"] + fc["abandonment"] + fc["entrapment"]
    )
    out[d.focal] = fc

    for pl in d.players:
        j = d.index(pl)
        ws_j = p.get("security_weight", pl)
        wa_j = p.get("autonomy_weight", pl)
        wa_j = np.where(np.isnan(wa_j), 1.0 - ws_j, wa_j)
        contest = np.zeros(S)
        if pl in cons:
            stake = p.get("contest_stake", pl)
            strength = 1.0 + econ_f
            if d.framing == "zero-sum":
                orient = np.zeros(S)
                for k in cons:
                    if k != pl:
                        orient = orient + _conflict(d, p, pl, k) * (a[j] - a[d.index(k)]) / 2.0
            else:
                orient = np.full(S, max(a[j], 0.0))
            contest = stake * strength * orient
        ab_j = np.zeros(S)
        en_j = np.zeros(S)
        supportive = pos_part[:, j] > 0
        if supportive.any():
            defect = np.zeros(S)
            for k in cons:
                if k != pl:
                    defect = defect + _conflict(d, p, pl, k) * max(a[d.index(k)], 0.0)
            ab_val = (
                p.get("abandonment_risk", pl)
                * pos_part[:, j]
                * p.get("support_cost", pl)
                * np.minimum(defect, 1.0)
            )
            drag = np.zeros(S)
            for t in range(n):
                if t not in (f, j):
                    drag = drag + theta[:, f, t] * cap[t] / (cap[t] + kcap[:, j])
            en_val = ws_j * p.get("entrapment_risk", pl) * pos_part[:, j] * g[j] * drag
            ab_j = np.where(supportive, ab_val, 0.0)
            en_j = np.where(supportive, en_val, 0.0)
        cost = (
            p.get("support_cost", pl) * pos_part[:, j]
            + p.get("hostility_cost", pl) * neg_part[:, j]
        )
        rc = {
            "security": ws_j * sec[:, j],
            "autonomy": wa_j * auto[:, j],
            "contest": contest,
            "abandonment": -ab_j,
            "entrapment": -en_j,
            "cost": -cost,
        }
        rc["total"] = (
            rc["security"]
            + rc["autonomy"]
            + rc["contest"]
            + rc["abandonment"]
            + rc["entrapment"]
            + rc["cost"]
        )
        out[pl] = rc
    return out


def _first_response(arr: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``arr`` (S, states, options, r_1, ...) at the first responder's response ``r`` (S, states,
    options): the response axis removed.
    """
    ind = r.reshape(r.shape + (1,) * (arr.ndim - r.ndim))
    return np.take_along_axis(arr, ind, axis=3).squeeze(axis=3)


@dataclass(frozen=True)
class BatchOutcomes:
    """The focal actor's quantities per option at each sample, at the first subgame-perfect
    equilibrium: ``values[option][quantity]`` (``total`` and every component, in expectation
    over the shocks) and ``chosen[option]`` (1 where the focal actor chooses it with no shock).
    """

    values: dict[str, dict[str, np.ndarray]]
    chosen: dict[str, np.ndarray]


def focal_outcomes(data: GameData, overrides: Mapping[str, np.ndarray]) -> BatchOutcomes:
    """Solve the game of ``data`` at ``S`` parameter points and value every focal option.

    Parameters
    ----------
    data
        The game (:func:`melian.games.payoffs.game_data`), its parameters at their nominal values.
    overrides
        Game parameter name (without ``game.``) -> values of shape (S,).

    Returns
    -------
    BatchOutcomes
        As :meth:`melian.games.claims.ClaimContext.expected` at the first SPE of each point, and
        the focal actor's choice in the first shock state.
    """
    _check_size(data)
    arrays = {k: np.asarray(v, dtype=float).reshape(-1) for k, v in overrides.items()}
    S = len(next(iter(arrays.values()))) if arrays else 1
    base = {k: np.full(S, float(v)) for k, v in data.base_params.items()}
    base.update(arrays)
    players = data.all_players
    resp_n = tuple(len(data.responses[p]) for p in data.players)
    states = shock_states(data)
    n_opt = len(data.options)
    comps: dict[str, np.ndarray] = {}
    totals = np.empty((len(players), S, len(states), n_opt, *resp_n))
    for k, (on, _, _) in enumerate(states):
        for o, opt in enumerate(data.options):
            p = params_for_batch(data, base, S, opt, on)
            for prof in itertools.product(*(range(r) for r in resp_n)):
                c = components_batch(data, o, prof, p)
                for i, pl in enumerate(players):
                    totals[(i, slice(None), k, o, *prof)] = c[pl]["total"]
                for name, v in c[data.focal].items():
                    arr = comps.get(name)
                    if arr is None:
                        arr = comps[name] = np.empty((S, len(states), n_opt, *resp_n))
                    arr[(slice(None), k, o, *prof)] = v
    # backward induction over the responders, last mover first: choice[l] has the shape of the
    # node set of responder l, (S, states, options, r_1, ..., r_{l-1})
    values = totals
    choices: list[np.ndarray] = []
    for level in range(len(data.players) - 1, -1, -1):
        mover = values[1 + level]
        best = mover.max(axis=-1, keepdims=True)
        pick = np.argmax(mover >= best - TOL, axis=-1)
        choices.insert(0, pick)
        values = np.take_along_axis(values, pick[None, ..., None], axis=-1)[..., 0]
    # the responders' continuation after each option in each state: index the leaves
    idx: list[np.ndarray] = []
    for pick in choices:
        sel = pick
        for r in idx:
            sel = _first_response(sel, r)
        idx.append(sel)
    probs = np.array([s[1] for s in states])
    out: dict[str, dict[str, np.ndarray]] = {o: {} for o in data.options}
    for name, arr in comps.items():
        leaf = arr
        for r in idx:
            leaf = _first_response(leaf, r)
        expected = np.einsum("sko,k->so", leaf, probs)
        for o, opt in enumerate(data.options):
            out[opt][name] = expected[:, o]
    focal_first = values[0][:, 0, :]
    best = focal_first.max(axis=1, keepdims=True)
    pick = np.argmax(focal_first >= best - TOL, axis=1)
    chosen = {opt: (pick == o).astype(float) for o, opt in enumerate(data.options)}
    return BatchOutcomes(values=out, chosen=chosen)
