"""Opening a deal (我要对接) from a result, a demand or a matched pair; one open deal per pair of listings."""

from sqlalchemy import select, update

from market import events
from market.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.deals import DealIn
from market.models import Achievement, Demand, User
from market.models.base import utcnow
from market.models.deal import Deal, DealMessage
from market.services import audit
from market.services.base import parse_row_id, unit_of_work, upsert_insert
from market.services.deals.access import can_act, can_view_deal
from market.services.deals.activity import _announce, _record
from market.services.deals.stages import OPEN_STAGES
from market.services.permissions import is_signed_in


def _published(model, raw_id, label: str, errors: dict, key: str):
    row_id = parse_row_id(raw_id)
    listing = db.session.get(model, row_id) if row_id else None
    if listing is None or listing.status != "published":
        errors[key] = f"该{label}不存在或未发布"
        return None
    return listing


@unit_of_work
def open_deal(actor, data: dict) -> tuple[Deal, bool]:
    """Open a deal: an enterprise on a result, a university on a demand, a broker on a matched pair.

    Returns the deal and whether it is new: asking twice about the same listing leads to the open deal."""
    deal, is_new = start_deal(actor, data)
    if not is_new and not can_view_deal(actor, deal):
        raise InvalidTransition("这两家单位之间已有进行中的对接，由其他技术经纪人负责")
    return deal, is_new


def start_deal(actor, data: dict) -> tuple[Deal, bool]:
    """open_deal inside the caller's unit of work (a broker accepting a suggestion opens a deal this way)."""
    if not (
        is_signed_in(actor)
        and actor.role in ("university", "enterprise", "broker")
        and actor.is_verified
        and actor.organisation_id
    ):
        raise PermissionDenied("请使用已通过平台认证的高校院所、企业或技术经纪人账号发起对接")
    errors: dict = {}
    given = DealIn.clean(data, errors=errors)
    achievement = demand = None
    if given.get("achievement_id") is not None:
        achievement = _published(Achievement, given["achievement_id"], "科技成果", errors, "achievement_id")
    if given.get("demand_id") is not None:
        demand = _published(Demand, given["demand_id"], "技术需求", errors, "demand_id")
    if achievement is None and demand is None and not {"achievement_id", "demand_id"} & errors.keys():
        errors["achievement_id"] = "请指明要对接的科技成果或技术需求"
    requested = _broker_user(given.get("requested_broker_id"), errors)
    if errors:
        raise ValidationFailed(errors)
    if actor.role == "broker":
        if achievement is None or demand is None:
            raise ValidationFailed({"demand_id": "技术经纪人发起对接时须同时指明需求和成果"})
        seller_id, buyer_id = achievement.org_id, demand.org_id
    elif achievement is not None and demand is None:
        seller_id, buyer_id = achievement.org_id, actor.organisation_id
    elif demand is not None and achievement is None:
        seller_id, buyer_id = actor.organisation_id, demand.org_id
    else:  # a party names both: its own listing and the other side's
        if actor.organisation_id == demand.org_id:
            seller_id, buyer_id = achievement.org_id, actor.organisation_id
        elif actor.organisation_id == achievement.org_id:
            seller_id, buyer_id = actor.organisation_id, demand.org_id
        else:
            raise ValidationFailed({"demand_id": "只能用本单位的需求或成果发起对接"})
    if seller_id == buyer_id:
        raise ValidationFailed({"achievement_id": "不能与本单位对接"})
    subject = achievement or demand
    title = f"{achievement.title} × {demand.title}" if achievement and demand else f"对接：{subject.title}"
    values = dict(
        title=title[:200],
        achievement_id=getattr(achievement, "id", None),
        demand_id=getattr(demand, "id", None),
        seller_org_id=seller_id,
        buyer_org_id=buyer_id,
        field_id=subject.field_id,
        opened_by_id=actor.id,
        stage="intent",
        requested_broker_id=getattr(requested, "id", None),
    )
    if actor.role == "broker":
        values.update(broker_id=actor.id, broker_assigned_at=utcnow())
    deal, is_new = _insert(actor, values, achievement, demand, given.get("message"))
    if is_new and requested is not None and requested.id != actor.id:
        events.record(
            "deal.broker_requested",
            deal_id=deal.id,
            broker_id=requested.id,
            title=f"有机构请您担任对接经纪人：{deal.title[:50]}",
        )
    return deal, is_new


