from fastapi import FastAPI
from fastapi.routing import APIRoute

BILLING_SEGMENTS = {
    "tax-rates",
    "price-plans",
    "invoices",
    "credit-notes",
    "invoice-runs",
    "payments",
    "credit-balances",
    "refunds",
    "quotes",
    "billing-events",
    "webhook-endpoints",
}


class TestOpenAPI:
    def test_every_operation_has_a_summary_and_problem_responses(
        self, billing_app: FastAPI
    ) -> None:
        schema = billing_app.openapi()
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                assert operation.get("summary"), (method, path)
                if path.startswith("/v1/"):
                    assert {"401", "403", "422"} <= set(operation["responses"]), (method, path)

    def test_only_the_routed_gateway_segments_are_used(self, billing_app: FastAPI) -> None:
        segments = {
            route.path.split("/")[2]
            for route in billing_app.routes
            if isinstance(route, APIRoute) and route.path.startswith("/v1/")
        }
        assert segments <= BILLING_SEGMENTS

    def test_every_route_declares_its_roles(self, billing_app: FastAPI) -> None:
        for route in billing_app.routes:
            if isinstance(route, APIRoute) and route.path.startswith("/v1/"):
                calls = [d.call for d in route.dependant.dependencies]
                assert any(hasattr(c, "allowed_roles") for c in calls), route.path

    def test_creating_bodies_have_examples(self, billing_app: FastAPI) -> None:
        schemas = billing_app.openapi()["components"]["schemas"]
        for name in (
            "PricePlanCreate",
            "InvoiceCreate",
            "CreditNoteCreate",
            "PaymentCreate",
            "QuoteRequest",
            "InvoiceRunCreate",
            "WebhookEndpointCreate",
        ):
            assert schemas[name].get("examples"), name
