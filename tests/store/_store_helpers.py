"""Helpers of the run-store tests: drive writer subprocesses and check a store afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

WRITER = Path(__file__).with_name("_writer.py")


def start_writer(url: str, tag: str, count: int = 0, payload: int = 2000) -> subprocess.Popen:
    """Start a writer subprocess (see _writer.py)."""
    return subprocess.Popen(
        [sys.executable, str(WRITER), url, tag, str(count), str(payload)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def kill_after(
    proc: subprocess.Popen, n_lines: int, extra_sleep: float, timeout: float = 60.0
) -> list[tuple[str, int]]:
    """Read ``n_lines`` committed ids from a writer, wait ``extra_sleep`` s, SIGKILL it.

    Returns every (run id, i) the writer reported as committed (including lines that were
    already buffered in the pipe when it was killed).
    """
    assert proc.stdout is not None
    got: list[tuple[str, int]] = []
    deadline = time.monotonic() + timeout
    while len(got) < n_lines:
        line = proc.stdout.readline()
        if not line:
            err = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"writer ended early: {err}")
        rid, i = line.split()
        got.append((rid, int(i)))
        if time.monotonic() > deadline:
            raise AssertionError("writer too slow")
    time.sleep(extra_sleep)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    for line in proc.stdout.read().splitlines():
        if line.strip():
            rid, i = line.split()
            got.append((rid, int(i)))
    assert proc.returncode == -signal.SIGKILL
    return got


def check_intact(url: str, committed: list[tuple[str, int]], tag: str | None = None) -> int:
    """Open the store afresh and check every committed run is present and intact.

    Returns the number of runs in the store.
    """
    from melian.store import RunStore

    store = RunStore(url)
    try:
        assert store.verify() == [], "a stored run does not match its digest"
        for rid, i in committed:
            run = store.get_run(rid)
            assert run.status == "ok"
            assert run.results["i"] == i
            assert run.manifest["seed"] == i
            assert run.inputs is not None and run.inputs.endswith(f"i: {i}\n")
            if tag is not None:
                assert run.results["tag"] == tag
            assert len(run.results["values"]) > 0
        if store.dialect == "sqlite":
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        return store.count()
    finally:
        store.close()
