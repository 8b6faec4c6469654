"""Alliance-theory propositions (the seed paper's claims) as checkable statements about the game.

Each claim is evaluated on the game built from the scenario under one framing and one parameter
set: best responses are read from the normal form (expected payoffs over shocks), equilibrium
behaviour from the pure subgame-perfect equilibria of the extensive form (every SPE, so a claim
"holds" only if it holds in all of them). The options and responses a claim speaks about are
identified from the scenario's data, never by name:

* the **alliance option**: the option most aligned with the patron (alignment > 0);
* the **defection option**: the option least aligned with the patron (< 0); it may also be the
  pivot option when no other option turns from the patron (one option, two roles);
* the **pivot option**: the option most aligned with an alternative patron, among options
  aligned more with it than with the patron;
* the **status-quo option**: the option flagged ``status_quo`` (else the one whose alignment with
  the patron is closest to 0);
* **supportive** responses have the largest posture; **hostile** ones a negative posture.

The propositions follow the seed paper of the first built-in scenario (sections Second, "whoever
is not with me is against me"; Fourth, the dark scenario; Fifth, an alternative patron; Sixth,
the rival's fears; and the Conclusion), which states them as general propositions of alliance
theory. They are the *source's claims* only for a scenario that records the option its source
recommends (:func:`claims_source`); otherwise they are alliance-theory propositions. Each result
states its proposition in the scenario's own terms (:func:`statement`: its option, actor and
response ids), so a pivot is not called a withdrawal and a hostile response is named as the
scenario names it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from melian.games.build import ExtensiveForm, LeafTable, NormalForm, shock_states
from melian.games.payoffs import GameData
from melian.games.solve import SubgamePerfect
from melian.scenario.schema import Scenario


@dataclass(frozen=True)
class Roles:
    """Indices of the options and responses the claims refer to (None when absent)."""

    ally: int | None
    defect: int | None
    pivot: int | None
    status_quo: int | None
    support: int
    hostile: tuple[int, ...]
    rival_hostile: tuple[int, ...]


def roles(d: GameData) -> Roles:
    """Identify the claim-relevant options and responses from alignments and postures."""
    pi = d.index(d.patron)
    a = d.alignment
    ally = int(np.argmax(a[:, pi])) if a[:, pi].max() > 0 else None
    defect = int(np.argmin(a[:, pi])) if a[:, pi].min() < 0 else None
    pivot = None
    best = -np.inf
    for alt in d.alternatives:
        ai = d.index(alt)
        for o in range(len(d.options)):
            if a[o, ai] > a[o, pi] and a[o, ai] > best:
                pivot, best = o, a[o, ai]
    if d.status_quo_option is not None:
        sq = d.options.index(d.status_quo_option)
    else:
        sq = int(np.argmin(np.abs(a[:, pi])))
    presp = d.responses[d.patron] if d.patron in d.players else ()
    support = int(np.argmax([r.posture for r in presp])) if presp else -1
    hostile = tuple(i for i, r in enumerate(presp) if r.posture < 0)
    rresp = d.responses[d.rival] if d.rival in d.players else ()
    return Roles(
        ally,
        defect,
        pivot,
        sq,
        support,
        hostile,
        tuple(i for i, r in enumerate(rresp) if r.posture < 0),
    )


#: A verdict that compares payoffs is *narrow* when the difference it rests on is below this
#: share of the range of the payoffs compared (across every leaf of the game). The payoffs are
#: judgements whose own uncertainty is far larger than 1% of their range (the game's sweeps
#: show where verdicts change), so such a verdict is reported, but flagged.
NARROW_SHARE = 0.01


@dataclass(frozen=True)
class ClaimResult:
    """One claim under one framing: whether it holds, and the evidence.

    ``narrow``: the verdict rests on a payoff difference below :data:`NARROW_SHARE` of the
    payoffs' range (``values["margin"]`` and ``values["scale"]``).
    """

    id: str
    statement: str
    framing: str
    holds: bool | None
    detail: str
    values: dict[str, float] = field(default_factory=dict)
    narrow: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        return {
            "id": self.id,
            "statement": self.statement,
            "framing": self.framing,
            "holds": self.holds,
            "detail": self.detail,
            "values": self.values,
            "narrow": self.narrow,
        }


@dataclass
class ClaimContext:
    """Everything a claim needs: data, both forms, their leaf components and the SPE list."""

    data: GameData
    nf: NormalForm
    ef: ExtensiveForm
    leaves: LeafTable
    spe: list[SubgamePerfect]
    roles: Roles = field(init=False)

    def __post_init__(self) -> None:
        self.roles = roles(self.data)
        self.states = [s[2] for s in shock_states(self.data)]
        self.probs = [s[1] for s in shock_states(self.data)]

    def prefix(self, state: int) -> tuple[str, ...]:
        """Action path of the focal actor's decision node in shock state ``state``."""
        return (self.states[state],) if self.data.shocks else ()

    def continuation(self, spe: SubgamePerfect, option: int, state: int) -> tuple[int, ...]:
        """Responses (indices) the SPE prescribes after ``option`` in ``state``."""
        d = self.data
        path = (*self.prefix(state), d.options[option])
        out = []
        for pl in d.players:
            act = spe.strategy[path]
            out.append([r.id for r in d.responses[pl]].index(act))
            path = (*path, act)
        return tuple(out)

    def expected(self, spe: SubgamePerfect, option: int, player: str, comp: str = "total") -> float:
        """Expected (over shocks) ``comp`` of ``player`` if the focal actor takes ``option``."""
        return float(
            sum(
                p * self.leaves[(k, (option, *self.continuation(spe, option, k)))][player][comp]
                for k, p in enumerate(self.probs)
            )
        )


