"""The units a scenario declares, carried into the world model's results.

A component kind states its units with generic words: amounts of money in ``money bn`` (and
``money bn/month``, ``money bn/year``), prices in ``money/unit`` (money per unit of a commodity),
volumes in ``million units/day``. A scenario writes the real unit on each parameter it declares
(``amount: {value: 0.0117, unit: XX bn/month}``, ``realised_discount: {unit: XX/t}``). Each
parameter's declared unit set against its kind's unit tells what the generic word stands for in
this scenario (``money bn/month`` declared ``XX bn/month``: ``money bn`` is ``XX bn``), and the
outcomes and bands a component reports take those words in place of the generic ones:

- a component's own money parameters give its words (an outcome is built from them: a transfer's
  total from its ``amount``);
- a word the component's parameters do not give (a price component declares no price parameter)
  is the one the scenario's other components give most often (ties: the first declared);
- a word no parameter gives stays generic (``money bn``), as does every unit of a scenario that
  declares no units.

A declared unit that does not fit the kind's unit around the generic word (``XX m a month`` for
``money bn/month``) tells nothing and is skipped. The declared strings are carried verbatim.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

#: Generic words of the kinds' units, longest first (replaced in this order).
GENERIC = ("million units/day", "money/unit", "money bn")

_WORDS = re.compile("|".join(re.escape(g) for g in GENERIC))


def _norm(text: str) -> str:
    """``text`` with runs of white space as one space, stripped."""
    return " ".join(text.split())


def infer(kind_unit: str, declared: str | None) -> dict[str, str]:
    """What the generic words of ``kind_unit`` stand for, read off a parameter's declared unit.

    Parameters
    ----------
    kind_unit
        The unit the kind declares for the parameter (``money bn/month``).
    declared
        The unit the scenario writes on the parameter (``XX bn/month``), or None.

    Returns
    -------
    dict
        Generic word -> the scenario's words (``{"money bn": "XX bn"}``); empty when the unit
        has no generic word, none is declared, or the declared unit does not fit around it.
    """
    if not declared:
        return {}
    words = _WORDS.findall(_norm(kind_unit))
    if not words:
        return {}
    parts = _WORDS.split(_norm(kind_unit))
    pattern = "(.+?)".join(re.escape(p) for p in parts)
    m = re.fullmatch(pattern, _norm(declared))
    if m is None:
        return {}
    out: dict[str, str] = {}
    for word, got in zip(words, m.groups(), strict=True):
        got = got.strip()
        if not got or out.get(word, got) != got:
            return {}
        out[word] = got
    return out


def localise(unit: str, words: dict[str, str]) -> str:
    """``unit`` with each generic word replaced by the scenario's (unchanged where none is given).

    Parameters
    ----------
    unit
        A kind's unit (``money bn``, ``log money/unit``, ``months``).
    words
        Generic word -> the scenario's words (:func:`component_words`).

    Returns
    -------
    str
        The unit in the scenario's words (``XX bn``).
    """
    return _WORDS.sub(lambda m: words.get(m.group(0), m.group(0)), unit)


def _majority(found: list[dict[str, str]]) -> dict[str, str]:
    """Per generic word, the value found most often (ties: the first found)."""
    out: dict[str, str] = {}
    for word in GENERIC:
        seen = [f[word] for f in found if word in f]
        if seen:
            counts = Counter(seen)
            best = max(counts.values())
            out[word] = next(v for v in seen if counts[v] == best)
    return out


def _words_given(
    components: list[Any],  # noqa: ANN401 - scenario components (melian.scenario.schema)
    kinds: dict[str, Any],  # noqa: ANN401 - the registry of kinds
) -> list[tuple[int, Any, str, dict[str, str]]]:
    """(component index, component, parameter name, words) of every parameter whose declared
    unit tells what its kind's generic words stand for (:func:`infer`), in declaration order.
    """
    out = []
    for k, c in enumerate(components):
        K = kinds.get(c.kind)
        specs = {p.path: p for p in K.PARAMS} if K is not None else {}
        for name, par in c.parameters.items():
            if name in specs and (got := infer(specs[name].unit, par.unit)):
                out.append((k, c, name, got))
    return out


def component_words(
    components: list[Any],  # noqa: ANN401 - scenario components (melian.scenario.schema)
    kinds: dict[str, Any],  # noqa: ANN401 - the registry of kinds
) -> dict[str, dict[str, str]]:
    """What the generic words stand for in each component of a scenario (see the module).

    Parameters
    ----------
    components
        The scenario's world components (``scenario.world.components``).
    kinds
        The registry of kinds (:data:`melian.world.components.KINDS`).

    Returns
    -------
    dict
        Component id -> generic word -> the scenario's words.
    """
    own: dict[str, list[dict[str, str]]] = {c.id: [] for c in components}
    for _, c, _, got in _words_given(components, kinds):
        own[c.id].append(got)
    everywhere = _majority([f for found in own.values() for f in found])
    return {cid: {**everywhere, **_majority(found)} for cid, found in own.items()}


def unit_conflicts(
    components: list[Any],  # noqa: ANN401 - scenario components (melian.scenario.schema)
    kinds: dict[str, Any],  # noqa: ANN401 - the registry of kinds
) -> list[tuple[int, str, str, str, str]]:
    """Parameters whose declared unit gives a generic word other words than the scenario's.

    Amounts of money flow between components (a transfer into a budget, a loan into the
    reserves) and are added as they are: a scenario that writes one amount in ``XX m/month``
    and the others in ``XX bn/month`` adds millions to billions. Each word's reference is the
    one the scenario's parameters give most often (ties: the first declared).

    Parameters
    ----------
    components
        The scenario's world components (``scenario.world.components``).
    kinds
        The registry of kinds (:data:`melian.world.components.KINDS`).

    Returns
    -------
    list of tuple
        (component index, parameter name, generic word, the parameter's words, the scenario's
        words) for every parameter that disagrees, in declaration order.
    """
    found = [(k, name, got) for k, _, name, got in _words_given(components, kinds)]
    ref = _majority([f for _, _, f in found])
    return [
        (k, name, word, got[word], ref[word])
        for k, name, got in found
        for word in GENERIC
        if word in got and _norm(got[word]) != _norm(ref[word])
    ]
