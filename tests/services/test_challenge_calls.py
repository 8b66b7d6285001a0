"""发榜: a call is written with its demand in one unit of work, always waits for an admin's review, changes
only while no application is handed in, and is cancelled with a reason (issue 19, part 1)."""

from datetime import timedelta

import pytest

from market.clock import today_in_beijing
from market.errors import InvalidTransition, PermissionDenied, ValidationFailed
from market.extensions import db
from market.models import Demand
from market.models.challenge import Challenge
from market.services import challenges, listings
from market.services.settings import set_auto_publish_verified
from tests.challenge_support import audit_actions, call_payload, notices

TODAY = today_in_beijing()


def _day(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(db.select(db.func.count()).select_from(Challenge)),
        db.session.scalar(db.select(db.func.count()).select_from(Demand)),
    )


def test_a_verified_enterprise_publishes_a_call_that_waits_for_review_even_where_listings_skip_it(make_user):
    set_auto_publish_verified(make_user("admin"), True)
    owner = make_user("enterprise")
    challenge = challenges.create_call(owner, call_payload())
    demand = challenge.demand
    assert (demand.status, demand.open_call, demand.reward_fen) == ("pending", True, 300_000_000)
    assert demand.deadline == challenge.applications_close_on
    assert [c.weight for c in challenge.criteria] == [40, 35, 25]
    assert [m.tranche_percent for m in challenge.milestones] == [40, 60]
    assert challenge.funding_shares[1] == {"source": "西咸新区财政", "percent": 30}
    assert (challenge.phase, challenge.selection_mode, challenge.race_teams) == ("open", "single", None)
    assert "challenge.create" in audit_actions("challenge", challenge.id)
    assert audit_actions("demand", demand.id) == ["demand.create", "demand.submit"]
    assert challenges.public_status_label(challenge) == "征集中"
    with pytest.raises(Exception):
        challenges.get_challenge(None, challenge.id)  # not public before the review


def test_the_admin_approves_in_the_demand_review_and_the_owner_is_told(make_user, publish_call):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner, approve=False)
    admin = make_user("admin")
    assert challenge.demand in listings.review_queue(admin, "demand").items
    listings.change_status(admin, "demand", challenge.demand_id, "approve")
    assert challenge.demand.status == "published"
    assert challenges.get_challenge(None, challenge.id) is challenge
    assert [e.kind for e in challenges.history(challenge)] == ["submitted", "published"]
    assert notices(owner) == ["揭榜挂帅榜单《揭榜挂帅：高能量密度固态电池电解质》已通过审核并发布"]


def test_a_returned_call_tells_the_owner_why_and_goes_back_to_review_when_changed(make_user, publish_call):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner, approve=False)
    listings.change_status(
        make_user("admin"), "demand", challenge.demand_id, "reject", "请补充考核指标的检测方法"
    )
    assert challenge.demand.status == "draft"
    assert notices(owner) == ["揭榜挂帅榜单《揭榜挂帅：高能量密度固态电池电解质》被退回修改"]
    challenges.update_call(owner, challenge.id, call_payload(indicators="电导率按 GB/T 检测 ≥ 1 mS/cm"))
    assert (challenge.demand.status, challenge.indicators) == ("pending", "电导率按 GB/T 检测 ≥ 1 mS/cm")


def test_an_admin_publishes_for_the_platforms_government_organisation_with_its_programme(make_user, make_org):
    admin = make_user("admin")
    challenge = challenges.create_call(admin, call_payload())
    assert challenge.demand.org_id == admin.organisation_id and challenge.demand.status == "pending"
    other = make_org(kind="government", name="西咸新区科技创新局")
    with pytest.raises(ValidationFailed) as refused:
        challenges.create_call(admin, call_payload(org_id=other.id, programme=""))
    assert refused.value.fields == {"programme": "代政府项目发榜时请填写所属榜单/专项名称"}
    chosen = challenges.create_call(admin, call_payload(org_id=other.id))
    assert chosen.demand.org_id == other.id and chosen.programme == "西咸新区2026年第一批重大技术需求榜单"


@pytest.mark.parametrize(
    "who, message",
    [
        ("university", "只有已认证的企业和管理员可以发布揭榜挂帅榜单"),
        ("broker", "只有已认证的企业和管理员可以发布揭榜挂帅榜单"),
        ("viewer", "只有已认证的企业和管理员可以发布揭榜挂帅榜单"),
        ("unverified", "单位通过平台认证后才能发布揭榜挂帅榜单"),
    ],
)
def test_only_verified_enterprises_and_admins_publish(make_user, who, message):
    actor = make_user("enterprise", verified=False) if who == "unverified" else make_user(who)
    with pytest.raises(PermissionDenied) as refused:
        challenges.create_call(actor, call_payload())
    assert refused.value.message == message
    assert _counts() == (0, 0)


