"""The gateway client's handling of HTTP answers (pagination, problem+json, rate limits).
These are answers any HTTP peer can give (a proxy's HTML 502, a 429), so a tiny transport
stands in for the network; the commands themselves are tested against the real platform."""

import httpx
import pytest

from contrato.commands.api import ApiError, Gateway


def gateway(handler) -> Gateway:  # type: ignore[no-untyped-def]
    return Gateway("http://gw.test", "t0k", transport=httpx.MockTransport(handler))


class TestAnswers:
    def test_pages_follow_the_cursor_and_send_the_token(self) -> None:
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            if request.url.params.get("cursor") == "c2":
                return httpx.Response(200, json={"items": [3], "next_cursor": None})
            return httpx.Response(200, json={"items": [1, 2], "next_cursor": "c2"})

        assert list(gateway(handler).pages("/v1/things", status="active", q=None)) == [1, 2, 3]
        assert seen[0].headers["authorization"] == "Bearer t0k"
        assert "q" not in seen[0].url.params and seen[0].url.params["status"] == "active"

    def test_problem_details_name_each_field(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(
                422,
                headers={"content-type": "application/problem+json"},
                json={
                    "status": 422,
                    "detail": "2 fields are invalid",
                    "errors": [
                        {"field": "period", "message": "must be YYYY-MM"},
                        {"field": "contract_id", "message": "not a UUID"},
                    ],
                },
            )

        with pytest.raises(ApiError) as caught:
            gateway(handler).post("/v1/sla-reports", {})
        assert caught.value.status == 422
        assert caught.value.message == "422 POST /v1/sla-reports: 2 fields are invalid"
        assert caught.value.errors == ["period: must be YYYY-MM", "contract_id: not a UUID"]
        assert caught.value.short() == "period: must be YYYY-MM; contract_id: not a UUID"

    def test_an_answer_that_is_not_json_still_says_something(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(502, text="<html>Bad Gateway</html>")

        with pytest.raises(ApiError) as caught:
            gateway(handler).get("/v1/invoices")
        assert caught.value.message == "502 GET /v1/invoices: <html>Bad Gateway</html>"

    def test_rate_limited_requests_wait_and_retry(self) -> None:
        answers = iter([429, 429, 200])

        def handler(request: httpx.Request) -> httpx.Response:
            status = next(answers)
            if status == 429:
                return httpx.Response(429, headers={"retry-after": "0"}, json={"detail": "slow"})
            return httpx.Response(200, json={"ok": True})

        assert gateway(handler).get("/v1/x") == {"ok": True}

    def test_rate_limit_retries_end(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(429, headers={"retry-after": "0"}, json={"detail": "slow down"})

        client = gateway(handler)
        client.rate_limit_retries = 1
        with pytest.raises(ApiError, match="429 GET /v1/x: slow down"):
            client.get("/v1/x")
