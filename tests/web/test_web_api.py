"""The web app's JSON API and pages: scenarios, edits, background runs, compare, briefs."""

from __future__ import annotations

import yaml
from conftest import HOSTILE_NAME, MINIMAL, wait_job

from melian.bargaining.adapters import problem_from_scenario
from melian.bargaining.registry import MODELS
from melian.scenario import parse_scenario


def direct_points(big_presence: float, model: str) -> dict[str, float]:
    """Point forecasts of ``model`` computed without the web app, for minimal.yaml edited."""
    data = yaml.safe_load(MINIMAL.read_text())
    data["issues"][0]["positions"][1]["position"] = big_presence
    s = parse_scenario(yaml.safe_dump(data))
    problem_from_scenario(s)  # same adapter as the app
    return MODELS[model].run(problem_from_scenario(s)).point()


def test_health_and_kinds(client) -> None:
    assert client.get("/api/health").json()["status"] == "ok"
    kinds = {k["kind"]: k for k in client.get("/api/kinds").json()}
    assert "forecast" in kinds and "models" in kinds["forecast"]["params_schema"]["properties"]


def test_catalogue_lists_builtin_and_user_and_broken(client) -> None:
    entries = {(e["origin"], e["name"]): e for e in client.get("/api/scenarios").json()}
    assert entries[("user", "minimal")]["scenario_id"] == "minimal"
    assert entries[("user", "minimal")]["error"] is None
    broken = entries[("user", "broken")]
    assert broken["error"] and "broken.yaml" in broken["error"]
    assert all(e["origin"] in ("builtin", "user") for e in entries.values())


def test_table_and_scenario_data(client) -> None:
    t = client.get("/api/scenarios/user/minimal/table").json()
    assert [a["id"] for a in t["actors"]][:3] == ["small", "big", "rival"]
    assert t["actors"][0]["capability_series"].startswith("cow-cinc 645 2019")
    assert t["actors"][0]["capability"] > 0
    assert t["issues"][0]["positions"][1] == {
        "index": 1,
        "actor": "big",
        "position": 60.0,
        "salience": 50.0,
        "source": "analyst",
        "judgement": True,
    }
    data = client.get("/api/scenarios/user/minimal").json()
    assert data["metadata"]["id"] == "minimal"
    assert client.get("/api/scenarios/user/nope").status_code == 404
    assert client.get("/api/scenarios/builtin/minimal").status_code == 404
    assert client.get("/api/scenarios/other/minimal").status_code == 422


def test_edit_validation_reports_located_problems(client) -> None:
    ok = client.post(
        "/api/scenarios/user/minimal/edit",
        json={"positions": [{"issue": "presence", "actor": "big", "position": 70}]},
    )
    assert ok.status_code == 200 and ok.json()["valid"] is True
    assert "position: 70.0" in ok.json()["yaml"]
    bad = client.post(
        "/api/scenarios/user/minimal/edit",
        json={
            "positions": [{"issue": "presence", "actor": "big", "position": 150, "salience": -5}],
            "capabilities": [{"actor": "faction", "value": -1}, {"actor": "ghost", "value": 1}],
        },
    )
    body = bad.json()
    assert bad.status_code == 200 and body["valid"] is False
    assert [p["path"] for p in body["problems"]] == ["capabilities[1].actor"]
    bad = client.post(
        "/api/scenarios/user/minimal/edit",
        json={
            "positions": [{"issue": "presence", "actor": "big", "position": 150, "salience": -5}]
        },
    )
    paths = {p["path"]: p["message"] for p in bad.json()["problems"]}
    assert "outside the scale" in paths["issues[0].positions[1].position"]
    assert "salience scale" in paths["issues[0].positions[1].salience"]
    assert all(p["line"] is not None for p in bad.json()["problems"])
    bad = client.post(
        "/api/scenarios/user/minimal/edit",
        json={"capabilities": [{"actor": "faction", "value": -1}]},
    )
    paths = {p["path"]: p["message"] for p in bad.json()["problems"]}
    assert "greater than 0" in paths["actors[3].capability.value"]


def test_validate_text_refuses_yaml_tags(client) -> None:
    r = client.post(
        "/api/scenarios/validate",
        json={"yaml": "metadata: !!python/object/apply:os.system ['true']\n"},
    )
    body = r.json()
    assert r.status_code == 200 and body["valid"] is False
    assert "not allowed" in body["problems"][0]["message"] and body["problems"][0]["line"] == 1
    good = client.post("/api/scenarios/validate", json={"yaml": MINIMAL.read_text()}).json()
    assert good["valid"] and good["scenario_id"] == "minimal"


