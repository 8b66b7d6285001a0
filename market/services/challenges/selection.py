"""定榜 (select): once the application window has closed, the call's owner or an admin decides.

Single mode: one winner among the submitted or shortlisted applications (status selected, phase selected);
every other one is not_selected. 赛马制: keep up to race_teams teams (status racing, phase racing), the others
not_selected; eliminate racing teams at a stage (eliminated); finally select the winner(s) among the racing
teams (selected, phase running; the racing teams left are eliminated). Each decision keeps its reason with
the owner and admins (decision_reason, decided_at/by, the audit log); the applicants are told politely,
without reasons or scores; the public history gets one sentence.

Selecting a team (the single winner, or each team kept in a race) opens its deal at 签约 with a draft 技术开发
contract (deals.open_agreed_deal, contracts.write_contract_draft): seller the applicant, buyer the call's
organisation, the call's demand. The contract amount is the 榜额 for a single winner; in 赛马制 each racing
team's is its own budget capped by the 榜额 (teams race in parallel, each on its own budget, and none is
promised more than the call offers). The call's milestones are copied into the team's project with that
amount's tranches (projects.create_milestones)."""

from dataclasses import dataclass

from sqlalchemy import select

from market import events
from market.clock import today_in_beijing
from market.errors import InvalidTransition, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.challenge_projects import EliminationIn, SelectionIn
from market.models.base import utcnow
from market.models.challenge import Challenge
from market.models.challenge_application import ChallengeApplication
from market.money import fen_to_yuan, format_fen
from market.services import audit, contracts, deals
from market.services.base import unit_of_work
from market.services.challenges.access import can_manage_challenge, get_application, get_managed_challenge
from market.services.challenges.history import record_event
from market.services.challenges.milestones import settle_acceptance
from market.services.challenges.projects import create_milestones, project_link, team_ids
from market.services.notifications import add_notifications

ELIGIBLE = ("submitted", "shortlisted")  # handed in and still in the running
OUTCOME_TITLES = {
    "selected": "恭喜！贵单位在揭榜挂帅“{call}”中揭榜成功",
    "racing": "贵单位入围揭榜挂帅“{call}”赛马攻关",
    "not_selected": "感谢贵单位参与揭榜挂帅“{call}”",
    "eliminated": "感谢贵团队参与揭榜挂帅“{call}”赛马攻关",
}
OUTCOME_BODIES = {
    "selected": "已为双方生成对接和技术开发合同草稿，请在攻关项目页面查看里程碑与拨付安排。",
    "racing": "已为双方生成对接和技术开发合同草稿，请按里程碑推进攻关并提交进展报告。",
    "not_selected": "感谢贵单位认真准备揭榜方案。本榜单已确定揭榜团队，贵单位此次未能入选。"
    "欢迎继续关注平台发布的其他揭榜挂帅榜单。",
    "eliminated": "感谢贵团队在赛马攻关中的投入与付出。本阶段评定后，贵团队此次未能继续攻关。"
    "已验收的里程碑仍按约定拨付；欢迎继续关注平台发布的其他揭榜挂帅榜单。",
}


def call_title(challenge: Challenge) -> str:
    return challenge.demand.title.removeprefix("揭榜挂帅：").removeprefix("揭榜挂帅")


def _applications(challenge: Challenge, *statuses: str) -> list[ChallengeApplication]:
    return list(
        db.session.scalars(
            select(ChallengeApplication)
            .where(
                ChallengeApplication.challenge_id == challenge.id, ChallengeApplication.status.in_(statuses)
            )
            .order_by(ChallengeApplication.submitted_at, ChallengeApplication.id)
        )
    )


@dataclass
class SelectionState:
    """What the selection page shows and offers."""

    challenge: Challenge
    candidates: list  # submitted or shortlisted
    racing: list
    selected: list
    others: list  # not selected, eliminated
    window_closed: bool

    @property
    def can_select(self) -> bool:
        """Choose the single winner, or the race's final winner(s)."""
        if not self._decidable:
            return False
        if self.challenge.selection_mode == "single":
            return self.challenge.phase == "open" and bool(self.candidates)
        return self.challenge.phase == "racing" and bool(self.racing)

    @property
    def can_race(self) -> bool:
        return (
            self._decidable
            and self.challenge.selection_mode == "race"
            and self.challenge.phase == "open"
            and bool(self.candidates)
        )

    @property
    def can_eliminate(self) -> bool:
        return self._decidable and self.challenge.phase == "racing" and len(self.racing) > 1

    @property
    def _decidable(self) -> bool:
        return self.window_closed and self.challenge.demand.is_public


