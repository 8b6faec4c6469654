"""The run store: every run's manifest, inputs and results, saved atomically through SQLAlchemy.

A *run* is one computation (a forecast, a game analysis, a simulation, ...): its kind, the
scenario id and content hash, the time it was saved, its status, the run manifest
(:func:`melian.manifest.run_manifest`), the scenario text it ran on (YAML) and its results (JSON).
Each run is one row of the ``runs`` table, written in a single transaction together with a
SHA-256 digest of its canonical content, so that

* a process killed half-way through a save leaves no partial row (the transaction never commits)
  and never touches earlier rows;
* every stored run can be checked for integrity (:meth:`RunStore.verify`).

By default the store is an SQLite file in the user's data directory (``platformdirs``), opened in
WAL mode with a busy timeout so that several processes may write concurrently. A URL given with
``--store`` or the ``MELIAN_STORE`` environment variable selects another database, for example
PostgreSQL (``postgresql://user@host/db``, driven by psycopg 3).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import math
import os
import re
import threading
import time
import uuid
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Index,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError

from melian.errors import LimitError, StoreError
from melian.jsonio import canonical, to_jsonable

#: Environment variable naming the store URL (overridden by an explicit ``--store``).
ENV_VAR = "MELIAN_STORE"
#: Largest results document accepted for one run (bytes of canonical JSON).
MAX_RESULTS_BYTES = 64 * 1024 * 1024
#: Seconds an SQLite writer waits for the write lock before giving up.
SQLITE_BUSY_TIMEOUT_S = 30.0
#: Allowed run statuses.
STATUSES = ("ok", "failed")

_metadata = MetaData()

runs_table = Table(
    "runs",
    _metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("scenario_id", String(80), nullable=True),
    Column("scenario_hash", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("manifest", Text, nullable=False),
    Column("inputs", Text, nullable=True),
    Column("results", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Index("ix_runs_created", "created_at"),
    Index("ix_runs_scenario", "scenario_id"),
)


# --------------------------------------------------------------------------- JSON helpers
def _jsonable(obj: Any) -> Any:  # noqa: ANN401
    """Plain JSON data from ``obj`` (:func:`melian.jsonio.to_jsonable`: non-finite -> null)."""
    try:
        return to_jsonable(obj)
    except TypeError:
        raise StoreError(
            f"cannot store a value of type {type(obj).__name__} in a run's results"
        ) from None


def canonical_json(obj: Any) -> str:  # noqa: ANN401
    """Canonical JSON text (sorted keys, no spaces, no NaN) of JSON-ready data."""
    return canonical(_jsonable(obj))


def _digest(fields: dict[str, Any]) -> str:
    """SHA-256 over a run's identifying and content fields (integrity check)."""
    h = hashlib.sha256()
    for key in (
        "id",
        "kind",
        "scenario_id",
        "scenario_hash",
        "status",
        "manifest",
        "inputs",
        "results",
    ):
        val = fields.get(key)
        h.update(key.encode())
        h.update(b"\x00")
        h.update(b"\x01" if val is None else str(val).encode())
        h.update(b"\x00")
    return h.hexdigest()


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class RunSummary:
    """One line of ``runs list``: everything but the (large) manifest, inputs and results."""

    id: str
    kind: str
    scenario_id: str | None
    scenario_hash: str | None
    created_at: dt.datetime
    status: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "id": self.id,
            "kind": self.kind,
            "scenario_id": self.scenario_id,
            "scenario_hash": self.scenario_hash,
            "created_at": self.created_at.isoformat(),
            "status": self.status,
        }


@dataclass(frozen=True)
class Run(RunSummary):
    """A whole stored run: summary fields plus manifest, scenario text and results."""

    manifest: dict[str, Any]
    inputs: str | None
    results: Any
    digest: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the whole run (the form ``runs export`` writes)."""
        out = super().to_dict()
        out.update(
            {
                "manifest": self.manifest,
                "inputs": self.inputs,
                "results": self.results,
                "digest": self.digest,
            }
        )
        return out


# --------------------------------------------------------------------------- URLs
def default_store_path() -> Path:
    """Path of the default SQLite store: ``runs.sqlite`` in the user's data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("melian", appauthor=False)) / "runs.sqlite"


