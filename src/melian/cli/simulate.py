"""``melian simulate SCENARIO``: Monte Carlo consequences of each option (melian.world)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from melian.cli.common import console, err_console, guard, print_json, rich_console
from melian.io import load_scenario

if TYPE_CHECKING:
    from melian.world.results import Ensemble, OptionResult


def _fmt(x: float | None, digits: int = 4) -> str:
    """``x`` with ``digits`` significant digits (thousands separated from 1,000 on; ``n/a`` when
    missing): fractions keep their digits (``0.06012``), large amounts their units (``1,234``).
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    if abs(x) >= 10**digits:
        return f"{x:,.0f}"
    if x == 0:
        return "0"
    return f"{x:,.{digits}g}"


def _range(a: float | None, b: float | None, fmt: Callable[[float | None], str] = _fmt) -> str:
    """A range as ``[a; b]`` (unambiguous when either end is negative)."""
    return f"[{fmt(a)}; {fmt(b)}]"


def _covering_price(x: float | None) -> str:
    """A payroll-covering price, or ``none needed`` where it is negative (other revenue already
    covers the payroll at any price).
    """
    if x is not None and math.isfinite(x) and x < 0:
        return "none needed"
    return _fmt(x)


def _row_label(ens: Ensemble, name: str, form: str = "{}") -> str:
    """The declared label of an outcome or event (put in ``form``) with its component's
    display name: ``P(the transfer ending early) [Rent for basing rights]``.
    """
    d = ens.declared.get(name) or {}
    comp = d.get("component_name") or d.get("component")
    text = form.format(ens.label(name))
    return escape(f"{text} [{comp}]" if comp else text)  # brackets are not rich markup


def _breakeven_line(oid: str, r: OptionResult, ref: float | None) -> str:
    """One option's payroll-covering price: the flow breakeven's median and 5-95% range, the
    simulated covering price and the source's threshold (negative prices said in words).
    """
    assert r.breakeven is not None and r.covering_price is not None
    q = r.breakeven.quantiles
    unit = f" {r.breakeven.unit}" if r.breakeven.unit else ""
    text = f"  {oid}: payroll-covering price (flow breakeven) p50 {_covering_price(q['p50'])}"
    if q["p50"] < 0:
        text += " (other revenue already covers the payroll on most paths)"
    text += f", p05 to p95 {_range(q['p05'], q['p95'], _covering_price)}{unit}"
    sim = r.covering_price["price"]
    text += f"; simulated (P(arrears in 24 months) = 0.5) {_covering_price(sim)}"
    if sim is not None and math.isfinite(sim):
        text += unit
    if ref is not None:
        text += f"; source's threshold {ref:g}{unit}"
    return text


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
    pm = ens.price_model
    if pm:
        head += (
            f"; price model {pm['model']['kind']} (chosen out of sample), "
            f"last price {_fmt(pm['last_price'])}"
        )
    console.print(head)
    # one row per declared event (probability) and outcome (mean / CVaR95), one column per
    # option; each row names its component (two components of a kind report the same labels)
    t = Table(title="Consequences by option (probabilities and means over the horizon)")
    t.add_column("outcome")
    for oid in ens.results:
        t.add_column(oid, justify="right")
    first = next(iter(ens.results.values()))
    for e in first.probabilities:
        t.add_row(
            _row_label(ens, e, "P({})"),
            *(f"{r.probabilities[e]:.3f}" for r in ens.results.values()),
        )
    for m, summ in first.metrics.items():
        t.add_row(
            f"{_row_label(ens, m)} ({summ.unit}), mean / CVaR95",
            *(
                f"{_fmt(r.metrics[m].mean)} / {_fmt(r.metrics[m].cvar95)}"
                for r in ens.results.values()
            ),
        )
    console.print(t)
    for oid, r in ens.results.items():
        if r.breakeven is not None and r.covering_price is not None:
            console.print(escape(_breakeven_line(oid, r, ens.reference_payroll_price)))
    if parquet is not None:
        console.print(f"wrote {parquet}")


def register(app: typer.Typer) -> None:
    """Add ``melian simulate`` to the application."""
    app.command("simulate")(simulate_cmd)
