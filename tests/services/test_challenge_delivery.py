"""定榜, 攻关与验收 and the dashboard at service level (issue 19, parts 4–6), on both databases."""

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from market.clock import today_in_beijing
from market.errors import InvalidTransition, PermissionDenied, ValidationFailed
from market.extensions import db
from market.models import AuditEntry, Deal, Notification
from market.models.challenge import ChallengeEvent
from market.models.challenge_project import ProgressReport, TranchePayment
from market.models.contract import Contract
from market.services import challenges, kpis
from tests.file_samples import PDF

REASON = "技术路线成熟，团队在固态电解质方向有中试经验，综合评分第一。"


@pytest.fixture
def closed_call(make_challenge):
    """A call whose application window closed yesterday."""

    def make(**values):
        today = today_in_beijing()
        return make_challenge(
            open_on=today - timedelta(days=30), close_on=today - timedelta(days=1), **values
        )

    return make


def notifications_of(who) -> list[Notification]:
    """A user's notifications, or those of every member of an organisation."""
    ids = [user.id for user in who.members] if hasattr(who, "members") else [who.id]
    return list(db.session.scalars(select(Notification).where(Notification.user_id.in_(ids))))


def member(make_user, application):
    return make_user("university", org=application.organisation)


def history_text(challenge) -> str:
    return " ".join(event.text for event in challenges.history(challenge))


def test_a_single_winner_is_selected_with_its_reason_and_gets_a_deal_a_contract_and_milestones(
    closed_call, make_application, make_user
):
    challenge = closed_call()
    owner = challenge.created_by
    winner, other, shortlisted = (make_application(challenge) for _ in range(3))
    shortlisted.status = "shortlisted"
    withdrawn = make_application(challenge, status="withdrawn")
    team, others = member(make_user, winner), [member(make_user, a) for a in (other, shortlisted)]

    chosen = challenges.decide_selection(
        owner, challenge.id, {"action": "select", "application_ids": [winner.id], "reason": REASON}
    )

    assert chosen == [winner]
    assert (winner.status, winner.decision_reason, winner.decided_by_id) == ("selected", REASON, owner.id)
    assert winner.decided_at is not None
    assert (other.status, shortlisted.status, withdrawn.status) == (
        "not_selected",
        "not_selected",
        "withdrawn",
    )
    assert challenge.phase == "selected"
    deal = db.session.get(Deal, winner.deal_id)
    assert (deal.seller_org_id, deal.buyer_org_id, deal.demand_id) == (
        winner.org_id,
        challenge.demand.org_id,
        challenge.demand_id,
    )
    assert deal.title == "揭榜挂帅：高能量密度固态电池电解质" and deal.stage == "signing"
    contract = db.session.get(Contract, winner.contract_id)
    assert deal.contract_id == contract.id
    assert (contract.contract_type, contract.status, contract.amount_fen) == (
        "development",
        "draft",
        300_000_000,
    )
    assert (contract.seller_org_id, contract.buyer_org_id) == (winner.org_id, challenge.demand.org_id)
    assert [m.tranche_fen for m in winner.milestones] == [120_000_000, 60_000_000, 120_000_000]
    assert [m.due_on for m in winner.milestones] == [m.due_on for m in challenge.milestones]
    assert other.milestones == [] and other.deal_id is None

    assert "揭榜" in history_text(challenge) and winner.organisation.name in history_text(challenge)
    assert REASON not in history_text(challenge)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "challenge.select")).one()
    assert entry.changes["reason"] == REASON and entry.actor_id == owner.id

    (congratulation,) = [n for n in notifications_of(team) if n.category == "challenge"]
    assert (
        "恭喜" in congratulation.title
        and congratulation.link == f"/challenges/applications/{winner.id}/project"
    )
    for user in others:
        (thanks,) = [n for n in notifications_of(user) if n.category == "challenge"]
        assert "感谢" in thanks.title and "感谢" in thanks.body
        assert REASON not in thanks.body and "分" not in thanks.title
    assert notifications_of(withdrawn.organisation) == []


