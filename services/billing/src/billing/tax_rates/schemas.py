import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from shared.money import plain_text
from shared.pagination import Page
from shared.types import CountryCode, IsoDate, Percent, Text

# Percentages travel as strings, like money (never a float), without trailing zeros.
Percentage = Annotated[Percent, Field(ge=0, lt=100), PlainSerializer(plain_text, return_type=str)]


class TaxRateCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "BR-ISS-SP",
                    "name": "ISS São Paulo",
                    "country": "BR",
                    "rate": "5.00",
                    "valid_from": "2026-01-01",
                }
            ]
        },
    )

    code: str = Field(min_length=1, max_length=50, pattern=r"^[A-Z0-9][A-Z0-9_-]*$")
    name: Text = Field(min_length=1, max_length=200)
    country: CountryCode
    rate: Percentage
    valid_from: IsoDate


class TaxRateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    country: str
    rate: Percentage
    valid_from: date
    created_at: datetime


TaxRatePage = Page[TaxRateRead]
