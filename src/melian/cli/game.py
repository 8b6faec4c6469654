"""``melian game SCENARIO``: the alliance choice as a game, solved with pygambit, propositions
checked (the source's claims when the scenario records them, else alliance-theory propositions).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from melian.analysis.game import analyse_game
from melian.cli.common import console, guard, print_json
from melian.errors import InputError, Problem
from melian.games import GameAnalysis, export
from melian.games.claims import NARROW_SHARE, claims_title
from melian.io import load_scenario


def _fmt(x: float) -> str:
    return f"{x:+.3f}"


def _verdict(h: bool | None, narrow: bool = False) -> str:
    text = "n/a" if h is None else ("[green]true[/]" if h else "[red]false[/]")
    return text + " (narrow margin)" if narrow else text


def roles_text(roles: dict[str, str | None]) -> str:
    """The options' roles, one entry per option (``defection and pivot=x`` when one option
    fills two roles).
    """
    by_option: dict[str, list[str]] = {}
    for role, option in roles.items():
        if option:
            by_option.setdefault(option, []).append(role.replace("_", " "))
    return ", ".join(f"{' and '.join(rs)}={o}" for o, rs in by_option.items())


def render(
    a: GameAnalysis, components: bool = True, title: str = "Alliance-theory propositions"
) -> None:
    """Print rich tables: payoff components, equilibria, the propositions and their conditions.

    ``title`` heads the propositions (:func:`melian.games.claims.claims_title`: the source's
    claims when the scenario records them from a source).
    """
    console.rule(f"[bold]{a.scenario_id}[/]: alliance game ({a.framing}, {a.form} form)")
    console.print(
        "Players (move order): " + ", ".join(a.players) + ".  Roles: " + roles_text(a.roles),
        markup=False,
        highlight=False,
    )
    if components:
        _print_components(a)
    _print_equilibria(a)
    _print_claims(a, title)


def _print_components(a: GameAnalysis) -> None:
    """The payoff table with the first player's payoff components."""
    focal = a.players[0]
    t = Table(title="Payoff components (expected over shocks; contributions sum to the total)")
    t.add_column("profile")
    for p in a.players:
        t.add_column(f"{p} total", justify="right")
    comp_names = sorted({c for row in a.payoff_table for c in row["components"][focal]})
    for c in comp_names:
        t.add_column(f"{focal}: {c}", justify="right")
    for row in a.payoff_table:
        t.add_row(
            " / ".join(row["profile"].values()),
            *(_fmt(row["payoffs"][p]) for p in a.players),
            *(_fmt(row["components"][focal][c]) for c in comp_names),
        )
    console.print(t)


def _print_equilibria(a: GameAnalysis) -> None:
    """The equilibria of the analysed form, with their checks."""
    sol = a.solution
    t = Table(title="Equilibria")
    t.add_column("kind")
    t.add_column("profile")
    t.add_column("payoffs")
    t.add_column("check", justify="right")
    if sol["form"] == "normal":
        for e in sol["pure"]:
            t.add_row(
                "pure Nash (enumpure)",
                e["label"],
                ", ".join(f"{p} {_fmt(v)}" for p, v in e["payoffs"].items()),
                f"regret {e['max_regret']:.1e}",
            )
        for e in sol["mixed"]:
            t.add_row(
                f"Nash ({sol['mixed_solver']})",
                e["label"],
                ", ".join(f"{p} {_fmt(v)}" for p, v in e["payoffs"].items()),
                f"regret {e['max_regret']:.1e}",
            )
        if sol["qre"]:
            last = sol["qre"][-1]
            t.add_row(
                f"logit QRE, lambda={last['lambda']:.3g}",
                " / ".join(
                    max(m, key=m.get) + f" ({max(m.values()):.3f})"
                    for m in last["profile"].values()
                ),
                "",
                "",
            )
        console.print(t)
        console.print(f"mixed solver: {sol['mixed_solver']} (complete: {sol['mixed_complete']})")
    else:
        for k, e in enumerate(sol["spe"]):
            path = " -> ".join(f"{x['at'] or 'root'}: {x['action']}" for x in e["path"])
            t.add_row(
                f"SPE {k + 1}",
                path,
                ", ".join(f"{p} {_fmt(v)}" for p, v in e["payoffs"].items()),
                f"dev {e['max_deviation_gain']:.1e}; gambit regret {e['gambit_regret']:.1e}",
            )
        console.print(t)
        console.print(
            f"pygambit agent-logit limit agrees with SPE: {sol['gambit_logit_matches_spe']}"
        )


