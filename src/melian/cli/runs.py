"""``melian runs list|show|diff|export``: browse the run store (see :mod:`melian.store`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from melian.cli.common import console, dumps, guard, print_json
from melian.errors import StoreError
from melian.store import open_store, safe_url

runs_app = typer.Typer(help="List, show, compare and export stored runs.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Run store URL (sqlite:///path or postgresql://user@host/db); "
        "default $MELIAN_STORE, else an SQLite file in the user data directory.",
    ),
]


def _brief(value: Any, width: int = 40) -> str:  # noqa: ANN401
    """A short, single-line rendering of a value for tables."""
    text = "—" if value is None else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


@runs_app.command("list")
@guard
def list_cmd(
    store: StoreOpt = None,
    scenario: Annotated[str | None, typer.Option(help="Only runs of this scenario id.")] = None,
    kind: Annotated[
        str | None, typer.Option(help="Only runs of this kind (forecast, ...).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="At most this many runs.")] = 50,
    json_out: JsonOpt = False,
) -> None:
    """List stored runs, newest first."""
    st = open_store(store)
    runs = st.list_runs(limit=limit, scenario_id=scenario, kind=kind)
    if json_out:
        print_json([r.to_dict() for r in runs])
        return
    t = Table(title=f"Runs in {safe_url(st.url)}")
    for col in ("id", "kind", "scenario", "hash", "saved (UTC)", "status"):
        t.add_column(col)
    for r in runs:
        t.add_row(
            r.id,
            r.kind,
            r.scenario_id or "—",
            (r.scenario_hash or "—")[:12],
            r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            r.status,
        )
    console.print(t)
    if not runs:
        console.print("no runs stored yet", style="dim")


@runs_app.command("show")
@guard
def show_cmd(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix of it).")],
    store: StoreOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show one run: its summary, manifest and results."""
    run = open_store(store).get_run(run_id)
    if json_out:
        print_json(run.to_dict())
        return
    t = Table(title=f"Run {run.id}", show_header=False)
    t.add_column("field")
    t.add_column("value")
    for key, val in run.to_dict().items():
        if key in ("manifest", "results", "inputs"):
            continue
        t.add_row(key, str(val))
    for key, val in run.manifest.items():
        t.add_row(f"manifest.{key}", _brief(val, 80))
    console.print(t)
    console.print("[bold]results[/bold]")
    console.print(dumps(run.results), markup=False, highlight=False, soft_wrap=True)


@runs_app.command("diff")
@guard
def diff_cmd(
    run_a: Annotated[str, typer.Argument(help="First run id (or unique prefix).")],
    run_b: Annotated[str, typer.Argument(help="Second run id (or unique prefix).")],
    store: StoreOpt = None,
    rtol: Annotated[
        float, typer.Option(min=0.0, help="Relative tolerance for numbers (0: exact).")
    ] = 0.0,
    json_out: JsonOpt = False,
) -> None:
    """What differs between two runs: manifest and result key paths, and the scenario text."""
    d = open_store(store).diff_runs(run_a, run_b, rtol=rtol)
    if json_out:
        print_json(d)
        return
    if d["identical"]:
        console.print(f"runs {d['a']} and {d['b']} are identical")
        return
    t = Table(title=f"{d['a']} → {d['b']}: {len(d['changes'])} differing values")
    t.add_column("key path")
    t.add_column("a")
    t.add_column("b")
    for c in d["changes"]:
        t.add_row(c["path"], _brief(c["a"]), _brief(c["b"]))
    console.print(t)
    if d["inputs"]:
        console.print("[bold]scenario text[/bold]")
        console.print("\n".join(d["inputs"]), markup=False, highlight=False)


@runs_app.command("export")
@guard
def export_cmd(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix of it).")],
    store: StoreOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default stdout).")
    ] = None,
    inputs: Annotated[
        bool, typer.Option("--inputs", help="Write only the scenario text the run used (YAML).")
    ] = False,
) -> None:
    """Export a run as JSON (manifest, inputs, results, digest), or only its scenario text."""
    data = open_store(store).export_run(run_id)
    if inputs:
        if data["inputs"] is None:
            raise StoreError(f"run {data['id']} has no stored scenario text")
        text = data["inputs"]
    else:
        text = dumps(data) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot write {output}: {exc.strerror}") from None
    console.print(f"wrote {output}")


def register(app: typer.Typer) -> None:
    """Add ``melian runs`` to the command line."""
    app.add_typer(runs_app, name="runs")