def resolve_url(url: str | None = None) -> str:
    """The store URL to use: ``url``, else ``$MELIAN_STORE``, else the default SQLite file.

    A bare file path means an SQLite file; ``postgresql://`` URLs get the psycopg 3 driver.
    """
    url = url or os.environ.get(ENV_VAR) or None
    if url is None:
        path = default_store_path()
        return f"sqlite:///{path}"
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().absolute()}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def safe_url(url: str) -> str:
    """The URL with any password hidden (for messages)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:  # noqa: ANN401
    """Per-connection SQLite settings: WAL journal, busy timeout, full sync, foreign keys."""
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


# --------------------------------------------------------------------------- the store
_ALL_STORES: weakref.WeakSet[RunStore] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked child must not use its parent's pooled connections: forget them (not close)."""
    for store in list(_ALL_STORES):
        store.engine.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class RunStore:
    """A run store at one database URL (see the module docstring)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = resolve_url(url)
        self.pid = os.getpid()
        try:
            parsed = make_url(self.url)
        except ArgumentError:
            raise StoreError(f"not a database URL: {safe_url(self.url)}") from None
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"future": True}
        if self.dialect == "sqlite":
            db = parsed.database
            if db and db != ":memory:":
                try:
                    Path(db).parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(
                        f"cannot create the store directory {Path(db).parent}: {exc.strerror}"
                    ) from None
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        try:
            self.engine: Engine = create_engine(self.url, **kwargs)
        except (ArgumentError, ImportError, SQLAlchemyError) as exc:
            raise StoreError(f"cannot open the run store {safe_url(self.url)}: {exc}") from None
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        _ALL_STORES.add(self)
        self._create()

    # -- setup ------------------------------------------------------------------------
    def _create(self) -> None:
        """Create the ``runs`` table if missing (safe when several processes race to do it)."""
        for attempt in range(4):
            try:
                _metadata.create_all(self.engine, checkfirst=True)
                return
            except SQLAlchemyError as exc:
                # another process may have created it between our check and our CREATE
                if attempt == 3:
                    raise StoreError(
                        f"cannot open the run store {safe_url(self.url)}: {_short(exc)}"
                    ) from None
                time.sleep(0.05 * (attempt + 1))

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> RunStore:
        """Context-manager entry: the store itself."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Context-manager exit: close the store."""
        self.close()

    # -- writing ----------------------------------------------------------------------
    def save_run(
        self,
        kind: str,
        results: Any,  # noqa: ANN401
        *,
        manifest: dict[str, Any] | None = None,
        inputs: str | None = None,
        scenario_id: str | None = None,
        scenario_hash: str | None = None,
        status: str = "ok",
        run_id: str | None = None,
        created_at: dt.datetime | None = None,
    ) -> str:
        """Save one run in one transaction and return its id.

        ``scenario_id`` and ``scenario_hash`` default to the manifest's. ``results`` may hold
        numpy values and objects with ``to_dict`` (converted; NaN stored as null). Raises
        :class:`LimitError` if the results exceed :data:`MAX_RESULTS_BYTES` and
        :class:`StoreError` if the database refuses the write.
        """
        if status not in STATUSES:
            raise StoreError(f"unknown run status {status!r}; use one of {', '.join(STATUSES)}")
        if not re.fullmatch(r"[a-z][a-z0-9_\-]{0,39}", kind):
            raise StoreError(f"bad run kind {kind!r} (lower-case letters, digits, '-', '_')")
        manifest = dict(manifest or {})
        created = (created_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        rid = run_id or new_run_id(created)
        fields: dict[str, Any] = {
            "id": rid,
            "kind": kind,
            "scenario_id": scenario_id if scenario_id is not None else manifest.get("scenario_id"),
            "scenario_hash": scenario_hash
            if scenario_hash is not None
            else manifest.get("scenario_hash"),
            "status": status,
            "manifest": canonical_json(manifest),
            "inputs": inputs,
            "results": canonical_json(results),
        }
        if len(fields["results"]) > MAX_RESULTS_BYTES:
            raise LimitError(
                f"run results are {len(fields['results']):,} bytes; the store's limit "
                f"is {MAX_RESULTS_BYTES:,} bytes"
            )
        fields["digest"] = _digest(fields)
        fields["created_at"] = created
        try:
            with self.engine.begin() as conn:
                conn.execute(runs_table.insert().values(**fields))
        except IntegrityError:
            raise StoreError(f"a run with id {rid!r} already exists in the store") from None
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot save the run to {safe_url(self.url)}: {_short(exc)}"
            ) from None
        return rid

    # -- reading ----------------------------------------------------------------------
    def _resolve_id(self, ref: str) -> str:
        """A full run id from an id or a unique id prefix (StoreError otherwise)."""
        if not re.fullmatch(r"[A-Za-z0-9_\-]{1,40}", ref or ""):
            raise StoreError(f"not a run id: {ref!r}")
        try:
            with self.engine.connect() as conn:
                exact = conn.execute(select(runs_table.c.id).where(runs_table.c.id == ref)).first()
                if exact:
                    return str(exact[0])
                rows = conn.execute(
                    select(runs_table.c.id)
                    .where(runs_table.c.id.startswith(ref, autoescape=True))
                    .limit(3)
                ).all()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read {safe_url(self.url)}: {_short(exc)}") from None
        if not rows:
            raise StoreError(f"no run {ref!r} in the store {safe_url(self.url)}")
        if len(rows) > 1:
            raise StoreError(
                f"run id prefix {ref!r} is ambiguous ({', '.join(r[0] for r in rows)}"
                f"{', ...' if len(rows) > 2 else ''})"
            )
        return str(rows[0][0])

    def get_run(self, ref: str) -> Run:
        """The run with id (or unique id prefix) ``ref``; StoreError if there is none."""
        rid = self._resolve_id(ref)
        try:
            with self.engine.connect() as conn:
                row = (
                    conn.execute(select(runs_table).where(runs_table.c.id == rid))
                    .mappings()
                    .first()
                )
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read {safe_url(self.url)}: {_short(exc)}") from None
        if row is None:  # pragma: no cover - deleted between the two statements
            raise StoreError(f"no run {ref!r}")
        return _row_to_run(dict(row))

    def list_runs(
        self,
        *,
        limit: int | None = 50,
        offset: int = 0,
        scenario_id: str | None = None,
        kind: str | None = None,
    ) -> list[RunSummary]:
        """Runs, newest first, optionally only of one scenario or kind."""
        cols = [
            runs_table.c.id,
            runs_table.c.kind,
            runs_table.c.scenario_id,
            runs_table.c.scenario_hash,
            runs_table.c.created_at,
            runs_table.c.status,
        ]
        q = select(*cols).order_by(runs_table.c.created_at.desc(), runs_table.c.id.desc())
        if scenario_id is not None:
            q = q.where(runs_table.c.scenario_id == scenario_id)
        if kind is not None:
            q = q.where(runs_table.c.kind == kind)
        if limit is not None:
            q = q.limit(max(0, int(limit)))
        if offset:
            q = q.offset(max(0, int(offset)))
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(q).mappings().all()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read {safe_url(self.url)}: {_short(exc)}") from None
        return [
            RunSummary(
                id=r["id"],
                kind=r["kind"],
                scenario_id=r["scenario_id"],
                scenario_hash=r["scenario_hash"],
                created_at=_aware(r["created_at"]),
                status=r["status"],
            )
            for r in rows
        ]

    def count(self) -> int:
        """Number of stored runs."""
        from sqlalchemy import func

        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(runs_table)).scalar_one())

    def verify(self) -> list[str]:
        """Ids of stored runs whose content no longer matches their digest (empty if intact)."""
        bad: list[str] = []
        with self.engine.connect() as conn:
            for row in conn.execute(select(runs_table)).mappings():
                if _digest(dict(row)) != row["digest"]:
                    bad.append(row["id"])
        return bad

    def diff_runs(self, a: str, b: str, *, rtol: float = 0.0) -> dict[str, Any]:
        """What differs between runs ``a`` and ``b`` (see :func:`diff_runs`)."""
        return _diff(self.get_run(a), self.get_run(b), rtol=rtol)

    def export_run(self, ref: str) -> dict[str, Any]:
        """The whole run as JSON-ready data (id, summary, manifest, inputs, results, digest)."""
        run = self.get_run(ref)
        return {"format": "melian-run", "format_version": 1, **run.to_dict()}


