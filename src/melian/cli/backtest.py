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
        str,
        typer.Option(
            "--capability",
            help="Capabilities: gdp (the file's weights row), qmv (Council QMV votes of the "
            "treaty regime in force on the proposal's intro date, 1995-2014; Commission and "
            "Parliament get the largest member state's votes) or equal.",
        ),
    ] = "gdp",
    missing_salience: Annotated[
        float | None,
        typer.Option(
            "--missing-salience",
            help="Salience (0-100) for an empty salience cell beside a position (DEU II files "
            "leave some empty); without it such a cell is an error.",
        ),
    ] = None,
    distributions: Annotated[
        bool,
        typer.Option(
            "--distributions/--points",
            help="Also score predictive distributions (CRPS, coverage, interval score; grouped "
            "cross-validation by proposal).",
        ),
    ] = True,
    folds: Annotated[
        int,
        typer.Option(
            "--folds", help="Grouped CV folds for the distributions (0: leave one proposal out)."
        ),
    ] = 10,
    pit_chart: Annotated[
        Path | None,
        typer.Option("--pit-chart", help="Write the reliability (PIT) chart here (PNG)."),
    ] = None,
) -> None:
    """Forecast every issue with each model and compare with the recorded outcomes.

    Prints per model the number of issues scored, mean and median absolute error (0-100 scale),
    failures, and the difference in mean absolute error to the compromise model with a 95%
    cluster-bootstrap interval (resampling proposals).
    """
    # lazy: the commands load their engines when run, so that `melian --help` starts at once
    from melian.bargaining.io.deu import read_deu
    from melian.bargaining.registry import get_model, model_names
    from melian.bargaining.validation.backtest import DEFAULT_SEED, backtest

    _check_args(path, capability, n_boot, missing_salience, folds)
    issues = read_deu(
        path,
        capability=capability,  # type: ignore[arg-type]
        missing_salience=missing_salience,
    )
    names = model_names() if model == "all" else [get_model(model).name]
    s = DEFAULT_SEED if seed is None else seed
    result = backtest(issues, names, seed=s, n_boot=n_boot)
    dist = None
    if distributions or pit_chart is not None:
        dist = _distributions(issues, result, s, n_boot, folds, pit_chart)
    if json_out:
        params = {
            "model": model,
            "capability": capability,
            "n_boot": n_boot,
            "file": str(path),
            "missing_salience": missing_salience,
            "folds": folds,
        }
        print_json(_json_data(result, dist, path, capability, missing_salience, s, params))
        return
    _print_table(result, path, capability)
    if dist is not None:
        _print_distributions(dist)
    if pit_chart is not None:
        console.print(f"PIT chart written to {pit_chart}", highlight=False)
    if "melian-deu" in result.models:
        console.print(
            "note: melian-deu's parameter was fitted on deu-dev.tsv; on that file its point "
            "error above is in-sample (in the distributions table it is refitted on each "
            "training fold; docs/models/melian-deu.md gives its out-of-sample record)",
            highlight=False,
        )


def _distributions(
    issues: Any,  # noqa: ANN401 - list of DEU issues
    result: Any,  # noqa: ANN401 - BacktestResult
    s: int,
    n_boot: int,
    folds: int,
    pit_chart: Path | None,
) -> Any:  # noqa: ANN401 - DistributionBacktest
    """Score the predictive distributions around the models' points (and write the PIT chart)."""
    import numpy as np

    # lazy: the calibration (scipy), only with --distributions
    from melian.bargaining.validation.calibration import distribution_backtest
    from melian.bargaining.validation.calibration import pit_chart as write_pit

    points = {
        m: np.array([np.nan if p["forecast"] is None else p["forecast"] for p in r.predictions])
        for m, r in result.models.items()
    }
    dist = distribution_backtest(issues, points, seed=s, n_boot=n_boot, folds=folds)
    if pit_chart is not None:
        write_pit(dist, str(pit_chart))
    return dist


def _check_args(
    path: Path, capability: str, n_boot: int, missing_salience: float | None, folds: int
) -> None:
    """Refuse bad options before any work (InputError, located at the option)."""
    if capability not in ("gdp", "qmv", "equal"):
        raise InputError(
            [Problem("--capability", None, None, "", f"{capability!r}: use gdp, qmv or equal")]
        )
    if n_boot < 100 or n_boot > 100_000:
        raise InputError([Problem("--n-boot", None, None, "", "use 100 to 100000 replicates")])
    if not path.is_file():
        raise InputError([Problem(str(path), None, None, "", "no such file")])
    if missing_salience is not None and not 0 <= missing_salience <= 100:
        raise InputError([Problem("--missing-salience", None, None, "", "use a value in 0-100")])
    if folds < 0 or folds == 1:
        raise InputError([Problem("--folds", None, None, "", "use 0 (leave one out) or >= 2")])


def _json_data(
    result: Any,  # noqa: ANN401 - BacktestResult
    dist: Any,  # noqa: ANN401 - DistributionBacktest | None
    path: Path,
    capability: str,
    missing_salience: float | None,
    s: int,
    params: dict[str, Any],
) -> dict[str, Any]:
    """The ``--json`` output of ``melian backtest deu``."""
    data: dict[str, Any] = result.to_dict()
    data["file"] = str(path)
    data["capability"] = capability
    data["missing_salience"] = missing_salience
    if dist is not None:
        data["distributions"] = dist.to_dict()
        data["distributions"]["quantile_levels"] = [round(x / 100, 2) for x in range(1, 100)]
        for mname, r in data["models"].items():
            for pred in r["predictions"]:
                pred["quantiles"] = dist.quantiles_of(mname, pred["issue"])
        data["distributions"]["ensemble_predictions"] = [
            {"issue": i, "quantiles": dist.quantiles_of("ensemble", i)} for i in dist.issues
        ]
    try:
        from melian.manifest import run_manifest  # lazy: numpy, the scenario schema
    except ImportError:  # pragma: no cover - manifest module absent
        pass
    else:
        data["manifest"] = run_manifest(command="backtest deu", seed=s, params=params)
    return data


def _print_table(result: Any, path: Path, capability: str) -> None:  # noqa: ANN401
    """The errors of every model, with the difference to the reference model."""
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


def _print_distributions(dist: Any) -> None:  # noqa: ANN401 - DistributionBacktest
    t = Table(
        title=f"Predictive distributions, out of sample ({dist.protocol['folds']}); "
        "differences to the baseline with 95% cluster-bootstrap intervals"
    )
    for col in ("model", "n", "MAE", "CRPS", "dCRPS", "95% CI", "cov50", "cov80", "cov95", "IS80"):
        t.add_column(col, justify="left" if col == "model" else "right")
    for name, row in dist.summary.items():
        ci = row.get("diff_crps_ci95")
        t.add_row(
            name,
            str(row["n"]),
            _fmt(row["mae"]),
            _fmt(row["crps"]),
            _fmt(row.get("diff_crps")),
            "-" if not ci else f"[{ci[0]:+.2f}, {ci[1]:+.2f}]",
            _fmt(row["coverage50"]),
            _fmt(row["coverage80"]),
            _fmt(row["coverage95"]),
            _fmt(row["interval_score80"], 1),
        )
    console.print(t)
    console.print(
        f"baseline: {dist.protocol['baseline']}; scores by {dist.protocol['scoring']}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the ``backtest`` command group to the melian CLI."""
    app.add_typer(backtest_app, name="backtest")