def test_an_enterprise_cannot_publish_for_another_organisation(make_user, make_org):
    with pytest.raises(ValidationFailed) as refused:
        challenges.create_call(make_user("enterprise"), call_payload(org_id=make_org(kind="enterprise").id))
    assert refused.value.fields == {"org_id": "只有管理员可以代其他单位发榜"}


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        (
            {"applications_open_on": _day(10), "applications_close_on": _day(5)},
            "applications_close_on",
            "征集截止日期不能早于开始日期",
        ),
        ({"applications_open_on": _day(-1)}, "applications_open_on", "征集开始日期不能早于今天"),
        (
            {"applications_open_on": _day(400), "applications_close_on": _day(430)},
            "applications_open_on",
            "征集开始日期不能晚于一年以后",
        ),
        ({"applications_close_on": _day(380)}, "applications_close_on", "征集期最长一年，请核对截止日期"),
        (
            {"criteria": [{"name": "技术先进性", "weight": 60}, {"name": "可行性", "weight": 35}]},
            "criteria",
            "评审标准的权重合计应为100（现为95）",
        ),
        (
            {"criteria": [{"name": "技术", "weight": 50}, {"name": "技术", "weight": 50}]},
            "criteria",
            "评审标准“技术”重复",
        ),
        (
            {"criteria": [{"name": "技术", "weight": 0}, {"name": "团队", "weight": 100}]},
            "criteria",
            "评审标准第1项：权重（%）应在1到100之间",
        ),
        ({"criteria": []}, "criteria", "请填写评审标准"),
        (
            {"funding_shares": [{"source": "发榜企业", "percent": 70}, {"source": "财政", "percent": 20}]},
            "funding_shares",
            "出资比例合计应为100%（现为90%）",
        ),
        (
            {"milestones": [{"kind": "final", "title": "验收", "due_on": _day(20), "tranche_percent": 100}]},
            "milestones",
            f"里程碑第1项的完成日期应晚于征集截止日期（{_day(30)}）",
        ),
        (
            {
                "milestones": [
                    {"kind": "milestone", "title": "样机", "due_on": _day(200), "tranche_percent": 50},
                    {"kind": "final", "title": "验收", "due_on": _day(100), "tranche_percent": 50},
                ]
            },
            "milestones",
            "里程碑应按完成日期先后排列：第2项早于第1项",
        ),
        (
            {
                "milestones": [
                    {"kind": "milestone", "title": "样机", "due_on": _day(100), "tranche_percent": 60},
                    {"kind": "final", "title": "验收", "due_on": _day(200), "tranche_percent": 50},
                ]
            },
            "milestones",
            "各里程碑的拨付比例合计不能超过100%（现为110%）",
        ),
        ({"milestones": [{"kind": "party", "title": "庆功", "due_on": _day(90)}]}, "milestones", None),
        ({"selection_mode": "race"}, "race_teams", "赛马制请填写并行攻关的团队数（2–10）"),
        ({"selection_mode": "race", "race_teams": 11}, "race_teams", "赛马团队数应在2到10之间"),
        ({"reward_yuan": "0"}, "reward_yuan", "榜额必须大于0"),
        ({"reward_yuan": ""}, "reward_yuan", "请填写榜额"),
        ({"eligible_org_kinds": ["government"]}, "eligible_org_kinds", None),
        ({"eligible_regions": ["北京"]}, "eligible_regions", None),
        ({"field": "炼金术"}, "field", "技术领域不存在，请从列表中选择"),
    ],
)
def test_bad_calls_are_refused_with_a_message_on_the_field_and_nothing_written(
    make_user, overrides, field, message
):
    with pytest.raises(ValidationFailed) as refused:
        challenges.create_call(make_user("enterprise"), call_payload(**overrides))
    assert field in refused.value.fields
    if message:
        assert refused.value.fields[field] == message
    assert _counts() == (0, 0)


def test_every_wrong_field_is_reported_at_once(make_user):
    with pytest.raises(ValidationFailed) as refused:
        challenges.create_call(
            make_user("enterprise"),
            call_payload(
                title="",
                applications_open_on=_day(10),
                applications_close_on=_day(5),
                criteria=[{"name": "技术", "weight": 90}],
                selection_mode="race",
            ),
        )
    assert set(refused.value.fields) >= {"title", "applications_close_on", "criteria", "race_teams"}


def test_a_race_call_keeps_its_team_count_and_a_single_one_drops_it(make_user):
    owner = make_user("enterprise")
    race = challenges.create_call(owner, call_payload(selection_mode="race", race_teams="3"))
    single = challenges.create_call(owner, call_payload(race_teams=4))
    assert (race.selection_mode, race.race_teams, single.race_teams) == ("race", 3, None)


