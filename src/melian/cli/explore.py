"""``melian explore``: sensitivity (Sobol, Morris, tornado), scenario discovery (PRIM) and regret."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from melian.cli.common import console, err_console, guard, print_json, rich_console
from melian.errors import ModelError

#: Why the paths per future stopped doubling (melian.explore.mcerror), as the CLI says it.
STOPS = {
    "resolved": "",
    "futures": ", stopped where the futures' error dominates: more paths would not sharpen it",
    "max_paths": ", at the cap",
    "each_future": ", stopped when every future's ranking was resolved by its own paths",
    "fixed": "",
}


@contextmanager
def progress_bar(label: str, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr; yields a ``progress(done, total)`` callback."""
    if not enabled:
        yield lambda done, total: None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=rich_console(err_console),
        transient=True,
    ) as prog:
        task = prog.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            prog.update(task, completed=done, total=total)

        yield update


def parse_thresholds(items: list[str]) -> dict[str, float]:
    """``outcome=value`` strings -> satisficing thresholds."""
    out: dict[str, float] = {}
    for item in items:
        if "=" not in item:
            raise ModelError(f"--threshold {item!r}: expected outcome=value")
        k, v = item.split("=", 1)
        try:
            out[k.strip()] = float(v)
        except ValueError:
            raise ModelError(f"--threshold {item!r}: {v!r} is not a number") from None
    return out


def _g(x: Any) -> str:  # noqa: ANN401
    return "-" if x is None else f"{x:.3g}"


def _print_sensitivity(d: dict[str, Any], top: int) -> None:
    sobol = d["method"] == "sobol"
    for out in d["outputs"]:
        title = (
            f"{out['option']}: {out['outcome']}"
            if out["kind"] == "outcome"
            else f"advantage of {out['option']} over {out['versus']}: {out['outcome']}"
        )
        t = Table(title=title)
        t.add_column("parameter")
        cols = ("S1", "S1_conf", "ST", "ST_conf") if sobol else ("mu_star", "mu_star_conf", "sigma")
        for c in cols:
            t.add_column(c.replace("_conf", " ±"), justify="right")
        moving = [r for r in out["indices"] if any(r[c] for c in cols)]
        for r in moving[:top]:
            t.add_row(r["parameter"], *(_g(r[c]) for c in cols))
        console.print(t)
        idle = len(out["indices"]) - len(moving)
        if idle:
            console.print(f"({idle} parameter(s) with every index 0 not shown)", highlight=False)
        if sobol and any(
            r[c] is not None and not -0.05 <= r[c] <= 1.05 for r in moving for c in ("S1", "ST")
        ):
            console.print(
                "[yellow]note[/yellow]: some Sobol indices lie outside [0, 1]: with this few "
                "samples the estimates are noisy (see the ± columns); raise --samples",
                highlight=False,
            )
    console.print(f"{d['runs']} model runs in {d['seconds']:.1f} s (seed {d['seed']})")


def _print_tornado(d: dict[str, Any], top: int) -> None:
    for out in d["outputs"]:
        t = Table(title=f"{out['key']} (base {_g(out['base'])})")
        for c in ("parameter", "low", "high", "output at low", "output at high", "width"):
            t.add_column(c, justify="left" if c == "parameter" else "right")
        for b in out["bars"][:top]:
            t.add_row(
                b["parameter"],
                _g(b["low_value"]),
                _g(b["high_value"]),
                _g(b["output_at_low"]),
                _g(b["output_at_high"]),
                _g(b["width"]),
            )
        console.print(t)


def _paths_text(mc: dict[str, Any]) -> str:
    """'256 paths per future', or, with the paths allocated per future, how many had how many."""
    by = sorted((int(p), c) for p, c in (mc.get("paths_by_future") or {}).items())
    if len(by) <= 1:
        return f"{mc['paths_per_future']} paths per future"
    counts = ", ".join(f"{c} with {p}" for p, c in by)
    text = (
        f"{by[0][0]}-{by[-1][0]} paths per future, more where a future's ranking was still "
        f"open: {counts}"
    )
    per = mc.get("paths_by_option") or {}
    most = max(per.values(), default=0.0)  # the recommendation's: it runs in every open future
    fewer = {o: v for o, v in per.items() if v < most}
    if fewer:  # options a future stopped running once the recommendation led them
        z = (mc.get("settings") or {}).get("resolved_z", 3)
        each = ", ".join(f"{o} {v:.0f}" for o, v in fewer.items())
        text += (
            f"; options the recommendation already led by {z:g} standard errors got fewer "
            f"(mean paths per future: {each})"
        )
    return text


