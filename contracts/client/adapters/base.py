"""The adapter protocol: how the client suite drives a client, in any language.

A Python adapter is an object with one `call(operation_id, arguments)` method, or one method per
operation (named by operationId, `createChatCompletion`, or in snake case,
`create_chat_completion`, taking the arguments). `arguments` is the language-neutral call:
`{"path": {...}, "query": {...}, "headers": {...}, "body": ...}` (missing keys: nothing of that
kind). The adapter makes its client perform that call and hands back what the client returned:
a JSON value, `bytes` for binary answers, or a `Result` (required for streams: the events as the
client surfaced them). It raises, or returns `Result(error=...)`, when the client reported an
error; `Unsupported` when its client cannot make that call at all.

Optional attributes: `operations` (the operationIds it covers; default: try each),
`allowances` ({operationId: {field: why}}: differences from the given arguments that the
adapter declares on purpose, reported but not failed), `capabilities` ({"streaming": False}:
its client does not read event streams, so stream answers are not scripted), `close()`.
Answering `Unsupported` is never a client bug: the suite notes it and moves on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from contracts.failures import excerpt

Arguments = dict[str, Any]


class AdapterLoadError(ValueError):
    """An adapter that cannot start: nothing loadable named, a missing command, an import error.
    A usage error (exit 2), never a client bug."""


class Unsupported(Exception):
    """The client behind an adapter cannot make this call (the operation is outside its API)."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where and how the client under test reaches the mock."""

    base_url: str  # e.g. http://127.0.0.1:PORT/api/v1
    api_key: str = "test-key"
    timeout: float = 30.0  # seconds a client may spend on one call (its own timeout setting)


@dataclass(frozen=True, slots=True)
class ClientError:
    """An error the client reported (an exception, or an error result of a subprocess adapter)."""

    type: str  # exception class name, or what the adapter called it
    message: str
    status: int | None = None  # the HTTP status the client attached to the error, if any

    def __str__(self) -> str:
        status = f" (status {self.status})" if self.status is not None else ""
        return f"{self.type}{status}: {excerpt(self.message, 160)}"


@dataclass(frozen=True, slots=True)
class Result:
    """What one client call produced."""

    value: Any = None  # the JSON value the client returned
    events: tuple[Any, ...] | None = None  # a stream: the events, in order, as the client surfaced them
    binary: bytes | None = None  # a binary answer
    error: ClientError | None = None
    unsupported: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)  # anything else the adapter reports

    @property
    def ok(self) -> bool:
        return self.error is None and not self.unsupported

    @property
    def shown(self) -> str:
        if self.unsupported:
            return "unsupported"
        if self.error is not None:
            return f"error {self.error}"
        if self.events is not None:
            return f"{len(self.events)} events"
        if self.binary is not None:
            return f"{len(self.binary)} bytes"
        return f"value {excerpt(self.value, 120)}"


@runtime_checkable
class Adapter(Protocol):
    def call(self, operation_id: str, arguments: Arguments) -> Any: ...


def error_of(exc: BaseException) -> ClientError:
    """A ClientError from an exception, with the HTTP status if the exception carries one."""
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(exc, "status", None)
    if status is None:
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
    return ClientError(type(exc).__name__, str(exc) or repr(exc), status if isinstance(status, int) else None)


def as_result(returned: Any) -> Result:
    """Whatever a Python adapter returned, as a Result."""
    if isinstance(returned, Result):
        return returned
    if isinstance(returned, (bytes, bytearray, memoryview)):
        return Result(binary=bytes(returned))
    return Result(value=returned)


def snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


class PerOperation:
    """An adapter made of one method per operation, seen through the `call` protocol."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.allowances: Mapping[str, Mapping[str, str]] = getattr(target, "allowances", {})

    def method(self, operation_id: str) -> Callable[[Arguments], Any] | None:
        for name in (operation_id, snake(operation_id)):
            found = getattr(self.target, name, None)
            if callable(found):
                return found  # type: ignore[no-any-return]
        return None

    @property
    def operations(self) -> Collection[str] | None:
        declared = getattr(self.target, "operations", None)
        return declared if isinstance(declared, Collection) else None

    @property
    def capabilities(self) -> Mapping[str, Any]:
        declared = getattr(self.target, "capabilities", None)
        return declared if isinstance(declared, Mapping) else {}

    def call(self, operation_id: str, arguments: Arguments) -> Any:
        method = self.method(operation_id)
        if method is None:
            raise Unsupported(
                f"{type(self.target).__name__} has no method {operation_id} or {snake(operation_id)}"
            )
        return method(arguments)

    def close(self) -> None:
        close = getattr(self.target, "close", None)
        if callable(close):
            close()


def as_adapter(obj: Any) -> Any:
    """`obj` if it has a `call` method, else its per-operation methods behind one."""
    return obj if isinstance(obj, Adapter) else PerOperation(obj)