def _short(exc: BaseException) -> str:
    """First line of a database error (no SQL, no parameters)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes: they were saved in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _row_to_run(row: dict[str, Any]) -> Run:
    try:
        manifest = json.loads(row["manifest"])
        results = json.loads(row["results"])
    except (TypeError, ValueError):
        raise StoreError(f"run {row['id']!r} is damaged (its JSON does not parse)") from None
    return Run(
        id=row["id"],
        kind=row["kind"],
        scenario_id=row["scenario_id"],
        scenario_hash=row["scenario_hash"],
        created_at=_aware(row["created_at"]),
        status=row["status"],
        manifest=manifest,
        inputs=row["inputs"],
        results=results,
        digest=row["digest"],
    )


def new_run_id(when: dt.datetime | None = None) -> str:
    """A new run id: UTC time to the second (sortable) plus 8 random hex digits."""
    when = (when or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return f"{when:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"


# --------------------------------------------------------------------------- diff
def flatten(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:  # noqa: ANN401
    """Yield (key path, leaf value) pairs: ``a.b[2].c`` for nested dicts and lists.

    Empty dicts and lists are leaves (so that "became empty" is a difference).
    """
    if isinstance(data, dict) and data:
        for k in sorted(data, key=str):
            key = str(k)
            path = f"{prefix}.{key}" if prefix else key
            yield from flatten(data[k], path)
    elif isinstance(data, list) and data:
        for i, v in enumerate(data):
            yield from flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, data


def _same(x: Any, y: Any, rtol: float) -> bool:  # noqa: ANN401
    if x == y and type(x) is type(y):
        return True
    if (
        isinstance(x, (int, float))
        and isinstance(y, (int, float))
        and not isinstance(x, bool)
        and not isinstance(y, bool)
    ):
        return (
            math.isclose(float(x), float(y), rel_tol=rtol, abs_tol=0.0)
            if rtol > 0
            else float(x) == float(y)
        )
    return False


def _diff(a: Run, b: Run, *, rtol: float = 0.0) -> dict[str, Any]:
    """What differs between two runs: fields, manifests, results and scenario text.

    Manifests and results are flattened to key paths (``results.models.median.issues[0].point``)
    and compared leaf by leaf; numbers are equal if exactly equal (or within relative tolerance
    ``rtol``). ``changes`` lists ``{"path", "a", "b"}`` for every differing leaf (a missing leaf
    is ``None`` with ``"only": "a"|"b"``); ``inputs`` is a unified diff of the scenario texts.
    """
    changes: list[dict[str, Any]] = []
    for field in ("kind", "scenario_id", "scenario_hash", "status"):
        va, vb = getattr(a, field), getattr(b, field)
        if va != vb:
            changes.append({"path": field, "a": va, "b": vb})
    for section in ("manifest", "results"):
        fa = dict(flatten(getattr(a, section), section))
        fb = dict(flatten(getattr(b, section), section))
        for path in sorted(set(fa) | set(fb), key=_path_key):
            if path not in fb:
                changes.append({"path": path, "a": fa[path], "b": None, "only": "a"})
            elif path not in fa:
                changes.append({"path": path, "a": None, "b": fb[path], "only": "b"})
            elif not _same(fa[path], fb[path], rtol):
                changes.append({"path": path, "a": fa[path], "b": fb[path]})
    inputs_diff: list[str] = []
    if (a.inputs or "") != (b.inputs or ""):
        inputs_diff = list(
            difflib.unified_diff(
                (a.inputs or "").splitlines(),
                (b.inputs or "").splitlines(),
                fromfile=f"run {a.id}",
                tofile=f"run {b.id}",
                lineterm="",
                n=2,
            )
        )
    return {
        "a": a.id,
        "b": b.id,
        "identical": not changes and not inputs_diff,
        "changes": changes,
        "inputs": inputs_diff,
    }


def _path_key(path: str) -> tuple[Any, ...]:
    """Sort key for key paths that orders list indices numerically."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", path) if p)