def _leaf_range(ctx: ClaimContext, players: tuple[str, ...], comp: str = "total") -> float:
    """The largest range (max - min over every leaf of the game) of ``comp`` among ``players``:
    the scale against which a payoff difference is judged narrow (:data:`NARROW_SHARE`).
    """
    out = 0.0
    for p in players:
        v = [leaf[p][comp] for leaf in ctx.leaves.values() if comp in leaf.get(p, {})]
        if v:
            out = max(out, float(max(v) - min(v)))
    return out


def _resp_label(ctx: ClaimContext, resp: tuple[int, ...]) -> str:
    return "/".join(
        ctx.data.responses[p][r].id for p, r in zip(ctx.data.players, resp, strict=True)
    )


def _all_spe(ctx: ClaimContext, test: Callable[[SubgamePerfect], bool]) -> bool:
    return all(test(s) for s in ctx.spe)


def forced_continuation(
    ctx: ClaimContext,
    spe: SubgamePerfect,
    option: int,
    state: int,
    forced: dict[int, int],
) -> tuple[int, ...]:
    """Responses (indices) after ``option`` in ``state`` when the players at the indices of
    ``forced`` play the given responses and every other player its SPE reply to what it sees.
    """
    d = ctx.data
    path = (*ctx.prefix(state), d.options[option])
    out = []
    for j, pl in enumerate(d.players):
        act = d.responses[pl][forced[j]].id if j in forced else spe.strategy[path]
        out.append([x.id for x in d.responses[pl]].index(act))
        path = (*path, act)
    return tuple(out)


def _hostile_reply(ctx: ClaimContext, spe: SubgamePerfect, option: int, state: int) -> int:
    """The patron's hostile response after ``option`` in ``state``: its SPE reply when that is
    hostile, else the hostile response the patron itself values most (the others replying to it
    at their SPE strategies), the enmity the patron would choose if it turned hostile.
    """
    r, d = ctx.roles, ctx.data
    pi = d.players.index(d.patron)
    eq = ctx.continuation(spe, option, state)[pi]
    if eq in r.hostile:
        return eq

    def value(h: int) -> float:
        resp = forced_continuation(ctx, spe, option, state, {pi: h})
        return float(ctx.leaves[(state, (option, *resp))][d.patron]["total"])

    return max(r.hostile, key=value)


