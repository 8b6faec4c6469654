"""Helpers of the tests that write scenario variants: exact text edits and source lines."""

from __future__ import annotations

from pathlib import Path


def edited(text: str, *edits: tuple[str, str]) -> str:
    """``text`` with each (old, new) replaced once (each old must occur exactly once)."""
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def write_variant(path: Path, text: str, *edits: tuple[str, str]) -> Path:
    """Write ``text`` with ``edits`` (:func:`edited`) to ``path``; return ``path``."""
    path.write_text(edited(text, *edits), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line of ``path`` containing ``needle``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(k for k, ln in enumerate(lines, 1) if needle in ln)
