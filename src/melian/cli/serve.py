"""``melian serve``: the local web app (see :mod:`melian.web`)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from melian.cli.common import err_console, guard
from melian.errors import InputError, Problem


def _is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@guard
def serve_cmd(
    host: Annotated[
        str, typer.Option(help="Interface to bind (loopback by default; others need --public).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    store: Annotated[
        str | None,
        typer.Option("--store", help="Run store URL (default $MELIAN_STORE or the user store)."),
    ] = None,
    scenario_dir: Annotated[
        Path | None,
        typer.Option(
            "--scenario-dir",
            help="Directory of user scenarios (listed, and where edits are saved).",
        ),
    ] = None,
    brief_dir: Annotated[
        Path | None,
        typer.Option(
            "--brief-dir",
            help="Directory of briefs: served read-only, and where web-written briefs go.",
        ),
    ] = None,
    public: Annotated[
        bool,
        typer.Option(
            "--public", help="Allow binding a non-loopback interface (no authentication!)."
        ),
    ] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=8, help="Analyses run at the same time in the background.")
    ] = 1,
) -> None:
    """Serve the web app: browse and edit scenarios, run analyses, read briefs, compare runs."""
    if not _is_loopback(host) and not public:
        raise InputError(
            [
                Problem(
                    "--host",
                    None,
                    None,
                    "",
                    f"{host} is not a loopback address; the web app has no authentication, "
                    "so binding it needs --public",
                )
            ]
        )
    import uvicorn

    from melian.web import create_app  # lazy: FastAPI and every analysis

    extra_hosts = [] if _is_loopback(host) else [host]
    app = create_app(
        store_url=store,
        scenario_dir=scenario_dir,
        brief_dir=brief_dir,
        workers=workers,
        allowed_hosts=extra_hosts,
    )
    err_console.print(f"melian web app on http://{host}:{port}/ (Ctrl-C stops it)")
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def register(app: typer.Typer) -> None:
    """Add ``melian serve`` to the command line."""
    app.command("serve")(serve_cmd)
