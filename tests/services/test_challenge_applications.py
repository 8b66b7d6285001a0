"""揭榜: eligible organisations apply once per call, as a draft or handed in, change or withdraw until the
window's last Beijing day, and the owner is told of each application handed in (issue 19, part 2)."""

from datetime import timedelta

import pytest

from market.clock import today_in_beijing
from market.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.models.challenge_application import ChallengeApplication, ChallengeDocument
from market.services import challenges
from market.services.challenges import applications as application_service
from tests.challenge_support import PLAN_FILE, application_payload, audit_actions, notices
from tests.file_samples import SCRIPT

TODAY = today_in_beijing()


def _count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(ChallengeApplication))


def test_a_verified_university_applies_with_plan_pdf_team_budget_schedule_and_results(
    make_user, publish_call, make_listing
):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    applicant = make_user("university")
    result = make_listing("achievement", applicant, title="硫化物固态电解质制备方法")
    application = challenges.create_application(
        applicant,
        challenge.id,
        application_payload(challenge, prior_achievement_ids=[result.id]),
        submit=True,
        plan_file=PLAN_FILE,
    )
    assert (application.status, application.budget_fen, application.org_id) == (
        "submitted",
        250_000_000,
        applicant.organisation_id,
    )
    assert application.submitted_at is not None
    assert [item["milestone_id"] for item in application.schedule] == [m.id for m in challenge.milestones]
    assert application.prior_achievement_ids == [result.id]
    assert challenges.plan_document(application).filename == "揭榜方案.pdf"
    assert notices(owner) == [
        "揭榜挂帅榜单《揭榜挂帅：高能量密度固态电池电解质》已通过审核并发布",
        f"{applicant.organisation.name}提交了对《揭榜挂帅：高能量密度固态电池电解质》的揭榜方案",
    ]
    actions = audit_actions("challenge_application", application.id)
    assert actions == ["challenge.draft_application", "challenge.upload_plan", "challenge.apply"]
    # the public history says nothing of who applied or what they proposed
    assert all(applicant.organisation.name not in e.text for e in challenges.history(challenge))


def test_a_draft_is_kept_without_the_pdf_and_handed_in_once_complete(make_user, publish_call):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    applicant = make_user("university")
    draft = challenges.create_application(
        applicant, challenge.id, application_payload(challenge, schedule=[])
    )
    assert draft.status == "draft" and notices(owner)[-1].endswith("已通过审核并发布")
    with pytest.raises(ValidationFailed) as refused:
        challenges.submit_application(applicant, draft.id)
    assert refused.value.fields == {
        "plan_file": "请上传揭榜方案 PDF 文件",
        "schedule": "请为每个里程碑填写计划完成日期（尚缺：样机研制、项目验收）",
    }
    challenges.update_application(
        applicant, draft.id, application_payload(challenge), plan_file=PLAN_FILE, submit=True
    )
    assert draft.status == "submitted"


def test_an_application_after_the_deadline_is_refused_and_the_last_day_counts(make_user, make_challenge):
    closed = make_challenge(open_on=TODAY - timedelta(days=30), close_on=TODAY - timedelta(days=1))
    last_day = make_challenge(open_on=TODAY - timedelta(days=30), close_on=TODAY)
    applicant = make_user("university")
    with pytest.raises(InvalidTransition) as refused:
        challenges.create_application(applicant, closed.id, application_payload(closed), plan_file=PLAN_FILE)
    assert refused.value.message == f"揭榜征集已于 {closed.applications_close_on} 截止"
    assert _count() == 0
    on_time = challenges.create_application(
        applicant, last_day.id, application_payload(last_day), submit=True, plan_file=PLAN_FILE
    )
    assert on_time.status == "submitted"


def test_before_the_window_opens_nobody_applies(make_user, make_challenge):
    later = make_challenge(open_on=TODAY + timedelta(days=2), close_on=TODAY + timedelta(days=20))
    with pytest.raises(InvalidTransition) as refused:
        challenges.create_application(make_user("university"), later.id, application_payload(later))
    assert refused.value.message == f"揭榜征集将于 {later.applications_open_on} 开始"