def selection_state(actor, challenge_id) -> SelectionState:
    """The call's applications as the owner or an admin decides on them."""
    challenge = get_managed_challenge(actor, challenge_id)
    return SelectionState(
        challenge,
        _applications(challenge, *ELIGIBLE),
        _applications(challenge, "racing"),
        _applications(challenge, "selected"),
        _applications(challenge, "eliminated", "not_selected"),
        today_in_beijing() > challenge.applications_close_on,
    )


def _lock(challenge: Challenge) -> None:
    """Take the call's row lock and read it again, so two decisions at once are taken in turn (PostgreSQL;
    SQLite runs one writer at a time). The call's demand is joined when it loads: lock the row alone."""
    db.session.execute(select(Challenge.id).where(Challenge.id == challenge.id).with_for_update())
    db.session.refresh(challenge)


def _require_decidable(challenge: Challenge) -> None:
    # The demand expires when the window closes (calls.py sets its deadline to the close date): still the call
    if not challenge.demand.is_public or challenge.phase == "cancelled":
        raise InvalidTransition("该榜单未发布或已终止，不能定榜")
    if today_in_beijing() <= challenge.applications_close_on:
        raise InvalidTransition(
            f"征集期到 {challenge.applications_close_on.isoformat()} 才结束，征集期结束后才能定榜"
        )


def _chosen(challenge: Challenge, ids: list[int], allowed: tuple, errors: dict) -> list[ChallengeApplication]:
    """The applications named, each of this call and in an allowed status; the first problem goes into
    errors."""
    chosen = []
    for row_id in ids:
        application = db.session.get(ChallengeApplication, row_id)
        if application is None or application.challenge_id != challenge.id or application.status == "draft":
            errors.setdefault("application_ids", f"揭榜方案 {row_id} 不是本榜单已提交的方案")
        elif application.status not in allowed:
            name = application.organisation.name
            errors.setdefault(
                "application_ids",
                f"{name}的揭榜方案已撤回，不能入选"
                if application.status == "withdrawn"
                else f"{name}的揭榜方案当前为“{application.status_label}”，不能入选",
            )
        else:
            chosen.append(application)
    return chosen


def _decide(application: ChallengeApplication, status: str, actor, reason: str | None) -> None:
    application.status = status
    application.decided_at, application.decided_by_id = utcnow(), actor.id
    if reason is not None:
        application.decision_reason = reason


@dataclass
class SelectionPlan:
    """A checked selection, before anything is written: what happens to whom, and why."""

    challenge: Challenge
    action: str  # race | select
    chosen: list
    others: list  # told politely: not selected (or, at a race's end, eliminated)
    reason: str

    @property
    def outcome(self) -> str:
        return "racing" if self.action == "race" else "selected"

    @property
    def others_outcome(self) -> str:
        return "eliminated" if self.challenge.phase == "racing" else "not_selected"


def _plan(actor, challenge_id, data: dict, lock: bool) -> SelectionPlan:
    challenge = get_managed_challenge(actor, challenge_id)
    if lock:
        _lock(challenge)
    _require_decidable(challenge)
    errors: dict = {}
    values = SelectionIn.clean(data, errors=errors)
    action, ids = values.get("action"), values.get("application_ids") or []
    race = challenge.selection_mode == "race"
    if action == "race" and not race:
        raise InvalidTransition("该榜单为单一揭榜方模式，请直接确定揭榜方")
    if action == "race" and challenge.phase != "open":
        raise InvalidTransition(f"该榜单处于“{challenge.phase_label}”阶段，不能再确定赛马团队")
    if action == "select" and challenge.phase != ("racing" if race else "open"):
        raise InvalidTransition(
            "赛马制榜单须先确定入围攻关的团队，再从赛马团队中定榜"
            if race and challenge.phase == "open"
            else f"该榜单处于“{challenge.phase_label}”阶段，不能再定榜"
        )
    allowed = ("racing",) if action == "select" and race else ELIGIBLE
    chosen = _chosen(challenge, ids, allowed, errors) if action else []
    if action == "select" and not race and len(ids) > 1:
        errors.setdefault("application_ids", "单一揭榜方模式只能选择 1 个揭榜方案")
    if action == "race" and len(ids) > challenge.race_teams:
        errors.setdefault(
            "application_ids", f"赛马制最多入围 {challenge.race_teams} 支团队（本次选了 {len(ids)} 支）"
        )
    if errors:
        raise ValidationFailed(errors)
    others = [a for a in _applications(challenge, *allowed) if a not in chosen]
    return SelectionPlan(challenge, action, chosen, others, values["reason"])


