from decimal import Decimal

import pytest
from pydantic import BaseModel

from shared.errors import ValidationFailed
from shared.money import (
    Amount,
    InCurrency,
    MaybeAmount,
    PlainDecimal,
    minor_units,
    money_text,
    plain_text,
    round_money,
    to_decimal,
)


class TestMinorUnits:
    @pytest.mark.parametrize(
        ("currency", "digits"),
        # HUF, IDR and COP are 2 in ISO 4217 although display libraries show 0.
        [("EUR", 2), ("BRL", 2), ("JPY", 0), ("BHD", 3), ("HUF", 2), ("IDR", 2), ("COP", 2)],
    )
    def test_official_table(self, currency: str, digits: int) -> None:
        assert minor_units(currency) == digits

    def test_unknown_currency_names_the_field(self) -> None:
        with pytest.raises(ValidationFailed) as error:
            minor_units("XYZ")
        assert error.value.errors[0].field == "currency"


class TestRounding:
    @pytest.mark.parametrize(
        ("amount", "currency", "expected"),
        [
            ("2.345", "EUR", "2.35"),  # half up, not banker's
            ("2.355", "EUR", "2.36"),
            ("-2.345", "EUR", "-2.35"),  # half away from zero
            ("1234.5", "JPY", "1235"),
            ("0.0005", "BHD", "0.001"),
        ],
    )
    def test_half_away_from_zero(self, amount: str, currency: str, expected: str) -> None:
        assert round_money(Decimal(amount), currency) == Decimal(expected)


class TestParsing:
    def test_float_is_refused(self) -> None:
        with pytest.raises(ValidationFailed):
            to_decimal(0.1)

    def test_string_and_int_are_exact(self) -> None:
        assert to_decimal("0.10") + to_decimal(2) == Decimal("2.10")

    @pytest.mark.parametrize("value", ["abc", "NaN", "Infinity"])
    def test_non_numbers_are_refused(self, value: str) -> None:
        with pytest.raises(ValidationFailed):
            to_decimal(value)


class TestWriting:
    @pytest.mark.parametrize(
        ("amount", "currency", "expected"),
        [
            ("146436.8800", "BRL", "146436.88"),
            ("18000", "EUR", "18000.00"),
            ("6930.0000", "USD", "6930.00"),
            ("18000.4", "JPY", "18000"),
            ("1.25", "BHD", "1.250"),
            ("1E+3", "EUR", "1000.00"),  # never in exponent form
            ("-0.004", "EUR", "0.00"),
        ],
    )
    def test_amounts_have_exactly_the_minor_units(
        self, amount: str, currency: str, expected: str
    ) -> None:
        assert money_text(Decimal(amount), currency) == expected

    @pytest.mark.parametrize(
        ("value", "expected"),
        [("0.4500000000", "0.45"), ("150000.0000", "150000"), ("0E-10", "0"), ("5.0000", "5")],
    )
    def test_plain_figures_lose_trailing_zeros_only(self, value: str, expected: str) -> None:
        assert plain_text(Decimal(value)) == expected

    def test_an_answer_writes_nested_amounts_in_its_currency(self) -> None:
        class Line(BaseModel):
            amount: Amount
            quantity: PlainDecimal

        class Answer(InCurrency):
            currency: str
            total: Amount
            fee: MaybeAmount = None
            lines: list[Line]

        answer = Answer(
            currency="BHD",
            total=Decimal("6930.0000"),
            fee=Decimal("2"),
            lines=[Line(amount=Decimal("1.5"), quantity=Decimal("2.500"))],
        )
        assert answer.model_dump(mode="json") == {
            "currency": "BHD",
            "total": "6930.000",
            "fee": "2.000",
            "lines": [{"amount": "1.500", "quantity": "2.5"}],
        }
        # The documented schema stays the model's own: amounts are strings.
        schema = Answer.model_json_schema(mode="serialization")
        assert schema["properties"]["total"]["type"] == "string"
