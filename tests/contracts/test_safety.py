"""Safety for real endpoints: what may run, the request budget, 429 + Retry-After, redaction."""

from __future__ import annotations

import email.utils

import httpx
import pytest
import requests

from contracts.checks.reader import Limits
from contracts.safety import Budget, BudgetExhausted, Redactor, UsageError, classify, plan
from contracts.server.transport import Transport, curl_command, retry_after
from mockserver import Spec

KEY = "sk-very-secret-key"


def test_operations_are_classified_by_method_and_billing(spec: Spec) -> None:
    kinds = {op.operation_id: classify(op) for op in spec.operations}
    assert kinds["listModels"] == kinds["getImageStyles"] == kinds["getBillingUsage"] == "read-only"
    assert kinds["createApiKey"] == kinds["deleteApiKey"] == kinds["postApiKeyGenerateWeb3Key"] == "mutating"
    costly = {oid for oid, kind in kinds.items() if kind == "costly"}
    assert costly == {
        "createChatCompletion",
        "generateImage",
        "simpleGenerateImage",
        "upscaleImage",
        "editImage",
        "createEmbedding",
        "createSpeech",
    }


def test_a_real_server_gets_read_only_operations_by_default(spec: Spec) -> None:
    chosen = plan(spec.operations, local=False)
    assert all(classify(spec.operation(oid)) == "read-only" for oid in chosen.run)
    assert len(chosen.run) == 10
    reasons = dict(chosen.skipped)
    assert reasons["createApiKey"].startswith("mutating")
    assert reasons["createChatCompletion"].startswith("costly")


def test_mutations_and_costs_are_opt_in(spec: Spec) -> None:
    assert "createApiKey" in plan(spec.operations, local=False, allow_mutations=True).run
    assert "createChatCompletion" in plan(spec.operations, ["createChatCompletion"], local=False).run
    assert "createSpeech" in plan(spec.operations, local=False, allow_costly=True).run
    named = plan(spec.operations, ["createApiKey", "listModels"], local=False)
    assert named.run == ("listModels",)  # naming a mutating operation is not enough


def test_the_mock_runs_everything_and_unknown_operations_are_a_usage_error(spec: Spec) -> None:
    assert len(plan(spec.operations, local=True).run) == 20
    with pytest.raises(UsageError, match="nope"):
        plan(spec.operations, ["nope"], local=True)


def test_the_budget_counts_every_request() -> None:
    budget = Budget(2)
    budget.take()
    budget.take()
    with pytest.raises(BudgetExhausted):
        budget.take()
    unlimited = Budget(None)
    for _ in range(1000):
        unlimited.take()


def test_the_redactor_hides_the_key_and_every_authorization_value() -> None:
    redact = Redactor([KEY, None])
    text = f"curl -H 'Authorization: Bearer {KEY}' -H 'authorization: Basic abc' -d '{{\"k\": \"{KEY}\"}}'"
    cleaned = redact(text)
    assert KEY not in cleaned
    assert "abc" not in cleaned
    assert "Authorization: Bearer $VENICE_API_KEY" in cleaned  # the user's key: a shell variable
    assert "authorization: Basic [REDACTED]" in cleaned  # any other credential: masked
    redact.add("created-key")
    assert redact("key created-key") == "key [REDACTED]"


def test_a_short_key_is_hidden_where_it_is_sent_and_words_that_contain_it_stay_whole() -> None:
    redact = Redactor(["k"])
    text = "curl 'http://h/api/v1/api_keys' -H 'Authorization: Bearer k' -d '{\"apiKey\": \"k\"}' key=k"
    assert redact(text) == (
        "curl 'http://h/api/v1/api_keys' -H 'Authorization: Bearer $VENICE_API_KEY' "
        '-d \'{"apiKey": "$VENICE_API_KEY"}\' key=$VENICE_API_KEY'
    )
    # A long secret goes wherever it is, inside other text too.
    long_key = "vk_" + "x" * 20
    assert redact.__class__([long_key])(f"id{long_key}z") == "id$VENICE_API_KEYz"


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after("3") == 3.0
    assert retry_after(None) is None
    assert retry_after("soon") is None
    later = email.utils.formatdate(1_000_010, usegmt=True)
    assert retry_after(later, now=1_000_000) == 10.0


def test_curl_commands_reproduce_the_request_without_the_key() -> None:
    request = requests.Request(
        "POST",
        "http://127.0.0.1:1/api/v1/embeddings",
        headers={"Authorization": f"Bearer {KEY}"},
        json={"input": "it's"},
    ).prepare()
    command = curl_command(request, Redactor([KEY]))
    assert command.startswith("curl -X POST")
    assert KEY not in command
    assert '-H "Authorization: Bearer $VENICE_API_KEY"' in command  # double quotes: the shell fills it in
    assert "http://127.0.0.1:1/api/v1/embeddings" in command
    assert "it" in command


def _transport(
    statuses: list[tuple[int, dict[str, str]]], max_wait: float, budget: Budget
) -> tuple[Transport, list[float]]:
    answers = iter(statuses)
    slept: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        status, headers = next(answers)
        body = httpx.ByteStream(b'{"error": "x"}')  # unread, as a streamed answer is
        return httpx.Response(status, headers={"content-type": "application/json", **headers}, stream=body)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    transport = Transport(
        "http://test/api/v1", Limits(), budget, Redactor([]), max_wait, slept.append, client
    )
    return transport, slept


def test_429_is_retried_after_its_retry_after_while_the_allowance_lasts() -> None:
    budget = Budget(None)
    transport, slept = _transport(
        [(429, {"retry-after": "2"}), (429, {"retry-after": "2"}), (200, {})], 10.0, budget
    )
    call = transport.request("GET", "/models", {})
    assert (call.status, slept, call.waited, budget.used) == (200, [2.0, 2.0], 4.0, 3)


def test_429_is_the_answer_when_waiting_would_exceed_the_allowance() -> None:
    transport, slept = _transport([(429, {"retry-after": "30"})], 10.0, Budget(None))
    assert transport.request("GET", "/models", {}).status == 429
    assert slept == []


def test_the_budget_stops_retries_too() -> None:
    transport, _ = _transport([(429, {"retry-after": "1"}), (200, {})], 10.0, Budget(1))
    with pytest.raises(BudgetExhausted):
        transport.request("GET", "/models", {})


def test_curl_keeps_the_accept_that_chose_the_answer() -> None:
    """A CSV answer is asked for with Accept: text/csv; the replay must ask the same."""
    csv = requests.Request("GET", "http://127.0.0.1:1/api/v1/billing/usage", headers={"Accept": "text/csv"})
    assert curl_command(csv.prepare(), Redactor([KEY])) == (
        "curl -X GET -H 'Accept: text/csv' http://127.0.0.1:1/api/v1/billing/usage"
    )
    anything = requests.Request("GET", "http://127.0.0.1:1/api/v1/models", headers={"Accept": "*/*"})
    assert curl_command(anything.prepare(), Redactor([KEY])) == "curl -X GET http://127.0.0.1:1/api/v1/models"
