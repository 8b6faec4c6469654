"""``melian simulate SCENARIO``: Monte Carlo consequences of each option (melian.world)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from melian.cli.common import console, err_console, guard, print_json, rich_console
from melian.io import load_scenario


def _fmt(x: float | None, digits: int = 1) -> str:
    return "-" if x is None or x != x else f"{x:,.{digits}f}"


@guard
def simulate_cmd(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario id or scenario file.")],
    paths: Annotated[int, typer.Option("--paths", help="Paths per option.")] = 100_000,
    horizon: Annotated[int, typer.Option("--horizon", help="Months to simulate.")] = 120,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed (default: the scenario's).")
    ] = None,
    option: Annotated[
        list[str] | None, typer.Option("--option", help="Option id (repeatable; default: all).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Worker processes (default: all cores).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
    parquet: Annotated[
        Path | None, typer.Option("--parquet", help="Also write the results to this Parquet file.")
    ] = None,
) -> None:
    """Simulate the economy, security and politics under each option of SCENARIO."""
    from melian.analysis.simulate import simulate  # lazy: the world model is heavy

    s = load_scenario(scenario)  # its datasets are found beside its file
    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=rich_console(err_console),
        transient=True,
        disable=json_out or not err_console.is_terminal,
    ) as bar:
        task = bar.add_task("paths", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        ens = simulate(
            s,
            options=option or None,
            paths=paths,
            horizon=horizon,
            seed=seed,
            progress=progress,
            workers=workers,
        )
    if parquet is not None:
        ens.to_parquet(parquet)
    if json_out:
        print_json(ens.to_dict())
        return
    head = f"[bold]{ens.scenario}[/bold]: {ens.paths:,} paths x {ens.horizon} months from "
    head += f"{ens.start_month}, seed {ens.seed}"
    if ens.oil:
        head += (
            f"; price model {ens.oil['model']['kind']} (chosen out of sample), "
            f"last price {ens.oil['last_price']:.2f}"
        )
    console.print(head)
    # one row per declared event (probability) and outcome (mean / CVaR95), one column per option
    t = Table(title="Consequences by option (probabilities and means over the horizon)")
    t.add_column("outcome")
    for oid in ens.results:
        t.add_column(oid, justify="right")
    first = next(iter(ens.results.values()))
    for e in first.probabilities:
        t.add_row(
            f"P({ens.label(e)})", *(_fmt(r.probabilities[e], 3) for r in ens.results.values())
        )
    for m, summ in first.metrics.items():
        t.add_row(
            f"{ens.label(m)} ({summ.unit}), mean / CVaR95",
            *(
                f"{_fmt(r.metrics[m].mean)} / {_fmt(r.metrics[m].cvar95)}"
                for r in ens.results.values()
            ),
        )
    console.print(t)
    ref = ens.reference_payroll_price
    for oid, r in ens.results.items():
        if r.breakeven is None or r.covering_price is None:
            continue
        console.print(
            f"  {oid}: payroll-covering price, flow breakeven p50 "
            f"{_fmt(r.breakeven.quantiles['p50'])} (p05-p95 "
            f"{_fmt(r.breakeven.quantiles['p05'])}-{_fmt(r.breakeven.quantiles['p95'])});"
            f" simulated (P(arrears in 24 months) = 0.5) "
            f"{_fmt(r.covering_price['price'])}"
            + (f"; source's threshold {ref:g}" if ref is not None else "")
        )
    if parquet is not None:
        console.print(f"wrote {parquet}")


def register(app: typer.Typer) -> None:
    """Add ``melian simulate`` to the application."""
    app.command("simulate")(simulate_cmd)
