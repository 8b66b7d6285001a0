"""Deals: the pipeline from an introduction to a registered contract (events, messages, NDAs), and the
confidential details of a result that a deal's NDA unlocks.

Revision ID: 5c2b574010b1
Revises: bf3dc5f3c9d0
Create Date: 2026-12-01 08:21:50.438158

"""

import sqlalchemy as sa
from alembic import op

from market.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "5c2b574010b1"
down_revision = "bf3dc5f3c9d0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=True),
        sa.Column("demand_id", sa.Integer(), nullable=True),
        sa.Column("seller_org_id", sa.Integer(), nullable=False),
        sa.Column("buyer_org_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=True),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("broker_id", sa.Integer(), nullable=True),
        sa.Column("requested_broker_id", sa.Integer(), nullable=True),
        sa.Column("broker_assigned_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("stage_changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("termination_reason", sa.String(length=20), nullable=True),
        sa.Column("termination_note", sa.String(length=500), nullable=True),
        sa.Column("next_action", sa.String(length=200), nullable=True),
        sa.Column("next_action_due", sa.Date(), nullable=True),
        sa.Column("last_activity_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievements.id"],
            name=op.f("fk_deals_achievement_id_achievements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["broker_id"], ["users.id"], name=op.f("fk_deals_broker_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["buyer_org_id"], ["organisations.id"], name=op.f("fk_deals_buyer_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_deals_contract_id_contracts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demands.id"], name=op.f("fk_deals_demand_id_demands"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["field_id"], ["fields.id"], name=op.f("fk_deals_field_id_fields")),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_deals_opened_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["requested_broker_id"],
            ["users.id"],
            name=op.f("fk_deals_requested_broker_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["seller_org_id"], ["organisations.id"], name=op.f("fk_deals_seller_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deals")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_deals_contract_id")),
    )
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deals_achievement_id"), ["achievement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deals_broker_id"), ["broker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deals_buyer_org_id"), ["buyer_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deals_demand_id"), ["demand_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deals_field_id"), ["field_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_deals_requested_broker_id"), ["requested_broker_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_deals_seller_org_id"), ["seller_org_id"], unique=False)
        batch_op.create_index("ix_deals_stage_last_activity", ["stage", "last_activity_at"], unique=False)

    op.create_table(
        "deal_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_stage", sa.String(length=20), nullable=True),
        sa.Column("to_stage", sa.String(length=20), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_deal_events_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_deal_events_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_events")),
    )
    with op.batch_alter_table("deal_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deal_events_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_deal_events_deal_id"), ["deal_id"], unique=False)

    op.create_table(
        "deal_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("stored_name", sa.String(length=80), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_deal_messages_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_deal_messages_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_messages")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_deal_messages_stored_name")),
    )
    with op.batch_alter_table("deal_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_messages_deal_id"), ["deal_id"], unique=False)

    op.create_table(
        "deal_ndas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("text_version", sa.String(length=20), nullable=False),
        sa.Column("accepted_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_deal_ndas_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_deal_ndas_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_deal_ndas_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_ndas")),
        sa.UniqueConstraint("deal_id", "org_id", name="uq_deal_ndas_deal_org"),
    )
    with op.batch_alter_table("deal_ndas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_ndas_deal_id"), ["deal_id"], unique=False)

    with op.batch_alter_table("achievements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confidential_details", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("achievements", schema=None) as batch_op:
        batch_op.drop_column("confidential_details")

    with op.batch_alter_table("deal_ndas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deal_ndas_deal_id"))

    op.drop_table("deal_ndas")
    with op.batch_alter_table("deal_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deal_messages_deal_id"))

    op.drop_table("deal_messages")
    with op.batch_alter_table("deal_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deal_events_deal_id"))
        batch_op.drop_index(batch_op.f("ix_deal_events_created_at"))
        batch_op.drop_index(batch_op.f("ix_deal_events_actor_id"))

    op.drop_table("deal_events")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index("ix_deals_stage_last_activity")
        batch_op.drop_index(batch_op.f("ix_deals_seller_org_id"))
        batch_op.drop_index(batch_op.f("ix_deals_requested_broker_id"))
        batch_op.drop_index(batch_op.f("ix_deals_field_id"))
        batch_op.drop_index(batch_op.f("ix_deals_demand_id"))
        batch_op.drop_index(batch_op.f("ix_deals_buyer_org_id"))
        batch_op.drop_index(batch_op.f("ix_deals_broker_id"))
        batch_op.drop_index(batch_op.f("ix_deals_achievement_id"))

    op.drop_table("deals")