# --------------------------------------------------------------------------- module API
_STORES: dict[str, RunStore] = {}
_STORES_LOCK = threading.Lock()


def open_store(url: str | RunStore | None = None) -> RunStore:
    """The run store at ``url`` (see :func:`resolve_url`), shared within a process."""
    if isinstance(url, RunStore):
        return url
    resolved = resolve_url(url)
    with _STORES_LOCK:
        store = _STORES.get(resolved)
        if store is None or store.pid != os.getpid():
            store = RunStore(resolved)
            _STORES[resolved] = store
        return store


def save_run(
    kind: str,
    results: Any,  # noqa: ANN401
    *,
    scenario: Any = None,  # noqa: ANN401
    manifest: dict[str, Any] | None = None,
    inputs: str | None = None,
    status: str = "ok",
    store: str | RunStore | None = None,
) -> str:
    """Save a run to the store (default store unless ``store``) and return its id.

    With ``scenario`` (a :class:`melian.scenario.Scenario`) the scenario id and hash are taken
    from it and, unless ``inputs`` is given, its YAML text is stored as the run's inputs.
    """
    sid = shash = None
    if scenario is not None:
        # lazy: the scenario schema (pydantic) is not needed to list or read runs
        from melian.scenario.loader import content_hash, to_yaml

        sid, shash = scenario.id, content_hash(scenario)
        if inputs is None:
            inputs = to_yaml(scenario)
    return open_store(store).save_run(
        kind,
        results,
        manifest=manifest,
        inputs=inputs,
        scenario_id=sid,
        scenario_hash=shash,
        status=status,
    )


