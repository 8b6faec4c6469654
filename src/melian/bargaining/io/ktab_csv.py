"""Read and write KTAB's spatial-model CSV input format.

KTAB (KAPSARC Toolkit for Behavioral Analysis, MIT licence) stores a spatial bargaining problem as
a small CSV file:

* line 1: ``scenarioName, description, numActors, numDims`` (further fields are ignored);
* line 2: a header ``Actor, Description, Power, Pos1, Sal1, Pos2, Sal2, ...``;
* then one row per actor: name, description, power (capability), then for each dimension the
  position and the salience, both on 0-100.

Trailing commas, surrounding spaces and blank lines are accepted. Positions stay on the 0-100
scale (``scale`` is ``[0, 100]`` for every dimension); saliences are divided by 100; the reference
point is unknown (``nan``). Every problem found is reported at once, located by file, line and
column (1-based, counting comma-separated fields), as a :class:`melian.errors.InputError`.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from melian.bargaining.base import BargainingProblem
from melian.errors import InputError, Problem

__all__ = ["read_ktab_csv", "write_ktab_csv", "parse_ktab_csv"]

_SCALE_LOW = 0.0
_SCALE_HIGH = 100.0


def _strip_trailing(fields: list[str]) -> list[str]:
    """Strip spaces around every field and drop empty trailing fields (KTAB's trailing commas)."""
    out = [f.strip() for f in fields]
    while out and out[-1] == "":
        out.pop()
    return out


def _issue_name(header: str, k: int, seen: set[str]) -> str:
    """Issue id from a position-column header ("Policy Position" -> "Policy"), unique."""
    name = header.strip()
    for suffix in (" Position", " position", "Position", "Pstn", "Pos"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)].strip()
            break
    if not name or name in seen:
        name = f"dim{k + 1}"
    seen.add(name)
    return name


def parse_ktab_csv(text: str, file: str = "<string>") -> BargainingProblem:
    """Parse the text of a KTAB CSV file into a :class:`BargainingProblem`.

    Raises :class:`InputError` listing every located problem (wrong counts, non-numeric cells,
    out-of-range values, missing or surplus actor rows).
    """
    problems: list[Problem] = []

    def bad(line: int | None, column: int | None, path: str, message: str) -> None:
        problems.append(Problem(file, line, column, path, message))

    rows = list(csv.reader(io.StringIO(text), skipinitialspace=True))
    # (line number, fields) of the non-blank lines; csv lines map 1:1 to text lines here
    numbered = [(i + 1, _strip_trailing(r)) for i, r in enumerate(rows)]
    numbered = [(ln, r) for ln, r in numbered if r]
    if not numbered:
        raise InputError([Problem(file, None, None, "", "empty file: no KTAB scenario line")])

    line1_no, line1 = numbered[0]
    n_actors = n_dims = -1
    if len(line1) < 4:
        bad(
            line1_no,
            None,
            "scenario",
            f"first line needs 'scenarioName, description, numActors, numDims', got {len(line1)} "
            "field(s)",
        )
    else:
        for col, label in ((3, "numActors"), (4, "numDims")):
            cell = line1[col - 1]
            try:
                value = int(cell)
            except ValueError:
                bad(line1_no, col, label, f"expected a whole number, got {cell!r}")
                continue
            if value < 1:
                bad(line1_no, col, label, f"must be at least 1, got {value}")
                continue
            if label == "numActors":
                n_actors = value
            else:
                n_dims = value
    if problems:
        raise InputError(problems)
    name = line1[0]
    description = line1[1]

    if len(numbered) < 2:
        raise InputError(
            [Problem(file, line1_no + 1, None, "header", "missing header line (Actor, ...)")]
        )
    header_no, header = numbered[1]
    n_cols = 3 + 2 * n_dims
    if len(header) != n_cols:
        bad(
            header_no,
            None,
            "header",
            f"header has {len(header)} field(s); {n_dims} dimension(s) need {n_cols} "
            "(Actor, Description, Power, then a position and a salience per dimension)",
        )
        # the rows cannot be read against a wrong header; stop before sizing anything by numDims
        raise InputError(problems)
    seen: set[str] = set()
    issues = tuple(
        _issue_name(header[3 + 2 * k] if 3 + 2 * k < len(header) else "", k, seen)
        for k in range(n_dims)
    )

    body = numbered[2:]
    if len(body) < n_actors:
        last = body[-1][0] if body else header_no
        bad(
            last + 1,
            None,
            "actors",
            f"numActors is {n_actors} but only {len(body)} actor row(s) follow",
        )
    elif len(body) > n_actors:
        bad(
            body[n_actors][0],
            None,
            "actors",
            f"numActors is {n_actors} but {len(body)} actor rows follow",
        )

    actors: list[str] = []
    descriptions: list[str] = []
    # sized by the rows present (numActors may claim more; that is reported above)
    n_rows = min(n_actors, len(body))
    cap = np.full(n_rows, np.nan)
    pos = np.full((n_rows, n_dims), np.nan)
    sal = np.full((n_rows, n_dims), np.nan)
    names_seen: dict[str, int] = {}
    for a, (ln, fields) in enumerate(body[:n_actors]):
        actor = fields[0] if fields else ""
        path = f"actors[{a}]"
        if not actor:
            bad(ln, 1, path + ".name", "actor name is empty")
        elif actor in names_seen:
            bad(ln, 1, path + ".name", f"actor {actor!r} also on line {names_seen[actor]}")
        else:
            names_seen[actor] = ln
        actors.append(actor or f"actor{a + 1}")
        descriptions.append(fields[1] if len(fields) > 1 else "")
        if len(fields) != n_cols:
            bad(
                ln,
                None,
                path,
                f"row has {len(fields)} field(s), expected {n_cols} "
                f"(name, description, power and {n_dims} position/salience pair(s))",
            )
        for col in range(3, min(len(fields), n_cols) + 1):
            cell = fields[col - 1]
            if col == 3:
                field_name = "power"
            else:
                k, is_sal = divmod(col - 4, 2)
                field_name = f"{'salience' if is_sal else 'position'}[{issues[k]}]"
            try:
                value = float(cell)
            except ValueError:
                bad(ln, col, f"{path}.{field_name}", f"expected a number, got {cell!r}")
                continue
            if not math.isfinite(value):
                bad(ln, col, f"{path}.{field_name}", f"expected a finite number, got {cell!r}")
                continue
            if col == 3:
                if value < 0:
                    bad(ln, col, f"{path}.power", f"power must be >= 0, got {value:g}")
                    continue
                cap[a] = value
            else:
                if not (_SCALE_LOW <= value <= _SCALE_HIGH):
                    bad(
                        ln,
                        col,
                        f"{path}.{field_name}",
                        f"must be within [0, 100], got {value:g}",
                    )
                    continue
                if is_sal:
                    sal[a, k] = value / 100.0
                else:
                    pos[a, k] = value
    if problems:
        raise InputError(problems)
    return BargainingProblem(
        actors=tuple(actors),
        issues=issues,
        capability=cap,
        position=pos,
        salience=sal,
        scale=np.tile([_SCALE_LOW, _SCALE_HIGH], (n_dims, 1)).astype(float),
        reference=np.full(n_dims, np.nan),
        name=name,
        meta={
            "description": description,
            "actor_descriptions": descriptions,
            "format": "ktab",
            "lines": {"scenario": line1_no, "header": header_no, "actors": [ln for ln, _ in body]},
        },
    )


