"""Solving the alliance games with pygambit, and checking every answer independently.

* Pure Nash equilibria: ``pygambit.nash.enumpure_solve`` on the game read from its .nfg, checked
  against a numpy enumeration of every profile.
* Mixed Nash equilibria: two players, ``enummixed_solve`` (all extreme equilibria, by vertex
  enumeration of the best-response polytopes, Mangasarian 1964 / Avis-Fukuda); three or more
  players, ``enumpoly_solve`` (support enumeration with polynomial systems, McKelvey-McLennan
  1996), which finds every isolated equilibrium when it succeeds; if it fails or exceeds its
  budget, ``gnm_solve`` (Govindan-Wilson 2003 global Newton method), which finds some.
* Subgame-perfect equilibria of the extensive form: backward induction (Kuhn 1953; Selten 1965)
  over every subgame, enumerating ties, computed here because ``lcp_solve`` on trees can return
  Nash equilibria that are not subgame-perfect. Each SPE is checked by the one-shot deviation
  principle at every decision node and by pygambit's own regret of the behaviour profile.
* The logit quantal-response equilibrium branch (McKelvey and Palfrey 1995), traced by
  ``pygambit.qre.logit_solve_branch`` from lambda = 0 (uniform play) toward a Nash equilibrium.

Every equilibrium reported passes :func:`max_regret` (no player gains more than ``tol`` by any
deviation), computed from the payoff arrays without Gambit.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from melian.errors import ModelError
from melian.games.build import ExtensiveForm, Node, NormalForm

TOL = 1e-7
MAX_SPE = 64


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Equilibrium:
    """A (pure or mixed) Nash equilibrium of a normal-form game, with its verification."""

    profile: dict[str, dict[str, float]]
    payoffs: dict[str, float]
    max_regret: float
    solver: str
    pure: bool

    def support(self) -> dict[str, list[str]]:
        """Strategies played with positive probability by each player."""
        return {p: [s for s, v in m.items() if v > 1e-9] for p, m in self.profile.items()}

    def label(self) -> str:
        """Short text: ``a / b / c`` for pure profiles, mixtures otherwise."""
        parts = []
        for m in self.profile.values():
            sup = {s: v for s, v in m.items() if v > 1e-9}
            if len(sup) == 1:
                parts.append(next(iter(sup)))
            else:
                parts.append("{" + ", ".join(f"{s}:{v:.3g}" for s, v in sup.items()) + "}")
        return " / ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        return {
            "profile": self.profile,
            "payoffs": self.payoffs,
            "max_regret": self.max_regret,
            "solver": self.solver,
            "pure": self.pure,
            "label": self.label(),
        }


@dataclass(frozen=True)
class SubgamePerfect:
    """A pure subgame-perfect equilibrium: an action at every decision node (by action path)."""

    strategy: dict[tuple[str, ...], str]
    payoffs: dict[str, float]
    path: list[tuple[tuple[str, ...], str]]
    max_deviation_gain: float
    gambit_regret: float | None = None
    truncated: bool = False

    def action_at(self, path: tuple[str, ...]) -> str:
        """The action chosen at the decision node reached by ``path``."""
        return self.strategy[path]

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (paths joined with ``/``; the root is ``""``)."""
        return {
            "strategy": {"/".join(k): v for k, v in self.strategy.items()},
            "payoffs": self.payoffs,
            "path": [{"at": "/".join(k), "action": a} for k, a in self.path],
            "max_deviation_gain": self.max_deviation_gain,
            "gambit_regret": self.gambit_regret,
            "list_truncated": self.truncated,
        }


@dataclass(frozen=True)
class QREPoint:
    """One point of the logit QRE branch: precision lambda and every player's mixed strategy."""

    lam: float
    profile: dict[str, dict[str, float]]

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        return {"lambda": self.lam, "profile": self.profile}


