"""Payoffs of the alliance game: an explicit autonomy-security model with named components.

The model (equations in ``docs/models/games.md``) combines three published ideas:

* Morrow, J. D. (1991), "Alliances and Asymmetry: An Alternative to the Capability Aggregation
  Model of Alliances", *AJPS* 35(4): 904-933. An actor's utility
  weighs **security** (its aggregated capability against the threats it perceives) and **autonomy**
  (how close policy outcomes sit to its preferred positions). In an asymmetric alliance the small
  state buys security with autonomy and the great power buys autonomy (influence over the small
  state's policy) with security commitments.
* Snyder, G. H. (1984), "The Security Dilemma in Alliance Politics", *World Politics* 36(4):
  461-495. Allies face **abandonment** (the partner defects when needed: likelier the less the
  partner is itself in conflict with the adversary and the fewer alternative partners exist) and
  **entrapment** (being dragged into the partner's conflict: likelier the more intense that conflict
  and the closer the commitment).
* The **zero-sum framing** of the regional contest ("what my opponent wins is a loss for me"):
  under ``zero-sum`` each contestant's gain from the focal state's alignment is the others' loss;
  under ``variable-sum`` each contestant values only its own tie with the focal state.

Every number comes from the scenario: capabilities (``actors[*].capability``), perceived threats
(``relations.threats``), agenda positions and saliences (``issues``), the focal option's alignment
and stance (``focal.options``), response postures (``game.responses``) and the model's parameters
(``game.parameters``, with option and shock effects applied). Parameters may be overridden per
actor by a dotted name: ``aid.us`` overrides ``aid`` for the actor ``us``. The parameters, their
defaults and meanings are listed in :data:`melian.games.parameters.PARAMETERS`; a key of
``game.parameters`` the model does not read is refused (:func:`game_data`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from melian.errors import LimitError, ModelError
from melian.games.parameters import PARAMETERS, check_parameters
from melian.scenario.capability import capabilities
from melian.scenario.schema import Distribution, Effect, Scenario

Framing = Literal["zero-sum", "variable-sum"]
FRAMINGS: tuple[Framing, ...] = ("zero-sum", "variable-sum")

#: Conventional response ids and their posture toward the focal state (-1 hostile .. 1 supportive).
CONVENTIONAL_POSTURES: dict[str, float] = {
    "support": 1.0,
    "ally": 1.0,
    "engage": 1.0,
    "invest": 1.0,
    "protect": 1.0,
    "accept": 0.0,
    "disengage": 0.0,
    "tolerate": 0.0,
    "neutral": 0.0,
    "ignore": 0.0,
    "sanction": -1.0,
    "pressure": -1.0,
    "oppose": -1.0,
    "punish": -1.0,
    "retaliate": -1.0,
}

FOCAL_COMPONENTS = ("security", "autonomy", "economy", "abandonment", "entrapment")
RESPONDER_COMPONENTS = ("security", "autonomy", "contest", "abandonment", "entrapment", "cost")


@dataclass(frozen=True)
class ResponseSpec:
    """A response of a responding player and its posture toward the focal state."""

    id: str
    name: str
    posture: float


@dataclass(frozen=True)
class ShockSpec:
    """A chance move: probability (nominal) and its effects on game parameters."""

    id: str
    name: str
    probability: float
    effects: dict[str, Effect]


@dataclass(frozen=True)
class GameData:
    """The scenario-derived inputs of the payoff model (immutable arrays and labels)."""

    scenario_id: str
    actors: tuple[str, ...]
    cap: np.ndarray
    threat: np.ndarray
    focal: str
    patron: str
    rival: str | None
    alternatives: tuple[str, ...]
    players: tuple[str, ...]
    responses: dict[str, tuple[ResponseSpec, ...]]
    issues: tuple[str, ...]
    positions: np.ndarray
    saliences: np.ndarray
    scale_width: np.ndarray
    options: tuple[str, ...]
    option_names: tuple[str, ...]
    status_quo_option: str | None
    alignment: np.ndarray
    stance: np.ndarray
    base_params: dict[str, float]
    option_effects: dict[str, dict[str, Effect]]
    shocks: tuple[ShockSpec, ...]
    framing: Framing
    trace: dict[str, list[str]] = field(default_factory=dict)
    #: display name of each actor (its id when it has none)
    actor_names: dict[str, str] = field(default_factory=dict)

    def index(self, actor: str) -> int:
        """Position of ``actor`` in :attr:`actors`."""
        return self.actors.index(actor)

    @property
    def contestants(self) -> tuple[str, ...]:
        """Actors competing for the focal state's alignment: patron, rival and alternatives."""
        out = [self.patron] + ([self.rival] if self.rival else []) + list(self.alternatives)
        return tuple(dict.fromkeys(out))

    @property
    def all_players(self) -> tuple[str, ...]:
        """The focal state followed by the responding players in move order."""
        return (self.focal, *self.players)


