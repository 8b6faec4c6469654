"""The forecast ledger: an append-only, hash-chained record of sealed forecasts in the run store.

A *sealed forecast* is a forecast written down before its outcome is known, so that it can be
scored honestly afterwards (the practice of forecasting tournaments: Tetlock and Gardner 2015,
*Superforecasting*, ch. 3; the hash chain is the construction of Haber and Stornetta 1991, "How to
time-stamp a digital document", J. Cryptology 3(2)). Each entry holds one record (canonical JSON)
and

    hash_k = SHA-256( "melian-ledger-v1" NUL k NUL hash_{k-1} NUL record_k )

with ``hash_0``'s predecessor the empty string. Editing, reordering or removing any entry but the
last changes every later hash, so :meth:`Ledger.check` finds it; removing entries at the end is
found by comparing the head hash (printed by ``melian seal``) with :meth:`Ledger.head`.

The ledger lives in the ``ledger`` table of the run store's database (SQLite by default,
PostgreSQL by URL; see :mod:`melian.store`). melian only ever inserts into it: two processes that
seal at once race for the same sequence number and the loser retries (the sequence number is the
primary key). On SQLite, triggers also refuse UPDATE and DELETE. A ledger can be exported to, and
read from, a JSON-lines file (one entry per line) so that it can travel with a paper or a
repository.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from melian.errors import InputError, Problem, StoreError
from melian.store import RunStore, canonical_json, new_run_id, open_store, safe_url

#: Domain-separation tag of the chain's hash (changes only with an incompatible format).
CHAIN_TAG = "melian-ledger-v1"

_metadata = MetaData()

ledger_table = Table(
    "ledger",
    _metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("id", String(40), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("scenario_id", String(80), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("record", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS ledger_no_update BEFORE UPDATE ON ledger "
    "BEGIN SELECT RAISE(ABORT, 'the forecast ledger is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS ledger_no_delete BEFORE DELETE ON ledger "
    "BEGIN SELECT RAISE(ABORT, 'the forecast ledger is append-only'); END",
)


def chain_hash(seq: int, prev_hash: str, record: str) -> str:
    """The hash of entry ``seq`` given its predecessor's hash and its canonical record text."""
    h = hashlib.sha256()
    for part in (CHAIN_TAG, str(seq), prev_hash, record):
        h.update(part.encode())
        h.update(b"\x00")
    return h.hexdigest()