@dataclass
class Solution:
    """Every solution computed for a normal-form game."""

    pure: list[Equilibrium] = field(default_factory=list)
    mixed: list[Equilibrium] = field(default_factory=list)
    mixed_solver: str = ""
    mixed_complete: bool = False
    qre: list[QREPoint] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        return {
            "pure": [e.to_dict() for e in self.pure],
            "mixed": [e.to_dict() for e in self.mixed],
            "mixed_solver": self.mixed_solver,
            "mixed_complete": self.mixed_complete,
            "qre": [q.to_dict() for q in self.qre],
            "notes": self.notes,
        }


# --------------------------------------------------------------------------- verification
def strategy_values(payoffs: np.ndarray, sigma: list[np.ndarray], player: int) -> np.ndarray:
    """Expected payoff to ``player`` of each of its pure strategies against the others' mixtures."""
    arr = payoffs[player]
    for j in range(len(sigma) - 1, -1, -1):
        if j != player:
            arr = np.tensordot(arr, sigma[j], axes=([j], [0]))
    return np.asarray(arr, dtype=float)


def max_regret(nf: NormalForm, sigma: list[np.ndarray]) -> float:
    """Largest gain any player gets by deviating from the mixed profile ``sigma`` (0 at a NE)."""
    worst = 0.0
    for i in range(len(nf.players)):
        v = strategy_values(nf.payoffs, sigma, i)
        worst = max(worst, float(v.max() - v @ sigma[i]))
    return worst


def _sigma(nf: NormalForm, profile: Mapping[str, Mapping[str, float]]) -> list[np.ndarray]:
    out = []
    for p, st in zip(nf.players, nf.strategies, strict=True):
        v = np.array([float(profile[p].get(s, 0.0)) for s in st])
        tot = v.sum()
        if tot <= 0:
            raise ModelError(f"profile gives player {p!r} no strategy")
        out.append(v / tot)
    return out


def _make_eq(nf: NormalForm, sigma: list[np.ndarray], solver: str) -> Equilibrium:
    prof = {
        p: {s: float(x) for s, x in zip(st, sg, strict=True)}
        for p, st, sg in zip(nf.players, nf.strategies, sigma, strict=True)
    }
    pays = {
        p: float(strategy_values(nf.payoffs, sigma, i) @ sigma[i]) for i, p in enumerate(nf.players)
    }
    pure = all(np.isclose(sg.max(), 1.0) for sg in sigma)
    return Equilibrium(prof, pays, max_regret(nf, sigma), solver, bool(pure))


def _from_gambit(nf: NormalForm, eq: Any) -> list[np.ndarray]:  # noqa: ANN401
    return [
        np.array([float(eq[p][s]) for s in st])
        for p, st in zip(nf.players, nf.strategies, strict=True)
    ]


# --------------------------------------------------------------------------- normal form
def pure_equilibria_numpy(nf: NormalForm, tol: float = TOL) -> list[tuple[int, ...]]:
    """Every pure Nash equilibrium by direct enumeration (numpy, no Gambit)."""
    best = np.ones(nf.shape, dtype=bool)
    for i in range(len(nf.players)):
        best &= nf.payoffs[i] >= nf.payoffs[i].max(axis=i, keepdims=True) - tol
    return [tuple(int(x) for x in idx) for idx in np.argwhere(best)]


def pure_equilibria(nf: NormalForm, game: Any = None) -> list[Equilibrium]:  # noqa: ANN401
    """All pure Nash equilibria (pygambit ``enumpure_solve``), cross-checked with numpy."""
    import pygambit as gbt

    game = game if game is not None else nf.to_gambit()
    res = gbt.nash.enumpure_solve(game)
    eqs = [_make_eq(nf, _from_gambit(nf, e), "gambit:enumpure") for e in res.equilibria]
    # exact comparison: Gambit reads each float's shortest decimal repr, which preserves order
    mine = set(pure_equilibria_numpy(nf, tol=0.0))
    theirs = {tuple(int(np.argmax(s)) for s in _sigma(nf, e.profile)) for e in eqs}
    if mine != theirs:
        raise ModelError(
            f"pure equilibria disagree: gambit {sorted(theirs)} vs numpy {sorted(mine)}"
            " (payoff ties within float tolerance?)"
        )
    return eqs