def _print_claims(a: GameAnalysis, title: str) -> None:
    """Equilibrium by framing, the propositions checked, and where their truth changes."""
    t = Table(
        title="Equilibrium by framing (subgame-perfect play without shocks; pure Nash of the "
        "normal form)"
    )
    t.add_column("framing")
    t.add_column("SPE outcome")
    t.add_column("pure Nash")
    for f, v in a.framings.items():
        t.add_row(f, v["spe_outcome"], v["pure_nash"])
    console.print(t)
    t = Table(title=title)
    t.add_column("claim")
    for f in a.framings:
        t.add_column(f)
    t.add_column("evidence (" + a.framing + ")")
    by_id = {f: {c["id"]: c for c in v["claims"]} for f, v in a.framings.items()}
    for c in a.framings[a.framing]["claims"]:
        t.add_row(
            c["statement"],
            *(
                _verdict(by_id[f][c["id"]]["holds"], by_id[f][c["id"]].get("narrow", False))
                for f in a.framings
            ),
            c["detail"],
        )
    console.print(t)
    if any(c.get("narrow") for v in a.framings.values() for c in v["claims"]):
        console.print(
            f"narrow margin: the verdict rests on a payoff difference under {NARROW_SHARE:.0%} "
            "of the range of the payoffs compared; the payoffs are judgements far less precise "
            "than that, so read it as undecided.",
            highlight=False,
        )
    if a.conditions:
        t = Table(
            title="Where each claim's truth changes (one-parameter sweeps over each "
            "uncertain parameter's range)"
        )
        t.add_column("claim")
        t.add_column("framing")
        t.add_column("parameter regions")
        for cid, entry in a.conditions.items():
            for f in a.framings:
                parts = []
                for par, regs in entry[f].items():
                    if len({r["outcome"] for r in regs}) > 1:
                        parts.append(
                            par
                            + ": "
                            + ", ".join(
                                f"[{r['low']:.3g}, {r['high']:.3g}] {r['outcome']}" for r in regs
                            )
                        )
                t.add_row(cid, f, "; ".join(parts) or "same verdict over every swept range")
        console.print(t)


def register(app: typer.Typer) -> None:
    """Add ``melian game`` to the application."""

    @app.command("game")
    @guard
    def game_cmd(
        scenario: Annotated[str, typer.Argument(help="Built-in id or path to a scenario file.")],
        form: Annotated[str, typer.Option("--form", help="normal or extensive.")] = "normal",
        framing: Annotated[
            str | None,
            typer.Option("--framing", help="zero-sum or variable-sum (default: the scenario's)."),
        ] = None,
        export_dir: Annotated[
            str | None,
            typer.Option("--export", help="Write .nfg and .efg files to this directory."),
        ] = None,
        points: Annotated[
            int,
            typer.Option(
                "--points",
                help="Grid points per parameter in the claim-condition sweeps (0: none).",
            ),
        ] = 5,
        json_out: Annotated[
            bool, typer.Option("--json", help="Machine-readable JSON output.")
        ] = False,
    ) -> None:
        """Build the scenario's alliance game, solve it with pygambit and check its propositions."""
        if points < 0 or points > 101:
            raise InputError(
                [
                    Problem(
                        "<arguments>",
                        None,
                        None,
                        "points",
                        f"--points must lie in [0, 101], not {points}",
                    )
                ]
            )
        s = load_scenario(scenario)
        a = analyse_game(
            s,
            framing=framing,
            form=form,
            conditions=points > 1,  # type: ignore[arg-type]
            points=max(points, 2),
        )
        written = export(a, export_dir) if export_dir else []
        if json_out:
            data: dict[str, Any] = a.to_dict()
            data["exported"] = [str(p) for p in written]
            print_json(data)
            return
        render(a, title=claims_title(s))
        for p in written:
            console.print(f"wrote {p}")
