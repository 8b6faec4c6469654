"""``melian advise``: levers for one actor (what to ask for, what to offer, whom to persuade)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Annotated

import typer
from rich.table import Table

from melian.cli.common import console, err_console, guard, print_json


def advise_cmd(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario id or path to a YAML file.")],
    actor: Annotated[
        str | None, typer.Option(help="Actor id (default: the scenario's focal actor).")
    ] = None,
    model: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="Bargaining model (repeatable).")
    ] = None,
    draws: Annotated[
        int | None, typer.Option(help="Sampled inputs of the scenario's uncertainty (0: none).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the scenario's).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default up to 2).")] = None,
    lang: Annotated[str, typer.Option(help="Language of the sentences: en or ar.")] = "en",
    json_out: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """Own stance, linkage, whom to persuade and coalitions, across the bargaining models."""
    from melian.advise import DEFAULT_DRAWS, AdviseError  # lazy: start-up (numpy, bargaining)
    from melian.advise.text import t as lt  # lazy: start-up
    from melian.analysis.advise import advise  # lazy: start-up (the bargaining models)
    from melian.io import load_scenario  # lazy: start-up (the scenario schema)

    if lang not in ("en", "ar"):
        raise AdviseError(f"--lang {lang!r}: use en or ar")
    scen = load_scenario(scenario)
    waiting = nullcontext() if json_out else err_console.status("searching levers")
    with waiting:
        lv = advise(
            scen,
            actor,
            models=model or None,
            draws=DEFAULT_DRAWS if draws is None else draws,
            seed=seed,
            workers=workers,
        )
    if json_out:
        print_json(lv.to_dict())
        return
    console.print(f"[bold]levers for {lv.actor}[/bold] ({scen.id}; {lv.draws} sampled inputs)")
    for sec in ("stance", "linkage", "persuasion", "coalitions"):
        lines = [s["text"] for s in lv.sentences(lang) if s["section"] == sec]
        if lines:
            console.print(f"\n[bold]{lt(sec, lang)}[/bold]")
            for line in lines:
                console.print(f"- {line}", markup=False, highlight=False)
    t = Table(title="whom to persuade (mean gain, utility points; rank per model)")
    t.add_column("actor")
    t.add_column("move")
    for m in lv.models:
        t.add_column(m, justify="right")
    t.add_column("robust")
    for x in lv.targets:
        t.add_row(
            x.actor,
            x.kind,
            *(f"{x.gains[m].mean:+.2f} ({x.rank[m]})" for m in lv.models),
            "yes" if x.robustness.robust else "",
        )
    console.print(t)
    for n in lv.notes:
        console.print(f"note: {n}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``melian advise`` to the CLI."""
    app.command("advise")(guard(advise_cmd))