def _dedupe(eqs: list[Equilibrium], tol: float = 1e-6) -> list[Equilibrium]:
    out: list[Equilibrium] = []
    for e in eqs:
        v = np.concatenate([list(m.values()) for m in e.profile.values()])
        if not any(
            np.allclose(v, np.concatenate([list(m.values()) for m in o.profile.values()]), atol=tol)
            for o in out
        ):
            out.append(e)
    return out


def mixed_equilibria(
    nf: NormalForm, game: Any = None, tol: float = 1e-6
) -> tuple[list[Equilibrium], str, bool]:  # noqa: ANN401
    """Mixed equilibria: (equilibria, solver, complete?) - see the module docstring for solvers."""
    import pygambit as gbt

    game = game if game is not None else nf.to_gambit()
    n = len(nf.players)
    if n == 1:
        v = nf.payoffs[0]
        sig = [np.where(v >= v.max() - TOL, 1.0, 0.0)]
        return [_make_eq(nf, [s / s.sum() for s in sig], "argmax")], "argmax", True
    if n == 2:
        res = gbt.nash.enummixed_solve(game, rational=False)
        solver, complete = "gambit:enummixed", bool(res.success)
        raw = list(res.equilibria)
    else:
        solver, complete, raw = "gambit:enumpoly", False, []
        try:
            res = gbt.nash.enumpoly_solve(game, use_strategic=True, maxregret=1e-9)
            raw = list(res.equilibria)
            complete = bool(res.success)
        except Exception:  # noqa: BLE001  (solver failure: fall back below)
            raw = []
        if not complete:
            res = gbt.nash.gnm_solve(game)
            raw += list(res.equilibria)
            solver += "+gnm"
    eqs = [_make_eq(nf, _from_gambit(nf, e), solver) for e in raw]
    bad = [e for e in eqs if e.max_regret > tol]
    if bad:
        complete = False
    return _dedupe([e for e in eqs if e.max_regret <= tol]), solver, complete


def qre_branch(
    game: Any,
    players: tuple[str, ...],
    strategies: tuple[tuple[str, ...], ...],  # noqa: ANN401
    points: int = 40,
) -> list[QREPoint]:
    """The logit QRE branch of a strategic game (pygambit), thinned to about ``points`` points."""
    import pygambit as gbt

    branch = gbt.qre.logit_solve_branch(game, use_strategic=True)
    if not branch:
        return []
    keep = sorted(
        set(np.linspace(0, len(branch) - 1, min(points, len(branch))).round().astype(int))
    )
    out = []
    for k in keep:
        b = branch[k]
        prof = {
            p: {s: float(b.profile[p][s]) for s in st}
            for p, st in zip(players, strategies, strict=True)
        }
        out.append(QREPoint(float(b.lam), prof))
    return out


def solve_normal(nf: NormalForm, qre_points: int = 40) -> Solution:
    """Pure and mixed equilibria and the logit QRE branch of ``nf``."""
    game = nf.to_gambit()
    sol = Solution()
    sol.pure = pure_equilibria(nf, game)
    sol.mixed, sol.mixed_solver, sol.mixed_complete = mixed_equilibria(nf, game)
    missing = [
        e
        for e in sol.pure
        if not any(np.allclose(_flat(e), _flat(m), atol=1e-6) for m in sol.mixed)
    ]
    if missing:
        sol.notes.append(
            f"{len(missing)} pure equilibria not returned by {sol.mixed_solver}; "
            "added from enumpure"
        )
        sol.mixed = _dedupe(sol.mixed + missing)
    if qre_points:
        sol.qre = qre_branch(game, nf.players, nf.strategies, qre_points)
    return sol


