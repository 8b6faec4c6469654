"""
Reader of DEU ("Decision-making in the European Union") issue files for backtests.

The DEU data (Thomson, Stokman, Achen & Koenig, *The European Union Decides*, 2006; DEU III merge
by Arregui & Perarnaud 2021, doi:10.34810/data53) record, for each contested issue of a
legislative proposal, the position and salience of the Commission, the Parliament and each member
state on a 0-100 scale, the reference point (status quo / reversion point) where known, and the
decision outcome.

Layout accepted by :func:`read_deu` (tab-separated):

* line 1: header. Required columns ``prnr`` (proposal id), ``isnr`` (issue id) and ``out``
  (outcome); optional ``prname``, ``proc`` (procedure: COD codecision, CNS consultation),
  ``counvte`` (Council voting rule: QMV or Unan), ``intro`` (introduction date), ``rp``
  (reference point) and any other column (kept as strings in the issue's meta). Actor columns are
  detected, not listed: every ``p<xx>`` column with a matching ``s<xx>`` column is an actor
  ``<xx>`` (position, salience on 0-100).
* line 2 (optional): the weights row, recognised by an empty ``prnr`` cell: one positive number per
  actor position column (the dev file holds GDP-based weights, 4.1 for ``com`` and ``ep``).
* then one row per issue; an empty cell means no position (the actor is left out of the issue).

Every malformed cell is reported at once as a :class:`melian.errors.InputError` whose problems
carry ``file:line:column`` (1-based, column = field number) and the column name.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from melian.bargaining.base import BargainingProblem
from melian.errors import InputError, Problem

CapabilitySource = Literal["gdp", "qmv", "equal"]

#: Actor codes of the two EU institutions in DEU files.
COMMISSION = "com"
PARLIAMENT = "ep"
INSTITUTIONS = (COMMISSION, PARLIAMENT)

#: Treaty regimes of Council QMV vote weights: (first day, last day, column of the votes file).
QMV_REGIMES: tuple[tuple[date, date, str], ...] = (
    (date(1995, 1, 1), date(2004, 10, 31), "votes_1995_2004"),
    (date(2004, 11, 1), date(2014, 10, 31), "votes_nice_2004_2014"),
)

_REQUIRED = ("prnr", "isnr", "out")
_ACTOR_RE = re.compile(r"^p([a-z][a-z0-9_]*)$")


def packaged_path(name: str) -> Path:
    """Path of a DEU file shipped in ``melian/data/deu`` (for example ``"deu-dev.tsv"``)."""
    return Path(str(resources.files("melian").joinpath("data", "deu", name)))


@dataclass(frozen=True)
class DeuIssue:
    """
    One DEU issue: its one-issue bargaining problem, the decision's facts and the outcome.

    ``problem`` holds only the actors that took a position; capabilities follow the reader's
    ``capability`` choice; saliences are divided by 100; the scale is 0-100; the reference point
    is ``rp`` or ``nan``. ``outcome`` is ``nan`` when the file has none. ``line`` is the issue's
    line in the file (1-based).
    """

    issue: str
    proposal: str
    procedure: str
    voting_rule: str
    intro: date | None
    outcome: float
    problem: BargainingProblem
    line: int
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def has_outcome(self) -> bool:
        """True when the decision outcome is known."""
        return not math.isnan(self.outcome)


def parse_intro_date(text: str) -> date:
    """
    Parse a DEU date: ``dd-mm-yy`` (yy < 50 -> 20yy, else 19yy), ``dd-mm-yyyy`` or ISO.

    Raises ValueError when ``text`` is none of these.
    """
    text = text.strip()
    m = re.fullmatch(r"(\d{1,2})[-./](\d{1,2})[-./](\d{2}|\d{4})", text)
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if len(m.group(3)) == 2:
            year += 2000 if year < 50 else 1900
        return date(year, month, day)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(f"not a date (dd-mm-yy, dd-mm-yyyy or yyyy-mm-dd): {text!r}")


def read_qmv_votes(path: str | Path | None = None) -> dict[str, dict[str, float]]:
    """
    Council QMV vote weights: ``{regime column: {actor code: votes}}``.

    Reads ``council-qmv-votes.csv`` (shipped with melian by default); actor codes drop the ``p``
    of the ``column`` field (``pde`` -> ``de``); empty cells (not a member then) are left out.
    """
    p = Path(path) if path is not None else packaged_path("council-qmv-votes.csv")
    problems: list[Problem] = []
    out: dict[str, dict[str, float]] = {}
    with p.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows or "column" not in rows[0]:
        raise InputError([Problem(str(p), 1, None, "column", "header lacks the column 'column'")])
    header = rows[0]
    regimes = [h for h in header if h.startswith("votes_")]
    for regime in regimes:
        out[regime] = {}
    for ln, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        rec = dict(zip(header, row, strict=False))
        col = rec.get("column", "").strip()
        if not _ACTOR_RE.match(col):
            problems.append(
                Problem(str(p), ln, header.index("column") + 1, "column", f"bad column {col!r}")
            )
            continue
        for regime in regimes:
            cell = rec.get(regime, "").strip()
            if not cell:
                continue
            try:
                v = float(cell)
            except ValueError:
                v = float("nan")
            if not math.isfinite(v) or v <= 0:
                problems.append(
                    Problem(
                        str(p), ln, header.index(regime) + 1, regime, f"bad vote weight {cell!r}"
                    )
                )
                continue
            out[regime][col[1:]] = v
    if problems:
        raise InputError(problems)
    return out


def qmv_regime(day: date) -> str | None:
    """Column of the QMV vote weights in force on ``day`` (``None`` outside 1995-2014)."""
    for first, last, column in QMV_REGIMES:
        if first <= day <= last:
            return column
    return None


def _float(cell: str) -> float | None:
    try:
        v = float(cell)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def read_deu(
    path: str | Path,
    *,
    capability: CapabilitySource = "gdp",
    qmv_votes: str | Path | None = None,
    institution_votes: Literal["max", "mean"] = "max",
    missing_salience: float | None = None,
) -> list[DeuIssue]:
    """
    Read a DEU issue file into one :class:`DeuIssue` per row.

    ``capability`` chooses each actor's capability: ``"gdp"`` the file's weights row (line 2),
    ``"qmv"`` the member state's Council QMV votes under the treaty regime in force on the
    proposal's intro date (Commission and Parliament get the largest member state's votes by
    default, ``institution_votes="mean"`` the mean; the same convention as the GDP row, which
    gives them the largest member state's weight), ``"equal"`` 1 for every actor. ``missing_salience`` (0-100)
    fills a salience cell left empty beside a position; by default that is an input error.
    Raises :class:`InputError` listing every problem located by ``file:line:column``.
    """
    p = Path(path)
    fname = str(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(fname, None, None, "", f"cannot read DEU file: {exc}")]) from None
    rows = list(csv.reader(text.splitlines(), delimiter="\t"))
    problems: list[Problem] = []
    if not rows or not any(c.strip() for c in rows[0]):
        raise InputError([Problem(fname, 1, None, "", "empty file: no header line")])
    header = [h.strip() for h in rows[0]]
    index: dict[str, int] = {}
    for j, h in enumerate(header):
        if h in index:
            problems.append(Problem(fname, 1, j + 1, h, "duplicate column"))
        elif h:
            index[h] = j
    for req in _REQUIRED:
        if req not in index:
            problems.append(Problem(fname, 1, None, req, "required column missing"))
    actors: list[str] = []
    for h in header:
        m = _ACTOR_RE.match(h)
        if m and ("s" + m.group(1)) in index and h not in ("prnr", "prname", "proc", "proccde"):
            actors.append(m.group(1))
    if not actors:
        problems.append(
            Problem(fname, 1, None, "", "no actor columns: need p<xx> and s<xx> column pairs")
        )
    if problems:
        raise InputError(problems)
    pcol = [index["p" + a] for a in actors]
    scol = [index["s" + a] for a in actors]

    def cell(row: Sequence[str], j: int) -> str:
        return row[j].strip() if j < len(row) else ""

    body_start = 1
    weights: np.ndarray | None = None
    if len(rows) > 1 and not cell(rows[1], index["prnr"]):
        body_start = 2
        w = np.full(len(actors), np.nan)
        for k, a in enumerate(actors):
            raw = cell(rows[1], pcol[k])
            v = _float(raw) if raw else None
            if raw and (v is None or v <= 0):
                problems.append(
                    Problem(fname, 2, pcol[k] + 1, "p" + a, f"bad weight {raw!r}: need > 0")
                )
            elif v is not None:
                w[k] = v
        weights = w

    votes: dict[str, dict[str, float]] | None = None
    if capability == "qmv":
        votes = read_qmv_votes(qmv_votes)
    elif capability not in ("gdp", "equal"):
        raise InputError(
            [Problem(fname, None, None, "capability", f"unknown capability source {capability!r}")]
        )

    issues: list[DeuIssue] = []
    seen: dict[str, int] = {}
    for ln0, row in enumerate(rows[body_start:], start=body_start):
        ln = ln0 + 1
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(header):
            problems.append(
                Problem(
                    fname, ln, len(header) + 1, "", f"{len(row)} fields, header has {len(header)}"
                )
            )
            continue
        n_before = len(problems)
        prnr = cell(row, index["prnr"])
        isnr = cell(row, index["isnr"])
        if not prnr:
            problems.append(Problem(fname, ln, index["prnr"] + 1, "prnr", "empty proposal id"))
        if not isnr:
            problems.append(Problem(fname, ln, index["isnr"] + 1, "isnr", "empty issue id"))
        elif isnr in seen:
            problems.append(
                Problem(
                    fname,
                    ln,
                    index["isnr"] + 1,
                    "isnr",
                    f"issue {isnr!r} repeats line {seen[isnr]}",
                )
            )
        else:
            seen[isnr] = ln

        def scale_value(name: str, *, row: Sequence[str] = row, ln: int = ln) -> float:
            if name not in index:
                return float("nan")
            raw = cell(row, index[name])
            if not raw:
                return float("nan")
            v = _float(raw)
            if v is None or not 0.0 <= v <= 100.0:
                problems.append(
                    Problem(fname, ln, index[name] + 1, name, f"{raw!r} is not a number in 0-100")
                )
                return float("nan")
            return v

        outcome = scale_value("out")
        ref = scale_value("rp")
        pos: list[float] = []
        sal: list[float] = []
        present: list[int] = []
        for k, a in enumerate(actors):
            x = scale_value("p" + a)
            if math.isnan(x):
                continue
            raw_s = cell(row, scol[k])
            if not raw_s:
                if missing_salience is None:
                    problems.append(
                        Problem(
                            fname,
                            ln,
                            scol[k] + 1,
                            "s" + a,
                            "empty salience beside a position (fill empty saliences with "
                            "--missing-salience V, 0-100; in Python read_deu(..., "
                            "missing_salience=V))",
                        )
                    )
                    continue
                s = float(missing_salience)
            else:
                s = scale_value("s" + a)
                if math.isnan(s):
                    continue
            present.append(k)
            pos.append(x)
            sal.append(s / 100.0)
        if not present and len(problems) == n_before:
            problems.append(Problem(fname, ln, None, "", "no actor has a position on this issue"))

        proc = cell(row, index["proc"]) if "proc" in index else ""
        rule = cell(row, index["counvte"]) if "counvte" in index else ""
        intro: date | None = None
        if "intro" in index and cell(row, index["intro"]):
            try:
                intro = parse_intro_date(cell(row, index["intro"]))
            except ValueError as exc:
                problems.append(Problem(fname, ln, index["intro"] + 1, "intro", str(exc)))

        cap = np.ones(len(present))
        if capability == "gdp" and present:
            if weights is None:
                if not any(pr.message.startswith("no weights row") for pr in problems):
                    problems.append(
                        Problem(
                            fname,
                            2,
                            None,
                            "",
                            "no weights row (line 2 with empty prnr) for gdp capabilities; "
                            "add one, or choose qmv or equal capabilities (--capability)",
                        )
                    )
            else:
                for i, k in enumerate(present):
                    if math.isnan(weights[k]):
                        problems.append(
                            Problem(
                                fname, 2, pcol[k] + 1, "p" + actors[k], "no weight for this actor"
                            )
                        )
                    else:
                        cap[i] = weights[k]
        elif capability == "qmv" and present and votes is not None:
            regime = qmv_regime(intro) if intro is not None else None
            col = index.get("intro", index["prnr"]) + 1
            if regime is None:
                problems.append(
                    Problem(
                        fname,
                        ln,
                        col,
                        "intro",
                        "no QMV vote weights for this intro date (known 1995-01-01 to 2014-10-31;"
                        " later the Lisbon double majority applies): use capability gdp or equal",
                    )
                )
            else:
                table = votes[regime]
                inst = (
                    max(table.values())
                    if institution_votes == "max"
                    else np.mean(list(table.values()))
                )
                for i, k in enumerate(present):
                    a = actors[k]
                    if a in INSTITUTIONS:
                        cap[i] = inst
                    elif a in table:
                        cap[i] = table[a]
                    else:
                        problems.append(
                            Problem(
                                fname,
                                ln,
                                pcol[k] + 1,
                                "p" + a,
                                f"actor {a!r} has a position but no QMV votes under {regime}",
                            )
                        )

        if len(problems) > n_before:
            continue
        meta: dict[str, Any] = {
            "source": "deu",
            "file": fname,
            "line": ln,
            "proposal": prnr,
            "issue": isnr,
            "procedure": proc,
            "voting_rule": rule,
            "intro": intro.isoformat() if intro else None,
            "capability": capability,
            "institutions": {"commission": COMMISSION, "parliament": PARLIAMENT},
        }
        for h, j in index.items():
            if h in meta or _ACTOR_RE.match(h) and h[1:] in actors:
                continue
            if h.startswith("s") and h[1:] in actors:
                continue
            if h in ("rp", "out", "prnr", "isnr", "proc", "counvte", "intro"):
                continue
            meta[h] = cell(row, j)
        prob = BargainingProblem(
            actors=tuple(actors[k] for k in present),
            issues=(isnr,),
            capability=cap,
            position=np.asarray(pos, dtype=float).reshape(-1, 1),
            salience=np.asarray(sal, dtype=float).reshape(-1, 1),
            scale=np.array([[0.0, 100.0]]),
            reference=np.array([ref]),
            name=f"{prnr} {meta.get('prname', '')} {isnr}".replace("  ", " ").strip(),
            meta=meta,
        )
        issues.append(
            DeuIssue(
                issue=isnr,
                proposal=prnr,
                procedure=proc,
                voting_rule=rule,
                intro=intro,
                outcome=outcome,
                problem=prob,
                line=ln,
                meta=meta,
            )
        )
    if problems:
        raise InputError(problems)
    if not issues:
        raise InputError([Problem(fname, None, None, "", "no issue rows")])
    return issues


def proposal_problem(issues: Sequence[DeuIssue]) -> BargainingProblem:
    """
    Merge the issues of one proposal into one multi-issue problem (for exchange-type models).

    Actors are the union of the issues' actors (first-seen order); an actor without a position on
    an issue has ``nan`` position and salience 0 there; capabilities are taken from the first issue
    in which the actor appears (they do not vary within a proposal).
    """
    if not issues:
        raise ValueError("proposal_problem needs at least one issue")
    actors: list[str] = []
    cap: dict[str, float] = {}
    for it in issues:
        for a, c in zip(it.problem.actors, it.problem.capability, strict=True):
            if a not in cap:
                actors.append(a)
                cap[a] = float(c)
    pos = np.full((len(actors), len(issues)), np.nan)
    sal = np.zeros((len(actors), len(issues)))
    where = {a: i for i, a in enumerate(actors)}
    for j, it in enumerate(issues):
        for k, a in enumerate(it.problem.actors):
            pos[where[a], j] = it.problem.position[k, 0]
            sal[where[a], j] = it.problem.salience[k, 0]
    first = issues[0]
    meta = {k: v for k, v in first.meta.items() if k not in ("issue", "line")}
    meta["issues"] = [it.issue for it in issues]
    return BargainingProblem(
        actors=tuple(actors),
        issues=tuple(it.issue for it in issues),
        capability=np.array([cap[a] for a in actors]),
        position=pos,
        salience=sal,
        scale=np.tile([0.0, 100.0], (len(issues), 1)),
        reference=np.array([it.problem.reference[0] for it in issues]),
        name=f"{first.proposal} {first.meta.get('prname', '')}".strip(),
        meta=meta,
    )
