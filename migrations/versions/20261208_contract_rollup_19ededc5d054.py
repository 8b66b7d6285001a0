"""Monthly totals of registered contracts for the dashboard and the stats API, filled from the contracts.

- contract_monthly_totals: per month, contract type, field, seller region, seller kind and buyer region
  (in/out of 陕西省): count, 成交额 and 技术交易额 in fen.
- contract_party_monthly_totals: the same sums per month and seller, buyer or broker (the top-ten lists).
Both are filled here from the registered contracts; from now on every flush that changes a contract keeps them
(market/services/contract_rollup), and `flask --app wsgi market rebuild-contract-rollup` recomputes them.

Revision ID: 19ededc5d054
Revises: a4e1c7d92b35
Create Date: 2026-12-08 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "19ededc5d054"
down_revision = "a4e1c7d92b35"
branch_labels = None
depends_on = None

SUMS = "count(*), sum(amount_fen), sum(coalesce(recognised_fen, 0))"
REGISTERED = "FROM contracts WHERE status = 'registered'"


def _sums():
    return [
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("recognised_fen", sa.BigInteger(), nullable=False),
    ]


def upgrade():
    op.create_table(
        "contract_monthly_totals",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("contract_type", sa.String(length=20), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("seller_region", sa.String(length=20), nullable=False),
        sa.Column("seller_kind", sa.String(length=20), nullable=False),
        sa.Column("buyer_region", sa.String(length=3), nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint(
            "month",
            "contract_type",
            "field",
            "seller_region",
            "seller_kind",
            "buyer_region",
            name=op.f("pk_contract_monthly_totals"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "contract_party_monthly_totals",
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint("role", "month", "party_id", name=op.f("pk_contract_party_monthly_totals")),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        month = "date_trunc('month', signed_on)::date"
    else:
        month = "date(signed_on, 'start of month')"
    region = "CASE WHEN buyer_province = '陕西省' THEN 'in' ELSE 'out' END"
    keys = f"{month}, contract_type, field, seller_region, seller_kind, {region}"
    op.execute(
        "INSERT INTO contract_monthly_totals (month, contract_type, field, seller_region, seller_kind, "
        f"buyer_region, count, amount_fen, recognised_fen) SELECT {keys}, {SUMS} {REGISTERED} GROUP BY {keys}"
    )
    for role, column in (("seller", "seller_org_id"), ("buyer", "buyer_org_id"), ("broker", "broker_id")):
        op.execute(
            "INSERT INTO contract_party_monthly_totals (role, month, party_id, count, amount_fen, "
            f"recognised_fen) SELECT '{role}', {month}, {column}, {SUMS} {REGISTERED} "
            f"AND {column} IS NOT NULL GROUP BY {month}, {column}"
        )


def downgrade():
    op.drop_table("contract_party_monthly_totals")
    op.drop_table("contract_monthly_totals")
