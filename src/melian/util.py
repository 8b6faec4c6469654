"""Small shared utilities: atomic file writes that respect the user's umask."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

#: Mode asked for new files; the process umask is applied by the kernel (``0666 & ~umask``).
FILE_MODE = 0o666
#: Mode asked for new directories (``0777 & ~umask``).
DIR_MODE = 0o777


def _open_temp(directory: Path, name: str) -> tuple[int, Path]:
    """Create a new, empty temporary file next to ``name`` in ``directory``; return (fd, path).

    Unlike :func:`tempfile.mkstemp` (always mode 0600), the file is created with
    :data:`FILE_MODE` so that the umask decides its permissions, as for any file a program
    writes; the mode then survives the rename onto the final name.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = directory / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, flags, FILE_MODE), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file in {directory}")


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temp file in the same directory, fsync, rename.

    A crash leaves either the old file or the new one, never a partial file. The file gets mode
    ``0666 & ~umask`` and missing parent directories ``0777 & ~umask``, like any file the user
    writes (a replaced file takes the new mode, not the old one's).
    """
    p = Path(path)
    p.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    fd, tmp = _open_temp(p.parent, p.name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: Path | str, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def numba_cache_dir() -> str:
    """A writable directory for numba's on-disk cache of melian's compiled kernels.

    ``numba`` under melian's cache directory (``$MELIAN_CACHE_DIR`` if set, else the user's
    cache directory), or under the temporary directory when that is not writable, or a new
    temporary directory.
    """
    import tempfile

    env = os.environ.get("MELIAN_CACHE_DIR")
    if env:
        base = env
    else:
        from platformdirs import user_cache_dir

        base = user_cache_dir("melian")
    for path in (os.path.join(base, "numba"), os.path.join(tempfile.gettempdir(), "melian-numba")):
        try:
            os.makedirs(path, exist_ok=True)
        except OSError:
            continue
        if os.access(path, os.W_OK):
            return path
    return tempfile.mkdtemp(prefix="melian-numba-")


def use_numba_cache() -> None:
    """Point numba's on-disk cache at :func:`numba_cache_dir` unless ``$NUMBA_CACHE_DIR`` is set.

    Called by melian's kernel modules before they import numba.
    """
    if "NUMBA_CACHE_DIR" not in os.environ:
        os.environ["NUMBA_CACHE_DIR"] = numba_cache_dir()
