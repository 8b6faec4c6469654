"""Evaluate an ensemble of experiments in chunks, in-process or on a Dask cluster.

The experiments (rows of a quantile matrix ``u``) are cut into consecutive chunks of
``chunk_size`` rows; chunk ``i`` is evaluated for every option with the seed of child ``i`` of
``numpy.random.SeedSequence(seed)`` (the same seed for every option: common random numbers, so
that the difference between two options is not blurred by different noise). The chunking depends
on ``chunk_size`` only, never on the number of workers, so the results are identical (bit for
bit) for 1 and N workers and for every scheduler.

Schedulers (the Dask vocabulary):

* ``synchronous``: in this process, no Dask (the reference; best for small work);
* ``local`` (default): a ``dask.distributed.LocalCluster`` of ``workers`` worker processes with
  one thread each, started for the run and closed after it;
* ``processes``: Dask's multiprocessing scheduler (a local process pool, no distributed
  cluster);
* ``tcp://HOST:PORT`` (or ``tls://``): an existing ``dask.distributed`` scheduler; a real cluster
  works unchanged (its workers need melian installed).

A task is one chunk for every option; measured on this machine a LocalCluster starts in about
0.7 s and costs about 2.5 ms per task (docs/DESIGN.md), so chunks of >= ~100 experiments keep
the overhead below a few per cent for any model that takes more than ~0.1 ms per experiment.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import numpy as np

from melian.errors import LimitError, ModelError
from melian.explore.model import ExploratoryModel

Results = dict[str, dict[str, np.ndarray]]
Progress = Callable[[int, int], None]

DEFAULT_CHUNK = 128
MAX_EXPERIMENTS = 5_000_000
SCHEDULERS = ("synchronous", "local", "processes")


#: Paths a chunk simulates, every option together (rows per chunk = this / (paths x options)).
#: Measured on the built-in joint model over 120 months (best of 2, in process, this machine):
#: every option in one simulation costs 0.10-0.11 ms per path and option at 7,680-20,480 paths
#: (0.13-0.16 ms with one simulation per option) and no less at 40,960; a chunk of 8,192 paths
#: takes about 1 s alone, a few seconds beside the brief's other processes, so that the progress
#: moves every few seconds (a chunk of 128 futures x 256 paths took about 16 s).
CHUNK_PATHS = 8192


def chunk_rows(model: ExploratoryModel, paths: int, most: int, options: int | None = None) -> int:
    """Rows per chunk of ``model`` run with ``paths`` paths per experiment: at most
    :data:`CHUNK_PATHS` paths for all its options together (or for ``options`` of them), at
    least 1, at most ``most`` (only a model with common random numbers may be chunked so:
    :meth:`Evaluator.run`).
    """
    k = len(model.options) if options is None else options
    return max(1, min(most, CHUNK_PATHS // (max(1, paths) * max(1, k))))


def chunk_seeds(seed: int, n_chunks: int) -> list[int]:
    """One 63-bit integer seed per chunk from the children of ``SeedSequence(seed)``."""
    children = np.random.SeedSequence(int(seed)).spawn(n_chunks)
    return [int(c.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


def run_chunk(model: ExploratoryModel, options: Sequence[str], u: np.ndarray, seed: int) -> Results:
    """Evaluate every option at the experiments ``u`` of one chunk with ``seed`` (one task)."""
    return model.evaluate_options(options, u, seed)


def _run_whole(
    model: ExploratoryModel,
    options: Sequence[str],
    u: np.ndarray,
    seed: int,
    progress: Progress | None,
) -> Results:
    """Every experiment in one call per option (progress per option), or in one call of every
    option for a model that evaluates them together.

    For a model with common random numbers the chunks all get the same seed and its results
    do not depend on the chunking, so in this process the experiments are not cut at all: a
    world-model ensemble then simulates each option's paths in a few large arrays instead of
    many small ones (the same numbers, about a third less time at 256 experiments). Where an
    operator's cap on the paths of one simulation (``MELIAN_MAX_PATHS``) refuses the whole, the
    caller runs the chunks as before.
    """
    if model.batch is not None:
        if progress is not None:
            progress(0, 1)
        both = model.evaluate_options(options, u, seed)
        if progress is not None:
            progress(1, 1)
        return both
    out: Results = {}
    if progress is not None:
        progress(0, len(options))
    for k, o in enumerate(options):
        out[o] = model.evaluate(o, u, seed)
        if progress is not None:
            progress(k + 1, len(options))
    return out


def _concat(parts: list[Results], options: Sequence[str]) -> Results:
    """Concatenate chunk results in chunk order."""
    return {o: {k: np.concatenate([p[o][k] for p in parts]) for k in parts[0][o]} for o in options}


def check_scheduler(scheduler: str) -> str:
    """Validate a scheduler name or address; raise :class:`ModelError` if unusable."""
    if scheduler in SCHEDULERS or scheduler.startswith(("tcp://", "tls://", "inproc://")):
        return scheduler
    raise ModelError(
        f"unknown scheduler {scheduler!r}: use synchronous, local, processes or tcp://HOST:PORT"
    )


class Evaluator:
    """Runs chunks of experiments on the chosen scheduler (a context manager).

    Use ``with Evaluator("local", workers=2) as ev: ev.run(model, u, seed)``; one cluster serves
    every run made inside the ``with`` block.
    """

    def __init__(
        self,
        scheduler: str = "local",
        workers: int | None = None,
        chunk_size: int = DEFAULT_CHUNK,
    ) -> None:
        self.scheduler = check_scheduler(scheduler)
        self.workers = int(workers) if workers else (os.cpu_count() or 1)
        if self.workers < 1:
            raise ModelError("workers must be at least 1")
        if chunk_size < 1:
            raise ModelError("chunk_size must be at least 1")
        self.chunk_size = int(chunk_size)
        self._cluster: Any = None
        self._client: Any = None

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> Evaluator:
        """Enter the block; a local cluster is started lazily, at the first run that needs it."""
        return self

    def _ensure_client(self) -> Any:  # noqa: ANN401
        """Start the LocalCluster, or connect to the scheduler address, once."""
        if self._client is not None:
            return self._client
        from dask.distributed import Client

        if self.scheduler == "local":
            from dask.distributed import LocalCluster

            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                # the scheduler's HTTP server starts anyway, on 8787 unless told: a free port
                # (no "port in use" warning when two ensembles run at once)
                scheduler_kwargs={"dashboard_address": ":0"},
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(self.scheduler, timeout="10s")
            except OSError as exc:
                raise ModelError(
                    f"cannot reach the Dask scheduler at {self.scheduler}: {exc}"
                ) from None
        return self._client

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the client and the cluster this evaluator started."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    @property
    def n_workers(self) -> int:
        """Number of workers actually available."""
        if self._client is not None:
            return max(1, len(self._client.scheduler_info(n_workers=-1).get("workers", {})))
        return 1 if self.scheduler == "synchronous" else self.workers

    # -- running -------------------------------------------------------------------------
    def run(
        self,
        model: ExploratoryModel,
        u: np.ndarray,
        seed: int,
        *,
        options: Sequence[str] | None = None,
        progress: Progress | None = None,
        chunk_size: int | None = None,
    ) -> Results:
        """Evaluate ``options`` (default: all) at every row of ``u``; results in row order.

        ``chunk_size`` overrides the evaluator's rows per chunk for this run, for a model with
        common random numbers only (its results do not depend on the chunking; another model's
        chunk seeds do, so it keeps the evaluator's): a caller running many paths per
        experiment uses smaller chunks so that each task, and each step of the progress, stays
        short. In this process (``synchronous``) such a model runs whole, in one simulation of
        every option, unless the run gives ``chunk_size``: then in chunks of equal size of at
        most ``chunk_size`` rows, each one simulation, with a step of progress after each.
        """
        u = np.atleast_2d(np.asarray(u, dtype=float))
        n = u.shape[0]
        opts = list(options) if options is not None else list(model.options)
        if n * len(opts) > MAX_EXPERIMENTS:
            raise LimitError(
                f"{n} experiments x {len(opts)} options exceeds the limit of {MAX_EXPERIMENTS} runs"
            )
        if n == 0:
            raise ModelError("no experiments to run")
        size = self.chunk_size
        if chunk_size is not None and model.common_random_numbers:
            size = max(1, int(chunk_size))
        n_chunks = math.ceil(n / size)
        # a model with common random numbers (every experiment of a call sees the same noise, as
        # melian.world.evaluate does) gets the same seed in every chunk, so its results do not depend
        # on the chunk size either; other models get one SeedSequence child per chunk
        seeds = (
            [int(seed)] * n_chunks if model.common_random_numbers else chunk_seeds(seed, n_chunks)
        )
        sync_crn = self.scheduler == "synchronous" and model.common_random_numbers
        if sync_crn and chunk_size is not None and n_chunks > 1:
            # the caller bounds a call's size (so that the progress moves): chunks of equal
            # size, each as large as it allows (the same numbers however the rows are cut)
            size = math.ceil(n / n_chunks)
        blocks = [u[i * size : (i + 1) * size] for i in range(n_chunks)]
        if sync_crn and chunk_size is None and n_chunks > 1:
            try:
                return _run_whole(model, opts, u, int(seed), progress)
            except LimitError:
                pass  # a cap on the paths of one call (checked before any path runs): by chunks
        done = 0
        if progress is not None:
            progress(0, n_chunks)
        if self.scheduler == "synchronous" or (self.scheduler == "local" and n_chunks == 1):
            parts = []
            for b, s in zip(blocks, seeds, strict=True):
                parts.append(run_chunk(model, opts, b, s))
                done += 1
                if progress is not None:
                    progress(done, n_chunks)
            return _concat(parts, opts)
        if self.scheduler == "processes":
            return self._run_processes(model, opts, blocks, seeds, progress)
        return self._run_distributed(model, opts, blocks, seeds, progress)

    def _run_processes(
        self,
        model: ExploratoryModel,
        opts: list[str],
        blocks: list[np.ndarray],
        seeds: list[int],
        progress: Progress | None,
    ) -> Results:
        import dask
        from dask.callbacks import Callback

        total = len(blocks)
        tasks = [
            dask.delayed(run_chunk)(model, opts, b, s) for b, s in zip(blocks, seeds, strict=True)
        ]

        class _Count(Callback):
            def __init__(self) -> None:
                super().__init__()
                self.n = 0

            def _posttask(
                self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any
            ) -> None:  # noqa: ANN401
                if isinstance(result, dict) and progress is not None:
                    self.n += 1
                    progress(min(self.n, total), total)

        with _Count():
            parts = dask.compute(*tasks, scheduler="processes", num_workers=self.workers)
        return _concat(list(parts), opts)

    def _run_distributed(
        self,
        model: ExploratoryModel,
        opts: list[str],
        blocks: list[np.ndarray],
        seeds: list[int],
        progress: Progress | None,
    ) -> Results:
        from dask.distributed import as_completed

        client = self._ensure_client()
        [mref] = client.scatter([model], broadcast=True, hash=False)
        futures = [
            client.submit(run_chunk, mref, opts, b, s, pure=False)
            for b, s in zip(blocks, seeds, strict=True)
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        parts: list[Results | None] = [None] * len(futures)
        done = 0
        for fut in as_completed(futures):
            parts[index[fut.key]] = fut.result()
            done += 1
            if progress is not None:
                progress(done, len(futures))
        return _concat([p for p in parts if p is not None], opts)


def evaluate_ensemble(
    model: ExploratoryModel,
    u: np.ndarray,
    seed: int,
    *,
    scheduler: str = "synchronous",
    workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    options: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Results:
    """One-shot helper: start an :class:`Evaluator`, run the experiments ``u`` and close it."""
    with Evaluator(scheduler, workers=workers, chunk_size=chunk_size) as ev:
        return ev.run(model, u, seed, options=options, progress=progress)