def claim_best_response(ctx: ClaimContext) -> tuple[bool | None, str, dict[str, float]]:
    """Allying is the focal best response to patron support, whatever the others do."""
    r, d, nf = ctx.roles, ctx.data, ctx.nf
    if r.ally is None or r.support < 0:
        return None, "no alliance option or the patron is not a player", {}
    pi = d.players.index(d.patron)
    others = [range(len(d.responses[p])) for k, p in enumerate(d.players) if k != pi]
    fails = []
    margin = np.inf
    for combo in itertools.product(*others):
        resp = list(combo)
        resp.insert(pi, r.support)
        col = nf.payoffs[(0, slice(None), *resp)]
        others_best = max(v for o, v in enumerate(col) if o != r.ally)
        margin = min(margin, float(col[r.ally] - others_best))
        if int(np.argmax(col)) != r.ally:
            fails.append(
                f"{_resp_label(ctx, tuple(resp))}: best is {d.options[int(np.argmax(col))]}"
            )
    ok = not fails
    detail = (
        f"{d.options[r.ally]} is the best response to {d.responses[d.patron][r.support].id} "
        f"for every reply of the others (margin {margin:.3g})"
        if ok
        else "; ".join(fails)
    )
    return ok, detail, {"margin": margin, "scale": _leaf_range(ctx, (d.focal,))}


def _patron_hostile_after(ctx: ClaimContext, option: int) -> tuple[bool, set[str]]:
    """Whether the patron's SPE reply to ``option`` is hostile in every shock state and every
    subgame-perfect equilibrium, and the replies seen.
    """
    r, d = ctx.roles, ctx.data
    pi = d.players.index(d.patron)
    seen: set[str] = set()

    def test(s: SubgamePerfect) -> bool:
        ok = True
        for k in range(len(ctx.states)):
            resp = ctx.continuation(s, option, k)
            seen.add(d.responses[d.patron][resp[pi]].id)
            ok &= resp[pi] in r.hostile
        return ok

    return _all_spe(ctx, test), seen


def claim_defection_sanctioned(ctx: ClaimContext) -> tuple[bool | None, str, dict[str, float]]:
    """After the defection option the patron's SPE response is hostile in every shock state."""
    r, d = ctx.roles, ctx.data
    if r.defect is None or not r.hostile:
        return None, "no defection option or no hostile patron response", {}
    ok, seen = _patron_hostile_after(ctx, r.defect)
    return (
        ok,
        (
            f"after {d.options[r.defect]} the patron plays {', '.join(sorted(seen))} "
            "in subgame-perfect equilibrium"
        ),
        {},
    )


def claim_small_gains_more(
    ctx: ClaimContext, comp: str = "total"
) -> tuple[bool | None, str, dict[str, float]]:
    """The focal state's gain from the alliance exceeds the patron's (SPE continuations)."""
    r, d = ctx.roles, ctx.data
    if r.ally is None or r.status_quo is None or r.support < 0:
        return None, "no alliance or status-quo option", {}
    pi = d.players.index(d.patron)
    s = ctx.spe[0]
    gains = {}
    for who in (d.focal, d.patron):
        # alliance: the alliance option with patron support, others at their SPE replies
        tot = 0.0
        for k, p in enumerate(ctx.probs):
            resp = forced_continuation(ctx, s, r.ally, k, {pi: r.support})
            alliance = ctx.leaves[(k, (r.ally, *resp))][who][comp]
            base = ctx.leaves[(k, (r.status_quo, *ctx.continuation(s, r.status_quo, k)))][who][comp]
            tot += p * (alliance - base)
        gains[who] = tot
    ok = gains[d.focal] > gains[d.patron]
    return (
        ok,
        (
            f"{comp}: gain of {d.focal} {gains[d.focal]:.3g} vs {d.patron} "
            f"{gains[d.patron]:.3g} ({d.options[r.ally]} with support against "
            f"{d.options[r.status_quo]} at equilibrium replies)"
        ),
        {
            "gain_focal": gains[d.focal],
            "gain_patron": gains[d.patron],
            "margin": gains[d.focal] - gains[d.patron],
            "scale": _leaf_range(ctx, (d.focal, d.patron), comp),
        },
    )


