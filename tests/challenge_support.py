"""What the 发榜/揭榜 tests send: a valid call and a valid application as a user or a client writes them, and
fixtures for a call published through the service and an applicant."""

from datetime import timedelta

import pytest

from market.clock import today_in_beijing
from market.extensions import db
from market.models import AuditEntry, Notification
from tests.file_samples import PDF


def call_payload(**overrides) -> dict:
    """A call opening today for 30 days, two milestones after it, weights 40/35/25 and shares 70/30."""
    today = today_in_beijing()
    return {
        "programme": "西咸新区2026年第一批重大技术需求榜单",
        "title": "揭榜挂帅：高能量密度固态电池电解质",
        "description": "面向储能电站的固态电解质，室温离子电导率达到 1 mS/cm 以上。",
        "field": "新材料",
        "reward_yuan": "300万",
        "indicators": "室温离子电导率 ≥ 1 mS/cm；循环 1000 次容量保持率 ≥ 90%",
        "funding_shares": [{"source": "发榜企业", "percent": 70}, {"source": "西咸新区财政", "percent": 30}],
        "eligible_org_kinds": ["university", "institute"],
        "eligible_regions": [],
        "qualifications": "具有省级以上重点实验室或工程中心",
        "applications_open_on": today.isoformat(),
        "applications_close_on": (today + timedelta(days=30)).isoformat(),
        "criteria": [
            {"name": "技术先进性", "weight": 40},
            {"name": "实施方案可行性", "weight": 35},
            {"name": "团队与前期基础", "weight": 25},
        ],
        "milestones": [
            {
                "kind": "milestone",
                "title": "样机研制",
                "deliverable": "样机一套",
                "due_on": (today + timedelta(days=150)).isoformat(),
                "tranche_percent": 40,
            },
            {
                "kind": "final",
                "title": "项目验收",
                "deliverable": "第三方检测报告",
                "due_on": (today + timedelta(days=360)).isoformat(),
                "tranche_percent": 60,
            },
        ],
        "selection_mode": "single",
        "contact_name": "李经理",
        "contact_phone": "13800000000",
        **overrides,
    }


def application_payload(challenge, **overrides) -> dict:
    """A complete application to `challenge`: a date for each milestone, a day before it is due."""
    return {
        "plan": "采用硫化物固态电解质路线，分三阶段完成样机、中试与验收。",
        "budget_yuan": "250万",
        "team": [{"name": "张教授", "title": "教授", "role": "项目负责人"}],
        "schedule": [
            {"milestone_id": m.id, "planned_on": (m.due_on - timedelta(days=1)).isoformat()}
            for m in challenge.milestones
        ],
        **overrides,
    }


PLAN_FILE = ("揭榜方案.pdf", PDF)


def notices(user, category="challenge") -> list[str]:
    return [
        n.title
        for n in db.session.scalars(
            db.select(Notification).where(Notification.user_id == user.id, Notification.category == category)
        )
    ]


def audit_actions(object_type: str, object_id: int) -> list[str]:
    return list(
        db.session.scalars(
            db.select(AuditEntry.action)
            .where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
            .order_by(AuditEntry.id)
        )
    )


@pytest.fixture
def publish_call(app, make_user):
    """A call written through the service by a new enterprise (or `owner`) and approved by an admin."""
    from market.services import challenges, listings

    def publish(owner=None, approve=True, **overrides):
        owner = owner or make_user("enterprise")
        challenge = challenges.create_call(owner, call_payload(**overrides))
        if approve:
            listings.change_status(make_user("admin"), "demand", challenge.demand_id, "approve")
        return challenge

    return publish
