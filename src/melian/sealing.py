"""Sealed forecasts: seal a forecast in the ledger, verify it by re-solving, score it on outcomes.

* :func:`seal_forecast` runs the bargaining models on a scenario and seals the scenario text, its
  content hash, the models, their parameters, the seed, the melian version and the results in the
  forecast ledger (:mod:`melian.ledger`). With ``predictive=True`` it also seals the ensemble's
  predictive distribution of every issue (:func:`melian.bargaining.predictive.
  scenario_predictive`: draws, quantiles at every percent, calibrated intervals, threshold
  probabilities) with its settings (models, input draws, draws, the seed, and the SHA-256 of
  the calibration it used).
* :func:`verify_entries` re-solves every sealed forecast from the scenario text stored in it and
  checks the results bit for bit (canonical JSON), predictive draws included (they come only
  from the sealed seed), besides the hash chain.
* :func:`score_entries` scores sealed forecasts once outcomes are known: absolute error of each
  point, the continuous ranked probability score (CRPS; Gneiting and Raftery 2007, "Strictly
  proper scoring rules, prediction, and estimation", JASA 102(477)) of each predictive
  distribution (a point forecast is scored as a point mass, for which the CRPS is the absolute
  error), coverage of the 50/80/95% intervals (a sealed predictive forecast's calibrated
  ``intervals`` when it has them, else the central quantiles), and the Brier score (Brier 1950)
  of every declared threshold probability (the event read on the issue's scale,
  ``scale_value``, like the outcome). CRPS of samples is computed by ``scoringrules``
  (``crps_ensemble``, the unbiased "fair" estimator is not used: the sealed samples are the
  forecast).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from melian.bargaining import forecast, model_names, to_problem
from melian.bargaining.io.deu import packaged_path
from melian.bargaining.predictive import (
    CALIBRATION_FILE,
    DEFAULT_INPUT_DRAWS,
    DEFAULT_SAMPLES,
    scenario_predictive,
    shipped_calibration,
)
from melian.errors import InputError, ModelError, Problem
from melian.jsonio import to_jsonable
from melian.ledger import Ledger, LedgerEntry, check_chain
from melian.manifest import melian_version
from melian.scenario.loader import content_hash, parse_scenario
from melian.scenario.schema import Scenario
from melian.store import RunStore, canonical_json, flatten

#: Central interval levels whose coverage is scored.
INTERVAL_LEVELS = (0.5, 0.8, 0.95)

#: The kind of ledger record written by :func:`seal_forecast`.
FORECAST_KIND = "forecast"


def calibration_sha256() -> str:
    """SHA-256 of the shipped predictive calibration file (sealed with predictive forecasts)."""
    return hashlib.sha256(packaged_path(CALIBRATION_FILE).read_bytes()).hexdigest()


def predictive_settings(models: Sequence[str], input_draws: int, n_samples: int) -> dict[str, Any]:
    """The settings sealed with a predictive forecast (what :func:`solve_sealed` re-runs).

    ``models`` are the ensemble's models: those of ``models`` that have a calibrated error.
    """
    cal = shipped_calibration()
    ens = [m for m in models if m in cal.models]
    if not ens:
        raise ModelError(
            f"no model of {', '.join(models)} has a calibrated predictive error; calibrated: "
            f"{', '.join(cal.models)}"
        )
    return {
        "models": ens,
        "input_draws": int(input_draws),
        "n_samples": int(n_samples),
        "calibration_sha256": calibration_sha256(),
    }


def solve_sealed(
    scenario: Scenario,
    models: Sequence[str],
    params: Mapping[str, Mapping[str, Any]],
    seed: int | None,
    predictive: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The results a sealed forecast holds: every model's forecast of every agenda issue.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    models : sequence of str
        Registered bargaining model names.
    params : mapping
        Model name -> parameter overrides.
    seed : int or None
        The seed of stochastic parts: the bargaining models are deterministic; the predictive
        draws come only from it.
    predictive : mapping, optional
        Settings of a sealed predictive forecast (:func:`predictive_settings`: models,
        input_draws, n_samples); ``None``: point forecasts only.

    Returns
    -------
    dict
        ``{"forecasts": {model: Forecast.to_dict()}}``, plus ``"predictive"``
        (:meth:`melian.bargaining.predictive.PredictiveForecast.to_dict`) with ``predictive``;
        JSON-ready.
    """
    problem = to_problem(scenario)
    forecasts = {m: forecast(problem, m, **dict(params.get(m, {}))) for m in models}
    out: dict[str, Any] = {"forecasts": {m: f.to_dict() for m, f in forecasts.items()}}
    if predictive is not None:
        ens = list(predictive["models"])
        pf = scenario_predictive(
            scenario,
            ens,
            seed=seed,
            input_draws=int(predictive["input_draws"]),
            n_samples=int(predictive["n_samples"]),
            params={m: dict(params.get(m, {})) for m in ens},
        )
        out["predictive"] = to_jsonable(pf.to_dict())
    return out


