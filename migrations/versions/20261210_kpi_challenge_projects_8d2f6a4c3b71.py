"""The plan's 揭榜挂帅/赛马制项目（每年） target (≥30 a year) is measured by the projects started
(metric challenge_projects, the 揭榜挂帅 dashboard's 启动的项目), not by the calls published (open_calls).

Data only: the one row the contracts migration seeded is changed, matched on every seeded value (name, unit,
target, years, period, source and the old metric), so a KPI an admin has since edited or added is left as it
is. The downgrade changes the same row back.

Revision ID: 8d2f6a4c3b71
Revises: 5b7d3e9c1f20
Create Date: 2026-12-10 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8d2f6a4c3b71"
down_revision = "5b7d3e9c1f20"
branch_labels = None
depends_on = None

SEEDED = {
    "name": "揭榜挂帅/赛马制项目（每年）",
    "unit": "项",
    "target_value": "30",
    "target_year": 2026,
    "start_year": 2024,
    "period_kind": "annual",
    "source": "秦创原（西咸）科技大市场建设行动方案（2024—2026年）",
}
kpis = sa.table("kpis", *(sa.column(name) for name in (*SEEDED, "metric", "baseline_value", "baseline_year")))


def _change_metric(old: str, new: str) -> None:
    op.execute(
        kpis.update()
        .where(
            *(kpis.c[name] == value for name, value in SEEDED.items()),
            kpis.c.baseline_value.is_(None),
            kpis.c.baseline_year.is_(None),
            kpis.c.metric == old,
        )
        .values(metric=new)
    )


def upgrade():
    _change_metric("open_calls", "challenge_projects")


def downgrade():
    _change_metric("challenge_projects", "open_calls")
