import hashlib
from typing import Any

import httpx

from tests.contracts.contracts.helpers import (
    SIGNERS,
    SLA,
    parties,
    post,
    sign_through,
    signed_sla,
    sla,
)


async def events(client: httpx.AsyncClient, contract_id: str, **params: Any) -> list[dict]:
    response = await client.get(f"/v1/contracts/{contract_id}/events", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def refresh(client: httpx.AsyncClient, on: str, headers: dict[str, str]) -> dict:
    """Run the daily status job as the scheduler would (a service token), pretending ``on``."""
    response = await client.post("/v1/contracts/status-refresh", params={"on": on}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


class TestStages:
    async def test_illegal_transition_names_the_allowed_ones(
        self, contracts: httpx.AsyncClient
    ) -> None:
        _, acme = await parties(contracts)
        created = await post(contracts, "/v1/contracts", sla(client_id=acme["id"]))
        response = await contracts.post(f"/v1/contracts/{created['id']}/actions/approve")
        assert response.status_code == 409
        problem = response.json()
        assert problem["allowed_actions"] == ["submit", "cancel"]
        assert problem["stage"] == "draft"
        assert response.headers["content-type"] == "application/problem+json"

    async def test_stage_changes_record_who_and_why(self, contracts: httpx.AsyncClient) -> None:
        _, acme = await parties(contracts)
        created = await post(contracts, "/v1/contracts", sla(client_id=acme["id"]))
        base = f"/v1/contracts/{created['id']}"
        await post(contracts, f"{base}/actions/submit", {"reason": "ready"}, 200)
        back = await post(contracts, f"{base}/actions/return_to_draft", {"reason": "typo"}, 200)
        assert back["stage"] == "draft"
        changes = await events(contracts, created["id"], type="contract.stage_changed")
        assert [(e["data"]["action"], e["data"]["reason"], e["actor"]) for e in changes] == [
            ("submit", "ready", "test-operator"),
            ("return_to_draft", "typo", "test-operator"),
        ]

    async def test_cancelled_is_final(self, contracts: httpx.AsyncClient) -> None:
        _, acme = await parties(contracts)
        created = await post(contracts, "/v1/contracts", sla(client_id=acme["id"]))
        base = f"/v1/contracts/{created['id']}"
        cancelled = await post(contracts, f"{base}/actions/cancel", {"reason": "lost"}, 200)
        assert cancelled["stage"] == "cancelled" and cancelled["allowed_actions"] == []
        response = await contracts.post(f"{base}/actions/submit")
        assert response.status_code == 409

    async def test_send_for_signature_needs_both_parties(
        self, contracts: httpx.AsyncClient
    ) -> None:
        _, acme = await parties(contracts)
        created = await post(contracts, "/v1/contracts", sla(client_id=acme["id"]))
        base = f"/v1/contracts/{created['id']}"
        await post(contracts, f"{base}/actions/submit", None, 200)
        await post(contracts, f"{base}/actions/approve", None, 200)
        response = await contracts.post(
            f"{base}/actions/send_for_signature", json={"signers": SIGNERS[:1]}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "signers"


class TestSignatures:
    async def test_signed_when_every_required_signer_signed(
        self, contracts: httpx.AsyncClient
    ) -> None:
        _, contract = await signed_sla(contracts)
        assert contract["stage"] == "signed"
        assert contract["status"] == "pending"  # starts 2027-01-01
        signers = (
            await contracts.get(f"/v1/contracts/{contract['id']}/versions/1/signatures")
        ).json()
        assert {s["email"] for s in signers} == {s["email"] for s in SIGNERS}
        assert all(s["signed_at"] and s["user_agent"] for s in signers)

    async def test_signature_hash_is_the_rendered_document(
        self, contracts: httpx.AsyncClient
    ) -> None:
        _, acme = await parties(contracts)
        created = await post(contracts, "/v1/contracts", sla(client_id=acme["id"]))
        base = f"/v1/contracts/{created['id']}"
        await post(contracts, f"{base}/actions/submit", None, 200)
        await post(contracts, f"{base}/actions/approve", None, 200)
        await post(contracts, f"{base}/actions/send_for_signature", {"signers": SIGNERS}, 200)
        document = await contracts.get(f"{base}/document")
        digest = hashlib.sha256(document.content).hexdigest()
        assert document.headers["X-Document-SHA256"] == digest
        wrong = await contracts.post(
            f"{base}/signatures", json={"email": SIGNERS[0]["email"], "document_sha256": "0" * 64}
        )
        assert wrong.status_code == 409
        signature = await post(
            contracts,
            f"{base}/signatures",
            {"email": SIGNERS[0]["email"], "document_sha256": digest},
        )
        assert signature["document_sha256"] == digest
        again = await contracts.post(f"{base}/signatures", json={"email": SIGNERS[0]["email"]})
        assert again.status_code == 409

    async def test_a_client_signs_only_for_the_client(
        self, contracts: httpx.AsyncClient, token: Any
    ) -> None:
        _, acme = await parties(contracts)
        created = await post(contracts, "/v1/contracts", sla(client_id=acme["id"]))
        base = f"/v1/contracts/{created['id']}"
        await post(contracts, f"{base}/actions/submit", None, 200)
        await post(contracts, f"{base}/actions/approve", None, 200)
        await post(contracts, f"{base}/actions/send_for_signature", {"signers": SIGNERS}, 200)
        as_client = {"authorization": f"Bearer {token('client', client_id=acme['id'])}"}
        own = await contracts.post(
            f"{base}/signatures", json={"email": SIGNERS[0]["email"]}, headers=as_client
        )
        assert own.status_code == 201, own.text
        other = await contracts.post(
            f"{base}/signatures", json={"email": SIGNERS[1]["email"]}, headers=as_client
        )
        assert other.status_code == 403


class TestStatus:
    async def test_active_on_its_start_date(
        self, contracts: httpx.AsyncClient, as_service: dict[str, str]
    ) -> None:
        _, contract = await signed_sla(contracts)
        url = f"/v1/contracts/{contract['id']}"
        before = (await contracts.get(url, params={"as_of": "2026-12-31"})).json()
        on_start = (await contracts.get(url, params={"as_of": "2027-01-01"})).json()
        assert (before["status"], on_start["status"]) == ("pending", "active")
        result = await refresh(contracts, "2027-01-01", as_service)
        assert result["changed"] >= 1
        listed = (await contracts.get("/v1/contracts", params={"status": "active"})).json()
        assert [c["id"] for c in listed["items"]] == [contract["id"]]
        kinds = [e["type"] for e in await events(contracts, contract["id"])]
        assert kinds[-1] == "contract.active"
        assert "contract.signed" in kinds and kinds[0] == "contract.created"

    async def test_expiring_inside_the_notice_window(self, contracts: httpx.AsyncClient) -> None:
        _, contract = await signed_sla(contracts)
        url = f"/v1/contracts/{contract['id']}"
        # notice deadline 2027-10-02 (90 days before 2027-12-31), reminder lead 30 days
        statuses = [
            (await contracts.get(url, params={"as_of": day})).json()["status"]
            for day in ("2027-09-01", "2027-09-02", "2027-10-02", "2027-10-03")
        ]
        assert statuses == ["active", "expiring", "expiring", "active"]

    async def test_auto_renewal_moves_the_notice_deadline(
        self, contracts: httpx.AsyncClient, as_service: dict[str, str]
    ) -> None:
        _, contract = await signed_sla(contracts)
        await refresh(contracts, "2027-06-01", as_service)
        await refresh(contracts, "2028-01-01", as_service)
        renewed = await events(contracts, contract["id"], type="contract.renewed")
        assert len(renewed) == 1
        assert renewed[0]["data"]["period_end"] == "2028-12-31"
        assert renewed[0]["data"]["notice_deadline"] == "2028-10-02"  # 2028 is a leap year
        view = (
            await contracts.get(f"/v1/contracts/{contract['id']}", params={"as_of": "2028-01-01"})
        ).json()
        assert view["schedule"]["renewals_done"] == 1
        assert view["schedule"]["next_renewal_date"] == "2029-01-01"

    async def test_fixed_term_expires(self, contracts: httpx.AsyncClient) -> None:
        term = {"start_date": "2027-01-31", "initial_term_months": 1, "renewal_type": "fixed"}
        _, contract = await signed_sla(contracts, term=term)
        url = f"/v1/contracts/{contract['id']}"
        last = (await contracts.get(url, params={"as_of": "2027-02-27"})).json()
        after = (await contracts.get(url, params={"as_of": "2027-02-28"})).json()
        assert last["schedule"]["period_end"] == "2027-02-27"
        assert (last["status"], after["status"]) == ("expiring", "expired")


class TestAmendments:
    async def test_as_of_reads_the_version_in_effect(self, contracts: httpx.AsyncClient) -> None:
        _, contract = await signed_sla(contracts)
        url = f"/v1/contracts/{contract['id']}"
        levels = [{**SLA["service_levels"][0], "target": "0.85"}, SLA["service_levels"][1]]
        amendment = await post(
            contracts,
            f"{url}/amendments",
            {
                "effective_from": "2027-07-01",
                "change_summary": "Service level raised to 85%",
                "service_levels": levels,
            },
        )
        assert amendment["version"] == 2 and amendment["stage"] == "draft"
        await sign_through(contracts, contract["id"])
        before = (await contracts.get(url, params={"as_of": "2027-06-30"})).json()
        after = (await contracts.get(url, params={"as_of": "2027-07-01"})).json()
        assert (before["version"], before["service_levels"][0]["target"]) == (1, "0.80")
        assert (after["version"], after["service_levels"][0]["target"]) == (2, "0.85")
        assert before["effective_to"] == "2027-06-30"
        assert [v["stage"] for v in after["versions"]] == ["signed", "signed"]
        kinds = [e["type"] for e in await events(contracts, contract["id"])]
        assert "contract.amended" in kinds

    async def test_a_signed_version_never_changes_in_place(
        self, contracts: httpx.AsyncClient
    ) -> None:
        _, contract = await signed_sla(contracts)
        url = f"/v1/contracts/{contract['id']}"
        response = await contracts.patch(url, json={"title": "x"}, headers={"If-Match": "*"})
        assert response.status_code == 409

    async def test_amendment_cannot_take_effect_before_the_current_version(
        self, contracts: httpx.AsyncClient
    ) -> None:
        _, contract = await signed_sla(contracts)
        response = await contracts.post(
            f"/v1/contracts/{contract['id']}/amendments",
            json={"effective_from": "2026-06-01", "change_summary": "too early"},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "effective_from"


class TestTermination:
    async def test_earliest_date_and_fee(self, contracts: httpx.AsyncClient) -> None:
        _, contract = await signed_sla(contracts)
        url = f"/v1/contracts/{contract['id']}/termination"
        too_early = await contracts.post(
            url,
            json={"reason": "x", "notice_date": "2027-08-31", "effective_date": "2027-10-01"},
        )
        assert too_early.status_code == 422
        assert too_early.json()["errors"][0]["field"] == "effective_date"
        assert "2027-10-30" in too_early.json()["errors"][0]["message"]  # 60 days' notice
        body = {
            "reason": "Moving in-house",
            "notice_date": "2027-08-31",
            "effective_date": "2027-10-31",
        }
        request = (await post(contracts, url, body, 200))["termination_request"]
        assert request["earliest_effective_date"] == "2027-10-30"
        assert request["effective_date"] == "2027-10-31"
        # November and December are left of the period; the rule says 3 months of 10000.00
        assert request["early_termination_fee"] == "20000.00"
        view = await contracts.get(
            f"/v1/contracts/{contract['id']}", params={"as_of": "2027-09-15"}
        )
        assert view.json()["status"] == "terminating"
        assert view.json()["schedule"]["next_renewal_date"] is None
        ended = await contracts.get(
            f"/v1/contracts/{contract['id']}", params={"as_of": "2027-11-01"}
        )
        assert ended.json()["status"] == "terminated"
        again = await contracts.post(url, json={"reason": "again"})
        assert again.status_code == 409

    async def test_a_termination_can_be_withdrawn_before_it_takes_effect(
        self, contracts: httpx.AsyncClient
    ) -> None:
        _, contract = await signed_sla(contracts)
        url = f"/v1/contracts/{contract['id']}/termination"
        await post(contracts, url, {"reason": "x", "notice_date": "2027-03-01"}, 200)
        response = await contracts.delete(url, params={"reason": "client stays"})
        assert response.status_code == 200, response.text
        view = response.json()
        assert view["termination_request"] == {**view["termination_request"], "requested": False}
        later = await contracts.get(
            f"/v1/contracts/{contract['id']}", params={"as_of": "2027-06-01"}
        )
        assert later.json()["status"] == "active"
        assert later.json()["schedule"]["next_renewal_date"] == "2028-01-01"
        assert (await contracts.delete(url, params={"reason": "again"})).status_code == 409
        kinds = [e["type"] for e in await events(contracts, contract["id"])]
        assert "contract.termination_withdrawn" in kinds

    async def test_convenience_must_be_allowed(self, contracts: httpx.AsyncClient) -> None:
        _, contract = await signed_sla(contracts, termination={"for_convenience": False})
        response = await contracts.post(
            f"/v1/contracts/{contract['id']}/termination", json={"reason": "x"}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "kind"

    async def test_a_draft_cannot_be_terminated(self, contracts: httpx.AsyncClient) -> None:
        _, acme = await parties(contracts)
        created = await post(contracts, "/v1/contracts", sla(client_id=acme["id"]))
        response = await contracts.post(
            f"/v1/contracts/{created['id']}/termination", json={"reason": "x"}
        )
        assert response.status_code == 409


class TestSupersede:
    async def test_a_successor_takes_over_on_its_start(self, contracts: httpx.AsyncClient) -> None:
        acme, old = await signed_sla(contracts)
        term = {**SLA["term"], "start_date": "2028-01-01"}
        body = sla(client_id=acme["id"], supersedes_id=old["id"], term=term)
        new = await sign_through(contracts, (await post(contracts, "/v1/contracts", body))["id"])
        url = f"/v1/contracts/{old['id']}"
        assert (await contracts.get(url, params={"as_of": "2027-06-01"})).json()["status"] == (
            "active"
        )
        assert (await contracts.get(url, params={"as_of": "2028-01-01"})).json()["status"] == (
            "superseded"
        )
        lookup = await contracts.get(
            "/v1/contracts/queue-lookup", params={"queue": "acme-voice", "at": "2028-02-01T12:00Z"}
        )
        assert lookup.json()["contract_id"] == new["id"]
        kinds = [e["type"] for e in await events(contracts, old["id"])]
        assert "contract.superseded_by" in kinds
