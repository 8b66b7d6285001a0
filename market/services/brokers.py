"""Broker profiles: specialties, certification level, bio, and each broker's track record (成交)."""

from dataclasses import dataclass

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import selectinload

from market.errors import NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.brokers import BrokerProfileIn
from market.models import BrokerProfile, Field, Organisation, User
from market.models.contract import Contract
from market.models.deal import Deal
from market.services import audit
from market.services.base import Page, paginate, parse_row_id, unit_of_work
from market.services.filters import query_text
from market.services.permissions import is_admin


@dataclass(frozen=True)
class TrackRecord:
    """A broker's 成交 record: the registered contracts naming them as broker (their count and 合同金额), and
    how many of those came from a deal on the platform. A contract is often registered without a deal (the
    parties met elsewhere), so those are a part of the contracts, never a second, different count.
    `deals_closed` (deals of theirs that reached 登记, for the API) counts by the deal's broker instead."""

    deals_closed: int = 0
    contracts: int = 0
    amount_fen: int = 0  # 合同金额 of those registered contracts
    contracts_via_deals: int = 0


def track_records(user_ids) -> dict[int, TrackRecord]:
    """The track records of these brokers (by user id), all in one grouped query."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    closed = (
        select(Deal.broker_id.label("user_id"), func.count().label("deals"))
        .where(Deal.broker_id.in_(ids), Deal.stage == "registered")
        .group_by(Deal.broker_id)
        .subquery()
    )
    from_deal = exists().where(Deal.contract_id == Contract.id)
    registered = (
        select(
            Contract.broker_id.label("user_id"),
            func.count().label("contracts"),
            func.sum(Contract.amount_fen).label("amount_fen"),
            func.sum(case((from_deal, 1), else_=0)).label("via_deals"),
        )
        .where(Contract.broker_id.in_(ids), Contract.status == "registered")
        .group_by(Contract.broker_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            User.id,
            func.coalesce(closed.c.deals, 0),
            func.coalesce(registered.c.contracts, 0),
            func.coalesce(registered.c.amount_fen, 0),
            func.coalesce(registered.c.via_deals, 0),
        )
        .outerjoin(closed, closed.c.user_id == User.id)
        .outerjoin(registered, registered.c.user_id == User.id)
        .where(User.id.in_(ids))
    )
    found = {
        user_id: TrackRecord(int(deals), int(contracts), int(amount), int(via))
        for user_id, deals, contracts, amount, via in rows
    }
    return {i: found.get(i, TrackRecord()) for i in ids}


def _with_track_records(profiles):
    """Give each profile its track_record (read by the directory pages and the API)."""
    records = track_records(p.user_id for p in profiles)
    for profile in profiles:
        profile.track_record = records.get(profile.user_id, TrackRecord())
    return profiles


def list_brokers(filters: dict, page=1, per_page=20) -> Page:
    """Active brokers, optionally in one specialty field or matching words (name, organisation, bio), with
    records."""
    query = (
        select(BrokerProfile)
        .join(User)
        .where(User.active.is_(True), User.role == "broker")
        .options(
            selectinload(BrokerProfile.user).selectinload(User.organisation),
            selectinload(BrokerProfile.specialties),
        )
        .order_by(BrokerProfile.id)
    )
    if name := query_text(filters.get("field")):
        query = query.where(BrokerProfile.specialties.any(Field.name == name))
    if words := query_text(filters.get("q"))[:50]:
        query = query.where(
            or_(
                User.display_name.contains(words, autoescape=True),
                BrokerProfile.bio.contains(words, autoescape=True),
                User.organisation.has(Organisation.name.contains(words, autoescape=True)),
            )
        )
    result = paginate(query, page, per_page)
    _with_track_records(result.items)
    return result


def get_broker(profile_id) -> BrokerProfile:
    """An active broker's public profile, with its track record."""
    row_id = parse_row_id(profile_id)
    profile = db.session.get(BrokerProfile, row_id) if row_id else None
    if profile is None or profile.user.role != "broker" or not profile.user.active:
        raise NotFound("该经纪人不存在")
    return _with_track_records([profile])[0]


@unit_of_work
def update_broker_profile(actor, user_id: int, data: dict) -> BrokerProfile:
    """A broker edits their own profile; only admins set the certification level."""
    row_id = parse_row_id(user_id)
    user = db.session.get(User, row_id) if row_id else None
    if user is None or user.role != "broker":
        raise NotFound("该经纪人不存在")
    return _update_profile(actor, user, data)


@unit_of_work
def update_broker(actor, profile_id, data: dict) -> BrokerProfile:
    """The same change as update_broker_profile, with the broker named by the directory's profile id."""
    row_id = parse_row_id(profile_id)
    profile = db.session.get(BrokerProfile, row_id) if row_id else None
    # Deactivated brokers are out of the directory: only admins still reach their profile.
    if profile is None or profile.user.role != "broker" or not (profile.user.active or is_admin(actor)):
        raise NotFound("该经纪人不存在")
    return _update_profile(actor, profile.user, data)


def _update_profile(actor, user, data: dict) -> BrokerProfile:
    if not (is_admin(actor) or actor.id == user.id):
        raise PermissionDenied("只能修改自己的经纪人资料")
    errors = {}
    if "certification_level" in data and not is_admin(actor):
        errors["certification_level"] = "认证等级由管理员设置"
    values = BrokerProfileIn.clean(data, errors=errors)
    if errors:
        raise ValidationFailed(errors)
    profile = user.broker_profile or BrokerProfile(user=user)
    if "specialties" in values:
        names = values.pop("specialties")
        fields = list(db.session.scalars(select(Field).where(Field.name.in_(names), Field.active.is_(True))))
        if len(fields) != len(names):
            raise ValidationFailed({"specialties": "擅长领域须从技术领域列表中选择"})
        profile.specialties = fields
        values["specialties"] = names
    if "bio" in values:
        values["bio"] = values["bio"] or ""  # an emptied bio clears it (the column is NOT NULL)
    for key in ("bio", "certification_level"):
        if key in values:
            setattr(profile, key, values[key])
    db.session.add(profile)
    db.session.flush()
    audit.record(actor, "broker.update", "broker_profile", profile.id, values)
    return _with_track_records([profile])[0]
