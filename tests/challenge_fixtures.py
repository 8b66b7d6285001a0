"""Fixtures for 揭榜挂帅: a published call with criteria and milestones, and applications to it, written as
rows (the services' own tests go through the services)."""

from datetime import timedelta

import pytest

from market.clock import today_in_beijing
from market.extensions import db as _db
from market.models.base import utcnow
from market.models.challenge import Challenge, ChallengeCriterion, ChallengeMilestone
from market.models.challenge_application import ChallengeApplication

CRITERIA = (("技术先进性", 40), ("实施方案可行性", 35), ("团队与前期基础", 25))
MILESTONES = (("milestone", "样机研制", 40), ("midterm", "中期检查", 20), ("final", "项目验收", 40))


@pytest.fixture
def make_challenge(app, make_user, make_listing):
    """A call of a new enterprise (or of `owner`), its demand approved by an admin (pending review with
    `publish=False`); the window is open today unless given."""
    from market.services.listings import change_status

    def make(owner=None, publish=True, mode="single", race_teams=None, open_on=None, close_on=None, **demand):
        owner = owner or make_user("enterprise")
        today = today_in_beijing()
        listing = make_listing(
            "demand",
            owner,
            submit=publish,
            **{
                "title": "揭榜挂帅：高能量密度固态电池电解质",
                "description": "面向储能电站的固态电解质，室温离子电导率达到 1 mS/cm 以上。",
                "open_call": True,
                "reward_yuan": "3000000",
                **demand,
            },
        )
        if publish and listing.status != "published":
            change_status(make_user("admin"), "demand", listing.id, "approve")
        elif not publish:
            listing.status = "pending"  # waiting for the admin's review
        challenge = Challenge(
            demand_id=listing.id,
            programme="西咸新区2026年重大技术需求榜单",
            indicators="室温离子电导率 ≥ 1 mS/cm；循环 1000 次容量保持率 ≥ 90%",
            funding_shares=[{"source": "发榜企业", "percent": 70}, {"source": "西咸新区财政", "percent": 30}],
            eligible_org_kinds=[],
            eligible_regions=[],
            applications_open_on=open_on or today - timedelta(days=5),
            applications_close_on=close_on or today + timedelta(days=25),
            selection_mode=mode,
            race_teams=race_teams if mode == "race" else None,
            created_by_id=owner.id,
        )
        challenge.criteria = [
            ChallengeCriterion(position=i, name=name, weight=weight)
            for i, (name, weight) in enumerate(CRITERIA)
        ]
        challenge.milestones = [
            ChallengeMilestone(
                position=i,
                kind=kind,
                title=title,
                due_on=today + timedelta(days=120 * (i + 1)),
                tranche_percent=percent,
            )
            for i, (kind, title, percent) in enumerate(MILESTONES)
        ]
        listing.deadline = challenge.applications_close_on  # as services/challenges/calls.py does
        _db.session.add(challenge)
        _db.session.commit()
        return challenge

    return make


@pytest.fixture
def make_application(app, make_user):
    """A submitted application of a new university (or of `org`) to `challenge`."""

    def make(challenge, org=None, status="submitted", budget_fen=250_000_000, **values):
        org = org or make_user("university").organisation
        application = ChallengeApplication(
            challenge_id=challenge.id,
            org_id=org.id,
            status=status,
            plan=values.pop("plan", "采用硫化物固态电解质路线，分三阶段完成样机、中试与验收。"),
            budget_fen=budget_fen,
            team=values.pop("team", [{"name": "张教授", "title": "教授", "role": "项目负责人"}]),
            schedule=values.pop("schedule", []),
            prior_achievement_ids=values.pop("prior_achievement_ids", []),
            submitted_at=utcnow() if status != "draft" else None,
            **values,
        )
        _db.session.add(application)
        _db.session.commit()
        return application

    return make
