"""The write path off the request: event jobs for the worker, idempotency keys, one open deal per pair.

- event_jobs: one row per (domain event, subscribed handler), written in the event's transaction and run by
  the worker with retries; parked with its error after too many failures.
- idempotency_keys: API creates with an Idempotency-Key header and forms with a one-time submission token.
- deals: concurrent opens of the same deal used to write 2–5 open deals. Existing duplicates are closed first
  (the oldest open deal of each group stays), then three partial unique indexes keep one open deal per pair of
  organisations and listing(s).

Revision ID: 534e3605351e
Revises: d0052d77bb0f
Create Date: 2026-12-07 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "534e3605351e"
down_revision = "d0052d77bb0f"
branch_labels = None
depends_on = None

OPEN = "('intent', 'negotiation', 'signing')"
DUPLICATE_NOTE = "重复发起的对接：同一双方就同一成果/需求已有进行中的对接（系统合并）"


def upgrade():
    op.create_table(
        "event_jobs",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("handler", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_jobs")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_event_jobs_status_run_after", "event_jobs", ["status", "run_after"], unique=False)

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("resource", sa.String(length=80), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("scope", "key", name="uq_idempotency_keys_scope_key"),
    )
    op.create_index(op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"], unique=False)

    same_pair = (
        "d2.seller_org_id = deals.seller_org_id AND d2.buyer_org_id = deals.buyer_org_id"
        " AND COALESCE(d2.achievement_id, 0) = COALESCE(deals.achievement_id, 0)"
        " AND COALESCE(d2.demand_id, 0) = COALESCE(deals.demand_id, 0)"
    )
    op.get_bind().execute(
        sa.text(
            f"UPDATE deals SET stage = 'terminated', termination_reason = 'other', termination_note = :note "
            f"WHERE stage IN {OPEN} AND EXISTS "
            f"(SELECT 1 FROM deals d2 WHERE d2.stage IN {OPEN} AND {same_pair}"
            f" AND d2.id < deals.id)"
        ),
        {"note": DUPLICATE_NOTE},
    )
    for name, columns, where in (
        (
            "uq_deals_open_achievement",
            ["seller_org_id", "buyer_org_id", "achievement_id"],
            f"stage IN {OPEN} AND demand_id IS NULL",
        ),
        (
            "uq_deals_open_demand",
            ["seller_org_id", "buyer_org_id", "demand_id"],
            f"stage IN {OPEN} AND achievement_id IS NULL",
        ),
        (
            "uq_deals_open_pair",
            ["seller_org_id", "buyer_org_id", "achievement_id", "demand_id"],
            f"stage IN {OPEN}",
        ),
    ):
        op.create_index(
            name, "deals", columns, unique=True, postgresql_where=sa.text(where), sqlite_where=sa.text(where)
        )


def downgrade():
    for name in ("uq_deals_open_pair", "uq_deals_open_demand", "uq_deals_open_achievement"):
        op.drop_index(name, table_name="deals")
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_event_jobs_status_run_after", table_name="event_jobs")
    op.drop_table("event_jobs")
