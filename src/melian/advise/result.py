"""The result of the lever analysis: a typed :class:`Levers` object with tidy and plain-text views."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from melian.advise.coalitions import Coalition
from melian.advise.core import Gain, Robustness, _num
from melian.advise.linkage import Package, Trade
from melian.advise.persuasion import Target
from melian.advise.stance import Stance, StanceOption
from melian.advise.text import t, tf

#: How many levers of each kind the plain-language summary states.
TOP = {"packages": 3, "trades": 3, "targets": 5}


def _pts(v: float) -> str:
    return "–" if not np.isfinite(v) else f"{v:+.2f}"


def _pct(v: float) -> str:
    return "–" if not np.isfinite(v) else f"{100 * v:.0f}%"


@dataclass
class Levers:
    """Levers of one actor: own stance, linkage, whom to persuade, coalitions.

    Gains are in points of the actor's utility (0-100, salience-weighted closeness of outcomes to
    its true positions); each :class:`~melian.advise.core.Gain` carries the central value and the
    spread over the sampled inputs. ``baseline`` holds per model the central outcomes and utility.
    """

    actor: str
    scenario: str
    models: list[str]
    draws: int
    issues: list[str]
    true_position: dict[str, float]
    true_salience: dict[str, float]
    credible_position: dict[str, float]
    credible_salience: dict[str, float]
    salience_max: float
    step: float
    salience_step: float
    baseline: dict[str, dict[str, Any]]
    stance_options: list[StanceOption]
    stance_best: dict[str, Stance]
    stance_robust: Stance
    packages: list[Package]
    trades: list[Trade]
    targets: list[Target]
    coalitions: list[Coalition]
    notes: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    names_ar: dict[str, str] = field(default_factory=dict)
    seed: int | None = None

    # ------------------------------------------------------------------ views
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of everything, with the sentences."""
        return {
            "actor": self.actor,
            "scenario": self.scenario,
            "models": self.models,
            "draws": self.draws,
            "seed": self.seed,
            "true_position": self.true_position,
            "true_salience": self.true_salience,
            "credible_position": self.credible_position,
            "credible_salience": self.credible_salience,
            "step": self.step,
            "salience_step": self.salience_step,
            "baseline": {
                m: {
                    "outcome": {k: _num(v) for k, v in b["outcome"].items()},
                    "utility": _num(b["utility"]),
                    "utility_mean": _num(b["utility_mean"]),
                }
                for m, b in self.baseline.items()
            },
            "stance": {
                "options": [o.to_dict() for o in self.stance_options],
                "best": {m: s.to_dict() for m, s in self.stance_best.items()},
                "robust": self.stance_robust.to_dict(),
            },
            "linkage": {
                "packages": [p.to_dict() for p in self.packages],
                "trades": [x.to_dict() for x in self.trades],
            },
            "persuasion": [x.to_dict() for x in self.targets],
            "coalitions": [c.to_dict() for c in self.coalitions],
            "notes": self.notes,
            "sentences": self.sentences("en"),
        }

    def to_frame(self) -> Any:  # noqa: ANN401 - pandas is imported lazily
        """Tidy table: one row per lever and model with the gain's central value, mean, 10th and
        90th percentiles and share of sampled inputs in which it helps.
        """
        import pandas as pd

        rows: list[dict[str, Any]] = []

        def add(
            section: str, lever: str, issue: str | None, actor: str | None, gains: dict[str, Gain]
        ) -> None:
            for m, g in gains.items():
                rows.append(
                    {
                        "section": section,
                        "lever": lever,
                        "issue": issue,
                        "actor": actor,
                        "model": m,
                        "central": g.central,
                        "mean": g.mean,
                        "low": g.low,
                        "high": g.high,
                        "helps": g.helps,
                    }
                )

        for o in self.stance_options:
            add("stance", f"{o.label} {o.value:.4g}", o.issue, self.actor, o.gains)
        add("stance", "robust stance", None, self.actor, self.stance_robust.gains)
        for m, s in self.stance_best.items():
            add("stance", f"best stance ({m})", None, self.actor, s.gains)
        for p in self.packages:
            add("linkage", f"give {p.give} for {p.get}", p.get, self.actor, p.gains)
        for x in self.targets:
            add("persuasion", f"persuade ({x.kind})", None, x.actor, x.gains)
        return pd.DataFrame(
            rows,
            columns=[
                "section",
                "lever",
                "issue",
                "actor",
                "model",
                "central",
                "mean",
                "low",
                "high",
                "helps",
            ],
        )

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(s['text'])}</li>" for s in self.sentences("en"))
        return (
            f"<div><h4>{html.escape(t('title', 'en'))}: {html.escape(self.actor)}</h4>"
            f"<ul>{items}</ul><p>{html.escape(t('method', 'en').format(draws=self.draws))}</p></div>"
        )

    # ------------------------------------------------------------------ plain language
    def name(self, key: str, lang: str = "en") -> str:
        """Display name of an actor or issue id."""
        if lang == "ar" and key in self.names_ar:
            return self.names_ar[key]
        return self.names.get(key, key)

    def _gain(self, r: Robustness, gains: dict[str, Gain], lang: str) -> dict[str, str]:
        ok = [g for g in gains.values() if np.isfinite(g.mean)]
        mean = float(np.mean([g.mean for g in ok])) if ok else np.nan
        low = float(np.median([g.low for g in ok])) if ok else np.nan
        high = float(np.median([g.high for g in ok])) if ok else np.nan
        n_ok = round(r.models_helped * len(ok))
        med = _pts(r.median_gain if ok else mean)
        if self.draws == 0:
            return {
                "gain": tf("gain_central", lang, mean=med),
                "support": tf("support_central", lang, models=n_ok, n=len(ok)),
            }
        return {
            "gain": tf("gain", lang, mean=med, low=_pts(low), high=_pts(high)),
            "support": tf("support", lang, models=n_ok, n=len(ok), share=_pct(r.runs_helped)),
        }

    def _option_gain(self, model: str, issue: str, value: float | None) -> float:
        """Mean gain under ``model`` of stating ``value`` on ``issue`` (nan if not on the grid)."""
        for o in self.stance_options:
            if o.issue == issue and o.kind == "position" and o.value == value:
                return o.gains[model].mean
        return float("nan")

    def sentences(self, lang: str = "en") -> list[dict[str, str]]:
        """One plain sentence per lever with its numbers: ``[{"section", "text"}]``."""
        a = self.name(self.actor, lang)
        out: list[dict[str, str]] = []
        sep = tf("and", lang)
        # own stance: the robust choice per issue
        robust = [
            o
            for o in self.stance_options
            if o.robustness.robust
            and (
                (o.kind == "position" and self.stance_robust.position.get(o.issue) == o.value)
                or (o.kind == "salience" and self.stance_robust.salience.get(o.issue) == o.value)
            )
        ]
        for o in robust:
            g = self._gain(o.robustness, o.gains, lang)
            if o.kind == "position":
                out.append(
                    {
                        "section": "stance",
                        "text": tf(
                            "stance_position",
                            lang,
                            actor=a,
                            issue=self.name(o.issue, lang),
                            value=f"{o.value:.3g}",
                            true=f"{o.true_value:.3g}",
                            how=tf(o.label, lang),
                            **g,
                        ),
                    }
                )
            else:
                out.append(
                    {
                        "section": "stance",
                        "text": tf(
                            "stance_salience",
                            lang,
                            actor=a,
                            issue=self.name(o.issue, lang),
                            value=f"{o.value * self.salience_max:.3g}",
                            true=f"{o.true_value * self.salience_max:.3g}",
                            **g,
                        ),
                    }
                )
        if robust:
            r = self.stance_robust
            out.append(
                {
                    "section": "stance",
                    "text": tf(
                        "stance_package", lang, actor=a, **self._gain(r.robustness, r.gains, lang)
                    ),
                }
            )
        else:
            out.append(
                {
                    "section": "stance",
                    "text": tf("stance_none", lang, actor=a, k=len(self.stance_options)),
                }
            )
        for m, s in self.stance_best.items():
            for kind in ("exaggeration", "moderation"):
                iss = [
                    f"{self.name(i, lang)} ({_pts(self._option_gain(m, i, s.position.get(i)))})"
                    for i, v in s.rewards.items()
                    if v == kind
                ]
                if iss:
                    out.append(
                        {
                            "section": "stance",
                            "text": tf(
                                f"rewards_{kind}", lang, model=m, actor=a, issues=sep.join(iss)
                            ),
                        }
                    )
        for p in [p for p in self.packages if p.robustness.robust][: TOP["packages"]]:
            out.append(
                {
                    "section": "linkage",
                    "text": tf(
                        "package",
                        lang,
                        give=self.name(p.give, lang),
                        get=self.name(p.get, lang),
                        value=f"{p.give_position:.3g}",
                        true=f"{p.give_true:.3g}",
                        **self._gain(p.robustness, p.gains, lang),
                    ),
                }
            )
        for x in self.trades[: TOP["trades"]]:
            out.append(
                {
                    "section": "linkage",
                    "text": tf(
                        "trade",
                        lang,
                        actor=a,
                        partner=self.name(x.partner, lang),
                        give=self.name(x.give, lang),
                        get=self.name(x.get, lang),
                        share=_pct(x.share),
                        gain=f"{x.gain:.3g}",
                    ),
                }
            )
        for x in [x for x in self.targets if x.robustness.robust][: TOP["targets"]]:
            step = (
                _pct(self.step)
                if x.kind == "position"
                else f"{self.salience_step * self.salience_max:.3g}"
            )
            out.append(
                {
                    "section": "persuasion",
                    "text": tf(
                        f"persuade_{x.kind}",
                        lang,
                        target=self.name(x.actor, lang),
                        actor=a,
                        step=step,
                        **self._gain(x.robustness, x.gains, lang),
                    ),
                }
            )
        for c in self.coalitions:
            out.append(
                {
                    "section": "coalitions",
                    "text": tf(
                        "coalition",
                        lang,
                        issue=self.name(c.issue, lang),
                        forecast=f"{c.forecast:.3g}",
                        allies=sep.join(self.name(x, lang) for x in c.allies) or tf("nobody", lang),
                        opponents=sep.join(self.name(x, lang) for x in c.opponents)
                        or tf("nobody", lang),
                        actor=a,
                        ally=_pct(c.ally_weight),
                        opp=_pct(c.opponent_weight),
                    ),
                }
            )
        return out