def seal_forecast(
    scenario_text: str,
    *,
    file: str = "<scenario>",
    models: Sequence[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int | None = None,
    store: str | RunStore | None = None,
    predictive: bool = False,
    input_draws: int | None = None,
    n_samples: int | None = None,
) -> LedgerEntry:
    """Solve and seal a forecast of the scenario written in ``scenario_text``.

    Parameters
    ----------
    scenario_text : str
        The scenario file's text (YAML or JSON); it is sealed with the forecast so that the
        forecast can be re-solved from the ledger alone.
    file : str
        The file name used in error messages.
    models : sequence of str, optional
        Bargaining models (default: every registered model).
    params : mapping, optional
        Model name -> parameter overrides.
    seed : int, optional
        Seed (default: the scenario's seed).
    store : str or RunStore, optional
        The run store holding the ledger (default store unless given).
    predictive : bool
        Also seal the ensemble's predictive distribution of every issue (its draws, quantiles,
        intervals and threshold probabilities, docs/models/predictive.md).
    input_draws : int, optional
        Monte Carlo draws of the inputs per model of the predictive forecast (default
        :data:`melian.bargaining.predictive.DEFAULT_INPUT_DRAWS`).
    n_samples : int, optional
        Predictive draws per issue (default :data:`melian.bargaining.predictive.DEFAULT_SAMPLES`).

    Returns
    -------
    LedgerEntry
        The sealed entry; its ``hash`` is the new head of the chain.
    """
    scenario = parse_scenario(scenario_text, file)
    names = list(models) if models else model_names()
    unknown = [m for m in names if m not in model_names()]
    if unknown:
        raise ModelError(
            f"unknown bargaining model(s) {', '.join(unknown)}; available: {', '.join(model_names())}"
        )
    prm = {m: dict((params or {}).get(m, {})) for m in names}
    use_seed = scenario.metadata.seed if seed is None else seed
    pred = None
    if predictive:
        pred = predictive_settings(
            names,
            DEFAULT_INPUT_DRAWS if input_draws is None else input_draws,
            DEFAULT_SAMPLES if n_samples is None else n_samples,
        )
    record = {
        "scenario_id": scenario.id,
        "scenario_hash": content_hash(scenario),
        "scenario_sha256": hashlib.sha256(scenario_text.encode()).hexdigest(),
        "scenario_text": scenario_text,
        "models": names,
        "params": prm,
        "seed": use_seed,
        "melian_version": melian_version(),
        "results": solve_sealed(scenario, names, prm, use_seed, pred),
    }
    if pred is not None:
        record["predictive"] = pred
    return Ledger(store).append(record, kind=FORECAST_KIND)


# --------------------------------------------------------------------------- verify
@dataclass
class EntryCheck:
    """The verification of one sealed forecast."""

    seq: int
    id: str
    scenario_id: str | None
    ok: bool
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "seq": self.seq,
            "id": self.id,
            "scenario_id": self.scenario_id,
            "ok": self.ok,
            "problems": self.problems,
            "notes": self.notes,
        }


@dataclass
class Verification:
    """The verification of a ledger: its chain and every re-solved forecast."""

    entries: int
    head: str
    chain_problems: list[str]
    checks: list[EntryCheck]

    @property
    def ok(self) -> bool:
        """True when the chain is intact, the head matches and every forecast re-solves equal."""
        return not self.chain_problems and all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": self.head,
            "chain_problems": self.chain_problems,
            "checks": [c.to_dict() for c in self.checks],
        }

    def to_frame(self) -> Any:  # noqa: ANN401
        """One row per verified entry (pandas)."""
        import pandas as pd

        return pd.DataFrame(
            [{**c.to_dict(), "problems": "; ".join(c.problems)} for c in self.checks]
        )


