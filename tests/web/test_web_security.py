"""Hardening of the web app (issue 8, item 5): origin and host checks, body limits, path
traversal, safe brief serving, no code execution from scenario files."""

from __future__ import annotations

import os

import pytest
from conftest import MINIMAL

RUN = {
    "kind": "forecast",
    "params": {"models": ["median"]},
    "scenario": {"origin": "user", "name": "minimal"},
}


def test_cross_origin_state_change_is_refused(client) -> None:
    for origin in (
        "http://evil.example",
        "http://localhost:8000",
        "null",
        "http://127.0.0.1:8001",
        "https://127.0.0.1:8000",
    ):
        r = client.post("/api/runs", json=RUN, headers={"Origin": origin})
        assert r.status_code == 403, origin
        assert "cross-origin" in r.json()["error"]
    r = client.post(
        "/scenarios/user/minimal", data={"action": "run"}, headers={"Origin": "http://evil.example"}
    )
    assert r.status_code == 403
    r = client.post("/api/runs", json=RUN, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = client.put(
        "/api/scenarios/user/x",
        json={"yaml": MINIMAL.read_text()},
        headers={"Origin": "http://evil.example"},
    )
    assert r.status_code == 403
    assert client.get("/api/runs").json() == []  # nothing was started
    # same origin and no origin (command-line clients) are accepted
    assert (
        client.post("/api/runs", json=RUN, headers={"Origin": "http://127.0.0.1:8000"}).status_code
        == 202
    )
    assert client.post("/api/runs", json=RUN).status_code == 202
    # reads are not state-changing and stay available
    assert (
        client.get("/api/scenarios", headers={"Origin": "http://evil.example"}).status_code == 200
    )


def test_unexpected_host_is_refused(client) -> None:
    r = client.get("/api/health", headers={"Host": "attacker.example"})
    assert r.status_code == 400 and "Host" in r.json()["error"]
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000"):
        assert client.get("/api/health", headers={"Host": host}).status_code == 200, host


def test_oversize_bodies_are_refused(client) -> None:
    big = "x" * 300_000
    r = client.post("/api/scenarios/validate", json={"yaml": big})
    assert r.status_code == 413 and "limit" in r.json()["error"]

    def chunks():
        for _ in range(30):
            yield b"a" * 10_000

    r = client.post(
        "/api/scenarios/validate", content=chunks(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413
    files = {"file": ("big.yaml", b"a: 1\n" * 60_000, "application/x-yaml")}
    assert client.post("/scenarios/upload", files=files).status_code == 413
    r = client.post(
        "/api/scenarios/validate",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": "abc"},
    )
    assert r.status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "../secret.txt",
        "..%2fsecret.txt",
        "%2e%2e/secret.txt",
        "sub/../../secret.txt",
        "/etc/passwd",
        "%2fetc%2fpasswd",
        "sub/..%2f..%2fsecret.txt",
        "..\\secret.txt",
        ".hidden.html",
        "sub/%00.png",
        "brief.html%00.png",
        "sub",
        "",
        "nope.html",
    ],
)
def test_brief_path_traversal_is_refused(client, path) -> None:
    r = client.get(f"/briefs/{path}")
    assert r.status_code in (404, 200), path
    if r.status_code == 200:
        # only the listing page itself may answer
        assert path == "" and "Briefs" in r.text
    assert "top secret" not in r.text


def test_brief_symlink_escape_is_refused(client, web_env) -> None:
    os.symlink(web_env["root"] / "secret.txt", web_env["briefs"] / "link.html")
    os.symlink(web_env["root"], web_env["briefs"] / "up")
    assert client.get("/briefs/link.html").status_code == 404
    assert client.get("/briefs/up/secret.txt").status_code == 404
    paths = [f["path"] for f in client.get("/api/briefs").json()]
    assert paths == ["brief.html", "sub/c.png"]


def test_briefs_are_served_sandboxed(client) -> None:
    r = client.get("/briefs/brief.html")
    assert r.status_code == 200 and "<h1>Brief</h1>" in r.text
    csp = r.headers["content-security-policy"]
    assert csp.startswith("sandbox") and "script-src" not in csp and "default-src 'none'" in csp
    png = client.get("/briefs/sub/c.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert "brief.html" in client.get("/briefs/").text


def test_scenario_names_cannot_escape(client, web_env) -> None:
    (web_env["root"] / "outside.yaml").write_text(MINIMAL.read_text())
    for name in ("..%2Foutside", "%2E%2E%2Foutside", "..", "a%00b"):
        r = client.get(f"/api/scenarios/user/{name}/table")
        assert r.status_code in (404, 422), name
    os.symlink(web_env["root"] / "outside.yaml", web_env["scenarios"] / "sneaky.yaml")
    assert client.get("/api/scenarios/user/sneaky").status_code == 404


def test_security_headers(client) -> None:
    r = client.get("/")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "same-origin"
