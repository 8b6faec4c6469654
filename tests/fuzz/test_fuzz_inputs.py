"""CI-sized fuzzing of the scenario loader and every importer (see fuzz_targets.py).

Property: each generated input is either accepted as a valid Scenario (which exports to JSON and
YAML) or refused with a MelianError whose problems are located and readable; no other exception.
The long job is ``scripts/fuzz.py --examples 100000`` (docs/reliability.md records its counts).
"""

from __future__ import annotations

import pytest
from fuzz_targets import TARGETS, ContractViolation, run_one
from hypothesis import HealthCheck, given, settings

from melian.errors import InputError
from melian.scenario import parse_scenario
from melian.scenario.importers import from_decide

#: examples per target in the normal suite (about 40 s in total on 2 cores)
EXAMPLES = {"scenario": 700, "ktab": 600, "deu": 500, "decide": 600}


def _fuzz(name: str) -> None:
    target = TARGETS[name]

    @settings(
        max_examples=EXAMPLES[name],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(target.strategy)
    def prop(data: bytes) -> None:
        run_one(target, data)

    prop()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_reader_accepts_or_refuses_with_located_problems(name: str) -> None:
    _fuzz(name)


def test_contract_checker_catches_unlocated_problems() -> None:
    """The checker itself is not vacuous: an unlocated problem in a non-empty file is caught."""
    from fuzz_targets import check_located, is_file_wide

    from melian.errors import Problem

    bad = InputError([Problem("f.csv", None, None, "x", "something wrong")])
    with pytest.raises(ContractViolation):
        check_located(bad, b"a;b\n", is_file_wide)
    check_located(bad, b"  \n", is_file_wide)  # empty input: nothing to point at


# ---------------------------------------------------------------- regressions found by fuzzing
@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 5000 + "]" * 5000,
        "a: " + "{a: " * 3000 + "1" + "}" * 3000,
        "".join("  " * k + f"k{k}:\n" for k in range(400)),
        "- " * 3000 + "1",
    ],
)
def test_deep_nesting_is_a_located_refusal(text: str) -> None:
    """Deeply nested YAML used to exhaust the stack (RecursionError) in PyYAML's composer."""
    with pytest.raises(InputError, match="nested deeper than 100 levels") as exc:
        parse_scenario(text, "deep.yaml")
    (p,) = exc.value.problems
    assert p.file == "deep.yaml" and p.line is not None


def test_decide_duplicate_position_is_located(tmp_path) -> None:
    """Two #D lines for one actor and issue used to be refused without a line number."""
    f = tmp_path / "dup.csv"
    f.write_text("#A;a;A\n#P;i;I\n#D;a;i;10;50;1\n#D;a;i;20;50;1\n")
    with pytest.raises(InputError) as exc:
        from_decide(f)
    (p,) = exc.value.problems
    assert p.line == 4 and "already has a position on issue 'i' (line 3)" in p.message