def _posture(resp_id: str, given: float | None) -> float:
    if given is not None:
        return float(given)
    if resp_id in CONVENTIONAL_POSTURES:
        return CONVENTIONAL_POSTURES[resp_id]
    raise ModelError(
        f"response {resp_id!r} has no posture: give `posture` (-1 hostile .. 1 supportive) in "
        f"game.responses, or use a conventional id ({', '.join(sorted(CONVENTIONAL_POSTURES))})"
    )


def game_data(
    scenario: Scenario,
    framing: Framing | None = None,
    overrides: Mapping[str, float] | None = None,
) -> GameData:
    """Collect the payoff model's inputs from ``scenario`` (ModelError if it has no game).

    ``overrides`` replaces nominal values of game parameters (names without the ``game.``
    prefix) before option and shock effects apply; sweeps use it. Every key of
    ``game.parameters`` must name a parameter the model reads, for an actor of the scenario
    (:func:`melian.games.parameters.check_parameters`: an InputError located in the file, not a
    default silently used in place of a misspelled parameter).
    """
    g = scenario.game
    if g is None or scenario.focal is None:
        raise ModelError(f"scenario {scenario.id!r} has no game section (or no focal actor)")
    check_parameters(scenario)
    fr: Framing = framing or g.framing
    if fr not in FRAMINGS:
        raise ModelError(f"unknown framing {fr!r} (use zero-sum or variable-sum)")
    caps = capabilities(scenario)
    actors = tuple(a.id for a in scenario.actors)
    idx = {a: i for i, a in enumerate(actors)}
    n = len(actors)
    cap = np.array([caps[a] for a in actors], dtype=float)
    threat = np.zeros((n, n))
    for th in scenario.relations.threats:
        threat[idx[th.perceiver], idx[th.target]] = th.level
    issues = tuple(i.id for i in scenario.issues)
    k = len(issues)
    pos = np.full((n, k), np.nan)
    sal = np.zeros((n, k))
    width = np.ones(k)
    smax = scenario.salience_scale.max
    for j, iss in enumerate(scenario.issues):
        width[j] = iss.scale.max - iss.scale.min
        for p in iss.positions:
            pos[idx[p.actor], j] = p.position
            sal[idx[p.actor], j] = p.salience / smax
    focal = scenario.focal.actor
    opts = scenario.focal.options
    align = np.zeros((len(opts), n))
    stance = np.tile(np.nan_to_num(pos[idx[focal]], nan=0.0), (len(opts), 1))
    for o, opt in enumerate(opts):
        for a, v in opt.alignment.items():
            align[o, idx[a]] = v
        for i_id, v in opt.stance.items():
            stance[o, issues.index(i_id)] = v
    for i_id in issues:  # issues where the focal actor has no position and no stance: no pull
        j = issues.index(i_id)
        if np.isnan(pos[idx[focal], j]):
            for o, opt in enumerate(opts):
                if i_id not in opt.stance:
                    stance[o, j] = np.nan
    params = {name: p.nominal for name, p in g.parameters.items()}
    for name, v in (overrides or {}).items():
        params[name] = float(v)
    responses = {
        pl: tuple(
            ResponseSpec(r.id, r.name, _posture(r.id, getattr(r, "posture", None)))
            for r in g.responses[pl]
        )
        for pl in g.players
    }
    for pl, rs in responses.items():
        if not rs:
            raise ModelError(f"player {pl!r} has no responses")
    opt_eff = {
        o.id: {k[5:]: e for k, e in o.effects.items() if k.startswith("game.")} for o in opts
    }
    shocks = tuple(
        ShockSpec(
            sh.id,
            sh.name,
            float(np.clip(sh.probability.nominal, 0.0, 1.0)),
            {k[5:]: e for k, e in sh.effects.items() if k.startswith("game.")},
        )
        for sh in g.shocks
    )
    if len(shocks) > 6:
        raise LimitError(f"the game has {len(shocks)} shocks; at most 6 are supported (2^6 states)")
    sq = next((o.id for o in opts if o.status_quo), None)
    data = GameData(
        scenario_id=scenario.id,
        actors=actors,
        cap=cap,
        threat=threat,
        focal=focal,
        patron=g.patron,
        rival=g.rival,
        alternatives=tuple(g.alternatives),
        players=tuple(g.players),
        responses=responses,
        issues=issues,
        positions=pos,
        saliences=sal,
        scale_width=width,
        options=tuple(o.id for o in opts),
        option_names=tuple(o.name for o in opts),
        status_quo_option=sq,
        alignment=align,
        stance=stance,
        base_params=params,
        option_effects=opt_eff,
        shocks=shocks,
        framing=fr,
        actor_names={a.id: (getattr(a, "name", None) or a.id) for a in scenario.actors},
    )
    object.__setattr__(data, "trace", _trace(scenario, data))
    return data