@dataclass(frozen=True)
class LedgerEntry:
    """One sealed record: its place in the chain, its id, its record and the hashes."""

    seq: int
    id: str
    kind: str
    scenario_id: str | None
    created_at: dt.datetime
    record: str
    prev_hash: str
    hash: str

    @property
    def data(self) -> dict[str, Any]:
        """The record as a dict."""
        return json.loads(self.record)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (one line of a ledger export)."""
        return {
            "seq": self.seq,
            "id": self.id,
            "kind": self.kind,
            "scenario_id": self.scenario_id,
            "created_at": self.created_at.isoformat(),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "record": self.data,
        }


def check_chain(entries: Iterable[LedgerEntry]) -> list[str]:
    """Every break of the hash chain, in the user's words (empty when the chain is intact).

    Parameters
    ----------
    entries : iterable of LedgerEntry
        The ledger in sequence order.

    Returns
    -------
    list of str
        One message per problem: a gap or repeat in the sequence, a predecessor hash that does
        not match, a record whose hash does not match its content, or indexed columns (id, kind,
        scenario, time) that disagree with the record.
    """
    problems: list[str] = []
    prev = ""
    expected_seq = 1
    for e in entries:
        where = f"ledger entry {e.seq} ({e.id})"
        if e.seq != expected_seq:
            problems.append(f"{where}: expected entry {expected_seq} here (missing or reordered)")
        if e.prev_hash != prev:
            problems.append(f"{where}: its predecessor hash does not match entry {e.seq - 1}")
        if chain_hash(e.seq, e.prev_hash, e.record) != e.hash:
            problems.append(f"{where}: its content does not match its hash (edited)")
        try:
            data = json.loads(e.record)
        except ValueError:
            problems.append(f"{where}: its record is not valid JSON")
            data = {}
        for key, val in (("id", e.id), ("kind", e.kind), ("scenario_id", e.scenario_id)):
            if data.get(key) != val:
                problems.append(f"{where}: column {key!r} disagrees with the sealed record")
        if data.get("sealed_at") != _iso(e.created_at):
            problems.append(f"{where}: its time disagrees with the sealed record")
        prev = e.hash
        expected_seq = e.seq + 1
    return problems


def _iso(when: dt.datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


class Ledger:
    """The forecast ledger of one run store (see the module docstring)."""

    def __init__(self, store: str | RunStore | None = None) -> None:
        self.store = open_store(store)
        self.engine = self.store.engine
        try:
            _metadata.create_all(self.engine, checkfirst=True)
            if self.store.dialect == "sqlite":
                with self.engine.begin() as conn:
                    for stmt in _SQLITE_TRIGGERS:
                        conn.execute(text(stmt))
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot open the forecast ledger in {safe_url(self.store.url)}: {exc}"
            ) from None

    def append(self, record: dict[str, Any], *, kind: str) -> LedgerEntry:
        """Seal ``record``: give it an id and a time, chain it after the last entry, insert it.

        Parameters
        ----------
        record : dict
            JSON-ready content (it must not carry the keys ``id``, ``kind`` or ``sealed_at``,
            which the ledger sets).
        kind : str
            The kind of record (for example ``forecast``).

        Returns
        -------
        LedgerEntry
            The new entry, with its hash (the new head of the chain).
        """
        for attempt in range(50):
            now = dt.datetime.now(dt.UTC)
            body = dict(record, id=new_run_id(now), kind=kind, sealed_at=_iso(now))
            text_ = canonical_json(body)
            try:
                with self.engine.begin() as conn:
                    last = conn.execute(
                        select(ledger_table.c.seq, ledger_table.c.hash)
                        .order_by(ledger_table.c.seq.desc())
                        .limit(1)
                    ).first()
                    seq = 1 if last is None else int(last.seq) + 1
                    prev = "" if last is None else str(last.hash)
                    entry = LedgerEntry(
                        seq=seq,
                        id=body["id"],
                        kind=kind,
                        scenario_id=body.get("scenario_id"),
                        created_at=now,
                        record=text_,
                        prev_hash=prev,
                        hash=chain_hash(seq, prev, text_),
                    )
                    conn.execute(ledger_table.insert().values(**entry.__dict__))
                return entry
            except IntegrityError:
                time.sleep(0.01 * (attempt + 1))  # another process took this sequence number
            except SQLAlchemyError as exc:
                raise StoreError(f"cannot write to the forecast ledger: {exc}") from None
        raise StoreError("cannot write to the forecast ledger: too many concurrent writers")

    def entries(self) -> list[LedgerEntry]:
        """Every entry, in sequence order."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(ledger_table).order_by(ledger_table.c.seq)).mappings()
            return [_entry(dict(r)) for r in rows]

    def head(self) -> str:
        """The hash of the last entry ('' for an empty ledger)."""
        entries = self.entries()
        return entries[-1].hash if entries else ""

    def check(self) -> list[str]:
        """Problems of the chain (see :func:`check_chain`)."""
        return check_chain(self.entries())

    def export_jsonl(self, path: Path) -> int:
        """Write the ledger to ``path`` as JSON lines (atomically); return the number of entries."""
        from melian.util import atomic_write_text

        entries = self.entries()
        atomic_write_text(path, "".join(json.dumps(e.to_dict()) + "\n" for e in entries))
        return len(entries)


def _entry(row: dict[str, Any]) -> LedgerEntry:
    created = row["created_at"]
    if isinstance(created, str):
        created = dt.datetime.fromisoformat(created)
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    return LedgerEntry(
        seq=int(row["seq"]),
        id=str(row["id"]),
        kind=str(row["kind"]),
        scenario_id=row["scenario_id"],
        created_at=created,
        record=str(row["record"]),
        prev_hash=str(row["prev_hash"]),
        hash=str(row["hash"]),
    )


def read_jsonl(path: Path) -> list[LedgerEntry]:
    """Read a ledger exported by :meth:`Ledger.export_jsonl` (located errors on bad lines).

    The record of each line is re-serialised canonically, so a line whose record was edited, even
    in a way JSON does not distinguish (key order, spacing), is checked against its hash exactly as
    in the database.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(
            [Problem(str(path), None, None, "", f"cannot read the ledger file: {exc.strerror}")]
        ) from None
    out: list[LedgerEntry] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append(
                _entry(
                    {
                        **{k: d[k] for k in ("seq", "id", "kind", "scenario_id", "created_at")},
                        "prev_hash": d["prev_hash"],
                        "hash": d["hash"],
                        "record": canonical_json(d["record"]),
                    }
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise InputError(
                [Problem(str(path), n, None, "", f"not a ledger entry: {what}")]
            ) from None
    return out


def open_entries(ledger: str | None) -> list[LedgerEntry]:
    """The entries of a ledger given as a JSON-lines file path or a run-store URL (None: default)."""
    if ledger is not None and ledger.endswith((".jsonl", ".json")):
        return read_jsonl(Path(ledger))
    if ledger is not None and "://" not in ledger:
        path = Path(ledger)
        if not path.exists():
            raise InputError([Problem(ledger, None, None, "", "no such ledger file or store")])
        ledger = f"sqlite:///{path.resolve()}"
    return Ledger(ledger).entries()