def read_ktab_csv(path: str | Path) -> BargainingProblem:
    """Read a KTAB CSV file (see module docstring) into a :class:`BargainingProblem`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError([Problem(str(p), None, None, "", f"cannot read file: {exc}")]) from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(str(p), None, None, "", f"not UTF-8 text: {exc}")]) from None
    return parse_ktab_csv(text, file=str(p))


def _fmt(value: float) -> str:
    """Shortest decimal text that reads back to the same float."""
    return repr(float(value))


def write_ktab_csv(problem: BargainingProblem, path: str | Path) -> None:
    """Write ``problem`` in KTAB's CSV format (positions mapped onto 0-100, saliences x 100).

    Positions on another scale are mapped linearly onto 0-100 so that the file is one KTAB reads.
    Missing positions (``nan``) cannot be expressed in KTAB's format and raise :class:`InputError`.
    """
    pos = np.asarray(problem.position, dtype=float)
    sal = np.asarray(problem.salience, dtype=float)
    if np.isnan(pos).any() or np.isnan(sal).any():
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    "position",
                    "KTAB's CSV format has no missing positions or saliences",
                )
            ]
        )
    scale = np.asarray(problem.scale, dtype=float)
    lo, hi = scale[:, 0], scale[:, 1]
    pos100 = (pos - lo) / (hi - lo) * 100.0
    desc = problem.meta.get("description", "")
    actor_desc = problem.meta.get("actor_descriptions") or [""] * problem.n_actors
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([problem.name or "scenario", desc, problem.n_actors, problem.n_issues])
    head = ["Actor", "Description", "Power"]
    for issue in problem.issues:
        head += [f"{issue} Position", f"{issue} Salience"]
    w.writerow(head)
    for a, actor in enumerate(problem.actors):
        row = [actor, actor_desc[a], _fmt(problem.capability[a])]
        for k in range(problem.n_issues):
            row += [_fmt(pos100[a, k]), _fmt(sal[a, k] * 100.0)]
        w.writerow(row)
    Path(path).write_text(buf.getvalue(), encoding="utf-8")
