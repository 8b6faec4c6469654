"""Property: every valid scenario survives export -> import exactly (YAML and JSON)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from melian.scenario import parse_scenario, to_json, to_yaml
from melian.scenario.schema import Scenario

ids = st.from_regex(r"[a-z][a-z0-9\-]{0,8}", fullmatch=True)
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    # (not the skeleton's placeholder, which the loader refuses as a field not filled in yet)
    lambda t: t.strip() == t and t != "" and t != "TODO"
)
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def distributions(draw):
    kind = draw(
        st.sampled_from(
            ["fixed", "uniform", "triangular", "normal", "lognormal", "beta", "discrete"]
        )
    )
    if kind == "fixed":
        return {"value": draw(finite)}
    if kind == "uniform":
        lo = draw(finite)
        return {"dist": kind, "low": lo, "high": lo + draw(st.floats(0.001, 100))}
    if kind == "triangular":
        lo = draw(finite)
        w = draw(st.floats(0.001, 100))
        return {"dist": kind, "low": lo, "mode": lo + w * draw(st.floats(0, 1)), "high": lo + w}
    if kind == "normal":
        return {"dist": kind, "mean": draw(finite), "sd": draw(st.floats(0.001, 100))}
    if kind == "lognormal":
        return {"dist": kind, "mu": draw(st.floats(-3, 3)), "sigma": draw(st.floats(0.01, 2))}
    if kind == "beta":
        return {"dist": kind, "alpha": draw(st.floats(0.1, 20)), "beta": draw(st.floats(0.1, 20))}
    return {"dist": kind, "values": draw(st.lists(finite, min_size=1, max_size=5))}


@st.composite
def scenarios(draw):
    actor_ids = draw(st.lists(ids, min_size=1, max_size=6, unique=True))
    issue_ids = draw(st.lists(ids, min_size=0, max_size=3, unique=True))
    actors = [
        {
            "id": a,
            "name": draw(text),
            "kind": draw(st.sampled_from(["state", "faction", "organisation", "armed_group"])),
            "capability": {"value": draw(st.floats(1e-6, 1e6)), "source": "s"},
        }
        for a in actor_ids
    ]
    issues = []
    for i in issue_ids:
        lo = draw(st.floats(-100, 100))
        hi = lo + draw(st.floats(0.5, 200))
        holders = draw(
            st.lists(st.sampled_from(actor_ids), min_size=1, max_size=len(actor_ids), unique=True)
        )
        issues.append(
            {
                "id": i,
                "name": draw(text),
                "scale": {"min": lo, "max": hi, "low": draw(text), "high": draw(text)},
                "positions": [
                    {
                        "actor": a,
                        "position": draw(st.floats(lo, hi)),
                        "salience": draw(st.floats(0, 100)),
                        "source": "s",
                        "judgement": draw(st.booleans()),
                    }
                    for a in holders
                ],
            }
        )
    world = {
        "components": [
            {
                "id": "fiscal",
                "kind": "commodity_budget",
                "parameters": {
                    f"p{k}": {**draw(distributions()), "source": "s"}
                    for k in range(draw(st.integers(0, 3)))
                },
            }
        ]
    }
    return {
        "metadata": {
            "id": draw(ids),
            "title": draw(text),
            "as_of": "2020-06-11",
            "seed": draw(st.integers(0, 2**40)),
        },
        "sources": {"s": {"citation": draw(text)}},
        "actors": actors,
        "issues": issues,
        "world": world,
    }


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_valid_scenarios_round_trip_exactly(data):
    s = Scenario.model_validate(data)
    assert parse_scenario(to_yaml(s)) == s
    assert parse_scenario(to_json(s)) == s