def test_run_forecast_edit_and_compare(client) -> None:
    params = {"models": ["compromise", "median"]}
    r = client.post(
        "/api/runs",
        json={
            "kind": "forecast",
            "params": params,
            "scenario": {"origin": "user", "name": "minimal"},
        },
    )
    assert r.status_code == 202
    job = wait_job(client, r.json()["id"])
    assert job["status"] == "done" and job["progress"] == 1.0
    run1 = client.get(f"/api/runs/{job['run_id']}").json()
    r = client.post(
        "/api/runs",
        json={
            "kind": "forecast",
            "params": params,
            "scenario": {"origin": "user", "name": "minimal"},
            "edits": {"positions": [{"issue": "presence", "actor": "big", "position": 95}]},
        },
    )
    job2 = wait_job(client, r.json()["id"])
    run2 = client.get(f"/api/runs/{job2['run_id']}").json()
    for model in ("compromise", "median"):
        for big, run in ((60.0, run1), (95.0, run2)):
            expected = direct_points(big, model)
            for issue, value in expected.items():
                assert abs(run["results"]["points"][issue][model] - value) < 1e-12
    assert (
        run2["results"]["points"]["presence"]["compromise"]
        > run1["results"]["points"]["presence"]["compromise"]
    )
    assert run1["manifest"]["scenario_id"] == "minimal" and run1["manifest"]["params"] == {
        "models": ["compromise", "median"],
        "issues": None,
    }
    assert run1["scenario_hash"] != run2["scenario_hash"]
    assert "position: 95.0" in run2["inputs"]
    d = client.get(f"/api/runs/{run1['id']}/diff/{run2['id']}").json()
    paths = {c["path"] for c in d["changes"]}
    assert "results.points.presence.compromise" in paths and "scenario_hash" in paths
    assert "results.points.aid.compromise" not in paths
    assert any(line.startswith("+") and "95.0" in line for line in d["inputs"])
    listed = [x["id"] for x in client.get("/api/runs?scenario_id=minimal").json()]
    assert set(listed) == {run1["id"], run2["id"]}
    page = client.get(f"/compare?a={run1['id']}&b={run2['id']}")
    assert page.status_code == 200 and "compare-points" in page.text
    exported = client.get(f"/api/runs/{run1['id']}/export")
    assert exported.json()["format"] == "melian-run"
    assert "attachment" in exported.headers["content-disposition"]


def test_run_with_posted_yaml_and_failures(client) -> None:
    r = client.post(
        "/api/runs",
        json={"kind": "forecast", "yaml": MINIMAL.read_text(), "params": {"models": ["median"]}},
    )
    assert wait_job(client, r.json()["id"])["status"] == "done"
    r = client.post(
        "/api/runs",
        json={
            "kind": "forecast",
            "yaml": MINIMAL.read_text(),
            "params": {"models": ["no-such-model"]},
        },
    )
    job = wait_job(client, r.json()["id"])
    assert job["status"] == "failed" and "unknown bargaining model" in job["error"]
    failed = client.get(f"/api/runs/{job['run_id']}").json()
    assert failed["status"] == "failed"
    assert client.post("/api/runs", json={"kind": "nope", "yaml": "x"}).status_code == 422
    r = client.post(
        "/api/runs",
        json={
            "kind": "forecast",
            "params": {"bogus": 1},
            "scenario": {"origin": "user", "name": "minimal"},
        },
    )
    assert r.status_code == 422 and r.json()["problems"][0]["path"] == "params.bogus"
    r = client.post("/api/runs", json={"kind": "forecast"})
    assert r.status_code == 422
    r = client.post("/api/runs", json={"kind": "forecast", "yaml": "metadata: [\n"})
    assert r.status_code == 422 and "YAML syntax" in r.json()["problems"][0]["message"]
    assert client.get("/api/jobs/" + "0" * 32).status_code == 404
    assert client.get("/api/runs/nope").status_code == 404


def test_save_user_scenario(client, web_env) -> None:
    text = MINIMAL.read_text()
    r = client.put("/api/scenarios/user/copy", json={"yaml": text})
    assert r.status_code == 201 and (web_env["scenarios"] / "copy.yaml").exists()
    assert client.put("/api/scenarios/user/copy", json={"yaml": text}).status_code == 409
    assert (
        client.put("/api/scenarios/user/copy", json={"yaml": text, "overwrite": True}).status_code
        == 201
    )
    assert client.put("/api/scenarios/user/..%2Fescape", json={"yaml": text}).status_code in (
        404,
        422,
    )
    assert client.put("/api/scenarios/user/.hidden", json={"yaml": text}).status_code == 422
    assert not (web_env["root"] / "escape.yaml").exists()


