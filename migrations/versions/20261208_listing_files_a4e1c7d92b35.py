"""Pictures and PDF documents on results, demands and instruments (issue 18, part 5).

- listing_files: one row per file of a listing (listing_kind names the table, listing_id its row: no
  foreign key, as the row may be in any of three tables; deleting a listing deletes its rows in the same
  unit of work).
  An image is stored re-encoded in full (stored_name) and as a thumbnail (thumb_name); a PDF as uploaded.
  The files themselves live under <instance>/attachments/listings/.

Revision ID: a4e1c7d92b35
Revises: 9a4c2e61d7b3
Create Date: 2026-12-10 10:00:00

"""

import sqlalchemy as sa
from alembic import op

from market.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "a4e1c7d92b35"
down_revision = "9a4c2e61d7b3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "listing_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_kind", sa.String(length=20), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("file_kind", sa.String(length=10), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("thumb_name", sa.String(length=80), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("caption", sa.String(length=100), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_listing_files_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_files")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_listing_files_stored_name")),
    )
    op.create_index(
        "ix_listing_files_listing", "listing_files", ["listing_kind", "listing_id", "position"], unique=False
    )


def downgrade():
    op.drop_index("ix_listing_files_listing", table_name="listing_files")
    op.drop_table("listing_files")
