"""``melian scenarios ...`` and ``melian import ...``: list, show, validate, export, import."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from melian.cli.common import console, err_console, guard, print_json
from melian.errors import InputError, MelianError, Problem
from melian.io import load_scenario
from melian.scenario import builtin_ids, content_hash, json_schema, to_json, to_yaml
from melian.scenario.capability import capabilities
from melian.scenario.schema import Scenario
from melian.util import atomic_write_text

scenarios_app = typer.Typer(help="List, show, validate and export scenarios.", no_args_is_help=True)
import_app = typer.Typer(help="Import scenarios from other tools' formats.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


def _src(source: str, judgement: bool = False, confidence: str | None = None) -> str:
    """A source key with its judgement mark, for rich output (brackets escaped: rich would
    read ``[judgement]`` as a style tag and print nothing of it).
    """
    tag = f"{source}"
    if judgement:
        tag += r" \[judgement"
        tag += f", {confidence}]" if confidence else "]"
    elif confidence:
        tag += rf" \[{confidence}]"
    return tag


def summary(s: Scenario) -> dict[str, object]:
    """A short JSON summary of a scenario (for ``list`` and ``validate``)."""
    return {
        "id": s.id,
        "title": s.metadata.title,
        "as_of": s.metadata.as_of.isoformat(),
        "actors": len(s.actors),
        "issues": len(s.issues),
        "options": len(s.option_ids),
        "criteria": len(s.criteria),
        "uncertain_parameters": len(s.uncertain_parameters()),
        "hash": content_hash(s),
    }


@scenarios_app.command("list")
@guard
def list_cmd(json_out: JsonOpt = False) -> None:
    """List the built-in scenarios."""
    rows = [summary(load_scenario(i)) for i in builtin_ids()]
    if json_out:
        print_json(rows)
        return
    t = Table(title="Built-in scenarios")
    for col in ("id", "title", "as_of", "actors", "issues", "options"):
        t.add_column(col)
    for r in rows:
        t.add_row(*(str(r[c]) for c in ("id", "title", "as_of", "actors", "issues", "options")))
    console.print(t)


@scenarios_app.command("show")
@guard
def show_cmd(
    scenario: Annotated[str, typer.Argument(help="Built-in id or path to a scenario file.")],
    json_out: JsonOpt = False,
) -> None:
    """Show a scenario: actors, issues and positions, options, parameters, criteria, with sources."""
    s = load_scenario(scenario)
    if json_out:
        print_json(s.model_dump(mode="json", exclude_none=True))
        return
    show(s)


def show(s: Scenario) -> None:
    """Print readable tables of a scenario, each number with its source."""
    c = console
    c.print(f"[bold]{s.metadata.title}[/bold]  ({s.id}, as of {s.metadata.as_of})")
    if s.metadata.description:
        c.print(s.metadata.description.strip(), markup=False)
    caps = capabilities(s)
    t = Table(title="Actors")
    for col in ("id", "name", "kind", "parent", "at table", "capability", "source"):
        t.add_column(col)
    for a in s.actors:
        cap = a.material
        how = f"{cap.series} {cap.code} {cap.year}" if cap.series else "value"
        t.add_row(
            a.id,
            a.name,
            a.kind,
            a.parent or "",
            "yes" if a.at_table else "no",
            f"{caps[a.id]:.5g} ({how})",
            _src(cap.source, cap.judgement, cap.confidence),
        )
    c.print(t)
    smax = s.salience_scale.max
    for iss in s.issues:
        sq = (
            ""
            if iss.status_quo is None
            else (
                f"; status quo {iss.status_quo.value:g} ({_src(iss.status_quo.source, iss.status_quo.judgement)})"
            )
        )
        t = Table(
            title=f"Issue {iss.id}: {iss.name}",
            caption=f"{iss.scale.min:g} = {iss.scale.low}; {iss.scale.max:g} = {iss.scale.high}{sq}",
        )
        for col in ("actor", "position", f"salience (of {smax:g})", "source", "confidence"):
            t.add_column(col)
        for p in iss.positions:
            t.add_row(
                p.actor,
                f"{p.position:g}",
                f"{p.salience:g}",
                _src(p.source, p.judgement),
                p.confidence or "",
            )
        c.print(t)
    _show_options(s)
    _show_parameters(s)
    _show_criteria_and_sources(s)


def _show_options(s: Scenario) -> None:
    """The focal actor's options, with their alignment and effects."""
    c = console
    if s.focal is not None:
        t = Table(
            title=f"Options of {s.focal.actor}"
            + (
                f" (recommended by the source: {s.focal.recommended})"
                if s.focal.recommended
                else ""
            )
        )
        for col in ("id", "name", "alignment", "effects", "source"):
            t.add_column(col)
        for o in s.focal.options:
            al = ", ".join(f"{k} {v:+g}" for k, v in o.alignment.items())
            eff = "; ".join(
                f"{k} {next(op for op in ('set', 'add', 'multiply') if getattr(e, op) is not None)} "
                f"({_src(e.source, e.judgement)})"
                for k, e in o.effects.items()
            )
            t.add_row(o.id, o.name, al, eff, _src(o.source, o.judgement))
        c.print(t)


