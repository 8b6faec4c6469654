"""Parts of the brief in other processes, beside the rest (the same results).

A brief's sections, and the views of its robustness section, are independent computations on
one immutable scenario, each seeded by the brief's settings, so they can run at the same time.
The robustness section (PRIM, regret and breaking points over ensembles of futures, per view)
takes about half of a brief's time; the brief computes each of its views in a child process
(:class:`Beside`) while this process builds the other sections, which on a machine with two
cores brings the brief's time down towards half its work.

A child is forked where that is safe (no other thread runs in this process: forking copies
locks that other threads may hold) and spawned otherwise, as in a web job's thread. Its
progress reaches this process through a pipe (forwarded whenever this process reports its own
or waits); its result comes back whole, or, when the child fails or ends without one, as the
failure value the caller gives, which says why: never a silent gap. Where the arguments cannot
be sent to a spawned process (for example runners that are local functions), :func:`start`
returns ``None`` and the caller computes that part in this process.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import pickle
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from melian.brief.base import Progress

#: ``build(progress)``: computes one part (a module-level function with its other arguments
#: bound by :func:`functools.partial`, so that a spawned process can receive it).
Build = Callable[[Progress], Any]


def start_method() -> str:
    """``fork`` where available and no other thread runs in this process, else ``spawn``."""
    fork = "fork" in mp.get_all_start_methods() and threading.active_count() == 1
    return "fork" if fork else "spawn"


def _child(conn: Connection, build: Build) -> None:
    """The child process: compute the part, sending progress and then the result (or why there
    is none).
    """

    def progress(msg: str, frac: float) -> None:
        conn.send(("progress", msg, frac))

    try:
        value = build(progress)
        conn.send(("done", value))
    except Exception as exc:  # noqa: BLE001 - sent to the caller, which reports it
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
    conn.close()


class Beside:
    """Part ``key`` of the brief being computed in a child process (see the module docstring).

    ``key`` names the part in messages; ``on_progress(msg, frac)`` receives the child's
    progress; ``failed(message)`` makes the result when the child fails or ends without one.
    """

    def __init__(
        self,
        key: str,
        build: Build,
        on_progress: Progress,
        failed: Callable[[str], Any],
        method: str | None = None,
    ) -> None:
        ctx = mp.get_context(method or start_method())
        self.key = key
        self._result: Any = None
        self._finished = False  # a part may compute None
        self._failed = failed
        self._on_progress = on_progress
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_child, args=(send, build), name=f"melian: {key}")
        try:
            self._proc.start()
        finally:
            send.close()  # the child holds the sending end: its exit is this end's EOF

    def _take(self) -> None:
        """Read one message from the child (progress, or the section, or its end)."""
        try:
            kind, *rest = self._recv.recv()
        except (EOFError, OSError):
            self._proc.join(5)
            kind, rest = (
                "failed",
                [
                    f"the process computing {self.key} ended without a result "
                    f"(exit code {self._proc.exitcode})"
                ],
            )
        if kind == "progress":
            self._on_progress(*rest)
            return
        self._result = rest[0] if kind == "done" else self._failed(rest[0])
        self._finished = True

    def poll(self) -> None:
        """Forward the progress the child has sent so far, without waiting."""
        while not self._finished and self._recv.poll():
            self._take()

    def wait(self) -> Any:  # noqa: ANN401
        """The result, once the child has it (forwarding its progress meanwhile)."""
        while not self._finished:
            if self._recv.poll(0.25):
                self._take()
        self._proc.join()
        self._recv.close()
        return self._result

    def stop(self) -> None:
        """End the child now (when the brief stops early) and release the pipe."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._recv.close()


def preload(modules: tuple[str, ...]) -> None:
    """Import ``modules`` now, when children are about to be forked (nothing otherwise).

    Forked children share the modules this process has already imported; each imports the
    others itself. A module that this process needs later anyway and the children need too
    (a large library costing most of a second) is therefore imported once, here, instead of
    once per child.
    """
    if start_method() != "fork":
        return
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional library (numba): the children do without it too
            continue


def start(
    key: str, build: Build, on_progress: Progress, failed: Callable[[str], Any]
) -> Beside | None:
    """:class:`Beside` for ``key``, or ``None`` when its arguments cannot reach a spawned child.

    Forked children inherit everything; a spawned child receives ``build`` pickled, which fails
    for local functions: the caller then computes that part itself.
    """
    method = start_method()
    if method == "spawn":
        try:
            pickle.dumps(build)
        except (pickle.PicklingError, TypeError, AttributeError):
            return None
    return Beside(key, build, on_progress, failed, method)


__all__ = ["Beside", "Build", "preload", "start", "start_method"]
