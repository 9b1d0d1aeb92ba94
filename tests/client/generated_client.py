"""A strict client generated from swagger.yaml by `openapi-python-client` at test time, and an
adapter for it, written as its users would call it: `api.<tag>.<operation>.sync_detailed(
client=AuthenticatedClient(...), body=Model.from_dict(...), **parameters)`, then the parsed
model's `to_dict()`. The generated code goes to a temporary directory, never into the project.

The generator reads no event streams (it omits `text/event-stream` answers), so the adapter
declares `streaming: False` and answers `unsupported` for `stream: true`, as a user would find.
"""

from __future__ import annotations

import datetime
import enum
import importlib
import inspect
import json
import pkgutil
import shutil
import subprocess
import sys
import types
import typing
from pathlib import Path
from typing import Any

from contracts.client.adapters.base import Arguments, ClientError, Result, Target, Unsupported, snake

PACKAGE = "venice_generated_client"


def generator() -> str | None:
    """The generator's command, installed by the `test` extra next to this Python."""
    local = Path(sys.executable).with_name("openapi-python-client")
    return str(local) if local.exists() else shutil.which("openapi-python-client")


def generate(spec: Path, directory: Path) -> subprocess.CompletedProcess[str]:
    """Generate the client package into `directory / PACKAGE` (its output: what it could not do)."""
    command = generator()
    assert command is not None, "openapi-python-client is not installed (pip install -e .[test])"
    env_path = f"{Path(sys.executable).parent}:{Path(command).parent}"
    return subprocess.run(
        [
            command,
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(directory / PACKAGE),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": env_path},  # its post-generation hook runs ruff from here
        timeout=300,
    )


def _members(annotation: Any) -> list[Any]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return list(typing.get_args(annotation))
    return [annotation]


def _typed(annotation: Any, value: Any) -> Any:
    """`value` as the generated function wants it: a model from a dict, an enum from a string."""
    for member in _members(annotation):
        if member in (datetime.datetime, datetime.date) and isinstance(value, str):
            return member.fromisoformat(value)
        if isinstance(member, type) and issubclass(member, enum.Enum):
            return member(value)
        if isinstance(value, dict) and hasattr(member, "from_dict"):
            return member.from_dict(value)
    return value


class GeneratedAdapter:
    """Drives the generated package (imported from where `generate` put it)."""

    capabilities: typing.ClassVar[dict[str, bool]] = {"streaming": False}

    def __init__(self, target: Target) -> None:
        package = importlib.import_module(PACKAGE)
        self.client = package.AuthenticatedClient(
            base_url=target.base_url, token=target.api_key, timeout=target.timeout
        )
        self.functions: dict[str, Any] = {}
        api = importlib.import_module(f"{PACKAGE}.api")
        for tag in pkgutil.iter_modules(api.__path__):
            for module in pkgutil.iter_modules([str(Path(api.__path__[0]) / tag.name)]):
                # get_api_key_generate_web_3_key is getApiKeyGenerateWeb3Key: compare without "_"
                self.functions[module.name.replace("_", "")] = f"{PACKAGE}.api.{tag.name}.{module.name}"

    def call(self, operation_id: str, arguments: Arguments) -> Result:
        name = self.functions.get(operation_id.lower())
        body = arguments.get("body")
        if name is None or (isinstance(body, dict) and body.get("stream") is True):
            raise Unsupported(operation_id)
        module = importlib.import_module(name)
        hints = typing.get_type_hints(module.sync_detailed)
        accepted = {p.rstrip("_"): p for p in inspect.signature(module.sync_detailed).parameters}
        kwargs: dict[str, Any] = {"client": self.client}
        for where in ("path", "query", "headers"):
            for key, value in (arguments.get(where) or {}).items():
                param = accepted.get(snake(key).replace("-", "_"))
                if param is not None:
                    kwargs[param] = _typed(hints.get(param), value)
        if "body" in arguments:
            kwargs["body"] = _typed(hints.get("body"), body)
        response = module.sync_detailed(**kwargs)
        if response.status_code >= 400:
            message = response.content.decode("utf-8", "replace")
            return Result(error=ClientError("UnexpectedStatus", message, int(response.status_code)))
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        if response.parsed is not None and hasattr(response.parsed, "to_dict"):
            return Result(value=response.parsed.to_dict())
        if media_type.endswith("json"):
            return Result(value=json.loads(response.content))
        return Result(binary=response.content)

    def close(self) -> None:
        self.client.get_httpx_client().close()
