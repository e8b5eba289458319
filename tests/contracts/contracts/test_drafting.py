from typing import Any

import httpx
import pytest

from tests.contracts.contracts.helpers import SLA, msa, parties, post, sla


def fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [e["field"] for e in response.json()["errors"]]


class TestCreate:
    async def test_msa_and_sla_under_it_get_gapless_numbers(
        self, contracts: httpx.AsyncClient
    ) -> None:
        _, acme = await parties(contracts)
        master = await msa(contracts, acme["id"])
        child = await post(
            contracts, "/v1/contracts", sla(client_id=acme["id"], parent_id=master["id"])
        )
        year = master["number"].split("-")[1]
        assert master["number"] == f"CT-{year}-0001"
        assert child["number"] == f"CT-{year}-0002"
        assert child["parent_id"] == master["id"]
        assert child["stage"] == "draft" and child["status"] is None
        assert child["time_zone"] == acme["time_zone"]
        assert child["service_levels"][1]["direction"] == "at_most"  # asa's natural direction
        assert child["service_levels"][0]["target"] == "0.80"
        assert child["allowed_actions"] == ["submit", "cancel"]

    async def test_client_name_is_searchable(self, contracts: httpx.AsyncClient) -> None:
        _, acme = await parties(contracts)
        created = await post(contracts, "/v1/contracts", sla(client_id=acme["id"]))
        for q in ("acme", created["number"].lower(), "care service"):
            listed = (await contracts.get("/v1/contracts", params={"q": q})).json()
            assert [c["id"] for c in listed["items"]] == [created["id"]]
        none = (await contracts.get("/v1/contracts", params={"q": "nothing%"})).json()
        assert none["items"] == []

    async def test_filters_and_pages_are_stable(self, contracts: httpx.AsyncClient) -> None:
        _, acme = await parties(contracts)
        master = await msa(contracts, acme["id"])
        ids = [master["id"]]
        for _ in range(2):
            body = sla(client_id=acme["id"], parent_id=master["id"], scope={"channels": ["voice"]})
            ids.append((await post(contracts, "/v1/contracts", body))["id"])
        page1 = (await contracts.get("/v1/contracts", params={"limit": 2})).json()
        page2 = (
            await contracts.get(
                "/v1/contracts", params={"limit": 2, "cursor": page1["next_cursor"]}
            )
        ).json()
        assert [c["id"] for c in page1["items"] + page2["items"]] == ids
        assert page2["next_cursor"] is None
        children = (await contracts.get("/v1/contracts", params={"parent_id": master["id"]})).json()
        assert [c["id"] for c in children["items"]] == ids[1:]
        msas = (await contracts.get("/v1/contracts", params={"type": "MSA"})).json()
        assert [c["id"] for c in msas["items"]] == ids[:1]