def get_run(ref: str, *, store: str | RunStore | None = None) -> Run:
    """The run with id (or unique prefix) ``ref``."""
    return open_store(store).get_run(ref)


def list_runs(*, store: str | RunStore | None = None, **filters: Any) -> list[RunSummary]:  # noqa: ANN401
    """Stored runs, newest first (filters: limit, offset, scenario_id, kind)."""
    return open_store(store).list_runs(**filters)


def diff_runs(
    a: str | Run, b: str | Run, *, rtol: float = 0.0, store: str | RunStore | None = None
) -> dict[str, Any]:
    """What differs between two runs (ids or :class:`Run` objects).

    Manifests and results are flattened to key paths (``results.models.median.issues[0].point``)
    and compared leaf by leaf; numbers are equal if exactly equal (or within relative tolerance
    ``rtol``). ``changes`` lists ``{"path", "a", "b"}`` for every differing leaf (a leaf present
    in one run only carries ``"only": "a"|"b"``); ``inputs`` is a unified diff of the scenario
    texts; ``identical`` is true when nothing differs.
    """
    ra = a if isinstance(a, Run) else open_store(store).get_run(a)
    rb = b if isinstance(b, Run) else open_store(store).get_run(b)
    return _diff(ra, rb, rtol=rtol)


def export_run(ref: str, *, store: str | RunStore | None = None) -> dict[str, Any]:
    """A run as JSON-ready data."""
    return open_store(store).export_run(ref)


__all__ = [
    "ENV_VAR",
    "Run",
    "RunStore",
    "RunSummary",
    "canonical_json",
    "default_store_path",
    "diff_runs",
    "export_run",
    "flatten",
    "get_run",
    "list_runs",
    "open_store",
    "resolve_url",
    "save_run",
]
