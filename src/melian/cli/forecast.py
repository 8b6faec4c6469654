"""``melian forecast``: run the spatial bargaining models on a scenario or a KTAB CSV file."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from melian.analysis.forecast import ForecastSet, forecast_all
from melian.bargaining import default_model, model_names, to_problem
from melian.bargaining.base import BargainingProblem
from melian.bargaining.io.export import write_csv
from melian.bargaining.io.ktab_csv import read_ktab_csv
from melian.bargaining.registry import get_model
from melian.cli.common import console, guard, print_json
from melian.errors import ModelError
from melian.manifest import run_manifest


def parse_value(text: str) -> Any:  # noqa: ANN401
    """A --param value: int, float, true/false/none, else the string itself."""
    low = text.strip().lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    if low in ("none", "null"):
        return None
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def parse_params(items: list[str], models: list[str]) -> dict[str, dict[str, Any]]:
    """``key=value`` or ``model.key=value`` strings -> per-model parameter overrides.

    A plain key applies to every selected model that has that parameter; a key no selected model
    has is an error (:class:`ModelError`).
    """
    out: dict[str, dict[str, Any]] = {m: {} for m in models}
    for item in items:
        if "=" not in item:
            raise ModelError(f"--param {item!r}: expected key=value")
        key, value = item.split("=", 1)
        key = key.strip()
        target = models
        if "." in key:
            mname, key = key.split(".", 1)
            if mname not in models:
                raise ModelError(f"--param {item!r}: model {mname!r} is not selected")
            target = [mname]
        hit = [m for m in target if key in get_model(m).defaults]
        if not hit:
            raise ModelError(f"--param {item!r}: no selected model has a parameter {key!r}")
        for m in hit:
            out[m][key] = parse_value(value)
    return out


def load_problem(source: str, issue: str | None) -> tuple[BargainingProblem, Any]:  # noqa: ANN401
    """The bargaining problem of SOURCE (KTAB .csv, or a scenario id/path) and the scenario."""
    issues = [issue] if issue else None
    if source.lower().endswith(".csv"):
        return to_problem(read_ktab_csv(Path(source)), issues), None
    # lazy: the scenario schema (pydantic), not needed for a KTAB file
    from melian.io import load_scenario

    scenario = load_scenario(source)
    return to_problem(scenario, issues), scenario


def _fmt(v: float | None) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"


def forecast_cmd(
    scenario: Annotated[
        str, typer.Argument(help="Built-in scenario id, scenario YAML, or KTAB .csv.")
    ],
    model: Annotated[
        str,
        typer.Option(
            "--model",
            "-m",
            help="Model name, 'all', or 'default' (melian-deu for legislative bargaining, "
            "else smp when every actor holds a position on every issue, else compromise).",
        ),
    ] = "default",
    issue: Annotated[str | None, typer.Option("--issue", help="Only this issue id.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write long-format CSV trajectories here.")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="key=value or model.key=value (repeatable)."),
    ] = None,
    distribution: Annotated[
        bool,
        typer.Option(
            "--distribution",
            "--predictive",
            help="Predictive distributions (ensemble of every model, or the --model given): "
            "median, 50/80/95% intervals, threshold probabilities; --json gives the full object.",
        ),
    ] = False,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed of the predictive draws (default: the scenario's)."),
    ] = None,
    input_draws: Annotated[
        int, typer.Option("--input-draws", help="Monte Carlo draws of the inputs per model.")
    ] = 32,
) -> None:
    """Forecast each issue's outcome with the spatial bargaining models."""
    problem, scen = load_problem(scenario, issue)
    if distribution:
        _predictive(problem, scen, model, param or [], seed, input_draws, json_out, issue)
        return
    if model == "default":
        model = default_model(problem)
    models = model_names() if model == "all" else [get_model(model).name]
    params = parse_params(param or [], models)
    fs = forecast_all(problem, models, params=params, keep_going=model == "all")
    if csv_path is not None:
        write_csv(list(fs.forecasts.values()), csv_path)
    if json_out:
        manifest = run_manifest(
            scen, command="forecast", params={"model": model, "issue": issue, "params": params}
        )
        print_json({"manifest": manifest, **fs.to_dict()})
        return
    _print_forecasts(fs, models, problem.name or scenario)
    _print_units(fs, scen)
    if csv_path is not None:
        console.print(f"trajectories written to {csv_path}")


def _print_units(fs: ForecastSet, scen: Any) -> None:  # noqa: ANN401 - a Scenario or None
    """Each model's point in the unit of every issue whose scale declares one."""
    scales = {i.id: i.scale for i in getattr(scen, "issues", [])}
    for k, iss in enumerate(fs.problem.issues):
        sc = scales.get(iss)
        if sc is None or sc.unit is None:
            continue
        got = sc.unit_amounts(*(f.issues[k].point for f in fs.forecasts.values()))
        pts = ", ".join(f"{m} {a}" for m, a in zip(fs.forecasts, got, strict=True))
        console.print(f"{iss} in {sc.unit.name}: {pts}", highlight=False, markup=False)


