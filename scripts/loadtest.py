#!/usr/bin/env python3
"""Bounded load test of the local web server (``melian serve`` on 127.0.0.1, a free port).

Usage::

    .venv/bin/python scripts/loadtest.py --clients 50 --seconds 60     # the full run
    .venv/bin/python scripts/loadtest.py --clients 20 --seconds 5      # the suite's short run

Hard bounds: at most 50 concurrent clients, at most 60 seconds, loopback only (the server is
started by this script on 127.0.0.1 and stopped at the end). Each client loops over a fixed mix
of requests a user's browser makes: the health check, the scenario catalogue, the iraq-us-2020
table, the home page, the runs list, and validating a scenario (POST with the app's own Origin).
A request counts as an error if it fails at the transport level or answers with a status other
than the expected one. Prints a JSON report: requests, errors, throughput and p50/p99 latency
overall and per endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
MAX_CLIENTS = 50
MAX_SECONDS = 60.0
HOST = "127.0.0.1"


@contextmanager
def local_server(workdir: Path, start_timeout: float = 120.0) -> Iterator[str]:
    """Start ``melian serve`` on 127.0.0.1 and a free port; yield its base URL; stop it."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    (workdir / "briefs").mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from melian.cli import main; main()",
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--store",
            f"sqlite:///{workdir / 'runs.sqlite'}",
            "--scenario-dir",
            str(workdir),
            "--brief-dir",
            str(workdir / "briefs"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.communicate()[1][-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _requests(base: str) -> list[tuple[str, str, str, dict[str, object] | None, int]]:
    """The request mix: (label, method, url, json body, expected status)."""
    minimal = (ROOT / "tests" / "data" / "scenarios" / "minimal.yaml").read_text(encoding="utf-8")
    return [
        ("GET /api/health", "GET", base + "/api/health", None, 200),
        ("GET /api/scenarios", "GET", base + "/api/scenarios", None, 200),
        (
            "GET table",
            "GET",
            base + "/api/scenarios/builtin/iraq-us-2020/table",
            None,
            200,
        ),
        ("GET /", "GET", base + "/", None, 200),
        ("GET /api/runs", "GET", base + "/api/runs", None, 200),
        ("POST validate", "POST", base + "/api/scenarios/validate", {"yaml": minimal}, 200),
    ]


def _pct(xs: list[float], q: float) -> float:
    """The q-quantile (0-1) of ``xs`` by the nearest-rank method, in milliseconds."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(q * len(s) + 0.5)) - 1))
    return round(s[k] * 1000, 2)


async def _client(
    base: str, stop_at: float, offset: int, lat: dict[str, list[float]], errors: list[str]
) -> None:
    mix = _requests(base)
    k = offset
    async with httpx.AsyncClient(
        timeout=30.0, headers={"Origin": base}, limits=httpx.Limits(max_connections=1)
    ) as client:
        while time.monotonic() < stop_at:
            label, method, url, body, expect = mix[k % len(mix)]
            k += 1
            t0 = time.perf_counter()
            try:
                r = await client.request(method, url, json=body)
                ok = r.status_code == expect
                if ok and label == "POST validate":
                    ok = r.json().get("valid") is True
                if not ok:
                    errors.append(f"{label}: HTTP {r.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"{label}: {type(exc).__name__}")
                continue
            lat.setdefault(label, []).append(time.perf_counter() - t0)


async def _load(base: str, clients: int, seconds: float) -> dict[str, object]:
    lat: dict[str, list[float]] = {}
    errors: list[str] = []
    t0 = time.monotonic()
    stop_at = t0 + seconds
    await asyncio.gather(*(_client(base, stop_at, i, lat, errors) for i in range(clients)))
    wall = time.monotonic() - t0
    every = [x for xs in lat.values() for x in xs]
    return {
        "clients": clients,
        "seconds": round(wall, 2),
        "requests": len(every) + len(errors),
        "errors": len(errors),
        "error_kinds": sorted({e for e in errors})[:20],
        "throughput_rps": round(len(every) / wall, 1),
        "p50_ms": _pct(every, 0.50),
        "p99_ms": _pct(every, 0.99),
        "max_ms": round(max(every) * 1000, 2) if every else None,
        "mean_ms": round(statistics.fmean(every) * 1000, 2) if every else None,
        "endpoints": {
            k: {"n": len(v), "p50_ms": _pct(v, 0.5), "p99_ms": _pct(v, 0.99)}
            for k, v in sorted(lat.items())
        },
    }


def run_load(clients: int, seconds: float, base: str | None = None) -> dict[str, object]:
    """Run the bounded load against ``base`` (a loopback URL) or a server started here."""
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"clients must be within 1..{MAX_CLIENTS}")
    if not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"seconds must be within (0, {MAX_SECONDS}]")
    if base is not None:
        host = httpx.URL(base).host
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the load test only targets loopback addresses")
        return asyncio.run(_load(base, clients, seconds))
    with tempfile.TemporaryDirectory(prefix="melian-load-") as tmp, local_server(Path(tmp)) as url:
        # one warm-up pass so that imports and caches are not measured
        for _, method, u, body, _ in _requests(url):
            httpx.request(method, u, json=body, headers={"Origin": url}, timeout=60)
        return asyncio.run(_load(url, clients, seconds))


def main() -> int:
    """Parse arguments, run, print the JSON report; exit 1 if any request failed."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--clients", type=int, default=MAX_CLIENTS)
    ap.add_argument("--seconds", type=float, default=MAX_SECONDS)
    ap.add_argument("--json", help="also write the report to this file")
    args = ap.parse_args()
    report = run_load(args.clients, args.seconds)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
