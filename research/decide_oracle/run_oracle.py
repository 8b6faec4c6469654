"""Run decide's own equal-gain exchange model on the exported problems (the oracle).

Runs ONLY in the separate oracle environment (see README.md), never in melian's: it imports
``decide`` (the ``decide-exchange-model`` package, GPL-3) and writes
``tests/data/decide_oracle/<case>.decide.json`` beside each ``<case>.input.json``.

The model is built the way decide's command line builds it (``decide.cli``: EqualGainModel with
randomized value "0", 10 rounds of ``decide.model.utils.ModelLoop``), with one change:
``EqualGainModel.ALLOW_RANDOM = False``. decide breaks an exact tie between the two best gains
with ``random.random()``; with it off the first exchange in decide's own order is taken, which
makes the reference reproducible. Ties met are counted in each output (``ties``).

    /work/decide-oracle-venv/bin/python -m research.decide_oracle.run_oracle [case ...]
"""

from __future__ import annotations

import json
import sys
import time
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any

from decide.data.modelfactory import ModelFactory
from decide.data.reader import InputDataFile
from decide.model.equalgain import EqualGainModel
from decide.model.utils import ModelLoop

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "decide_oracle"
ROUNDS = 10  # decide's command-line default (--iterations)


class Recorder:
    """Stands in for decide's event handler (an Observable) and records each round."""

    def __init__(self, model: EqualGainModel, actors: list[str], issues: list[str]) -> None:
        self.model = model
        self.actors = actors
        self.issues = issues
        self.rounds: list[dict] = []
        self._round: dict = {}

    def _positions(self) -> list[list[float | None]]:
        out = []
        for a in self.actors:
            row = []
            for k in self.issues:
                ai = self.model.actor_issues[self.model.issues[k]].get(self.model.actors[a])
                row.append(None if ai is None else float(ai.position))
            out.append(row)
        return out

    def _nbs(self) -> list[float]:
        return [float(self.model.nbs[self.model.issues[k]]) for k in self.issues]

    def before_loop(self, iteration: int, repetition: int) -> None:
        self._round = {"round": iteration + 1, "exchanges": []}

    def removed_exchanges(self, removed: list) -> None:
        pass

    def execute_exchange(self, ex: Any) -> None:  # noqa: ANN401
        self._round["exchanges"].append(
            {
                "i": ex.i.actor.actor_id,
                "i_supply": ex.i.supply.issue.name,
                "i_from": float(ex.i.supply.position),
                "i_to": float(ex.i.y),
                "j": ex.j.actor.actor_id,
                "j_supply": ex.j.supply.issue.name,
                "j_from": float(ex.j.supply.position),
                "j_to": float(ex.j.y),
                "gain": float(ex.gain),
            }
        )

    def after_loop(self, realized: list, iteration: int, repetition: int) -> None:
        # positions are still the round's start (preference) positions here
        self._round["start_position"] = self._positions()
        self._round["start_outcome"] = self._nbs()

    def end_loop(self, iteration: int, repetition: int) -> None:
        # the executed exchanges' voting positions are in place, the outcome recomputed on them
        self._round["voting_position"] = self._positions()
        self._round["voting_outcome"] = self._nbs()
        self.rounds.append(self._round)


def build(data: dict) -> EqualGainModel:
    """decide's model from an exported problem (what decide.data.modelfactory does)."""
    model = EqualGainModel(randomized_value="0")
    for a in data["actors"]:
        model.add_actor(a, a)
    for k, (lo, hi) in zip(data["issues"], data["scale"], strict=True):
        issue = model.add_issue(k)
        issue.lower, issue.upper = Decimal(lo), Decimal(hi)
        issue.calculate_delta()
        issue.calculate_step_size()
    for a, c, xs, ss in zip(
        data["actors"], data["capability"], data["position"], data["salience"], strict=True
    ):
        for k, x, s in zip(data["issues"], xs, ss, strict=True):
            if x is not None:
                model.add_actor_issue(a, k, Decimal(repr(x)), Decimal(repr(s)), Decimal(repr(c)))
    return model


_highest_gain = EqualGainModel.highest_gain


def _highest_gain_counting_ties(self: EqualGainModel) -> Any:  # noqa: ANN401
    """decide's highest_gain, counting exact ties (decide counts them only when ALLOW_RANDOM)."""
    self.sort_exchanges()
    if len(self.exchanges) > 1 and abs(self.exchanges[0].gain - self.exchanges[1].gain) < 1e-20:
        self.tie_count += 1
    return _highest_gain(self)


def build_from_decide_file(path: Path) -> tuple[EqualGainModel, list[str], list[str]]:
    """decide's model from one of its own input files, read by decide's own reader.

    Saliences are divided by 100 (decide's files write them on 0-100; melian's importer divides
    by the salience scale, and decide's next-round rule needs them in [0, 1]).
    """
    data_file = InputDataFile.open(path)
    if data_file.errors:
        raise SystemExit(f"{path}: decide's reader refused it: {data_file.errors}")
    model = ModelFactory(data_file)(model_klass=EqualGainModel, randomized_value="0")
    for by_actor in model.actor_issues.values():
        for ai in by_actor.values():
            ai.salience = ai.salience / 100
    actors = [a.actor_id for a in model.actors.values()]
    issues = [i.name for i in model.issues.values()]
    return model, actors, issues


def run_case(path: Path) -> None:
    """Run decide on an exported problem (``.input.json``) or on a decide file (``.csv``)."""
    EqualGainModel.ALLOW_RANDOM = False
    EqualGainModel.highest_gain = _highest_gain_counting_ties
    if path.suffix == ".csv":
        case = path.stem
        model, actors, issues = build_from_decide_file(path)
    else:
        case = path.name.removesuffix(".input.json")
        data = json.loads(path.read_text(encoding="utf-8"))
        model, actors, issues = build(data), data["actors"], data["issues"]
    rec = Recorder(model, actors, issues)
    loop = ModelLoop(model, rec, 0)
    t0 = time.perf_counter()
    for _ in range(ROUNDS):
        loop.loop()
    out = {
        "case": case,
        "oracle": f"decide-exchange-model {version('decide-exchange-model')} (EqualGainModel)",
        "settings": {
            "rounds": ROUNDS,
            "randomized_value": "0",
            "ALLOW_RANDOM": False,
            "SALIENCE_WEIGHT": float(model.SALIENCE_WEIGHT),
            "FIXED_WEIGHT": float(model.FIXED_WEIGHT),
        },
        "scale": "positions and outcomes on decide's normalised 0-100 scale",
        "actors": actors,
        "issues": issues,
        "ties": model.tie_count,
        "rounds": rec.rounds,
    }
    dest = path.with_name(case + ".decide.json")
    dest.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    n_ex = sum(len(r["exchanges"]) for r in rec.rounds)
    print(f"{dest.name}: {n_ex} exchanges in {ROUNDS} rounds, {time.perf_counter() - t0:.1f} s")


def main(argv: list[str]) -> None:
    paths = sorted([*DATA.glob("*.input.json"), *DATA.glob("*.csv")])
    if argv:
        paths = [
            p for p in paths if p.name.removesuffix(".input.json").removesuffix(".csv") in argv
        ]
    for p in paths:
        run_case(p)


if __name__ == "__main__":
    main(sys.argv[1:])
