import uuid

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import TokenFactory, api_client, rolled_back

OPERATOR = {
    "kind": "operator",
    "legal_name": "Contact Partners Ltda.",
    "display_name": "Contact Partners",
    "country": "BR",
    "time_zone": "America/Sao_Paulo",
}


def client_body(name: str = "Acme") -> dict[str, object]:
    return {
        "legal_name": f"{name} S.A.",
        "display_name": name,
        "country": "BR",
        "tax_id": "12.345.678/0001-90",
        "billing_email": f"ap@{name.lower().replace(' ', '-')}.example",
        "time_zone": "America/Sao_Paulo",
    }


async def create(client: httpx.AsyncClient, body: dict[str, object], **headers: str) -> dict:
    response = await client.post("/v1/organizations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


class TestCreate:
    async def test_client_gets_the_operator_by_default(self, contracts: httpx.AsyncClient) -> None:
        operator = await create(contracts, OPERATOR)
        acme = await create(contracts, client_body())
        assert acme["kind"] == "client"
        assert acme["operator_id"] == operator["id"]

    async def test_client_before_any_operator_is_refused(
        self, contracts: httpx.AsyncClient
    ) -> None:
        response = await contracts.post("/v1/organizations", json=client_body())
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "operator_id"

    @pytest.mark.parametrize(
        ("field", "value"),
        [("time_zone", "Mars/Olympus"), ("country", "Brazil"), ("billing_email", "nope")],
    )
    async def test_bad_field_is_named(
        self, contracts: httpx.AsyncClient, field: str, value: str
    ) -> None:
        await create(contracts, OPERATOR)
        response = await contracts.post("/v1/organizations", json={**client_body(), field: value})
        assert response.status_code == 422
        problem = response.json()
        assert problem["status"] == 422
        assert [e["field"] for e in problem["errors"]] == [field]

    async def test_unknown_field_is_refused(self, contracts: httpx.AsyncClient) -> None:
        response = await contracts.post("/v1/organizations", json={**OPERATOR, "colour": "red"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "colour"

    async def test_idempotency_key_replays_the_first_answer(
        self, contracts: httpx.AsyncClient
    ) -> None:
        first = await create(contracts, OPERATOR, **{"Idempotency-Key": "k-1"})
        again = await create(contracts, OPERATOR, **{"Idempotency-Key": "k-1"})
        assert again["id"] == first["id"]
        listed = (await contracts.get("/v1/organizations")).json()["items"]
        assert [o["id"] for o in listed] == [first["id"]]

    async def test_idempotency_key_with_another_body_is_refused(
        self, contracts: httpx.AsyncClient
    ) -> None:
        await create(contracts, OPERATOR, **{"Idempotency-Key": "k-2"})
        response = await contracts.post(
            "/v1/organizations",
            json={**OPERATOR, "display_name": "Other"},
            headers={"Idempotency-Key": "k-2"},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "Idempotency-Key"


class TestUpdate:
    async def test_update_needs_if_match(self, contracts: httpx.AsyncClient) -> None:
        operator = await create(contracts, OPERATOR)
        url = f"/v1/organizations/{operator['id']}"
        assert (await contracts.patch(url, json={"display_name": "CP"})).status_code == 428

    async def test_stale_etag_is_refused_and_fresh_one_accepted(
        self, contracts: httpx.AsyncClient
    ) -> None:
        operator = await create(contracts, OPERATOR)
        url = f"/v1/organizations/{operator['id']}"
        etag = (await contracts.get(url)).headers["etag"]
        updated = await contracts.patch(
            url, json={"display_name": "CP"}, headers={"If-Match": etag}
        )
        assert updated.status_code == 200, updated.text
        assert updated.json()["display_name"] == "CP"
        stale = await contracts.patch(url, json={"display_name": "X"}, headers={"If-Match": etag})
        assert stale.status_code == 412

    async def test_required_field_cannot_be_nulled(self, contracts: httpx.AsyncClient) -> None:
        operator = await create(contracts, OPERATOR)
        response = await contracts.patch(
            f"/v1/organizations/{operator['id']}",
            json={"time_zone": None},
            headers={"If-Match": "*"},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "time_zone"


class TestList:
    async def test_pages_are_stable_and_complete(self, contracts: httpx.AsyncClient) -> None:
        await create(contracts, OPERATOR)
        names = [f"Client {i:02d}" for i in range(7)]
        for name in names:
            await create(contracts, client_body(name))
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, object] = {"limit": 3, "kind": "client"}
            if cursor:
                params["cursor"] = cursor
            page = (await contracts.get("/v1/organizations", params=params)).json()
            seen += [o["display_name"] for o in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == names

    async def test_free_text_filter(self, contracts: httpx.AsyncClient) -> None:
        await create(contracts, OPERATOR)
        await create(contracts, client_body("Globex"))
        await create(contracts, client_body("Initech"))
        page = (await contracts.get("/v1/organizations", params={"q": "glob"})).json()
        assert [o["display_name"] for o in page["items"]] == ["Globex"]

    async def test_garbage_cursor_is_a_named_4xx(self, contracts: httpx.AsyncClient) -> None:
        response = await contracts.get("/v1/organizations", params={"cursor": "%%%"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "cursor"


class TestTenancy:
    async def test_client_user_sees_only_itself(
        self, contracts_app: FastAPI, token: TokenFactory
    ) -> None:
        async with rolled_back(contracts_app):
            async with api_client(contracts_app, token("operator")) as operator:
                await create(operator, OPERATOR)
                acme = await create(operator, client_body("Acme"))
                globex = await create(operator, client_body("Globex"))
            async with api_client(
                contracts_app, token("client", client_id=acme["id"])
            ) as acme_user:
                listed = (await acme_user.get("/v1/organizations")).json()["items"]
                assert [o["id"] for o in listed] == [acme["id"]]
                assert (await acme_user.get(f"/v1/organizations/{acme['id']}")).status_code == 200
                other = await acme_user.get(f"/v1/organizations/{globex['id']}")
                assert other.status_code == 404
                refused = await acme_user.post("/v1/organizations", json=client_body("Evil"))
                assert refused.status_code == 403


class TestAuthentication:
    async def test_no_token_is_401_problem(self, contracts_app: FastAPI) -> None:
        async with api_client(contracts_app) as anonymous:
            response = await anonymous.get("/v1/organizations")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_forged_token_is_401(self, contracts_app: FastAPI) -> None:
        import tempfile
        from pathlib import Path

        from shared.auth import generate_key_pair, mint_token

        private, _ = generate_key_pair(Path(tempfile.mkdtemp()))
        forged = mint_token(
            private.read_text(),
            subject="x",
            role="admin",
            issuer="contrato-test",
            audience="contrato",
        )
        async with api_client(contracts_app, forged) as attacker:
            assert (await attacker.get("/v1/organizations")).status_code == 401

    async def test_expired_token_is_401(self, contracts_app: FastAPI, token: TokenFactory) -> None:
        expired = token("admin", ttl_seconds=-3600)
        async with api_client(contracts_app, expired) as late:
            response = await late.get("/v1/organizations")
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]

    async def test_unknown_id_is_404_problem(self, contracts: httpx.AsyncClient) -> None:
        response = await contracts.get(f"/v1/organizations/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.json()["type"].endswith("not-found")


ADDRESS = {
    "lines": ["Av. Paulista, 1000", "10º andar"],
    "city": "São Paulo",
    "region": "SP",
    "postal_code": "01310-100",
    "country": "BR",
}
REMITTANCE = {
    "payee": "Contact Partners Ltda.",
    "bank": "Deutsche Bank AG",
    "iban": "de89370400440532013000",
    "swift_bic": "DEUTDEFFXXX",
    "reference_instructions": "Quote the invoice number.",
}


class TestAddressesAndRemittance:
    async def test_operator_keeps_address_and_remittance(
        self, contracts: httpx.AsyncClient
    ) -> None:
        created = await create(
            contracts, {**OPERATOR, "postal_address": ADDRESS, "remittance": REMITTANCE}
        )
        read = (await contracts.get(f"/v1/organizations/{created['id']}")).json()
        assert read["postal_address"] == ADDRESS
        # The IBAN is kept in its printed form: upper case, groups of four.
        assert read["remittance"]["iban"] == "DE89 3704 0044 0532 0130 00"
        assert read["remittance"]["account"] is None

    async def test_client_address_is_updated_and_read_back(
        self, contracts: httpx.AsyncClient
    ) -> None:
        await create(contracts, OPERATOR)
        acme = await create(contracts, client_body())
        assert acme["postal_address"] is None and acme["remittance"] is None
        moved = {**ADDRESS, "lines": ["Rua Nova, 5"], "city": "Campinas"}
        response = await contracts.patch(
            f"/v1/organizations/{acme['id']}",
            json={"postal_address": moved},
            headers={"If-Match": '"1"'},
        )
        assert response.status_code == 200, response.text
        assert response.json()["postal_address"] == {**moved}

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"postal_address": {**ADDRESS, "lines": []}}, "postal_address.lines"),
            ({"postal_address": {**ADDRESS, "country": "Brasil"}}, "postal_address.country"),
            ({"postal_address": {**ADDRESS, "zip": "1"}}, "postal_address.zip"),
            ({"remittance": {**REMITTANCE, "iban": "DE00370400440532013000"}}, "remittance.iban"),
            ({"remittance": {**REMITTANCE, "swift_bic": "deut"}}, "remittance.swift_bic"),
            ({"remittance": {**REMITTANCE, "iban": None}}, "remittance"),
        ],
    )
    async def test_bad_details_are_named(
        self, contracts: httpx.AsyncClient, body: dict[str, object], field: str
    ) -> None:
        response = await contracts.post("/v1/organizations", json={**OPERATOR, **body})
        assert response.status_code == 422, response.text
        assert field in [e["field"] for e in response.json()["errors"]]
        listed = (await contracts.get("/v1/organizations")).json()["items"]
        assert listed == []

    async def test_a_client_has_no_remittance_details(self, contracts: httpx.AsyncClient) -> None:
        await create(contracts, OPERATOR)
        response = await contracts.post(
            "/v1/organizations", json={**client_body(), "remittance": REMITTANCE}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "remittance"
        acme = await create(contracts, client_body())
        response = await contracts.patch(
            f"/v1/organizations/{acme['id']}",
            json={"remittance": REMITTANCE},
            headers={"If-Match": '"1"'},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "remittance"
