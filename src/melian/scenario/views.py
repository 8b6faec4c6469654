"""Contested views: named overlays of alternative judgements on one scenario.

Robust decision making compares options across several plausible worldviews instead of averaging
them away (Lempert, Popper and Bankes 2003, *Shaping the Next One Hundred Years*, RAND MR-1626;
Marchau et al. eds. 2019, *Decision Making under Deep Uncertainty*, Springer). In melian a view is
a small overlay of values with its own sources: the source's view is the scenario as written, and
each declared view (for example a sceptic's) replaces a few judgements.

An override names the value it replaces by a path of ``/``-separated steps over the scenario as
written: a mapping key, or, in a list, the id of an element (``id``, or ``actor`` for positions)
or its index. ``issues/alignment/positions/rival/position`` is actor ``rival``'s position on the
issue ``alignment``; ``focal/options/ally/effects/security.militia_pressure`` is an option's effect
on a parameter; ``criteria/sovereignty/weight`` a criterion's weight. The value replaces the
target (a number, or a whole mapping such as a distribution). Where the replaced value sits in a
mapping that names a ``source``, that source becomes the override's, so the provenance of every
number follows the view.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from melian.errors import InputError, Problem
from melian.scenario.paths import ViewPathError, overlay, resolve
from melian.scenario.schema import Scenario, semantic_problems

__all__ = ["ViewPathError", "apply_view", "overlay", "resolve", "view_ids"]


def _authored(s: Scenario) -> dict[str, Any]:
    return s.model_dump(mode="json", exclude_unset=True, by_alias=True)


def apply_view(scenario: Scenario, view: str | None) -> Scenario:
    """The scenario under the named view (``None`` or ``"source"``: the scenario as written).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    view : str or None
        A declared view id.

    Returns
    -------
    Scenario
        A new, validated scenario with the view's overrides applied; ``scenario.view`` names the
        view. The declared views are kept so that other views can still be asked for.

    Raises
    ------
    InputError
        If the view is not declared, or an override does not resolve or gives an invalid value.
    """
    if view is None or view == "source":
        return scenario
    found = next((v for v in scenario.views if v.id == view), None)
    if found is None:
        names = ", ".join(["source", *(v.id for v in scenario.views)])
        raise InputError(
            [
                Problem(
                    "--view", None, None, "", f"no view {view!r} in {scenario.id}; views: {names}"
                )
            ]
        )
    data = _authored(scenario)
    try:
        new = overlay(data, [o.model_dump() for o in found.overrides])
    except ViewPathError as exc:
        raise InputError([Problem(scenario.id, None, None, f"views.{view}", str(exc))]) from None
    try:
        out = Scenario.model_validate(new)
    except ValidationError as exc:
        msgs = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise InputError(
            [
                Problem(
                    scenario.id, None, None, f"views.{view}", f"gives an invalid scenario: {msgs}"
                )
            ]
        ) from None
    problems = list(semantic_problems(out))
    if problems:
        msgs = "; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in problems[:5])
        raise InputError(
            [
                Problem(
                    scenario.id, None, None, f"views.{view}", f"gives an invalid scenario: {msgs}"
                )
            ]
        )
    out._view = view
    out._origin = scenario.origin
    return out


def view_ids(scenario: Scenario) -> list[str]:
    """``source`` (the scenario as written) and every declared view id."""
    return ["source", *(v.id for v in scenario.views)]
