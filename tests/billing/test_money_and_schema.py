"""The database and the code agree to the cent, and the models match the migrations."""

from decimal import Decimal

import pytest
from alembic import command
from fastapi import FastAPI
from sqlalchemy import text

from billing.main import SERVICE_DIR
from shared.migrations import alembic_config
from shared.money import round_money
from tests.billing.conftest import BillingFactory, BillingWorld
from tests.conftest import TokenFactory, api_client

TRICKY = ["2.675", "0.005", "-0.005", "1.0049999", "-2.5", "1234567.895", "0.125", "-0.125"]


class TestRounding:
    @pytest.mark.parametrize(
        ("currency", "digits"),
        [("EUR", 2), ("JPY", 0), ("BHD", 3), ("HUF", 2), ("IDR", 2), ("COP", 2)],
    )
    async def test_postgres_round_equals_round_money(
        self, billing_app: FastAPI, currency: str, digits: int
    ) -> None:
        async with billing_app.state.database.engine.connect() as conn:
            for value in TRICKY:
                db = await conn.scalar(
                    text("select round(cast(:v as numeric), :d)"), {"v": value, "d": digits}
                )
                assert db == round_money(Decimal(value), currency), (value, currency)


class TestStoredInvoiceAddsUp:
    async def test_sql_sums_equal_the_invoice_totals(
        self, make_billing: BillingFactory, token: TokenFactory, world: BillingWorld
    ) -> None:
        contract_id = await world.billed(currency="BHD")
        # 700 voice calls, 1225 minutes in 6 s increments (102 s and 108 s); 777 contacts in all
        await world.handled(contract_id, "2026-01", [101, 107] * 350)
        await world.handled(contract_id, "2026-01", [60] * 77, channel="chat")
        async with make_billing() as app, api_client(app, token("finance")) as client:
            await client.post(
                "/v1/price-plans",
                json={
                    "contract_id": contract_id,
                    "name": "P",
                    "version": {
                        "effective_from": "2026-01-01",
                        "tax_rate_percent": "7.5",
                        "charges": [
                            {
                                "key": "m",
                                "name": "M",
                                "model": "graduated",
                                "metric": "handled_minutes",
                                "increment_seconds": 6,
                                "tiers": [
                                    {"up_to": "1000.5", "unit_price": "0.0123456"},
                                    {"up_to": None, "unit_price": "0.0111111"},
                                ],
                            },
                            {
                                "key": "c",
                                "name": "C",
                                "model": "per_unit",
                                "metric": "handled_contacts",
                                "unit_price": "0.0333333",
                            },
                        ],
                    },
                },
            )
            response = await client.post(
                "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
            )
            assert response.status_code == 201, response.text
            invoice = response.json()
            async with app.state.database.engine.connect() as conn:
                row = (
                    await conn.execute(
                        text(
                            "select (select sum(amount) from invoice_line where invoice_id = i.id),"
                            " i.subtotal, round(i.subtotal * i.tax_rate_percent / 100, 3), i.tax,"
                            " i.subtotal + i.tax, i.total from invoice i where i.id = :id"
                        ),
                        {"id": invoice["id"]},
                    )
                ).one()
        lines_sum, subtotal, db_tax, tax, db_total, total = row
        assert lines_sum == subtotal == Decimal(invoice["subtotal"])
        assert db_tax == tax == Decimal(invoice["tax"])
        assert db_total == total == Decimal(invoice["total"])
        assert all(len(ln["amount"].split(".")[1]) == 3 for ln in invoice["lines"])


class TestMigrations:
    async def test_models_match_the_migrations(self, billing_app: FastAPI) -> None:
        config = alembic_config(SERVICE_DIR)

        def check(connection: object) -> None:
            config.attributes["connection"] = connection
            command.check(config)

        async with billing_app.state.database.engine.connect() as conn:
            await conn.run_sync(check)