def with_parameters(
    data: GameData, overrides: Mapping[str, float] | None = None, framing: Framing | None = None
) -> GameData:
    """A copy of ``data`` with some game parameters' nominal values replaced (and/or another
    framing): cheaper than :func:`game_data` for sweeps, which rebuild the game many times.
    """
    params = dict(data.base_params)
    params.update({k: float(v) for k, v in (overrides or {}).items()})
    return replace(data, base_params=params, framing=framing or data.framing)


def _trace(s: Scenario, d: GameData) -> dict[str, list[str]]:
    """Which scenario data each component reads (for display and audit)."""
    thr = [
        f"relations.threats: {t.perceiver}->{t.target} ({t.level:g})"
        for t in s.relations.threats
        if t.perceiver in d.all_players
    ]
    caps = [f"actors.{a}.capability" for a in d.actors]
    par = sorted(f"game.parameters.{k}" for k in d.base_params)
    return {
        "security": caps
        + thr
        + ["focal.options[*].alignment", "game.responses[*].posture"]
        + [
            p
            for p in par
            if p.split(".")[2]
            in ("security_weight", "security_provision", "threat_multiplier", "hostile_threat")
        ],
        "autonomy": [f"issues.{i}.positions" for i in d.issues]
        + ["focal.options[*].stance"]
        + [p for p in par if p.split(".")[2] in ("autonomy_weight", "influence")],
        "economy": ["focal.options[*].alignment", "game.responses[*].posture"]
        + [p for p in par if p.split(".")[2] in ("aid", "harm", "economy_weight")],
        "contest": ["focal.options[*].alignment", f"game.framing ({d.framing})"]
        + thr
        + [p for p in par if p.split(".")[2] in ("contest_stake", "conflict")],
        "abandonment": thr + caps + [p for p in par if p.split(".")[2] == "abandonment_risk"],
        "entrapment": thr + [p for p in par if p.split(".")[2] == "entrapment_risk"],
        "cost": ["game.responses[*].posture"]
        + [p for p in par if p.split(".")[2] in ("support_cost", "hostility_cost")],
    }


class Params:
    """Parameter lookup with per-actor overrides (``name.actor``) and documented defaults."""

    def __init__(self, values: Mapping[str, float]) -> None:
        self.values = dict(values)
        self._arrays: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}

    def array(self, name: str, actors: tuple[str, ...]) -> np.ndarray:
        """``get(name, actor)`` for every actor, as an array (memoised)."""
        key = (name, actors)
        if key not in self._arrays:
            self._arrays[key] = np.array([self.get(name, a) for a in actors], dtype=float)
        return self._arrays[key]

    def get(self, name: str, actor: str | None = None, default: float | None = None) -> float:
        """The value of ``name`` for ``actor``: ``name.actor``, else ``name``, else the default."""
        if actor is not None and f"{name}.{actor}" in self.values:
            return self.values[f"{name}.{actor}"]
        if name in self.values:
            return self.values[name]
        if default is not None:
            return default
        return PARAMETERS[name][0]


