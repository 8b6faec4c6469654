"""Importers of other tools' bargaining inputs that need the bargaining readers.

KTAB SMP CSV files and DEU-format TSV files are read by :mod:`melian.bargaining.io.ktab_csv` and
:mod:`melian.bargaining.io.deu` into a :class:`~melian.bargaining.BargainingProblem`, which is then
written as a scenario (format v1) and validated exactly like a hand-written one
(:func:`melian.scenario.importers.validate_data`). decide's tables need no bargaining reader and
are imported by :func:`melian.scenario.importers.from_decide`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from melian.bargaining.base import BargainingProblem
from melian.bargaining.io.deu import read_deu
from melian.bargaining.io.ktab_csv import read_ktab_csv
from melian.errors import InputError, Problem
from melian.scenario.importers import Lines, make_id, validate_data
from melian.scenario.schema import Scenario

__all__ = ["from_deu", "from_ktab_csv", "scenario_from_problem"]


def scenario_from_problem(
    problem: BargainingProblem,
    *,
    scenario_id: str,
    title: str,
    source_key: str,
    citation: str,
    file: str,
    as_of: str = "2000-01-01",
    actor_names: list[str] | None = None,
    issue_names: list[str] | None = None,
    description: str | None = None,
    lines: Lines | None = None,
) -> Scenario:
    """A scenario whose agenda is the bargaining problem (positions, saliences x 100, capability)."""
    taken: set[str] = set()
    ids = [make_id(a, taken) for a in problem.actors]
    names = actor_names or list(problem.actors)
    actors = []
    for k, a in enumerate(ids):
        cap = float(problem.capability[k])
        actors.append(
            {
                "id": a,
                "name": names[k] or a,
                "kind": "organisation",
                "capability": {"value": cap, "source": source_key},
            }
        )
    issues = []
    itaken: set[str] = set()
    for j, iss in enumerate(problem.issues):
        lo, hi = (float(v) for v in problem.scale[j])
        positions = []
        for k, a in enumerate(ids):
            x, s = problem.position[k, j], problem.salience[k, j]
            if math.isnan(x):
                continue
            positions.append(
                {
                    "actor": a,
                    "position": float(x),
                    "salience": float(0.0 if math.isnan(s) else s * 100.0),
                    "source": source_key,
                }
            )
        item: dict[str, Any] = {
            "id": make_id(iss, itaken),
            "name": (issue_names[j] if issue_names else None) or iss,
            "scale": {"min": lo, "max": hi, "low": f"{lo:g}", "high": f"{hi:g}"},
            "positions": positions,
        }
        ref = problem.reference[j]
        if not math.isnan(ref):
            item["status_quo"] = {"value": float(ref), "source": source_key}
        issues.append(item)
    data = {
        "metadata": {
            "id": make_id(scenario_id, set()),
            "title": title or scenario_id,
            "description": description,
            "as_of": as_of,
        },
        "sources": {source_key: {"citation": citation, "kind": "dataset", "address": file}},
        "actors": actors,
        "issues": issues,
    }
    return validate_data(data, file, lines)


def from_ktab_csv(path: Path | str) -> Scenario:
    """Import a KTAB SMP CSV file (actors, influence, position/salience per dimension)."""
    prob = read_ktab_csv(path)
    p = Path(path)
    return scenario_from_problem(
        prob,
        scenario_id=p.stem,
        title=prob.name or p.stem,
        source_key="ktab-input",
        citation=f"KTAB SMP input file {p.name}",
        file=str(path),
        description=str(prob.meta.get("description") or "") or None,
        lines=_ktab_lines(prob),
    )


def _ktab_lines(prob: BargainingProblem) -> Lines | None:
    """Where a KTAB problem's fields came from: actor rows, the header for issues."""
    src = prob.meta.get("lines")
    if not src:
        return None
    actor_lines = list(src["actors"])
    return {
        "actors": actor_lines,
        "issues": [src["header"]] * prob.n_issues,
        "positions": [actor_lines] * prob.n_issues,
        "default": src["scenario"],
    }


def from_deu(path: Path | str, issue: str | None = None) -> Scenario:
    """Import one issue (by DEU issue id ``isnr``; default the first) of a DEU-format TSV file."""
    rows = read_deu(path)
    if not rows:
        raise InputError([Problem(str(path), None, None, "", "no issues in the file")])
    chosen = rows[0] if issue is None else next((r for r in rows if r.issue == issue), None)
    if chosen is None:
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    "isnr",
                    f"no issue {issue!r}; issues: {', '.join(r.issue for r in rows[:20])}...",
                )
            ]
        )
    prob = chosen.problem
    intro = getattr(chosen, "intro", None)
    as_of = intro.isoformat() if hasattr(intro, "isoformat") else "2000-01-01"
    return scenario_from_problem(
        prob,
        scenario_id=f"deu-{chosen.issue}",
        title=f"DEU {chosen.issue}: {prob.name}",
        source_key="deu",
        citation="DEU III (Arregui & Perarnaud 2021, doi:10.34810/data53)",
        file=str(path),
        as_of=as_of,
        lines={"default": chosen.line},
    )
