"""``melian serve`` starts the app on loopback and answers; it stops on SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx


def test_melian_serve_answers_on_loopback(tmp_path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from melian.cli import main; main()",
            "serve",
            "--port",
            str(port),
            "--store",
            f"sqlite:///{tmp_path / 'runs.sqlite'}",
            "--scenario-dir",
            str(tmp_path),
            "--brief-dir",
            str(tmp_path / "briefs"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["status"] == "ok"
        assert "runs.sqlite" in r.json()["store"]
        # bound to loopback only
        assert "server" not in r.headers
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