def _print_forecasts(fs: ForecastSet, models: list[str], title: str) -> None:
    """The point forecasts of every model, and every actor's path for a single model."""
    problem, results = fs.problem, fs.forecasts
    from rich.table import Table  # only for a table on screen: --json starts faster

    t = Table(title=f"Bargaining forecasts: {title}")
    t.add_column("issue")
    t.add_column("status quo", justify="right")
    for m in models:
        t.add_column(m, justify="right", min_width=len(m))
    for k, iss in enumerate(problem.issues):
        row = [iss, _fmt(float(problem.reference[k]))]
        for m in models:
            row.append(_fmt(results[m].issues[k].point) if m in results else "error")
        t.add_row(*row)
    console.print(t)
    if len(results) == 1:
        fc = next(iter(results.values()))
        for f in fc.issues:
            at = Table(title=f"{fc.model}: {f.issue} (rounds: {fc.rounds})")
            at.add_column("actor")
            at.add_column("initial", justify="right")
            at.add_column("final", justify="right")
            for a, i0, i1 in zip(fc.actors, f.trajectory[0], f.trajectory[-1], strict=True):
                if not math.isnan(i0):
                    at.add_row(a, _fmt(float(i0)), _fmt(float(i1)))
            console.print(at)
    for m, msg in fs.errors.items():
        console.print(f"[yellow]{m}[/yellow]: {msg}", highlight=False)


def _predictive(
    problem: BargainingProblem,
    scen: Any,  # noqa: ANN401
    model: str,
    param: list[str],
    seed: int | None,
    input_draws: int,
    json_out: bool,
    issue: str | None,
) -> None:
    """``melian forecast --distribution``: the predictive distribution per issue."""
    # lazy: the predictive analysis (calibration, input draws), only with --distribution
    from melian.analysis.predictive import predictive
    from melian.bargaining.predictive import shipped_calibration  # lazy: as above

    if input_draws < 0 or input_draws > 10_000:
        raise ModelError("--input-draws: use 0 to 10000")
    cal = shipped_calibration()
    models = list(cal.models) if model in ("all", "default") else [get_model(model).name]
    params = parse_params(param, models)
    pf = predictive(
        scen if scen is not None else problem,
        models,
        seed=seed,
        input_draws=input_draws,
        issues=[issue] if issue else None,
        params=params,
        calibration=cal,
    )
    if json_out:
        print_json(
            {
                "manifest": run_manifest(
                    scen,
                    command="forecast",
                    params={
                        "model": model,
                        "issue": issue,
                        "seed": pf.seed,
                        "input_draws": input_draws,
                    },
                ),
                "predictive": pf.to_dict(),
            }
        )
        return
    who = "ensemble of " + ", ".join(pf.models) if len(pf.models) > 1 else pf.models[0]
    from rich.table import Table  # only for a table on screen: --json starts faster

    t = Table(title=f"Predictive distribution: {problem.name} ({who})")
    for col in ("issue", "point", "median", "50%", "80%", "95%", "models' points", "atoms"):
        t.add_column(col, justify="left" if col in ("issue", "atoms") else "right")
    for it in pf.issues:
        iv = {k: f"{lo:.1f}-{hi:.1f}" for k, (lo, hi) in it.intervals.items()}
        pts = [m.point for m in it.models]
        atoms = ", ".join(
            f"{a['value']:.0f} ({a['probability']:.0%})"
            for a in sorted(it.atoms, key=lambda a: -a["probability"])[:3]
        )
        t.add_row(
            it.issue,
            _fmt(it.point),
            _fmt(it.median),
            iv[0.5],
            iv[0.8],
            iv[0.95],
            f"{min(pts):.1f}-{max(pts):.1f}",
            atoms,
        )
    console.print(t)
    scales = {i.id: i.scale for i in getattr(scen, "issues", [])}
    for it in pf.issues:
        sc = scales.get(it.issue)
        if sc is not None and sc.unit is not None:
            lo, hi = sc.unit_interval(*it.intervals[0.8])
            (med,) = sc.unit_amounts(it.median)
            console.print(
                f"{it.issue} in {sc.unit.name}: median {med}, 80% {lo} to {hi}",
                highlight=False,
                markup=False,
            )
        for th in it.thresholds:
            console.print(f"{it.issue}: P({th.label}) = {th.probability:.2f}", highlight=False)
    console.print(
        f"weights: {', '.join(f'{m} {w:.2f}' for m, w in pf.weights.items())}; calibration: "
        f"{pf.calibration.get('file', '?')} ({pf.calibration.get('n_issues', '?')} issues); "
        f"{pf.n_samples} draws, {pf.input_draws} input draws per model, seed {pf.seed}",
        highlight=False,
    )
    for m, msg in pf.failures.items():
        console.print(f"[yellow]{m}[/yellow]: {msg}", highlight=False)
    for note in pf.notes:
        console.print(f"note: {note}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``melian forecast`` to the CLI."""
    app.command("forecast")(guard(forecast_cmd))
