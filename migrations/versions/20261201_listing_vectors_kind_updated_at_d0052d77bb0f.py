"""Listing vectors: index (kind, updated_at) instead of updated_at alone.

Every suggestion asks whether its process's vector matrix for one kind is stale (row count and latest change
of that kind). With only updated_at indexed, that question read the whole table, vectors included: 145 ms at
100k rows on SQLite. The composite index answers it from the index alone.

Revision ID: d0052d77bb0f
Revises: 7b04c9309920
Create Date: 2026-12-01 17:03:09.501570

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d0052d77bb0f"
down_revision = "7b04c9309920"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_listing_vectors_kind_updated_at", "listing_vectors", ["kind", "updated_at"], unique=False
    )
    op.drop_index("ix_listing_vectors_updated_at", table_name="listing_vectors")


def downgrade():
    op.create_index("ix_listing_vectors_updated_at", "listing_vectors", ["updated_at"], unique=False)
    op.drop_index("ix_listing_vectors_kind_updated_at", table_name="listing_vectors")
