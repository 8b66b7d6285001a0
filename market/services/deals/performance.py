"""Broker performance (经纪人考核): deals, registered amounts and response times per broker and period."""

from datetime import date, datetime

from sqlalchemy import func, select

from market.clock import beijing_day_end, beijing_day_start
from market.errors import PermissionDenied, ValidationFailed
from market.extensions import db
from market.models import User
from market.models.contract import Contract
from market.models.deal import Deal, DealEvent
from market.models.vocab import DEAL_STAGES
from market.services.base import parse_row_id
from market.services.deals.stages import OPEN_STAGES
from market.services.permissions import is_admin, is_signed_in


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _moments(start: date, end: date) -> tuple[datetime, datetime]:
    return beijing_day_start(start), beijing_day_end(end)


def broker_figures(broker_id: int, start: date, end: date) -> dict:
    """One broker's figures for deals assigned within [start, end]: opened, reached each stage, median days
    in each stage, median hours to the first reply, and the registered contract volume signed in the
    period."""
    since, until = _moments(start, end)
    deal_rows = list(
        db.session.execute(
            select(Deal.id, Deal.broker_assigned_at, Deal.created_at).where(
                Deal.broker_id == broker_id,
                func.coalesce(Deal.broker_assigned_at, Deal.created_at) >= since,
                func.coalesce(Deal.broker_assigned_at, Deal.created_at) <= until,
            )
        )
    )
    ids = [row.id for row in deal_rows]
    events = list(
        db.session.execute(
            select(
                DealEvent.deal_id,
                DealEvent.kind,
                DealEvent.to_stage,
                DealEvent.actor_id,
                DealEvent.created_at,
            )
            .where(DealEvent.deal_id.in_(ids or [-1]))
            .order_by(DealEvent.deal_id, DealEvent.created_at, DealEvent.id)
        )
    )
    reached = {stage: 0 for stage in DEAL_STAGES}
    days_in = {stage: [] for stage in OPEN_STAGES}
    first_reply = []
    assigned = {row.id: row.broker_assigned_at or row.created_at for row in deal_rows}
    by_deal: dict[int, list] = {}
    for event in events:
        by_deal.setdefault(event.deal_id, []).append(event)
    for deal_id, rows in by_deal.items():
        stages = [(e.to_stage, e.created_at) for e in rows if e.kind in ("opened", "stage") and e.to_stage]
        for stage in {s for s, _ in stages}:
            reached[stage] += 1
        for (stage, entered), (_, left) in zip(stages, stages[1:]):
            if stage in days_in:
                days_in[stage].append((left - entered).total_seconds() / 86400)
        replies = [
            e.created_at
            for e in rows
            if e.kind in ("message", "note") and e.actor_id == broker_id and e.created_at >= assigned[deal_id]
        ]
        if replies:
            first_reply.append((replies[0] - assigned[deal_id]).total_seconds() / 3600)
    volume = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Contract.amount_fen), 0)).where(
            Contract.broker_id == broker_id,
            Contract.status == "registered",
            Contract.signed_on >= start,
            Contract.signed_on <= end,
        )
    ).one()
    opened = len(ids)
    return {
        "opened": opened,
        "reached": reached,
        "conversion": {
            stage: (reached[stage] / opened if opened else None)
            for stage in ("negotiation", "signing", "registered")
        },
        "median_days": {stage: _median(values) for stage, values in days_in.items()},
        "median_first_reply_hours": _median(first_reply),
        "contracts": int(volume[0]),
        "contract_amount_fen": int(volume[1]),
    }


def broker_performance(actor, start: date, end: date, broker_id=None) -> list[dict]:
    """Figures per broker for a period: admins see every broker (or one), a broker only their own."""
    if is_admin(actor):
        query = select(User).where(User.role == "broker").order_by(User.display_name, User.id)
        if broker_id not in (None, ""):
            query = query.where(User.id == (parse_row_id(broker_id) or -1))
        brokers = list(db.session.scalars(query))
    elif is_signed_in(actor) and actor.role == "broker":
        if broker_id not in (None, "") and parse_row_id(broker_id) != actor.id:
            raise PermissionDenied("只能查看本人的考核数据")
        brokers = [actor]
    else:
        raise PermissionDenied("仅管理员和技术经纪人本人可以查看考核数据")
    if end < start:
        raise ValidationFailed({"to": "结束日期不能早于开始日期"})
    return [{"broker": broker, **broker_figures(broker.id, start, end)} for broker in brokers]
