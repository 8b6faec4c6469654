"""``melian backtest deu PATH``: backtest bargaining models on DEU legislative decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from melian.cli.common import console, guard, print_json
from melian.errors import InputError, Problem

backtest_app = typer.Typer(
    help="Backtest bargaining models on real decisions.", no_args_is_help=True
)


def _fmt(v: float | None, digits: int = 2) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


@backtest_app.command("deu")
@guard
def deu_cmd(
    path: Annotated[Path, typer.Argument(help="DEU issue file (tab-separated, DEU layout).")],
    model: Annotated[
        str, typer.Option("--model", help="A registered model name, or 'all'.")
    ] = "all",
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
    seed: Annotated[int | None, typer.Option("--seed", help="Bootstrap seed.")] = None,
    n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap replicates.")] = 2000,
    capability: Annotated[
        str, typer.Option("--capability", help="Capabilities: gdp (weights row), qmv or equal.")
    ] = "gdp",
) -> None:
    """Forecast every issue with each model and compare with the recorded outcomes.

    Prints per model the number of issues scored, mean and median absolute error (0-100 scale),
    failures, and the difference in mean absolute error to the compromise model with a 95%
    cluster-bootstrap interval (resampling proposals).
    """
    # lazy: the commands load their engines when run, so that `melian --help` starts at once
    from melian.bargaining.backtest import DEFAULT_SEED, backtest
    from melian.bargaining.deu import read_deu
    from melian.bargaining.registry import get_model, model_names

    if capability not in ("gdp", "qmv", "equal"):
        raise InputError(
            [Problem("--capability", None, None, "", f"{capability!r}: use gdp, qmv or equal")]
        )
    if n_boot < 100 or n_boot > 100_000:
        raise InputError([Problem("--n-boot", None, None, "", "use 100 to 100000 replicates")])
    if not path.is_file():
        raise InputError([Problem(str(path), None, None, "", "no such file")])
    issues = read_deu(path, capability=capability)  # type: ignore[arg-type]
    names = model_names() if model == "all" else [get_model(model).name]
    s = DEFAULT_SEED if seed is None else seed
    result = backtest(issues, names, seed=s, n_boot=n_boot)
    if json_out:
        data: dict[str, Any] = result.to_dict()
        data["file"] = str(path)
        data["capability"] = capability
        try:
            from melian.manifest import run_manifest  # lazy: numpy, the scenario schema
        except ImportError:  # pragma: no cover - manifest module absent
            pass
        else:
            data["manifest"] = run_manifest(
                command="backtest deu",
                seed=s,
                params={
                    "model": model,
                    "capability": capability,
                    "n_boot": n_boot,
                    "file": str(path),
                },
            )
        print_json(data)
        return
    t = Table(
        title=(
            f"DEU backtest: {result.n_outcomes} issues with an outcome, {result.n_proposals} "
            f"proposals ({path.name}; capability {capability})"
        )
    )
    for col in (
        "model",
        "n",
        "failed",
        "mean AE",
        "median AE",
        f"diff to {result.reference}",
        "95% CI",
        "seconds",
    ):
        t.add_column(col, justify="left" if col == "model" else "right")
    for r in result.models.values():
        d = r.to_dict()
        lo, hi = d["diff_ci95"]
        t.add_row(
            r.model,
            str(r.n),
            str(len(r.failures)),
            _fmt(d["mean_ae"]),
            _fmt(d["median_ae"]),
            _fmt(d["diff_mean_ae_to_reference"]),
            "-" if lo is None else f"[{lo:+.2f}, {hi:+.2f}]",
            f"{r.seconds:.2f}",
        )
    console.print(t)
    console.print(
        f"bootstrap: {result.bootstrap}; {result.n_boot} replicates, seed {result.seed}",
        highlight=False,
    )
    if "melian-deu" in result.models:
        console.print(
            "note: melian-deu's parameter was fitted on deu-dev.tsv; on that file its error is "
            "in-sample (its cross-validated error is in docs/models/melian-deu.md)",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add the ``backtest`` command group to the melian CLI."""
    app.add_typer(backtest_app, name="backtest")