def preview_selection(actor, challenge_id, data: dict) -> SelectionPlan:
    """What decide_selection would do, checked the same way, for the page's confirmation step."""
    return _plan(actor, challenge_id, data, lock=False)


@unit_of_work
def decide_selection(actor, challenge_id, data: dict) -> list[ChallengeApplication]:
    """select (the single winner, or the race's final winners) or race (keep the racing teams); returns the
    applications chosen."""
    plan = _plan(actor, challenge_id, data, lock=True)
    challenge, chosen, others, reason = plan.challenge, plan.chosen, plan.others, plan.reason
    if plan.action == "race":
        outcomes = _race(actor, challenge, chosen, others, reason)
    elif challenge.selection_mode == "race":
        outcomes = _final(actor, challenge, chosen, others, reason)
    else:
        outcomes = _single(actor, challenge, chosen[0], others, reason)
    events.record("challenge.decided", challenge_id=challenge.id, outcomes=outcomes)
    return chosen


def _single(actor, challenge, winner, others, reason) -> list:
    _decide(winner, "selected", actor, reason)
    _open_project(actor, challenge, winner, challenge.demand.reward_fen or winner.budget_fen)
    for application in others:
        _decide(application, "not_selected", actor, None)
    challenge.phase, challenge.phase_changed_at = "selected", utcnow()
    record_event(challenge, "selected", f"{winner.organisation.name}揭榜")
    audit.record(
        actor, "challenge.select", "challenge", challenge.id, _changes(challenge, [winner], others, reason)
    )
    return [[winner.id, "selected"]] + [[a.id, "not_selected"] for a in others]


def _race(actor, challenge, teams, others, reason) -> list:
    reward = challenge.demand.reward_fen
    for team in teams:
        _decide(team, "racing", actor, reason)
        _open_project(actor, challenge, team, min(team.budget_fen, reward) if reward else team.budget_fen)
    for application in others:
        _decide(application, "not_selected", actor, None)
    challenge.phase, challenge.phase_changed_at = "racing", utcnow()
    record_event(challenge, "racing", f"赛马制：{len(teams)} 支团队入围攻关")
    audit.record(
        actor, "challenge.race", "challenge", challenge.id, _changes(challenge, teams, others, reason)
    )
    return [[a.id, "racing"] for a in teams] + [[a.id, "not_selected"] for a in others]


def _final(actor, challenge, winners, others, reason) -> list:
    for winner in winners:
        _decide(winner, "selected", actor, reason)
    for application in others:
        _decide(application, "eliminated", actor, None)
    challenge.phase, challenge.phase_changed_at = "running", utcnow()
    names = "、".join(w.organisation.name for w in winners)
    record_event(challenge, "selected", f"赛马制决出揭榜方：{names}揭榜")
    audit.record(
        actor, "challenge.select", "challenge", challenge.id, _changes(challenge, winners, others, reason)
    )
    settle_acceptance(challenge)
    return [[a.id, "selected"] for a in winners] + [[a.id, "eliminated"] for a in others]


def _changes(challenge, chosen, others, reason) -> dict:
    """What the audit log keeps of a selection: the phase, who was chosen, who was not, and why."""
    return {
        "phase": challenge.phase,
        "chosen": [[a.id, a.organisation.name] for a in chosen],
        "others": [[a.id, a.organisation.name] for a in others],
        "reason": reason,
    }


