"""Run-store write/read throughput and a bounded load test of the local web server.

Store: saves N runs with a forecast-sized results document (~30 kB JSON) to SQLite (WAL) -- and
to PostgreSQL if MELIAN_BENCH_PG is a URL -- then reads them back; reports runs/s.
Web: starts ``melian serve``'s app with uvicorn on a free loopback port and runs C concurrent
clients (threads with keep-alive httpx clients) for D seconds against read endpoints, and a
trickle of forecast submissions; reports requests, errors, p50/p99 latency. Bounds: at most 50
clients, at most 60 s, loopback only (issue 8, item 5).

Usage: python benchmarks/bench_store_web.py [--runs 500] [--clients 50] [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "web"))


def bench_store(url: str, n: int) -> dict[str, float]:
    from melian.store import RunStore

    store = RunStore(url)
    rng = np.random.default_rng(1)
    results = {
        "points": {f"issue{i}": {"median": float(v)} for i, v in enumerate(rng.random(6))},
        "trajectory": rng.random((20, 60)).round(6),
    }
    t0 = time.perf_counter()
    ids = [
        store.save_run("bench", results, manifest={"seed": k}, inputs="x: 1\n") for k in range(n)
    ]
    t1 = time.perf_counter()
    for rid in ids:
        store.get_run(rid)
    t2 = time.perf_counter()
    store.list_runs(limit=None)
    t3 = time.perf_counter()
    store.close()
    return {"save_per_s": n / (t1 - t0), "get_per_s": n / (t2 - t1), "list_all_s": t3 - t2}


def bench_web(clients: int, seconds: float) -> dict[str, float]:
    import subprocess

    from conftest import write_scenarios

    clients, seconds = min(clients, 50), min(seconds, 60.0)
    root = Path(tempfile.mkdtemp(prefix="melian-bench-"))
    write_scenarios(root / "scenarios")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # the server runs in its own process (as `melian serve` does), the clients in this one
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from melian.cli import main; main()",
            "serve",
            "--port",
            str(port),
            "--store",
            f"sqlite:///{root / 'runs.sqlite'}",
            "--scenario-dir",
            str(root / "scenarios"),
            "--brief-dir",
            str(root / "briefs"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
            break
        except httpx.TransportError:
            time.sleep(0.2)
    base = f"http://127.0.0.1:{port}"
    paths = [
        "/api/health",
        "/api/scenarios",
        "/api/scenarios/user/minimal/table",
        "/scenarios/user/minimal",
        "/api/runs",
        "/",
    ]
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    # warm the server's scenario cache, then start the clock
    for p in paths:
        httpx.get(base + p, timeout=30)
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as c:
            i = k
            while time.monotonic() < stop:
                if k == 0 and i % 20 == 0:
                    req = (
                        "POST",
                        "/api/runs",
                        {
                            "kind": "forecast",
                            "params": {"models": ["median", "compromise"]},
                            "scenario": {"origin": "user", "name": "minimal"},
                        },
                    )
                else:
                    req = ("GET", paths[i % len(paths)], None)
                t = time.perf_counter()
                try:
                    r = c.request(req[0], req[1], json=req[2])
                    ok = r.status_code < 400 or (req[0] == "POST" and r.status_code == 429)
                    if not ok:
                        with lock:
                            errors.append(f"{req[1]}: {r.status_code}")
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(f"{req[1]}: {exc}")
                dt = time.perf_counter() - t
                with lock:
                    lat.append(dt)
                i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server.terminate()
    server.wait(timeout=30)
    q = np.quantile(np.array(lat), [0.5, 0.99])
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": len(lat),
        "errors": len(errors),
        "p50_ms": q[0] * 1000,
        "p99_ms": q[1] * 1000,
        "rps": len(lat) / seconds,
        "mean_ms": statistics.fmean(lat) * 1000,
        "first_errors": errors[:5],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        print("sqlite store:", bench_store(f"sqlite:///{d}/b.sqlite", args.runs))
    if os.environ.get("MELIAN_BENCH_PG"):
        print("postgresql store:", bench_store(os.environ["MELIAN_BENCH_PG"], args.runs))
    print("web load:", bench_web(args.clients, args.seconds))


if __name__ == "__main__":
    main()