def params_for(data: GameData, option: str, shocks_on: tuple[bool, ...] = ()) -> Params:
    """Game parameters once the option's and the active shocks' effects are applied."""
    vals = dict(data.base_params)
    effects = list(data.option_effects.get(option, {}).items())
    for on, sh in zip(shocks_on, data.shocks, strict=False):
        if on:
            effects += list(sh.effects.items())
    for name, eff in effects:
        base_name = name
        if base_name in vals:
            base = vals[base_name]
        else:
            root = base_name.split(".")[0]
            actor = base_name.split(".", 1)[1] if "." in base_name else None
            base = Params(vals).get(root, actor) if root in PARAMETERS else 0.0
        vals[name] = eff.apply(Distribution(value=base)).nominal
    return Params(vals)


def _conflict(d: GameData, p: Params, j: str, k: str) -> float:
    """Conflict intensity between two actors: ``conflict.j.k`` or the mean mutual threat level."""
    for key in (f"conflict.{j}.{k}", f"conflict.{k}.{j}"):
        if key in p.values:
            return p.values[key]
    ij, ik = d.index(j), d.index(k)
    return 0.5 * (d.threat[ij, ik] + d.threat[ik, ij])


def components(
    d: GameData, option: int, responses: tuple[int, ...], p: Params
) -> dict[str, dict[str, float]]:
    """The payoff components of every player at one outcome (contributions that sum to the total).

    ``option`` indexes :attr:`GameData.options`; ``responses`` gives each responding player's
    response index in :attr:`GameData.players` order. Returns ``{player: {component: value}}``
    with a ``total`` entry per player.
    """
    n = len(d.actors)
    f = d.index(d.focal)
    a = d.alignment[option]
    g = 0.5 * (1.0 + a)  # openness of the focal state to each actor under the option
    post = np.zeros(n)
    for ai, act in enumerate(d.actors):
        if act in d.alternatives and act not in d.players:
            v = p.get("posture", act, default=1.0)
            post[ai] = 1.0 if np.isnan(v) else v
        elif act != d.focal and f"posture.{act}" in p.values:
            post[ai] = p.values[f"posture.{act}"]
    for pl, r in zip(d.players, responses, strict=True):
        post[d.index(pl)] = d.responses[pl][r].posture
    pos_part = np.maximum(post, 0.0)
    neg_part = np.maximum(-post, 0.0)
    pos_part[f] = neg_part[f] = 0.0
    q = p.array("security_provision", d.actors)
    kappa = q * pos_part * g  # commitment of each actor to the focal state's defence
    kappa[f] = 0.0

    # threat levels: scenario levels x multipliers; hostile responders become threats to the focal
    mult = p.array("threat_multiplier", d.actors)
    theta = np.clip(d.threat * mult[None, :], 0.0, 1.0)
    eta = p.array("hostile_threat", d.actors)
    theta[f] = theta[f] + (1.0 - theta[f]) * neg_part * eta
    np.fill_diagonal(theta, 0.0)

    def eff_caps(kap: np.ndarray) -> np.ndarray:
        k = d.cap.copy()
        k[f] += float(kap @ d.cap)
        contrib = pos_part * g * q[f] * d.cap[f]  # the focal state's contribution to supporters
        contrib[f] = 0.0
        return k + contrib

    def security(kcap: np.ndarray) -> np.ndarray:
        # minus the threat exposure: each perceived threat weighted by the threat's share of the
        # dyad's aggregated capability (0 = fully secure)
        exposure = kcap[None, :] / (kcap[:, None] + kcap[None, :])
        return -np.sum(theta * exposure, axis=1)

    kcap = eff_caps(kappa)
    sec = security(kcap)

    # autonomy: policy outcome pulled from the focal stance toward supporters' positions
    lam = p.array("influence", d.actors) * pos_part * g
    lam[f] = 0.0
    stance = d.stance[option]
    w_pull = lam * d.cap
    num = d.cap[f] * stance + np.nansum(w_pull[:, None] * d.positions, axis=0)
    den = d.cap[f] + np.sum(np.where(np.isnan(d.positions), 0.0, w_pull[:, None]), axis=0)
    x = np.where(np.isnan(stance), np.nan, num / den)
    dist = np.abs(x[None, :] - d.positions) / d.scale_width[None, :]
    auto = -np.nansum(np.where(np.isnan(dist), 0.0, d.saliences * dist), axis=1)

    aid = p.array("aid", d.actors)
    harm = p.array("harm", d.actors)
    econ_f = float(np.sum(aid * pos_part * g - harm * neg_part))

    rival = d.index(d.rival) if d.rival else None
    cons = d.contestants
    out: dict[str, dict[str, float]] = {}

    # --- focal state
    ws = p.get("security_weight", d.focal)
    wa = p.get("autonomy_weight", d.focal)
    wa = 1.0 - ws if np.isnan(wa) else wa
    we = p.get("economy_weight", d.focal)
    ab = 0.0
    en = 0.0
    patrons = [x_ for x_ in (d.patron, *d.alternatives) if x_ != d.focal]
    for j in np.nonzero(kappa > 0)[0]:
        jid = d.actors[j]
        kap_wo = kappa.copy()
        kap_wo[j] = 0.0
        loss = sec[f] - security(eff_caps(kap_wo))[f]
        interest = _conflict(d, p, jid, d.rival) if d.rival and jid != d.rival else 0.0
        others = [d.index(k) for k in patrons if k != jid]
        alt_cap = float(sum(q[k] * d.cap[k] * g[k] for k in others))
        alt = alt_cap / (alt_cap + q[j] * d.cap[j]) if alt_cap > 0 else 0.0
        p_ab = p.get("abandonment_risk", jid) * (1.0 - interest) * (1.0 - alt)
        ab += ws * p_ab * loss
        if rival is not None and j != rival:
            exposure = d.cap[rival] / (d.cap[rival] + d.cap[f])
            en += (
                ws
                * p.get("entrapment_risk", jid)
                * pos_part[j]
                * g[j]
                * _conflict(d, p, jid, d.rival)
                * exposure
            )  # type: ignore[arg-type]
    fc = {
        "security": ws * sec[f],
        "autonomy": wa * auto[f],
        "economy": we * econ_f,
        "abandonment": -ab,
        "entrapment": -en,
    }
    fc["total"] = float(sum(fc.values()))
    out[d.focal] = {k: float(v) for k, v in fc.items()}

    # --- responding players
    for pl in d.players:
        j = d.index(pl)
        ws_j = p.get("security_weight", pl)
        wa_j = p.get("autonomy_weight", pl)
        wa_j = 1.0 - ws_j if np.isnan(wa_j) else wa_j
        contest = 0.0
        if pl in cons:
            stake = p.get("contest_stake", pl)
            strength = 1.0 + econ_f
            if d.framing == "zero-sum":
                orient = sum(
                    _conflict(d, p, pl, k) * (a[j] - a[d.index(k)]) / 2.0 for k in cons if k != pl
                )
            else:
                orient = max(a[j], 0.0)
            contest = stake * strength * orient
        ab_j = 0.0
        en_j = 0.0
        if pos_part[j] > 0:
            defect = sum(_conflict(d, p, pl, k) * max(a[d.index(k)], 0.0) for k in cons if k != pl)
            ab_j = (
                p.get("abandonment_risk", pl)
                * pos_part[j]
                * p.get("support_cost", pl)
                * min(defect, 1.0)
            )
            drag = sum(
                theta[f, t] * d.cap[t] / (d.cap[t] + kcap[j]) for t in range(n) if t not in (f, j)
            )
            en_j = ws_j * p.get("entrapment_risk", pl) * pos_part[j] * g[j] * drag
        cost = p.get("support_cost", pl) * pos_part[j] + p.get("hostility_cost", pl) * neg_part[j]
        rc = {
            "security": ws_j * sec[j],
            "autonomy": wa_j * auto[j],
            "contest": contest,
            "abandonment": -ab_j,
            "entrapment": -en_j,
            "cost": -cost,
        }
        rc["total"] = float(sum(rc.values()))
        out[pl] = {k: float(v) for k, v in rc.items()}
    return out
