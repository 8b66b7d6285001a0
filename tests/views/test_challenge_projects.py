"""The 定榜 and 攻关项目 pages and the dashboard section: who sees what, the confirmation step, forms that
refuse bad input with their message and write nothing — on both databases."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from market.clock import today_in_beijing
from market.extensions import db
from market.models import Deal
from market.models.base import utcnow
from market.models.challenge_project import TranchePayment
from market.models.challenge_review import ChallengeReviewer
from market.services import challenges
from tests.file_samples import PDF

ROLES = (
    "anonymous",
    "owner",
    "colleague",
    "admin",
    "team",
    "other_university",
    "enterprise",
    "broker",
    "viewer",
    "reviewer",
)


@pytest.fixture
def world(make_challenge, make_application, make_user):
    today = today_in_beijing()
    challenge = make_challenge(open_on=today - timedelta(days=30), close_on=today - timedelta(days=1))
    winner, loser = make_application(challenge), make_application(challenge)
    reviewer = make_user("broker")
    db.session.add(ChallengeReviewer(challenge_id=challenge.id, user_id=reviewer.id, declared_at=utcnow()))
    db.session.commit()
    return {
        "challenge": challenge,
        "winner": winner,
        "loser": loser,
        "owner": challenge.created_by,
        "colleague": make_user("enterprise", org=challenge.demand.organisation),
        "admin": make_user("admin"),
        "team": make_user("university", org=winner.organisation),
        "other_university": make_user("university"),
        "enterprise": make_user("enterprise"),
        "broker": make_user("broker"),
        "viewer": make_user("viewer"),
        "reviewer": reviewer,
    }


def as_role(world, login, role):
    if role != "anonymous":
        login(world[role])


def select_winner(world):
    challenges.decide_selection(
        world["owner"],
        world["challenge"].id,
        {"action": "select", "application_ids": [world["winner"].id], "reason": "综合最优"},
    )
    return world["winner"]


@pytest.mark.parametrize("role", ROLES)
def test_the_selection_page_is_for_the_calls_owner_and_admins(client, world, login, role):
    as_role(world, login, role)
    challenge = world["challenge"]
    response = client.get(f"/challenges/{challenge.id}/selection")
    posted = client.post(
        f"/challenges/{challenge.id}/selection",
        data={"action": "select", "application_ids": [world["winner"].id], "reason": "好", "confirmed": "1"},
    )
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert posted.status_code == 302 and "/login" in posted.headers["Location"]
    elif role in ("owner", "colleague", "admin"):
        page = response.get_data(as_text=True)
        assert (
            response.status_code == 200 and "确定揭榜方" in page and world["winner"].organisation.name in page
        )
        assert posted.status_code == 302 and world["winner"].status == "selected"
    else:
        assert (response.status_code, posted.status_code) == (403, 403)
        assert world["winner"].status == "submitted"


def test_selecting_asks_for_confirmation_first_and_tells_the_others_politely(client, world, login):
    login(world["owner"])
    challenge, winner, loser = world["challenge"], world["winner"], world["loser"]
    data = {"action": "select", "application_ids": [winner.id], "reason": "方案最优，团队中试经验丰富"}
    confirm = client.post(f"/challenges/{challenge.id}/selection", data=data)
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "确认定榜" in page
    assert winner.organisation.name in page and loser.organisation.name in page and "致谢通知" in page
    assert winner.status == "submitted" and db.session.scalar(select(func.count()).select_from(Deal)) == 0

    done = client.post(f"/challenges/{challenge.id}/selection", data={**data, "confirmed": "1"})
    assert done.status_code == 302
    assert (winner.status, loser.status, challenge.phase) == ("selected", "not_selected", "selected")
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已定榜" in page and "方案最优" in page and f"/challenges/applications/{winner.id}/project" in page


def test_a_bad_selection_shows_its_message_and_writes_nothing(
    client, world, login, make_challenge, make_application
):
    login(world["owner"])
    challenge = world["challenge"]
    response = client.post(f"/challenges/{challenge.id}/selection", data={"action": "select", "reason": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "请选择入选的揭榜方案" in page and "请填写定榜理由" in page
    both = client.post(
        f"/challenges/{challenge.id}/selection",
        data={"action": "select", "application_ids": [world["winner"].id, world["loser"].id], "reason": "好"},
    )
    assert both.status_code == 422 and "只能选择 1 个" in both.get_data(as_text=True)

    open_call = make_challenge(owner=world["owner"])
    early = make_application(open_call)
    assert "征集期" in client.get(f"/challenges/{open_call.id}/selection").get_data(as_text=True)
    refused = client.post(
        f"/challenges/{open_call.id}/selection",
        data={"action": "select", "application_ids": [early.id], "reason": "好", "confirmed": "1"},
        follow_redirects=True,
    )
    assert "征集期结束后才能定榜" in refused.get_data(as_text=True) and early.status == "submitted"
    assert db.session.scalar(select(func.count()).select_from(Deal)) == 0


def test_a_race_is_run_from_the_page_with_a_confirmed_elimination(
    client, make_challenge, make_application, login
):
    today = today_in_beijing()
    challenge = make_challenge(
        mode="race", race_teams=2, open_on=today - timedelta(days=9), close_on=today - timedelta(days=1)
    )
    a, b, c = (make_application(challenge) for _ in range(3))
    login(challenge.created_by)
    page = client.get(f"/challenges/{challenge.id}/selection").get_data(as_text=True)
    assert "确定入围赛马攻关的团队（不超过 2 支）" in page and 'type="checkbox"' in page
    client.post(
        f"/challenges/{challenge.id}/selection",
        data={"action": "race", "application_ids": [a.id, b.id], "reason": "前两名", "confirmed": "1"},
    )
    assert (a.status, b.status, c.status) == ("racing", "racing", "not_selected")

    missing = client.post(f"/challenges/applications/{b.id}/eliminate", data={"reason": ""})
    assert missing.status_code == 422 and "请填写淘汰理由" in missing.get_data(as_text=True)
    confirm = client.post(
        f"/challenges/applications/{b.id}/eliminate", data={"reason": "指标未达", "stage": "中期检查"}
    )
    assert "确认淘汰" in confirm.get_data(as_text=True) and b.status == "racing"
    client.post(
        f"/challenges/applications/{b.id}/eliminate",
        data={"reason": "指标未达", "stage": "中期检查", "confirmed": "1"},
    )
    assert b.status == "eliminated"
    client.post(
        f"/challenges/{challenge.id}/selection",
        data={"action": "select", "application_ids": [a.id], "reason": "胜出", "confirmed": "1"},
    )
    assert (a.status, challenge.phase) == ("selected", "running")


PROJECT_VISIBLE = ("owner", "colleague", "admin", "team")


@pytest.mark.parametrize("role", ROLES)
def test_the_project_page_is_seen_by_the_team_the_owner_and_admins(client, world, login, role):
    winner = select_winner(world)
    challenges.submit_report(
        world["team"], winner.milestones[0].id, {"text": "样机完成"}, [("样机.pdf", PDF)]
    )
    as_role(world, login, role)
    response = client.get(f"/challenges/applications/{winner.id}/project")
    document = winner.milestones[0].reports[0]
    from market.models.challenge_application import ChallengeDocument

    doc = db.session.scalars(
        select(ChallengeDocument).where(ChallengeDocument.report_id == document.id)
    ).one()
    download = client.get(f"/challenges/applications/{winner.id}/project/documents/{doc.id}")
    if role == "anonymous":
        assert response.status_code == 302 and download.status_code == 302
    elif role in PROJECT_VISIBLE:
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "样机研制" in page and "120万元" in page and "样机.pdf" in page
        assert ("提交结论" in page) == (role != "team")
        assert download.status_code == 200 and download.data == PDF
        download.close()
    else:
        assert (response.status_code, download.status_code) == (404, 404)


def test_report_decision_and_payment_through_the_page(client, world, login):
    winner = select_winner(world)
    first = winner.milestones[0]
    login(world["team"])
    not_pdf = client.post(
        f"/challenges/project-milestones/{first.id}/reports",
        data={"text": "完成", "files": [(io.BytesIO(b"plain text"), "报告.pdf")]},
        content_type="multipart/form-data",
    )
    assert (
        not_pdf.status_code == 422
        and "不是 PDF 文件" in not_pdf.get_data(as_text=True)
        and first.status == "pending"
    )
    sent = client.post(
        f"/challenges/project-milestones/{first.id}/reports",
        data={"text": "电导率 1.2 mS/cm", "files": [(io.BytesIO(PDF), "报告.pdf")]},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302 and first.status == "submitted"
    refused = client.post(
        f"/challenges/project-milestones/{first.id}/decision", data={"decision": "accepted", "note": "好"}
    )
    assert refused.status_code == 403

    client.post("/logout")
    login(world["owner"])
    client.post(
        f"/challenges/project-milestones/{first.id}/decision",
        data={"decision": "accepted", "note": "指标达到"},
    )
    assert first.status == "accepted"
    over = client.post(
        f"/challenges/project-milestones/{first.id}/payments",
        data={
            "amount": "121",
            "amount_unit": "万元",
            "paid_on": today_in_beijing().isoformat(),
            "reference": "ZF-1",
        },
    )
    assert over.status_code == 422 and "超过" in over.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TranchePayment)) == 0
    paid = client.post(
        f"/challenges/project-milestones/{first.id}/payments",
        data={
            "amount": "120",
            "amount_unit": "万元",
            "paid_on": today_in_beijing().isoformat(),
            "reference": "ZF-1",
        },
        follow_redirects=True,
    )
    assert "拨付已登记" in paid.get_data(as_text=True) and first.paid_fen == 120_000_000


def test_an_overdue_milestone_is_flagged_on_the_page(client, world, login):
    winner = select_winner(world)
    winner.milestones[0].due_on = today_in_beijing() - timedelta(days=2)
    db.session.commit()
    login(world["owner"])
    page = client.get(f"/challenges/applications/{winner.id}/project").get_data(as_text=True)
    assert "1 个里程碑逾期" in page and "已逾期" in page


def test_the_dashboard_counts_calls_projects_and_money(client, world, login):
    winner = select_winner(world)
    first = winner.milestones[0]
    challenges.submit_report(world["team"], first.id, {"text": "完成"})
    challenges.decide_milestone(world["owner"], first.id, {"decision": "accepted", "note": "好"})
    challenges.record_payment(
        world["owner"],
        first.id,
        {"amount": "1000000.01", "paid_on": today_in_beijing().isoformat(), "reference": "A"},
    )
    login(world["viewer"])
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "揭榜挂帅 · 赛马制" in page
    assert "300.00万元" in page and "100.000001万元" in page
    assert 'data-testid="projects">1 <span' in page and 'data-testid="calls-published">1 <span' in page


STEP_ALLOWED = {
    "report": ("team",),
    "decision": ("owner", "colleague", "admin"),
    "payment": ("owner", "colleague", "admin"),
}


@pytest.mark.parametrize("role", ROLES)
def test_the_milestone_forms_follow_the_roles(client, world, login, role):
    winner = select_winner(world)
    pending, reported, accepted = winner.milestones
    challenges.submit_report(world["team"], reported.id, {"text": "完成"})
    challenges.submit_report(world["team"], accepted.id, {"text": "完成"})
    challenges.decide_milestone(world["owner"], accepted.id, {"decision": "accepted", "note": "好"})
    as_role(world, login, role)
    today = today_in_beijing().isoformat()
    steps = {
        "report": (pending, "reports", {"text": "样机完成"}),
        "decision": (reported, "decision", {"decision": "accepted", "note": "通过"}),
        "payment": (
            accepted,
            "payments",
            {"amount": "1", "amount_unit": "元", "paid_on": today, "reference": "A"},
        ),
    }
    for step, (milestone, path, data) in steps.items():
        response = client.post(f"/challenges/project-milestones/{milestone.id}/{path}", data=data)
        if role == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"], step
        elif role in STEP_ALLOWED[step]:
            assert (
                response.status_code == 302
                and f"/challenges/applications/{winner.id}/project" in response.headers["Location"]
            )
        elif role in PROJECT_VISIBLE:
            assert response.status_code == 403, step
        else:
            assert response.status_code == 404, step
    done = role in ("owner", "colleague", "admin")
    assert (pending.status, reported.status) == (
        "submitted" if role == "team" else "pending",
        "accepted" if done else "submitted",
    )
    assert accepted.paid_fen == (100 if done else 0)