def _show_parameters(s: Scenario) -> None:
    """Every world and game parameter: value or distribution, unit, source."""
    c = console
    params = s.parameters()
    if params:
        t = Table(title="World and game parameters")
        for col in ("parameter", "value / distribution", "unit", "source"):
            t.add_column(col)
        for k, p in params.items():
            if p.is_fixed:
                val = f"{p.value:g}"
            else:
                fields = {
                    f: getattr(p, f)
                    for f in (
                        "low",
                        "mode",
                        "high",
                        "mean",
                        "sd",
                        "mu",
                        "sigma",
                        "alpha",
                        "beta",
                        "values",
                    )
                    if getattr(p, f) is not None
                }
                val = p.dist + " " + ", ".join(f"{f}={v}" for f, v in fields.items())
            t.add_row(k, val, p.unit or "", _src(p.source, p.judgement, p.confidence))
        c.print(t)


def _show_criteria_and_sources(s: Scenario) -> None:
    """The decision criteria and the sources."""
    c = console
    if s.criteria:
        t = Table(title=f"Decision criteria (weights: {s.weights_from})")
        for col in ("id", "name", "direction", "weight", "measure", "source"):
            t.add_column(col)
        for cr in s.criteria:
            m = cr.measure
            what = (
                m.kind + (f":{m.metric}" if m.metric else "") + (f":{m.issue}" if m.issue else "")
            )
            t.add_row(
                cr.id,
                cr.name,
                cr.direction,
                f"{cr.weight:g}",
                what,
                _src(cr.source, cr.judgement, cr.confidence),
            )
        c.print(t)
    t = Table(title="Sources")
    t.add_column("key")
    t.add_column("citation")
    t.add_column("address / date")
    for k, src in s.sources.items():
        t.add_row(k, src.citation, " ".join(x for x in (src.address, src.date) if x))
    c.print(t)


@scenarios_app.command("validate")
def validate_cmd(
    paths: Annotated[list[str], typer.Argument(help="Scenario files or built-in ids.")],
    json_out: JsonOpt = False,
) -> None:
    """Validate scenario files; report every problem as file:line:column: field: message.

    Besides the file's own checks, the world model's (component kinds, parameters and ranges,
    renamed outcomes), the world criteria's metrics and the datasets' files are checked
    (:func:`melian.analysis.validate.validate`). Warnings (criteria weights that do not sum to
    1) are printed, and listed in the JSON, without failing the file.
    """
    # lazy: the world model (numpy)
    from melian.analysis.validate import problem_dict, validate

    results = []
    failed = False
    for p in paths:
        try:
            s = load_scenario(p)
            checked = validate(s)
            checked.raise_for_problems()
            notes = [problem_dict(w) for w in checked.warnings]
            results.append(
                {"file": p, "valid": True, "id": s.id, "hash": content_hash(s), "warnings": notes}
            )
            if not json_out:
                for w in checked.warnings:
                    err_console.print(str(w), markup=False, highlight=False, soft_wrap=True)
                console.print(f"{p}: valid ({s.id})", markup=False, highlight=False, soft_wrap=True)
        except InputError as exc:
            failed = True
            results.append(
                {
                    "file": p,
                    "valid": False,
                    "problems": [problem_dict(q) for q in exc.problems],
                }
            )
            if not json_out:
                err_console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        except MelianError as exc:
            failed = True
            results.append({"file": p, "valid": False, "problems": [{"message": exc.message}]})
            if not json_out:
                err_console.print(
                    f"{p}: {exc.message}", markup=False, highlight=False, soft_wrap=True
                )
    if json_out:
        print_json(results)
    if failed:
        raise typer.Exit(code=2)