def _print_prim(d: dict[str, Any]) -> None:
    mc = d.get("mc_error") or {}
    se = f" ± {100 * mc['share_se']:.1f}" if mc.get("share_se") is not None else ""
    console.print(
        f"{d['recommended']} is not the best on {d['outcome']} in {d['cases_not_best']} of "
        f"{d['experiments']} experiments ({100 * d['base_rate']:.1f}{se} %); best counts: "
        f"{d['best_counts']}"
    )
    if mc.get("paths_per_future"):
        sp = mc.get("share_se_paths")
        console.print(
            f"Monte Carlo error: {100 * mc['share_se_futures']:.1f} % from the futures, "
            + (f"{100 * sp:.1f} % from the paths " if sp is not None else "")
            + f"({_paths_text(mc)}"
            + STOPS.get(mc.get("stop", ""), "" if mc.get("converged") else ", at the cap")
            + ")"
        )
    scr = d.get("settings", {}).get("screening")
    if scr:
        console.print(
            f"PRIM peeled the {len(scr['kept'])} of {scr['inputs']} inputs with the highest "
            f"extra-trees feature scores: {', '.join(scr['kept'])}"
        )
    if not d["boxes"]:
        console.print(f"PRIM found no box: {_no_box_reason(d)}.", highlight=False)
    for b in d["boxes"]:
        t = Table(
            title=f"box {b['box']}: coverage {b['coverage']:.2f}, density {b['density']:.2f}, "
            f"mass {b['mass']:.2f}; winners inside {b['best_alternatives_inside']}"
        )
        for c in ("parameter", "low", "high", "quantiles", "qp"):
            t.add_column(c)
        for r in b["restricted_dimensions"]:
            t.add_row(
                r["parameter"],
                _g(r["value_low"]),
                _g(r["value_high"]),
                f"{_g(r['quantile_low'])} .. {_g(r['quantile_high'])}",
                f"{_g(r['qp_low'])} / {_g(r['qp_high'])}",
            )
        if b["restricted_dimensions"]:
            console.print(t)
        else:
            console.print(
                f"{t.title}: restricts no input; the box is the whole sampled space (its "
                "density is the base rate: no region explains the cases better than all of it)",
                highlight=False,
            )


def _no_box_reason(d: dict[str, Any]) -> str:
    """Why PRIM returned no box, from the ensemble's base rate and PRIM's settings."""
    n, k = d["experiments"], d["cases_not_best"]
    if k == 0:
        return f"{d['recommended']} is the best in all {n} experiments, so there is no case to box"
    if k == n:
        return (
            f"{d['recommended']} is not the best in any of the {n} experiments, so every box is "
            "the whole sampled space"
        )
    st = d.get("settings", {})
    return (
        f"no box of at least {st.get('mass_min', 0.05):g} of the experiments has a higher density "
        f"of cases than the base rate ({k} of {n})"
    )


def _minimax_text(choice: str, per: dict[str, dict[str, float]]) -> str:
    """The minimax-regret option, saying when its maximum regret ties with others'."""
    best = per[choice]["max"]
    tied = [o for o in per if o != choice and abs(per[o]["max"] - best) <= 1e-12]
    if not tied:
        return choice
    if len(tied) == len(per) - 1:
        return "tie (all)"
    return f"{choice} (tie with {', '.join(tied)})"


def _print_regret(d: dict[str, Any]) -> None:
    t = Table(title=f"regret over {d['experiments']} experiments (max / p90 / mean)")
    t.add_column("outcome")
    opts = list(next(iter(d["regret"].values())))
    for o in opts:
        t.add_column(o, justify="right")
    t.add_column("minimax regret")
    for c, per in d["regret"].items():
        t.add_row(
            c,
            *(f"{_g(per[o]['max'])} / {_g(per[o]['p90'])} / {_g(per[o]['mean'])}" for o in opts),
            _minimax_text(d["minimax_regret_choice"][c], per),
        )
    console.print(t)
    if d["satisficing_share"]:
        s = Table(title=f"share of experiments meeting {d['thresholds']}")
        s.add_column("option")
        keys = list(next(iter(d["satisficing_share"].values())))
        for k in keys:
            s.add_column(k, justify="right")
        for o, v in d["satisficing_share"].items():
            s.add_row(o, *(f"{v[k]:.2f}" for k in keys))
        console.print(s)
        console.print(f"most satisficing: {d['most_satisficing']}")


