"""The server suite inside a project's own pytest run, one test per operation.

    # test_venice_contract.py
    from contracts.pytest_entry import contract_test

    test_venice_contract = contract_test("http://127.0.0.1:8000/api/v1", api_key="...", max_examples=25)

Each operation the safety rules allow becomes a test case (`test_venice_contract[listModels]`);
it fails with the drift found: the check, the evidence and a curl command that reproduces it.
Without a base URL the in-process mock is checked.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from contracts.safety import Redactor, plan
from contracts.server.console import print_result
from contracts.server.results import SuiteOptions
from contracts.server.runner import run_suite
from mockserver import Spec, load_spec


def contract_test(
    base_url: str | None = None, *, spec: Spec | None = None, **options: Any
) -> Callable[[str], None]:
    """A pytest test function parametrized by operationId; `options` are SuiteOptions fields
    (api_key, operations, max_examples, seed, allow_mutations, allow_costly, max_requests, ...)."""
    settings = replace(SuiteOptions(seed=0, max_examples=25), base_url=base_url, **options)
    contract = spec or load_spec()
    chosen = plan(
        contract.operations,
        settings.operations,
        local=base_url is None,
        allow_mutations=settings.allow_mutations,
        allow_costly=settings.allow_costly,
    )

    @pytest.mark.parametrize("operation_id", chosen.run)
    def test_contract(operation_id: str) -> None:
        result = run_suite(replace(settings, operations=(operation_id,)), spec=contract)
        if result.exit_code != 0:
            report = io.StringIO()
            print_result(result, report, Redactor([settings.api_key]))
            pytest.fail(report.getvalue(), pytrace=False)

    return test_contract