@scenarios_app.command("new")
@guard
def new_cmd(
    scenario_id: Annotated[str, typer.Argument(metavar="ID", help="The new scenario's id.")],
    components: Annotated[
        str | None,
        typer.Option(
            "--components",
            "-c",
            help="World component kinds, comma-separated, in order (e.g. "
            "commodity_price,commodity_exports,commodity_budget); an unknown one lists them all. "
            "Default: no world.",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output file (default ID.yaml here).")
    ] = None,
) -> None:
    """Write a commented skeleton of a new scenario: every section and, for each component kind,
    every parameter with its unit, range and meaning; fill in each TODO, then validate it.
    """
    from melian.io.skeleton import skeleton  # lazy: the component registry (numpy)

    kinds = [k.strip() for k in (components or "").split(",") if k.strip()]
    text = skeleton(scenario_id, kinds)
    path = out if out is not None else Path(f"{scenario_id}.yaml")
    try:
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise InputError(
            [Problem(str(path), None, None, "", "already exists: not overwritten (give --out)")]
        ) from None
    except OSError as exc:
        raise InputError([Problem(str(path), None, None, "", f"cannot write: {exc}")]) from None
    n = text.count(" TODO")
    err_console.print(
        f"wrote {path}: fill in its {n} TODO values, then run `melian scenarios validate {path}`",
        markup=False,
        highlight=False,
    )


def _write(text: str, out: Path | None) -> None:
    """Write ``text`` to ``out`` atomically (temp file + rename), or to stdout."""
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    atomic_write_text(out, text)
    err_console.print(f"wrote {out}", markup=False, highlight=False)


@scenarios_app.command("export")
@guard
def export_cmd(
    scenario: Annotated[str, typer.Argument(help="Built-in id or path.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="yaml or json")] = "yaml",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output file (default stdout).")
    ] = None,
) -> None:
    """Export a scenario as YAML or JSON (scenario format v1)."""
    s = load_scenario(scenario)
    if fmt not in ("yaml", "json"):
        raise MelianError(f"--format must be yaml or json, not {fmt!r}")
    _write(to_yaml(s) if fmt == "yaml" else to_json(s), out)


@scenarios_app.command("schema")
@guard
def schema_cmd(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output file (default stdout).")
    ] = None,
) -> None:
    """Print the JSON Schema of scenario format v1."""
    import json

    _write(json.dumps(json_schema(), indent=2), out)


def _import(kind: str, path: Path, out: Path | None, fmt: str, **kw: object) -> None:
    from melian import io  # lazy: the bargaining readers

    fn = {
        "ktab": io.from_ktab_csv,
        "deu": io.from_deu,
        "decide": io.from_decide,
    }[kind]
    s = fn(path, **kw)  # type: ignore[operator]
    _write(to_yaml(s) if fmt == "yaml" else to_json(s), out)


OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Output file (default stdout).")]
FmtOpt = Annotated[str, typer.Option("--format", "-f", help="yaml or json")]


@import_app.command("ktab")
@guard
def import_ktab(path: Path, out: OutOpt = None, fmt: FmtOpt = "yaml") -> None:
    """Import a KTAB SMP CSV file as a scenario."""
    _import("ktab", path, out, fmt)


@import_app.command("deu")
@guard
def import_deu(
    path: Path,
    issue: Annotated[
        str | None, typer.Option(help="DEU issue id (isnr); default the first.")
    ] = None,
    out: OutOpt = None,
    fmt: FmtOpt = "yaml",
) -> None:
    """Import one issue of a DEU-format TSV file as a scenario."""
    _import("deu", path, out, fmt, issue=issue)


@import_app.command("decide")
@guard
def import_decide(path: Path, out: OutOpt = None, fmt: FmtOpt = "yaml") -> None:
    """Import a decide-style #A/#P/#M/#D table as a scenario."""
    _import("decide", path, out, fmt)


def register(app: typer.Typer) -> None:
    """Attach ``scenarios`` and ``import`` to the main app."""
    app.add_typer(scenarios_app, name="scenarios")
    app.add_typer(import_app, name="import")