def claim_pivot_less_secure(ctx: ClaimContext) -> tuple[bool | None, str, dict[str, float]]:
    """The focal state's security after the pivot is below its security after the alliance."""
    r, d = ctx.roles, ctx.data
    if r.pivot is None or r.ally is None:
        return None, "no pivot or alliance option", {}
    vals = {"pivot": [], "ally": []}
    for s in ctx.spe:
        vals["pivot"].append(ctx.expected(s, r.pivot, d.focal, "security"))
        vals["ally"].append(ctx.expected(s, r.ally, d.focal, "security"))
    ok = all(p < a for p, a in zip(vals["pivot"], vals["ally"], strict=True))
    return (
        ok,
        (
            f"security of {d.focal}: {d.options[r.pivot]} {vals['pivot'][0]:.3g} vs "
            f"{d.options[r.ally]} {vals['ally'][0]:.3g} (equilibrium replies)"
        ),
        {
            "security_pivot": vals["pivot"][0],
            "security_ally": vals["ally"][0],
            "margin": min(a - p for p, a in zip(vals["pivot"], vals["ally"], strict=True)),
            "scale": _leaf_range(ctx, (d.focal,), "security"),
        },
    )


def claim_rival_accepts(ctx: ClaimContext) -> tuple[bool | None, str, dict[str, float]]:
    """The rival does not turn hostile when the focal state allies with the patron."""
    r, d = ctx.roles, ctx.data
    if r.ally is None or d.rival not in d.players:
        return None, "no alliance option or the rival is not a player", {}
    ri = d.players.index(d.rival)  # type: ignore[arg-type]
    seen = set()

    def test(s: SubgamePerfect) -> bool:
        ok = True
        for k in range(len(ctx.states)):
            resp = ctx.continuation(s, r.ally, k)  # type: ignore[arg-type]
            seen.add(d.responses[d.rival][resp[ri]].id)  # type: ignore[index]
            ok &= resp[ri] not in r.rival_hostile
        return ok

    ok = _all_spe(ctx, test)
    return ok, f"after {d.options[r.ally]} the rival plays {', '.join(sorted(seen))}", {}


def claim_alliance_beats_enmity(ctx: ClaimContext) -> tuple[bool | None, str, dict[str, float]]:
    """The focal state is better off allied with the patron than having it as an enemy.

    Alliance: the alliance option with the patron's support. Enmity: the defection option with a
    hostile patron response (its SPE reply when hostile, else the hostile response the patron
    values most). The other players reply at their SPE strategies; expected over shocks, in
    every SPE.
    """
    r, d = ctx.roles, ctx.data
    if r.ally is None or r.defect is None:
        return None, "no alliance or defection option", {}
    if r.support < 0 or not r.hostile:
        return None, "the patron is not a player with a supportive and a hostile response", {}
    pi = d.players.index(d.patron)
    ua, ud, seen = [], [], set()
    for s in ctx.spe:
        a = e = 0.0
        for k, p in enumerate(ctx.probs):
            ally = forced_continuation(ctx, s, r.ally, k, {pi: r.support})
            a += p * ctx.leaves[(k, (r.ally, *ally))][d.focal]["total"]
            h = _hostile_reply(ctx, s, r.defect, k)
            seen.add(d.responses[d.patron][h].id)
            enemy = forced_continuation(ctx, s, r.defect, k, {pi: h})
            e += p * ctx.leaves[(k, (r.defect, *enemy))][d.focal]["total"]
        ua.append(float(a))
        ud.append(float(e))
    ok = all(a > b for a, b in zip(ua, ud, strict=True))
    support = d.responses[d.patron][r.support].id
    return (
        ok,
        (
            f"{d.focal}: {d.options[r.ally]} with {d.patron} playing {support} {ua[0]:.3g} vs "
            f"{d.options[r.defect]} with {d.patron} playing {', '.join(sorted(seen))} "
            f"{ud[0]:.3g} (the others at equilibrium replies)"
        ),
        {
            "utility_ally": ua[0],
            "utility_defect": ud[0],
            "margin": min(a - b for a, b in zip(ua, ud, strict=True)),
            "scale": _leaf_range(ctx, (d.focal,)),
        },
    )


def claim_alliance_chosen(ctx: ClaimContext) -> tuple[bool | None, str, dict[str, float]]:
    """The focal state allies with the patron in every SPE and every shock state."""
    r, d = ctx.roles, ctx.data
    if r.ally is None:
        return None, "no alliance option", {}
    chosen = set()

    def test(s: SubgamePerfect) -> bool:
        ok = True
        for k in range(len(ctx.states)):
            a = s.strategy[ctx.prefix(k)]
            chosen.add(a if not d.shocks else f"{a} ({ctx.states[k]})")
            ok &= a == d.options[r.ally]
        return ok

    ok = _all_spe(ctx, test)
    return ok, "equilibrium choice: " + ", ".join(sorted(chosen)), {}


