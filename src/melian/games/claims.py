"""The paper's strategic claims as checkable propositions about the alliance game.

Each claim is evaluated on the game built from the scenario under one framing and one parameter
set: best responses are read from the normal form (expected payoffs over shocks), equilibrium
behaviour from the pure subgame-perfect equilibria of the extensive form (every SPE, so a claim
"holds" only if it holds in all of them). The options and responses a claim speaks about are
identified from the scenario's data, never by name:

* the **alliance option**: the option most aligned with the patron (alignment > 0);
* the **defection option** ("demand withdrawal"): the option least aligned with the patron (< 0);
* the **pivot option**: the option most aligned with an alternative patron, among options
  aligned more with it than with the patron;
* the **status-quo option**: the option flagged ``status_quo`` (else the one whose alignment with
  the patron is closest to 0);
* **supportive** responses have the largest posture; **hostile** ones a negative posture.

Claims follow the seed paper (Matar 2020, the built-in scenario's source): sections Second
("whoever is not with me is against me"), Fourth (the dark scenario), Fifth (an alternative
patron), Sixth (the rival's fears) and the Conclusion.
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


@dataclass(frozen=True)
class ClaimResult:
    """One claim under one framing: whether it holds, and the evidence."""

    id: str
    statement: str
    framing: str
    holds: bool | None
    detail: str
    values: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        return {
            "id": self.id,
            "statement": self.statement,
            "framing": self.framing,
            "holds": self.holds,
            "detail": self.detail,
            "values": self.values,
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


def _resp_label(ctx: ClaimContext, resp: tuple[int, ...]) -> str:
    return "/".join(
        ctx.data.responses[p][r].id for p, r in zip(ctx.data.players, resp, strict=True)
    )


def _all_spe(ctx: ClaimContext, test: Callable[[SubgamePerfect], bool]) -> bool:
    return all(test(s) for s in ctx.spe)


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
    return ok, detail, {"margin": margin}


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
            path = (*ctx.prefix(k), d.options[r.ally])
            resp = []
            for j, pl in enumerate(d.players):
                act = d.responses[pl][r.support].id if j == pi else s.strategy[path]
                resp.append([x.id for x in d.responses[pl]].index(act))
                path = (*path, act)
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
        {"gain_focal": gains[d.focal], "gain_patron": gains[d.patron]},
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
        {"security_pivot": vals["pivot"][0], "security_ally": vals["ally"][0]},
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
    """The focal state is better off allied with the patron than having defected from it."""
    r, d = ctx.roles, ctx.data
    if r.ally is None or r.defect is None:
        return None, "no alliance or defection option", {}
    ua = [ctx.expected(s, r.ally, d.focal) for s in ctx.spe]
    ud = [ctx.expected(s, r.defect, d.focal) for s in ctx.spe]
    ok = all(a > b for a, b in zip(ua, ud, strict=True))
    return (
        ok,
        (
            f"{d.focal}: {d.options[r.ally]} {ua[0]:.3g} vs {d.options[r.defect]} {ud[0]:.3g} "
            "(equilibrium replies)"
        ),
        {"utility_ally": ua[0], "utility_defect": ud[0]},
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


#: id -> (statement, evaluator, where in the paper)
CLAIMS: dict[
    str, tuple[str, Callable[[ClaimContext], tuple[bool | None, str, dict[str, float]]], str]
] = {
    "ally-best-response": (
        "Allying with the patron is the focal state's best response when the patron supports",
        claim_best_response,
        "Third / Conclusion",
    ),
    "defection-sanctioned": (
        "Demanding withdrawal (defecting from the patron) leads to sanctions in equilibrium",
        claim_defection_sanctioned,
        "Fourth: the dark scenario",
    ),
    "small-state-gains-more": (
        "The small state's gain from the alliance exceeds the patron's",
        claim_small_gains_more,
        "Conclusion",
    ),
    "small-state-gains-more-security": (
        "The small state's security gain from the alliance exceeds the patron's",
        lambda ctx: claim_small_gains_more(ctx, "security"),
        "Conclusion (Morrow's asymmetry)",
    ),
    "pivot-less-secure": (
        "Pivoting to the alternative patron leaves the focal state less secure than the alliance",
        claim_pivot_less_secure,
        "Fifth: alternatives",
    ),
    "pivot-provokes-patron": (
        "Pivoting to the alternative patron provokes the patron's hostility",
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


def evaluate_claims(ctx: ClaimContext) -> list[ClaimResult]:
    """Evaluate every claim of :data:`CLAIMS` in ``ctx``."""
    out = []
    for cid, (statement, fn, _) in CLAIMS.items():
        holds, detail, values = fn(ctx)
        if any(sp.truncated for sp in ctx.spe):
            detail += f" [payoff ties: verdict over the first {len(ctx.spe)} SPE only]"
        out.append(ClaimResult(cid, statement, ctx.data.framing, holds, detail, values))
    return out
