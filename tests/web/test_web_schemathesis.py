"""Property-based tests of the JSON API from its own OpenAPI document (schemathesis).

Every operation gets a bounded number of generated requests (valid and invalid ones); each
response must not be a server error, must use a documented status code, content type, headers
and response schema, and invalid requests must be rejected.

(schemathesis 4.32's ``pytest.from_fixture`` does not work with pytest 9 -- it reads a private
``_nodeid`` attribute -- so the operations are driven directly with hypothesis here.)
"""

from __future__ import annotations

import pytest
import schemathesis
from conftest import write_scenarios
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from melian.web import create_app


def negative_data_rejection(ctx, response, case):
    """schemathesis's check, also accepting 413: an oversize invalid body is refused unread."""
    if response.status_code == 413:
        return None
    return checks.negative_data_rejection(ctx, response, case)


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    negative_data_rejection,
]
EXAMPLES = 20


@pytest.fixture(scope="module")
def web_schema(tmp_path_factory):
    root = tmp_path_factory.mktemp("schemathesis")
    write_scenarios(root / "scenarios")
    app = create_app(
        f"sqlite:///{root / 'runs.sqlite'}",
        root / "scenarios",
        brief_dir=root / "briefs",
        max_body=200_000,
        allowed_hosts=["testserver"],
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_openapi_document(web_schema, mode) -> None:
    operations = [r.ok() for r in web_schema.get_all_operations()]
    assert len(operations) >= 12
    tested = 0
    for op in operations:

        @given(case=op.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            case.call_and_validate(checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            # no invalid request exists for an operation without parameters or body
            assert mode == GenerationMode.NEGATIVE
            continue
        except Exception as exc:
            raise AssertionError(f"{op.method.upper()} {op.path} ({mode.value}): {exc}") from exc
        tested += 1
    assert tested >= 9
