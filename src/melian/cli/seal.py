"""``melian seal | verify | score | ledger export``: sealed forecasts (see :mod:`melian.sealing`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from melian.cli.common import console, err_console, guard, print_json
from melian.errors import InputError, Problem

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Run store URL holding the ledger (sqlite:///path or postgresql://...); "
        "default $MELIAN_STORE, else the user's store.",
    ),
]


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _seal_cmd(
    scenario: Annotated[str, typer.Argument(help="Built-in id or path to a scenario file.")],
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help="Bargaining model (repeatable; default: all)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the scenario's).")] = None,
    store: StoreOpt = None,
    json_out: JsonOpt = False,
    predictive: Annotated[
        bool,
        typer.Option(
            "--predictive",
            "--distribution",
            help="Also seal the ensemble's predictive distribution of every issue (draws, "
            "quantiles, intervals, threshold probabilities).",
        ),
    ] = False,
    input_draws: Annotated[
        int, typer.Option("--input-draws", help="Monte Carlo draws of the inputs per model.")
    ] = 32,
    samples: Annotated[
        int, typer.Option("--samples", help="Predictive draws per issue (sealed).")
    ] = 1000,
) -> None:
    """Forecast SCENARIO and seal the forecast in the append-only ledger."""
    # lazy: the commands load the store (sqlalchemy) and the models when run
    from melian.scenario.loader import resolve_path
    from melian.sealing import seal_forecast

    path = resolve_path(scenario)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            [Problem(scenario, None, None, "", f"cannot read the scenario file: {exc}")]
        ) from None
    if predictive and not 0 <= input_draws <= 10_000:
        raise InputError([Problem("--input-draws", None, None, "", "use 0 to 10000")])
    if predictive and not 10 <= samples <= 100_000:
        raise InputError([Problem("--samples", None, None, "", "use 10 to 100000")])
    entry = seal_forecast(
        text,
        file=str(path),
        models=model,
        seed=seed,
        store=store,
        predictive=predictive,
        input_draws=input_draws,
        n_samples=samples,
    )
    if json_out:
        print_json(
            {
                "seq": entry.seq,
                "id": entry.id,
                "hash": entry.hash,
                "sealed_at": entry.data["sealed_at"],
            }
        )
        return
    console.print(
        f"sealed forecast {entry.id} of {entry.scenario_id} as ledger entry {entry.seq}\n"
        f"head hash {entry.hash}\n(keep the head hash: `melian verify --head HASH` proves nothing "
        "was removed since)",
        markup=False,
        highlight=False,
    )


def _verify_cmd(
    ledger: Annotated[
        str | None,
        typer.Argument(help="A ledger export (.jsonl) or a store URL/SQLite file (default store)."),
    ] = None,
    entry_id: Annotated[
        list[str] | None,
        typer.Option("--id", help="Only re-solve this sealed forecast (repeatable)."),
    ] = None,
    head: Annotated[
        str | None, typer.Option("--head", help="The head hash recorded when sealing.")
    ] = None,
    store: StoreOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Check the ledger's hash chain and re-solve its sealed forecasts bit for bit (exit 1 if not)."""
    # lazy: the store (sqlalchemy) and the models
    from melian.ledger import open_entries
    from melian.sealing import verify_entries

    entries = open_entries(ledger if ledger is not None else store)
    result = verify_entries(entries, ids=entry_id, head=head)
    if json_out:
        print_json(result.to_dict())
    else:
        for p in result.chain_problems:
            err_console.print(f"chain: {p}", markup=False, highlight=False)
        t = Table(title=f"{result.entries} ledger entries, head {result.head[:16]}")
        for col in ("seq", "id", "scenario", "verified"):
            t.add_column(col)
        for c in result.checks:
            t.add_row(str(c.seq), c.id, c.scenario_id or "—", "yes" if c.ok else "NO")
        console.print(t)
        for c in result.checks:
            for p in c.problems:
                err_console.print(f"entry {c.seq} ({c.id}): {p}", markup=False, highlight=False)
            for n in c.notes:
                err_console.print(f"entry {c.seq} ({c.id}): note: {n}", markup=False)
        if result.ok and result.entries == 0:
            console.print(
                "nothing to verify: the ledger has no entries (is this the right file or store?)",
                markup=False,
            )
        else:
            console.print("verified" if result.ok else "NOT verified", markup=False)
    if not result.ok:
        raise typer.Exit(code=1)


def _score_cmd(
    ledger: Annotated[
        str, typer.Argument(help="A ledger export (.jsonl) or a store URL/SQLite file.")
    ],
    outcomes: Annotated[
        Path, typer.Argument(help="CSV with columns scenario_id,issue,outcome[,seal].")
    ],
    json_out: JsonOpt = False,
) -> None:
    """Score sealed forecasts once outcomes are known (error, CRPS, coverage, Brier)."""
    # lazy: the store (sqlalchemy) and scoringrules
    from melian.ledger import open_entries
    from melian.sealing import read_outcomes, score_entries

    result = score_entries(open_entries(ledger), read_outcomes(outcomes))
    if not result.scores:
        raise InputError(
            [
                Problem(
                    str(outcomes),
                    None,
                    None,
                    "",
                    "no outcome matches a sealed forecast's scenario and issue",
                )
            ]
        )
    if json_out:
        print_json(result.to_dict())
        return
    t = Table(title=f"Sealed forecasts scored on {len(result.scores)} outcome(s)")
    for col in ("forecaster", "n", "MAE", "CRPS", "50%", "80%", "95%", "Brier"):
        t.add_column(col)
    for r in result.summary():
        t.add_row(
            r["forecaster"], str(r["n"]), _fmt(r["mae"]), _fmt(r["crps"]),
            _fmt(r["coverage_50%"]), _fmt(r["coverage_80%"]), _fmt(r["coverage_95%"]),
            _fmt(r["brier"], 3),
        )  # fmt: skip
    console.print(t)
    if result.unmatched:
        err_console.print(
            f"no sealed forecast for: {', '.join(result.unmatched)}", markup=False, highlight=False
        )


def _export_cmd(
    out: Annotated[Path, typer.Argument(help="The JSON-lines file to write.")],
    store: StoreOpt = None,
) -> None:
    """Export the ledger as JSON lines (verifiable and scorable anywhere)."""
    from melian.ledger import Ledger  # lazy: the store (sqlalchemy)

    n = Ledger(store).export_jsonl(out)
    sys.stdout.write(f"{n} ledger entries written to {out}\n")


def register(app: typer.Typer) -> None:
    """Add ``melian seal``, ``verify``, ``score`` and ``ledger export`` to the application."""
    app.command("seal")(guard(_seal_cmd))
    app.command("verify")(guard(_verify_cmd))
    app.command("score")(guard(_score_cmd))
    ledger_app = typer.Typer(help="The forecast ledger.", no_args_is_help=True)
    ledger_app.command("export")(guard(_export_cmd))
    app.add_typer(ledger_app, name="ledger")
