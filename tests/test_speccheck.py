"""Our start-up spec check warns about the same broken documents openapi-spec-validator rejects,
200x faster; the repairs (mockserver.specrepair) name the same places."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from mockserver.speccheck import check_document
from mockserver.specfile import read_document
from mockserver.specrepair import repair

ROOT = Path(__file__).parent.parent
RAW, TEXT = read_document(ROOT / "swagger.yaml")

Mutation = Callable[[dict[str, Any]], None]


def chat(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"]["/chat/completions"]["post"]  # type: ignore[no-any-return]


def request_schema(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]["ChatCompletionRequest"]  # type: ignore[no-any-return]


MUTATIONS: dict[str, Mutation] = {
    "unchanged": lambda d: None,
    "unknown type": lambda d: request_schema(d)["properties"]["n"].update(type="bogus"),
    "required is not a list": lambda d: request_schema(d).update(required="messages"),
    "responses missing": lambda d: chat(d).pop("responses"),
    "parameter location unknown": lambda d: chat(d)["parameters"][0].update({"in": "body"}),
    "path without leading slash": lambda d: d["paths"].update({"models2": d["paths"]["/models"]}),
    "info missing": lambda d: d.pop("info"),
    "unknown field on an operation": lambda d: chat(d).update(bogus=1),
    "extension field is fine": lambda d: chat(d).update({"x-anything": 1}),
    "invalid default": lambda d: request_schema(d)["properties"]["temperature"].update(default="hot"),
    "yaml 1.1 boolean default": lambda d: request_schema(d)["properties"]["venice_parameters"]["properties"][
        "enable_web_search"
    ].update(default=False),
    "minLength negative": lambda d: request_schema(d)["properties"]["model"].update(minLength=-1),
    "response code not a status": lambda d: chat(d)["responses"].update({"abc": {"description": "x"}}),
    "security scheme bad type": lambda d: d["components"]["securitySchemes"]["BearerAuth"].update(
        type="magic"
    ),
}


def problems_of(document: dict[str, Any]) -> list[str]:
    found = repair(document) + check_document(document)
    return [f"{'.'.join(map(str, location))}: {message}" for location, message in found]


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_warns_where_openapi_spec_validator_rejects(name: str) -> None:
    document = copy.deepcopy(RAW)
    MUTATIONS[name](document)
    reference_errors = list(OpenAPIV30SpecValidator(copy.deepcopy(document)).iter_errors())
    ours = problems_of(document)
    assert bool(ours) == bool(reference_errors), (name, ours, [e.message for e in reference_errors[:3]])


def test_each_problem_is_one_warning_naming_its_location() -> None:
    document = copy.deepcopy(RAW)
    request_schema(document)["properties"]["n"]["type"] = "bogus"
    chat(document)["bogus"] = 1
    assert problems_of(document) == [
        "components.schemas.ChatCompletionRequest.properties.n.type: 'bogus' is not a JSON Schema type;"
        " only no type kept",
        "paths./chat/completions.post.bogus: unknown property (additionalProperties is false)",
    ]
