"""``melian decide``: rank the focal actor's options on the scenario's criteria (MCDA)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Annotated, Any

import typer
from rich.table import Table

from melian.cli.common import console, err_console, guard, print_json


def _g(x: Any) -> str:  # noqa: ANN401
    return "-" if x is None else f"{x:.3g}"


def decide_cmd(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario id or path to a YAML file.")],
    paths: Annotated[int, typer.Option(help="World-model paths per option.")] = 20_000,
    horizon: Annotated[int | None, typer.Option(help="World-model horizon in months.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the scenario's).")] = None,
    forecast_model: Annotated[
        str, typer.Option(help="Bargaining model for forecast criteria.")
    ] = "compromise",
    method: Annotated[
        str,
        typer.Option(help="Primary method: topsis-minmax, topsis-vector, wsm-minmax, wsm-vector."),
    ] = "topsis-minmax",
    workers: Annotated[int | None, typer.Option(help="World-model worker processes.")] = 1,
    view: Annotated[
        str | None,
        typer.Option(help="A declared view of the scenario (default: the scenario as written)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """Rank the options with TOPSIS and weighted sum (two normalisations) and their stability."""
    # lazy: every engine the evidence needs (world, game, bargaining)
    from melian.analysis.rank import rank
    from melian.analysis.validate import problem_dict, warnings
    from melian.io import load_scenario
    from melian.scenario.views import apply_view

    scen = apply_view(load_scenario(scenario), view)
    notes = warnings(scen)
    waiting = nullcontext() if json_out else err_console.status("gathering evidence and ranking")
    with waiting:
        r = rank(
            scen,
            primary=method,
            paths=paths,
            horizon=horizon,
            seed=seed,
            forecast_model=forecast_model,
            workers=workers,
        )
    d = r.to_dict()
    d["scenario"] = scen.id
    d["view"] = view or "source"
    d["warnings"] = [problem_dict(w) for w in notes]
    if json_out:
        print_json(d)
        return
    for w in notes:
        err_console.print(str(w), markup=False, highlight=False, soft_wrap=True)
    t = Table(title=f"decision matrix ({d['weights_from']} weights)")
    t.add_column("criterion")
    t.add_column("dir")
    t.add_column("weight", justify="right")
    for o in r.options:
        t.add_column(o, justify="right")
    t.add_column("from")
    for j, c in enumerate(d["criteria"]):
        t.add_row(
            c["id"],
            c["direction"],
            f"{c['weight']:.3f}",
            *(_g(r.matrix[i, j]) for i in range(len(r.options))),
            c["provenance"] or "",
        )
    console.print(t)
    if d["ahp"] is not None:
        a = d["ahp"]
        console.print(
            f"AHP consistency ratio {a['consistency_ratio']:.3f} "
            f"({'consistent' if a['consistent'] else 'INCONSISTENT: above 0.1'})"
        )
    s = Table(title="scores (rank)")
    s.add_column("option")
    for k in d["methods"]:
        s.add_column(k, justify="right")
    for o in r.options:
        s.add_row(o, *(f"{m['scores'][o]:.3f} ({m['ranks'][o]})" for m in d["methods"].values()))
    console.print(s)
    agree = "the same" if d["same_top_under_every_method"] else "NOT the same"
    rec = (
        f"the source recommends {d['recommended']}"
        if d.get("recommended")
        else "no source recommendation recorded"
    )
    console.print(
        f"top ({d['primary']}): [bold]{d['top']}[/bold]; {rec};"
        f" the top option is {agree} under every method and normalisation"
    )
    st = Table(title=f"weight-stability intervals ({d['primary']})")
    for c in ("criterion", "weight", "interval", "below it", "above it"):
        st.add_column(c)
    for iv in d["stability"].get(d["primary"], []):
        st.add_row(
            iv["criterion"],
            f"{iv['weight']:.3f}",
            f"[{iv['low']:.3f}, {iv['high']:.3f}]",
            iv["top_below_low"] or "-",
            iv["top_above_high"] or "-",
        )
    console.print(st)


def register(app: typer.Typer) -> None:
    """Add ``melian decide`` to the CLI."""
    app.command("decide")(guard(decide_cmd))
