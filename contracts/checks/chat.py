"""What a chat completion must mean, beyond its schema: the answer keeps the request's promises.

Pure functions of (what the request asked, the choices and usage the server answered), used for
JSON answers and for streams once their deltas are joined (see streams.py), so a rule reads the
same whichever way the answer came:

- `n` choices, indexed 0..n-1;
- `usage.total_tokens` = prompt + completion, and `completion_tokens` within `max_tokens`
  (or `max_completion_tokens`);
- `finish_reason` within the spec's enum;
- unless a choice was cut at the token limit (`finish_reason: "length"`):
  `tool_choice: "required"` or a named function: the answer calls a tool (the named one), whose
  name is one of the request's tools and whose `arguments` are JSON valid against that
  function's `parameters`;
- `response_format`: `json_object` gives a JSON object, `json_schema` gives JSON valid against
  the given schema (Venice's `json_schema: <schema>` or OpenAI's `json_schema: {name, schema}`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from contracts.checks.schemas import first_error, user_schema
from contracts.failures import Failure, excerpt

# Up to this many choices, `n` is a promise; beyond it a server may cap the count (the spec sets
# no maximum, the mock serves at most 64), so any non-empty answer is taken as its cap.
N_PROMISED = 64


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """What a chat request asked of its answer (read from the JSON body)."""

    n: int = 1
    max_tokens: int | None = None
    tools: Mapping[str, Any] | None = None  # function name -> parameters; None: no tools sent
    forced: str | None = None  # "" for tool_choice "required", the name for a named function
    response_format: str | None = None  # "json_object" or "json_schema"
    response_schema: Any = None  # the schema of json_schema

    @classmethod
    def from_body(cls, body: Any) -> ChatRequest:
        if not isinstance(body, dict):
            return cls()
        n = body.get("n")
        limits = [body.get(k) for k in ("max_tokens", "max_completion_tokens")]
        bounded = [v for v in limits if _is_int(v) and v > 0]
        tools: dict[str, Any] | None = None
        if isinstance(body.get("tools"), list):
            tools = {}
            for tool in body["tools"]:
                function = tool.get("function") if isinstance(tool, dict) else None
                if isinstance(function, dict) and isinstance(function.get("name"), str):
                    tools[function["name"]] = function.get("parameters")
        forced = _forced(body.get("tool_choice")) if tools else None
        kind, schema = _response_format(body.get("response_format"))
        return cls(
            n if _is_int(n) and n >= 1 else 1,
            min(bounded) if bounded else None,
            tools,
            forced,
            kind,
            schema,
        )


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _forced(choice: Any) -> str | None:
    if choice == "required":
        return ""
    if isinstance(choice, dict):
        function = choice.get("function")
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            return str(function["name"])
    return None


def _response_format(value: Any) -> tuple[str | None, Any]:
    if not isinstance(value, dict):
        return None, None
    kind = value.get("type")
    if kind == "json_object":
        return "json_object", None
    if kind == "json_schema" and isinstance(value.get("json_schema"), dict):
        spec = value["json_schema"]
        openai_form = isinstance(spec.get("schema"), dict) and ("name" in spec or "strict" in spec)
        return "json_schema", spec["schema"] if openai_form else spec
    return None, None


def check_choices(
    request: ChatRequest,
    choices: Sequence[Any],
    finish_reasons: Sequence[str] | None,
    *,
    arguments: bool = True,
) -> list[Failure]:
    """The rules on a chat answer's choices (`arguments=False` leaves each call's name and
    arguments to a stream checker that judged them already)."""
    out: list[Failure] = []
    indexes = sorted(c["index"] for c in choices if isinstance(c, dict) and _is_int(c.get("index")))
    wanted = request.n if request.n <= N_PROMISED else len(choices) or 1
    if len(choices) != wanted or indexes != list(range(wanted)):
        out.append(
            Failure(
                "choices",
                f"{len(choices)} choice(s) for n={request.n}",
                f"{wanted} choice(s), indexed 0..{wanted - 1}",
                f"indexes {indexes}",
                "n",
                field="choices",
            )
        )
    for choice in choices:
        if not isinstance(choice, dict):
            continue
        index = choice.get("index")
        message: Mapping[str, Any] = choice["message"] if isinstance(choice.get("message"), dict) else {}
        reason = choice.get("finish_reason")
        if finish_reasons is not None and reason is not None and reason not in finish_reasons:
            out.append(
                Failure(
                    "finish_reason",
                    f"choice {index}: finish_reason {reason!r} is not in the spec",
                    f"one of {list(finish_reasons)}",
                    excerpt(reason),
                    "enum",
                    field=f"choices[{index}].finish_reason",
                )
            )
        if reason == "length":
            continue  # cut at max_tokens, as asked: a cut document or call cannot be whole
        out += _tool_calls(request, index, message, arguments)
        out += _format(request, index, message)
    return _once(out)


def _tool_calls(
    request: ChatRequest, index: Any, message: Mapping[str, Any], arguments: bool
) -> list[Failure]:
    calls = message.get("tool_calls")
    calls = [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []
    where = f"choices[{index}].message.tool_calls"
    out: list[Failure] = []
    if request.forced is not None and not calls:
        asked = "required" if request.forced == "" else f"function {request.forced!r}"
        out.append(
            Failure(
                "tool_calls",
                f"choice {index} calls no tool although tool_choice is {asked}",
                "at least one tool call",
                excerpt(message),
                "missing",
                field=where,
            )
        )
    tools = request.tools or {}
    for number, call in enumerate(calls if arguments or request.forced else ()):
        function: Mapping[str, Any] = call["function"] if isinstance(call.get("function"), dict) else {}
        name = function.get("name")
        at = f"{where}[{number}]"
        if not isinstance(name, str) or name not in tools:
            if not arguments:
                continue  # the stream checker named it
            expected = f"one of {sorted(tools)}" if tools else "no tool calls (no tools were sent)"
            title = f"choice {index} calls {name!r}, which the request did not offer"
            out.append(Failure("tool_calls", title, expected, excerpt(name), "unknown_name", field=at))
            continue
        if request.forced and name != request.forced:
            title = f"choice {index} calls {name!r}, not the forced {request.forced!r}"
            out.append(Failure("tool_calls", title, request.forced, excerpt(name), "not_forced", field=at))
        if not arguments:
            continue
        text = function.get("arguments")
        try:
            value = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            value = None
        if not isinstance(text, str) or (value is None and text.strip() != "null"):
            title = f"choice {index}: the arguments of {name!r} are not JSON"
            out.append(
                Failure("tool_calls", title, "a JSON string", excerpt(text), "arguments_json", field=at)
            )
            continue
        schema = user_schema(tools[name])
        if schema is not None and not schema.is_valid(value):
            title = f"choice {index}: the arguments of {name!r} violate its parameters"
            out.append(
                Failure(
                    "tool_calls",
                    title,
                    first_error(schema, value),
                    excerpt(text),
                    "arguments_schema",
                    field=at,
                )
            )
    return out


def _format(request: ChatRequest, index: Any, message: Mapping[str, Any]) -> list[Failure]:
    if request.response_format is None or message.get("tool_calls"):
        return []
    content = message.get("content")
    where = f"choices[{index}].message.content"
    try:
        value = json.loads(content) if isinstance(content, str) else None
        parsed = isinstance(content, str)
    except ValueError:
        value, parsed = None, False
    rule = request.response_format
    if not parsed or (rule == "json_object" and not isinstance(value, dict)):
        expected = "a JSON object" if rule == "json_object" else "JSON valid against the json_schema"
        title = f"choice {index}: content is not {'a JSON object' if rule == 'json_object' else 'JSON'}"
        return [Failure("response_format", title, expected, excerpt(content), rule, field=where)]
    schema = user_schema(request.response_schema) if rule == "json_schema" else None
    if schema is not None and not schema.is_valid(value):
        title = f"choice {index}: content violates the requested json_schema"
        return [
            Failure("response_format", title, first_error(schema, value), excerpt(content), rule, field=where)
        ]
    return []


def check_usage(request: ChatRequest, usage: Any) -> list[Failure]:
    """Token counts that add up and respect max_tokens (absent usage is the schema's business)."""
    if not isinstance(usage, dict):
        return []
    prompt, completion, total = (usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens"))
    out: list[Failure] = []
    if _is_int(prompt) and _is_int(completion) and _is_int(total) and prompt + completion != total:
        out.append(
            Failure(
                "usage",
                "total_tokens is not prompt_tokens + completion_tokens",
                f"{prompt} + {completion} = {prompt + completion}",
                str(total),
                "total",
                field="usage.total_tokens",
            )
        )
    limit = request.max_tokens
    if limit is not None and _is_int(completion) and completion > limit * request.n:
        out.append(
            Failure(
                "usage",
                f"completion_tokens exceed max_tokens={limit}",
                f"at most {limit} completion tokens per choice ({request.n} choice(s))",
                str(completion),
                "max_tokens",
                field="usage.completion_tokens",
            )
        )
    return out


def check_completion(body: Any, answer: Any, finish_reasons: Sequence[str] | None) -> list[Failure]:
    """A non-streamed chat answer (parsed JSON) against the request body that asked for it."""
    if not isinstance(answer, dict):
        return []
    request = ChatRequest.from_body(body)
    choices = answer.get("choices")
    out = check_choices(request, choices, finish_reasons) if isinstance(choices, list) else []
    return out + check_usage(request, answer.get("usage"))


def finish_enum(response_schema: Any) -> tuple[str, ...] | None:
    """The spec's finish_reason values, from a chat answer's (converted) schema; None if open."""
    node: Any = response_schema
    for key in ("properties", "choices", "items", "properties", "finish_reason"):
        if not isinstance(node, dict):
            return None
        if key not in node and "allOf" in node and len(node["allOf"]) == 1:
            node = node["allOf"][0]  # the converter's wrapper around recursive schemas
        node = node.get(key) if isinstance(node, dict) else None
    enum = node.get("enum") if isinstance(node, dict) else None
    return tuple(v for v in enum if isinstance(v, str)) if isinstance(enum, list) else None


def _once(failures: list[Failure]) -> list[Failure]:
    """One failure per (rule, field): n choices breaking the same rule are one finding each."""
    seen: set[tuple[str, str]] = set()
    out = []
    for failure in failures:
        key = (failure.name, failure.field)
        if key not in seen:
            seen.add(key)
            out.append(failure)
    return out