def _flat(e: Equilibrium) -> np.ndarray:
    return np.concatenate([list(m.values()) for m in e.profile.values()])


# --------------------------------------------------------------------------- extensive form
def _expected(
    node: Node, strategy: Mapping[tuple[str, ...], str], path: tuple[str, ...]
) -> np.ndarray:
    """Expected payoff vector of the subtree at ``node`` when everyone follows ``strategy``."""
    if node.kind == "terminal":
        return np.asarray(node.payoffs, dtype=float)
    if node.kind == "chance":
        return sum(
            (
                float(p) * _expected(c, strategy, (*path, a))
                for a, p, c in zip(node.actions, node.probs, node.children, strict=True)
            )
        )
    a = strategy[path]
    return _expected(node.children[node.actions.index(a)], strategy, (*path, a))


def subgame_perfect(
    ef: ExtensiveForm, tol: float = TOL, limit: int = MAX_SPE
) -> list[SubgamePerfect]:
    """Every pure subgame-perfect equilibrium of a perfect-information tree (backward induction).

    Ties within ``tol`` branch the induction, so every pure SPE is listed, up to ``limit``
    (each result's ``truncated`` flag tells if more exist). Each result carries the largest
    one-shot deviation gain found by :func:`deviation_gain` (0 up to rounding).
    """
    if not ef.perfect_information:
        raise ModelError(
            "backward induction needs perfect information (singleton information sets)"
        )
    players = ef.players
    truncated = [False]

    def solve(
        node: Node, path: tuple[str, ...]
    ) -> list[tuple[np.ndarray, dict[tuple[str, ...], str]]]:
        if node.kind == "terminal":
            return [(np.asarray(node.payoffs, dtype=float), {})]
        subs = [solve(c, (*path, a)) for a, c in zip(node.actions, node.children, strict=True)]
        if node.kind == "chance":
            out = []
            for combo in itertools.product(*subs):
                val = sum(float(p) * v for p, (v, _) in zip(node.probs, combo, strict=True))
                strat: dict[tuple[str, ...], str] = {}
                for _, s in combo:
                    strat.update(s)
                out.append((np.asarray(val), strat))
                if len(out) >= limit:
                    truncated[0] = True
                    break
            return out
        i = players.index(node.player)  # type: ignore[arg-type]
        out = []
        for combo in itertools.product(*subs):  # one SPE of every subgame below this node
            merged: dict[tuple[str, ...], str] = {}
            for _, s in combo:
                merged.update(s)
            best = max(v[i] for v, _ in combo)
            for a, (v, _) in zip(node.actions, combo, strict=True):
                if v[i] >= best - tol:
                    out.append((v, {**merged, path: a}))
            if len(out) >= limit:
                truncated[0] = True
                break
        return out[:limit]

    res = []
    for val, strat in solve(ef.root, ()):
        res.append(
            SubgamePerfect(
                strategy=strat,
                payoffs={p: float(v) for p, v in zip(players, val, strict=True)},
                path=_play_path(ef.root, strat, ()),
                max_deviation_gain=deviation_gain(ef, strat),
                truncated=truncated[0],
            )
        )
    return res


def _play_path(
    node: Node, strat: Mapping[tuple[str, ...], str], path: tuple[str, ...]
) -> list[tuple[tuple[str, ...], str]]:
    """Moves on the equilibrium path (through every chance branch of positive probability)."""
    if node.kind == "terminal":
        return []
    if node.kind == "chance":
        out = []
        for a, p, c in zip(node.actions, node.probs, node.children, strict=True):
            if p > 0:
                out += _play_path(c, strat, (*path, a))
        return out
    a = strat[path]
    return [(path, a), *_play_path(node.children[node.actions.index(a)], strat, (*path, a))]


