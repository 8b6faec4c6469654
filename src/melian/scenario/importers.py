"""Importers: other tools' bargaining inputs -> scenario format v1.

- KTAB SMP CSV (KAPSARC Toolkit for Behavioral Analysis): actors x dimensions, one influence.
- DEU (Decision-making in the European Union) rows: one issue -> one scenario, Commission,
  Parliament and member states as actors, the reference point as status quo.
- decide tables (the input of the *decide* exchange-model programs), in any of decide's dialects
  (``;``, tab or ``,`` separated; cells quoted with ``'`` or ``"`` or not: sniffed by
  :mod:`melian.scenario.decide_dialect`; shown here with ``;``):
  ``#A;actor;name[;comment]`` declares an actor, ``#P;issue;name[;description]`` an issue,
  ``#M;issue;value;meaning`` labels a point of an issue's scale (the lowest and highest labelled
  points give the scale and its anchors), ``#D;actor;issue;position;salience;power`` gives an
  actor's position, salience and power on an issue, ``#O;text`` describes the table (it becomes
  the scenario's description). Lines starting ``#/`` or empty are comments.

Each importer builds plain data and validates it with the same schema as a YAML file, so an
imported scenario is exactly as checked as a hand-written one.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from melian.bargaining.base import BargainingProblem
from melian.errors import InputError, Problem
from melian.limits import check_scenario
from melian.scenario.decide_dialect import (
    DecideDialect,
    DialectError,
    is_comment,
    line_dialect,
    sniff_dialect,
    split_cells,
)
from melian.scenario.schema import Scenario, semantic_problems
from melian.scenario.yamlsrc import format_path, read_text

_ID_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")


def make_id(text: str, taken: set[str]) -> str:
    """A scenario id from free text: unsafe characters -> '-', made unique within ``taken``."""
    base = _ID_BAD.sub("-", text.strip()).strip("-.") or "x"
    if not base[0].isalnum():
        base = "x" + base
    base = base[:70]
    cand, k = base, 2
    while cand in taken:
        cand, k = f"{base}-{k}", k + 1
    taken.add(cand)
    return cand


Lines = dict[str, Any]


def _line(path: tuple[Any, ...], lines: Lines | None) -> int | None:
    """Source line of a field of imported data, from the importer's ``lines`` map.

    ``lines`` may hold ``actors`` (line per actor), ``issues`` (line per issue), ``positions``
    (per issue, line per position) and ``default`` (any other field).
    """
    if not lines:
        return None
    try:
        if path[:1] == ("actors",) and len(path) > 1 and "actors" in lines:
            return int(lines["actors"][path[1]])
        if path[:1] == ("issues",) and len(path) > 1:
            if len(path) > 3 and path[2] == "positions" and "positions" in lines:
                return int(lines["positions"][path[1]][path[3]])
            if "issues" in lines:
                return int(lines["issues"][path[1]])
    except (IndexError, KeyError, TypeError, ValueError):
        pass
    return lines.get("default")


def _validate(data: dict[str, Any], file: str, lines: Lines | None = None) -> Scenario:
    """Validate imported data; problems are located by file, field path and (if known) line."""
    try:
        s = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            [
                Problem(
                    file,
                    _line(tuple(e["loc"]), lines),
                    None,
                    format_path(tuple(e["loc"])),
                    e["msg"],
                )
                for e in exc.errors(include_url=False)
            ]
        ) from None
    probs = [
        Problem(file, _line(tuple(p), lines), None, format_path(p), m)
        for p, m in semantic_problems(s)
    ]
    if probs:
        raise InputError(probs)
    check_scenario(s, file)
    return s


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
    return _validate(data, file, lines)


def from_ktab_csv(path: Path | str) -> Scenario:
    """Import a KTAB SMP CSV file (actors, influence, position/salience per dimension)."""
    from melian.bargaining.ktab_csv import read_ktab_csv

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
    from melian.bargaining.deu import read_deu

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


def from_decide(path: Path | str) -> Scenario:
    """Import a decide-style ``#A/#P/#M/#D`` table (see the module docstring)."""
    file = str(path)
    text = read_text(path)
    problems: list[Problem] = []
    actors: dict[str, str] = {}
    issues: dict[str, str] = {}
    marks: dict[str, list[tuple[float, str]]] = {}
    data: list[tuple[int, str, str, float, float, float | None]] = []
    d_lines: dict[tuple[str, str], int] = {}
    src_lines: dict[tuple[str, str], int] = {}
    overview: list[str] = []
    text_lines = text.splitlines()
    dialect = sniff_dialect(text_lines)
    for ln, line in enumerate(text_lines, start=1):
        if not line.strip() or is_comment(line):
            continue
        try:
            parsed = split_cells(line, dialect)
        except DialectError as exc:
            problems.append(Problem(file, ln, exc.column, "", exc.message))
            continue
        if not parsed:
            continue
        cells = [c.text for c in parsed]
        cols = [c.column for c in parsed] + [len(line) + 1]
        tag = cells[0].upper()

        def num(
            k: int, field: str, cells: list[str] = cells, ln: int = ln, cols: list[int] = cols
        ) -> float | None:
            try:
                v = float(cells[k])
            except (IndexError, ValueError):
                problems.append(
                    Problem(
                        file,
                        ln,
                        _col(cols, k),
                        field,
                        f"expected a number, got {cells[k] if k < len(cells) else 'nothing'!r}",
                    )
                )
                return None
            if not math.isfinite(v):
                problems.append(Problem(file, ln, _col(cols, k), field, "must be a finite number"))
                return None
            return v

        if tag == "#A":
            if len(cells) < 2 or not cells[1]:
                problems.append(Problem(file, ln, 1, "actor", "#A needs an actor id"))
                continue
            if cells[1] in actors:
                problems.append(
                    Problem(file, ln, _col(cols, 1), "actor", f"duplicate actor {cells[1]!r}")
                )
            actors[cells[1]] = cells[2] if len(cells) > 2 and cells[2] else cells[1]
            src_lines.setdefault(("#A", cells[1]), ln)
        elif tag == "#P":
            if len(cells) < 2 or not cells[1]:
                problems.append(Problem(file, ln, 1, "issue", "#P needs an issue id"))
                continue
            issues[cells[1]] = cells[2] if len(cells) > 2 and cells[2] else cells[1]
            src_lines.setdefault(("#P", cells[1]), ln)
        elif tag == "#M":
            v = num(2, "value")
            if len(cells) < 2 or v is None:
                continue
            marks.setdefault(cells[1], []).append((v, cells[3] if len(cells) > 3 else f"{v:g}"))
        elif tag == "#D":
            if len(cells) < 5:
                problems.append(
                    Problem(file, ln, 1, "", "#D needs actor;issue;position;salience[;power]")
                )
                continue
            x, s = num(3, "position"), num(4, "salience")
            pw = num(5, "power") if len(cells) > 5 and cells[5] != "" else None
            if x is None or s is None:
                continue
            if cells[1] not in actors:
                problems.append(
                    Problem(
                        file,
                        ln,
                        _col(cols, 1),
                        "actor",
                        f"unknown actor {cells[1]!r} (declare it with #A)",
                    )
                )
            if cells[2] not in issues:
                problems.append(
                    Problem(
                        file,
                        ln,
                        _col(cols, 2),
                        "issue",
                        f"unknown issue {cells[2]!r} (declare it with #P)",
                    )
                )
            if pw is not None and pw <= 0:
                problems.append(Problem(file, ln, _col(cols, 5), "power", "power must be positive"))
            if (cells[1], cells[2]) in d_lines:
                problems.append(
                    Problem(
                        file,
                        ln,
                        1,
                        "",
                        f"actor {cells[1]!r} already has a position on issue {cells[2]!r} "
                        f"(line {d_lines[cells[1], cells[2]]})",
                    )
                )
            d_lines.setdefault((cells[1], cells[2]), ln)
            data.append((ln, cells[1], cells[2], x, s, pw))
        elif tag == "#O":  # decide's description of the whole table
            overview.extend(c for c in cells[1:] if c)
        else:
            problems.append(Problem(file, ln, cols[0], "", _unknown_line(cells[0], line, dialect)))
    if not problems and not data:
        problems.append(Problem(file, None, None, "", "no #D data lines"))
    if problems:
        raise InputError(problems)
    # capability: an actor's power (mean over the issues where it is given, else 1)
    pw_by_actor: dict[str, list[float]] = {}
    for _, a, _, _, _, pw in data:
        if pw is not None:
            pw_by_actor.setdefault(a, []).append(pw)
    taken: set[str] = set()
    aid = {a: make_id(a, taken) for a in actors}
    itaken: set[str] = set()
    iid = {i: make_id(i, itaken) for i in issues}
    sal_max = max(100.0, max(d[4] for d in data))
    src = "decide-input"
    out_issues = []
    pos_lines: list[list[int]] = []
    issue_lines: list[int | None] = []
    for i, name in issues.items():
        rows = [d for d in data if d[2] == i]
        if not rows:
            continue
        m = sorted(marks.get(i, []))
        xs = [d[3] for d in rows] + [v for v, _ in m]
        lo, hi = (m[0][0], m[-1][0]) if len(m) >= 2 else (min(0.0, min(xs)), max(100.0, max(xs)))
        lo, hi = min(lo, min(xs)), max(hi, max(xs))
        lo_lab = next((lab for v, lab in m if v == lo), f"{lo:g}")
        hi_lab = next((lab for v, lab in m if v == hi), f"{hi:g}")
        mean_pw = {a: float(np.mean(v)) for a, v in pw_by_actor.items()}
        pos_lines.append([d[0] for d in rows])
        issue_lines.append(src_lines.get(("#P", i)))
        out_issues.append(
            {
                "id": iid[i],
                "name": name,
                "scale": {"min": lo, "max": hi, "low": lo_lab, "high": hi_lab},
                "positions": [
                    {
                        "actor": aid[a],
                        "position": x,
                        "salience": s,
                        "source": src,
                        **(
                            {"power": pw}
                            if pw is not None and not math.isclose(pw, mean_pw.get(a, pw))
                            else {}
                        ),
                    }
                    for _, a, _, x, s, pw in rows
                ],
            }
        )
    scenario = {
        "metadata": {
            "id": make_id(Path(path).stem, set()),
            "title": Path(path).stem,
            "as_of": "2000-01-01",
            **({"description": " ".join(overview)} if overview else {}),
        },
        "sources": {
            src: {
                "citation": f"decide input table {Path(path).name}",
                "kind": "dataset",
                "address": file,
            }
        },
        "salience_scale": {"min": 0, "max": sal_max},
        "actors": [
            {
                "id": aid[a],
                "name": n,
                "kind": "organisation",
                "capability": {
                    "value": float(np.mean(pw_by_actor[a])) if a in pw_by_actor else 1.0,
                    "source": src,
                },
            }
            for a, n in actors.items()
        ],
        "issues": out_issues,
    }
    lines = {
        "actors": [src_lines.get(("#A", a)) for a in actors],
        "issues": issue_lines,
        "positions": pos_lines,
    }
    return _validate(scenario, file, lines)


def _col(cols: list[int], k: int) -> int:
    """1-based column where cell ``k`` starts (``cols`` ends with the column past the line)."""
    return cols[min(k, len(cols) - 1)]


def _unknown_line(first: str, line: str, dialect: DecideDialect) -> str:
    """Why a line is not a record: an unknown tag, or a tag written in another dialect."""
    found = line_dialect(line)
    if found is not None and found != (dialect.separator, dialect.quote):
        other = DecideDialect(*found)
        where = f" (sniffed from line {dialect.line})" if dialect.line else ""
        return (
            f"this line is {other.describe()} but the table is {dialect.describe()}{where}; "
            "write every line of a table the same way"
        )
    return f"unknown line type {first[:40]!r} (expected #A, #P, #M, #D, #O or #/)"
