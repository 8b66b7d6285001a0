"""Attachments added to a registered contract by a correction (更正) keep the reason with the file.

- contract_attachments.correction_reason: null for files uploaded before registration; the admin's reason for
  a file added afterwards (who and when are the upload's uploaded_by_id and created_at). Existing rows stay
  null.

Revision ID: 5467de3eaf33
Revises: 534e3605351e
Create Date: 2026-12-07 12:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5467de3eaf33"
down_revision = "534e3605351e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contract_attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("correction_reason", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("contract_attachments", schema=None) as batch_op:
        batch_op.drop_column("correction_reason")
