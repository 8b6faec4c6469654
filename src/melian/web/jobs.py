"""Background analyses of the web app: a bounded queue of jobs with progress, saved as runs.

A job runs one analysis (:mod:`melian.web.analyses`) on one validated scenario in a worker
thread. Its progress (a fraction and a message) can be polled; when it ends the run (manifest,
scenario text, results or error) is saved to the run store in one transaction, and the job
records the run id. Jobs live in memory: a restarted server forgets unfinished jobs, never
stored runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from melian.errors import InputError, LimitError, MelianError
from melian.manifest import run_manifest
from melian.scenario.loader import content_hash
from melian.scenario.schema import Scenario
from melian.store import RunStore, new_run_id
from melian.web.analyses import AnalysisContext, AnalysisSpec

log = logging.getLogger("melian.web")

#: Jobs queued or running at once before new submissions are refused (HTTP 429).
MAX_PENDING = 16
#: Finished jobs remembered for polling.
MAX_KEPT = 500


class QueueFullError(LimitError):
    """Too many analyses are queued or running (HTTP 429)."""


@dataclass
class Job:
    """One background analysis and its state."""

    id: str
    kind: str
    scenario_id: str
    scenario_hash: str
    status: str = "queued"  # queued, running, done, failed
    progress: float = 0.0
    message: str = "waiting for a worker"
    run_id: str | None = None
    error: str | None = None
    outputs: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    finished_at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state of the job."""
        return {
            "id": self.id,
            "kind": self.kind,
            "scenario_id": self.scenario_id,
            "scenario_hash": self.scenario_hash,
            "status": self.status,
            "progress": round(self.progress, 4),
            "message": self.message,
            "run_id": self.run_id,
            "error": self.error,
            "outputs": list(self.outputs),
            "problems": list(self.problems),
            "created_at": self.created_at.isoformat(),
            "finished_at": None if self.finished_at is None else self.finished_at.isoformat(),
        }


class JobManager:
    """Runs analyses in a thread pool and saves each finished one to the run store.

    ``brief_dir`` is where analyses that write files (the brief) publish them.
    """

    def __init__(self, store: RunStore, workers: int = 1, brief_dir: Path | None = None) -> None:
        self.store = store
        self.brief_dir = brief_dir
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="melian-job")
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()

    def pending(self) -> int:
        """Jobs queued or running."""
        with self.lock:
            return sum(j.status in ("queued", "running") for j in self.jobs.values())

    def get(self, job_id: str) -> Job | None:
        """The job with this id, if known."""
        with self.lock:
            return self.jobs.get(job_id)

    def submit(self, spec: AnalysisSpec, scenario: Scenario, inputs: str, params: BaseModel) -> Job:
        """Queue ``spec`` on ``scenario`` (whose YAML text is ``inputs``); LimitError if full."""
        if self.pending() >= MAX_PENDING:
            raise QueueFullError(
                f"{MAX_PENDING} analyses are already queued or running; wait for one to finish"
            )
        job = Job(
            id=uuid.uuid4().hex,
            kind=spec.kind,
            scenario_id=scenario.id,
            scenario_hash=content_hash(scenario),
        )
        with self.lock:
            self.jobs[job.id] = job
            if len(self.jobs) > MAX_KEPT:
                done = [j for j in self.jobs.values() if j.status in ("done", "failed")]
                for old in sorted(done, key=lambda j: j.created_at)[: len(self.jobs) - MAX_KEPT]:
                    del self.jobs[old.id]
        self.pool.submit(self._run, job, spec, scenario, inputs, params)
        return job

    def _run(
        self, job: Job, spec: AnalysisSpec, scenario: Scenario, inputs: str, params: BaseModel
    ) -> None:
        """Worker body: run the analysis, report progress, save the run."""
        job.status, job.message = "running", "starting"

        def progress(fraction: float, message: str) -> None:
            job.progress = min(1.0, max(job.progress, float(fraction)))
            job.message = str(message)[:300]

        manifest = run_manifest(
            scenario,
            command=f"web {spec.kind}",
            seed=scenario.metadata.seed,
            params={
                k: v
                for k, v in params.model_dump(mode="json").items()
                if not (k == "view" and v is None)  # the source's view: as before views existed
            },
        )
        context = AnalysisContext(run_id=new_run_id(), brief_dir=self.brief_dir, manifest=manifest)
        status, results = "ok", None
        try:
            view = getattr(params, "view", None)
            if view:  # the scenario under a declared view (melian.scenario.views)
                from melian.scenario.views import apply_view  # lazy: only for views

                scenario = apply_view(scenario, view)
            if spec.context:
                results = spec.run(scenario, params, progress, context)
            else:
                results = spec.run(scenario, params, progress)
        except InputError as exc:  # every located problem, for the grouped list of the job page
            status, results = "failed", {"error": exc.message}
            job.problems = [p.__dict__ for p in exc.problems][:500]
        except MelianError as exc:
            status, results = "failed", {"error": exc.message}
        except Exception as exc:  # noqa: BLE001 - a bug in an analysis must not kill the worker
            log.exception("analysis %s failed", spec.kind)
            status, results = "failed", {"error": f"internal error: {type(exc).__name__}: {exc}"}
        try:
            job.run_id = self.store.save_run(
                spec.kind,
                results,
                manifest=context.manifest,
                inputs=inputs,
                scenario_id=scenario.id,
                scenario_hash=job.scenario_hash,
                status=status,
                run_id=context.run_id,
            )
        except MelianError as exc:
            status, results = "failed", {"error": f"could not save the run: {exc.message}"}
        except Exception as exc:  # noqa: BLE001
            log.exception("saving a %s run failed", spec.kind)
            status, results = "failed", {"error": f"could not save the run: {exc}"}
        if status != "ok":  # files of a run that failed or could not be saved are removed
            for undo in context.undo:
                try:
                    undo()
                except Exception:  # noqa: BLE001
                    log.exception("cleaning up after a failed %s run", spec.kind)
        else:
            job.outputs = list(context.outputs)
        job.finished_at = dt.datetime.now(dt.UTC)
        if status == "ok":
            job.progress, job.message, job.status = 1.0, "done", "done"
        else:
            job.error = str(results["error"]) if isinstance(results, dict) else "failed"
            job.message, job.status = "failed", "failed"

    def shutdown(self) -> None:
        """Stop accepting jobs and wait for running ones."""
        self.pool.shutdown(wait=True, cancel_futures=True)
