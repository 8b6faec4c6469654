"""The one registry of bargaining models: display metadata and tolerance of missing modules."""

from __future__ import annotations

import json

import pytest

from melian.bargaining import registry


def test_every_model_describes_itself() -> None:
    names = registry.model_names()
    assert [m.name for m in registry.installed_models()] == names
    for name in names:
        d = registry.get_model(name).describe()
        assert d["name"] == name and d["title"] and d["summary"] and d["citation"]
        assert d["defaults"] == registry.get_model(name).defaults
        json.dumps(d)  # JSON-ready


def test_title_falls_back_to_the_name() -> None:
    spec = registry.get_model("compromise")
    assert registry.ModelSpec("x", spec.run, "s", "c").title == "x"
    assert registry.ModelSpec("x", spec.run, "s", "c", label="Model X").title == "Model X"


def test_installed_models_skip_a_module_that_cannot_import(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registry, "_MODULES", (*registry._MODULES, "melian.bargaining._absent"))
    with pytest.raises(ImportError):
        registry.model_names()
    assert [m.name for m in registry.installed_models()] == list(registry.MODELS)
