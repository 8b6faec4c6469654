"""The web face stays thin: short functions, endpoints in routers, create_app only assembles."""

from __future__ import annotations

import ast
from pathlib import Path

import melian.web
from melian.web import create_app

WEB = Path(melian.web.__file__).parent
#: Longest function allowed in the web package (lines, decorators excluded).
MAX_LINES = 100


def test_no_long_functions_in_the_web_package() -> None:
    long = []
    for path in sorted(WEB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_LINES:
                    long.append(f"{path.relative_to(WEB)}:{node.lineno} {node.name} ({n} lines)")
    assert not long, "functions over 100 lines: " + "; ".join(long)


def test_create_app_only_assembles(tmp_path: Path) -> None:
    """create_app builds state and includes routers; no endpoint is defined inside it."""
    import inspect

    from melian.web import app as app_module

    source = inspect.getsource(app_module)
    assert ".get(" not in source and ".post(" not in source and ".put(" not in source
    assert len(inspect.getsource(create_app).splitlines()) <= 80
    app = create_app(f"sqlite:///{tmp_path / 'runs.sqlite'}", brief_dir=tmp_path / "briefs")
    paths = set(app.openapi()["paths"])
    assert {"/api/health", "/api/runs", "/api/scenarios/{origin}/{name}/edit"} <= paths
