"""Search outbox: an append-only log of changed objects, and each index's cursor into it.

Existing rows need no outbox entries: an index that does not exist yet is built from the database.

Revision ID: 6df33b940c87
Revises: 950defcc902e
Create Date: 2026-11-22 05:23:17.762621

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6df33b940c87"
down_revision = "950defcc902e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_index_cursors",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_search_index_cursors")),
    )
    op.create_table(
        "search_outbox",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_search_outbox")),
        sqlite_autoincrement=True,
    )


def downgrade():
    op.drop_table("search_outbox")
    op.drop_table("search_index_cursors")
