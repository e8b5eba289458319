"""What the review and signature workflow reads and writes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from contracts.contracts import examples as ex
from contracts.contracts.models import Party
from shared.types import JsonBool, Text

EXAMPLE_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class SignerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    email: EmailStr
    role: Text | None = Field(None, max_length=200, examples=["Head of Customer Care"])
    party: Party
    required: JsonBool = True


class ActionRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "Reviewed with legal"},
                {
                    "reason": "Ready",
                    "signers": [
                        {
                            "name": "Ana Souza",
                            "email": "ana@acme.example",
                            "role": "COO",
                            "party": "client",
                        },
                        {
                            "name": "Rui Lima",
                            "email": "rui@bpo.example",
                            "role": "CEO",
                            "party": "operator",
                        },
                    ],
                },
            ]
        },
    )

    reason: Text | None = Field(None, max_length=2000, description="Why (kept in the event log)")
    signers: list[SignerIn] | None = Field(
        None, description="send_for_signature: who must sign (at least one per party)"
    )


class SignatureCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "email": "ana@acme.example",
                    "document_sha256": EXAMPLE_SHA256,
                }
            ]
        },
    )

    email: EmailStr = Field(description="The signer's e-mail as named at send_for_signature")
    document_sha256: str | None = Field(
        None,
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the HTML the signer saw; refused if it is not the current one",
    )


class SignerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [ex.SIGNER]})

    version: int
    name: str
    email: str
    role: str | None
    party: Party
    required: bool
    signed_at: datetime | None
    ip: str | None
    user_agent: str | None
    document_sha256: str | None