def _check_entry(entry: LedgerEntry, solve: Callable[..., dict[str, Any]]) -> EntryCheck:
    data = entry.data
    problems: list[str] = []
    notes: list[str] = []
    text = data.get("scenario_text", "")
    if hashlib.sha256(text.encode()).hexdigest() != data.get("scenario_sha256"):
        problems.append("the sealed scenario text does not match its SHA-256")
    try:
        scenario = parse_scenario(text, f"ledger entry {entry.seq}")
    except InputError as exc:
        problems.append(f"the sealed scenario no longer loads: {exc}")
        return EntryCheck(entry.seq, entry.id, entry.scenario_id, False, problems)
    if content_hash(scenario) != data.get("scenario_hash"):
        # the sealed text is the same (its SHA-256 is checked above); the content hash is taken
        # over the parsed scenario, so it moves when the format gains optional fields
        notes.append(
            "the scenario's content hash differs: the scenario format has changed since "
            f"melian {data.get('melian_version')} (the sealed text itself is unchanged)"
        )
    pred = data.get("predictive")
    if pred is not None and pred.get("calibration_sha256") != calibration_sha256():
        notes.append(
            "the predictive calibration shipped with melian has changed since sealing: the "
            "predictive draws cannot re-solve equal with this version"
        )
    try:
        args = (scenario, data["models"], data["params"], data.get("seed"))
        again = solve(*args) if pred is None else solve(*args, predictive=pred)
    except (ModelError, KeyError) as exc:
        problems.append(f"cannot re-solve: {exc}")
        return EntryCheck(entry.seq, entry.id, entry.scenario_id, False, problems)
    if canonical_json(again) != canonical_json(data.get("results")):
        old = dict(flatten(data.get("results")))
        new = dict(flatten(again))
        keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
        problems.append(
            f"re-solved results differ from the sealed ones in {len(keys)} value(s): {shown} "
            f"(sealed with melian {data.get('melian_version')}, now {melian_version()})"
        )
    return EntryCheck(entry.seq, entry.id, entry.scenario_id, not problems, problems, notes)


def verify_entries(
    entries: Sequence[LedgerEntry],
    *,
    ids: Sequence[str] | None = None,
    head: str | None = None,
    solve: Callable[..., dict[str, Any]] = solve_sealed,
) -> Verification:
    """Check a ledger's hash chain and re-solve its sealed forecasts bit for bit.

    Parameters
    ----------
    entries : sequence of LedgerEntry
        The whole ledger, in order.
    ids : sequence of str, optional
        Only re-solve these entries (ids or unique id prefixes); the chain is always checked whole.
    head : str, optional
        The head hash the user recorded when sealing: a ledger whose last hash differs (entries
        removed from, or added after, that point) is reported.
    solve : callable
        The solver (tests substitute one).

    Returns
    -------
    Verification
        The chain problems and one check per re-solved forecast.
    """
    chain = check_chain(entries)
    last = entries[-1].hash if entries else ""
    if head is not None and head not in {e.hash for e in entries}:
        chain.append(f"the recorded head {head[:16]}... is not in this ledger (entries removed?)")
    elif head is not None and head != last:
        n = next(e.seq for e in entries if e.hash == head)
        chain.append(f"the recorded head is entry {n}; the ledger now ends at entry {len(entries)}")
    chosen = list(entries)
    if ids:
        chosen = [e for e in entries if any(e.id.startswith(i) for i in ids)]
        missing = [i for i in ids if not any(e.id.startswith(i) for e in entries)]
        if missing:
            raise InputError(
                [
                    Problem(
                        "--id",
                        None,
                        None,
                        "",
                        f"no sealed forecast with id {', '.join(missing)} in this ledger",
                    )
                ]
            )
    checks = [_check_entry(e, solve) for e in chosen if e.kind == FORECAST_KIND]
    return Verification(len(entries), last, chain, checks)


