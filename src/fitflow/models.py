"""Every domain's models, imported so that Alembic and the mapper see one registry."""

from fitflow.audit.models import AuditEntry
from fitflow.auth.models import LoginThrottle, PasswordResetToken, RefreshToken, TokenFamily, User
from fitflow.bookings.models import (
    AvailabilityException,
    Booking,
    ClassSchedule,
    ClassSession,
    TrainerAvailability,
    WaitlistEntry,
)
from fitflow.classes.models import ClassType, Location
from fitflow.credits.models import CreditEntry, CreditLot
from fitflow.entitlements.models import Charge
from fitflow.invoices.models import Invoice, InvoiceCounter
from fitflow.kit.db import Base
from fitflow.kit.idempotency import IdempotencyKey
from fitflow.kit.relay import live_outbox
from fitflow.members.models import Member
from fitflow.memberships.models import Membership, MembershipFreeze
from fitflow.notifications.models import OutboundEmail
from fitflow.organizations.models import Organization, StaffMember
from fitflow.payments.models import Order, OrderRefund, PaymentEvent, Subscription
from fitflow.plans.models import Plan

__all__ = [
    "AuditEntry",
    "AvailabilityException",
    "Base",
    "Booking",
    "Charge",
    "ClassSchedule",
    "ClassSession",
    "ClassType",
    "CreditEntry",
    "CreditLot",
    "IdempotencyKey",
    "Invoice",
    "InvoiceCounter",
    "Location",
    "LoginThrottle",
    "Member",
    "Membership",
    "MembershipFreeze",
    "Order",
    "OrderRefund",
    "Organization",
    "OutboundEmail",
    "PasswordResetToken",
    "PaymentEvent",
    "Plan",
    "RefreshToken",
    "StaffMember",
    "Subscription",
    "TokenFamily",
    "TrainerAvailability",
    "User",
    "WaitlistEntry",
    "live_outbox",
]
