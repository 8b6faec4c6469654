"""Checks of a loaded scenario that need the models: where the scenario and the world model meet.

The scenario layer checks a file on its own (schema, references; :mod:`melian.scenario.loader`)
and knows no model. What needs the world model's declarations is checked here, before any
analysis runs, and reported like the loader's problems, as ``file:line:column: field: message``
(:func:`melian.scenario.locate.relocate`):

* the world model's own checks (:func:`melian.world.check`: component kinds, parameters and
  their ranges, inputs, datasets and actor roles, renamed outcomes), with the paths of missing
  parameters and of renames and labels pointing into the file;
* each world criterion's ``measure.metric`` names an outcome or event the world declares (with
  a "did you mean" suggestion) and its ``stat`` applies to it;
* each world dataset's file exists (beside the scenario's file or in melian's data directory);
* each key of ``game.parameters`` names a parameter the payoff model reads, for actors of the
  scenario (:func:`melian.games.parameters.parameter_problems`, with a "did you mean"
  suggestion): the model would give a misspelled parameter its default silently.

Warnings do not stop an analysis: criteria weights that do not sum to 1 (they are divided by
their sum; :func:`melian.scenario.schema.weight_warnings`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from melian import world
from melian.errors import InputError, Problem
from melian.games.parameters import parameter_problems
from melian.scenario.datasets import dataset_path
from melian.scenario.locate import display_name, relocate
from melian.scenario.schema import Scenario, did_you_mean, weight_warnings
from melian.scenario.yamlsrc import format_path
from melian.world.components import KINDS
from melian.world.units import unit_conflicts

__all__ = ["Validation", "criteria_problems", "problem_dict", "validate", "warnings"]

#: Stats of a world outcome's path distribution (an event has a probability: ``probability``,
#: or ``mean``, the mean of its indicator).
OUTCOME_STATS = ("mean", "median", "p05", "p95", "cvar95")
EVENT_STATS = ("probability", "mean")


@dataclass(frozen=True)
class Validation:
    """The result of :func:`validate`: the problems that stop the analyses, and the warnings."""

    scenario_id: str
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        """True if there is no problem (warnings allowed)."""
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise :class:`InputError` listing every problem, if any."""
        if self.problems:
            raise InputError(list(self.problems))

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``valid``, ``problems`` and ``warnings`` (file, line, column, path,
        message each).
        """
        return {
            "scenario": self.scenario_id,
            "valid": self.valid,
            "problems": [problem_dict(p) for p in self.problems],
            "warnings": [problem_dict(p) for p in self.warnings],
        }


def problem_dict(p: Problem) -> dict[str, Any]:
    """A located problem as plain data (file, line, column, path, message)."""
    return {
        "file": p.file,
        "line": p.line,
        "column": p.column,
        "path": p.path,
        "message": p.message,
    }


def validate(scenario: Scenario) -> Validation:
    """Check a loaded scenario against the world model; every problem located in its file.

    Parameters
    ----------
    scenario
        A scenario as :func:`melian.load_scenario` returns it (valid for the scenario layer).

    Returns
    -------
    Validation
        ``problems`` (each ``file:line:column: field: message``; empty: the scenario is valid)
        and ``warnings``.
    """
    problems: list[Problem] = []
    if scenario.world.components:
        problems += world_problems(scenario)
    problems += dataset_problems(scenario)
    problems += criteria_problems(scenario, located=False)
    problems += parameter_problems(scenario)
    return Validation(scenario.id, tuple(relocate(scenario, problems)), tuple(warnings(scenario)))


def warnings(scenario: Scenario) -> list[Problem]:
    """The scenario's warnings (located): criteria weights that do not sum to 1, and world
    parameters whose money (or price, volume) unit differs from the other components' (amounts
    are added across components as they are: :func:`melian.world.units.unit_conflicts`).
    """
    found = list(weight_warnings(scenario))
    if scenario.world.components:
        for k, name, word, got, ref in unit_conflicts(list(scenario.world.components), KINDS):
            found.append(
                (
                    ("world", "components", k, "parameters", name, "unit"),
                    f"this unit writes {word!r} as {got!r}, the scenario's other parameters as "
                    f"{ref!r}: melian adds the components' amounts as they are, so write them "
                    "all in one unit",
                )
            )
    return relocate(
        scenario,
        [
            Problem(scenario.id, None, None, format_path(path), f"warning: {msg}")
            for path, msg in found
        ],
    )


def _p(scenario: Scenario, path: str, message: str) -> Problem:
    return Problem(display_name(scenario), None, None, path, message)


def _local_names(kind: Any) -> dict[str, list[str]]:  # noqa: ANN401
    """A kind's own outcome, event and band names."""
    return {
        "outcomes": [o.name for o in kind.OUTCOMES],
        "events": [e.name for e in kind.EVENTS],
        "bands": [b.name for b in kind.BANDS],
    }


_MISSING = re.compile(r"world\.(?P<cid>[^.\[]+)\.(?P<name>.+)")
_DUPLICATE = re.compile(r"world\.components\.(?P<cid>[^.\[]+)\.names")


