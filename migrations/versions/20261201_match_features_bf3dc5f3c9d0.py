"""Brokers' decisions keep the pair's evidence (scoring features), from which fusion weights are learned.

Earlier decisions keep NULL: their evidence was not recorded and is not guessed afterwards.

Revision ID: bf3dc5f3c9d0
Revises: f8708566d861
Create Date: 2026-12-01 08:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "bf3dc5f3c9d0"
down_revision = "f8708566d861"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("match_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("features", sa.JSON(none_as_null=True), nullable=True))


def downgrade():
    with op.batch_alter_table("match_decisions", schema=None) as batch_op:
        batch_op.drop_column("features")
