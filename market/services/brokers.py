"""Broker profiles: specialties, certification level, bio."""
from sqlalchemy import select

from market.errors import NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.models import BrokerProfile, Field, User
from market.models.vocab import CERTIFICATION_LEVELS
from market.services import audit
from market.services.base import Page, paginate, unit_of_work
from market.services.permissions import is_admin
from market.services.text import Cleaner


def list_brokers(filters: dict, page=1, per_page=20) -> Page:
    """Active brokers, optionally in one specialty field."""
    query = select(BrokerProfile).join(User).where(User.active.is_(True), User.role == "broker").order_by(BrokerProfile.id)
    if name := filters.get("field"):
        query = query.where(BrokerProfile.specialties.any(Field.name == name))
    return paginate(query, page, per_page)


def get_broker(profile_id) -> BrokerProfile:
    profile = db.session.get(BrokerProfile, profile_id)
    if profile is None or profile.user.role != "broker" or not profile.user.active:
        raise NotFound("该经纪人不存在")
    return profile


@unit_of_work
def update_broker_profile(actor, user_id: int, data: dict) -> BrokerProfile:
    """A broker edits their own profile; only admins set the certification level."""
    user = db.session.get(User, user_id)
    if user is None or user.role != "broker":
        raise NotFound("该经纪人不存在")
    if not (is_admin(actor) or actor.id == user.id):
        raise PermissionDenied("只能修改自己的经纪人资料")
    c = Cleaner(data, partial=True)
    c.text("bio", "个人简介", max_len=2000, multiline=True)
    c.text_list("specialties", "擅长领域", max_items=6, max_len=40)
    if "certification_level" in data:
        if not is_admin(actor):
            c.fail("certification_level", "认证等级由管理员设置")
        else:
            c.choice("certification_level", "认证等级", tuple(CERTIFICATION_LEVELS))
    values = c.done()
    profile = user.broker_profile or BrokerProfile(user=user)
    if "specialties" in values:
        names = values.pop("specialties")
        fields = list(db.session.scalars(select(Field).where(Field.name.in_(names), Field.active.is_(True))))
        if len(fields) != len(names):
            raise ValidationFailed({"specialties": "擅长领域须从技术领域列表中选择"})
        profile.specialties = fields
        values["specialties"] = names
    if values.get("bio") is None:
        values.pop("bio", None)
    for key in ("bio", "certification_level"):
        if key in values:
            setattr(profile, key, values[key])
    db.session.add(profile)
    db.session.flush()
    audit.record(actor, "broker.update", "broker_profile", profile.id, values)
    return profile
