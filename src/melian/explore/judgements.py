"""Judgement uncertainty: fixed numbers marked as judgements become distributions.

A scenario marks an analyst's (or the source's) judgements with ``judgement: true`` and a
``confidence`` (low / medium / high). Explored as fixed numbers, they cannot disagree with their
source: the recommended option wins every sampled future because every future shares the same
judged effects. Here each fixed judged number becomes a triangular distribution centred on the
judged value, with a relative half-width set by its confidence (:data:`HALF_WIDTH`), narrowed
symmetrically where the value's admissible range would cut it, so that the judged value stays the
centre (mode, median and mean) of its distribution: the
qualitative-grade-to-spread step of the NUSAP tradition (Funtowicz and Ravetz 1990, *Uncertainty
and Quality in Science for Policy*, Kluwer; pedigree matrices turn grades into spreads). The
widths are documented, overridable defaults, not findings; the brief says so.

What is widened (in the scenario as written, whatever the layout of its world):

* world and game parameters marked as judgements that hold a fixed ``value``;
* option effects marked as judgements: a fixed ``set`` value becomes a triangular distribution;
  ``multiply`` and ``add`` on a parameter whose value is fixed become a ``set`` of the same judged
  result with the same spread (on an uncertain parameter they are left as written, and listed);
* criteria weights are not touched here (weight stability covers them: :mod:`melian.decide`).

Sourced numbers (``judgement: false``) keep their declared distributions. A value of zero has no
relative spread and stays fixed (listed). Every widened value is clipped to its admissible range
when one is known (``ranges``), otherwise a positive value stays positive.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from melian.scenario.schema import Scenario

#: Relative half-width of the triangular distribution given to a judged number, per confidence.
#: A judgement with no stated confidence is treated as "medium".
HALF_WIDTH: dict[str, float] = {"low": 0.5, "medium": 0.25, "high": 0.1}


@dataclass
class Widened:
    """What :func:`with_judgement_uncertainty` widened and what it left as written."""

    parameters: list[str] = field(default_factory=list)
    effects: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"parameters": self.parameters, "effects": self.effects, "left": self.left}


def default_keep(path: str) -> bool:
    """Parameters kept as written by default: calibration windows and counts (whole numbers)."""
    name = path.rsplit(".", 1)[-1]
    return name.startswith("calibration") or name.endswith(("_years", "_count"))


def _is_number(v: Any) -> bool:  # noqa: ANN401
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _triangle(
    v: float, w: float, bounds: tuple[float | None, float | None] | None
) -> dict[str, Any] | None:
    """A symmetric triangle around ``v`` (half-width ``w|v|``, narrowed to stay in ``bounds``)."""
    blo, bhi = (
        bounds if bounds is not None else ((0.0 if v > 0 else None), (0.0 if v < 0 else None))
    )
    half = abs(v) * w
    if blo is not None:
        half = min(half, v - blo)
    if bhi is not None:
        half = min(half, bhi - v)
    if not half > 0:
        return None  # no spread, or the judged value sits at (or outside) an end of its range
    return {"dist": "triangular", "low": v - half, "mode": v, "high": v + half}


def _width(node: Mapping[str, Any], half_width: Mapping[str, float]) -> float:
    return float(half_width[node.get("confidence") or "medium"])


def _param_path(prefix: str) -> str:
    """``component.name`` from a walk path (layout words such as ``components`` dropped)."""
    return ".".join(seg for seg in prefix.split(".") if seg not in ("components", "parameters"))


def _widen_parameters(
    node: Any,  # noqa: ANN401
    prefix: str,
    half_width: Mapping[str, float],
    ranges: Callable[[str], tuple[float | None, float | None] | None],
    out: Widened,
    keep: Callable[[str], bool] = lambda _: False,
) -> None:
    """Walk a world or game section; widen every judged fixed parameter in place."""
    if isinstance(node, dict):
        is_param = "source" in node and ("value" in node or "dist" in node)
        if is_param and node.get("judgement") and node.get("dist", "fixed") == "fixed":
            v = node.get("value")
            path = _param_path(prefix)
            if keep(path):
                out.left.append(f"{path} (a window or count: kept as written)")
            elif _is_number(v) and v != 0:
                tri = _triangle(float(v), _width(node, half_width), ranges(path))
                if tri is None:
                    out.left.append(f"{path} (no spread within its range)")
                else:
                    node.pop("value")
                    node.update(tri)
                    out.parameters.append(path)
            elif _is_number(v):
                out.left.append(f"{path} (judged 0: no relative spread)")
            return
        for k, v in node.items():
            name = str(v.get("id")) if isinstance(v, dict) and "id" in v else str(k)
            sub = f"{prefix}.{name}" if prefix else name
            _widen_parameters(v, sub, half_width, ranges, out, keep)
    elif isinstance(node, list):
        for item in node:
            key = str(item.get("id", "")) if isinstance(item, dict) else ""
            sub = f"{prefix}.{key}" if key else prefix
            _widen_parameters(item, sub, half_width, ranges, out, keep)


def with_judgement_uncertainty(
    scenario: Scenario,
    *,
    half_width: Mapping[str, float] | None = None,
    ranges: Callable[[str], tuple[float | None, float | None] | None] | None = None,
    keep: Callable[[str], bool] | None = None,
) -> tuple[Scenario, Widened]:
    """The scenario with its fixed judgements widened into distributions.

    Parameters
    ----------
    scenario : Scenario
        The scenario (under any view).
    half_width : mapping, optional
        Relative half-width per confidence level (default :data:`HALF_WIDTH`).
    ranges : callable, optional
        ``ranges(path)`` -> admissible (low, high) of the parameter at ``path``
        (``component.name`` or ``game.name``), or ``None`` if unknown (default
        :func:`model_ranges`: the ranges the world components and the game admit, so that a
        widened judgement never reaches a value the model refuses; ``lambda path: None`` for
        none).
    keep : callable, optional
        ``keep(path)`` -> True for a parameter to keep as written (default :func:`default_keep`:
        calibration windows and counts).

    Returns
    -------
    (Scenario, Widened)
        The widened scenario (validated again) and the list of what was widened or left.
    """
    hw = {**HALF_WIDTH, **(half_width or {})}
    rng = ranges or model_ranges(scenario)
    kp = keep or default_keep
    data = scenario.model_dump(mode="json", exclude_unset=True, by_alias=True)
    data = copy.deepcopy(data)
    out = Widened()
    world = data.get("world")
    if isinstance(world, dict):
        _widen_parameters(world, "", hw, rng, out, kp)
    game = data.get("game")
    if isinstance(game, dict) and isinstance(game.get("parameters"), dict):
        for name, p in game["parameters"].items():
            _widen_parameters({name: p}, "game", hw, rng, out, kp)
    params = scenario.parameters()
    for opt in (data.get("focal") or {}).get("options", []):
        for path, eff in (opt.get("effects") or {}).items():
            if not isinstance(eff, dict) or not eff.get("judgement"):
                continue
            where = f"{opt['id']}: {path}"
            w = _width(eff, hw)
            if isinstance(eff.get("set"), dict):
                continue  # already a distribution
            if _is_number(eff.get("set")):
                v = float(eff["set"])
                if v == 0:
                    out.left.append(f"{where} (set to 0: no relative spread)")
                    continue
                tri = _triangle(v, w, rng(path))
                if tri is None:
                    out.left.append(f"{where} (no spread within its range)")
                else:
                    eff["set"] = tri
                    out.effects.append(where)
                continue
            base = params.get(path)
            op = "multiply" if eff.get("multiply") is not None else "add"
            if base is None or not base.is_fixed or not _is_number(eff.get(op)):
                out.left.append(f"{where} ({op} on an uncertain parameter: kept as written)")
                continue
            v0 = float(base.nominal)
            v = v0 * float(eff[op]) if op == "multiply" else v0 + float(eff[op])
            if v == 0:
                out.left.append(f"{where} (gives 0: no relative spread)")
                continue
            tri = _triangle(v, w, rng(path))
            if tri is None:
                out.left.append(f"{where} (no spread within its range)")
                continue
            eff.pop(op)
            eff["set"] = tri
            out.effects.append(where)
    widened = Scenario.model_validate(data)
    widened._origin = scenario.origin  # its datasets stay beside the scenario's file
    return widened, out


def model_ranges(scenario: Scenario) -> Callable[[str], tuple[float | None, float | None] | None]:
    """Admissible ranges of the scenario's parameters, as the models declare them.

    World parameters take the range their world component declares; a game parameter judged
    within [0, 1] (a probability, share or weight of the game's payoffs) stays within [0, 1].
    """
    from melian.world.engine import parameter_specs  # lazy: the world model

    specs = {path: (p.low, p.high) for path, p in parameter_specs(scenario).items()}
    game = scenario.game.parameters if scenario.game is not None else {}

    def ranges(path: str) -> tuple[float | None, float | None] | None:
        if path in specs:
            return specs[path]
        if path.startswith("game."):
            p = game.get(path[5:])
            if p is not None and p.is_fixed and 0 < float(p.nominal) <= 1:
                return (0.0, 1.0)
        return None

    return ranges
