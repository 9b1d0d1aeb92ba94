"""Every kind of finding, and every equivalence, from one hand-made case each, judged by replaying
it through a small adapter against the real mock on loopback. Whole findings are compared."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from contracts.client.adapters.base import Arguments, ClientError, Result, Target
from contracts.client.adapters.httpx_client import HttpxAdapter, VeniceClient
from contracts.client.compare import Difference
from contracts.client.findings import Finding
from contracts.client.suite import ClientOptions, replay

OPTIONS = ClientOptions(slow_first_byte=0.05)
CHAT = "createChatCompletion"
BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
SPEECH_ARGS = {"body": {"input": "hi", "model": "tts-kokoro", "voice": "af_sky", "response_format": "mp3"}}


def requests_case(operation: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"phase": "requests", "operation": operation, "arguments": arguments}


def responses_case(operation: str, arguments: dict[str, Any], script: dict[str, Any]) -> dict[str, Any]:
    return {"phase": "responses", "operation": operation, "arguments": arguments, "script": script}


class Raw:
    """An adapter whose client is a function of (http, operation, arguments)."""

    def __init__(self, target: Target) -> None:
        self.http = httpx.Client(base_url=target.base_url, headers={"Authorization": "Bearer k"})
        self.reference = VeniceClient(target.base_url, target.api_key)

    def call(self, operation_id: str, arguments: Arguments) -> Any:
        return self.act(operation_id, arguments)

    def act(self, operation_id: str, arguments: Arguments) -> Any:
        return self.reference.call(operation_id, arguments)

    def close(self) -> None:
        self.http.close()
        self.reference.close()


def adapter(act: Any, **attributes: Any) -> type[Raw]:
    return type("Adapter", (Raw,), {"act": act, **attributes})


def test_a_client_that_sends_nothing_is_request_none() -> None:
    silent = adapter(lambda self, op, args: {"data": []})
    assert replay(silent, requests_case("listModels", {}), OPTIONS) == [
        Finding(
            "listModels",
            "requests",
            "request.none",
            "the client sent no request for valid arguments",
            evidence=('the client returned value {"data": []}',),
        )
    ]


def test_a_request_to_an_undocumented_path_is_request_operation() -> None:
    lost = adapter(lambda self, op, args: self.http.get("/modelz").status_code)
    assert replay(lost, requests_case("listModels", {}), OPTIONS) == [
        Finding(
            "listModels",
            "requests",
            "request.operation",
            "GET /api/v1/modelz matched no documented operation; nearest documented: "
            "/api/v1/models, /api/v1/models/traits, /api/v1/image/styles",
            evidence=("expected GET /models",),
            path="GET undocumented",
        )
    ]


def test_a_request_to_another_operation_names_it() -> None:
    elsewhere = adapter(lambda self, op, args: self.http.get("/models/traits").json())
    assert replay(elsewhere, requests_case("listModels", {}), OPTIONS) == [
        Finding(
            "listModels",
            "requests",
            "request.operation",
            "GET /api/v1/models/traits matched listModelTraits",
            evidence=("expected GET /models",),
            path="GET listModelTraits",
        )
    ]


def test_two_requests_for_one_call_is_request_count() -> None:
    def twice(self: Raw, op: str, args: Arguments) -> Any:
        self.http.get("/models")
        return self.http.get("/models").json()

    assert replay(adapter(twice), requests_case("listModels", {}), OPTIONS) == [
        Finding(
            "listModels",
            "requests",
            "request.count",
            "2 requests for one call",
            evidence=("answers: 200, 200; only 429/5xx answers may be retried",),
        )
    ]


def test_an_invalid_request_is_request_schema_and_the_changed_value_too() -> None:
    def stringly(self: Raw, op: str, args: Arguments) -> Any:
        return self.http.post("/chat/completions", json={**args["body"], "n": "2"}).json()

    findings = replay(adapter(stringly), requests_case(CHAT, {"body": {**BODY, "n": 2}}), OPTIONS)
    assert findings == [
        Finding(
            CHAT,
            "requests",
            "request.schema",
            "POST /api/v1/chat/completions breaks the contract at n",
            evidence=("n: type (expected integer, got string)",),
            path="body.n",
        ),
        Finding(
            CHAT,
            "requests",
            "request.retyped",
            "retyped body.n",
            evidence=(str(Difference("retyped", "body.n", 2, "2")),),
            path="body.n",
        ),
    ]


def test_a_declared_difference_is_a_note_not_a_failure() -> None:
    def typed(self: Raw, op: str, args: Arguments) -> Any:
        return self.http.get("/models", params={"type": "text"}).json()

    declared = adapter(typed, allowances={"listModels": {"type": "the client always asks for text models"}})
    assert replay(declared, requests_case("listModels", {}), OPTIONS) == [
        Finding(
            "listModels",
            "requests",
            "request.added",
            str(Difference("added", "query.type", None, "text")),
            "allowed",
            ("declared by the adapter: the client always asks for text models",),
            path="query.type",
        )
    ]


def test_defaults_and_null_for_absent_are_no_bug_in_a_request() -> None:
    def tidy(self: Raw, op: str, args: Arguments) -> Any:
        body = {k: v for k, v in args["body"].items() if v is not None}  # drops `tools: null`
        body.setdefault("temperature", 0.7)  # the spec's default
        body.pop("n", None)  # n: 1 is the default
        return self.http.post("/chat/completions", json=body).json()

    case = requests_case(CHAT, {"body": {**BODY, "tools": None, "n": 1}})
    assert replay(adapter(tidy), case, OPTIONS) == []


def test_two_spellings_of_one_instant_are_no_bug_in_a_query() -> None:
    def utc(self: Raw, op: str, args: Arguments) -> Any:
        return self.http.get("/billing/usage", params={"startDate": "2000-01-01T00:00:00+00:00"}).json()

    case = requests_case("getBillingUsage", {"query": {"startDate": "2000-01-01T00:00:00Z"}})
    assert replay(adapter(utc), case, OPTIONS) == []
    later = requests_case("getBillingUsage", {"query": {"startDate": "2000-01-01T00:00:01Z"}})
    assert [f.rule for f in replay(adapter(utc), later, OPTIONS)] == ["request.changed"]


SPEECH = base64.b64encode(b"ID3\x03\x00\x00\x00\x00\x00\x00payload").decode()
SPEECH_SCRIPT = {"status": 200, "body_base64": SPEECH, "media_type": "audio/mpeg"}


def test_changed_bytes_name_the_first_byte_that_differs() -> None:
    def flips(self: Raw, op: str, args: Arguments) -> Any:
        data = bytearray(self.reference.call(op, args).binary or b"")
        data[5] ^= 0xFF
        return bytes(data)

    assert replay(adapter(flips), responses_case("createSpeech", SPEECH_ARGS, SPEECH_SCRIPT), OPTIONS) == [
        Finding(
            "createSpeech",
            "responses",
            "response.changed",
            "binary answer changed: 17 bytes sent, 17 returned",
            evidence=("first difference at byte 5: sent 0x00, returned 0xff",),
            path="body",
        )
    ]


def test_bytes_returned_as_text_are_response_kind() -> None:
    def texty(self: Raw, op: str, args: Arguments) -> Any:
        return (self.reference.call(op, args).binary or b"").decode("latin-1")

    (finding,) = replay(adapter(texty), responses_case("createSpeech", SPEECH_ARGS, SPEECH_SCRIPT), OPTIONS)
    assert (finding.rule, finding.path, finding.attribution) == ("response.kind", "", "client")
    assert finding.title.startswith("expected bytes back, the client returned value ")


ERROR = {"error": "bad"}


def test_a_documented_error_returned_as_a_success_is_error_as_success() -> None:
    # (429 and 5xx are judged in the resilience phase, where a retry may follow.)
    case = responses_case(
        CHAT, {"body": BODY}, {"status": 400, "body": ERROR, "media_type": "application/json"}
    )
    swallow = adapter(lambda self, op, args: self.http.post("/chat/completions", json=args["body"]).json())
    assert replay(swallow, case, OPTIONS) == [
        Finding(
            CHAT,
            "responses",
            "response.error-as-success",
            "a documented 400 answer was reported as a success",
            "client",
            ('the client returned value {"error": "bad"}', 'answer: {"error": "bad"}'),
            path="400",
        )
    ]


def test_an_error_reported_with_another_status_is_error_status() -> None:
    def misreports(self: Raw, op: str, args: Arguments) -> Any:
        self.http.post("/chat/completions", json=args["body"])
        return Result(error=ClientError("ServerError", "boom", 500))

    case = responses_case(
        CHAT, {"body": BODY}, {"status": 400, "body": ERROR, "media_type": "application/json"}
    )
    assert replay(adapter(misreports), case, OPTIONS) == [
        Finding(
            CHAT,
            "responses",
            "response.error-status",
            "a 400 answer was reported as status 500",
            evidence=("ServerError (status 500): boom",),
            path="400",
        )
    ]


EMBEDDING = {
    "data": [{"embedding": [0.5], "index": 0, "object": "embedding"}],
    "model": "m",
    "object": "list",
    "usage": {"prompt_tokens": 1, "total_tokens": 1},
}
EMBED_ARGS = {"body": {"input": "hi", "model": "m"}}


def test_a_long_string_changed_at_the_end_shows_where_it_parts() -> None:
    def edits(self: Raw, op: str, args: Arguments) -> Any:
        value = self.reference.call(op, args).value
        value["model"] = value["model"][:-1] + "!"
        return value

    script = {"status": 200, "body": {**EMBEDDING, "model": "m" * 3000}, "media_type": "application/json"}
    (finding,) = replay(adapter(edits), responses_case("createEmbedding", EMBED_ARGS, script), OPTIONS)
    assert finding == Finding(
        "createEmbedding",
        "responses",
        "response.changed",
        "returned another value at body.model than the answer carried",
        evidence=(
            "body.model: changed at character 2999 (lengths 3000 and 3000): "
            f"given ...{json.dumps('m' * 21)}, got ...{json.dumps('m' * 20 + '!')}",
        ),
        path="body.model",
    )


def test_null_for_absent_and_unknown_fields_not_handed_back_are_no_bug_in_an_answer() -> None:
    def typed(self: Raw, op: str, args: Arguments) -> Any:
        value = self.reference.call(op, args).value
        value.pop("x_unknown_field")  # a typed client has no place for it
        value["usage"].pop("prompt_tokens_details", None)
        return value

    body = {**EMBEDDING, "x_unknown_field": 1}
    script = {"status": 200, "body": body, "media_type": "application/json"}
    assert replay(adapter(typed), responses_case("createEmbedding", EMBED_ARGS, script), OPTIONS) == []


@pytest.mark.parametrize("scenario", ["rate-limit"])
def test_a_client_that_retries_a_429_after_retry_after_and_succeeds_passes(scenario: str) -> None:
    good = {"status": 200, "body": EMBEDDING, "media_type": "application/json"}
    case = {
        "phase": "resilience",
        "operation": "createEmbedding",
        "scenario": scenario,
        "arguments": EMBED_ARGS,
        "scripts": [{"status": 429, "scenario": scenario}, good],
    }
    assert replay(HttpxAdapter, case, OPTIONS) == []

    class Impatient(VeniceClient):
        def retry_delay(self, response: httpx.Response, attempt: int) -> float:
            return 0.0

    impatient = type("Impatient", (HttpxAdapter,), {"client_class": Impatient})
    (finding,) = replay(impatient, case, OPTIONS)
    assert (finding.rule, finding.evidence, finding.path) == (
        "resilience.retry-after",
        ("answers: 429, 200",),
        scenario,
    )


def _chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [choice],
        **extra,
    }


STREAM = [_chunk({"role": "assistant", "content": "hi"}, x_trace="t"), _chunk({}, "stop")]
STREAM_CASE = responses_case(CHAT, {"body": {**BODY, "stream": True}}, {"status": 200, "stream": STREAM})


def test_stream_events_follow_the_same_equivalences_and_name_the_event_that_changed() -> None:
    def typed(self: Raw, op: str, args: Arguments) -> Any:
        events = [dict(e) for e in self.reference.call(op, args).events or ()]
        for event in events:
            event.pop("x_trace", None)  # an unknown field it has no place for: no bug
        return Result(events=tuple(events))

    assert replay(adapter(typed), STREAM_CASE, OPTIONS) == []

    def shouts(self: Raw, op: str, args: Arguments) -> Any:
        events = json.loads(json.dumps(self.reference.call(op, args).events))
        events[0]["choices"][0]["delta"]["content"] = "HI"
        return Result(events=tuple(events))

    where = "events[0].choices[0].delta.content"
    assert replay(adapter(shouts), STREAM_CASE, OPTIONS) == [
        Finding(
            CHAT,
            "responses",
            "response.changed",
            f"returned another value at {where} than the answer carried",
            evidence=(f'{where}: changed at character 0 (lengths 2 and 2): given ..."hi", got ..."HI"',),
            path=where,
        )
    ]


def _excerpt(value: Any, limit: int) -> str:
    from contracts.failures import excerpt

    return excerpt(value, limit)


def _raises(message: str) -> Any:
    def act(self: Raw, op: str, args: Arguments) -> Any:
        self.reference.call(op, args)
        raise ValueError(message)

    return adapter(act)


EMBED_SCRIPT = {"status": 200, "body": EMBEDDING, "media_type": "application/json"}


def test_a_rejected_answer_names_its_status_and_media_type_or_the_varied_field() -> None:
    case = responses_case("createEmbedding", EMBED_ARGS, EMBED_SCRIPT)
    answer = f"answer: {_excerpt(EMBEDDING, 300)}"
    assert replay(_raises("no"), case, OPTIONS) == [
        Finding(
            "createEmbedding",
            "responses",
            "response.rejected",
            "the client failed on a valid 200 answer",
            evidence=("ValueError: no", answer),
            path="200 application/json",
        )
    ]
    varied = {**case, "vary": ["body.model", "'m'"]}
    assert replay(_raises("no"), varied, OPTIONS) == [
        Finding(
            "createEmbedding",
            "responses",
            "response.rejected",
            "the client failed on a valid 200 answer (body.model: 'm')",
            evidence=("ValueError: no", answer),
            path="body.model",
        )
    ]
    assert replay(_raises("no"), STREAM_CASE, OPTIONS) == [
        Finding(
            CHAT,
            "responses",
            "response.rejected",
            "the client failed on a valid 200 answer",
            evidence=("ValueError: no", f"answer: {_excerpt(STREAM, 300)}"),
            path="200 stream",
        )
    ]


def test_unsupported_is_a_note_in_every_phase() -> None:
    def refuses(self: Raw, op: str, args: Arguments) -> Any:
        return Result(unsupported=True)

    def note(phase: str, what: str) -> Finding:
        return Finding(
            "createEmbedding", phase, "unsupported", f"the adapter answered unsupported for {what}", "allowed"
        )

    case = responses_case("createEmbedding", EMBED_ARGS, EMBED_SCRIPT)
    assert replay(adapter(refuses), case, OPTIONS) == [note("responses", "a 200 application/json")]
    assert replay(adapter(refuses), requests_case("createEmbedding", EMBED_ARGS), OPTIONS) == [
        note("requests", "these arguments")
    ]
    scenario = {
        "phase": "resilience",
        "operation": "createEmbedding",
        "scenario": "server-error",
        "arguments": EMBED_ARGS,
        "scripts": [{"status": 500, "scenario": "server-error"}, EMBED_SCRIPT],
    }
    assert replay(adapter(refuses), scenario, OPTIONS) == [note("resilience", "the server-error scenario")]


def test_an_answer_never_asked_for_is_request_none_in_the_response_phase() -> None:
    silent = adapter(lambda self, op, args: {"data": []})
    assert replay(silent, responses_case("createEmbedding", EMBED_ARGS, EMBED_SCRIPT), OPTIONS) == [
        Finding(
            "createEmbedding",
            "responses",
            "request.none",
            "the client sent no request for valid arguments",
            evidence=('the client returned value {"data": []}',),
        )
    ]
    elsewhere = adapter(lambda self, op, args: self.http.get("/models").json())
    assert replay(elsewhere, responses_case("createEmbedding", EMBED_ARGS, EMBED_SCRIPT), OPTIONS) == [
        Finding(
            "createEmbedding",
            "responses",
            "request.operation",
            "GET /api/v1/models matched listModels",
            evidence=("expected POST /embeddings",),
            path="GET listModels",
        )
    ]


@pytest.mark.parametrize(
    ("added", "findings"),
    [
        ({"limit": "200"}, 0),  # the spec's default, written as a query writes it
        ({"page": "1", "sortOrder": "desc"}, 0),
        ({"limit": "100"}, 1),
        ({"currency": "USD"}, 1),  # an enum without a default
    ],
)
def test_a_query_value_added_is_fine_only_when_it_is_the_default(
    added: dict[str, str], findings: int
) -> None:
    def adds(self: Raw, op: str, args: Arguments) -> Any:
        return self.http.get("/billing/usage", params=added).json()

    found = replay(adapter(adds), requests_case("getBillingUsage", {}), OPTIONS)
    assert [(f.rule, f.path) for f in found] == [("request.added", f"query.{n}") for n in added][:findings]


def test_an_invalid_query_names_the_query_location() -> None:
    def bad(self: Raw, op: str, args: Arguments) -> Any:
        return self.http.get("/billing/usage", params={"limit": "0"}).json()

    found = replay(adapter(bad), requests_case("getBillingUsage", {"query": {"limit": 1}}), OPTIONS)
    assert [(f.rule, f.path) for f in found] == [
        ("request.schema", "query.limit"),
        ("request.changed", "query.limit"),
    ]
    assert found[0].title == "GET /api/v1/billing/usage?limit=0 breaks the contract at query.limit"


# -- how a recorded request is compared with the arguments (contracts/client/compare.py) --------


def test_a_header_the_client_leaves_out_is_request_dropped() -> None:
    def bare(self: Raw, op: str, args: Arguments) -> Any:
        request = self.http.build_request("POST", "/chat/completions", json=args["body"])
        del request.headers["accept-encoding"]
        return self.http.send(request).json()

    case = requests_case(CHAT, {"body": BODY, "headers": {"Accept-Encoding": "identity"}})
    assert replay(adapter(bare), case, OPTIONS) == [
        Finding(
            CHAT,
            "requests",
            "request.dropped",
            "dropped header.accept-encoding",
            evidence=('header.accept-encoding: dropped (given "identity", not sent)',),
            path="header.accept-encoding",
        )
    ]


def test_a_header_the_client_overrides_is_request_changed() -> None:
    def gzip(self: Raw, op: str, args: Arguments) -> Any:
        return self.http.post(
            "/chat/completions", json=args["body"], headers={"Accept-Encoding": "gzip"}
        ).json()

    case = requests_case(CHAT, {"body": BODY, "headers": {"Accept-Encoding": "identity"}})
    assert replay(adapter(gzip), case, OPTIONS) == [
        Finding(
            CHAT,
            "requests",
            "request.changed",
            "changed header.accept-encoding",
            evidence=('header.accept-encoding: changed (given "identity", got "gzip")',),
            path="header.accept-encoding",
        )
    ]


def test_a_query_value_left_out_is_request_dropped() -> None:
    def unbounded(self: Raw, op: str, args: Arguments) -> Any:
        return self.http.get("/billing/usage").json()

    case = requests_case("getBillingUsage", {"query": {"limit": 5}})
    assert replay(adapter(unbounded), case, OPTIONS) == [
        Finding(
            "getBillingUsage",
            "requests",
            "request.dropped",
            "dropped query.limit",
            evidence=("query.limit: dropped (given 5, not sent)",),
            path="query.limit",
        )
    ]


def test_an_array_that_lost_an_item_is_changed_as_a_whole() -> None:
    def first_only(self: Raw, op: str, args: Arguments) -> Any:
        body = {**args["body"], "messages": args["body"]["messages"][:1]}
        return self.http.post("/chat/completions", json=body).json()

    two = [{"role": "user", "content": "hi"}, {"role": "user", "content": "again"}]
    assert replay(adapter(first_only), requests_case(CHAT, {"body": {**BODY, "messages": two}}), OPTIONS) == [
        Finding(
            CHAT,
            "requests",
            "request.changed",
            "changed body.messages",
            evidence=(str(Difference("changed", "body.messages", two, two[:1])),),
            path="body.messages",
        )
    ]


def test_a_value_sent_under_another_name_is_request_renamed() -> None:
    def shortened(self: Raw, op: str, args: Arguments) -> Any:
        body = {k: v for k, v in args["body"].items() if k != "venice_parameters"}
        return self.http.post(
            "/chat/completions", json={**body, "venice_params": args["body"]["venice_parameters"]}
        ).json()

    options = {"include_venice_system_prompt": False, "character_slug": "alan-watts"}
    case = requests_case(CHAT, {"body": {**BODY, "venice_parameters": options}})
    findings = replay(adapter(shortened), case, OPTIONS)
    assert [(f.rule, f.path) for f in findings] == [
        ("request.schema", "body.venice_params"),
        ("request.renamed", "body.venice_parameters"),
    ]
    assert findings[1].evidence == ("body.venice_parameters: renamed (sent as venice_params)",)


def test_a_body_that_is_no_json_is_judged_by_the_schema_only() -> None:
    def cut(self: Raw, op: str, args: Arguments) -> Any:
        headers = {"Content-Type": "application/json"}
        return self.http.post(
            "/chat/completions", content=json.dumps(args["body"])[:-1], headers=headers
        ).json()

    findings = replay(adapter(cut), requests_case(CHAT, {"body": BODY}), OPTIONS)
    assert [(f.rule, f.path) for f in findings] == [("request.schema", "body")]
    assert findings[0].evidence[0].startswith("body: parse (not valid JSON: ")


def test_a_body_left_out_is_request_dropped_besides_the_schema() -> None:
    def empty(self: Raw, op: str, args: Arguments) -> Any:
        return self.http.post("/chat/completions").json()

    findings = replay(adapter(empty), requests_case(CHAT, {"body": BODY}), OPTIONS)
    assert [(f.rule, f.path) for f in findings] == [("request.schema", "body"), ("request.dropped", "body")]
    assert findings[1].evidence == (str(Difference("dropped", "body", BODY)),)


def test_a_path_parameter_the_client_changes_is_request_changed(later_spec: Any) -> None:
    def lower(self: Raw, op: str, args: Arguments) -> Any:
        return self.http.get(f"/characters/{args['path']['slug'].lower()}").json()

    case = requests_case("getCharacterBySlug", {"path": {"slug": "Alan-Watts"}})
    options = ClientOptions(slow_first_byte=0.05, spec=later_spec)
    assert replay(adapter(lower), case, options) == [
        Finding(
            "getCharacterBySlug",
            "requests",
            "request.changed",
            "changed path.slug",
            evidence=('path.slug: changed (given "Alan-Watts", got "alan-watts")',),
            path="path.slug",
        )
    ]
    kept = adapter(lambda self, op, args: self.http.get(f"/characters/{args['path']['slug']}").json())
    assert replay(kept, case, options) == []


def test_query_and_path_values_compare_as_the_text_they_are_written_as() -> None:
    from contracts.client.compare import Sent, query_text, request_differences, same

    def sent(query: tuple[tuple[str, str], ...] = (), path: dict[str, str] | None = None) -> Sent:
        return Sent(path or {}, query, {}, None, has_body=False, body_readable=True)

    assert [query_text(v) for v in (True, False, 5, 2.5, "x")] == ["true", "false", "5", "2.5", "x"]
    given = {"query": {"flag": True, "n": 5, "ids": [1, 2]}}
    assert (
        request_differences(given, sent((("flag", "true"), ("n", "5.0"), ("ids", "1"), ("ids", "2")))) == []
    )
    assert request_differences(given, sent((("flag", "1"), ("n", "five"), ("ids", "1")))) == [
        Difference("changed", "query.flag", True, "1"),
        Difference("changed", "query.n", 5, "five"),
        Difference("changed", "query.ids", [1, 2], "1"),
    ]
    assert request_differences({"path": {"id": 7}}, sent(path={"id": "7"})) == []
    assert request_differences({"path": {"id": 7}}, sent()) == [Difference("dropped", "path.id", 7)]
    assert same({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not same({"a": 1}, {"b": 1})
    assert not same([1], [1, 2])
    assert not same(True, 1)


def test_a_second_request_to_another_operation_is_request_operation_after_a_good_one() -> None:
    def also_lists(self: Raw, op: str, args: Arguments) -> Any:
        value = self.reference.call(op, args)
        self.http.get("/models")
        return value

    assert replay(adapter(also_lists), requests_case("createEmbedding", EMBED_ARGS), OPTIONS) == [
        Finding(
            "createEmbedding",
            "requests",
            "request.operation",
            "GET /api/v1/models matched listModels",
            evidence=("expected POST /embeddings",),
            path="GET listModels",
        )
    ]


def test_each_difference_is_judged_after_an_excused_or_declared_one() -> None:
    def adds(self: Raw, op: str, args: Arguments) -> Any:
        # the default (excused), a declared addition (a note), an undeclared one (a bug)
        return self.http.get(
            "/billing/usage", params={"limit": "200", "sortOrder": "asc", "currency": "USD"}
        ).json()

    declared = adapter(adds, allowances={"getBillingUsage": {"sortOrder": "the client sorts oldest first"}})
    assert replay(declared, requests_case("getBillingUsage", {}), OPTIONS) == [
        Finding(
            "getBillingUsage",
            "requests",
            "request.added",
            "added query.currency",
            evidence=(str(Difference("added", "query.currency", None, "USD")),),
            path="query.currency",
        ),
        Finding(
            "getBillingUsage",
            "requests",
            "request.added",
            str(Difference("added", "query.sortOrder", None, "asc")),
            "allowed",
            ("declared by the adapter: the client sorts oldest first",),
            path="query.sortOrder",
        ),
    ]


def test_a_body_difference_is_declared_by_its_field_name() -> None:
    def shouts(self: Raw, op: str, args: Arguments) -> Any:
        return self.reference.call(op, {"body": {**args["body"], "model": "M"}})

    declared = adapter(shouts, allowances={"createEmbedding": {"model": "the client upper-cases model ids"}})
    assert replay(declared, requests_case("createEmbedding", EMBED_ARGS), OPTIONS) == [
        Finding(
            "createEmbedding",
            "requests",
            "request.changed",
            str(Difference("changed", "body.model", "m", "M")),
            "allowed",
            ("declared by the adapter: the client upper-cases model ids",),
            path="body.model",
        )
    ]


def test_a_given_query_value_changed_to_the_default_is_still_changed() -> None:
    def pages(self: Raw, op: str, args: Arguments) -> Any:
        return self.http.get("/billing/usage", params={"limit": "200"}).json()

    assert replay(adapter(pages), requests_case("getBillingUsage", {"query": {"limit": 5}}), OPTIONS) == [
        Finding(
            "getBillingUsage",
            "requests",
            "request.changed",
            "changed query.limit",
            evidence=(str(Difference("changed", "query.limit", 5, "200")),),
            path="query.limit",
        )
    ]


def test_an_undeclared_query_value_added_is_request_added() -> None:
    def adds(self: Raw, op: str, args: Arguments) -> Any:
        return self.http.get("/billing/usage", params={"x_extra": "1"}).json()

    assert replay(adapter(adds), requests_case("getBillingUsage", {}), OPTIONS) == [
        Finding(
            "getBillingUsage",
            "requests",
            "request.added",
            "added query.x_extra",
            evidence=(str(Difference("added", "query.x_extra", None, "1")),),
            path="query.x_extra",
        )
    ]
