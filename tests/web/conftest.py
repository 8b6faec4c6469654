"""Fixtures of the web-app tests: a server over a temporary store and scenario directory."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from melian.web import create_app

MINIMAL = Path(__file__).parents[1] / "data" / "scenarios" / "minimal.yaml"
HOSTILE_NAME = "<script>window.__pwned = 1</script>"
HOSTILE_TITLE = '"><img src=x onerror="window.__pwned=2">'


def write_scenarios(directory: Path) -> None:
    """minimal.yaml and a copy whose names are HTML/script injection attempts."""
    directory.mkdir(parents=True, exist_ok=True)
    text = MINIMAL.read_text()
    (directory / "minimal.yaml").write_text(text)
    data = yaml.safe_load(text)
    data["metadata"]["id"] = "hostile"
    data["metadata"]["title"] = HOSTILE_TITLE
    data["actors"][1]["name"] = HOSTILE_NAME
    data["issues"][0]["name"] = "</table><script>window.__pwned=3</script>"
    (directory / "hostile.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (directory / "broken.yaml").write_text("metadata: {id: broken}\nactors: 3\n")


@pytest.fixture
def web_env(tmp_path: Path) -> dict[str, Path | str]:
    scen = tmp_path / "scenarios"
    write_scenarios(scen)
    briefs = tmp_path / "briefs"
    (briefs / "sub").mkdir(parents=True)
    (briefs / "brief.html").write_text(
        "<html><body><h1>Brief</h1><img src='sub/c.png'></body></html>"
    )
    (briefs / "sub" / "c.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 16)
    (tmp_path / "secret.txt").write_text("top secret")
    return {
        "store": f"sqlite:///{tmp_path / 'runs.sqlite'}",
        "scenarios": scen,
        "briefs": briefs,
        "root": tmp_path,
    }


@pytest.fixture
def client(web_env) -> Iterator[TestClient]:
    app = create_app(
        web_env["store"], web_env["scenarios"], brief_dir=web_env["briefs"], max_body=200_000
    )
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


def wait_job(client: TestClient, job_id: str, timeout: float = 60.0) -> dict:
    """Poll a job until it is done or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")
