"""melian's local web app: ``melian serve`` or ``create_app()`` for an ASGI server."""

from melian.web.app import create_app

__all__ = ["create_app"]
