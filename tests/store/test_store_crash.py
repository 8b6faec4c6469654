"""Crash safety and concurrency of the SQLite run store (issue 8, item 4).

A writer process that is SIGKILLed at a random moment -- often in the middle of a transaction,
since each run carries a sizeable results document -- must leave every run it committed intact
and the database consistent; several processes writing at once must not lose or damage runs.
"""

from __future__ import annotations

import random
import threading

from _store_helpers import check_intact, kill_after, start_writer

from melian.store import RunStore


def test_sigkill_mid_write_keeps_earlier_runs(sqlite_url: str) -> None:
    rng = random.Random(20200611)
    committed: list[tuple[str, int]] = []
    for round_ in range(3):
        proc = start_writer(sqlite_url, f"round{round_}", payload=20_000)
        got = kill_after(proc, n_lines=rng.randint(3, 12), extra_sleep=rng.uniform(0.0, 0.05))
        committed += got
        n = check_intact(sqlite_url, committed)
        # at most the run in flight when the kill came may have committed unreported
        assert len(committed) <= n <= len(committed) + 1
    assert len(committed) >= 3 * 3


def test_concurrent_writer_processes(sqlite_url: str) -> None:
    RunStore(sqlite_url).close()  # create the schema first, as a real user's store would have it
    procs = [start_writer(sqlite_url, f"w{k}", count=15, payload=500) for k in range(3)]
    committed: list[tuple[str, int]] = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        committed += [(line.split()[0], int(line.split()[1])) for line in out.splitlines()]
    assert len(committed) == 45
    assert len({rid for rid, _ in committed}) == 45
    assert check_intact(sqlite_url, committed) == 45


def test_concurrent_writers_on_a_fresh_store(sqlite_url: str) -> None:
    # processes racing to create the schema as well as to write
    procs = [start_writer(sqlite_url, f"f{k}", count=5, payload=100) for k in range(3)]
    committed: list[tuple[str, int]] = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        committed += [(line.split()[0], int(line.split()[1])) for line in out.splitlines()]
    assert check_intact(sqlite_url, committed) == 15


def test_concurrent_writer_threads(sqlite_url: str) -> None:
    store = RunStore(sqlite_url)
    ids: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(10):
                rid = store.save_run("test", {"k": k, "i": i}, manifest={"seed": i})
                with lock:
                    ids.append(rid)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count() == 40 and store.verify() == []
    assert sorted(ids) == sorted(r.id for r in store.list_runs(limit=None))
