"""Follow and favourites (issue 18, part 4): follows, notification_settings.

- follows: a user's saved listings (收藏) and followed organisations and technical fields (关注), one row per
  user and target (target_kind achievement | demand | equipment | organisation | field, target_id without a
  foreign key: the target is one of several tables). Indexed by target for follower counts and the
  notification fan-out.
- notification_settings: per user and switchable category (follow: 关注动态), whether it is notified; no row
  means on, so existing users keep getting everything.

Revision ID: 9a4c2e61d7b3
Revises: 3c9d2e7f1a60
Create Date: 2026-12-08 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9a4c2e61d7b3"
down_revision = "3c9d2e7f1a60"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_follows_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
        sa.UniqueConstraint("user_id", "target_kind", "target_id", name="uq_follows_user_target"),
    )
    op.create_index("ix_follows_target", "follows", ["target_kind", "target_id"], unique=False)

    op.create_table(
        "notification_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_settings")),
        sa.UniqueConstraint("user_id", "category", name="uq_notification_settings_user_category"),
    )


def downgrade():
    op.drop_table("notification_settings")
    op.drop_index("ix_follows_target", table_name="follows")
    op.drop_table("follows")
