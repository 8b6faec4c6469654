"""One section of the brief in a second process, beside the others (the same results).

A brief's sections are independent computations on one immutable scenario, each seeded by the
brief's settings, so they can run at the same time. The robustness section (PRIM, regret and
breaking points over ensembles of futures) takes about half of a brief's time;
:class:`Beside` runs it in a child process while this process builds the other sections, which
on a machine with two cores brings the brief's time down to about that of its longest part.

The child is forked where that is safe (no other thread runs in this process: forking copies
locks that other threads may hold) and spawned otherwise, as in a web job's thread. Its
progress reaches this process through a pipe (forwarded whenever this process reports its own
or waits); the section comes back whole, or as a failed section that says why the process
ended, never as a silent gap. Where the arguments cannot be sent to a spawned process (for
example runners that are local functions), :func:`start` returns ``None`` and the caller builds
the section in this process.
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection

from melian.brief.base import Progress, Section, run_section

#: ``build(step, progress)``: builds section ``step`` (a module-level function with its
#: arguments bound by :func:`functools.partial`, so that a spawned process can receive it).
Build = Callable[[str, Progress], Section]


def start_method() -> str:
    """``fork`` where available and no other thread runs in this process, else ``spawn``."""
    fork = "fork" in mp.get_all_start_methods() and threading.active_count() == 1
    return "fork" if fork else "spawn"


def _child(conn: Connection, build: Build, step: str) -> None:
    """The child process: build section ``step``, sending progress and then the section."""

    def progress(msg: str, frac: float) -> None:
        conn.send(("progress", msg, frac))

    sec = run_section(step, lambda: build(step, progress))
    try:
        conn.send(("done", sec))
    except (pickle.PicklingError, TypeError, AttributeError) as exc:  # pragma: no cover
        conn.send(("done", Section(id=step, ok=False, error=f"{type(exc).__name__}: {exc}")))
    conn.close()


class Beside:
    """Section ``step`` being built in a child process (see the module docstring).

    ``on_progress(msg, frac)`` receives the child's progress (``frac`` within the section).
    """

    def __init__(
        self, step: str, build: Build, on_progress: Progress, method: str | None = None
    ) -> None:
        ctx = mp.get_context(method or start_method())
        self.step = step
        self.result: Section | None = None
        self._on_progress = on_progress
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(
            target=_child, args=(send, build, step), name=f"melian brief: {step}"
        )
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
            self.result = Section(
                id=self.step,
                ok=False,
                error=f"the process building the {self.step} section ended without a result "
                f"(exit code {self._proc.exitcode})",
            )
            return
        if kind == "progress":
            self._on_progress(*rest)
        else:
            self.result = rest[0]

    def poll(self) -> None:
        """Forward the progress the child has sent so far, without waiting."""
        while self.result is None and self._recv.poll():
            self._take()

    def wait(self) -> Section:
        """The section, once the child has built it (forwarding its progress meanwhile)."""
        while self.result is None:
            if self._recv.poll(0.25):
                self._take()
        self._proc.join()
        self._recv.close()
        return self.result

    def stop(self) -> None:
        """End the child now (when the brief stops early) and release the pipe."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._recv.close()


def start(step: str, build: Build, on_progress: Progress) -> Beside | None:
    """:class:`Beside` for ``step``, or ``None`` when its arguments cannot reach a spawned child.

    Forked children inherit everything; a spawned child receives ``build`` pickled, which fails
    for local functions: the caller then builds the section itself.
    """
    method = start_method()
    if method == "spawn":
        try:
            pickle.dumps(build)
        except (pickle.PicklingError, TypeError, AttributeError):
            return None
    return Beside(step, build, on_progress, method)


__all__ = ["Beside", "Build", "start", "start_method"]