def _open_project(actor, challenge: Challenge, application: ChallengeApplication, amount_fen: int) -> None:
    """The selected team's deal at 签约, its draft 技术开发 contract and its milestones."""
    demand = challenge.demand
    milestones = challenge.milestones
    ends = [m.due_on for m in milestones if m.due_on >= today_in_beijing()]
    title = f"揭榜挂帅：{call_title(challenge)}"
    try:
        contract = contracts.write_contract_draft(
            actor,
            {
                "number": f"JBGS-{challenge.id}-{application.id}",
                "title": title[:200],
                "contract_type": "development",
                "seller_org_id": application.org_id,
                "buyer_org_id": demand.org_id,
                "demand_id": demand.id,
                "amount": str(fen_to_yuan(amount_fen)),
                "payment_mode": "instalments" if len(milestones) > 1 else "lump_sum",
                "signed_on": today_in_beijing().isoformat(),
                "term_start": today_in_beijing().isoformat() if ends else None,
                "term_end": max(ends).isoformat() if ends else None,
                "field": demand.field.name if demand.field else "其他",
                "note": f"由揭榜挂帅定榜生成（揭榜方案 /challenges/applications/{application.id}）；"
                f"按里程碑验收分 {len(milestones)} 期拨付。请双方核对后提交登记。",
            },
        )
    except (ValidationFailed, PermissionDenied) as exc:  # e.g. the applicant lost its verification
        detail = "；".join(exc.fields.values()) if exc.fields else exc.message
        raise InvalidTransition(f"无法为{application.organisation.name}生成合同草稿：{detail}") from None
    deal, _ = deals.open_agreed_deal(
        actor,
        seller_org_id=application.org_id,
        buyer_org_id=demand.org_id,
        demand=demand,
        title=title,
        message=f"本对接由揭榜挂帅定榜生成：榜单“{call_title(challenge)}”，"
        f"揭榜方案 /challenges/applications/{application.id}；合同草稿金额 {format_fen(amount_fen)}。",
        contract=contract,
    )
    application.deal_id, application.contract_id = deal.id, contract.id
    create_milestones(application, amount_fen)


def _elimination(actor, application_id, data: dict, lock: bool) -> tuple[ChallengeApplication, dict, int]:
    application = get_application(actor, application_id)
    challenge = application.challenge
    if not can_manage_challenge(actor, challenge):
        raise PermissionDenied("只有发榜单位和管理员可以淘汰赛马团队")
    if lock:
        _lock(challenge)
    if challenge.phase != "racing" or application.status != "racing":
        raise InvalidTransition("只能淘汰赛马攻关中的团队")
    racing = len(_applications(challenge, "racing"))
    if racing <= 1:
        raise InvalidTransition("至少保留一支赛马团队；请从中定榜")
    return application, EliminationIn.clean(data), racing


def preview_elimination(actor, application_id, data: dict) -> ChallengeApplication:
    """The team eliminate would remove, checked the same way, for the page's confirmation step."""
    return _elimination(actor, application_id, data, lock=False)[0]


@unit_of_work
def eliminate(actor, application_id, data: dict) -> ChallengeApplication:
    """赛马制: a racing team leaves the race at a stage, with a reason kept by the owner and admins; at least
    one team keeps racing."""
    application, values, racing = _elimination(actor, application_id, data, lock=True)
    challenge = application.challenge
    _decide(application, "eliminated", actor, values["reason"])
    stage = f"（{values['stage']}）" if values.get("stage") else ""
    record_event(challenge, "eliminated", f"赛马制{stage}：1 支团队结束攻关，{racing - 1} 支团队继续攻关")
    audit.record(
        actor,
        "challenge.eliminate",
        "challenge_application",
        application.id,
        {"status": ["racing", "eliminated"], "stage": values.get("stage"), "reason": values["reason"]},
    )
    events.record("challenge.decided", challenge_id=challenge.id, outcomes=[[application.id, "eliminated"]])
    return application


@events.subscribe("challenge.decided")
def notify_outcomes(payload: dict) -> None:
    """Tell each applicant its outcome: congratulations, or thanks — never reasons or scores."""
    challenge = db.session.get(Challenge, payload["challenge_id"])
    if challenge is None:
        return
    for application_id, outcome in payload["outcomes"]:
        application = db.session.get(ChallengeApplication, application_id)
        if application is None:
            continue
        add_notifications(
            team_ids(application),
            "challenge",
            OUTCOME_TITLES[outcome].format(call=call_title(challenge)[:60]),
            body=OUTCOME_BODIES[outcome],
            link=f"/challenges/applications/{application.id}"
            if outcome == "not_selected"
            else project_link(application),
            dedupe_key=f"challenge-outcome:{application.id}:{outcome}",
        )
