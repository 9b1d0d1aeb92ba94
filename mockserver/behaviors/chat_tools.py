"""Structured chat answers: tool calls and JSON-schema responses, made by the schema walker.

The client's JSON Schemas (tool `parameters`, `response_format`) are compiled once and cached,
then the same seeded walker that synthesizes spec responses makes a value valid against them.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from mockserver import text
from mockserver.behaviors import chat_text
from mockserver.errors import Violation
from mockserver.exceptions import SynthesisError
from mockserver.schemas import Compiled, compile_schema
from mockserver.synthesis import Synthesizer

_JSON_SCHEMA_DIALECT = "3.1.0"  # client schemas are JSON Schema (2020-12 semantics), not OAS 3.0
_SYNTHESIZER = Synthesizer(_JSON_SCHEMA_DIALECT)
_MAX_PARALLEL_CALLS = 4
_ASKS_FOR_TOOLS = re.compile(r"\b(tool|tools|function|call)\b", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# Words too common in tool names and descriptions to relate a prompt to a tool.
_TOOL_STOP = frozenset("get set fetch find list return returns current given value data info result".split())


@lru_cache(maxsize=256)
def _compiled(schema_json: str) -> Compiled:
    return compile_schema(json.loads(schema_json), _JSON_SCHEMA_DIALECT, "response")


def compiled(schema: Any) -> Compiled:
    """Compile a client's JSON Schema (cached by its canonical text). ValueError if invalid."""
    if not isinstance(schema, (dict, bool)):
        raise ValueError("a JSON Schema must be an object")
    try:
        return _compiled(json.dumps(schema, sort_keys=True))
    except ValueError:
        raise
    except Exception as exc:  # jsonschema_rs reports bad schemas with its own exception types
        raise ValueError(str(exc)) from None


def response_schema(response_format: Any) -> Any:
    """The schema a `response_format` asks for: Venice's form (`json_schema` is the schema) or
    OpenAI's (`json_schema: {name, schema, strict}`). None when no schema is asked for."""
    if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
        return None
    spec = response_format.get("json_schema")
    if (
        isinstance(spec, dict)
        and isinstance(spec.get("schema"), dict)
        and ("name" in spec or "strict" in spec)
    ):
        return spec["schema"]
    return spec


def tools_of(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    tools = body.get("tools")
    return (
        [t for t in tools if isinstance(t, dict) and isinstance(t.get("function"), dict)]
        if isinstance(tools, list)
        else []
    )


def check(body: Mapping[str, Any]) -> list[Violation]:
    """Schemas the mock cannot use, and a named tool_choice that names no tool."""
    problems: list[Violation] = []
    schema = response_schema(body.get("response_format"))
    if schema is not None:
        try:
            compiled(schema)
        except ValueError as exc:
            problems.append(
                Violation("response_format.json_schema", "schema", f"not a valid JSON Schema: {exc}")
            )
    names = []
    for i, tool in enumerate(tools_of(body)):
        function = tool["function"]
        names.append(function.get("name"))
        if "parameters" in function:
            try:
                compiled(function["parameters"])
            except ValueError as exc:
                location = f"tools[{i}].function.parameters"
                problems.append(Violation(location, "schema", f"not a valid JSON Schema: {exc}"))
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        if wanted not in names:
            known = ", ".join(repr(n) for n in names) or "none"
            problems.append(
                Violation(
                    "tool_choice.function.name",
                    "tool",
                    f"{wanted!r} is not one of the request's tools ({known})",
                )
            )
    return problems


def value_for(schema: Any, rng: random.Random) -> Any:
    """A value valid against a client's schema (SynthesisError if unsatisfiable)."""
    return _SYNTHESIZER.valid_value(compiled(schema), rng)


def structured_content(body: Mapping[str, Any], rng: random.Random) -> str | None:
    """The message content for a native `json_schema` response_format, or None (`json_object`
    and schemas in the prompt are chat_prompted's)."""
    schema = response_schema(body.get("response_format"))
    if schema is not None:
        return json.dumps(value_for(schema, rng), separators=(", ", ": "))
    return None


def calls(
    body: Mapping[str, Any], prompt: str, last_role: str, rng: random.Random
) -> list[Mapping[str, Any]]:
    """The tool calls this request gets ([] for a text answer).

    Like a model: with `auto`, a tool is called when the last user message names it, asks for
    tools, or shares content words with its name, description or parameter names; after a
    tool's result the answer is text (so agent loops end), unless `required` or a named tool
    still asks for a call, which then goes to a tool not called yet (an agent's output tool)."""
    tools = tools_of(body)
    choice = body.get("tool_choice", "auto")
    if not tools or choice == "none":
        return []
    if last_role == "tool":
        if choice != "required" and not isinstance(choice, dict):
            return []
        called = _called_names(body.get("messages"))
        tools = [t for t in tools if t["function"].get("name") not in called] or tools
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        chosen = [t for t in tools if t["function"].get("name") == wanted][:1]
    else:
        mentioned = [t for t in tools if _mentions(prompt, str(t["function"].get("name", "")))]
        related = mentioned or _related(prompt, tools)
        if choice == "required" or related or _ASKS_FOR_TOOLS.search(prompt):
            chosen = related or tools[:1]
        else:
            return []
    parallel = body.get("parallel_tool_calls", True) is not False
    chosen = chosen[:_MAX_PARALLEL_CALLS] if parallel else chosen[:1]
    return [_call(tool["function"], rng) for tool in chosen]


def _words(phrase: str) -> set[str]:
    """Content words, lower case, a plural's `s` dropped: "get_weather" -> {"weather"}."""
    split = _CAMEL.sub(" ", phrase).replace("_", " ").replace("-", " ")
    return {
        w[:-1] if w.endswith("s") and len(w) > 3 else w
        for w in (m.lower() for m in chat_text.content_words(split))
        if w not in _TOOL_STOP
    }


def _related(prompt: str, tools: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Tools sharing a content word with the prompt, most shared first (declaration order ties)."""
    asked = _words(prompt)
    if not asked:
        return []
    scored = []
    for order, tool in enumerate(tools):
        function = tool["function"]
        parameters = function.get("parameters")
        properties = parameters.get("properties") if isinstance(parameters, dict) else None
        about = " ".join(
            [
                str(function.get("name", "")),
                str(function.get("description", "")),
                *(properties if isinstance(properties, dict) else ()),
            ]
        )
        shared = len(asked & _words(about))
        if shared:
            scored.append((-shared, order, tool))
    return [tool for _, _, tool in sorted(scored, key=lambda entry: entry[:2])]


def _called_names(messages: Any) -> set[str]:
    names: set[str] = set()
    for message in messages if isinstance(messages, list) else ():
        for call in (message.get("tool_calls") or ()) if isinstance(message, dict) else ():
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                names.add(function["name"])
    return names


def _mentions(prompt: str, name: str) -> bool:
    lower = prompt.lower()
    return bool(name) and (name.lower() in lower or name.lower().replace("_", " ") in lower)


def _call(function: Mapping[str, Any], rng: random.Random) -> Mapping[str, Any]:
    parameters = function.get("parameters", {"type": "object"})
    try:
        arguments = value_for(parameters, rng)
    except SynthesisError:
        arguments = {}  # an unsatisfiable parameters schema; check() accepted it as a schema
    return {
        "id": f"call_{text.hex_id(rng, 24)}",
        "type": "function",
        "function": {"name": function.get("name", ""), "arguments": json.dumps(arguments)},
    }


def result_of_tool(messages: Sequence[Any]) -> str:
    last = messages[-1] if messages else None
    return str(last.get("content", "")) if isinstance(last, dict) else ""
