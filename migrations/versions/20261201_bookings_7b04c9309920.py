"""Instrument booking: requests, maintenance blocks, the slot rows whose unique index prevents double booking,
and each instrument's opening hours and booking rules.

Revision ID: 7b04c9309920
Revises: 5c2b574010b1
Create Date: 2026-12-01 09:15:31.398065

"""

import sqlalchemy as sa
from alembic import op

from market.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "7b04c9309920"
down_revision = "5c2b574010b1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "equipment_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_equipment_blocks_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
            name=op.f("fk_equipment_blocks_equipment_id_equipment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equipment_blocks")),
    )
    with op.batch_alter_table("equipment_blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_equipment_blocks_equipment_id"), ["equipment_id"], unique=False)

    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=True),
        sa.Column("requester_org_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("ends_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("samples", sa.Integer(), nullable=True),
        sa.Column("fee_item_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("proposed_starts_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("proposed_ends_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("actual_minutes", sa.Integer(), nullable=True),
        sa.Column("actual_samples", sa.Integer(), nullable=True),
        sa.Column("tier", sa.String(length=10), nullable=True),
        sa.Column("fee_fen", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_bookings_decided_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
            name=op.f("fk_bookings_equipment_id_equipment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["fee_item_id"],
            ["equipment_fees.id"],
            name=op.f("fk_bookings_fee_item_id_equipment_fees"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["users.id"], name=op.f("fk_bookings_requester_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["requester_org_id"],
            ["organisations.id"],
            name=op.f("fk_bookings_requester_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_equipment_starts", ["equipment_id", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_requester_id"), ["requester_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_requester_org_id"), ["requester_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_status"), ["status"], unique=False)

    op.create_table(
        "booking_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("equipment_id", sa.Integer(), nullable=False),
        sa.Column("slot_start", UTCDateTime(timezone=True), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("block_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(booking_id IS NULL) != (block_id IS NULL)", name=op.f("ck_booking_slots_one_holder")
        ),
        sa.ForeignKeyConstraint(
            ["block_id"],
            ["equipment_blocks.id"],
            name=op.f("fk_booking_slots_block_id_equipment_blocks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_slots_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
            name=op.f("fk_booking_slots_equipment_id_equipment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_slots")),
        sa.UniqueConstraint("equipment_id", "slot_start", name="uq_booking_slots_equipment_slot"),
    )
    with op.batch_alter_table("booking_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_slots_block_id"), ["block_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_booking_slots_booking_id"), ["booking_id"], unique=False)

    with op.batch_alter_table("equipment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opening_hours", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(
            sa.Column("training_required", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("sample_types", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("booking_rules", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("cancel_hours", sa.Integer(), server_default="24", nullable=False))


def downgrade():
    with op.batch_alter_table("equipment", schema=None) as batch_op:
        batch_op.drop_column("cancel_hours")
        batch_op.drop_column("booking_rules")
        batch_op.drop_column("sample_types")
        batch_op.drop_column("training_required")
        batch_op.drop_column("opening_hours")

    with op.batch_alter_table("booking_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_slots_booking_id"))
        batch_op.drop_index(batch_op.f("ix_booking_slots_block_id"))

    op.drop_table("booking_slots")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookings_status"))
        batch_op.drop_index(batch_op.f("ix_bookings_requester_org_id"))
        batch_op.drop_index(batch_op.f("ix_bookings_requester_id"))
        batch_op.drop_index("ix_bookings_equipment_starts")

    op.drop_table("bookings")
    with op.batch_alter_table("equipment_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_equipment_blocks_equipment_id"))

    op.drop_table("equipment_blocks")
