from decimal import Decimal

import pytest

from shared.errors import ValidationFailed
from shared.money import minor_units, round_money, to_decimal


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