def test_a_race_keeps_teams_on_their_capped_budgets_then_eliminates_one_then_selects(
    closed_call, make_application, make_user
):
    challenge = closed_call(mode="race", race_teams=2)
    owner = challenge.created_by
    small = make_application(challenge, budget_fen=250_000_000)  # below the 榜额 of 300万
    large = make_application(challenge, budget_fen=450_000_000)  # above: capped
    left_out = make_application(challenge)
    users = {a.id: member(make_user, a) for a in (small, large, left_out)}

    challenges.decide_selection(
        owner, challenge.id, {"action": "race", "application_ids": [small.id, large.id], "reason": REASON}
    )
    assert (small.status, large.status, left_out.status, challenge.phase) == (
        "racing",
        "racing",
        "not_selected",
        "racing",
    )
    assert db.session.get(Contract, small.contract_id).amount_fen == 250_000_000
    assert db.session.get(Contract, large.contract_id).amount_fen == 300_000_000
    assert sum(m.tranche_fen for m in large.milestones) == 300_000_000
    assert "赛马制：2 支团队入围攻关" in history_text(challenge)

    challenges.eliminate(owner, large.id, {"reason": "中期检查未达指标", "stage": "中期检查"})
    assert large.status == "eliminated" and large.decision_reason == "中期检查未达指标"
    assert "赛马制（中期检查）：1 支团队结束攻关，1 支团队继续攻关" in history_text(challenge)
    assert "未达指标" not in history_text(challenge)
    (told,) = [n for n in notifications_of(users[large.id]) if "感谢" in n.title]
    assert "未达指标" not in (told.body or "")
    with pytest.raises(InvalidTransition):  # the last racing team stays
        challenges.eliminate(owner, small.id, {"reason": "无"})

    challenges.decide_selection(
        owner, challenge.id, {"action": "select", "application_ids": [small.id], "reason": "赛马胜出"}
    )
    assert (small.status, challenge.phase, small.decision_reason) == ("selected", "running", "赛马胜出")
    assert len(small.milestones) == 3  # the project goes on
    assert "赛马制决出揭榜方" in history_text(challenge)
    assert db.session.scalar(select(func.count()).select_from(Deal)) == 2


def test_milestone_report_acceptance_and_payment_reach_the_dashboard(
    closed_call, make_application, make_user, default_kpis
):
    challenge = closed_call()
    owner, admin = challenge.created_by, make_user("admin")
    application = make_application(challenge)
    team = member(make_user, application)
    challenges.decide_selection(
        owner, challenge.id, {"action": "select", "application_ids": [application.id], "reason": REASON}
    )
    first, *rest = application.milestones

    report = challenges.submit_report(
        team, first.id, {"text": "样机完成，电导率 1.2 mS/cm"}, [("样机报告.pdf", PDF)]
    )
    assert first.status == "submitted" and challenge.phase == "running"
    assert [d.filename for d in report_documents(report)] == ["样机报告.pdf"]
    owner_told = [n for n in notifications_of(owner) if "进展报告" in n.title]
    assert owner_told and owner_told[0].link == f"/challenges/applications/{application.id}/project"

    challenges.decide_milestone(owner, first.id, {"decision": "accepted", "note": "指标达到"}, [])
    assert first.status == "accepted" and first.decision_note == "指标达到"
    assert any("通过" in n.title for n in notifications_of(team))

    payment = challenges.record_payment(
        owner, first.id, {"amount": "120万", "paid_on": today_in_beijing().isoformat(), "reference": "ZF-001"}
    )
    assert payment.amount_fen == 120_000_000 and payment.recorded_by_id == owner.id
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "challenge.pay")).one()

    figures = challenges.challenge_figures(admin)
    assert (figures.calls_published, figures.calls_taken_up) == (1, 1)
    assert (figures.projects_running, figures.projects_accepted) == (1, 0)
    assert (figures.committed_fen, figures.paid_fen) == (300_000_000, 120_000_000)
    assert (figures.committed_text, figures.paid_text) == ("300.00万元", "120.00万元")
    today = today_in_beijing()
    assert kpis.metric_value("open_calls", today, today) == figures.calls_published == 1
    assert (
        kpis.metric_value("challenge_projects", today.replace(month=1, day=1), today) == figures.projects == 1
    )
    # the plan's ≥30 揭榜挂帅/赛马制 projects a year: the KPI table counts this project
    target = next(p for p in kpis.kpi_progress(today) if p.kpi.name == "揭榜挂帅/赛马制项目（每年）")
    assert (target.kpi.metric, target.actual, target.target) == ("challenge_projects", 1, 30)

    for milestone in rest:
        challenges.submit_report(team, milestone.id, {"text": "完成"})
        challenges.decide_milestone(admin, milestone.id, {"decision": "accepted", "note": "通过"})
    assert challenge.phase == "accepted"
    assert "揭榜项目全部通过验收" in history_text(challenge)
    figures = challenges.challenge_figures(make_user("viewer"))
    assert (figures.projects_running, figures.projects_accepted) == (0, 1)
    assert admin.role == "admin"  # loaded: only the figures' own queries are counted
    sent = []
    record = lambda _conn, _cursor, statement, *_args: sent.append(statement)  # noqa: E731
    event.listen(Engine, "before_cursor_execute", record)
    try:
        challenges.challenge_figures(admin)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert len(sent) == 3, sent  # projects, payments, calls: three aggregate queries, whatever the numbers
    last_year = challenges.challenge_figures(admin, today_in_beijing().year - 1)
    assert (last_year.calls_published, last_year.projects, last_year.committed_fen) == (0, 0, 0)
    with pytest.raises(PermissionDenied):
        challenges.challenge_figures(owner)