def test_a_second_application_from_the_same_organisation_is_refused(make_user, publish_call):
    challenge = publish_call()
    applicant = make_user("university")
    colleague = make_user("university", org=applicant.organisation)
    challenges.create_application(applicant, challenge.id, application_payload(challenge))
    with pytest.raises(Conflict) as refused:
        challenges.create_application(colleague, challenge.id, application_payload(challenge))
    assert refused.value.message == "本单位已揭榜该榜单，请在已有的揭榜方案上修改"
    assert _count() == 1


def test_a_concurrent_double_submit_meets_the_unique_constraint_as_a_clear_conflict(
    make_user, publish_call, monkeypatch
):
    challenge = publish_call()
    applicant = make_user("university")
    challenges.create_application(applicant, challenge.id, application_payload(challenge))
    # the second request read "no application yet" before the first one committed
    monkeypatch.setattr(application_service, "own_application", lambda actor, challenge: None)
    with pytest.raises(Conflict) as refused:
        challenges.create_application(applicant, challenge.id, application_payload(challenge))
    assert "本单位已揭榜该榜单" in refused.value.message
    assert _count() == 1


@pytest.mark.parametrize(
    "who, message",
    [
        ("enterprise_ineligible", "本榜单只接受高校、科研院所揭榜"),
        ("region", "本榜单只接受沣西的单位揭榜"),
        ("unverified", "单位通过平台认证后才能揭榜"),
        ("owner", "发榜单位不能揭本单位的榜"),
        ("broker", "只有高校、科研院所和企业的用户可以揭榜"),
        ("viewer", "只有高校、科研院所和企业的用户可以揭榜"),
        ("admin", "只有高校、科研院所和企业的用户可以揭榜"),
    ],
)
def test_an_ineligible_organisation_cannot_apply(make_user, publish_call, who, message):
    owner = make_user("enterprise")
    regions = ["沣西"] if who == "region" else []
    challenge = publish_call(owner=owner, eligible_regions=regions)
    actor = {
        "enterprise_ineligible": lambda: make_user("enterprise"),
        "region": lambda: make_user("university"),  # test organisations are in 沣东
        "unverified": lambda: make_user("university", verified=False),
        "owner": lambda: owner,
        "broker": lambda: make_user("broker"),
        "viewer": lambda: make_user("viewer"),
        "admin": lambda: make_user("admin"),
    }[who]()
    with pytest.raises(PermissionDenied) as refused:
        challenges.create_application(actor, challenge.id, application_payload(challenge))
    assert refused.value.message == message
    assert _count() == 0


def test_an_enterprise_applies_where_the_call_takes_any_kind(make_user, publish_call):
    challenge = publish_call(eligible_org_kinds=[])
    application = challenges.create_application(
        make_user("enterprise"), challenge.id, application_payload(challenge)
    )
    assert application.status == "draft"


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"budget_yuan": "0"}, "budget_yuan", "项目预算必须大于0"),
        ({"budget_yuan": "12.345"}, "budget_yuan", "项目预算：金额最多保留两位小数（精确到分）"),
        ({"plan": ""}, "plan", "请填写揭榜方案"),
        ({"team": [{"name": "", "title": "教授"}]}, "team", "团队成员第1项：请填写姓名"),
    ],
)
def test_bad_applications_are_refused_on_the_field_and_nothing_written(
    make_user, publish_call, overrides, field, message
):
    challenge = publish_call()
    with pytest.raises(ValidationFailed) as refused:
        challenges.create_application(
            make_user("university"), challenge.id, application_payload(challenge, **overrides)
        )
    assert refused.value.fields[field] == message
    assert _count() == 0


def test_the_schedule_names_the_calls_milestones_no_later_than_they_are_due(
    make_user, publish_call, make_challenge
):
    challenge, other = publish_call(), make_challenge()
    applicant = make_user("university")
    late = challenge.milestones[0]
    for schedule in (
        [{"milestone_id": other.milestones[0].id, "planned_on": late.due_on.isoformat()}],
        [{"milestone_id": late.id, "planned_on": (late.due_on + timedelta(days=1)).isoformat()}],
    ):
        with pytest.raises(ValidationFailed) as refused:
            challenges.create_application(
                applicant, challenge.id, application_payload(challenge, schedule=schedule)
            )
        assert "schedule" in refused.value.fields
    assert _count() == 0


