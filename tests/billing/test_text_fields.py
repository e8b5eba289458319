"""Text PostgreSQL cannot store never reaches it, in any service: every string of every JSON
body (the request model's documented example, walked through to its list items and object
values) and every string query parameter is sent once holding a NUL character and once a lone
surrogate (the raw JSON escape ``\\ud800``). The answer is a 4xx, never a 5xx: a 422 naming the
field for a single resource; in a metrics batch, that row is rejected and the other stored.

The operations come from each service's own OpenAPI document, so a new endpoint or field is
covered without touching this test; a JSON body without an example fails it."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.main import create_app as create_gateway
from gateway.settings import GatewaySettings
from metrics.records.schemas import CONTACT_EXAMPLE
from tests.billing.conftest import BillingWorld
from tests.conftest import Keys, TokenFactory, api_client, rolled_back, running_app

NUL = "a\u0000b"
LONE_SURROGATE = "a\ud800b"  # json.dumps writes it as the escape "\ud800"
BATCHES = {"/v1/contact-records", "/v1/agent-activity", "/v1/quality-evaluations"}
# The gateway's own API (the rest of its document is the services' APIs, proxied).
GATEWAY_OWN = ("/v1/api-clients", "/oauth/")
Path = tuple[str | int, ...]


@pytest.fixture(scope="session")
async def gateway_app(database_urls: dict[str, str], keys: Keys) -> AsyncIterator[FastAPI]:
    settings = GatewaySettings(
        database_url=database_urls["gateway"], jwt_private_key_file=keys.private_path
    )
    async with running_app(create_gateway(settings)) as app:
        yield app


# --- the documents ---------------------------------------------------------------------------


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The component a schema refers to, looking through ``anyOf [X, null]``."""
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return _resolve(document, option)
    if ref := schema.get("$ref"):
        return document["components"]["schemas"][ref.rsplit("/", 1)[-1]]  # type: ignore[no-any-return]
    return schema


def json_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, the documented example) of each operation taking a JSON body."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if method not in ("post", "put", "patch") or "application/json" not in content:
                continue
            media = content["application/json"]
            schema = _resolve(document, media.get("schema", {}))
            examples = schema.get("examples") or [
                e.get("value") for e in (media.get("examples") or {}).values()
            ]
            example = media.get("example") or (examples[0] if examples else None)
            assert example is not None, f"{method.upper()} {path}: document an example body"
            yield method, path, example