def report_documents(report):
    from market.models.challenge_application import ChallengeDocument

    return list(db.session.scalars(select(ChallengeDocument).where(ChallengeDocument.report_id == report.id)))


def test_tranches_of_an_odd_amount_add_up_exactly(closed_call, make_application, make_user):
    challenge = closed_call(reward_yuan="1000000.01")
    for milestone, percent in zip(challenge.milestones, (33, 33, 34)):
        milestone.tranche_percent = percent
    db.session.commit()
    application = make_application(challenge)
    challenges.decide_selection(
        challenge.created_by,
        challenge.id,
        {"action": "select", "application_ids": [application.id], "reason": "好"},
    )
    assert [m.tranche_fen for m in application.milestones] == [33_000_000, 33_000_000, 34_000_001]
    assert (
        sum(m.tranche_fen for m in application.milestones) == application.contract.amount_fen == 100_000_001
    )
    assert challenges.split_tranches(100_000_001, [30, 30, 0]) == [30_000_000, 30_000_000, 0]
    assert challenges.split_tranches(101, [50, 50]) == [50, 51]


def test_selection_refuses_bad_input_and_writes_nothing(
    closed_call, make_challenge, make_application, make_user
):
    open_call = make_challenge()
    early = make_application(open_call)
    with pytest.raises(InvalidTransition, match="征集期"):
        challenges.decide_selection(
            open_call.created_by,
            open_call.id,
            {"action": "select", "application_ids": [early.id], "reason": "x"},
        )
    assert early.status == "submitted" and open_call.phase == "open"

    race = closed_call(mode="race", race_teams=2)
    apps = [make_application(race) for _ in range(3)]
    withdrawn = make_application(race, status="withdrawn")
    owner = race.created_by
    with pytest.raises(ValidationFailed) as too_many:
        challenges.decide_selection(
            owner, race.id, {"action": "race", "application_ids": [a.id for a in apps], "reason": "x"}
        )
    assert "最多入围 2 支" in too_many.value.fields["application_ids"]
    with pytest.raises(ValidationFailed) as gone:
        challenges.decide_selection(
            owner, race.id, {"action": "race", "application_ids": [withdrawn.id], "reason": "x"}
        )
    assert "撤回" in gone.value.fields["application_ids"]
    with pytest.raises(ValidationFailed) as empty:
        challenges.decide_selection(owner, race.id, {"action": "race", "application_ids": [], "reason": ""})
    assert set(empty.value.fields) == {"application_ids", "reason"}
    with pytest.raises(InvalidTransition, match="先确定入围"):
        challenges.decide_selection(
            owner, race.id, {"action": "select", "application_ids": [apps[0].id], "reason": "x"}
        )

    single = closed_call()
    one, two = make_application(single), make_application(single)
    stranger = make_application(race)
    with pytest.raises(ValidationFailed) as both:
        challenges.decide_selection(
            single.created_by,
            single.id,
            {"action": "select", "application_ids": [one.id, two.id], "reason": "x"},
        )
    assert "只能选择 1 个" in both.value.fields["application_ids"]
    with pytest.raises(ValidationFailed) as elsewhere:
        challenges.decide_selection(
            single.created_by,
            single.id,
            {"action": "select", "application_ids": [stranger.id], "reason": "x"},
        )
    assert "不是本榜单" in elsewhere.value.fields["application_ids"]
    with pytest.raises(InvalidTransition):
        challenges.decide_selection(
            single.created_by, single.id, {"action": "race", "application_ids": [one.id], "reason": "x"}
        )
    with pytest.raises(PermissionDenied):
        challenges.decide_selection(
            make_user("enterprise"),
            single.id,
            {"action": "select", "application_ids": [one.id], "reason": "x"},
        )
    assert {a.status for a in (*apps, one, two)} == {"submitted"} and withdrawn.status == "withdrawn"
    assert db.session.scalar(select(func.count()).select_from(Deal)) == 0
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 0
    assert db.session.scalar(select(func.count()).select_from(ChallengeEvent)) == 0


