"""The one JSON serialiser of melian, with its one NaN policy.

Every result object's ``to_dict()``, the command line's ``--json`` output, the brief's JSON file,
the run store and the world model's Parquet metadata go through :func:`to_jsonable`:

* numpy scalars and arrays become Python numbers and lists;
* **non-finite floats (NaN, +inf, -inf) become ``null``**: JSON has no NaN, and in melian's
  results a non-finite number always means "no value" (an actor with no position, a price the
  model could not determine);
* objects with a ``to_dict()`` method are serialised through it; dates and times use ISO 8601;
  paths become strings; tuples become lists; mapping keys become strings.

Anything else raises :class:`TypeError` (the caller decides how to report it).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import PurePath
from typing import Any

import numpy as np

__all__ = ["canonical", "dumps", "num", "to_jsonable"]


def num(x: float | None) -> float | None:
    """``x`` as a float, or ``None`` when it is missing or not finite (the NaN policy)."""
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def to_jsonable(obj: Any) -> Any:  # noqa: ANN401
    """Plain JSON data (dict, list, str, int, float, bool, None) from ``obj``.

    Parameters
    ----------
    obj
        Any nesting of mappings, sequences, numbers (Python or numpy), numpy arrays, strings,
        dates, paths and objects with a ``to_dict()`` method.

    Returns
    -------
    Any
        The same data with only JSON types; non-finite floats are ``None``.

    Raises
    ------
    TypeError
        For a value of a type JSON cannot hold.
    """
    t = type(obj)
    if t is float:  # the commonest case first: results are mostly numbers
        return obj if math.isfinite(obj) else None
    if obj is None or t is str or t is bool or t is int:
        return obj
    if t is list or t is tuple:
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return num(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return _array(obj)
    if isinstance(obj, dict):
        return {_key(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "to_dict"):
        return to_jsonable(obj.to_dict())
    if isinstance(obj, (dt.date, dt.datetime, dt.time)):
        return obj.isoformat()
    if isinstance(obj, PurePath):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _array(a: np.ndarray) -> Any:  # noqa: ANN401
    """A numpy array as nested lists; non-finite floats become ``None`` (vectorised)."""
    if a.dtype.kind in "biu":
        return a.tolist()
    if a.dtype.kind == "f":
        finite = np.isfinite(a)
        if finite.all():
            return a.tolist()
        out = a.astype(object)
        out[~finite] = None
        return out.tolist()
    return to_jsonable(a.tolist())


def _key(k: Any) -> str:  # noqa: ANN401
    """A mapping key as JSON writes it (``json.dumps`` spelling for numbers and booleans)."""
    if isinstance(k, str):
        return k
    if isinstance(k, (bool, int, float, np.generic)) or k is None:
        return json.dumps(k.item() if isinstance(k, np.generic) else k)
    return str(k)


def dumps(obj: Any, *, indent: int | None = 2) -> str:  # noqa: ANN401
    """Readable JSON text of ``obj`` (key order kept, NaN as ``null``): ``--json`` and files."""
    return json.dumps(to_jsonable(obj), indent=indent, allow_nan=False, ensure_ascii=True)


def canonical(obj: Any) -> str:  # noqa: ANN401
    """Canonical JSON text of ``obj``: sorted keys, no spaces, UTF-8 kept, NaN as ``null``.

    Equal data give equal bytes; the run store hashes and compares this form.
    """
    return json.dumps(
        to_jsonable(obj), sort_keys=True, separators=(",", ":"), allow_nan=False, ensure_ascii=False
    )