# --------------------------------------------------------------------------- score
@dataclass(frozen=True)
class Outcome:
    """A known outcome of one issue of one scenario (optionally of one sealed forecast)."""

    scenario_id: str
    issue: str
    value: float
    seal: str | None = None


def read_outcomes(path: Path) -> list[Outcome]:
    """Read outcomes from a CSV file with columns ``scenario_id,issue,outcome`` (and ``seal``).

    The separator (comma, semicolon or tab) is sniffed. Errors name the file, the line and the
    column.
    """
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(
            [Problem(str(path), None, None, "", f"cannot read the outcomes file: {exc.strerror}")]
        ) from None
    try:
        dialect: Any = csv.Sniffer().sniff(raw.splitlines()[0] if raw else "", delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(raw), dialect=dialect)
    need = {"scenario_id", "issue", "outcome"}
    have = set(reader.fieldnames or [])
    if not need <= have:
        found = ", ".join(reader.fieldnames or []) or "none"
        raise InputError(
            [
                Problem(
                    str(path),
                    1,
                    None,
                    "header",
                    f"needs columns {', '.join(sorted(need))}; found {found}",
                )
            ]
        )
    out = []
    for row in reader:
        line = reader.line_num
        try:
            value = float(row["outcome"])
        except (TypeError, ValueError):
            raise InputError(
                [Problem(str(path), line, None, "outcome", f"{row['outcome']!r} is not a number")]
            ) from None
        if not math.isfinite(value):
            raise InputError([Problem(str(path), line, None, "outcome", "must be a finite number")])
        sid, issue = (row["scenario_id"] or "").strip(), (row["issue"] or "").strip()
        if not sid or not issue:
            raise InputError(
                [Problem(str(path), line, None, "", "scenario_id and issue must not be empty")]
            )
        out.append(Outcome(sid, issue, value, (row.get("seal") or "").strip() or None))
    if not out:
        raise InputError([Problem(str(path), None, None, "", "no outcomes")])
    return out


@dataclass(frozen=True)
class Score:
    """The score of one forecaster's forecast of one issue in one sealed entry."""

    seal: str
    scenario_id: str
    issue: str
    forecaster: str
    outcome: float
    point: float
    abs_error: float
    crps: float
    covered: dict[str, bool | None]
    brier: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "seal": self.seal,
            "scenario_id": self.scenario_id,
            "issue": self.issue,
            "forecaster": self.forecaster,
            "outcome": self.outcome,
            "point": self.point,
            "abs_error": self.abs_error,
            "crps": self.crps,
            "covered": self.covered,
            "brier": self.brier,
        }


@dataclass
class Scores:
    """Scores of sealed forecasts against outcomes, with a summary per forecaster."""

    scores: list[Score]
    unmatched: list[str]

    def summary(self) -> list[dict[str, Any]]:
        """Mean absolute error, mean CRPS, interval coverage and mean Brier score per forecaster."""
        rows = []
        for name in dict.fromkeys(s.forecaster for s in self.scores):
            mine = [s for s in self.scores if s.forecaster == name]
            row: dict[str, Any] = {
                "forecaster": name,
                "n": len(mine),
                "mae": sum(s.abs_error for s in mine) / len(mine),
                "crps": sum(s.crps for s in mine) / len(mine),
            }
            for lvl in INTERVAL_LEVELS:
                key = f"{round(lvl * 100)}%"
                hits = [s.covered[key] for s in mine if s.covered.get(key) is not None]
                row[f"coverage_{key}"] = sum(hits) / len(hits) if hits else None
            briers = [b for s in mine for b in s.brier.values()]
            row["brier"] = sum(briers) / len(briers) if briers else None
            rows.append(row)
        return rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "summary": self.summary(),
            "scores": [s.to_dict() for s in self.scores],
            "unmatched": self.unmatched,
        }

    def to_frame(self) -> Any:  # noqa: ANN401
        """One row per scored forecast (pandas, tidy)."""
        import pandas as pd

        return pd.DataFrame(
            [
                {k: v for k, v in s.to_dict().items() if k not in ("covered", "brier")}
                | {f"covered_{k}": v for k, v in s.covered.items()}
                | {f"brier_{k}": v for k, v in s.brier.items()}
                for s in self.scores
            ]
        )