def _print_breaking(d: dict[str, Any], top: int) -> None:
    """Switch-over values nearest first, then the nearest flip."""
    se = d.get("central_gap_se")
    lead = f"{d['central_gap']:.3g}" + (f" (MC s.e. {se:.2g})" if se is not None else "")
    console.print(
        f"top-ranked option at the central experiment (every uncertain input at its median, "
        f"which for a lottery or a skewed distribution is not its mean, as decide uses): "
        f"{d['top']}, ahead by {lead} in utility",
        highlight=False,
    )
    t = Table(title="Switch-over values (others at their central values)")
    for col in ("input", "side", "spreads", "value", "s.e. (spreads)", "then first"):
        t.add_column(col)
    shown = 0
    for s in d["switch_overs"]:
        for side in ("low", "high"):
            z = s[f"{side}_z"]
            if z is None or shown >= top:
                continue
            shown += 1
            val, sez = s[f"{side}_value"], s[f"{side}_se_z"]
            t.add_row(
                s["input"], side, f"{z:+.2f}", "—" if val is None else f"{val:.4g}",
                "—" if sez is None else f"{sez:.2f}", s[f"{side}_winner"] or "—",
            )  # fmt: skip
    if shown:
        console.print(t)
    else:
        console.print(
            f"no single input flips the ranking within {d['switch_overs'][0]['searched_z']:g} "
            "spreads of its central value"
            if d["switch_overs"]
            else "no inputs"
        )
    n = d["nearest"]
    if n["beta"] is None:
        console.print("nearest flip: none found within 8 spreads of the central values")
    elif n["beta"] <= 1e-12:
        console.print(
            f"nearest flip: at the central values themselves ({n['winner']} is first there, "
            "or the lead is within Monte Carlo error): no input needs to move",
            highlight=False,
        )
    else:
        movers = f"; moves most: {', '.join(n['movers'])}" if n["movers"] else ""
        settled = n.get("converged", True)
        console.print(
            f"nearest flip: {'' if settled else 'at most '}{n['beta']:.2f} spreads from the "
            "central values "
            + ("" if settled else "(the search did not settle on a noisy response) ")
            + f"(first-order probability {n['probability']:.2g}); {n['winner']} then first"
            + movers,
            highlight=False,
        )
    for note in d.get("notes", []):
        console.print(f"[yellow]note[/yellow]: {note}", highlight=False)


def explore_cmd(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario id or path to a YAML file.")],
    method: Annotated[
        str,
        typer.Option("--method", "-m", help="sobol, morris, tornado, prim, regret or breaking."),
    ] = "sobol",
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            "-n",
            help="Sobol base N (power of 2), Morris trajectories, "
            "or the PRIM/regret ensemble size.",
        ),
    ] = None,
    scheduler: Annotated[
        str, typer.Option(help="synchronous, local (LocalCluster), processes or tcp://HOST:PORT.")
    ] = "local",
    workers: Annotated[int | None, typer.Option(help="Workers of the local cluster.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the scenario's).")] = None,
    paths: Annotated[int | None, typer.Option(help="World-model paths per experiment.")] = None,
    horizon: Annotated[int | None, typer.Option(help="World-model horizon in months.")] = None,
    chunk: Annotated[int, typer.Option(help="Experiments per task.")] = 128,
    outcome: Annotated[
        str | None, typer.Option(help="PRIM: the outcome that decides which option is best.")
    ] = None,
    threshold: Annotated[
        list[str] | None, typer.Option(help="regret: satisficing threshold outcome=value.")
    ] = None,
    top: Annotated[int, typer.Option(help="Rows per table.")] = 10,
    on: Annotated[
        str,
        typer.Option("--on", help="joint: every criterion, all inputs together; world; game."),
    ] = "joint",
    framing: Annotated[
        str | None, typer.Option(help="--on game: zero-sum or variable-sum (default: scenario's).")
    ] = None,
    judgements: Annotated[
        bool,
        typer.Option(
            "--judgements/--no-judgements",
            help="Explore judged numbers over spreads set by their confidence (default), or "
            "keep the source's judgements as written (--no-judgements: the source's view alone).",
        ),
    ] = True,
    view: Annotated[
        str | None,
        typer.Option(help="A declared view of the scenario (default: the source's, as written)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """Which uncertainties matter, where the recommendation stops being best, what is robust."""
    # lazy: SALib, ema_workbench, dask
    from melian.analysis.explore import explore
    from melian.explore import METHODS
    from melian.io import load_scenario

    if method not in METHODS:
        raise ModelError(f"unknown method {method!r}; methods: {', '.join(METHODS)}")
    scen = load_scenario(scenario)
    with progress_bar(f"{method}: tasks", enabled=not json_out) as prog:
        res = explore(
            scen,
            method,
            samples=samples,
            seed=seed,
            scheduler=scheduler,
            workers=workers,
            chunk_size=chunk,
            paths_per_sample=paths,
            horizon=horizon,
            outcome=outcome,
            thresholds=parse_thresholds(threshold or []),
            progress=prog,
            on=on,
            framing=framing,
            judgements=judgements,
            view=view,
        )
    d = res.to_dict()
    d["scenario"] = scen.id
    d["view"] = view or "source"
    if json_out:
        print_json(d)
        return
    if method in ("sobol", "morris"):
        _print_sensitivity(d, top)
    elif method == "tornado":
        _print_tornado(d, top)
    elif method == "prim":
        _print_prim(d)
    elif method == "breaking":
        _print_breaking(d, top)
    else:
        _print_regret(d)
    for note in d.get("settings", {}).get("notes", []):
        console.print(f"[yellow]note[/yellow]: {note}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``melian explore`` to the CLI."""
    app.command("explore")(guard(explore_cmd))
