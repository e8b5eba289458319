"""Every contracts operation documents an example, and every example is valid."""

import pytest
from pydantic import BaseModel

from contracts.contracts import schemas
from contracts.contracts.published import schemas as published
from contracts.contracts.signing import schemas as signing
from contracts.main import create_app

MODELS = list(
    {
        getattr(module, name): None
        for module in (schemas, signing, published)
        for name in dir(module)
        if isinstance(getattr(module, name), type)
        and issubclass(getattr(module, name), BaseModel)
        and "examples" in (getattr(module, name).model_config.get("json_schema_extra") or {})
    }
)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_examples_are_valid(model: type[BaseModel]) -> None:
    for example in model.model_config["json_schema_extra"]["examples"]:  # type: ignore[index]
        model.model_validate(example)


def test_every_operation_has_an_example() -> None:
    spec = create_app().openapi()
    components = spec["components"]["schemas"]

    def documented(schema: dict) -> bool:
        ref = schema.get("$ref") or next(
            (s["$ref"] for s in schema.get("anyOf", []) if "$ref" in s), None
        )
        if ref is None:
            item = schema.get("items", {})
            return bool(item) and documented(item)
        component = components[ref.split("/")[-1]]
        if "examples" in component:
            return True
        items = component.get("properties", {}).get("items", {}).get("items", {})
        return bool(items) and documented(items)

    missing = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/v1/contracts"):
            continue
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            answer = next(
                (r for code, r in operation["responses"].items() if code.startswith("2")), {}
            )
            content = answer.get("content", {})
            json_schema = content.get("application/json", {}).get("schema", {})
            if body and documented(body["schema"]):
                continue
            if json_schema and documented(json_schema):
                continue
            if "text/html" in content:  # the document: an HTML or PDF file
                continue
            missing.append(f"{method.upper()} {path}")
    assert missing == []
