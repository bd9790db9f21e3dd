from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

InvoiceKind = Literal["invoice", "credit_note"]


class Seller(BaseModel):
    """The studio as it was when the document was issued."""

    name: str
    legal_name: str
    address: str | None
    tax_id: str | None
    email: str | None
    phone: str | None
    website: str | None
    footer: str | None


class Buyer(BaseModel):
    """The member as they were when the document was issued."""

    member_id: uuid.UUID
    name: str
    email: str


class InvoiceLine(BaseModel):
    description: str
    quantity: int
    unit_minor: int = Field(description="Tax included, in the currency's minor unit")
    total_minor: int = Field(description="Tax included, in the currency's minor unit")


class InvoiceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: InvoiceKind
    number: int = Field(description="Gapless within the studio's series of this kind")
    display_number: str = Field(description="`INV-000042` or `CN-000007`")
    order_id: uuid.UUID
    refund_id: uuid.UUID | None = Field(description="The refund or void a credit note is for")
    credited_invoice_id: uuid.UUID | None = Field(description="The invoice a credit note credits")
    member_id: uuid.UUID
    issued_at: datetime
    currency: str
    seller: Seller
    buyer: Buyer
    lines: list[InvoiceLine]
    subtotal_minor: int = Field(description="The total without tax")
    tax_rate_bp: int = Field(description="The tax rate used, in basis points (1900 = 19%)")
    tax_minor: int
    total_minor: int = Field(description="Tax included; for a credit note, the money returned")
