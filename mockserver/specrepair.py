"""What real specs get wrong in their schemas, repaired in place with one warning each.

Published specs mix OAS 3.0 habits into 3.1 documents (boolean `exclusiveMinimum`, `nullable`),
3.1 constructs into 3.0 ones (numeric `exclusiveMinimum`, `const`), and plain mistakes
(`type: file`, `required: true` on a property, `minLength: -1`, a pattern no engine accepts,
a default that violates its schema). A validator refuses to compile such a schema, which used to
stop the start. Here each is rewritten to what the author meant (or dropped when nothing was
meant) before anything else reads the document, so the operation is still served, and the
problem becomes one spec warning at the place it is written.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import jsonschema_rs

from mockserver.schemas import Converter, compile_validator
from mockserver.speccheck import Problem, schema_nodes

_TYPES = frozenset(("string", "number", "integer", "boolean", "array", "object", "null"))
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
_NUMBERS = ("minimum", "maximum")
_UNIONS = ("allOf", "anyOf", "oneOf")


def repair(raw: dict[str, Any]) -> list[Problem]:
    """Fix the schemas of a raw document in place; the problems found, one per location."""
    version = str(raw.get("openapi"))
    is_30 = version.startswith("3.0")
    problems: list[Problem] = []
    nodes = [(location, node) for location, node, _ in schema_nodes(raw, raw)]
    for location, node in nodes:

        def report(keyword: str, message: str, location: tuple[str | int, ...] = location) -> None:
            problems.append(((*location, keyword), message))

        _repair_node(node, is_30, report)
    converter = Converter(version, "response")
    for location, node in nodes:
        problem = _invalid_default(node, converter, version)
        if problem:
            del node["default"]
            problems.append(((*location, "default"), problem))
    return problems


Report = Callable[[str, str], None]


def _repair_node(node: dict[str, Any], is_30: bool, report: Report) -> None:
    _repair_type(node, is_30, report)
    _repair_bounds(node, is_30, report)
    for keyword in _COUNTS:
        value = node.get(keyword)
        if keyword in node and not _is_count(value):
            del node[keyword]
            report(keyword, f"{value!r} is not a non-negative integer; ignored")
    for keyword in _NUMBERS:
        if keyword in node and not _is_number(node[keyword]):
            report(keyword, f"{node.pop(keyword)!r} is not a number; ignored")
    if "multipleOf" in node and not (_is_number(node["multipleOf"]) and node["multipleOf"] > 0):
        report("multipleOf", f"{node.pop('multipleOf')!r} is not a positive number; ignored")
    if "required" in node:
        _repair_required(node, is_30, report)
    if "enum" in node:
        enum = node["enum"]
        if not isinstance(enum, list) or not enum:
            del node["enum"]
            report("enum", f"{enum!r:.60} is not a non-empty list; ignored")
        elif is_30 and len({_key(v) for v in enum}) < len(enum):
            node["enum"] = list({_key(v): v for v in enum}.values())
            report("enum", "lists a value twice (OAS 3.0 wants unique values); duplicates dropped")
    if "pattern" in node and not _pattern_compiles(node["pattern"]):
        report(
            "pattern",
            f"{node.pop('pattern')!r:.80} is not a regular expression the validator accepts; ignored",
        )
    if "format" in node and not isinstance(node["format"], str):
        report("format", f"{node.pop('format')!r} is not a string; ignored")
    _repair_subschemas(node, is_30, report)
    if is_30 and "const" in node:
        node.setdefault("enum", [node["const"]])
        del node["const"]
        report("const", "`const` is OAS 3.1; read as a one-value `enum` in this 3.0 document")


def _repair_type(node: dict[str, Any], is_30: bool, report: Report) -> None:
    if "type" in node:
        kind = node["type"]
        kinds = kind if isinstance(kind, list) else [kind]
        known = [k for k in kinds if isinstance(k, str) and k in _TYPES]
        if len(known) < len(kinds) or not known:
            hint = " (Swagger 2.0's `file` is `type: string, format: binary`)" if "file" in kinds else ""
            report("type", f"{kind!r} is not a JSON Schema type{hint}; only {known or 'no type'} kept")
            if not known:
                del node["type"]
            else:
                node["type"] = known if isinstance(kind, list) else known[0]
    if not is_30 and node.get("nullable") is True:
        # A 3.0 habit in a 3.1 document: the author meant `type: [..., "null"]`.
        kind = node.get("type")
        if isinstance(kind, str):
            node["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            node["type"] = [*kind, "null"]
        del node["nullable"]
        report("nullable", "`nullable` is OAS 3.0; read as `type` allowing null in this 3.1 document")


def _repair_bounds(node: dict[str, Any], is_30: bool, report: Report) -> None:
    for exclusive, inclusive in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if exclusive not in node:
            continue
        value = node[exclusive]
        if is_30 and _is_number(value):
            # 3.1's numeric form in a 3.0 document: the draft-4 pair is bound + boolean.
            node[inclusive] = value
            node[exclusive] = True
            report(exclusive, f"a number is OAS 3.1; read as `{inclusive}: {value}, {exclusive}: true`")
        elif not is_30 and isinstance(value, bool):
            # 3.0's boolean form in a 3.1 document: the bound moves into the keyword.
            if value and _is_number(node.get(inclusive)):
                node[exclusive] = node.pop(inclusive)
                report(exclusive, f"a boolean is OAS 3.0; read as `{exclusive}: {node[exclusive]}`")
            else:
                del node[exclusive]
                report(exclusive, "a boolean is OAS 3.0 and bounds nothing here; ignored")
        elif not isinstance(value, bool) and not _is_number(value):
            del node[exclusive]
            report(exclusive, f"{value!r} is neither a boolean nor a number; ignored")


def _repair_required(node: dict[str, Any], is_30: bool, report: Report) -> None:
    required = node["required"]
    if isinstance(required, bool):
        del node["required"]
        report("required", "a boolean here is Swagger 2.0; list the names in the parent's `required`")
    elif not isinstance(required, list) or not all(isinstance(n, str) for n in required):
        names = [n for n in required if isinstance(n, str)] if isinstance(required, list) else []
        node["required"] = list(dict.fromkeys(names))
        if not node["required"]:
            del node["required"]
        report("required", f"{required!r:.60} is not a list of property names; names kept: {names}")
    elif not required and is_30:
        del node["required"]
        report("required", "an empty list is not allowed in OAS 3.0 (draft 4); ignored")
    elif len(set(required)) < len(required):
        node["required"] = list(dict.fromkeys(required))
        report("required", "names a property twice; duplicates dropped")


def _repair_subschemas(node: dict[str, Any], is_30: bool, report: Report) -> None:
    for keyword in ("properties", "patternProperties"):
        if keyword in node and not isinstance(node[keyword], dict):
            report(keyword, f"{node.pop(keyword)!r:.60} is not a mapping of schemas; ignored")
        elif keyword in node:
            for name, sub in list(node[keyword].items()):
                if not isinstance(sub, dict) and not (isinstance(sub, bool) and not is_30):
                    node[keyword][name] = {}
                    report(keyword, f"{name!r} is {sub!r:.40}, not a schema; read as any value")
    for keyword in _UNIONS:
        if keyword in node:
            value = node[keyword]
            kept = [v for v in value if isinstance(v, (dict, bool))] if isinstance(value, list) else []
            if not kept:
                del node[keyword]
                report(keyword, f"{value!r:.60} is not a non-empty list of schemas; ignored")
            elif len(kept) < len(value):
                node[keyword] = kept
                report(keyword, "lists something that is not a schema; dropped")
    extra = node.get("additionalProperties")
    if "additionalProperties" in node and not isinstance(extra, (bool, dict)):
        del node["additionalProperties"]
        report("additionalProperties", f"{extra!r:.40} is neither a boolean nor a schema; ignored")
    items = node.get("items")
    if not is_30 and isinstance(items, list):
        # Draft 4's tuple form in a 2020-12 document: the same meaning is `prefixItems`.
        node["prefixItems"] = node.pop("items")
        report("items", "a list of schemas is the draft-4 tuple form; read as `prefixItems`")
    elif "items" in node and not isinstance(items, (dict, bool, list)):
        del node["items"]
        report("items", f"{items!r:.40} is not a schema; ignored")


def _invalid_default(node: dict[str, Any], converter: Converter, version: str) -> str | None:
    if "default" not in node or "$ref" in node or _has_refs(node):
        return None  # a default under a $ref would need the resolved document; rare in practice
    try:
        validator = compile_validator(converter.convert(node), version)
        errors = list(validator.iter_errors(node["default"]))
    except (ValueError, jsonschema_rs.ValidationError):
        return None  # the schema itself is broken: the builder reports that
    if not errors:
        return None
    return f"default {node['default']!r:.60} violates its schema ({errors[0].message}); ignored"


def _has_refs(node: Any) -> bool:
    if isinstance(node, dict):
        return "$ref" in node or any(_has_refs(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_refs(v) for v in node)
    return False


@cache
def _pattern_compiles(pattern: object) -> bool:
    if not isinstance(pattern, str):
        return False
    try:
        jsonschema_rs.Draft202012Validator({"pattern": pattern})
    except (ValueError, jsonschema_rs.ValidationError):
        return False
    return True


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_count(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and value >= 0
        and float(value).is_integer()
    )


def _key(value: object) -> str:
    return repr((type(value).__name__, value))
