"""Suggested applicants and invitations: the matcher's results grouped by eligible organisation; the owner
invites one (for one of its results, with a message) and its members are told (issue 19, part 2)."""

from datetime import timedelta

import pytest

from market.clock import today_in_beijing
from market.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.services import challenges
from tests.challenge_support import audit_actions, notices

SOLID = {
    "title": "高离子电导率硫化物固态电解质",
    "summary": "硫化物固态电解质，室温离子电导率超过 1 mS/cm，适用于固态电池和储能电站。",
    "keywords": ["固态电解质", "固态电池", "离子电导率"],
}


@pytest.fixture
def embedding_on_commit(app):
    app.config["INLINE_WORKER_EMBEDS"] = True
    yield
    app.config["INLINE_WORKER_EMBEDS"] = False


def test_suggestions_are_eligible_organisations_with_their_matching_results(
    embedding_on_commit, make_user, make_listing, publish_call
):
    owner = make_user("enterprise")
    university, company = make_user("university"), make_user("enterprise")
    good = make_listing("achievement", university, **SOLID)
    make_listing("achievement", company, **SOLID)  # an enterprise: the call takes universities and institutes
    make_listing("achievement", owner, **SOLID)  # the owner's own result is never suggested
    challenge = publish_call(owner=owner)

    _call, suggested = challenges.suggested_applicants(owner, challenge.id)
    assert [s.organisation.id for s in suggested] == [university.organisation_id]
    assert suggested[0].results[0][0].id == good.id and suggested[0].best.band in ("强", "中", "弱")
    assert not suggested[0].invited and not suggested[0].applied


def test_only_the_owner_and_admins_see_suggestions(make_user, publish_call):
    challenge = publish_call()
    assert challenges.suggested_applicants(make_user("admin"), challenge.id)[1] == []
    for outsider in (make_user("university"), make_user("broker"), make_user("enterprise")):
        with pytest.raises(PermissionDenied):
            challenges.suggested_applicants(outsider, challenge.id)
    with pytest.raises(NotFound):
        challenges.suggested_applicants(None, publish_call(approve=False).id)


def test_the_owner_invites_an_organisation_for_one_of_its_results_and_its_members_are_told(
    make_user, make_listing, publish_call
):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    invitee = make_user("university")
    colleague = make_user("university", org=invitee.organisation)
    viewer_elsewhere = make_user("viewer")
    result = make_listing("achievement", invitee, **SOLID)
    invitation = challenges.invite(
        owner,
        challenge.id,
        {"org_id": invitee.organisation_id, "achievement_id": result.id, "message": "欢迎贵单位揭榜"},
    )
    assert (invitation.org_id, invitation.achievement_id, invitation.message) == (
        invitee.organisation_id,
        result.id,
        "欢迎贵单位揭榜",
    )
    title = f"{owner.organisation.name}邀请贵单位揭榜《揭榜挂帅：高能量密度固态电池电解质》"
    assert notices(invitee) == notices(colleague) == [title]
    assert notices(viewer_elsewhere) == []
    assert challenges.invitation_for(invitee, challenge) is invitation
    assert [inv.id for inv, _call in challenges.received_invitations(invitee).items] == [invitation.id]
    assert challenges.list_invitations(owner, challenge.id).items == [invitation]
    assert "challenge.invite" in audit_actions("challenge", challenge.id)
    with pytest.raises(Conflict):
        challenges.invite(owner, challenge.id, {"org_id": invitee.organisation_id})


def test_invitations_are_refused_for_the_wrong_organisation_or_result(
    make_user, make_listing, make_org, publish_call
):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    invitee = make_user("university")
    others_result = make_listing("achievement", make_user("university"))
    cases = [
        ({"org_id": 999999}, {"org_id": "受邀单位不存在"}),
        ({"org_id": owner.organisation_id}, {"org_id": "不能邀请发榜单位本身"}),
        ({"org_id": make_org(kind="enterprise").id}, {"org_id": "该单位的类型不符合本榜单的揭榜条件"}),
        (
            {"org_id": make_org(verification_state="pending").id},
            {"org_id": "只能邀请已认证的高校、科研院所或企业"},
        ),
        (
            {"org_id": invitee.organisation_id, "achievement_id": others_result.id},
            {"achievement_id": "请选择受邀单位已发布的科技成果"},
        ),
        ({"org_id": ""}, {"org_id": "请选择受邀单位"}),
    ]
    for data, fields in cases:
        with pytest.raises(ValidationFailed) as refused:
            challenges.invite(owner, challenge.id, data)
        assert refused.value.fields == fields
    assert challenges.list_invitations(owner, challenge.id).total == 0


def test_others_cannot_invite_and_a_closed_or_unpublished_call_takes_no_invitations(
    make_user, make_challenge, publish_call
):
    invitee = make_user("university")
    challenge = publish_call()
    for outsider in (make_user("university"), make_user("enterprise"), make_user("broker")):
        with pytest.raises(PermissionDenied):
            challenges.invite(outsider, challenge.id, {"org_id": invitee.organisation_id})
    today = today_in_beijing()
    closed = make_challenge(open_on=today - timedelta(days=9), close_on=today - timedelta(days=1))
    pending = publish_call(approve=False)
    for call in (closed, pending):
        with pytest.raises(InvalidTransition):
            challenges.invite(make_user("admin"), call.id, {"org_id": invitee.organisation_id})