def test_prior_results_are_only_the_applicants_own_published_ones(make_user, publish_call, make_listing):
    challenge = publish_call()
    applicant = make_user("university")
    someone_elses = make_listing("achievement", make_user("university"))
    own_draft = make_listing("achievement", applicant, submit=False)
    for ids in ([someone_elses.id], [own_draft.id], [999999]):
        with pytest.raises(ValidationFailed) as refused:
            challenges.create_application(
                applicant, challenge.id, application_payload(challenge, prior_achievement_ids=ids)
            )
        assert refused.value.fields == {"prior_achievement_ids": "前期成果只能选择本单位已发布的科技成果"}


def test_the_plan_file_must_be_a_pdf(make_user, publish_call):
    challenge = publish_call()
    with pytest.raises(ValidationFailed) as refused:
        challenges.create_application(
            make_user("university"),
            challenge.id,
            application_payload(challenge),
            plan_file=("plan.pdf", SCRIPT),
        )
    assert refused.value.fields == {"plan_file": "只接受 PDF 文件"}
    assert _count() == 0 and db.session.scalar(db.select(db.func.count()).select_from(ChallengeDocument)) == 0


def test_until_the_window_closes_the_applicant_changes_withdraws_and_hands_in_again(make_user, publish_call):
    challenge = publish_call()
    applicant = make_user("university")
    application = challenges.create_application(
        applicant, challenge.id, application_payload(challenge), submit=True, plan_file=PLAN_FILE
    )
    challenges.update_application(applicant, application.id, {"budget_yuan": "260万"}, partial=True)
    assert (application.status, application.budget_fen) == ("submitted", 260_000_000)
    challenges.withdraw_application(applicant, application.id)
    assert application.status == "withdrawn"
    challenges.submit_application(applicant, application.id)
    assert application.status == "submitted"


def test_after_the_window_closes_the_application_is_read_only(make_user, make_challenge, make_application):
    challenge = make_challenge(open_on=TODAY - timedelta(days=30), close_on=TODAY - timedelta(days=1))
    application = make_application(challenge)
    applicant = make_user("university", org=application.organisation)
    for act in (
        lambda: challenges.update_application(applicant, application.id, {"budget_yuan": "1"}, partial=True),
        lambda: challenges.withdraw_application(applicant, application.id),
        lambda: challenges.upload_plan(applicant, application.id, *PLAN_FILE),
    ):
        with pytest.raises(InvalidTransition):
            act()
    assert (application.status, application.budget_fen) == ("submitted", 250_000_000)
    assert challenges.get_application(applicant, application.id) is application  # still read


def test_only_the_applicant_changes_an_application(make_user, publish_call, make_application):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    application = make_application(challenge)
    with pytest.raises(PermissionDenied):  # sees it, may not change it
        challenges.update_application(owner, application.id, {"budget_yuan": "1"}, partial=True)
    with pytest.raises(PermissionDenied):
        challenges.withdraw_application(make_user("admin"), application.id)
    for stranger in (make_user("university"), make_user("enterprise"), None):
        with pytest.raises(NotFound):
            challenges.withdraw_application(stranger, application.id)
    assert application.status == "submitted"


def test_lists_the_owner_sees_handed_in_ones_and_the_applicant_its_own(
    make_user, publish_call, make_application
):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    handed_in = make_application(challenge)
    draft = make_application(challenge, status="draft")
    drafter = make_user("university", org=draft.organisation)
    assert challenges.list_applications(owner, challenge.id).items == [handed_in]
    assert challenges.list_applications(make_user("admin"), challenge.id).items == [handed_in]
    assert challenges.list_applications(drafter, challenge.id).items == [draft]
    assert challenges.list_own_applications(drafter).items == [draft]
    with pytest.raises(PermissionDenied):
        challenges.list_applications(make_user("broker"), challenge.id)
    with pytest.raises(PermissionDenied):
        challenges.list_applications(None, challenge.id)