# --------------------------------------------------------------------------- HTML pages
def test_pages_render(client) -> None:
    for url in ("/", "/runs", "/briefs/", "/docs", "/scenarios/user/minimal"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert "<script>" not in r.text  # only external /static/app.js
    assert client.get("/static/app.js").status_code == 200


def test_form_edit_check_run_and_errors(client) -> None:
    form = {"pos-0-1": "95", "sal-0-1": "50", "action": "check"}
    r = client.post("/scenarios/user/minimal", data=form)
    assert r.status_code == 200 and "the edited scenario is valid" in r.text
    r = client.post(
        "/scenarios/user/minimal",
        data={"pos-0-1": "abc", "sal-0-2": "500", "cap-3": "-2", "action": "run"},
    )
    assert r.status_code == 422
    assert "valid number" in r.text and "greater than 0" in r.text
    assert 'value="abc"' in r.text  # the user's input is kept for correction
    assert r.text.count('class="error"') == 2  # the two offending cells are marked
    r = client.post("/scenarios/user/minimal", data={"sal-0-2": "500", "action": "check"})
    assert r.status_code == 422 and "salience scale" in r.text
    assert client.get("/api/runs").json() == []  # nothing ran
    r = client.post(
        "/scenarios/user/minimal",
        data={"pos-0-1": "95", "action": "run", "kind": "forecast"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    job = wait_job(client, r.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/runs/{job['run_id']}")
    assert page.status_code == 200 and 'id="points"' in page.text
    assert 'id="charts"' in page.text and "<polyline" in page.text


def test_form_save_as(client, web_env) -> None:
    r = client.post(
        "/scenarios/user/minimal",
        data={"pos-0-1": "80", "action": "save", "save_name": "m2"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/scenarios/user/m2"
    t = client.get("/api/scenarios/user/m2/table").json()
    assert t["issues"][0]["positions"][1]["position"] == 80.0
    r = client.post("/scenarios/user/minimal", data={"action": "save", "save_name": "../x"})
    assert r.status_code == 422


def test_upload_form(client, web_env) -> None:
    data = yaml.safe_load(MINIMAL.read_text())
    data["metadata"]["id"] = "uploaded"
    files = {"file": ("up.yaml", yaml.safe_dump(data).encode(), "application/x-yaml")}
    r = client.post("/scenarios/upload", files=files, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/scenarios/user/uploaded"
    files = {"file": ("evil.yaml", b"a: !!python/name:os.system\n", "application/x-yaml")}
    r = client.post("/scenarios/upload", files=files)
    assert r.status_code == 422 and "not allowed" in r.text
    files = {"file": ("bin.yaml", b"\xff\xfe\x00", "application/x-yaml")}
    assert client.post("/scenarios/upload", files=files).status_code == 422


def test_hostile_names_are_escaped(client) -> None:
    r = client.get("/scenarios/user/hostile")
    assert r.status_code == 200
    assert (
        HOSTILE_NAME not in r.text and "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in r.text
    )
    assert "<img src=x" not in r.text and "</table><script>" not in r.text
    index = client.get("/").text
    assert "<img src=x" not in index and "&lt;img src=x" in index
    r = client.post(
        "/api/runs",
        json={
            "kind": "forecast",
            "params": {"models": ["median"]},
            "scenario": {"origin": "user", "name": "hostile"},
        },
    )
    job = wait_job(client, r.json()["id"])
    page = client.get(f"/runs/{job['run_id']}").text
    assert "<script>window" not in page


def test_runs_page_compare_form(client) -> None:
    ids = []
    for big in (60, 70):
        r = client.post(
            "/api/runs",
            json={
                "kind": "forecast",
                "params": {"models": ["median"]},
                "scenario": {"origin": "user", "name": "minimal"},
                "edits": {"positions": [{"issue": "presence", "actor": "big", "position": big}]},
            },
        )
        ids.append(wait_job(client, r.json()["id"])["run_id"])
    page = client.get("/runs").text
    assert page.count('type="radio" name="a"') == 2 and 'id="compare"' in page
    # the newest run is b and the newest earlier run of the same kind is a
    assert f'value="{ids[0]}" aria-label="compare {ids[0]} as a" checked' in page
    assert f'value="{ids[1]}" aria-label="compare {ids[1]} as b" checked' in page
    r = client.get(f"/compare?a={ids[0]}&b={ids[1]}")
    assert r.status_code == 200
    # what changed, in names: the input (issue and actor names) and the result row of the issue
    inputs = r.text.split('id="inputs-changes"')[1].split("</table>")[0]
    assert "Size of the patron&#39;s military presence · Big Power · position" in inputs
    assert "<bdi>60</bdi>" in inputs and "<bdi>70</bdi>" in inputs
    assert inputs.count("<tr>") == 2  # the header and the one changed value
    points = r.text.split('id="compare-points"')[1].split("</table>")[0]
    assert "Size of the patron&#39;s military presence" in points
    assert "Economic support" not in points  # unchanged: collapsed below the table
    assert "1 unchanged rows" in r.text and "results.points" not in r.text
    assert client.get(f"/compare?a={ids[0]}&b=nope").status_code == 404


def test_trajectory_chart_escapes_and_skips_missing() -> None:
    from melian.web.charts import chart_model, trajectory_svg

    svg = str(
        trajectory_svg(
            {
                "issue": "<i>",
                "point": 5.0,
                "trajectory": {
                    "<script>x</script>": [0.0, 5.0, None],
                    "b": [10.0, 5.0, 5.0],
                    "gone": [None, None],
                },
            }
        )
    )
    assert svg.startswith("<svg") and "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<polyline") == 2 and "gone" not in svg
    assert str(trajectory_svg({"issue": "x", "point": 1.0, "trajectory": {}})) == ""
    results = {
        "default_model": "compromise",
        "models": {"compromise": {"rounds": 0}, "bdm": {"rounds": 5}},
    }
    assert chart_model(results) == "bdm"
    results["models"]["compromise"]["rounds"] = 3
    assert chart_model(results) == "compromise"
    assert chart_model({"models": {}}) is None


def test_request_types_are_strict(client) -> None:
    """A boolean is not a position, a string is not a number: refused, with the field's path."""
    url = "/api/scenarios/user/minimal/edit"
    cases = [
        ({"positions": [{"issue": "presence", "actor": "big", "position": True}]}, "position"),
        ({"positions": [{"issue": "presence", "actor": "big", "salience": "50"}]}, "salience"),
        ({"capabilities": [{"actor": "faction", "value": False}]}, "value"),
        ({"capabilities": [{"actor": "faction", "value": "0.5"}]}, "value"),
    ]
    for body, field in cases:
        r = client.post(url, json=body)
        assert r.status_code == 422, body
        problems = r.json()["problems"]
        assert len(problems) == 1 and problems[0]["path"].endswith(f".0.{field}"), problems
    # integers are numbers: still accepted as positions
    ok = client.post(
        url, json={"positions": [{"issue": "presence", "actor": "big", "position": 70}]}
    )
    assert ok.status_code == 200 and ok.json()["valid"] is True
    # the same rule for analysis parameters and flags
    ref = {"origin": "user", "name": "minimal"}
    for kind, params, path in [
        ("simulate", {"paths": "200"}, "params.paths"),
        ("simulate", {"paths": 200.0}, "params.paths"),
        ("simulate", {"horizon": True}, "params.horizon"),
        ("brief", {"quick": "yes"}, "params.quick"),
        ("brief", {"pdf": 1}, "params.pdf"),
    ]:
        r = client.post("/api/runs", json={"kind": kind, "scenario": ref, "params": params})
        assert r.status_code == 422, (kind, params)
        assert r.json()["problems"][0]["path"] == path
    r = client.put("/api/scenarios/user/other", json={"yaml": MINIMAL.read_text(), "overwrite": 1})
    assert r.status_code == 422 and r.json()["problems"][0]["path"] == "body.overwrite"


def test_models_come_from_the_bargaining_registry(client) -> None:
    """The web offers and runs exactly the models of melian.bargaining.registry."""
    from melian.bargaining import registry

    listed = client.get("/api/models").json()
    assert [m["name"] for m in listed] == registry.model_names()
    for m in listed:
        assert m["summary"] == registry.get_model(m["name"]).summary
        assert m["defaults"] == registry.get_model(m["name"]).defaults
    r = client.post(
        "/api/runs", json={"kind": "forecast", "scenario": {"origin": "user", "name": "minimal"}}
    )
    job = wait_job(client, r.json()["id"])
    assert job["status"] == "done"
    results = client.get(f"/api/runs/{job['run_id']}").json()["results"]
    assert set(results["models"]) | set(results["errors"]) == set(registry.model_names())
    page = client.get(f"/runs/{job['run_id']}").text
    assert registry.get_model("compromise").summary in page  # column headers explain the models