@pytest.fixture
def running_project(closed_call, make_application, make_user):
    challenge = closed_call()
    application = make_application(challenge)
    challenges.decide_selection(
        challenge.created_by,
        challenge.id,
        {"action": "select", "application_ids": [application.id], "reason": "好"},
    )
    return application, member(make_user, application)


def test_payments_and_reports_refuse_bad_input_and_write_nothing(running_project, make_user):
    application, team = running_project
    owner = application.challenge.created_by
    first = application.milestones[0]
    today = today_in_beijing().isoformat()
    with pytest.raises(InvalidTransition, match="已通过"):  # not accepted yet
        challenges.record_payment(owner, first.id, {"amount": "1", "paid_on": today, "reference": "A"})
    with pytest.raises(InvalidTransition):  # nothing reported to decide on
        challenges.decide_milestone(owner, first.id, {"decision": "accepted", "note": "好"})
    with pytest.raises(ValidationFailed) as not_pdf:
        challenges.submit_report(team, first.id, {"text": ""}, [("报告.pdf", b"hello")])
    assert set(not_pdf.value.fields) == {"text", "files"}
    with pytest.raises(PermissionDenied):
        challenges.submit_report(owner, first.id, {"text": "代报"})
    assert db.session.scalar(select(func.count()).select_from(ProgressReport)) == 0

    challenges.submit_report(team, first.id, {"text": "完成"})
    with pytest.raises(InvalidTransition):  # waiting for the decision
        challenges.submit_report(team, first.id, {"text": "再交一次"})
    challenges.decide_milestone(owner, first.id, {"decision": "rejected", "note": "电导率未达标"})
    assert first.status == "rejected"
    with pytest.raises(InvalidTransition):
        challenges.record_payment(owner, first.id, {"amount": "1", "paid_on": today, "reference": "A"})
    challenges.submit_report(team, first.id, {"text": "补测后达标"})  # a rejected milestone is reported again
    challenges.decide_milestone(owner, first.id, {"decision": "accepted", "note": "达标"})

    tomorrow = (today_in_beijing() + timedelta(days=1)).isoformat()
    with pytest.raises(ValidationFailed) as bad:
        challenges.record_payment(
            owner, first.id, {"amount": "120万零1分", "paid_on": tomorrow, "reference": ""}
        )
    assert set(bad.value.fields) == {"amount", "paid_on", "reference"}
    with pytest.raises(ValidationFailed) as over:
        challenges.record_payment(
            owner, first.id, {"amount": "1200000.01", "paid_on": today, "reference": "A"}
        )
    assert "超过" in over.value.fields["amount"]
    with pytest.raises(ValidationFailed):
        challenges.record_payment(owner, first.id, {"amount": "0", "paid_on": today, "reference": "A"})
    with pytest.raises(PermissionDenied):
        challenges.record_payment(team, first.id, {"amount": "1", "paid_on": today, "reference": "A"})
    assert db.session.scalar(select(func.count()).select_from(TranchePayment)) == 0

    challenges.record_payment(owner, first.id, {"amount": "1199999.99", "paid_on": today, "reference": "A"})
    challenges.record_payment(owner, first.id, {"amount": "0.01", "paid_on": today, "reference": "B"})
    with pytest.raises(ValidationFailed) as full:
        challenges.record_payment(owner, first.id, {"amount": "0.01", "paid_on": today, "reference": "C"})
    assert "全部拨付" in full.value.fields["amount"]
    assert first.paid_fen == first.tranche_fen == 120_000_000