def string_query_parameters(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for path, operations in document["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            schema = json.dumps(parameter.get("schema", {}))
            if parameter["in"] == "query" and '"string"' in schema:
                yield path, parameter["name"]


def string_leaves(value: Any, path: Path = ()) -> Iterator[Path]:
    """Paths of every string in a JSON value: object values and list items, at any depth."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from string_leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_leaves(item, (*path, index))


def replaced(value: Any, path: Path, text: str) -> Any:
    if not path:
        return text
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], text)  # type: ignore[index]
    return copy


def field_name(path: Path) -> str:
    """A path as problems name fields: ``term.start_date``, ``records[0].queue``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def raw(body: Any) -> bytes:
    # ASCII JSON: a lone surrogate goes as its escape, as a client would send it.
    return json.dumps(body).encode("ascii")


def names(problem: dict[str, Any], field: str) -> bool:
    """Whether a problem's errors name the field (or the object holding it, for free-form
    JSON objects such as ``attributes``, refused as a whole)."""
    named = [error["field"] for error in problem.get("errors", [])]
    return any(
        field == n
        or field.startswith((n + ".", n + "["))
        or n.startswith((field + "[", field + "."))
        for n in named
    )


# --- the seeded world the examples are sent in -----------------------------------------------


async def seeded_ids(world: BillingWorld) -> dict[str, str]:
    """Ids the examples name, replaced by real ones: a signed contract claiming the examples'
    queue from 2020 on, its client and operator, and the examples' metrics sources (the
    telephony platform's and the QA tool's)."""
    contract = await world.contract(queues=["acme-support"])
    for name in ("connect-prod", "qa-tool"):
        response = await world.metrics.post("/v1/sources", json={"name": name, "kind": "api"})
        assert response.status_code == 201, response.text
    # The contact the QA evaluation example scores.
    response = await world.metrics.post(
        "/v1/contact-records", json={"source": "connect-prod", "records": [CONTACT_EXAMPLE]}
    )
    assert response.status_code == 200 and response.json()["inserted"] == 1, response.text
    ids = {"contract_id": contract.id, "client_id": contract.client_id}
    return {
        **{name: str(value) for name, value in ids.items()},
        "organization_id": str(contract.client_id),
        "tenant_client_id": str(contract.client_id),
        "parent_id": str(contract.id),
        "version": "1",
        "action": "submit",
    }


PATH_ONLY = {"version", "action"}  # path parameters, not ids a body names


def in_world(example: Any, ids: dict[str, str]) -> Any:
    """The example with the ids it names replaced by the seeded world's."""
    if isinstance(example, dict):
        return {k: ids[k] if k in ids and k not in PATH_ONLY else in_world(v, ids)
                for k, v in example.items()}  # fmt: skip
    if isinstance(example, list):
        return [in_world(item, ids) for item in example]
    return example


def url(path: str, ids: dict[str, str], created: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        # The resource the collection's example created; else one that does not exist (the
        # spoiled body is refused before the resource is looked up).
        made = created.get(path[: start - 1], str(uuid.uuid4()))
        path = path[:start] + made + path[end + 1 :]
    return path


def note_created(path: str, answer: httpx.Response, ids: dict[str, str],
                 created: dict[str, str]) -> None:  # fmt: skip
    """A collection's example was created: later paths under it and examples naming it
    (``/v1/price-plans`` -> ``price_plan_id``) get its id."""
    if answer.status_code != 201 or "{" in path or "id" not in answer.json():
        return
    created[path] = answer.json()["id"]
    ids[path.rsplit("/", 1)[-1].removesuffix("s").replace("-", "_") + "_id"] = created[path]


# --- the test --------------------------------------------------------------------------------


async def check_service(client: httpx.AsyncClient, document: dict[str, Any], ids: dict[str, str],
                        only: tuple[str, ...] = ()) -> list[str]:  # fmt: skip
    """Every string of every example body and query, spoiled: what answered wrongly."""
    wrong: list[str] = []
    headers = {"content-type": "application/json"}
    ids, created = dict(ids), {}
    for method, path, example in json_operations(document):
        if only and not path.startswith(only):
            continue
        body, target = in_world(example, ids), url(path, ids, created)
        baseline = await client.request(method, target, content=raw(body), headers=headers)
        note_created(path, baseline, ids, created)
        if baseline.status_code >= 500:
            wrong.append(f"{method} {path} example: {baseline.status_code} {baseline.text}")
        for leaf in string_leaves(body):
            for text in (NUL, LONE_SURROGATE):
                if path in BATCHES and leaf[:1] == ("records",):
                    wrong += await check_batch_row(client, path, body, leaf[2:], text)
                    continue
                sent = replaced(body, leaf, text)
                answer = await client.request(method, target, content=raw(sent), headers=headers)
                field = field_name(leaf)
                if answer.status_code != 422 or not names(answer.json(), field):
                    wrong.append(f"{method} {path} {field}={text!a}: "
                                 f"{answer.status_code} {answer.text[:300]}")  # fmt: skip
    for path, parameter in string_query_parameters(document):
        if only and not path.startswith(only):
            continue
        answer = await client.get(url(path, ids, created), params={parameter: NUL})
        if answer.status_code != 422 or not names(answer.json(), parameter):
            wrong.append(f"GET {path}?{parameter}=NUL: {answer.status_code} {answer.text[:300]}")
    return wrong


async def check_batch_row(
    client: httpx.AsyncClient, path: str, batch: dict[str, Any], leaf: Path, text: str
) -> list[str]:
    """A batch of the example row and a spoiled copy: the copy is rejected naming the field,
    the example row is stored."""
    (row,) = batch["records"]
    spoiled = replaced({**row, "external_id": "spoiled"}, leaf, text)
    sent = {**batch, "records": [row, spoiled]}
    answer = await client.post(
        path, content=raw(sent), headers={"content-type": "application/json"}
    )
    field = field_name(leaf)
    result = answer.json()
    rejected = [(r["index"], r["field"]) for r in result.get("rejections", [])]
    stored = result.get("inserted", 0) + result.get("updated", 0) + result.get("unchanged", 0)
    top = str(leaf[0])
    if answer.status_code != 200 or rejected != [(1, top)] or stored != 1:
        return [
            f"POST {path} records[1].{field}={text!a}: {answer.status_code} {answer.text[:300]}"
        ]
    return []


@pytest.mark.parametrize("service", ["contracts", "metrics", "billing", "gateway"])
async def test_no_string_field_or_parameter_takes_unstorable_text(
    service: str,
    world: BillingWorld,
    contracts_app: FastAPI,
    metrics_app: FastAPI,
    billing_app: FastAPI,
    gateway_app: FastAPI,
    token: TokenFactory,
) -> None:
    ids = await seeded_ids(world)  # contracts and metrics: in the world's transactions
    apps = {"contracts": contracts_app, "metrics": metrics_app}
    async with AsyncExitStack() as stack:
        if service in ("billing", "gateway"):
            app = billing_app if service == "billing" else gateway_app
            await stack.enter_async_context(rolled_back(app))
        else:
            app = apps[service]
        client = await stack.enter_async_context(api_client(app, token("admin")))
        only = GATEWAY_OWN if service == "gateway" else ()
        wrong = await check_service(client, app.openapi(), ids, only)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("field", ["grant_type", "client_id", "client_secret", "scope"])
async def test_the_token_form_refuses_a_nul(gateway_app: FastAPI, field: str) -> None:
    form = {"grant_type": "client_credentials", "client_id": "ctr_x", "client_secret": "cs_x"}
    async with rolled_back(gateway_app), api_client(gateway_app) as client:
        answer = await client.post("/oauth/token", data={**form, field: NUL})
    assert 400 <= answer.status_code < 500, answer.text
    if field != "grant_type":  # an unknown grant type is OAuth's unsupported_grant_type
        assert answer.status_code == 422 and names(answer.json(), field), answer.text