def test_changes_before_any_application_go_back_to_review_and_keep_milestone_ids(
    make_user, publish_call, make_application
):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    first_id = challenge.milestones[0].id
    make_application(challenge, status="draft")  # a draft does not freeze the call
    challenges.update_call(owner, challenge.id, {"reward_yuan": "400万"}, partial=True)
    assert (challenge.demand.reward_fen, challenge.demand.status) == (400_000_000, "pending")
    assert challenge.milestones[0].id == first_id
    assert challenges.history(challenge)[-1].kind == "updated"
    assert "challenge.update" in audit_actions("challenge", challenge.id)


def test_once_an_application_is_handed_in_only_clarifications_are_published(
    make_user, publish_call, make_application
):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    application = make_application(challenge)
    applicant = make_user("university", org=application.organisation)
    assert (
        challenges.edit_block(challenge)
        == "已有单位提交揭榜方案，榜单内容不能再修改；如需说明，请发布补充说明"
    )
    with pytest.raises(InvalidTransition):
        challenges.update_call(owner, challenge.id, {"reward_yuan": "1"}, partial=True)
    assert challenge.demand.reward_fen == 300_000_000
    challenges.clarify_call(owner, challenge.id, {"text": "样机可在揭榜单位自有场地完成。"})
    assert challenges.history(challenge)[-1].text == "补充说明：样机可在揭榜单位自有场地完成。"
    assert notices(applicant) == ["揭榜挂帅榜单《揭榜挂帅：高能量密度固态电池电解质》发布了补充说明"]
    assert challenge.demand.status == "published"  # a clarification does not hide the call
    with pytest.raises(ValidationFailed):
        challenges.clarify_call(owner, challenge.id, {"text": ""})


def test_others_cannot_change_clarify_or_cancel_a_call(make_user, publish_call):
    challenge = publish_call()
    for outsider in (make_user("enterprise"), make_user("university"), make_user("broker")):
        for act in (
            lambda: challenges.update_call(outsider, challenge.id, {"title": "x"}, partial=True),
            lambda: challenges.clarify_call(outsider, challenge.id, {"text": "x"}),
            lambda: challenges.cancel_call(outsider, challenge.id, {"reason": "x"}),
        ):
            with pytest.raises(PermissionDenied):
                act()
    assert challenge.phase == "open" and challenge.demand.title.startswith("揭榜挂帅")


def test_cancel_needs_a_reason_tells_the_applicants_and_keeps_it_out_of_the_public_history(
    make_user, publish_call, make_application
):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    applicant = make_user("university", org=make_application(challenge).organisation)
    drafting = make_user("university", org=make_application(challenge, status="draft").organisation)
    with pytest.raises(ValidationFailed) as refused:
        challenges.cancel_call(owner, challenge.id, {"reason": " "})
    assert refused.value.fields == {"reason": "请填写终止原因"}
    challenges.cancel_call(owner, challenge.id, {"reason": "企业战略调整，内部保密原因"})
    assert (challenge.phase, challenge.demand.status) == ("cancelled", "expired")
    assert challenges.public_status_label(challenge) == "已终止"
    assert challenges.history(challenge)[-1].text == "发榜单位终止了本榜单"
    assert all("保密" not in e.text for e in challenges.history(challenge))
    for told in (applicant, drafting):
        assert notices(told) == ["揭榜挂帅榜单《揭榜挂帅：高能量密度固态电池电解质》已终止"]
    assert "challenge.cancel" in audit_actions("challenge", challenge.id)
    with pytest.raises(InvalidTransition):
        challenges.cancel_call(owner, challenge.id, {"reason": "再次终止"})


def test_the_listing_pages_cannot_change_withdraw_or_delete_a_calls_demand(make_user, publish_call):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    for act in (
        lambda: listings.update_listing(owner, "demand", challenge.demand_id, {"title": "改"}, partial=True),
        lambda: listings.change_status(owner, "demand", challenge.demand_id, "withdraw"),
        lambda: listings.delete_listing(owner, "demand", challenge.demand_id),
    ):
        with pytest.raises(InvalidTransition):
            act()
    assert challenge.demand.status == "published"


def test_the_public_list_filters_by_status_and_field(make_user, publish_call, make_challenge):
    collecting = publish_call(field="光子")
    later = make_challenge(open_on=TODAY + timedelta(days=3), close_on=TODAY + timedelta(days=20))
    closed = make_challenge(open_on=TODAY - timedelta(days=20), close_on=TODAY - timedelta(days=1))
    hidden = publish_call(approve=False)

    def listed(**filters):
        return {c.id for c in challenges.list_public_calls(filters).items}

    assert listed() == {collecting.id, later.id, closed.id}
    assert hidden.id not in listed()
    assert listed(status="collecting") == {collecting.id}
    assert listed(status="upcoming") == {later.id}
    assert listed(status="reviewing") == {closed.id}
    assert listed(field="光子") == {collecting.id}
    assert listed(field="氢能") == set()