def world_problems(scenario: Scenario) -> list[Problem]:
    """The world model's problems of ``scenario``, with paths into the file.

    A missing parameter is reported at ``world.components[K].parameters.NAME`` (located at the
    component's parameters), a duplicate outcome name at ``world.components[K].names``, and an
    unknown key under ``names`` or ``labels`` at that key, saying that both are keyed by the
    kind's original names and listing them.
    """
    index = {c.id: k for k, c in enumerate(scenario.world.components)}
    out = []
    for p in world.check(scenario):
        if "has no outcome, event or band" in p.message:
            continue  # reported below, per key, by :func:`_name_problems`
        path = p.path
        m = _MISSING.fullmatch(path)
        d = _DUPLICATE.fullmatch(path)
        if d and d["cid"] in index:
            path = f"world.components[{index[d['cid']]}].names"
        elif m and m["cid"] in index and not path.startswith("world.components"):
            path = f"world.components[{index[m['cid']]}].parameters.{m['name']}"
        out.append(_p(scenario, path, p.message))
    return out + _name_problems(scenario)


def _name_problems(scenario: Scenario) -> list[Problem]:
    """Keys of ``names`` and ``labels`` that are not the kind's original names."""
    out = []
    for k, c in enumerate(scenario.world.components):
        kind = world.KINDS.get(c.kind)
        if kind is None:
            continue
        own = _local_names(kind)
        local = {n for names in own.values() for n in names}
        listing = "; ".join(f"{w}: {', '.join(n)}" for w, n in own.items() if n)
        renamed = {new: old for old, new in c.names.items()}
        for key in c.names:
            if key not in local:
                out.append(
                    _p(
                        scenario,
                        f"world.components[{k}].names.{key}",
                        f"{c.kind} has no outcome, event or band {key!r}"
                        f"{did_you_mean(key, local)}: `names` maps the kind's original names "
                        f"to new ones ({listing})",
                    )
                )
        for key in c.labels:
            if key in local:
                continue
            if key in renamed:
                why = (
                    f"{key!r} is the new name of {renamed[key]!r} (under `names`); key its labels by "
                    f"{renamed[key]!r}"
                )
            else:
                why = f"{c.kind} has no outcome, event or band {key!r}{did_you_mean(key, local)}"
            out.append(
                _p(
                    scenario,
                    f"world.components[{k}].labels.{key}",
                    f"`labels` are keyed by the kind's original outcome, event and band names, "
                    f"not by the names given under `names`: {why} ({c.kind}'s {listing})",
                )
            )
    return out


def dataset_problems(scenario: Scenario) -> list[Problem]:
    """A problem at ``world.datasets.NAME.file`` for each dataset whose file is not found."""
    out = []
    for name in scenario.world.datasets:
        try:
            dataset_path(scenario, name)
        except InputError as exc:
            out += [_p(scenario, p.path, p.message) for p in exc.problems]
    return out


def criteria_problems(scenario: Scenario, *, located: bool = True) -> list[Problem]:
    """Problems of the world criteria: unknown ``measure.metric``, a ``stat`` that does not apply.

    Parameters
    ----------
    scenario
        The scenario.
    located
        Locate the problems in the scenario's file (else the caller does).

    Returns
    -------
    list of Problem
        One per criterion whose metric the world model does not declare (with the closest
        names) or whose stat does not apply to it; empty when every component kind is unknown
        to the world model's registry (its own check says so).
    """
    crit = [(k, c) for k, c in enumerate(scenario.criteria) if c.measure.kind == "world"]
    if not crit:
        return []
    out: list[Problem] = []
    comps = scenario.world.components
    if not comps:
        out = [
            _p(
                scenario,
                f"criteria[{k}].measure.kind",
                f"criterion {c.id!r} reads the world model, but the scenario declares no world "
                "components",
            )
            for k, c in crit
        ]
    elif all(c.kind in world.KINDS for c in comps):
        declared = world.declared(scenario)
        outcomes = [d.name for d in declared if d.kind == "outcome"]
        events = [d.name for d in declared if d.kind == "event"]
        for k, c in crit:
            out += _metric_problems(scenario, k, c, outcomes, events)
    return relocate(scenario, out) if located else out


def _metric_problems(
    scenario: Scenario,
    k: int,
    c: Any,  # noqa: ANN401
    outcomes: list[str],
    events: list[str],
) -> list[Problem]:
    """Problems of criterion ``c`` (index ``k``): its metric and its stat."""
    metric, stat = str(c.measure.metric), str(c.measure.stat)
    where = f"criteria[{k}].measure"
    event = metric[2:] if metric.startswith("p_") and metric[2:] in events else metric
    if event in events:
        if stat not in EVENT_STATS:
            return [
                _p(
                    scenario,
                    f"{where}.stat",
                    f"{metric!r} is an event: it has a probability, not a {stat!r} "
                    "(use stat: probability)",
                )
            ]
        return []
    if metric in outcomes:
        if stat not in OUTCOME_STATS:
            return [
                _p(
                    scenario,
                    f"{where}.stat",
                    f"{metric!r} is an outcome, not an event: use stat {', '.join(OUTCOME_STATS)}",
                )
            ]
        return []
    return [
        _p(
            scenario,
            f"{where}.metric",
            f"the world model has no outcome or event {metric!r}"
            f"{did_you_mean(metric, outcomes + events)}; outcomes: {', '.join(outcomes)}; "
            f"events: {', '.join(events)}",
        )
    ]
