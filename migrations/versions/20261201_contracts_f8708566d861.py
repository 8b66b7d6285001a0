"""Technology contracts, their attachments, and the KPI table prefilled with the plans' targets.

The targets are data, not schema, but every deployment needs them from its first day; admins edit
them afterwards. Sources as DESIGN.md lists them.

Revision ID: f8708566d861
Revises: c810e543a449
Create Date: 2026-12-01 07:59:53.976616

"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from market.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "f8708566d861"
down_revision = "c810e543a449"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kpis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("baseline_value", sa.String(length=30), nullable=True),
        sa.Column("baseline_year", sa.Integer(), nullable=True),
        sa.Column("target_value", sa.String(length=30), nullable=False),
        sa.Column("target_year", sa.Integer(), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("period_kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpis")),
    )
    op.create_table(
        "kpi_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=30), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["users.id"],
            name=op.f("fk_kpi_entries_entered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["kpi_id"], ["kpis.id"], name=op.f("fk_kpi_entries_kpi_id_kpis"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_entries")),
    )
    with op.batch_alter_table("kpi_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kpi_entries_kpi_id"), ["kpi_id"], unique=False)

    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("contract_type", sa.String(length=20), nullable=False),
        sa.Column("subtype", sa.String(length=30), nullable=True),
        sa.Column("seller_org_id", sa.Integer(), nullable=False),
        sa.Column("buyer_org_id", sa.Integer(), nullable=False),
        sa.Column("broker_id", sa.Integer(), nullable=True),
        sa.Column("achievement_id", sa.Integer(), nullable=True),
        sa.Column("demand_id", sa.Integer(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("recognised_fen", sa.BigInteger(), nullable=True),
        sa.Column("payment_mode", sa.String(length=20), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=True),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("seller_region", sa.String(length=20), nullable=False),
        sa.Column("seller_kind", sa.String(length=20), nullable=False),
        sa.Column("buyer_province", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("registration_number", sa.String(length=40), nullable=True),
        sa.Column("submitted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("registered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("registered_by_id", sa.Integer(), nullable=True),
        sa.Column("return_reason", sa.String(length=500), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen >= 0", name=op.f("ck_contracts_amount_not_negative")),
        sa.CheckConstraint(
            "recognised_fen IS NULL OR (recognised_fen >= 0 AND recognised_fen <= amount_fen)",
            name=op.f("ck_contracts_recognised_within_amount"),
        ),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievements.id"],
            name=op.f("fk_contracts_achievement_id_achievements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["broker_id"], ["users.id"], name=op.f("fk_contracts_broker_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["buyer_org_id"], ["organisations.id"], name=op.f("fk_contracts_buyer_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_contracts_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demands.id"], name=op.f("fk_contracts_demand_id_demands"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_id"],
            ["users.id"],
            name=op.f("fk_contracts_registered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["seller_org_id"], ["organisations.id"], name=op.f("fk_contracts_seller_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("registration_number", name=op.f("uq_contracts_registration_number")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_broker_id"), ["broker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_buyer_org_id"), ["buyer_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_seller_org_id"), ["seller_org_id"], unique=False)
        batch_op.create_index(
            "ix_contracts_status_signed_on",
            ["status", "signed_on", "amount_fen", "recognised_fen"],
            unique=False,
        )

    op.create_table(
        "contract_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_attachments_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_contract_attachments_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_attachments")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_contract_attachments_stored_name")),
    )
    with op.batch_alter_table("contract_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_attachments_contract_id"), ["contract_id"], unique=False
        )

    _prefill_kpis()


def downgrade():
    with op.batch_alter_table("contract_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_attachments_contract_id"))

    op.drop_table("contract_attachments")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index("ix_contracts_status_signed_on")
        batch_op.drop_index(batch_op.f("ix_contracts_seller_org_id"))
        batch_op.drop_index(batch_op.f("ix_contracts_buyer_org_id"))
        batch_op.drop_index(batch_op.f("ix_contracts_broker_id"))

    op.drop_table("contracts")
    with op.batch_alter_table("kpi_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi_entries_kpi_id"))

    op.drop_table("kpi_entries")
    op.drop_table("kpis")


PLAN_14 = "西咸新区“十四五”科技创新规划（表1）"
PLAN_2426 = "秦创原（西咸）科技大市场建设行动方案（2024—2026年）"
# name, unit, baseline, baseline year, target, target year, start year, annual|cumulative, source, metric
TARGETS = [
    ("技术合同交易额（2025年）", "亿元", "80", 2020, "230", 2025, 2025, "annual", PLAN_14, "contract_amount"),
    (
        "技术合同交易额（2026年，年度口径）",
        "亿元",
        "80",
        2020,
        "500",
        2026,
        2026,
        "annual",
        PLAN_2426,
        "contract_amount",
    ),
    (
        "技术合同交易额（2024—2026年累计口径）",
        "亿元",
        None,
        None,
        "500",
        2026,
        2024,
        "cumulative",
        PLAN_2426,
        "contract_amount",
    ),
    ("新增科技经纪人", "人", None, None, "70", 2026, 2024, "cumulative", PLAN_2426, "brokers"),
    ("新增科技成果转化企业", "家", None, None, "1500", 2026, 2024, "cumulative", PLAN_2426, None),
    ("技术转移示范机构", "家", None, None, "10", 2026, 2024, "cumulative", PLAN_2426, None),
    ("科技中介服务机构", "家", None, None, "30", 2026, 2024, "cumulative", PLAN_2426, None),
    ("高价值专利入池（每年）", "件", None, None, "200", 2026, 2024, "annual", PLAN_2426, None),
    ("征集企业技术需求（每年）", "项", None, None, "100", 2026, 2024, "annual", PLAN_2426, "demands"),
    # measured by the projects started (20261210_kpi_challenge_projects_8d2f6a4c3b71 fixes databases that
    # were seeded with "open_calls", the calls published)
    (
        "揭榜挂帅/赛马制项目（每年）",
        "项",
        None,
        None,
        "30",
        2026,
        2024,
        "annual",
        PLAN_2426,
        "challenge_projects",
    ),
    ("路演活动（每年）", "场", None, None, "30", 2026, 2024, "annual", PLAN_2426, None),
    (
        "发布科技成果（每年）",
        "项",
        None,
        None,
        "200",
        2026,
        2024,
        "annual",
        PLAN_2426,
        "published_achievements",
    ),
    ("“先使用后付费”试点（每年）", "项", None, None, "5", 2026, 2024, "annual", PLAN_2426, None),
    ("高新技术企业（2025年）", "家", "241", 2020, "2000", 2025, 2021, "cumulative", PLAN_14, None),
    ("高新技术企业（2026年）", "家", "241", 2020, "4000", 2026, 2024, "cumulative", PLAN_2426, None),
    ("科技型中小企业（2025年）", "家", "611", 2020, "3000", 2025, 2021, "cumulative", PLAN_14, None),
    ("科技型中小企业（2026年）", "家", "611", 2020, "8500", 2026, 2024, "cumulative", PLAN_2426, None),
]


def _prefill_kpis():
    kpis = sa.table(
        "kpis",
        *(
            sa.column(name)
            for name in (
                "name",
                "unit",
                "baseline_value",
                "baseline_year",
                "target_value",
                "target_year",
                "start_year",
                "period_kind",
                "source",
                "metric",
                "sort_order",
            )
        ),
        sa.column("created_at", UTCDateTime(timezone=True)),
        sa.column("updated_at", UTCDateTime(timezone=True)),
    )
    now = datetime.now(timezone.utc)
    op.bulk_insert(
        kpis,
        [
            dict(
                zip(
                    (
                        "name",
                        "unit",
                        "baseline_value",
                        "baseline_year",
                        "target_value",
                        "target_year",
                        "start_year",
                        "period_kind",
                        "source",
                        "metric",
                    ),
                    row,
                ),
                sort_order=10 * n,
                created_at=now,
                updated_at=now,
            )
            for n, row in enumerate(TARGETS, start=1)
        ],
    )
