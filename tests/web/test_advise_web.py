"""The levers page and its JSON endpoint (melian.web.advise)."""

from __future__ import annotations


def test_page_and_json(client):
    r = client.get("/scenarios/user/minimal/advise?draws=2")
    assert r.status_code == 200, r.text
    for sid in ("levers-stance", "levers-linkage", "levers-persuasion", "levers-coalitions"):
        assert f'id="{sid}"' in r.text
    assert 'id="persuasion"' in r.text and "sampled inputs" in r.text
    r = client.get("/scenarios/user/minimal/advise?draws=0&lang=ar")
    assert r.status_code == 200 and 'dir="rtl"' in r.text
    j = client.get("/api/scenarios/user/minimal/advise?draws=1").json()
    assert j["draws"] == 1 and j["sentences"] and j["persuasion"]
    link = client.get("/scenarios/user/minimal").text
    assert 'id="advise-link"' in link


def test_names_are_escaped(client):
    r = client.get("/scenarios/user/hostile/advise?draws=0")
    assert r.status_code == 200
    assert "<script>window.__pwned" not in r.text
    assert "&lt;script&gt;" in r.text


def test_bad_requests(client):
    r = client.get("/api/scenarios/user/minimal/advise?draws=0&actor=nobody")
    assert r.status_code == 400 and "nobody" in r.json()["error"]
    assert client.get("/api/scenarios/user/minimal/advise?draws=999").status_code == 422
    assert client.get("/scenarios/user/missing/advise").status_code == 404
