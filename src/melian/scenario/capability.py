"""Actor capabilities and clouts: declared values, or derived from a series melian ships.

An actor has two weights (``docs/scenario-format.md``, "Capability and clout"): its **material
capability** (``actors[*].capability``: military/economic power, read by the alliance game and
the world model) and its **clout** at the table on each issue (``actors[*].clout``, a position's
``power``: read by the bargaining models). Documented defaults when only one is given: an actor
without a clout bargains with its capability; an actor without a capability takes its clout's
value (or series) as material capability.

Series (files under ``melian/data/capabilities``; units and provenance in
``melian/data/PROVENANCE.md``): ``cow-cinc`` (COW National Material Capabilities v7.0, composite
index), ``cow-milex`` (NMC military expenditure), ``sipri-milex`` (SIPRI military expenditure,
current prices) and ``wb-gdp`` (WDI GDP, current prices). Codes are COW state codes; the other
series are keyed by the ISO code or name that ``series-codes.csv`` maps each COW code to.
"""

from __future__ import annotations

import csv
import math
from functools import cache
from importlib import resources

from melian.errors import ModelError
from melian.scenario.schema import Actor, Capability, Clout, Scenario


def _data(name: str) -> str:
    return str(resources.files("melian.data").joinpath("capabilities", name))


@cache
def _series_codes() -> dict[int, tuple[str, str]]:
    """COW state code -> (ISO alpha-3 code, SIPRI's name) of the states the series cover."""
    with open(_data("series-codes.csv"), newline="", encoding="utf-8") as fh:
        return {int(r["ccode"]): (r["iso3"], r["sipri_country"]) for r in csv.DictReader(fh)}


@cache
def _nmc() -> dict[tuple[int, int], dict[str, float]]:
    out: dict[tuple[int, int], dict[str, float]] = {}
    with open(_data("nmc-v7.csv"), newline="") as fh:
        for row in csv.DictReader(fh):
            rec = {
                k: (float(v) if v not in ("", "-9") else math.nan)
                for k, v in row.items()
                if k not in ("ccode", "year")
            }
            out[(int(row["ccode"]), int(row["year"]))] = rec
    return out


@cache
def _wb_gdp() -> dict[tuple[str, int], float]:
    with open(_data("wb-gdp-seven-states-1990-2023.csv"), newline="") as fh:
        return {
            (r["Country Code"], int(r["Year"])): float(r["Value"])
            for r in csv.DictReader(fh)
            if r["Value"]
        }


@cache
def _sipri() -> dict[tuple[str, int], float]:
    with open(_data("sipri-milex-seven-states-2000-2023.csv"), newline="", encoding="utf-8") as fh:
        return {
            (r["country"], int(r["year"])): float(r["value"])
            for r in csv.DictReader(fh)
            if r["sheet"].startswith("Current ") and r["value"] not in ("", "...", "xxx")
        }


def series_value(series: str, code: int, year: int) -> float:
    """The value of a capability series for COW country ``code`` in ``year`` (ModelError if none)."""
    if series in ("cow-cinc", "cow-milex"):
        rec = _nmc().get((code, year))
        val = math.nan if rec is None else rec["cinc" if series == "cow-cinc" else "milex"]
    else:
        codes = _series_codes()
        if code not in codes:
            raise ModelError(
                f"series {series!r} is shipped for COW codes {sorted(codes)} only, not {code}"
            )
        iso, sipri_name = codes[code]
        if series == "wb-gdp":
            val = _wb_gdp().get((iso, year), math.nan)
        else:
            val = _sipri().get((sipri_name, year), math.nan)
    if not (val > 0):
        raise ModelError(f"series {series!r} has no positive value for code {code} in {year}")
    return float(val)


def capability_value(cap: Capability | Clout) -> float:
    """The numeric value of a capability or of a clout's all-issue part: the declared value, or
    series value, times ``multiplier`` (ModelError for a clout with per-issue values only).
    """
    if cap.value is not None:
        return float(cap.value) * cap.multiplier
    if cap.series is None:
        raise ModelError("this clout gives per-issue values only (no value or series)")
    return series_value(cap.series, cap.code, cap.year) * cap.multiplier  # type: ignore[arg-type]


def capabilities(s: Scenario) -> dict[str, float]:
    """Material capability of every actor of a scenario, by actor id."""
    return {a.id: actor_capability(a) for a in s.actors}


def actor_capability(a: Actor) -> float:
    """Material capability of one actor: its ``capability``, else its clout's value/series."""
    if a.capability is not None:
        return capability_value(a.capability)
    if a.clout is None:  # the schema forbids it; kept for hand-built actors
        raise ModelError(f"actor {a.id!r} has neither a capability nor a clout")
    return capability_value(a.clout)


def actor_clout(a: Actor, issue: str | None = None) -> float:
    """Clout of one actor at the table, on ``issue`` if given.

    Order: the clout's per-issue value (``clout.issues``), its all-issue value or series, then
    (no clout declared) the actor's material capability. A position's ``power`` comes before all
    of these; :func:`issue_clouts` applies it. ``nan`` if the clout gives per-issue values only
    and none for ``issue``.
    """
    c = a.clout
    if c is None:
        return actor_capability(a)
    if issue is not None and issue in c.issues:
        return float(c.issues[issue])
    if c.has_base:
        return capability_value(c)
    return float("nan")


def issue_clouts(s: Scenario) -> dict[str, dict[str, float]]:
    """Clout of every actor on every issue where it holds a position: issue id -> actor -> clout.

    A position's ``power`` overrides :func:`actor_clout` on its issue.
    """
    actors = {a.id: a for a in s.actors}
    out: dict[str, dict[str, float]] = {}
    for iss in s.issues:
        row: dict[str, float] = {}
        for p in iss.positions:
            a = actors.get(p.actor)
            if a is None:
                continue
            row[p.actor] = float(p.power) if p.power is not None else actor_clout(a, iss.id)
        out[iss.id] = row
    return out
