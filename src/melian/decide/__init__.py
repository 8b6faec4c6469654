"""Rank the focal actor's options on the decision-maker's criteria, and say how stable it is.

``rank(scenario, evidence)`` takes each criterion's value per option (computed by the models its
measure names, through :func:`melian.analysis.rank`; :mod:`melian.decide.evidence`), takes the
weights from the scenario (directly, or by AHP from the pairwise judgements when
``weights_from: ahp``; :mod:`melian.decide.mcda`), ranks the options with TOPSIS and the
weighted sum under min-max and vector normalisation side by side, and computes for every method
the weight-stability interval of every criterion (:mod:`melian.decide.stability`). Each
criterion has an indifference threshold (Brans & Vincke 1985; Roy 1991;
:mod:`melian.decide.indifference`): two Monte Carlo standard errors of a difference for a world
criterion with one, else the floating-point tolerance, or one the caller gives. A criterion on
which no two options differ by more than it is non-discriminating and does not move the ranking;
an option leads on a criterion taken alone only by more than it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from melian.decide.evidence import Evidence, gather_evidence
from melian.decide.indifference import (
    Indifference,
    Standing,
    indifference_thresholds,
    standing,
    tolerance,
)
from melian.decide.mcda import (
    METHODS,
    NORMALISATIONS,
    AHPResult,
    ahp,
    all_scores,
    method_key,
    rank_order,
)
from melian.decide.stability import StabilityInterval, stability
from melian.errors import ModelError
from melian.jsonio import to_jsonable
from melian.reprs import html_table
from melian.scenario.schema import Scenario

__all__ = [
    "PRIMARY",
    "Evidence",
    "Indifference",
    "Ranking",
    "Standing",
    "ahp",
    "check",
    "gather_evidence",
    "rank",
    "standing",
]

PRIMARY = "topsis-minmax"


@dataclass
class Ranking:
    """Scores and ranks of every option under every method, with weights and stability.

    ``indifference`` holds each criterion's indifference threshold, in criteria order
    (:class:`~melian.decide.indifference.Indifference`); :attr:`non_discriminating` lists the
    criteria within theirs, which the scores leave out.
    """

    options: list[str]
    criteria: list[str]
    directions: list[str]
    weights: dict[str, float]
    weights_from: str
    matrix: np.ndarray
    scores: dict[str, np.ndarray]
    primary: str
    recommended: str | None
    evidence: Evidence
    ahp: AHPResult | None = None
    stability: dict[str, list[StabilityInterval]] = field(default_factory=dict)
    indifference: list[Indifference] = field(default_factory=list)

    @property
    def non_discriminating(self) -> list[str]:
        """The criteria on which no two options differ by more than the indifference threshold
        (they do not move the ranking), in criteria order.
        """
        return [x.criterion for x in self.indifference if not x.discriminating]

    def thresholds(self) -> dict[str, float]:
        """Each criterion's indifference threshold (criterion -> threshold)."""
        return {x.criterion: x.threshold for x in self.indifference}

    def standing(self, option: str) -> dict[str, Standing]:
        """Where ``option`` stands on each criterion taken alone: first or not, leading or
        tied (:func:`~melian.decide.indifference.standing`, with the criteria's thresholds).
        """
        if option not in self.options:
            raise ModelError(f"unknown option {option!r}")
        q = self.thresholds()
        return {
            c: standing(
                {o: float(self.matrix[i, j]) for i, o in enumerate(self.options)},
                d,
                q.get(c, tolerance(self.matrix[:, j])),
                option,
            )
            for j, (c, d) in enumerate(zip(self.criteria, self.directions, strict=True))
        }

    def ranks(self, key: str | None = None) -> dict[str, int]:
        """Rank (1 = best) of each option under method ``key`` (default: the primary)."""
        r = rank_order(self.scores[key or self.primary])
        return {o: int(v) for o, v in zip(self.options, r, strict=True)}

    def top(self, key: str | None = None) -> str:
        """The top option under method ``key`` (default: the primary)."""
        return self.options[int(np.argmax(self.scores[key or self.primary]))]

    @property
    def tops(self) -> dict[str, str]:
        """Top option under each method and normalisation."""
        return {k: self.top(k) for k in self.scores}

    @property
    def robust_to_method(self) -> bool:
        """True if every method and normalisation puts the same option on top."""
        return len(set(self.tops.values())) == 1

    def to_frame(self) -> Any:  # noqa: ANN401
        """Long (tidy) scores: method, option, score, rank (1 = best) under every method.

        ``attrs["non_discriminating"]`` lists the criteria left out of the scores (within their
        indifference thresholds).
        """
        import pandas as pd

        rows = [
            (k, o, float(s), self.ranks(k)[o])
            for k, v in self.scores.items()
            for o, s in zip(self.options, v, strict=True)
        ]
        df = pd.DataFrame(rows, columns=["method", "option", "score", "rank"])
        df.attrs["non_discriminating"] = self.non_discriminating
        return df

    def _repr_html_(self) -> str:
        keys = list(self.scores)
        rows = [
            [o, *(f"{float(self.scores[k][i]):.3g} ({self.ranks(k)[o]})" for k in keys)]
            for i, o in enumerate(self.options)
        ]
        note = f"top: {self.top()}; same top under every method: {self.robust_to_method}"
        if self.non_discriminating:
            note += "; within their indifference thresholds (left out): " + ", ".join(
                self.non_discriminating
            )
        return html_table(
            f"Ranking ({self.weights_from} weights)", ["option", *keys], rows, note=note
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return to_jsonable(self._data())

    def _data(self) -> dict[str, Any]:
        ind = {x.criterion: x for x in self.indifference}
        top = self.top()
        first = self.standing(top)
        return {
            "options": self.options,
            "criteria": [
                {
                    "id": c,
                    "direction": d,
                    "weight": self.weights[c],
                    "provenance": self.evidence.provenance.get(c),
                    **(
                        {
                            "indifference_threshold": ind[c].threshold,
                            "threshold_basis": ind[c].basis,
                            "discriminating": ind[c].discriminating,
                        }
                        if c in ind
                        else {}
                    ),
                }
                for c, d in zip(self.criteria, self.directions, strict=True)
            ],
            "non_discriminating": self.non_discriminating,
            "top_first_on": {
                "leads": [c for c, x in first.items() if x.lead],
                "ties": {c: list(x.tied_with) for c, x in first.items() if x.first and not x.lead},
            },
            "weights_from": self.weights_from,
            "ahp": None if self.ahp is None else self.ahp.to_dict(),
            "matrix": {
                o: {c: float(self.matrix[i, j]) for j, c in enumerate(self.criteria)}
                for i, o in enumerate(self.options)
            },
            "primary": self.primary,
            "methods": {
                k: {
                    "scores": {o: float(s) for o, s in zip(self.options, v, strict=True)},
                    "ranks": self.ranks(k),
                    "top": self.top(k),
                }
                for k, v in self.scores.items()
            },
            "top": self.top(),
            "recommended": self.recommended,
            "recommended_is_top": None
            if self.recommended is None
            else self.top() == self.recommended,
            "same_top_under_every_method": self.robust_to_method,
            "stability": {k: [s.to_dict() for s in v] for k, v in self.stability.items()},
            "evidence": self.evidence.to_dict(),
        }


def scenario_weights(scenario: Scenario) -> tuple[dict[str, float], str, AHPResult | None]:
    """Criteria weights (summing to one), where they came from, and the AHP result if any.

    AHP is computed whenever pairwise judgements exist (so its consistency can be reported),
    and used when ``weights_from: ahp``.
    """
    ids = [c.id for c in scenario.criteria]
    res = None
    if scenario.criteria_pairwise:
        res = ahp(ids, [(p.a, p.b, p.ratio) for p in scenario.criteria_pairwise])
    if scenario.weights_from == "ahp":
        if res is None:
            raise ModelError("weights_from: ahp needs criteria_pairwise judgements")
        return {c: float(w) for c, w in zip(ids, res.weights, strict=True)}, "ahp", res
    total = sum(c.weight for c in scenario.criteria)
    if total <= 0:
        raise ModelError("criteria weights must not all be zero")
    return {c.id: c.weight / total for c in scenario.criteria}, "direct", res


def check(scenario: Scenario, primary: str = PRIMARY) -> None:
    """Raise a :class:`ModelError` unless the scenario's options can be ranked with ``primary``."""
    if len(scenario.option_ids) < 1:
        raise ModelError(f"scenario {scenario.id!r} has no options to rank")
    if not scenario.criteria:
        raise ModelError(f"scenario {scenario.id!r} declares no criteria")
    valid = {method_key(m, n) for m in METHODS for n in NORMALISATIONS}
    if primary not in valid:
        raise ModelError(f"unknown method {primary!r}; use one of {', '.join(sorted(valid))}")


def rank(
    scenario: Scenario,
    evidence: Evidence | Mapping[str, Mapping[str, float]] | None = None,
    *,
    weights: Mapping[str, float] | None = None,
    primary: str = PRIMARY,
    with_stability: bool = True,
    thresholds: Mapping[str, float] | None = None,
    **results: Any,  # noqa: ANN401
) -> Ranking:
    """Rank the scenario's options on its criteria (TOPSIS and weighted sum, two normalisations).

    Parameters
    ----------
    scenario
        A scenario with criteria and a focal actor's options.
    evidence
        Criterion -> option -> value, or an :class:`Evidence`. Default: gathered by
        :func:`~melian.decide.evidence.gather_evidence` from ``results`` (which needs the
        computed results of every model a criterion is measured on; :func:`melian.analysis.rank`
        computes them and is what faces call).
    weights
        Overrides the scenario's weights.
    primary
        The method reported first.
    with_stability
        Compute the weight-stability intervals.
    thresholds
        Indifference thresholds declared per criterion (in its units), overriding the default:
        two Monte Carlo standard errors of a difference for a criterion whose evidence has
        standard errors (:attr:`Evidence.errors`), else the floating-point tolerance
        (:mod:`melian.decide.indifference`). A criterion on which no two options differ by more
        than its threshold is left out of every score and listed in
        :attr:`Ranking.non_discriminating`.
    **results
        ``ensemble``, ``game``, ``forecasts``, ``forecast_model`` for ``gather_evidence``.

    Returns
    -------
    Ranking
        Scores and ranks under every method and normalisation, with the evidence and each
        criterion's indifference threshold.
    """
    check(scenario, primary)
    options = scenario.option_ids
    if evidence is None:
        ev = gather_evidence(scenario, **results)
    elif isinstance(evidence, Evidence):
        ev = evidence
    else:
        ev = Evidence(
            values={c: {o: float(v) for o, v in d.items()} for c, d in evidence.items()},
            provenance=dict.fromkeys(evidence, "given"),
        )
    crit = [c.id for c in scenario.criteria]
    dirs = [c.direction for c in scenario.criteria]
    w, source, ahp_res = scenario_weights(scenario)
    if weights is not None:
        unknown = set(weights) - set(crit)
        if unknown:
            raise ModelError(f"weights name unknown criteria {sorted(unknown)}")
        merged = {c: float(weights.get(c, w[c])) for c in crit}
        total = sum(merged.values())
        if total <= 0 or any(v < 0 for v in merged.values()):
            raise ModelError("weights must be non-negative and not all zero")
        w, source = {c: v / total for c, v in merged.items()}, "given"
    m = ev.matrix(crit, options)
    wv = np.array([w[c] for c in crit])
    types = np.array([1 if d == "max" else -1 for d in dirs])
    ind = indifference_thresholds(m, crit, ev.error_columns(crit, options), thresholds)
    q = np.array([x.threshold for x in ind])
    sc = all_scores(m, wv, types, q)
    stab: dict[str, list[StabilityInterval]] = {}
    if with_stability and len(options) > 1:
        for me in METHODS:
            for no in NORMALISATIONS:
                stab[method_key(me, no)] = stability(
                    m, wv, types, me, no, crit, options, thresholds=q
                )
    return Ranking(
        options=options,
        criteria=crit,
        directions=dirs,
        weights=w,
        weights_from=source,
        matrix=m,
        scores=sc,
        primary=primary,
        recommended=scenario.focal.recommended if scenario.focal else None,
        evidence=ev,
        ahp=ahp_res,
        stability=stab,
        indifference=ind,
    )
