"""The component engine reproduces the engine it replaced on iraq-us-2020 within Monte Carlo error.

Reference: tests/data/world/iraq-us-2020-reference.json, written by
research/world-components/reference.py on the engine before the refactor (131,072 paths x 120
months, seed 20200611). The two engines draw different random numbers, so each mean (and each
event probability) is compared within 4.5 standard errors of the difference of two independent
means, ``sqrt(sd_ref^2 / n_ref + sd_new^2 / n_new)`` (``sd^2 = p (1 - p)`` for a probability).
With about 80 comparisons, a false alarm at 4.5 SE has probability below 1e-3.

The reference covers the components the scenario declared before the kinds for the costs of the
alliance (supply cut, proxy attacks, patron drawdown, domestic backlash) were added: the
comparison runs on the scenario with those components removed, with the bindings to them and
the options' effects on them (:func:`original_world`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from melian.scenario import load_scenario
from melian.scenario.schema import Scenario
from melian.world import check, declared, simulate

#: The components of iraq-us-2020 when the reference was computed.
ORIGINAL = ("oil", "security", "sanctions", "exports", "china_credit", "fiscal", "politics")

REF = Path(__file__).parents[1] / "data" / "world" / "iraq-us-2020-reference.json"
PATHS = 32_768
Z = 4.5


def original_world(s: Scenario) -> Scenario:
    """The scenario with only the :data:`ORIGINAL` components, their bindings and effects.

    Criteria measured on the removed components' outcomes and the views (which override them)
    go too; nothing else changes.
    """
    d = s.model_dump(mode="json", exclude_unset=True, by_alias=True)

    def kept(ref: str) -> bool:
        return ref.split(".", 1)[0] in ORIGINAL

    comps = [c for c in d["world"]["components"] if c["id"] in ORIGINAL]
    for c in comps:
        for role, v in list(c.get("inputs", {}).items()):
            if isinstance(v, str):
                if not kept(v):
                    del c["inputs"][role]
            else:
                c["inputs"][role] = [r for r in v if kept(r)]
    d["world"]["components"] = comps
    for o in d["focal"]["options"]:
        o["effects"] = {
            k: e for k, e in o.get("effects", {}).items() if k.startswith("game.") or kept(k)
        }
    names = {x.name for x in declared(s) if x.component in ORIGINAL}
    d["criteria"] = [
        c
        for c in d["criteria"]
        if c["measure"]["kind"] != "world" or c["measure"]["metric"] in names
    ]
    d.pop("views", None)
    out = Scenario.model_validate(d)
    assert [c.id for c in out.world.components] == list(ORIGINAL) and check(out) == []
    return out


@pytest.fixture(scope="module")
def both():
    ref = json.loads(REF.read_text(encoding="utf-8"))
    s = original_world(load_scenario("iraq-us-2020"))
    ens = simulate(s, paths=PATHS, horizon=ref["horizon"], seed=7, workers=1)
    return ref, ens


def test_outcome_means_match_the_reference(both):
    ref, ens = both
    bad = []
    for oid, r in ref["options"].items():
        new = ens.results[oid]
        for name, m in r["metrics"].items():
            s = new.breakeven if name == "payroll_breakeven" else new.metrics[name]
            se = math.sqrt(m["sd"] ** 2 / r["n"] + s.sd**2 / new.paths)
            if abs(s.mean - m["mean"]) > Z * se + 1e-9:
                bad.append(f"{oid} {name}: {s.mean:.4g} vs {m['mean']:.4g} (se {se:.3g})")
    assert not bad, bad


def test_event_probabilities_match_the_reference(both):
    ref, ens = both
    bad = []
    for oid, r in ref["options"].items():
        new = ens.results[oid]
        assert set(new.probabilities) == set(r["probabilities"])
        for name, p in r["probabilities"].items():
            q = new.probabilities[name]
            se = math.sqrt(p * (1 - p) / r["n"] + q * (1 - q) / new.paths)
            if abs(q - p) > Z * se + 1e-9:
                bad.append(f"{oid} {name}: {q:.4f} vs {p:.4f} (se {se:.3g})")
    assert not bad, bad


def test_same_outcome_names_as_before(both):
    ref, ens = both
    for oid, r in ref["options"].items():
        names = set(ens.results[oid].metrics) | {"payroll_breakeven"}
        assert names == set(r["metrics"])