def test_an_overdue_milestone_is_flagged_once_to_the_owner_and_the_deals_broker(running_project, make_user):
    application, team = running_project
    owner = application.challenge.created_by
    broker = make_user("broker")
    application.deal.broker_id = broker.id
    first, second, _ = application.milestones
    today = today_in_beijing()
    first.due_on = second.due_on = today - timedelta(days=1)
    db.session.commit()
    challenges.submit_report(team, second.id, {"text": "完成"})
    challenges.decide_milestone(owner, second.id, {"decision": "accepted", "note": "好"})

    view = challenges.project(owner, application.id)
    assert [m.overdue for m in view.milestones] == [True, False, False]
    assert challenges.notify_overdue_milestones() == 1
    assert first.overdue_notified_on == today and second.overdue_notified_on is None

    def overdue_notes(user):
        return [
            n
            for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))
            if "逾期" in n.title
        ]

    assert [n.link for n in overdue_notes(owner)] == [f"/challenges/applications/{application.id}/project"]
    assert [n.link for n in overdue_notes(broker)] == [f"/deals/{application.deal_id}"]
    assert overdue_notes(team) == []
    assert challenges.notify_overdue_milestones() == 0  # once
    assert len(overdue_notes(owner)) == 1 and len(overdue_notes(broker)) == 1


def test_the_worker_and_a_command_flag_overdue_milestones(app, running_project):
    from market.worker import default_tasks

    assert "challenge_overdue" in [task.name for task in default_tasks()]
    application, _team = running_project
    application.milestones[0].due_on = today_in_beijing() - timedelta(days=1)
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["market", "challenge-overdue"])
    assert first.exit_code == 0 and "新发现逾期里程碑 1 个" in first.output
    assert "没有新的逾期里程碑" in runner.invoke(args=["market", "challenge-overdue"]).output


def test_a_call_whose_demand_expired_when_the_window_closed_is_still_reviewed_and_decided(
    closed_call, make_application, make_user
):
    """The call's demand has the close date as its deadline, so the daily sweep expires it: the panel, the
    review queue and the selection go on, and the call stays on the public list."""
    from market.services.listings import expire_overdue_listings

    challenge = closed_call()
    winner = make_application(challenge)
    assert expire_overdue_listings() >= 1
    db.session.commit()
    assert challenge.demand.status == "expired"

    broker = make_user("broker")
    challenges.add_reviewer(challenge.created_by, challenge.id, {"user_id": broker.id})
    assert [item["challenge"] for item in challenges.review_todo(broker)] == [challenge]
    challenges.decide_selection(
        challenge.created_by,
        challenge.id,
        {"action": "select", "application_ids": [winner.id], "reason": REASON},
    )
    assert winner.status == "selected" and challenge.phase == "selected"
    listed = challenges.list_public_calls({"status": "selected"})
    assert challenge in listed.items
