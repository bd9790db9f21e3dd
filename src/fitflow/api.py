"""The JSON API (/api/v1): a table of contents of every domain's endpoints."""

from fastapi import APIRouter

from fitflow.audit.endpoints import router as audit
from fitflow.auth.endpoints import router as identity
from fitflow.bookings.appointment_endpoints import router as appointments
from fitflow.bookings.endpoints import router as booking
from fitflow.bookings.live_endpoints import router as live
from fitflow.bookings.schedule_endpoints import router as schedules
from fitflow.checkins.endpoints import router as checkins
from fitflow.classes.endpoints import router as schedule
from fitflow.credits.endpoints import router as credits
from fitflow.invoices.endpoints import router as invoices
from fitflow.members.endpoints import router as members
from fitflow.memberships.endpoints import router as memberships
from fitflow.organizations.endpoints import router as studios
from fitflow.payments.checkout_endpoints import router as checkout
from fitflow.payments.endpoints import router as orders
from fitflow.payments.report_endpoints import router as reports
from fitflow.payments.subscription_endpoints import router as subscriptions
from fitflow.payments.webhook_endpoints import router as webhooks
from fitflow.plans.endpoints import router as plans

api = APIRouter()
api.include_router(identity)
api.include_router(studios)
api.include_router(members)
api.include_router(schedule)
api.include_router(schedules)
api.include_router(booking)
api.include_router(live)
api.include_router(appointments)
api.include_router(checkins)
api.include_router(plans)
api.include_router(memberships)
api.include_router(subscriptions)
api.include_router(credits)
api.include_router(orders)
api.include_router(checkout)
api.include_router(webhooks)
api.include_router(invoices)
api.include_router(reports)
api.include_router(audit)
