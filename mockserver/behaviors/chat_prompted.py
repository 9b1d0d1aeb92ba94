"""JSON answers for schemas carried in the prompt, as frameworks ask for them.

instructor (JSON, MD_JSON), pydantic-ai (`PromptedOutput`) and LangChain (`json_mode` with a
parser's format instructions) put a JSON Schema into a system or user message and ask for JSON.
How the mock decides, in order:

1. **A schema in the messages.** System and user messages are read newest first; in each, every
   JSON object in the text (plain, or inside a ``` fence) is a candidate. A candidate is a schema
   when it looks like one (`type`, `properties`, `$ref`, `anyOf`/`oneOf`/`allOf` or `$defs` at
   its top) and compiles. A fenced schema beats a plain one (LangChain shows an example schema
   before the real, fenced one); otherwise the last one in the message wins.
2. **JSON is wanted** when `response_format` is `json_object`, or a schema was found and the
   messages say "JSON". A schema alone (say, documentation pasted in a question) gets prose.
3. **The answer** is a seeded instance valid against that schema; it is fenced (```json) when
   the messages ask for a code block (instructor MD_JSON) and `json_object` was not requested
   (that mode promises bare JSON).
4. **`json_object` without a schema**: an object whose keys come from the prompt when it names
   them ("with keys name, age", or an example object whose keys and value types are copied),
   else a plain `{"answer", "confidence"}` object.

Native `response_format: json_schema` is handled in chat_tools and wins over all of this.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from mockserver import text, valuehints
from mockserver.behaviors import chat_text, chat_tools
from mockserver.exceptions import SynthesisError

_FENCE = re.compile(r"```[A-Za-z]*[ \t]*\n(.*?)```", re.DOTALL)
_WANTS_JSON = re.compile(r"\bjson\b", re.IGNORECASE)
_WANTS_FENCE = re.compile(r"code ?block", re.IGNORECASE)
_SCHEMA_KEYS = ("type", "properties", "$ref", "anyOf", "oneOf", "allOf", "$defs")
_NAMED_KEYS = re.compile(
    r"\b(?:keys|fields|properties|attributes)\b\s*(?:named|called)?\s*:?\s*"
    r"((?:[`'\"]?[A-Za-z_][\w-]*[`'\"]?(?:\s*,\s*|\s+and\s+|\s*,\s*and\s+)?)+)",
    re.IGNORECASE,
)
_IDENTIFIER = re.compile(r"[`'\"]?([A-Za-z_][\w-]*)[`'\"]?")
_NOT_KEYS = frozenset("and or the a an with only in of for to".split())
_MAX_SCAN = 200_000  # characters of each message searched for schemas
_MAX_ATTEMPTS = 256  # places in a message where a JSON object is tried
_MAX_OBJECT = 65_536  # characters one schema may take (pydantic's largest are far smaller)


def _objects(content: str) -> Iterator[tuple[dict[str, Any], bool]]:
    """(JSON object, fenced?) for each object written in the text, outermost only.

    Bounded for hostile prompts: at most _MAX_ATTEMPTS places are tried, each on a slice of at
    most _MAX_OBJECT characters (a failed parse costs its length), and nesting too deep for the
    parser is no object."""
    fenced_spans = [(m.start(1), m.end(1)) for m in _FENCE.finditer(content)]
    decoder = json.JSONDecoder()
    position = content.find("{")
    for _ in range(_MAX_ATTEMPTS):
        if position < 0:
            return
        try:
            value, length = decoder.raw_decode(content[position : position + _MAX_OBJECT])
        except (ValueError, RecursionError):
            position = content.find("{", position + 1)
            continue
        if isinstance(value, dict):
            yield value, any(start <= position < stop for start, stop in fenced_spans)
        position = content.find("{", position + length)


def _looks_like_schema(value: Mapping[str, Any]) -> bool:
    if not any(key in value for key in _SCHEMA_KEYS):
        return False
    properties = value.get("properties")
    if properties is not None and not (
        isinstance(properties, dict) and all(isinstance(p, (dict, bool)) for p in properties.values())
    ):
        return False
    kind = value.get("type")
    return kind is None or isinstance(kind, (str, list))


def _usable(schema: Mapping[str, Any]) -> bool:
    try:
        chat_tools.compiled(schema)
    except ValueError:
        return False
    return True


def _instruction_texts(messages: Sequence[Any]) -> list[str]:
    """System and user texts, newest first (assistant and tool texts are not instructions)."""
    return [
        chat_text.message_text(m)[:_MAX_SCAN]
        for m in reversed(messages)
        if isinstance(m, dict) and m.get("role") in ("system", "developer", "user")
    ]


def prompted_schema(messages: Sequence[Any]) -> Mapping[str, Any] | None:
    """The JSON Schema the messages carry (see the module's rule 1), or None."""
    for content in _instruction_texts(messages):
        if "{" not in content:
            continue
        found = [
            (value, fenced)
            for value, fenced in _objects(content)
            if _looks_like_schema(value) and _usable(value)
        ]
        if found:
            fenced = [value for value, is_fenced in found if is_fenced]
            return (fenced or [value for value, _ in found])[-1]
    return None


def _example_object(messages: Sequence[Any]) -> Mapping[str, Any] | None:
    for content in _instruction_texts(messages):
        for value, _ in _objects(content):
            if value and not _looks_like_schema(value):
                return value
    return None


def named_keys(prompt: str) -> list[str]:
    """Keys the prompt names ("with keys name, age and city"), in order, without repeats."""
    keys: list[str] = []
    for match in _NAMED_KEYS.finditer(prompt):
        for key in _IDENTIFIER.findall(match.group(1)):
            if key.lower() not in _NOT_KEYS and key not in keys:
                keys.append(key)
    return keys


def _like(example: Any, name: str, rng: random.Random) -> Any:
    """A value of the same JSON type as an example value."""
    if isinstance(example, bool):
        return rng.random() < 0.5
    if isinstance(example, int):
        return rng.randint(*valuehints.name_range(name, integer=True))
    if isinstance(example, float):
        return round(rng.uniform(0, 1), 2)
    if isinstance(example, str):
        return valuehints.string_for_name(name, rng)
    if isinstance(example, list):
        return [_like(example[0], name, rng)] if example else []
    if isinstance(example, dict):
        return {k: _like(v, k, rng) for k, v in example.items()}
    return None


def _free_object(messages: Sequence[Any], rng: random.Random) -> dict[str, Any]:
    keys = named_keys(" ".join(reversed(_instruction_texts(messages))))
    if keys:
        return {k: valuehints.value_for_name(k, rng) for k in keys}
    example = _example_object(messages)
    if example is not None:
        return {k: _like(v, k, rng) for k, v in example.items()}
    return {"answer": text.sentence(rng), "confidence": round(rng.uniform(0.5, 1), 2)}


def content(body: Mapping[str, Any], messages: Sequence[Any], rng: random.Random) -> str | None:
    """The JSON answer the prompt asks for (rules 2-4), or None for a free-text answer."""
    response_format = body.get("response_format")
    json_object = isinstance(response_format, dict) and response_format.get("type") == "json_object"
    schema = prompted_schema(messages)
    instructions = "\n".join(_instruction_texts(messages))
    if schema is None:
        if not json_object:
            return None
        return json.dumps(_free_object(messages, rng))
    if not json_object and not _WANTS_JSON.search(instructions):
        return None
    try:
        value = chat_tools.value_for(schema, rng)
    except SynthesisError:
        return json.dumps({}) if json_object else None  # an unsatisfiable schema: no JSON to give
    answer = json.dumps(value, indent=2 if not json_object else None)
    if not json_object and _WANTS_FENCE.search(instructions):
        return f"```json\n{answer}\n```"
    return answer