def open_agreed_deal(
    actor, *, seller_org_id: int, buyer_org_id: int, demand: Demand, title: str, message: str, contract
) -> tuple[Deal, bool]:
    """A deal on an agreement already made elsewhere (揭榜挂帅 定榜), inside the caller's unit of work: the
    caller checked who may do it. It opens at 签约 with its contract draft, so that registering the contract
    brings it to 登记; an open deal of the same pair and demand is moved to 签约 with that contract instead
    (or, if it already has a contract, only told where it came from)."""
    values = dict(
        title=title[:200],
        demand_id=demand.id,
        seller_org_id=seller_org_id,
        buyer_org_id=buyer_org_id,
        field_id=demand.field_id,
        opened_by_id=actor.id,
        stage="signing",
        contract_id=contract.id,
    )
    deal, is_new = _insert(actor, values, None, demand, message)
    if not is_new and deal.contract_id is None:
        before = deal.stage
        deal.contract_id, deal.stage, deal.stage_changed_at = contract.id, "signing", utcnow()
        _record(deal, "stage", actor, before, "signing")
        audit.record(actor, "deal.stage", "deal", deal.id, {"stage": [before, "signing"]})
        _announce("deal.stage_changed", deal, actor, f"对接“{deal.title[:50]}”进入{deal.stage_label}阶段")
    return deal, is_new


def _insert(actor, values: dict, achievement, demand, message: str | None) -> tuple[Deal, bool]:
    """Insert the deal of `values`, or lead to the open deal of the same pair and listing(s)."""
    seller_id, buyer_id = values["seller_org_id"], values["buyer_org_id"]
    existing = _open_deal(seller_id, buyer_id, achievement, demand)
    if existing is not None:
        _ask_again(existing, actor, message)
        return existing, False
    # The partial unique indexes keep one open deal per pair: of concurrent opens, one inserts, the others
    # find its deal (the insert waits for the first to commit on both databases).
    deal_id = db.session.execute(
        upsert_insert(Deal).values(**values).on_conflict_do_nothing().returning(Deal.id)
    ).scalar()
    if deal_id is None:
        existing = _open_deal(seller_id, buyer_id, achievement, demand)
        if existing is None:  # the other deal closed in the same instant
            raise Conflict("同一对接正在被同时发起或关闭，请稍后重试")
        _ask_again(existing, actor, message)
        return existing, False
    deal = db.session.get(Deal, deal_id)
    _record(deal, "opened", actor, to_stage=values["stage"])
    if message:
        db.session.add(DealMessage(deal_id=deal.id, author_id=actor.id, kind="message", body=message))
    audit.record(
        actor,
        "deal.open",
        "deal",
        deal.id,
        {
            "seller_org_id": seller_id,
            "buyer_org_id": buyer_id,
            "achievement_id": deal.achievement_id,
            "demand_id": deal.demand_id,
        },
    )
    _announce("deal.opened", deal, actor, f"新的对接：{deal.title[:60]}")
    return deal, True


def _open_deal(seller_id: int, buyer_id: int, achievement, demand) -> Deal | None:
    return db.session.scalar(
        select(Deal).where(
            Deal.seller_org_id == seller_id,
            Deal.buyer_org_id == buyer_id,
            Deal.stage.in_(OPEN_STAGES),
            Deal.achievement_id == achievement.id if achievement else Deal.achievement_id.is_(None),
            Deal.demand_id == demand.id if demand else Deal.demand_id.is_(None),
        )
    )


def _take(deal: Deal, broker) -> bool:
    """Make broker the deal's broker if it still has none and is open: one conditional update, so that of two
    brokers claiming at once exactly one wins, on both databases."""
    now = utcnow()
    result = db.session.execute(
        update(Deal)
        .where(Deal.id == deal.id, Deal.broker_id.is_(None), Deal.stage.in_(OPEN_STAGES))
        .values(broker_id=broker.id, broker_assigned_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.expire(deal)
        return False
    db.session.expire(deal, ["broker_id", "broker_assigned_at"])
    return True


def _ask_again(deal: Deal, actor, message: str | None) -> None:
    """Asking again leads to the open deal: a broker (from the match queue) takes it when it has none, and a
    message written with the question goes into its thread instead of being dropped."""
    if actor.role == "broker" and deal.broker_id is None and _take(deal, actor):
        _record(deal, "broker", actor)
        audit.record(actor, "deal.claim", "deal", deal.id, {"broker_id": actor.id})
        _announce(
            "deal.broker_claimed",
            deal,
            actor,
            f"技术经纪人{actor.display_name}接手了对接：{deal.title[:50]}",
            include_broker=False,
        )
    if message and can_act(actor, deal):
        db.session.add(DealMessage(deal_id=deal.id, author_id=actor.id, kind="message", body=message))
        db.session.flush()
        _record(deal, "message", actor)
        _announce("deal.message_posted", deal, actor, f"对接“{deal.title[:40]}”有新留言")


def _broker_user(raw, errors: dict, key: str = "requested_broker_id") -> User | None:
    if raw in (None, ""):
        return None
    row_id = parse_row_id(raw)
    user = db.session.get(User, row_id) if row_id else None
    if user is None or user.role != "broker" or not user.active:
        errors[key] = "技术经纪人不存在"
        return None
    return user