def deviation_gain(ef: ExtensiveForm, strategy: Mapping[tuple[str, ...], str]) -> float:
    """Largest gain from a one-shot deviation at any decision node (on or off path).

    By the one-shot deviation principle a profile of a finite perfect-information game is
    subgame-perfect iff this is zero. Computed by forward evaluation of ``strategy``, independently
    of the backward induction that produced it.
    """
    worst = 0.0
    for path, node in ef.nodes():
        if node.kind != "move":
            continue
        i = ef.players.index(node.player)  # type: ignore[arg-type]
        vals = [
            _expected(c, strategy, (*path, a))[i]
            for a, c in zip(node.actions, node.children, strict=True)
        ]
        chosen = vals[node.actions.index(strategy[path])]
        worst = max(worst, max(vals) - chosen)
    return float(worst)


def gambit_regret(
    ef: ExtensiveForm, strategy: Mapping[tuple[str, ...], str], game: Any = None
) -> float:  # noqa: ANN401
    """pygambit's max regret of the pure behaviour profile ``strategy`` (0 iff it is Nash)."""
    import pygambit as gbt
    from pygambit import H

    game = game if game is not None else ef.to_gambit()
    prof = game.mixed_behavior_profile(rational=False)
    for path, node in ef.nodes():
        if node.kind == "move":
            prof.set_mixed_action(
                H.path(*path), {a: float(a == strategy[path]) for a in node.actions}
            )
    _ = gbt  # imported for its side effect of loading the extension
    return float(prof.max_regret())


def _subgames(ef: ExtensiveForm) -> list[tuple[tuple[str, ...], ExtensiveForm]]:
    """The tree, or the subgames after a chance root (pygambit's logit tracing is much faster on
    them than on the whole tree with its chance move).
    """
    if ef.root.kind != "chance":
        return [((), ef)]
    return [
        ((a,), ExtensiveForm(f"{ef.title} [{a}]", ef.players, c))
        for a, c in zip(ef.root.actions, ef.root.children, strict=True)
    ]


def gambit_logit_tree(ef: ExtensiveForm) -> dict[str, Any]:
    """The limit of pygambit's agent logit QRE trace (behaviour profile) on every subgame after
    the chance root (or on the whole tree if it has no chance root).

    In generic perfect-information games the limit is the unique subgame-perfect equilibrium
    (McKelvey and Palfrey 1998), so it is an independent cross-check of backward induction.
    """
    import pygambit as gbt
    from pygambit import H

    out: dict[tuple[str, ...], dict[str, float]] = {}
    success = True
    for prefix, sub in _subgames(ef):
        res = gbt.nash.logit_solve(sub.to_gambit())
        success &= bool(res.success)
        eq = res.equilibrium
        for path, node in sub.nodes():
            if node.kind == "move":
                mixed = eq[H.path(*path)]
                out[(*prefix, *path)] = {a: float(mixed[a]) for a in node.actions}
    return {"behaviour": out, "success": success}


def tree_qre_branch(ef: ExtensiveForm, points: int = 40) -> dict[str, list[dict[str, Any]]]:
    """The agent logit QRE branch of every subgame after the chance root (pygambit), reported as
    the first mover's choice probabilities against lambda, thinned to about ``points`` points.
    """
    import pygambit as gbt
    from pygambit import H

    out: dict[str, list[dict[str, Any]]] = {}
    for prefix, sub in _subgames(ef):
        branch = gbt.qre.logit_solve_branch(sub.to_gambit())
        keep = (
            sorted(
                set(np.linspace(0, len(branch) - 1, min(points, len(branch))).round().astype(int))
            )
            if branch
            else []
        )
        root = sub.root
        rows = []
        for k in keep:
            mixed = branch[k].profile[H.path()]
            rows.append(
                {
                    "lambda": float(branch[k].lam),
                    "player": root.player,
                    "probabilities": {a: float(mixed[a]) for a in root.actions},
                }
            )
        out["/".join(prefix) or "root"] = rows
    return out