def claim_pivot_provokes(ctx: ClaimContext) -> tuple[bool | None, str, dict[str, float]]:
    """The patron answers the pivot to the alternative with hostility (zero-sum reaction)."""
    r, d = ctx.roles, ctx.data
    if r.pivot is None or not r.hostile:
        return None, "no pivot option or no hostile patron response", {}
    ok, seen = _patron_hostile_after(ctx, r.pivot)
    return ok, f"after {d.options[r.pivot]} the patron plays {', '.join(sorted(seen))}", {}


def claims_source(scenario: Scenario) -> str | None:
    """The source the scenario cites for the propositions the game checks, if it cites one.

    The propositions are a source's claims only where the scenario says so
    (``game.claims_source``: the seed paper of the first built-in case argues them); a source
    that recommends an option has not thereby made them. Otherwise they are general
    alliance-theory propositions and no source is claimed.
    """
    return None if scenario.game is None else scenario.game.claims_source


def claims_title(scenario: Scenario) -> str:
    """The heading of the propositions checked on ``scenario``'s game."""
    src = claims_source(scenario)
    return f"The source's claims ({src})" if src else "Alliance-theory propositions"


def _ids(ctx: ClaimContext, player: str | None, idx: tuple[int, ...] | int) -> str:
    """Response ids of ``player`` at ``idx`` ("a or b")."""
    if player is None or player not in ctx.data.responses:
        return ""
    rs = ctx.data.responses[player]
    return " or ".join(
        f"'{rs[i].name or rs[i].id}'" for i in ((idx,) if isinstance(idx, int) else idx)
    )


def _turn_to(ctx: ClaimContext, option: int) -> str:
    """The alternative patron (or rival) ``option`` is most aligned with."""
    d = ctx.data
    alts = [a for a in (*d.alternatives, d.rival) if a is not None] or [d.patron]
    best = max(alts, key=lambda a: d.alignment[option, d.index(a)])
    return d.actor_names.get(best, best)


def statement(cid: str, ctx: ClaimContext) -> str:
    """Proposition ``cid`` worded in the scenario's terms (its option, actor and response names).

    Falls back to the generic wording of :data:`CLAIMS` when an option or response the
    proposition names has no role in the scenario.
    """
    r, d = ctx.roles, ctx.data
    o = [f"'{n or i}'" for i, n in zip(d.options, d.option_names, strict=True)]
    focal, patron = (d.actor_names.get(a, a) for a in (d.focal, d.patron))
    support = _ids(ctx, d.patron, r.support) if r.support >= 0 else ""
    hostile = _ids(ctx, d.patron, r.hostile)
    words: dict[str, Callable[[], str]] = {
        "ally-best-response": lambda: (
            f"Choosing {o[r.ally]} (allying with {patron}) is {focal}'s best response when "
            f"{patron} plays {support}"
        ),
        "defection-sanctioned": lambda: (
            f"Choosing {o[r.defect]} (turning from {patron}) brings a hostile response from "
            f"{patron} ({hostile}) in equilibrium"
        ),
        "small-state-gains-more": lambda: (
            f"{focal}'s gain from {o[r.ally]} with {patron} playing {support} exceeds the gain "
            f"of {patron}"
        ),
        "small-state-gains-more-security": lambda: (
            f"{focal}'s security gain from {o[r.ally]} with {patron} playing {support} exceeds "
            f"the security gain of {patron}"
        ),
        "pivot-less-secure": lambda: (
            f"Choosing {o[r.pivot]} (turning to {_turn_to(ctx, r.pivot)}) leaves {focal} less "
            f"secure than {o[r.ally]}"
        ),
        "pivot-provokes-patron": lambda: (
            f"Choosing {o[r.pivot]} (turning to {_turn_to(ctx, r.pivot)}) provokes a hostile "
            f"response from {patron} ({hostile})"
        ),
        "rival-accepts-alliance": lambda: (
            f"{d.actor_names.get(d.rival or '', d.rival)} does not answer {o[r.ally]} with a hostile response "
            f"({_ids(ctx, d.rival, r.rival_hostile)})"
        ),
        "alliance-beats-enmity": lambda: (
            f"{focal} is better off choosing {o[r.ally]} with {patron} playing {support} than "
            f"{o[r.defect]} with {patron} hostile ({hostile})"
        ),
        "alliance-in-equilibrium": lambda: (
            f"{focal} chooses {o[r.ally]} (allying with {patron}) in subgame-perfect equilibrium"
        ),
    }
    needs = {
        "ally-best-response": (r.ally, support),
        "defection-sanctioned": (r.defect, hostile),
        "small-state-gains-more": (r.ally, support),
        "small-state-gains-more-security": (r.ally, support),
        "pivot-less-secure": (r.pivot, r.ally),
        "pivot-provokes-patron": (r.pivot, hostile),
        "rival-accepts-alliance": (r.ally, d.rival in d.players and r.rival_hostile),
        "alliance-beats-enmity": (r.ally, r.defect, support, hostile),
        "alliance-in-equilibrium": (r.ally,),
    }
    if cid in words and all(
        x is not None and x is not False and x not in ("", ()) for x in needs[cid]
    ):
        return words[cid]()
    return CLAIMS[cid][0]


