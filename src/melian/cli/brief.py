"""``melian brief``: run every analysis and write the decision brief (HTML + PDF + JSON)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from melian.cli.common import console, err_console, guard, print_json, rich_console
from melian.errors import MelianError

HORIZON = typer.Option(
    "--horizon",
    help="Months of the consequences section's simulation and fan charts (default 24; the "
    "ranking's world criteria keep their own horizon).",
    min=1,
    max=600,
)

ALLOW_PARTIAL = typer.Option(
    "--allow-partial",
    help="Write the brief even if sections fail (marked in it; exit code 0). By default a failed "
    "section writes nothing and exits 2.",
)


def _settings(quick: bool, seed: int | None, horizon: int | None) -> Any:  # noqa: ANN401
    """The brief's settings with ``--horizon`` applied (``None``: the defaults of ``quick``)."""
    if horizon is None:
        return None
    from melian.brief import Settings  # lazy: the brief package (jinja2, every engine)

    return dataclasses.replace(Settings.make(quick, seed), horizon=horizon)


def register(app: typer.Typer) -> None:
    """Attach ``brief`` to the main app."""

    @app.command("brief")
    @guard
    def brief_cmd(
        scenario: Annotated[str, typer.Argument(help="Built-in id or path.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
            "briefs"
        ),
        lang: Annotated[
            str, typer.Option("--lang", help="en or ar (Arabic, right to left).")
        ] = "en",
        quick: Annotated[bool, typer.Option("--quick", help="Fast, lower-fidelity run.")] = False,
        seed: Annotated[
            int | None, typer.Option("--seed", help="Seed (default: the scenario's).")
        ] = None,
        horizon: Annotated[int | None, HORIZON] = None,
        pdf: Annotated[
            bool, typer.Option("--pdf/--no-pdf", help="Also print a PDF (needs chromium).")
        ] = True,
        store: Annotated[
            str | None, typer.Option("--store", help="Run store URL (default SQLite).")
        ] = None,
        save: Annotated[
            bool, typer.Option("--save/--no-save", help="Save the run in the run store.")
        ] = True,
        json_out: Annotated[
            bool, typer.Option("--json", help="Print the paths and results as JSON.")
        ] = False,
        allow_partial: Annotated[bool, ALLOW_PARTIAL] = False,
    ) -> None:
        """Write the decision brief for SCENARIO: bottom line, judgements, every analysis, sources."""
        # lazy: every analysis engine, jinja2, the run store (sqlalchemy)
        from melian.analysis.brief import build_brief
        from melian.brief import run_record
        from melian.io import load_scenario
        from melian.store import save_run

        if lang not in ("en", "ar"):
            raise MelianError(f"--lang must be 'en' or 'ar', not {lang!r}")
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=rich_console(err_console),
            transient=True,
            disable=json_out,
            auto_refresh=False,  # no refresh thread: the brief may fork (melian.brief.parallel)
        ) as bar:
            task = bar.add_task("brief", total=1.0)

            def progress(msg: str, frac: float) -> None:
                bar.update(task, completed=frac, description=msg[:60], refresh=True)

            s = load_scenario(scenario)
            result = build_brief(
                s,
                out_dir=out,
                lang=lang,
                quick=quick,
                seed=seed,
                pdf=pdf,
                progress=progress,
                settings=_settings(quick, seed, horizon),
                allow_partial=allow_partial,
            )
        for sec, why in result.brief.failures.items():
            err_console.print(
                f"INCOMPLETE BRIEF: section '{sec}' failed and is missing: {why}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        # persisting is this face's decision, not a side effect of building the brief
        run_id = save_run(**run_record(result.brief), scenario=s, store=store) if save else None
        if json_out:
            print_json(
                {
                    "paths": {k: str(v) for k, v in result.paths.items()},
                    "run_id": run_id,
                    "brief": result.brief.to_dict(),
                }
            )
            return
        for line in result.brief.bluf:
            console.print(line, markup=False, highlight=False)
        for kind, path in result.paths.items():
            console.print(f"{kind}: {path}", markup=False, highlight=False)
        if run_id:
            console.print(f"run: {run_id}", markup=False, highlight=False)
        console.print(
            f"The brief is at {result.paths['html'].resolve()}", markup=False, highlight=False
        )
