"""The alliance choice as a game: built from the scenario, solved with pygambit, claims tested.

``analyse_game(scenario, framing=None, form="normal")`` builds the game from the scenario's
``game`` section (payoff model in :mod:`melian.games.payoffs`, documented in
``docs/models/games.md``), solves it (:mod:`melian.games.solve`), evaluates the alliance-theory
propositions (the seed paper's claims, stated in the scenario's terms) under both framings
(:mod:`melian.games.claims`) and, with ``conditions=True``, sweeps every uncertain game parameter
to report where each claim holds (:mod:`melian.games.sweep`).
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from typing import Any, Literal

from melian.errors import InputError, ModelError, Problem
from melian.games.build import ExtensiveForm, NormalForm
from melian.games.claims import CLAIMS, ClaimResult, evaluate_claims
from melian.games.payoffs import FRAMINGS, PARAMETERS, Framing
from melian.games.solve import (
    Solution,
    SubgamePerfect,
    gambit_logit_tree,
    gambit_regret,
    solve_normal,
    tree_qre_branch,
)
from melian.games.sweep import (
    Sweep1,
    context,
    default_parameters,
    nash_label,
    outcome_label,
    sweep1,
    sweep2,
)
from melian.jsonio import to_jsonable
from melian.reprs import html_table
from melian.scenario.schema import Scenario

Form = Literal["normal", "extensive"]

__all__ = ["CLAIMS", "PARAMETERS", "GameAnalysis", "analyse_game", "export", "sweep1", "sweep2"]


@dataclass
class GameAnalysis:
    """Everything computed about the scenario's alliance game."""

    scenario_id: str
    framing: str
    form: str
    players: list[str]
    strategies: dict[str, list[dict[str, Any]]]
    parameters: dict[str, dict[str, Any]]
    roles: dict[str, str | None]
    payoff_table: list[dict[str, Any]]
    trace: dict[str, list[str]]
    solution: dict[str, Any]
    framings: dict[str, dict[str, Any]]
    conditions: dict[str, dict[str, Any]] = field(default_factory=dict)
    sweeps: list[Sweep1] = field(default_factory=list)
    normal: NormalForm | None = None
    extensive: ExtensiveForm | None = None

    def claims(self, framing: str | None = None) -> list[dict[str, Any]]:
        """Claim results under ``framing`` (default: the analysed framing)."""
        return self.framings[framing or self.framing]["claims"]

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (JSON-safe, :mod:`melian.jsonio`)."""
        return to_jsonable(
            {
                "scenario": self.scenario_id,
                "framing": self.framing,
                "form": self.form,
                "players": self.players,
                "strategies": self.strategies,
                "parameters": self.parameters,
                "roles": self.roles,
                "payoff_table": self.payoff_table,
                "trace": self.trace,
                "solution": self.solution,
                "framings": self.framings,
                "conditions": self.conditions,
                "sweeps": [s.to_dict() for s in self.sweeps],
            }
        )

    def to_frame(self) -> Any:  # noqa: ANN401
        """Long (tidy) payoff table: profile, player, component, value (``total`` included).

        ``profile`` is ``player=strategy`` pairs joined by ``", "``; one row per profile, player
        and payoff component.
        """
        import pandas as pd

        rows = []
        for r in self.payoff_table:
            prof = ", ".join(f"{p}={a}" for p, a in r["profile"].items())
            for p in self.players:
                if p in r["payoffs"]:
                    rows.append((prof, p, "total", float(r["payoffs"][p])))
                for c, v in r["components"].get(p, {}).items():
                    rows.append((prof, p, c, float(v)))
        return pd.DataFrame(rows, columns=["profile", "player", "component", "value"])

    def _repr_html_(self) -> str:
        rows = [
            [
                f,
                d.get("pure_nash", "–"),
                d.get("spe_outcome", "–"),
                sum(1 for c in d["claims"] if c["holds"]),
                len(d["claims"]),
            ]
            for f, d in self.framings.items()
        ]
        return html_table(
            f"Game of {self.scenario_id} ({self.framing}, {self.form} form)",
            ["framing", "pure Nash", "subgame-perfect outcome", "claims holding", "claims"],
            rows,
        )


def _check(framing: str | None, form: str) -> None:
    probs = []
    if framing is not None and framing not in FRAMINGS:
        probs.append(
            Problem(
                "<arguments>",
                None,
                None,
                "framing",
                f"unknown framing {framing!r} (use zero-sum or variable-sum)",
            )
        )
    if form not in ("normal", "extensive"):
        probs.append(
            Problem(
                "<arguments>",
                None,
                None,
                "form",
                f"unknown form {form!r} (use normal or extensive)",
            )
        )
    if probs:
        raise InputError(probs)


def analyse_game(
    scenario: Scenario,
    framing: Framing | None = None,
    form: Form = "normal",
    conditions: bool = True,
    points: int = 5,
    qre_points: int = 40,
) -> GameAnalysis:
    """Build, solve and explain the scenario's alliance game.

    ``framing`` overrides the scenario's ``game.framing``; ``form`` chooses which solution set is
    computed in full (normal: pure, mixed and logit QRE; extensive: subgame-perfect equilibria,
    checked by pygambit, and the agent logit QRE limit). Claims are evaluated under both framings;
    with ``conditions`` each uncertain parameter is swept over ``points`` values per framing.
    """
    _check(framing, form)
    if scenario.game is None:
        raise ModelError(f"scenario {scenario.id!r} has no game section")
    fr: Framing = framing or scenario.game.framing
    ctxs = {f: context(scenario, f) for f in FRAMINGS}
    ctx = ctxs[fr]
    d = ctx.data
    g = scenario.game
    params = {
        k: {
            "nominal": p.nominal,
            "dist": p.dist,
            "support": list(p.support),
            "source": p.source,
            "judgement": p.judgement,
            "description": p.description,
            "model_meaning": PARAMETERS.get(k.split(".")[0], (None, "unknown to the model"))[1],
        }
        for k, p in g.parameters.items()
    }
    r = ctx.roles
    roles = {
        "alliance": d.options[r.ally] if r.ally is not None else None,
        "defection": d.options[r.defect] if r.defect is not None else None,
        "pivot": d.options[r.pivot] if r.pivot is not None else None,
        "status_quo": d.options[r.status_quo] if r.status_quo is not None else None,
    }
    strategies = {
        p: [{"id": s, "name": n} for s, n in zip(st, nm, strict=True)]
        for p, st, nm in zip(ctx.nf.players, ctx.nf.strategies, ctx.nf.strategy_names, strict=True)
    }
    table = []
    for prof in ctx.nf.profiles():
        row: dict[str, Any] = {
            "profile": {
                p: ctx.nf.strategies[i][k]
                for i, (p, k) in enumerate(zip(ctx.nf.players, prof, strict=True))
            },
            "payoffs": {p: float(ctx.nf.payoffs[(i, *prof)]) for i, p in enumerate(ctx.nf.players)},
            "components": {
                p: {c: float(a[prof]) for c, a in comps.items()}
                for p, comps in ctx.nf.components.items()
            },
        }
        table.append(row)
    solution: dict[str, Any]
    if form == "normal":
        sol: Solution = solve_normal(ctx.nf, qre_points=qre_points)
        solution = {"form": "normal", **sol.to_dict()}
    else:
        game = ctx.ef.to_gambit()
        spes: list[SubgamePerfect] = []
        for s in ctx.spe:
            spes.append(
                SubgamePerfect(
                    s.strategy,
                    s.payoffs,
                    s.path,
                    s.max_deviation_gain,
                    gambit_regret(ctx.ef, s.strategy, game),
                    s.truncated,
                )
            )
        logit = gambit_logit_tree(ctx.ef)
        agree = [all(logit["behaviour"][k][a] > 0.5 for k, a in s.strategy.items()) for s in spes]
        solution = {
            "form": "extensive",
            "spe": [s.to_dict() for s in spes],
            "spe_count": len(spes),
            "spe_list_truncated": any(s.truncated for s in spes),
            "gambit_logit_limit": {"/".join(k): v for k, v in logit["behaviour"].items()},
            "gambit_logit_success": logit["success"],
            "gambit_logit_matches_spe": agree,
            "qre": tree_qre_branch(ctx.ef, qre_points) if qre_points else {},
        }
    framings = {}
    for f, c in ctxs.items():
        framings[f] = {
            "spe_outcome": outcome_label(c),
            "pure_nash": nash_label(c),
            "claims": [x.to_dict() for x in evaluate_claims(c)],
        }
    analysis = GameAnalysis(
        scenario_id=scenario.id,
        framing=fr,
        form=form,
        players=list(d.all_players),
        strategies=strategies,
        parameters=params,
        roles=roles,
        payoff_table=table,
        trace=d.trace,
        solution=solution,
        framings=framings,
        normal=ctx.nf,
        extensive=ctx.ef,
    )
    if conditions:
        analysis.sweeps, analysis.conditions = claim_conditions(scenario, points=points)
    return analysis


def claim_conditions(
    scenario: Scenario, parameters: list[str] | None = None, points: int = 5
) -> tuple[list[Sweep1], dict[str, dict[str, Any]]]:
    """For every claim and framing: truth at nominal values and the parameter regions where it
    holds, from one-parameter sweeps of each (uncertain) game parameter.
    """
    names = parameters if parameters is not None else default_parameters(scenario)
    sweeps = [sweep1(scenario, n, framing=f, points=points) for f in FRAMINGS for n in names]
    cond: dict[str, dict[str, Any]] = {}
    for cid, (statement, _, where) in CLAIMS.items():
        entry: dict[str, Any] = {"statement": statement, "paper": where}
        for f in FRAMINGS:
            per = {}
            for sw in sweeps:
                if sw.framing != f:
                    continue
                per[sw.parameter] = [x.to_dict() for x in sw.claim_regions(cid)]
            entry[f] = per
        cond[cid] = entry
    return sweeps, cond


def export(analysis: GameAnalysis, directory: str | pathlib.Path) -> list[pathlib.Path]:
    """Write the analysed game as ``<scenario>-<framing>.nfg`` and ``.efg`` in ``directory``."""
    out = pathlib.Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    stem = f"{analysis.scenario_id}-{analysis.framing}"
    if analysis.normal is not None:
        p = out / f"{stem}.nfg"
        p.write_text(analysis.normal.to_nfg(), encoding="utf-8")
        written.append(p)
    if analysis.extensive is not None:
        p = out / f"{stem}.efg"
        p.write_text(analysis.extensive.to_efg(), encoding="utf-8")
        written.append(p)
    return written


def claims_for(scenario: Scenario, framing: Framing) -> list[ClaimResult]:
    """Claim results for one framing at nominal parameters (no sweeps)."""
    return evaluate_claims(context(scenario, framing))


def option_values(
    scenario: Scenario, metric: str = "total", framing: Framing | None = None
) -> dict[str, float]:
    """The focal actor's game quantity ``metric`` for each of its options.

    ``metric`` is ``total`` (the whole payoff) or one payoff component (for example ``security``,
    ``autonomy``, ``economy``, ``abandonment``, ``entrapment``). Each option is valued where the
    responders play their subgame-perfect replies to it (the first subgame-perfect equilibrium
    when several exist), in expectation over the scenario's shocks. Used by melian.decide for
    criteria measured on the game.
    """
    if scenario.game is None:
        raise ModelError(f"scenario {scenario.id!r} has no game section")
    ctx = context(scenario, framing or scenario.game.framing)
    if not ctx.spe:
        raise ModelError("the game has no subgame-perfect equilibrium to value the options at")
    focal = scenario.focal.actor if scenario.focal else ctx.data.players[0]
    comps = set(next(iter(ctx.leaves.values()))[focal])
    if metric != "total" and metric not in comps:
        raise ModelError(
            f"unknown game metric {metric!r}; use total or one of {', '.join(sorted(comps))}"
        )
    spe = ctx.spe[0]
    return {opt: ctx.expected(spe, k, focal, metric) for k, opt in enumerate(ctx.data.options)}
