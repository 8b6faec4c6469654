"""The run store against a real PostgreSQL server that this module starts itself.

The fixture runs ``initdb`` and ``pg_ctl`` (from PATH or /usr/lib/postgresql/*/bin) in a temporary
directory on a free loopback port, as the ``postgres`` user when the tests run as root (PostgreSQL
refuses to run as root). It skips, saying why, only when no PostgreSQL binaries are installed
(Debian: ``apt-get install postgresql``).
"""

from __future__ import annotations

import glob
import os
import pwd
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _store_helpers import check_intact, kill_after, start_writer

from melian.store import RunStore

pytestmark = pytest.mark.postgres


def _bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(d, "initdb").exists() and Path(d, "pg_ctl").exists():
            return Path(d)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    bindir = _bin_dir()
    if bindir is None:
        pytest.skip(
            "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in "
            "/usr/lib/postgresql/*/bin; install Debian's postgresql package"
        )
    prefix: list[str] = []
    root = tempfile.mkdtemp(prefix="melian-pg-")
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        runuser = shutil.which("runuser")
        prefix = [runuser, "-u", "postgres", "--"] if runuser else []
        if not prefix:
            pytest.skip("running as root without runuser to drop privileges for PostgreSQL")
    data, log = f"{root}/data", f"{root}/server.log"
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C"}
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            data,
            "-U",
            "melian",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        env=env,
        cwd=root,
    )
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
    started = subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            data,
            "-o",
            opts,
            "-l",
            log,
            "-w",
            "-t",
            "60",
            "start",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
    )
    if started.returncode != 0:
        server_log = Path(log).read_text() if Path(log).exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{server_log}")
    try:
        yield f"postgresql://melian@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"],
            capture_output=True,
            env=env,
            cwd=root,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[RunStore]:
    store = RunStore(pg_url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM runs")
    yield store
    store.close()


def test_postgres_roundtrip_list_diff(pg_store: RunStore) -> None:
    assert pg_store.dialect == "postgresql"
    assert pg_store.url.startswith("postgresql+psycopg://")
    a = pg_store.save_run(
        "forecast",
        {"points": {"x": 1.25}, "text": "ﺑﻐﺪاد <b>"},
        manifest={"seed": 1, "scenario_id": "s", "scenario_hash": "h"},
        inputs="a: 1\n",
    )
    time.sleep(0.01)
    b = pg_store.save_run(
        "forecast",
        {"points": {"x": 2.5}, "text": "ﺑﻐﺪاد <b>"},
        manifest={"seed": 2, "scenario_id": "s", "scenario_hash": "h"},
        inputs="a: 2\n",
    )
    ra = pg_store.get_run(a)
    assert ra.results == {"points": {"x": 1.25}, "text": "ﺑﻐﺪاد <b>"}
    assert ra.created_at.tzinfo is not None
    assert [r.id for r in pg_store.list_runs()] == [b, a]
    d = pg_store.diff_runs(a, b)
    assert {c["path"] for c in d["changes"]} == {"manifest.seed", "results.points.x"}
    assert pg_store.get_run(b[:-2]).id == b
    assert pg_store.verify() == []


def test_postgres_concurrent_writers(pg_store: RunStore, pg_url: str) -> None:
    procs = [start_writer(pg_url, f"p{k}", count=15, payload=300) for k in range(2)]
    errors: list[BaseException] = []

    def threads_work() -> None:
        try:
            for i in range(10):
                pg_store.save_run(
                    "test",
                    {"i": i, "values": [1.0], "tag": "t"},
                    manifest={"seed": i},
                    inputs=f"i: {i}\n",
                )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    th = [threading.Thread(target=threads_work) for _ in range(2)]
    for t in th:
        t.start()
    committed: list[tuple[str, int]] = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        committed += [(ln.split()[0], int(ln.split()[1])) for ln in out.splitlines()]
    for t in th:
        t.join()
    assert errors == []
    assert check_intact(pg_url, committed) == 30 + 20


def test_postgres_sigkill_keeps_committed_runs(pg_store: RunStore, pg_url: str) -> None:
    rng = random.Random(7)
    committed: list[tuple[str, int]] = []
    for round_ in range(2):
        proc = start_writer(pg_url, f"k{round_}", payload=20_000)
        committed += kill_after(proc, n_lines=rng.randint(3, 8), extra_sleep=rng.uniform(0.0, 0.05))
        n = check_intact(pg_url, committed)
        assert len(committed) <= n <= len(committed) + 1


def test_ledger_on_postgres_chains_and_detects_edits(pg_url: str) -> None:
    """The forecast ledger works on PostgreSQL too; an edited record is found by the chain."""
    from sqlalchemy import text

    from melian.ledger import Ledger

    led = Ledger(pg_url)
    start = len(led.entries())
    for k in range(3):
        led.append({"scenario_id": "s", "results": {"k": k}}, kind="note")
    entries = led.entries()
    assert len(entries) == start + 3 and not led.check()
    with led.engine.begin() as conn:
        conn.execute(
            text("UPDATE ledger SET record = replace(record, :a, :b) WHERE seq = :s"),
            {"a": '"k":1', "b": '"k":7', "s": start + 2},
        )
    assert any("edited" in p for p in led.check())