def _distributions(results: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """forecaster -> issue -> {point, samples?, quantiles?, thresholds?} from sealed results."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for model, fc in (results.get("forecasts") or {}).items():
        out[model] = {i["issue"]: {"point": i["point"]} for i in fc.get("issues", [])}
    pred = results.get("predictive")
    if pred:
        models = pred.get("models") or []
        name = "ensemble" if len(models) != 1 else f"{models[0]} (predictive)"
        for issue in pred.get("issues", []):
            entry = {
                "point": issue.get("median", issue.get("point")),
                "samples": issue.get("samples"),
                "quantiles": issue.get("quantiles"),
                "intervals": issue.get("intervals"),
                "thresholds": issue.get("thresholds") or [],
            }
            out.setdefault(name, {})[issue["issue"]] = entry
    return out


def _quantile(qs: Mapping[str, float] | Sequence[float], p: float) -> float | None:
    """The p-quantile from a quantile table keyed by probability (or a 99-long list at 1..99%)."""
    if isinstance(qs, Mapping):
        for key, val in qs.items():
            if abs(float(key) - p) < 1e-9:
                return float(val)
        return None
    k = round(p * 100)
    return float(qs[k - 1]) if 1 <= k <= len(qs) else None


def _score_one(fc: Mapping[str, Any], y: float) -> tuple[float, dict[str, bool | None], dict]:
    import numpy as np
    import scoringrules as sr

    samples = fc.get("samples")
    point = float(fc["point"])
    if samples:
        crps = float(sr.crps_ensemble(np.array([y]), np.asarray([samples], dtype=float))[0])
    else:
        crps = abs(point - y)  # CRPS of a point mass
    covered: dict[str, bool | None] = {}
    qs = fc.get("quantiles")
    ivs = fc.get("intervals") or {}
    for lvl in INTERVAL_LEVELS:
        key = f"{round(lvl * 100)}%"
        lo = hi = None
        iv = ivs.get(str(round(lvl * 100)))
        if iv and None not in iv:
            lo, hi = float(iv[0]), float(iv[1])
        elif qs:
            lo, hi = _quantile(qs, (1 - lvl) / 2), _quantile(qs, (1 + lvl) / 2)
        elif samples:
            lo, hi = (float(v) for v in np.quantile(samples, [(1 - lvl) / 2, (1 + lvl) / 2]))
        covered[key] = None if lo is None or hi is None else bool(lo <= y <= hi)
    brier: dict[str, float] = {}
    for t in fc.get("thresholds") or []:
        at = float(t["scale_value"] if t.get("scale_value") is not None else t["value"])
        event = y < at if t.get("direction", "below") == "below" else y > at
        brier[str(t.get("label") or t["value"])] = (float(t["probability"]) - float(event)) ** 2
    return crps, covered, brier


def score_entries(entries: Sequence[LedgerEntry], outcomes: Sequence[Outcome]) -> Scores:
    """Score every sealed forecast against the known outcomes of its scenario's issues.

    Parameters
    ----------
    entries : sequence of LedgerEntry
        The ledger (only ``forecast`` entries are scored).
    outcomes : sequence of Outcome
        Known outcomes; one with a ``seal`` id scores only that sealed entry.

    Returns
    -------
    Scores
        One :class:`Score` per (entry, forecaster, issue) with an outcome, a summary per
        forecaster, and the outcomes that matched no sealed forecast.
    """
    scores: list[Score] = []
    used: set[int] = set()
    for e in entries:
        if e.kind != FORECAST_KIND:
            continue
        dists = _distributions(e.data.get("results") or {})
        for k, o in enumerate(outcomes):
            if o.scenario_id != e.scenario_id or (o.seal and not e.id.startswith(o.seal)):
                continue
            for name, by_issue in dists.items():
                fc = by_issue.get(o.issue)
                if fc is None or fc.get("point") is None:
                    continue
                used.add(k)
                crps, covered, brier = _score_one(fc, o.value)
                point = float(fc["point"])
                scores.append(
                    Score(e.id, o.scenario_id, o.issue, name, o.value, point,
                          abs(point - o.value), crps, covered, brier)
                )  # fmt: skip
    unmatched = [f"{o.scenario_id}/{o.issue}" for k, o in enumerate(outcomes) if k not in used]
    return Scores(scores, unmatched)
