"""Event handlers moved into the bookings, deals and contracts subpackages: queued jobs follow them.

A job names its handler by module and function (`market.events.subscribe`); jobs queued or parked before the
split name the old modules. Data only, no schema change.

Revision ID: 3c9d2e7f1a60
Revises: 7e1f0c2a9b4d
Create Date: 2026-12-07 14:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3c9d2e7f1a60"
down_revision = "7e1f0c2a9b4d"
branch_labels = None
depends_on = None

MOVED = {  # old handler name → new
    "market.services.bookings:notify_booking_people": (
        "market.services.bookings.requests:notify_booking_people"
    ),
    "market.services.deals:notify_deal_people": "market.services.deals.activity:notify_deal_people",
    "market.services.deals:notify_requested_broker": "market.services.deals.activity:notify_requested_broker",
    "market.services.deals:follow_contract_registration": (
        "market.services.deals.stages:follow_contract_registration"
    ),
    "market.services.contracts:notify_contract_parties": (
        "market.services.contracts.lifecycle:notify_contract_parties"
    ),
}
event_jobs = sa.table("event_jobs", sa.column("handler", sa.String))


def _rename(pairs):
    for old, new in pairs:
        op.execute(event_jobs.update().where(event_jobs.c.handler == old).values(handler=new))


def upgrade():
    _rename(MOVED.items())


def downgrade():
    _rename((new, old) for old, new in MOVED.items())
