"""Brokers' decisions on suggestions: accept (opens a deal) or reject with a reason, the queue of demands to
work through, and the admin's reports on the model and on precision."""

from datetime import timedelta

from sqlalchemy import select

from market import vectors
from market.errors import PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.matching import MatchDecisionIn
from market.matching import model as relevance
from market.models import Achievement, Demand, MatchDecision
from market.models.base import utcnow
from market.models.vocab import MATCH_REJECT_REASONS
from market.services import audit
from market.services.base import Page, paginate, unit_of_work
from market.services.deals import start_deal
from market.services.matching.suggestions import (
    NO_GOOD_MATCH,
    at_least,
    compute_matches,
    pair_features,
    relevance_model,
)
from market.services.permissions import is_admin, is_signed_in

MAX_QUEUE_PAGE = 20  # every demand on a queue page is matched on the spot


REJECT_REASONS = MATCH_REJECT_REASONS


def _require_broker(actor) -> None:
    if not (is_signed_in(actor) and (actor.role == "broker" or is_admin(actor))):
        raise PermissionDenied("只有技术经纪人和管理员可以处理匹配推荐")


@unit_of_work
def decide_match(
    actor,
    demand_id,
    achievement_id,
    decision: str,
    reason_code: str | None = None,
    note: str | None = None,
    score: float | None = None,
) -> MatchDecision:
    """Accept or reject a suggested pair (a reason code is required to reject); stored as a label."""
    _require_broker(actor)
    errors: dict = {}
    sent = {"demand_id": demand_id, "achievement_id": achievement_id, "decision": decision}
    values = MatchDecisionIn.clean(
        {**sent, "reason_code": reason_code, "note": note, "score": score}, errors=errors
    )
    decision, reason_code = values.get("decision"), values.get("reason_code")
    if decision == "rejected" and reason_code is None:
        errors.setdefault("reason_code", "拒绝时请选择原因：" + "、".join(REJECT_REASONS.values()))
    demand = db.session.get(Demand, values.get("demand_id") or 0)
    achievement = db.session.get(Achievement, values.get("achievement_id") or 0)
    if demand is None or not demand.is_public:
        errors.setdefault("demand_id", "该需求不存在或未发布")
    if achievement is None or not achievement.is_public:
        errors.setdefault("achievement_id", "该成果不存在或未发布")
    if errors:
        raise ValidationFailed(errors)
    row = db.session.scalar(
        select(MatchDecision).where(
            MatchDecision.demand_id == demand.id, MatchDecision.achievement_id == achievement.id
        )
    )
    if row is None:
        row = MatchDecision(demand_id=demand.id, achievement_id=achievement.id)
        db.session.add(row)
    before = {"decision": row.decision, "reason_code": row.reason_code}
    row.decided_by_id, row.decision = actor.id, decision
    row.reason_code = reason_code if decision == "rejected" else None
    row.note, row.score = values["note"], values["score"]
    row.features = pair_features(demand, achievement)
    db.session.flush()
    if (
        decision == "accepted"
        and actor.role == "broker"
        and actor.is_verified
        and demand.org_id != achievement.org_id
    ):
        deal, _ = start_deal(
            actor, {"demand_id": demand.id, "achievement_id": achievement.id}
        )  # the step to a deal
        row.opened_deal_id = deal.id  # not a column: tells the page which deal to link
    audit.record(
        actor,
        "match_" + decision,
        "match_decision",
        row.id,
        {
            "demand_id": demand.id,
            "achievement_id": achievement.id,
            "before": before,
            "reason_code": row.reason_code,
            "note": row.note,
        },
    )
    return row


def match_queue(actor, page=1, per_page=10, per_demand=3) -> Page:
    """Open demands, newest first, each with its suggestions not yet acted on: those of band 中 or better
    (none, and a note saying so, when no candidate is good enough) and, apart, the best weak ones for brokers
    who look further."""
    _require_broker(actor)
    per_page = min(MAX_QUEUE_PAGE, max(1, int(per_page))) if str(per_page).isdigit() else 10
    demands = paginate(
        select(Demand)
        .where(Demand.status == "published")
        .order_by(Demand.published_at.desc(), Demand.id.desc()),
        page,
        per_page,
    )
    decided = {
        (d, a)
        for d, a in db.session.execute(
            select(MatchDecision.demand_id, MatchDecision.achievement_id).where(
                MatchDecision.demand_id.in_([d.id for d in demands.items])
            )
        ).all()
    }
    entries = []
    for demand in demands.items:
        open_ = [
            (a, s) for a, s in compute_matches(demand, per_demand + 10) if (demand.id, a.id) not in decided
        ]
        matches = at_least(open_, "中")[:per_demand]
        weak = [(a, s) for a, s in open_ if s.band == "弱"][:per_demand]
        entries.append(
            {"demand": demand, "matches": matches, "weak": weak, "note": None if matches else NO_GOOD_MATCH}
        )
    demands.items = entries
    return demands


def fusion_weights_report(actor) -> dict:
    """For admins: the committed model's weights, those in use, and how many decisions refitted them."""
    if not is_admin(actor):
        raise PermissionDenied("仅管理员可查看")
    model = relevance_model()
    base = relevance.committed()
    return {
        "prior": dict(zip(base.features, base.coef)),
        "current": dict(zip(model.features, model.coef)),
        "labels": vectors.model_cache()["labels"],
        "min_labels": relevance.MIN_DECISIONS,
        "learned": model is not base,
    }


def decision_precision(actor, weeks: int = 12) -> list[dict]:
    """Per ISO week: decisions, accepted, and accepted / acted — how good acted-on suggestions were."""
    if not is_admin(actor):
        raise PermissionDenied("仅管理员可查看")
    since = utcnow() - timedelta(weeks=weeks)
    rows = db.session.execute(
        select(MatchDecision.decision, MatchDecision.created_at).where(MatchDecision.created_at >= since)
    ).all()
    weeksum: dict[str, list[int]] = {}
    for decision, created_at in rows:
        year, week, _ = created_at.isocalendar()
        counts = weeksum.setdefault(f"{year}-W{week:02d}", [0, 0])
        counts[0] += 1
        counts[1] += decision == "accepted"
    return [
        {"week": week, "acted": acted, "accepted": accepted, "precision": accepted / acted}
        for week, (acted, accepted) in sorted(weeksum.items(), reverse=True)
    ]
