import hashlib
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from pypdf import PdfReader

from contracts.contracts.rules.terms import add_months
from tests.conftest import TokenFactory, api_client
from tests.contracts.contracts.helpers import (
    SLA,
    parties,
    post,
    sign_through,
    signed_sla,
    sla,
)
from tests.contracts.test_organizations import client_body


async def amend_and_sign(client: httpx.AsyncClient, contract_id: str, **body: Any) -> None:
    await post(client, f"/v1/contracts/{contract_id}/amendments", body)
    await sign_through(client, contract_id)


class TestServiceTerms:
    async def test_versions_in_the_range_oldest_first(self, contracts: httpx.AsyncClient) -> None:
        _, contract = await signed_sla(contracts)
        levels = [{**SLA["service_levels"][0], "target": "0.85"}, SLA["service_levels"][1]]
        await amend_and_sign(
            contracts,
            contract["id"],
            effective_from="2027-07-01",
            change_summary="85%",
            service_levels=levels,
        )
        url = f"/v1/contracts/{contract['id']}/service-terms"
        both = (await contracts.get(url, params={"from": "2027-06-01", "to": "2027-07-31"})).json()
        assert both["time_zone"] == "America/Sao_Paulo"
        assert [
            (v["version"], v["effective_from"], v["effective_to"]) for v in both["versions"]
        ] == [
            (1, "2027-01-01", "2027-06-30"),
            (2, "2027-07-01", None),
        ]
        first = both["versions"][0]
        assert first["hours"]["mon"] == [["08:00", "20:00"]] and first["hours"]["sun"] == []
        assert first["queues"] == ["acme-voice"] and first["holidays"] == []  # not in June-July
        january = await contracts.get(url, params={"from": "2027-01-01", "to": "2027-01-31"})
        assert january.json()["versions"][0]["holidays"] == ["2027-01-01"]
        assert first["service_levels"][0]["variant"] == "answered_over_offered"
        assert first["service_levels"][0]["pool_share"] == "0.6"
        assert first["service_credit_terms"]["at_risk_percent"] == "10"
        later = (await contracts.get(url, params={"from": "2027-08-01", "to": "2027-08-31"})).json()
        assert [v["version"] for v in later["versions"]] == [2]
        assert later["versions"][0]["holidays"] == []  # only those inside the range

    async def test_range_must_be_ordered(self, contracts: httpx.AsyncClient) -> None:
        _, contract = await signed_sla(contracts)
        response = await contracts.get(
            f"/v1/contracts/{contract['id']}/service-terms",
            params={"from": "2027-02-01", "to": "2027-01-01"},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "to"


class TestQueueLookup:
    async def test_the_contract_in_force_claims_the_queue(
        self, contracts: httpx.AsyncClient
    ) -> None:
        acme, contract = await signed_sla(contracts)
        found = await contracts.get(
            "/v1/contracts/queue-lookup",
            params={"queue": "acme-voice", "at": "2027-03-01T12:00:00Z"},
        )
        assert found.json() == {
            "contract_id": contract["id"],
            "client_id": acme["id"],
            "queue": "acme-voice",
        }
        # 2027-01-01T01:00Z is still Dec 31 in São Paulo: not yet in force
        before = await contracts.get(
            "/v1/contracts/queue-lookup",
            params={"queue": "acme-voice", "at": "2027-01-01T01:00:00Z"},
        )
        assert before.status_code == 404
        assert before.headers["content-type"] == "application/problem+json"

    async def test_a_past_time_finds_a_contract_that_has_since_ended(
        self, contracts: httpx.AsyncClient
    ) -> None:
        term = {"start_date": "2025-01-01", "initial_term_months": 12, "renewal_type": "fixed"}
        _, contract = await signed_sla(contracts, term=term)
        assert contract["status"] == "expired"
        found = await contracts.get(
            "/v1/contracts/queue-lookup",
            params={"queue": "acme-voice", "at": "2025-06-01T12:00:00-03:00"},
        )
        assert found.json()["contract_id"] == contract["id"]

    async def test_a_queue_cannot_be_claimed_twice(self, contracts: httpx.AsyncClient) -> None:
        acme, _ = await signed_sla(contracts)
        response = await contracts.post("/v1/contracts", json=sla(client_id=acme["id"]))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "scope.queues[0]"
        later = {"start_date": "2029-01-01", "initial_term_months": 12, "renewal_type": "fixed"}
        body = sla(client_id=acme["id"], term=later)
        still = await contracts.post("/v1/contracts", json=body)
        assert still.status_code == 422  # the first renews without limit

    async def test_why_no_contract_takes_the_queue(self, contracts: httpx.AsyncClient) -> None:
        """Unclaimed, claimed by a draft, by a contract not started yet, by an ended one: each
        answer says which (the problem's ``reason`` and its detail)."""

        async def lookup(queue: str, at: str) -> httpx.Response:
            return await contracts.get(
                "/v1/contracts/queue-lookup", params={"queue": queue, "at": at}
            )

        acme, contract = await signed_sla(contracts)
        nobody = await lookup("nobody-voice", "2027-03-01T12:00:00Z")
        assert nobody.status_code == 404
        assert nobody.json()["reason"] == "unclaimed"
        assert nobody.json()["detail"].startswith("no contract claims queue 'nobody-voice'")
        early = await lookup("acme-voice", "2026-12-01T12:00:00Z")
        assert early.status_code == 404 and early.json()["reason"] == "not_in_force"
        assert "starts on 2027-01-01" in early.json()["explanation"]
        assert contract["number"] in early.json()["explanation"]
        draft_body = sla(client_id=acme["id"], scope={**SLA["scope"], "queues": ["acme-chat"]})
        draft = await post(contracts, "/v1/contracts", draft_body)
        unsigned = await lookup("acme-chat", "2027-03-01T12:00:00Z")
        assert unsigned.status_code == 404 and unsigned.json()["reason"] == "not_in_force"
        assert "not signed" in unsigned.json()["explanation"]
        assert draft["number"] in unsigned.json()["explanation"]
        term = {"start_date": "2025-01-01", "initial_term_months": 12, "renewal_type": "fixed"}
        old = await post(
            contracts,
            "/v1/contracts",
            sla(client_id=acme["id"], term=term, scope={**SLA["scope"], "queues": ["old-q"]}),
        )
        await sign_through(contracts, old["id"])
        ended = await lookup("old-q", "2026-06-01T12:00:00Z")
        assert ended.status_code == 404 and ended.json()["reason"] == "not_in_force"
        assert "expired" in ended.json()["explanation"]

    async def test_another_tenants_contract_is_never_revealed(
        self, contracts: httpx.AsyncClient, contracts_app: FastAPI, token: TokenFactory
    ) -> None:
        """For a client's caller (or with ``client_id`` naming another client) a queue of
        another client's contract answers exactly as a queue nobody claims."""
        acme, _ = await signed_sla(contracts)
        globex = await post(contracts, "/v1/organizations", client_body("Globex"))
        params = {"queue": "acme-voice", "at": "2026-12-01T12:00:00Z"}  # before the start
        unknown = {"queue": "nobody-voice", "at": "2026-12-01T12:00:00Z"}

        def same(response: httpx.Response, other: httpx.Response) -> None:
            assert response.status_code == other.status_code == 404
            body, expected = response.json(), other.json()
            assert body["reason"] == expected["reason"] == "unclaimed"
            assert set(body) == set(expected)
            assert body["detail"].replace("acme-voice", "Q") == expected["detail"].replace(
                "nobody-voice", "Q"
            )

        filtered = await contracts.get(
            "/v1/contracts/queue-lookup", params={**params, "client_id": globex["id"]}
        )
        nothing = await contracts.get(
            "/v1/contracts/queue-lookup", params={**unknown, "client_id": globex["id"]}
        )
        same(filtered, nothing)
        in_force = {**params, "at": "2027-03-01T12:00:00Z"}
        async with api_client(contracts_app, token("client", client_id=globex["id"])) as theirs:
            for probed in (in_force, params):
                probe = await theirs.get("/v1/contracts/queue-lookup", params=probed)
                other = await theirs.get(
                    "/v1/contracts/queue-lookup", params={**unknown, "at": probed["at"]}
                )
                same(probe, other)
        mine = await contracts.get(
            "/v1/contracts/queue-lookup", params={**in_force, "client_id": acme["id"]}
        )
        assert mine.status_code == 200

    async def test_times_out_of_range_are_422(self, contracts: httpx.AsyncClient) -> None:
        for at in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00Z"):
            response = await contracts.get(
                "/v1/contracts/queue-lookup", params={"queue": "acme-voice", "at": at}
            )
            assert response.status_code == 422, (at, response.text)
            assert response.json()["errors"][0]["field"] == "at"


class TestQueueClaims:
    """The batch form of the queue look-up: every hour of a span answers as the single
    look-up does."""

    async def claims(self, client: httpx.AsyncClient, **body: Any) -> list[dict[str, Any]]:
        response = await client.post("/v1/contracts/queue-claims", json=body)
        assert response.status_code == 200, response.text
        return response.json()["claims"]

    async def test_every_hour_agrees_with_the_single_lookup(
        self, contracts: httpx.AsyncClient
    ) -> None:
        # acme-voice from 2027-01-01 (São Paulo); old-q expired at the end of 2025; a draft
        # lists acme-chat (never in force); nobody lists nobody-voice.
        acme, contract = await signed_sla(contracts)
        term = {"start_date": "2025-01-01", "initial_term_months": 12, "renewal_type": "fixed"}
        old = await post(
            contracts,
            "/v1/contracts",
            sla(client_id=acme["id"], term=term, scope={**SLA["scope"], "queues": ["old-q"]}),
        )
        await sign_through(contracts, old["id"])
        await post(
            contracts,
            "/v1/contracts",
            sla(client_id=acme["id"], scope={**SLA["scope"], "queues": ["acme-chat"]}),
        )
        queues = ["acme-voice", "old-q", "acme-chat", "nobody-voice"]
        for start, hours in (
            (datetime(2026, 12, 31, 20, tzinfo=UTC), 10),
            (datetime(2025, 12, 31, 22, tzinfo=UTC), 6),
        ):
            end = start + timedelta(hours=hours)
            claims = await self.claims(
                contracts, queues=queues, **{"from": start.isoformat()}, to=end.isoformat()
            )
            for queue in queues:
                for hour in range(hours):
                    at = start + timedelta(hours=hour, minutes=30)
                    single = await contracts.get(
                        "/v1/contracts/queue-lookup",
                        params={"queue": queue, "at": at.isoformat()},
                    )
                    covering = [
                        c
                        for c in claims
                        if c["queue"] == queue
                        and datetime.fromisoformat(c["from"])
                        <= at
                        < datetime.fromisoformat(c["to"])
                    ]
                    if single.status_code == 200:
                        assert [c["contract_id"] for c in covering] == [
                            single.json()["contract_id"]
                        ]
                        assert covering[0]["client_id"] == acme["id"]
                    else:
                        assert single.status_code == 404 and covering == [], (queue, at)
        # The São Paulo day 2027-01-01 begins at 03:00 UTC; the span clips the claim.
        first = await self.claims(
            contracts,
            queues=["acme-voice"],
            **{"from": "2026-12-31T00:00:00Z"},
            to="2027-01-03T00:00:00Z",
        )
        assert [(c["contract_id"], c["from"], c["to"]) for c in first] == [
            (contract["id"], "2027-01-01T03:00:00Z", "2027-01-03T00:00:00Z")
        ]

    async def test_another_clients_contracts_are_left_out(
        self, contracts: httpx.AsyncClient, contracts_app: FastAPI, token: TokenFactory
    ) -> None:
        acme, _ = await signed_sla(contracts)
        globex = await post(contracts, "/v1/organizations", client_body("Globex"))
        span = {"from": "2027-03-01T00:00:00Z", "to": "2027-03-02T00:00:00Z"}
        assert len(await self.claims(contracts, queues=["acme-voice"], **span)) == 1
        filtered = await self.claims(
            contracts, queues=["acme-voice"], client_id=globex["id"], **span
        )
        assert filtered == []
        async with api_client(contracts_app, token("client", client_id=globex["id"])) as theirs:
            assert await self.claims(theirs, queues=["acme-voice"], **span) == []
        async with api_client(contracts_app, token("client", client_id=acme["id"])) as mine:
            assert len(await self.claims(mine, queues=["acme-voice"], **span)) == 1

    async def test_bad_spans_are_422_naming_the_field(self, contracts: httpx.AsyncClient) -> None:
        cases = [
            ({"queues": ["q"], "from": "2027-03-02T00:00Z", "to": "2027-03-01T00:00Z"}, "to"),
            ({"queues": ["q"], "from": "2027-01-01T00:00Z", "to": "2028-03-01T00:00Z"}, "to"),
            ({"queues": [], "from": "2027-01-01T00:00Z", "to": "2027-01-02T00:00Z"}, "queues"),
            ({"queues": ["q"], "from": "2027-01-01T00:00", "to": "2027-01-02T00:00Z"}, "from"),
            (
                {"queues": ["a\u0000"], "from": "2027-01-01T00:00Z", "to": "2027-01-02T00:00Z"},
                "queues[0]",
            ),
        ]
        for body, field in cases:
            response = await contracts.post("/v1/contracts/queue-claims", json=body)
            assert response.status_code == 422, (body, response.text)
            assert response.json()["errors"][0]["field"] == field, response.json()


class TestBillingTerms:
    async def test_terms_status_and_fee_on_a_day(self, contracts: httpx.AsyncClient) -> None:
        acme, contract = await signed_sla(contracts)
        url = f"/v1/contracts/{contract['id']}"
        terms = (await contracts.get(f"{url}/billing-terms", params={"on": "2027-03-01"})).json()
        assert terms["status"] == "active" and terms["currency"] == "BRL"
        assert terms["payment_terms_days"] == 30 and terms["price_plan_ref"] == "PP-ACME"
        assert terms["term"]["end_date"] == "2027-12-31"
        assert terms["termination"] == {
            "requested": False,
            "effective_date": None,
            "early_termination_fee": None,
        }
        assert terms["service_credit_terms"]["credit_cap_percent"] == "10"
        assert terms["client"]["legal_name"] == acme["legal_name"]
        assert terms["operator"]["display_name"] == "Contact Partners"
        await post(
            contracts,
            f"{url}/termination",
            {"reason": "x", "notice_date": "2027-03-01", "effective_date": "2027-05-31"},
            200,
        )
        after = (await contracts.get(f"{url}/billing-terms", params={"on": "2027-06-01"})).json()
        assert after["status"] == "terminated"
        assert after["termination"]["early_termination_fee"] == "30000.00"

    async def test_service_levels_by_name_and_unit_and_parties_by_address(
        self, contracts: httpx.AsyncClient
    ) -> None:
        levels = [{**SLA["service_levels"][0], "name": "Voice 80/20"}, SLA["service_levels"][1]]
        acme, contract = await signed_sla(contracts, service_levels=levels)
        address = {"lines": ["Rua A, 1"], "city": "Recife", "country": "BR"}
        url = f"/v1/organizations/{acme['id']}"
        etag = (await contracts.get(url)).headers["etag"]
        moved = await contracts.patch(
            url, json={"postal_address": address}, headers={"If-Match": etag}
        )
        assert moved.status_code == 200, moved.text
        terms = (
            await contracts.get(
                f"/v1/contracts/{contract['id']}/billing-terms", params={"on": "2027-03-01"}
            )
        ).json()
        assert terms["service_levels"] == [
            {"key": "voice_sl", "name": "Voice 80/20", "metric": "service_level",
             "threshold_seconds": 20, "unit": "ratio"},
            {"key": "voice_asa", "name": "Voice asa", "metric": "asa",
             "threshold_seconds": None, "unit": "seconds"},
        ]  # fmt: skip
        assert terms["client"]["postal_address"] == {**address, "region": None, "postal_code": None}
        assert terms["operator"]["remittance"] is None

    async def test_amounts_are_written_in_the_contract_currencys_minor_units(
        self, contracts: httpx.AsyncClient
    ) -> None:
        pricing = {**SLA["pricing"], "minimum_monthly_commitment": "10000.5"}
        _, contract = await signed_sla(contracts, currency="BHD", pricing=pricing)
        url = f"/v1/contracts/{contract['id']}"
        assert contract["pricing"]["minimum_monthly_commitment"] == "10000.500"
        version = (await contracts.get(f"{url}/versions/1")).json()
        assert version["currency"] == "BHD"
        assert version["pricing"]["minimum_monthly_commitment"] == "10000.500"
        await post(
            contracts,
            f"{url}/termination",
            {"reason": "x", "notice_date": "2027-03-01", "effective_date": "2027-05-31"},
            200,
        )
        terms = (await contracts.get(f"{url}/billing-terms", params={"on": "2027-05-01"})).json()
        assert terms["minimum_monthly_commitment"] == "10000.500"
        assert terms["termination"]["early_termination_fee"] == "30001.500"
        read = (await contracts.get(url)).json()
        assert read["termination_request"]["early_termination_fee"] == "30001.500"
        html = (await contracts.get(f"{url}/document")).text
        assert "10000.500 BHD" in html

    async def test_invoice_runs_list_contracts_in_force(self, contracts: httpx.AsyncClient) -> None:
        _, contract = await signed_sla(contracts)
        params = {"status": "active", "active_on": "2027-02-01"}
        listed = (await contracts.get("/v1/contracts", params=params)).json()
        assert [c["id"] for c in listed["items"]] == [contract["id"]]
        params["active_on"] = "2026-12-31"
        assert (await contracts.get("/v1/contracts", params=params)).json()["items"] == []

    async def test_in_service_lists_every_contract_overlapping_the_range(
        self, contracts: httpx.AsyncClient
    ) -> None:
        """A run for March 2025 needs the contract that starts on the 10th and ends on the 20th
        (never in force on the 1st or the 31st), whatever its status is today."""
        short = {"start_date": "2025-03-10", "end_date": "2025-03-20", "renewal_type": "fixed"}
        _, contract = await signed_sla(contracts, term=short)
        assert contract["status"] == "expired"

        async def listed(low: str, high: str) -> list[str]:
            params = {"in_service_from": low, "in_service_to": high}
            page = (await contracts.get("/v1/contracts", params=params)).json()
            return [c["id"] for c in page["items"]]

        assert await listed("2025-03-01", "2025-03-31") == [contract["id"]]
        assert await listed("2025-03-20", "2025-03-20") == [contract["id"]]  # last day in
        assert await listed("2025-03-01", "2025-03-09") == []
        assert await listed("2025-03-21", "2025-04-30") == []
        for day in ("2025-03-01", "2025-03-31"):  # what runs used to ask
            params = {"status": "active", "active_on": day}
            assert (await contracts.get("/v1/contracts", params=params)).json()["items"] == []

    async def test_in_service_ends_with_a_termination(self, contracts: httpx.AsyncClient) -> None:
        _, contract = await signed_sla(contracts)
        await post(
            contracts,
            f"/v1/contracts/{contract['id']}/termination",
            {"reason": "x", "notice_date": "2027-03-01", "effective_date": "2027-05-15"},
            200,
        )
        params = {"in_service_from": "2027-05-01", "in_service_to": "2027-05-31"}
        page = (await contracts.get("/v1/contracts", params=params)).json()
        assert [c["id"] for c in page["items"]] == [contract["id"]]
        params = {"in_service_from": "2027-05-16", "in_service_to": "2027-06-30"}
        assert (await contracts.get("/v1/contracts", params=params)).json()["items"] == []

    async def test_in_service_needs_an_ordered_range(self, contracts: httpx.AsyncClient) -> None:
        for params, field in (
            ({"in_service_from": "2027-02-01"}, "in_service_to"),
            ({"in_service_to": "2027-02-01"}, "in_service_from"),
            ({"in_service_from": "2027-02-01", "in_service_to": "2027-01-31"}, "in_service_to"),
        ):
            response = await contracts.get("/v1/contracts", params=params)
            assert response.status_code == 422
            assert response.json()["errors"][0]["field"] == field


class TestTenants:
    async def test_another_clients_contract_is_not_found(
        self, contracts: httpx.AsyncClient, token: Any
    ) -> None:
        _, contract = await signed_sla(contracts)
        other = await post(contracts, "/v1/organizations", client_body("Globex"))
        headers = {"authorization": f"Bearer {token('client', client_id=other['id'])}"}
        url = f"/v1/contracts/{contract['id']}"
        for path in ("", "/events", "/document", "/billing-terms?on=2027-01-01"):
            response = await contracts.get(url + path, headers=headers)
            assert response.status_code == 404, path
        assert (await contracts.get("/v1/contracts", headers=headers)).json()["items"] == []
        feed = (await contracts.get("/v1/contracts/events", headers=headers)).json()
        assert feed["items"] == []

    async def test_a_partner_reads_its_own_client(
        self, contracts: httpx.AsyncClient, token: Any
    ) -> None:
        acme, contract = await signed_sla(contracts)
        headers = {"authorization": f"Bearer {token('partner', client_id=acme['id'])}"}
        response = await contracts.get(f"/v1/contracts/{contract['id']}/events", headers=headers)
        assert response.status_code == 200
        assert response.json()["items"][0]["type"] == "contract.created"


class TestDocuments:
    async def test_html_and_pdf(self, contracts: httpx.AsyncClient) -> None:
        _, contract = await signed_sla(contracts)
        url = f"/v1/contracts/{contract['id']}/document"
        html = await contracts.get(url)
        assert html.headers["content-type"].startswith("text/html")
        for text in ("Acme care service levels", "acme-voice", "voice_sl", "net 30 days"):
            assert text in html.text
        pdf = await contracts.get(url, params={"format": "pdf"})
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")

    async def test_the_pdf_prints_who_signed_when_and_keeps_typography(
        self, contracts: httpx.AsyncClient
    ) -> None:
        _, contract = await signed_sla(contracts, title="Acme care — São Paulo “premium” line")
        url = f"/v1/contracts/{contract['id']}/document"
        pdf = PdfReader(io.BytesIO((await contracts.get(url, params={"format": "pdf"})).content))
        body = " ".join(page.extract_text() for page in pdf.pages[:-1])
        assert "Acme care — São Paulo “premium” line" in " ".join(body.split())
        signatures = " ".join(pdf.pages[-1].extract_text().split())
        digest = contract["versions"][0]["document_sha256"]
        assert f"Signatures — {contract['number']}, version 1" in signatures
        for name, email in (
            ("Ana Souza, COO", "ana@acme.example"),
            ("Rui Lima, CEO", "rui@bpo.example"),
        ):
            assert name in signatures and email in signatures
        assert signatures.count("Signed: ") == 2 and "UTC" in signatures
        assert f"Signed text SHA-256: {digest} (this document)" in signatures

    async def test_a_signed_version_keeps_the_text_signed(
        self, contracts: httpx.AsyncClient
    ) -> None:
        acme, contract = await signed_sla(contracts)
        url = f"/v1/contracts/{contract['id']}/document"
        html, pdf = (await contracts.get(url)), (await contracts.get(url, params={"format": "pdf"}))
        await contracts.patch(
            f"/v1/organizations/{acme['id']}",
            json={"legal_name": "Acme Renamed S.A."},
            headers={"If-Match": "*"},
        )
        assert (await contracts.get(url)).text == html.text
        assert (await contracts.get(url, params={"format": "pdf"})).content == pdf.content
        assert (
            hashlib.sha256(html.content).hexdigest() == contract["versions"][0]["document_sha256"]
        )

    async def test_a_quality_score_target_reads_in_points(
        self, contracts: httpx.AsyncClient
    ) -> None:
        _, acme = await parties(contracts)
        quality = {"key": "qa", "metric": "quality_score", "target": "85"}
        body = sla(client_id=acme["id"], service_levels=[quality])
        body.pop("service_credit_terms")
        created = await post(contracts, "/v1/contracts", body)
        html = (await contracts.get(f"/v1/contracts/{created['id']}/document")).text
        assert "quality_score: at least 85 points (QA score 0-100) per month" in html

    async def test_the_rate_card_is_attached_and_levels_read_by_name(
        self, contracts: httpx.AsyncClient
    ) -> None:
        pricing = {
            **SLA["pricing"],
            "rate_card": [
                {"charge": "Management fee", "price": "45000.00", "unit": "per month"},
                {"charge": "Handled voice minutes", "price": "0.5500", "unit": "per minute",
                 "notes": "0.48 above 20,000 minutes"},
            ],
        }  # fmt: skip
        levels = [{**SLA["service_levels"][0], "name": "Voice — 80 % in 20 s"}]
        _, contract = await signed_sla(contracts, pricing=pricing, service_levels=levels)
        url = f"/v1/contracts/{contract['id']}/document"
        html = (await contracts.get(url)).text
        pdf = PdfReader(io.BytesIO((await contracts.get(url, params={"format": "pdf"})).content))
        printed = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
        for document in (html, printed):
            for text in (
                "Attachment A — Rate card",
                "Management fee",
                "45,000 BRL per month",
                "0.55 BRL per minute; 0.48 above 20,000 minutes",
                "price plan PP-ACME",
                "Voice — 80 % in 20 s (voice_sl)",
            ):
                assert text in document, (text, document)

    async def test_a_bad_rate_card_line_is_named(self, contracts: httpx.AsyncClient) -> None:
        acme, _ = await signed_sla(contracts)
        pricing = {**SLA["pricing"], "rate_card": [{"charge": "Fee", "price": "-1"}]}
        response = await contracts.post(
            "/v1/contracts", json=sla(client_id=acme["id"], pricing=pricing)
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "pricing.rate_card[0].price"

    async def test_user_text_is_escaped(self, contracts: httpx.AsyncClient) -> None:
        acme = (await signed_sla(contracts))[0]
        body = sla(client_id=acme["id"], title="<script>x</script>", scope=None)
        body.pop("service_levels")
        body.pop("service_credit_terms")
        created = await post(
            contracts, "/v1/contracts", {**body, "type": "MSA", "termination": None}
        )
        html = (await contracts.get(f"/v1/contracts/{created['id']}/document")).text
        assert "<script>" not in html and "&lt;script&gt;" in html


class TestReminders:
    async def test_notice_deadline_within_n_days(self, contracts: httpx.AsyncClient) -> None:
        _, contract = await signed_sla(contracts)
        params = {"within_days": 30, "today": "2027-09-15"}
        # the stored deadline is today's view (2027-10-02 for the first period)
        reminders = (await contracts.get("/v1/contracts/reminders", params=params)).json()
        assert [(r["contract"]["id"], r["kind"], r["due_on"]) for r in reminders["items"]] == [
            (contract["id"], "notice_deadline", "2027-10-02")
        ]
        far = await contracts.get("/v1/contracts/reminders", params={"today": "2027-01-01"})
        assert far.json()["items"] == []


class TestExpiringSoon:
    async def test_search_by_days_to_the_notice_deadline(
        self, contracts: httpx.AsyncClient
    ) -> None:
        # Dates relative to the real today: the filter counts from it.
        today = datetime.now(UTC).date()
        start = add_months(today, -11)
        term = {
            "start_date": start.isoformat(),
            "initial_term_months": 12,
            "renewal_type": "fixed",
            "notice_days": 10,
        }
        _, contract = await signed_sla(contracts, term=term)
        deadline = add_months(start, 12) - timedelta(days=11)
        days = (deadline - today).days
        assert 0 <= days <= 31
        soon = await contracts.get("/v1/contracts", params={"expiring_within_days": days})
        assert [c["id"] for c in soon.json()["items"]] == [contract["id"]]
        assert soon.json()["items"][0]["notice_deadline"] == deadline.isoformat()
        if days > 0:
            earlier = await contracts.get(
                "/v1/contracts", params={"expiring_within_days": days - 1}
            )
            assert earlier.json()["items"] == []
