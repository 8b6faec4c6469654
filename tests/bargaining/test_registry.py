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
    names = [m.name for m in registry.installed_models()]
    # every model that imports, the built-ins in their declared order
    assert set(names) == set(registry.MODELS) and names == registry._ordered()
    assert names[: len(registry._HOME)] == list(registry._HOME)


def test_one_model_loads_alone_and_the_order_stays_declared() -> None:
    """A fresh process that asks for smp imports smp's module only (start-up, issue 12); the
    names come in the declared order whichever model was used first."""
    import subprocess
    import sys

    code = (
        "import sys; from melian.bargaining.registry import get_model, model_names, _HOME;"
        "get_model('smp');"
        "print(sorted(m for m in _HOME.values() if m in sys.modules));"
        "print(model_names() == list(_HOME))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "['melian.bargaining.smp']"
    assert out[1] == "True"


def test_every_built_in_registers_where_declared() -> None:
    from melian.bargaining.registry import _HOME, get_model

    for name, module in _HOME.items():
        assert get_model(name).run.__module__ == module, name
