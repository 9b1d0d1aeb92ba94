"""Start-up and /models req/s on a large generated OAS 3.1 spec, beside the bundled one.

Real vendor specs are a few MB with ~300 operations, descriptions everywhere, deep component
graphs and the odd 3.0 habit. This script writes such a spec (deterministically), starts the mock
on it and on the bundled swagger.yaml, and prints for each: spec size, operations, warnings,
spawn -> first 200 on GET /models, and GET /models req/s. It asserts nothing.

    python bench/bigspec.py [--operations 300] [--duration 5] [--keep PATH]

The server is run as `python -m mockserver` from the current directory, so a worktree measures
its own code (the installed console script may belong to another checkout).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
import server
from scenarios import MODELS

_WORDS = (
    "account amount balance customer invoice payment refund order item price product quantity status "
    "subscription plan period currency metadata address shipping tax discount coupon event webhook"
).split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _leaf(rng: random.Random, habits: bool) -> dict[str, Any]:
    kind = rng.choice(["string", "integer", "number", "boolean", "enum", "date", "nullable", "bounded"])
    description = {"description": _text(rng, rng.randint(8, 30))}
    if kind == "enum":
        return {"type": "string", "enum": rng.sample(_WORDS, 4), **description}
    if kind == "date":
        return {"type": "string", "format": "date-time", **description}
    if kind == "nullable":
        # Half the time the 3.0 way (a habit real 3.1 specs keep), else the 3.1 way.
        if habits and rng.random() < 0.5:
            return {"type": "string", "nullable": True, **description}
        return {"type": ["string", "null"], **description}
    if kind == "bounded":
        if habits and rng.random() < 0.3:
            return {"type": "integer", "minimum": 0, "exclusiveMinimum": True, **description}
        return {"type": "integer", "exclusiveMinimum": 0, "maximum": 10_000, **description}
    return {"type": kind, **description}


def _object(rng: random.Random, refs: list[str], depth: int, habits: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for index in range(rng.randint(6, 14)):
        name = f"{rng.choice(_WORDS)}_{index}"
        roll = rng.random()
        if roll < 0.15 and refs:
            properties[name] = {"$ref": f"#/components/schemas/{rng.choice(refs)}"}
        elif roll < 0.25 and depth < 2:
            properties[name] = {"type": "array", "items": _object(rng, refs, depth + 1, habits)}
        elif roll < 0.32 and depth < 2:
            properties[name] = _object(rng, refs, depth + 1, habits)
        else:
            properties[name] = _leaf(rng, habits)
    required = sorted(rng.sample(sorted(properties), k=rng.randint(1, 4)))
    return {
        "type": "object",
        "description": _text(rng, 20),
        "properties": properties,
        "required": required,
    }


def big_spec(operations: int, seed: int = 0, habits: bool = True) -> dict[str, Any]:
    """A deterministic OAS 3.1 document with `operations` operations (plus GET /models)."""
    rng = random.Random(seed)
    schemas: dict[str, Any] = {}
    for index in range(operations // 2):
        schemas[f"Resource{index}"] = _object(rng, list(schemas)[-20:], 0, habits)
    names = list(schemas)
    error = {
        "type": "object",
        "properties": {"error": {"type": "string"}, "details": {"type": "object"}},
        "required": ["error"],
    }
    schemas["Error"] = error
    paths: dict[str, Any] = {
        "/models": {
            "get": {
                "operationId": "listModels",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{names[0]}"}}
                        },
                    }
                },
            }
        }
    }
    made = 0
    while made < operations:
        resource = rng.choice(names)
        base = f"/{resource.lower()}s{made}"
        one = {"$ref": f"#/components/schemas/{resource}"}
        errors = {
            status: {
                "description": _text(rng, 12),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
            for status in ("400", "401", "404")
        }
        page = {
            "type": "object",
            "properties": {"data": {"type": "array", "items": one}, "has_more": {"type": "boolean"}},
            "required": ["data", "has_more"],
        }
        limit = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
        ident = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}

        def answer(schema: dict[str, Any], errors: dict[str, Any] = errors) -> dict[str, Any]:
            return {
                "200": {"description": _text(rng, 15), "content": {"application/json": {"schema": schema}}},
                **errors,
            }

        paths[base] = {
            "get": {
                "operationId": f"list{made}",
                "description": _text(rng, 200),
                "parameters": [limit],
                "responses": answer(page),
            },
            "post": {
                "operationId": f"create{made + 1}",
                "description": _text(rng, 200),
                "requestBody": {"required": True, "content": {"application/json": {"schema": one}}},
                "responses": answer(one),
            },
        }
        paths[base + "/{id}"] = {
            "get": {"operationId": f"get{made + 2}", "parameters": [ident], "responses": answer(one)},
        }
        made += 3
    return {
        "openapi": "3.1.0",
        "info": {"title": "Generated vendor API", "version": "2025-01-01"},
        "servers": [{"url": "https://api.example.com/api/v1"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


def source_command(extra: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "mockserver", "--port", "0", "--log-level", "warning", *extra]


def measure(label: str, spec_args: list[str], size: int, duration: float, connections: int) -> None:
    server.server_command = source_command  # this checkout's code, not the installed script's
    with server.spawned(spec_args, timeout=120) as running:
        stats = loadgen.python_timed(running.target, MODELS, connections, duration, min(1.0, duration / 4))
    print(
        f"{label:<28} {size / 1e6:6.2f} MB  start {running.startup.first_ok_s:6.2f} s  "
        f"GET /models {stats.rps:8.0f} req/s (p50 {stats.p50_ms or 0:.2f} ms, non-2xx {stats.non_2xx})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="bigspec.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    p.add_argument("--operations", type=int, default=300)
    p.add_argument("--duration", type=float, default=5.0, help="measured seconds of GET /models (default 5)")
    p.add_argument("--connections", type=int, default=20)
    p.add_argument("--keep", metavar="PATH", help="also write the generated spec here")
    args = p.parse_args(argv)
    document = big_spec(args.operations)
    text = json.dumps(document, indent=1)
    if args.keep:
        Path(args.keep).write_text(text)
    bundled = Path(__file__).resolve().parent.parent / "swagger.yaml"
    measure("bundled swagger.yaml", [], bundled.stat().st_size, args.duration, args.connections)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "big.json")
        path.write_text(text)
        ops = sum(len(item) for item in document["paths"].values())
        measure(
            f"generated, {ops} operations",
            ["--spec", str(path), "--no-behaviors"],
            len(text),
            args.duration,
            args.connections,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
