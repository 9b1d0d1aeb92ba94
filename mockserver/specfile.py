"""Reading an OpenAPI document from disk: YAML 1.2 scalars, `$ref` resolution, line lookup.

PyYAML implements YAML 1.1, where `on`/`off` are booleans and `2024-01-01T00:00:00Z` is a
datetime. The Venice spec has `enum: [auto, off, on]`, which YAML 1.1 turns into booleans and
then fails its own `type: string`. We therefore resolve plain scalars by the YAML 1.2 core schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

from mockserver.exceptions import SpecLoadError
from mockserver.types import JSON

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Yaml12Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """PyYAML's safe loader with the YAML 1.2 core schema for plain scalars."""


# Drop the YAML 1.1 resolvers that disagree with 1.2 (bool, int, float, timestamp) and add 1.2 ones.
Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT, _FLOAT, _TIMESTAMP)]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
Yaml12Loader.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
Yaml12Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)  # YAML 1.2: a leading zero is still decimal


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


Yaml12Loader.add_constructor(_INT, _construct_int)
Yaml12Loader.add_constructor(_FLOAT, _construct_float)


def parse_document(text: str, source: str) -> JSON:
    """Parse JSON or YAML 1.2 text into plain JSON-compatible data."""
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            return json.loads(text)
        return yaml.load(text, Loader=Yaml12Loader)  # a safe loader (SafeLoader subclass)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise SpecLoadError(f"{where}: invalid YAML: {exc.problem}") from None
    except (yaml.YAMLError, ValueError) as exc:
        raise SpecLoadError(f"{source}: cannot parse: {exc}") from None


def read_document(path: Path) -> tuple[JSON, str]:
    """Read and parse one document; returns the data and its text (kept for line lookups)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecLoadError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecLoadError(f"{path}: cannot read: {exc}") from None
    return parse_document(text, str(path)), text


def line_of(text: str, location: Sequence[str | int]) -> int | None:
    """1-based line of the node at `location` (keys and indexes) in a YAML/JSON text, if found.

    Only used on error paths, so composing the whole node tree again is fine.
    """
    try:
        node = yaml.compose(text, Loader=Yaml12Loader)
    except yaml.YAMLError:
        return None
    best = node.start_mark.line + 1 if node is not None else None
    for token in location:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if getattr(k, "value", None) == str(token)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(token, int) and token < len(node.value):
            found = node.value[token]
        else:
            found = None
        if found is None:
            break
        node = found
        best = node.start_mark.line + 1
    return best


def pointer_tokens(pointer: str) -> list[str]:
    """Split a JSON pointer fragment (`/components/schemas/A~1B`) into unescaped tokens."""
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise SpecLoadError(f"invalid JSON pointer {pointer!r}")
    return [unquote(t).replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def format_location(location: Sequence[str | int]) -> str:
    """`paths./chat/completions.post` style location used in messages about the spec."""
    return ".".join(str(t) for t in location) or "(root)"


@dataclass
class _Resolver:
    """Inlines `$ref`s. Recursive references stay as `$ref` and are listed in `recursive`."""

    root_path: Path
    documents: dict[Path, JSON] = field(default_factory=dict)
    done: dict[tuple[Path, str], JSON] = field(default_factory=dict)
    active: list[tuple[Path, str]] = field(default_factory=list)
    recursive: dict[str, JSON] = field(default_factory=dict)
    # With a list, a $ref that cannot be followed is recorded here and read as `{}` (anything),
    # so one bad reference in a large spec costs a warning, not the start.
    problems: list[tuple[tuple[str | int, ...], str]] | None = None
    # With a dict, every resolved target by identity: (its name, the node), for schema compilers
    # that keep large shared components as references instead of expanding them.
    targets: dict[int, tuple[str, JSON]] | None = None

    def document(self, path: Path) -> JSON:
        if path not in self.documents:
            self.documents[path] = read_document(path)[0]
        return self.documents[path]

    def target(self, ref: str, here: Path, where: list[str | int]) -> tuple[Path, str, JSON]:
        file_part, _, fragment = ref.partition("#")
        if file_part.startswith(("http://", "https://")):
            raise SpecLoadError(
                f"{format_location(where)}: remote $ref {ref!r} is not supported (the mock works offline)"
            )
        path = (here.parent / file_part).resolve() if file_part else here
        node: Any = self.document(path)
        for token in pointer_tokens(fragment):
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise SpecLoadError(f"{format_location(where)}: $ref {ref!r} does not resolve")
        return path, fragment, node

    def resolve(self, node: JSON, here: Path, where: list[str | int]) -> JSON:
        if isinstance(node, list):
            return [self.resolve(item, here, [*where, i]) for i, item in enumerate(node)]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            try:
                path, fragment, target = self.target(ref, here, where)
            except SpecLoadError as exc:
                if self.problems is None:
                    raise
                message = str(exc).removeprefix(format_location(where) + ": ")
                self.problems.append((tuple(where), f"{message}; read as an empty schema (anything)"))
                return {}
            key = (path, fragment)
            if key in self.done:
                return self.done[key]
            if key in self.active:
                # A cycle: keep the reference; the schema compiler turns it into a definition.
                name = fragment if path == self.root_path else f"{path.name}#{fragment}"
                self.recursive[name] = target
                return {"$ref": name}
            self.active.append(key)
            try:
                resolved = self.resolve(target, path, [*where, "$ref"])
            finally:
                self.active.pop()
            self.done[key] = resolved
            if self.targets is not None and isinstance(resolved, dict):
                self.targets[id(resolved)] = (
                    fragment if path == self.root_path else f"{path.name}#{fragment}",
                    resolved,
                )
            return resolved
        return {k: self.resolve(v, here, [*where, k]) for k, v in node.items()}


def resolve_refs(
    document: JSON,
    path: Path,
    problems: list[tuple[tuple[str | int, ...], str]] | None = None,
    targets: dict[int, tuple[str, JSON]] | None = None,
) -> tuple[JSON, dict[str, JSON]]:
    """Return the document with every `$ref` inlined, and the targets of recursive refs.

    Shared targets are shared objects in the result (a DAG), so callers that walk it should
    memoize by identity. Recursive targets are resolved too, with their inner cycles kept as refs.
    A `$ref` that does not resolve raises SpecLoadError, or with `problems` is listed there.
    """
    resolver = _Resolver(root_path=path.resolve(), problems=problems, targets=targets)
    resolver.documents[resolver.root_path] = document
    resolved = resolver.resolve(document, resolver.root_path, [])
    recursive: dict[str, JSON] = {}
    pending = list(resolver.recursive.items())
    while pending:
        name, target = pending.pop()
        if name in recursive:
            continue
        recursive[name] = resolver.resolve(target, resolver.root_path, [name])
        pending.extend((n, t) for n, t in resolver.recursive.items() if n not in recursive)
    return resolved, recursive


def expanded_sizes(nodes: Iterator[JSON], limit: int) -> dict[int, int]:
    """How many nodes each tree would have with its shared subtrees copied out (capped at `limit`).

    A resolved document is a DAG: a component used by twenty others, each used by twenty more,
    is one object in memory but millions of nodes once anything copies it into a tree.
    """
    memo: dict[int, int] = {}

    def size(node: JSON) -> int:
        key = id(node)
        if key in memo:
            return memo[key]
        memo[key] = 1  # a cycle (only through kept `$ref`s, so none) counts once
        total = 1
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            total = min(total + size(child), limit)
        memo[key] = total
        return total

    return {id(node): size(node) for node in nodes}
