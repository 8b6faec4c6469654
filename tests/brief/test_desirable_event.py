"""The brief's event judgements contrast the top option with the option where an event is worst:
most likely for an event to avoid, least likely for a wanted one (``desirable: true``)."""

from __future__ import annotations

from melian.brief.base import Section
from melian.brief.consequences import consequence_judgements
from melian.io import load_scenario


def _section(direction: str) -> Section:
    return Section(
        id="consequences",
        data={
            "paths": 10_000,
            "horizon": 24,
            "probabilities": {},
            "events": {"deal": "an investment agreement"},
            "event_directions": {"deal": direction},
        },
    )


def test_a_wanted_event_is_contrasted_with_the_option_where_it_is_least_likely():
    s = load_scenario("iraq-us-2020")
    from melian.brief.base import option_name

    ids = [o.id for o in s.focal.options]
    names = {o: option_name(s, o) for o in ids}
    ally, others = ids[0], ids[1:3]
    sec = _section("higher_better")
    sec.data["probabilities"] = {
        ally: {"deal": 0.40},
        others[0]: {"deal": 0.10},
        others[1]: {"deal": 0.70},
    }
    wanted = consequence_judgements(s, "en", sec, ally)
    assert len(wanted) == 2
    assert names[others[0]] in wanted[1]["text"]  # least likely: 0.10
    sec.data["event_directions"] = {"deal": "higher_worse"}
    avoided = consequence_judgements(s, "en", sec, ally)
    assert len(avoided) == 2
    assert names[others[1]] in avoided[1]["text"]  # most likely: 0.70
    # without a direction (results of an older run) an event is one to avoid
    del sec.data["event_directions"]
    assert consequence_judgements(s, "en", sec, ally) == avoided


def test_outcomes_zero_everywhere_are_named_not_tabled():
    """Manas's grants and rents are not loans: their debt is 0 on every path under every option,
    so the risk table names them in a note instead of three rows of zeros."""
    from melian.analysis.brief import RUNNERS
    from melian.brief.base import Settings
    from melian.brief.consequences import consequences_section

    s = load_scenario("kyrgyzstan-manas-2009")
    sec = consequences_section(s, "en", Settings(paths=1000), RUNNERS, lambda *a: None)
    rows = [r[0] for r in sec.data["tables"][0]["rows"]]
    assert not any(r.startswith("debt for transfers") for r in rows)
    (note,) = [n for n in sec.data["notes"] if n.startswith("Zero on every path")]
    assert note.count("debt for transfers at the horizon") == 3