#: id -> (generic statement, evaluator, where in the seed paper)
CLAIMS: dict[
    str, tuple[str, Callable[[ClaimContext], tuple[bool | None, str, dict[str, float]]], str]
] = {
    "ally-best-response": (
        "Allying with the patron is the focal state's best response when the patron supports",
        claim_best_response,
        "Third / Conclusion",
    ),
    "defection-sanctioned": (
        "Defecting from the patron brings a hostile patron response in equilibrium",
        claim_defection_sanctioned,
        "Fourth: the dark scenario",
    ),
    "small-state-gains-more": (
        "The focal state's gain from the alliance exceeds the patron's",
        claim_small_gains_more,
        "Conclusion",
    ),
    "small-state-gains-more-security": (
        "The focal state's security gain from the alliance exceeds the patron's",
        lambda ctx: claim_small_gains_more(ctx, "security"),
        "Conclusion (Morrow's asymmetry)",
    ),
    "pivot-less-secure": (
        "Pivoting to an alternative patron leaves the focal state less secure than the alliance",
        claim_pivot_less_secure,
        "Fifth: alternatives",
    ),
    "pivot-provokes-patron": (
        "Pivoting to an alternative patron provokes the patron's hostility",
        claim_pivot_provokes,
        "Fifth: 'the zero game rules'",
    ),
    "rival-accepts-alliance": (
        "The rival accepts the focal state's alliance with the patron",
        claim_rival_accepts,
        "Sixth: the rival's fears",
    ),
    "alliance-beats-enmity": (
        "Being in alliance with the patron is better than having it as an enemy",
        claim_alliance_beats_enmity,
        "Conclusion",
    ),
    "alliance-in-equilibrium": (
        "The focal state allies with the patron in subgame-perfect equilibrium",
        claim_alliance_chosen,
        "Conclusion: 'the must-have alliance'",
    ),
}


def is_narrow(holds: bool | None, values: dict[str, float]) -> bool:
    """Whether a verdict rests on a payoff difference (``values["margin"]``) smaller than
    :data:`NARROW_SHARE` of the payoffs' range (``values["scale"]``); a claim that compares no
    payoffs, or a game whose payoffs do not vary, is never narrow.
    """
    if holds is None or "margin" not in values or not values.get("scale", 0.0) > 0:
        return False
    return bool(abs(values["margin"]) < NARROW_SHARE * values["scale"])


def evaluate_claims(ctx: ClaimContext) -> list[ClaimResult]:
    """Evaluate every claim of :data:`CLAIMS` in ``ctx``, each stated in the scenario's terms."""
    out = []
    for cid, (_, fn, _) in CLAIMS.items():
        holds, detail, values = fn(ctx)
        narrow = is_narrow(holds, values)
        if narrow:
            detail += (
                f" [narrow: the margin {values['margin']:.3g} is under "
                f"{NARROW_SHARE:.0%} of the payoffs' range {values['scale']:.3g}]"
            )
        if any(sp.truncated for sp in ctx.spe):
            detail += f" [payoff ties: verdict over the first {len(ctx.spe)} SPE only]"
        out.append(
            ClaimResult(cid, statement(cid, ctx), ctx.data.framing, holds, detail, values, narrow)
        )
    return out