class TestValidation:
    async def body(self, contracts: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
        _, acme = await parties(contracts)
        return sla(client_id=acme["id"], **changes)

    async def test_asa_with_a_threshold_names_the_field(self, contracts: httpx.AsyncClient) -> None:
        levels = [
            {**SLA["service_levels"][0]},
            {"key": "asa", "metric": "asa", "target": "30", "threshold_seconds": 20},
        ]
        body = await self.body(contracts, service_levels=levels)
        response = await contracts.post("/v1/contracts", json=body)
        assert fields(response) == ["service_levels[1].threshold_seconds"]

    async def test_pool_shares_over_the_cap(self, contracts: httpx.AsyncClient) -> None:
        levels = [{**level, "pool_share": "0.7"} for level in SLA["service_levels"]]
        body = await self.body(contracts, service_levels=levels)
        response = await contracts.post("/v1/contracts", json=body)
        assert fields(response) == ["service_levels"]
        assert "140.00%" in response.json()["errors"][0]["message"]

    async def test_end_before_start(self, contracts: httpx.AsyncClient) -> None:
        term = {"start_date": "2027-01-01", "end_date": "2026-12-01", "renewal_type": "fixed"}
        response = await contracts.post("/v1/contracts", json=await self.body(contracts, term=term))
        assert fields(response) == ["term.end_date"]

    async def test_service_level_ratio_out_of_range(self, contracts: httpx.AsyncClient) -> None:
        levels = [{**SLA["service_levels"][0], "target": "80"}]
        body = await self.body(contracts, service_levels=levels)
        response = await contracts.post("/v1/contracts", json=body)
        assert fields(response) == ["service_levels[0].target"]

    async def test_quality_score_is_in_points_at_least_by_default(
        self, contracts: httpx.AsyncClient
    ) -> None:
        quality = {"key": "qa", "metric": "quality_score", "target": "85", "bonus_target": "92"}
        body = await self.body(contracts, service_levels=[SLA["service_levels"][0], quality])
        response = await contracts.post("/v1/contracts", json=body)
        assert response.status_code == 201, response.text
        level = response.json()["service_levels"][1]
        assert (level["metric"], level["direction"], level["target"]) == (
            "quality_score",
            "at_least",
            "85",
        )
        too_high = [{"key": "qa", "metric": "quality_score", "target": "100.5"}]
        response = await contracts.post(
            "/v1/contracts", json=await self.body(contracts, service_levels=too_high)
        )
        assert fields(response) == ["service_levels[0].target"]

    async def test_bad_hours_are_named(self, contracts: httpx.AsyncClient) -> None:
        scope = {**SLA["scope"], "hours": {"mon": [["20:00", "08:00"]]}}
        response = await contracts.post(
            "/v1/contracts", json=await self.body(contracts, scope=scope)
        )
        assert fields(response) == ["scope.hours.mon"]

    async def test_an_nda_carries_no_service_levels(self, contracts: httpx.AsyncClient) -> None:
        body = await self.body(contracts, type="NDA")
        del body["pricing"]
        response = await contracts.post("/v1/contracts", json=body)
        assert {"scope", "service_credit_terms", "service_levels"} <= set(fields(response))

    async def test_parent_must_be_an_msa(self, contracts: httpx.AsyncClient) -> None:
        body = await self.body(contracts)
        sibling = await post(contracts, "/v1/contracts", body)
        response = await contracts.post(
            "/v1/contracts", json={**body, "scope": None, "parent_id": sibling["id"]}
        )
        assert fields(response) == ["parent_id"]

    async def test_fee_in_months_needs_a_minimum_commitment(
        self, contracts: httpx.AsyncClient
    ) -> None:
        body = await self.body(contracts, pricing={"payment_terms_days": 30})
        response = await contracts.post("/v1/contracts", json=body)
        assert fields(response) == ["pricing.minimum_monthly_commitment"]

    async def test_level_queue_must_be_in_scope(self, contracts: httpx.AsyncClient) -> None:
        levels = [{**SLA["service_levels"][0], "queues": ["other-queue"]}]
        body = await self.body(contracts, service_levels=levels)
        response = await contracts.post("/v1/contracts", json=body)
        assert fields(response) == ["service_levels[0].queues[0]"]

    async def test_business_hours_need_hours(self, contracts: httpx.AsyncClient) -> None:
        levels = [{**SLA["service_levels"][0], "business_hours_only": True}]
        scope = {**SLA["scope"], "hours": {}}
        body = await self.body(contracts, service_levels=levels, scope=scope)
        response = await contracts.post("/v1/contracts", json=body)
        assert fields(response) == ["service_levels[0].business_hours_only"]

    async def test_at_risk_over_100_percent(self, contracts: httpx.AsyncClient) -> None:
        credits = {"at_risk_percent": "120"}
        body = await self.body(contracts, service_credit_terms=credits)
        response = await contracts.post("/v1/contracts", json=body)
        assert fields(response) == ["service_credit_terms.at_risk_percent"]

    async def test_nda_link_must_be_an_nda_of_the_client(
        self, contracts: httpx.AsyncClient
    ) -> None:
        body = await self.body(contracts)
        other = await post(
            contracts, "/v1/contracts", {**body, "scope": {**SLA["scope"], "queues": []}}
        )
        confidentiality = {"classification": "restricted", "nda_contract_id": other["id"]}
        response = await contracts.post(
            "/v1/contracts", json={**body, "confidentiality": confidentiality}
        )
        assert fields(response) == ["confidentiality.nda_contract_id"]

    async def test_liability_cap_needs_its_amount(self, contracts: httpx.AsyncClient) -> None:
        body = await self.body(contracts, indemnification={"liability_cap": {"kind": "amount"}})
        response = await contracts.post("/v1/contracts", json=body)
        assert fields(response) == ["indemnification.liability_cap.amount"]

    async def test_inactive_client(self, contracts: httpx.AsyncClient) -> None:
        body = await self.body(contracts)
        url = f"/v1/organizations/{body['client_id']}"
        await contracts.patch(url, json={"status": "inactive"}, headers={"If-Match": "*"})
        assert fields(await contracts.post("/v1/contracts", json=body)) == ["client_id"]

    async def test_unknown_client(self, contracts: httpx.AsyncClient) -> None:
        body = await self.body(contracts)
        body["client_id"] = "01935c1e-8f6a-7b3e-9a41-2f0c9d1e4b5a"
        assert fields(await contracts.post("/v1/contracts", json=body)) == ["client_id"]


class TestIdempotency:
    async def test_a_retried_create_returns_the_first_contract(
        self, contracts: httpx.AsyncClient
    ) -> None:
        _, acme = await parties(contracts)
        body = sla(client_id=acme["id"])
        headers = {"Idempotency-Key": "create-1"}
        first = await contracts.post("/v1/contracts", json=body, headers=headers)
        again = await contracts.post("/v1/contracts", json=body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"]
        listed = (await contracts.get("/v1/contracts")).json()["items"]
        assert len(listed) == 1


class TestUpdateDraft:
    async def test_if_match_guards_the_draft(self, contracts: httpx.AsyncClient) -> None:
        _, acme = await parties(contracts)
        created = await contracts.post("/v1/contracts", json=sla(client_id=acme["id"]))
        url = f"/v1/contracts/{created.json()['id']}"
        etag = created.headers["ETag"]
        missing = await contracts.patch(url, json={"title": "x"})
        assert missing.status_code == 428
        ok = await contracts.patch(url, json={"title": "Renamed"}, headers={"If-Match": etag})
        assert ok.status_code == 200, ok.text
        assert ok.json()["title"] == "Renamed"
        stale = await contracts.patch(url, json={"title": "Again"}, headers={"If-Match": etag})
        assert stale.status_code == 412

    async def test_an_element_sent_replaces_the_stored_one(
        self, contracts: httpx.AsyncClient
    ) -> None:
        _, acme = await parties(contracts)
        created = await contracts.post("/v1/contracts", json=sla(client_id=acme["id"]))
        url = f"/v1/contracts/{created.json()['id']}"
        term = {**SLA["term"], "notice_days": 30}
        response = await contracts.patch(
            url, json={"term": term}, headers={"If-Match": created.headers["ETag"]}
        )
        assert response.json()["term"]["notice_days"] == 30
        assert response.json()["service_levels"] == created.json()["service_levels"]

    async def test_only_a_draft_is_editable(self, contracts: httpx.AsyncClient) -> None:
        _, acme = await parties(contracts)
        created = await post(contracts, "/v1/contracts", sla(client_id=acme["id"]))
        url = f"/v1/contracts/{created['id']}"
        submitted = await contracts.post(f"{url}/actions/submit", json={"reason": "go"})
        response = await contracts.patch(
            url, json={"title": "x"}, headers={"If-Match": submitted.headers["ETag"]}
        )
        assert response.status_code == 409
        problem = response.json()
        assert problem["stage"] == "in_review"
        assert "return_to_draft" in problem["allowed_actions"]

    async def test_a_client_user_cannot_draft(
        self, contracts: httpx.AsyncClient, token: Any
    ) -> None:
        _, acme = await parties(contracts)
        response = await contracts.post(
            "/v1/contracts",
            json=sla(client_id=acme["id"]),
            headers={"authorization": f"Bearer {token('client', client_id=acme['id'])}"},
        )
        assert response.status_code == 403


@pytest.mark.parametrize("missing", ["scope", "service_levels"])
async def test_submit_needs_the_elements_of_the_type(
    contracts: httpx.AsyncClient, missing: str
) -> None:
    _, acme = await parties(contracts)
    body = sla(client_id=acme["id"])
    body.pop(missing)
    if missing == "service_levels":
        body.pop("service_credit_terms")
    created = await post(contracts, "/v1/contracts", body)
    response = await contracts.post(f"/v1/contracts/{created['id']}/actions/submit")
    assert missing in fields(response)
