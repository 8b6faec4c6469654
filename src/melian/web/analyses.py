"""The analyses the web app can run in the background: a registry from kind to callable.

Each :class:`AnalysisSpec` names a kind (``forecast``, ``game``, ``simulate``, ``decide``,
``brief``), a pydantic model of its parameters and a function
``run(scenario, params, progress) -> results`` where ``progress(fraction, message)`` reports how
far it got and ``results`` is JSON-ready data that the run store saves. An analysis that writes
files or sets its own manifest (``brief``) declares ``context=True`` and is called with a fourth
argument, its :class:`AnalysisContext`. Other parts of melian plug their analyses in with
:func:`register_analysis`; the web app, its JSON API and its OpenAPI document pick them up at
start-up.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from melian.errors import MelianError, ModelError
from melian.scenario.schema import Id, Scenario

Progress = Callable[[float, str], None]


class ForecastParams(BaseModel):
    """Parameters of a web forecast: which bargaining models and which agenda issues."""

    model_config = ConfigDict(extra="forbid", strict=True)

    models: list[Id] | None = Field(
        default=None, max_length=50, description="bargaining models to run (default: all)"
    )
    issues: list[Id] | None = Field(
        default=None, max_length=500, description="agenda issues to forecast (default: all)"
    )
    view: Id | None = Field(
        default=None,
        description="a declared view of the scenario (default: the scenario as written)",
    )


@dataclass
class AnalysisContext:
    """What the job runner gives an analysis declared with ``context=True``.

    ``run_id``: the id the run will be saved under; ``brief_dir``: the server's brief directory
    (``None`` if it has none); ``manifest``: the manifest the run will be saved with (the analysis
    may replace it); ``outputs``: files the analysis published, relative to ``brief_dir`` (shown
    as links to ``/briefs/...``); ``undo``: callables run if the run cannot be saved, so that a
    failed job leaves no files behind.
    """

    run_id: str
    brief_dir: Path | None
    manifest: dict[str, Any]
    outputs: list[str] = field(default_factory=list)
    undo: list[Callable[[], None]] = field(default_factory=list)


@dataclass(frozen=True)
class AnalysisSpec:
    """A kind of analysis the web app can run: its parameters model and its function.

    ``run(scenario, params, progress)`` returns the results; with ``context=True`` it is called
    as ``run(scenario, params, progress, context)`` with an :class:`AnalysisContext`.
    """

    kind: str
    title: str
    description: str
    params: type[BaseModel]
    run: Callable[..., dict[str, Any]]
    context: bool = False


ANALYSES: dict[str, AnalysisSpec] = {}


def register_analysis(spec: AnalysisSpec) -> AnalysisSpec:
    """Make an analysis kind available to the web app (kinds are unique)."""
    if spec.kind in ANALYSES and ANALYSES[spec.kind] is not spec:
        raise ValueError(f"analysis kind {spec.kind!r} registered twice")
    ANALYSES[spec.kind] = spec
    return spec


def run_forecast_job(scenario: Scenario, params: BaseModel, progress: Progress) -> dict[str, Any]:
    """Forecast every agenda issue of ``scenario`` with each bargaining model.

    The scenario's agenda becomes a :class:`~melian.bargaining.base.BargainingProblem`
    (:func:`melian.bargaining.adapters.problem_from_scenario`); each model of
    :mod:`melian.bargaining.registry` that imports on this installation
    (:func:`~melian.bargaining.registry.installed_models`) runs with its published defaults
    through the analysis layer's :func:`melian.analysis.forecast.forecast` (issue by issue
    where a joint model cannot use incomplete positions; one model at a time, so that each
    reports progress and one failing model does not stop the others). A model that cannot handle
    the problem (:class:`ModelError`) is reported under ``errors`` and the others still run.
    Results: ``default_model`` (:func:`melian.bargaining.default_model`), ``actors``, ``issues``,
    ``points`` (issue -> model -> point forecast), ``models`` (each forecast's full ``to_dict()``)
    and ``errors``.
    """
    assert isinstance(params, ForecastParams)
    # lazy: the analysis layer's forecast, the model registry and the scenario adapter
    from melian.analysis.forecast import forecast as run_forecast
    from melian.bargaining import default_model
    from melian.bargaining.adapters import problem_from_scenario
    from melian.bargaining.registry import installed_models

    problem = problem_from_scenario(scenario, issues=params.issues)
    available = [m.name for m in installed_models()]
    names = params.models if params.models is not None else available
    if not names:
        raise ModelError("no bargaining models are installed")
    forecasts: dict[str, Any] = {}
    errors: dict[str, str] = {}
    progress(0.0, f"{len(names)} model(s), {problem.n_actors} actors, {problem.n_issues} issue(s)")
    for k, name in enumerate(names):
        progress(k / len(names), f"running {name}")
        try:
            if name not in available:
                raise ModelError(
                    f"unknown bargaining model {name!r}; available: {', '.join(available)}"
                )
            forecasts[name] = run_forecast(problem, name)
        except ModelError as exc:
            if params.models is not None and len(names) == 1:
                raise
            errors[name] = exc.message
    if not forecasts:
        raise ModelError(
            "no model could forecast this scenario: "
            + "; ".join(f"{n}: {m}" for n, m in errors.items())
        )
    progress(1.0, "done")
    points = {
        iss: {name: f.point().get(iss) for name, f in forecasts.items()} for iss in problem.issues
    }
    try:
        default: str | None = default_model(problem)
    except (ImportError, MelianError):
        default = None
    return {
        "default_model": default,
        "actors": list(problem.actors),
        "issues": list(problem.issues),
        "points": points,
        "models": {name: f.to_dict() for name, f in forecasts.items()},
        "errors": errors,
    }


register_analysis(
    AnalysisSpec(
        kind="forecast",
        title="Bargaining forecast",
        description="Forecast every agenda issue with each registered bargaining model.",
        params=ForecastParams,
        run=run_forecast_job,
    )
)


# --------------------------------------------------------------------------- more analyses
class GameParams(BaseModel):
    """Parameters of a web game analysis."""

    model_config = ConfigDict(extra="forbid", strict=True)

    framing: Literal["zero-sum", "variable-sum"] | None = Field(
        default=None, description="payoff framing (default: the scenario's)"
    )
    form: Literal["normal", "extensive"] = Field(default="normal", description="game form to solve")
    view: Id | None = Field(
        default=None,
        description="a declared view of the scenario (default: the scenario as written)",
    )


def run_game(scenario: Scenario, params: BaseModel, progress: Progress) -> dict[str, Any]:
    """The alliance game (:func:`melian.games.analyse_game`): equilibria, payoffs and claims."""
    assert isinstance(params, GameParams)
    # lazy: the game solver (pygambit), only for a game job
    from melian.games import analyse_game

    progress(0.1, "building and solving the game")
    out = analyse_game(
        scenario, framing=params.framing, form=params.form, conditions=False
    ).to_dict()
    progress(1.0, "done")
    return out


class SimulateParams(BaseModel):
    """Parameters of a web world-model simulation (bounded for an interactive server)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    paths: int = Field(default=5_000, ge=100, le=200_000, description="paths per option")
    horizon: int = Field(default=24, ge=1, le=120, description="months")
    seed: int | None = Field(default=None, ge=0, lt=2**63, description="default: the scenario's")
    view: Id | None = Field(
        default=None,
        description="a declared view of the scenario (default: the scenario as written)",
    )


def run_simulate(scenario: Scenario, params: BaseModel, progress: Progress) -> dict[str, Any]:
    """The world model's ensemble per option (:func:`melian.world.simulate`)."""
    assert isinstance(params, SimulateParams)
    # lazy: the world engine, only for a simulation job
    from melian.world import simulate

    def prog(done: int, total: int) -> None:
        progress(done / max(total, 1), f"{done:,} of {total:,} paths")

    ens = simulate(
        scenario, paths=params.paths, horizon=params.horizon, seed=params.seed, progress=prog
    )
    return ens.to_dict()


class DecideParams(BaseModel):
    """Parameters of a web multi-criteria ranking."""

    model_config = ConfigDict(extra="forbid", strict=True)

    paths: int = Field(
        default=5_000, ge=100, le=100_000, description="world-model paths per option"
    )
    horizon: int | None = Field(
        default=None, ge=1, le=120, description="world-model months (default: the model's)"
    )
    seed: int | None = Field(default=None, ge=0, lt=2**63, description="default: the scenario's")
    view: Id | None = Field(
        default=None,
        description="a declared view of the scenario (default: the scenario as written)",
    )


def run_decide(scenario: Scenario, params: BaseModel, progress: Progress) -> dict[str, Any]:
    """Rank the options on the scenario's criteria with weight stability (:func:`melian.decide.rank`)."""
    assert isinstance(params, DecideParams)
    # lazy: the ranking runs the world model, only for a decide job
    from melian.analysis.rank import rank

    progress(0.1, "gathering the evidence")
    out = rank(scenario, paths=params.paths, horizon=params.horizon, seed=params.seed).to_dict()
    progress(1.0, "done")
    return out


for _spec in (
    AnalysisSpec(
        "game",
        "Alliance game",
        "Solve the alliance game with Gambit and check the claims.",
        GameParams,
        run_game,
    ),
    AnalysisSpec(
        "simulate",
        "Consequences (world model)",
        "Simulate each option's consequences with the scenario's world model (Monte Carlo paths "
        "of its components' outcomes and events).",
        SimulateParams,
        run_simulate,
    ),
    AnalysisSpec(
        "decide",
        "Ranking on the criteria",
        "Rank the options (TOPSIS, weighted sum) with weight stability.",
        DecideParams,
        run_decide,
    ),
):
    register_analysis(_spec)


# --------------------------------------------------------------------------- robustness
class ExploreParams(BaseModel):
    """Parameters of a web robustness analysis (the brief's "when does the answer change?")."""

    model_config = ConfigDict(extra="forbid", strict=True)

    quick: bool = Field(
        default=True, description="fewer sampled futures and paths (as the quick brief)"
    )
    seed: int | None = Field(default=None, ge=0, lt=2**63, description="default: the scenario's")


def run_explore(scenario: Scenario, params: BaseModel, progress: Progress) -> dict[str, Any]:
    """When does the answer change: the brief's robustness analyses on their own.

    Runs exactly what the brief's section "What would change the recommendation" runs
    (:func:`melian.brief.change.change_section`: per view of the scenario, breaking points, PRIM
    scenario discovery and regret across sampled futures, through
    :func:`melian.analysis.explore.explore` and, for PRIM and regret on one ensemble,
    :func:`melian.analysis.explore.explore_methods`) with the brief's settings
    (:class:`melian.brief.base.Settings`, quick or full) and keeps each method's ``to_dict()``
    under ``results`` (keyed by :func:`melian.web.results.explore_key`), so the run page shows
    the brief's tables and charts from the stored results.
    """
    assert isinstance(params, ExploreParams)
    import dataclasses

    # lazy: the brief's builders (matplotlib, jinja2), only for an explore job
    from melian.analysis.brief import RUNNERS
    from melian.brief.base import Settings
    from melian.brief.change import change_section
    from melian.web.results import explore_key

    seed = params.seed if params.seed is not None else scenario.metadata.seed
    settings = Settings.make(params.quick, seed)
    recorded: dict[str, Any] = {}

    def explore(s: Scenario, method: str, **kw: Any) -> Any:  # noqa: ANN401
        result = RUNNERS.explore(s, method, **kw)
        recorded[explore_key(method, kw, s)] = result.to_dict()
        return result

    def explore_methods(s: Scenario, methods: tuple[str, ...], **kw: Any) -> Any:  # noqa: ANN401
        results = RUNNERS.explore_methods(s, methods, **kw)
        for method, result in results.items():
            recorded[explore_key(method, kw, s)] = result.to_dict()
        return results

    runners = dataclasses.replace(RUNNERS, explore=explore, explore_methods=explore_methods)
    change_section(scenario, "en", settings, runners, lambda msg, frac: progress(frac, msg))
    progress(1.0, "done")
    return {"settings": dataclasses.asdict(settings), "results": recorded}


register_analysis(
    AnalysisSpec(
        "explore",
        "Robustness (when does the answer change?)",
        "What would change the recommendation, per view: breaking points, the nearest flip, PRIM "
        "scenario discovery and regret across sampled futures, as in the brief.",
        ExploreParams,
        run_explore,
    )
)


# --------------------------------------------------------------------------- the brief
#: Characters allowed in a published brief file name (anything else becomes ``-``).
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def _safe_part(text: str, limit: int) -> str:
    """``text`` reduced to ``[A-Za-z0-9_.-]`` (runs of anything else become ``-``), trimmed."""
    out = _UNSAFE.sub("-", text).strip(".-")[:limit].strip(".-")
    return out or "x"


def brief_stem(scenario_id: str, lang: str, run_id: str) -> str:
    """File stem of a web brief: ``brief-<scenario>[-<lang>]-<run id>``, only ``[A-Za-z0-9_.-]``.

    The run id makes the name unique; nothing else the user typed reaches the file system.
    """
    parts = ["brief", _safe_part(scenario_id, 60)]
    if lang != "en":
        parts.append(_safe_part(lang, 8))
    parts.append(_safe_part(run_id, 40))
    return "-".join(parts)


def _place(src: Path, dest: Path) -> None:
    """Put the finished file ``src`` at ``dest`` atomically; ``FileExistsError`` if taken.

    A hard link where the file system has them; elsewhere ``dest`` is claimed with an exclusive
    placeholder, then atomically replaced by ``src`` (the placeholder is removed on failure).
    """
    try:
        os.link(src, dest)
        return
    except FileExistsError:
        raise
    except OSError:
        pass
    os.close(os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        os.replace(src, dest)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def publish_files(files: dict[str, Path], directory: Path, stem: str) -> dict[str, str]:
    """Move ``files`` (kind -> path) into ``directory`` as ``<stem><suffix>``, never overwriting.

    Each file appears complete or not at all (:func:`_place`); an existing file of the same name
    is an error. If any file cannot be published, those already published are removed.
    Returns kind -> published file name.
    """
    done: list[Path] = []
    names: dict[str, str] = {}
    try:
        for kind, src in files.items():
            dest = directory / f"{stem}{src.suffix.lower()}"
            try:
                _place(src, dest)
            except FileExistsError:
                raise MelianError(
                    f"{dest.name} already exists in the brief directory; not overwriting it"
                ) from None
            done.append(dest)
            names[kind] = dest.name
    except BaseException:
        for p in done:
            p.unlink(missing_ok=True)
        raise
    return names


class BriefParams(BaseModel):
    """Parameters of a web brief (``melian brief``): fidelity, language, PDF, seed."""

    model_config = ConfigDict(extra="forbid", strict=True)

    quick: bool = Field(
        default=True, description="fast, lower-fidelity run (2,000 paths per option)"
    )
    lang: Literal["en", "ar"] = Field(default="en", description="en, or ar (Arabic, right to left)")
    pdf: bool = Field(default=False, description="also print a PDF (needs chromium on the server)")
    seed: int | None = Field(default=None, ge=0, lt=2**63, description="default: the scenario's")
    view: Id | None = Field(
        default=None,
        description="a declared view of the scenario (default: the scenario as written)",
    )


def run_brief(
    scenario: Scenario, params: BaseModel, progress: Progress, context: AnalysisContext
) -> dict[str, Any]:
    """Write the decision brief (:func:`melian.brief.build_brief`) into the brief directory.

    The brief is assembled and rendered into a private temporary directory, then published as
    ``brief-<scenario>[-ar]-<run id>.html`` (and ``.json``, and ``.pdf`` if asked) with
    :func:`publish_files`; a failure at any point leaves no file. The run stores what
    ``melian brief`` stores (:func:`melian.brief.run_record`) plus ``files``: kind -> file name
    in the brief directory.
    """
    assert isinstance(params, BriefParams)
    # lazy: the brief and its renderer (matplotlib, jinja2), only for a brief job
    from melian.analysis.brief import build_brief
    from melian.brief import run_record
    from melian.brief.render import chromium_path

    if context.brief_dir is None:
        raise MelianError("this server has no brief directory to write the brief into")
    if params.pdf and chromium_path() is None:
        raise MelianError(
            "cannot write the PDF: no chromium is installed on the server (install Debian's "
            "'chromium' package, or run scripts/system-deps.sh); write the brief without PDF"
        )
    directory = context.brief_dir
    directory.mkdir(parents=True, exist_ok=True)
    share = 0.85 if params.pdf else 0.95

    def prog(message: str, fraction: float) -> None:
        progress(share * fraction, message)

    tmp = Path(tempfile.mkdtemp(prefix=".melian-brief-", dir=directory))
    try:
        result = build_brief(
            scenario,
            out_dir=tmp,
            lang=params.lang,
            quick=params.quick,
            seed=params.seed,
            pdf=False,
            progress=prog,
            allow_partial=True,  # the web shows what failed in the brief's banner
        )
        files = dict(result.paths)
        if params.pdf:
            # lazy: the PDF printer, only when a PDF is asked for
            from melian.brief.render import html_to_pdf

            progress(share, "printing the PDF with chromium")
            files["pdf"] = tmp / (files["html"].stem + ".pdf")
            html_to_pdf(files["html"], files["pdf"])
        progress(0.97, "publishing the brief")
        names = publish_files(
            files, directory, brief_stem(scenario.id, params.lang, context.run_id)
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def remove() -> None:
        for name in names.values():
            (directory / name).unlink(missing_ok=True)

    context.undo.append(remove)
    context.outputs.extend(names[k] for k in ("html", "pdf", "json") if k in names)
    record = run_record(result.brief)
    manifest = record["manifest"]
    context.manifest = {
        **manifest,
        "command": "web brief",
        "params": {**manifest.get("params", {}), "pdf": params.pdf},
    }
    progress(1.0, "brief written")
    return {**record["results"], "files": names}


register_analysis(
    AnalysisSpec(
        "brief",
        "Decision brief",
        "Run every analysis and write the decision brief (HTML, optionally PDF) into the brief "
        "directory.",
        BriefParams,
        run_brief,
        context=True,
    )
)
