"""Deals (对接): an enterprise, a university or a broker opens one; a broker carries it to a registered contract.

Stages: 意向 intent → 对接洽谈 negotiation → 签约 signing → 登记 registered, or 终止 terminated (with a reason) from
any open stage. No stage is skipped, a closed deal never moves, and 登记 is reached only when the contract the
deal opened at 签约 is registered.
"""
import hashlib
import os
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from market import events
from market.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.models import Achievement, BrokerProfile, Demand, User
from market.models.base import utcnow
from market.models.contract import Contract
from market.models.deal import OPEN_DEAL_STAGES, Deal, DealEvent, DealMessage, DealNda
from market.models.vocab import DEAL_NOTE_KINDS, DEAL_STAGES, DEAL_TERMINATION_REASONS
from market.money import fen_to_yuan
from market.services import audit
from market.services.base import Page, on_rollback, paginate, parse_row_id, unit_of_work, upsert_insert
from market.services.contracts import write_contract_draft
from market.services.notifications import add_notifications
from market.services.permissions import can_manage, is_admin, is_signed_in
from market.services.settings import deal_stale_days
from market.services.text import Cleaner
from market.storage import attachment_dir

OPEN_STAGES = OPEN_DEAL_STAGES
TRANSITIONS = {  # what a person may move a deal to; signing → registered happens through the contract register
    "intent": ("negotiation", "terminated"),
    "negotiation": ("signing", "terminated"),
    "signing": ("terminated",),
    "registered": (),
    "terminated": (),
}
NDA_VERSION = "2026-12"
NDA_TEXT = ("本单位承诺：对通过本次对接获知的对方未公开技术信息、商业信息予以保密，仅用于评估和洽谈本次合作，"
            "未经对方书面同意不向第三方披露，不用于本次合作以外的目的；对接终止后仍承担保密义务。")
MAX_MESSAGE_CHARS = 5000
MAX_FILE_BYTES = 10 * 1024 * 1024
# First bytes of the file types a deal's thread accepts: PDF, PNG, JPEG, Office documents (zip), plain text.
FILE_SIGNATURES = {".pdf": (b"%PDF-",), ".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",),
                   ".jpeg": (b"\xff\xd8\xff",), ".docx": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",),
                   ".pptx": (b"PK\x03\x04",), ".txt": ()}
DEFAULT_STALE_DAYS = 14


# ---- who may do what ---------------------------------------------------------------------------------

def is_party(actor, deal: Deal) -> bool:
    """A member of the seller or the buyer organisation."""
    return (is_signed_in(actor) and actor.role != "viewer" and actor.organisation_id is not None
            and actor.organisation_id in (deal.seller_org_id, deal.buyer_org_id))


def is_deal_broker(actor, deal: Deal) -> bool:
    return is_signed_in(actor) and deal.broker_id is not None and deal.broker_id == actor.id


def can_view_deal(actor, deal: Deal) -> bool:
    """Parties, the deal's broker and admins; nobody else learns that the deal exists."""
    return is_admin(actor) or is_party(actor, deal) or is_deal_broker(actor, deal)


def can_act(actor, deal: Deal) -> bool:
    """Who may write in the deal and move it: parties, its broker, admins."""
    return can_view_deal(actor, deal)


def get_deal(actor, deal_id) -> Deal:
    """A deal the actor takes part in (or any deal, for admins)."""
    row_id = parse_row_id(deal_id)
    deal = db.session.get(Deal, row_id) if row_id else None
    if deal is None or not can_view_deal(actor, deal):
        raise NotFound("该对接不存在")
    return deal


def _require_broker(actor) -> None:
    if not (is_signed_in(actor) and actor.role == "broker"):
        raise PermissionDenied("只有技术经纪人可以执行此操作")


def _record(deal: Deal, kind: str, actor, from_stage=None, to_stage=None, at: datetime | None = None) -> None:
    at = at or utcnow()
    db.session.add(DealEvent(deal_id=deal.id, kind=kind, from_stage=from_stage, to_stage=to_stage,
                             actor_id=getattr(actor, "id", None), created_at=at))
    deal.last_activity_at = at


def _announce(event: str, deal: Deal, actor, title: str, include_parties: bool = True,
              include_broker: bool = True) -> None:
    """Record what happened in a deal; its people (not whoever acted) are told by the worker."""
    events.record(event, deal_id=deal.id, actor_id=getattr(actor, "id", None), title=title,
                  parties=include_parties, broker=include_broker)


@events.subscribe("deal.opened", "deal.broker_claimed", "deal.broker_assigned", "deal.stage_changed",
                  "deal.message_posted")
def notify_deal_people(payload: dict) -> None:
    """Tell a deal's parties and its broker what happened."""
    deal = db.session.get(Deal, payload["deal_id"])
    if deal is not None:
        _notify(deal, payload.get("actor_id"), payload["title"], payload.get("parties", True),
                payload.get("broker", True))


@events.subscribe("deal.broker_requested")
def notify_requested_broker(payload: dict) -> None:
    """Tell a broker that a party asked them to take a deal."""
    add_notifications([payload["broker_id"]], "deal", title=payload["title"], link="/deals/claimable")


def _notify(deal: Deal, actor_id: int | None, title: str, include_parties: bool = True,
            include_broker: bool = True) -> None:
    users = set()
    if include_parties:
        users |= set(db.session.scalars(select(User.id).where(
            User.organisation_id.in_([deal.seller_org_id, deal.buyer_org_id]), User.active.is_(True),
            User.role != "viewer")))
    if include_broker and deal.broker_id:
        users.add(deal.broker_id)
    users.discard(actor_id)
    add_notifications(sorted(users), "deal", title=title, link=f"/deals/{deal.id}")


# ---- opening -----------------------------------------------------------------------------------------

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
    if not (is_signed_in(actor) and actor.role in ("university", "enterprise", "broker") and actor.is_verified
            and actor.organisation_id):
        raise PermissionDenied("请使用已通过平台认证的高校院所、企业或技术经纪人账号发起对接")
    data = data or {}
    errors: dict = {}
    achievement = demand = None
    if data.get("achievement_id") not in (None, ""):
        achievement = _published(Achievement, data.get("achievement_id"), "科技成果", errors, "achievement_id")
    if data.get("demand_id") not in (None, ""):
        demand = _published(Demand, data.get("demand_id"), "技术需求", errors, "demand_id")
    if achievement is None and demand is None and not errors:
        errors["achievement_id"] = "请指明要对接的科技成果或技术需求"
    c = Cleaner(data)
    c.text("message", "留言", max_len=MAX_MESSAGE_CHARS, multiline=True)
    errors.update(c.errors)
    requested = _broker_user(data.get("requested_broker_id"), errors)
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
    existing = _open_deal(seller_id, buyer_id, achievement, demand)
    if existing is not None:
        _ask_again(existing, actor, c.values.get("message"))
        return existing, False
    subject = achievement or demand
    title = f"{achievement.title} × {demand.title}" if achievement and demand else f"对接：{subject.title}"
    values = dict(title=title[:200], achievement_id=getattr(achievement, "id", None),
                  demand_id=getattr(demand, "id", None), seller_org_id=seller_id, buyer_org_id=buyer_id,
                  field_id=subject.field_id, opened_by_id=actor.id, stage="intent",
                  requested_broker_id=getattr(requested, "id", None))
    if actor.role == "broker":
        values.update(broker_id=actor.id, broker_assigned_at=utcnow())
    # The partial unique indexes keep one open deal per pair: of concurrent opens, one inserts, the others
    # find its deal (the insert waits for the first to commit on both databases).
    deal_id = db.session.execute(upsert_insert(Deal).values(**values).on_conflict_do_nothing().returning(Deal.id)).scalar()
    if deal_id is None:
        existing = _open_deal(seller_id, buyer_id, achievement, demand)
        if existing is None:  # the other deal closed in the same instant
            raise Conflict("同一对接正在被同时发起或关闭，请稍后重试")
        _ask_again(existing, actor, c.values.get("message"))
        return existing, False
    deal = db.session.get(Deal, deal_id)
    _record(deal, "opened", actor, to_stage="intent")
    if c.values.get("message"):
        db.session.add(DealMessage(deal_id=deal.id, author_id=actor.id, kind="message", body=c.values["message"]))
    audit.record(actor, "deal.open", "deal", deal.id, {"seller_org_id": seller_id, "buyer_org_id": buyer_id,
                                                       "achievement_id": deal.achievement_id, "demand_id": deal.demand_id})
    _announce("deal.opened", deal, actor, f"新的对接：{deal.title[:60]}")
    if requested is not None and requested.id != actor.id:
        events.record("deal.broker_requested", deal_id=deal.id, broker_id=requested.id,
                      title=f"有机构请您担任对接经纪人：{deal.title[:50]}")
    return deal, True


def _open_deal(seller_id: int, buyer_id: int, achievement, demand) -> Deal | None:
    return db.session.scalar(select(Deal).where(
        Deal.seller_org_id == seller_id, Deal.buyer_org_id == buyer_id, Deal.stage.in_(OPEN_STAGES),
        Deal.achievement_id == achievement.id if achievement else Deal.achievement_id.is_(None),
        Deal.demand_id == demand.id if demand else Deal.demand_id.is_(None)))


def _take(deal: Deal, broker) -> bool:
    """Make broker the deal's broker if it still has none and is open: one conditional update, so that of two
    brokers claiming at once exactly one wins, on both databases."""
    now = utcnow()
    result = db.session.execute(
        update(Deal).where(Deal.id == deal.id, Deal.broker_id.is_(None), Deal.stage.in_(OPEN_STAGES))
        .values(broker_id=broker.id, broker_assigned_at=now).execution_options(synchronize_session=False))
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
        _announce("deal.broker_claimed", deal, actor, f"技术经纪人{actor.display_name}接手了对接：{deal.title[:50]}",
                  include_broker=False)
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


# ---- brokers -----------------------------------------------------------------------------------------

def _specialty_ids(broker) -> set[int]:
    profile = db.session.scalar(select(BrokerProfile).where(BrokerProfile.user_id == broker.id))
    return {f.id for f in profile.specialties} if profile else set()


def claimable_deals(actor, page=1, per_page=20) -> Page:
    """Open deals without a broker in the broker's specialty fields, or that a party asked this broker to take."""
    _require_broker(actor)
    fields = _specialty_ids(actor)
    query = (select(Deal).where(Deal.broker_id.is_(None), Deal.stage.in_(OPEN_STAGES))
             .where(or_(Deal.field_id.in_(fields or {-1}), Deal.requested_broker_id == actor.id))
             .order_by(Deal.created_at.desc(), Deal.id.desc()))
    return paginate(query, page, per_page)


@unit_of_work
def claim_deal(actor, deal_id) -> Deal:
    """A broker takes an unassigned open deal in one of their fields (or one they were asked to take)."""
    _require_broker(actor)
    row_id = parse_row_id(deal_id)
    deal = db.session.get(Deal, row_id) if row_id else None
    if deal is None or not (deal.field_id in _specialty_ids(actor) or deal.requested_broker_id == actor.id
                            or is_deal_broker(actor, deal)):
        raise NotFound("该对接不存在")
    if deal.broker_id is not None:
        raise InvalidTransition("该对接已有技术经纪人" if deal.broker_id != actor.id else "您已是该对接的技术经纪人")
    if not deal.is_open:
        raise InvalidTransition("该对接已结束")
    if not _take(deal, actor):
        raise Conflict("该对接刚刚已由其他技术经纪人接手")
    _record(deal, "broker", actor)
    audit.record(actor, "deal.claim", "deal", deal.id, {"broker_id": actor.id})
    _announce("deal.broker_claimed", deal, actor, f"技术经纪人{actor.display_name}接手了对接：{deal.title[:50]}",
              include_broker=False)
    return deal


@unit_of_work
def assign_broker(actor, deal_id, broker_id) -> Deal:
    """An admin assigns (or changes) a deal's broker."""
    if not is_admin(actor):
        raise PermissionDenied("仅管理员可以指派技术经纪人")
    deal = get_deal(actor, deal_id)
    errors: dict = {}
    broker = _broker_user(broker_id, errors, "broker_id")
    if broker is None and not errors:
        errors["broker_id"] = "请选择技术经纪人"
    if errors:
        raise ValidationFailed(errors)
    if not deal.is_open:
        raise InvalidTransition("已结束的对接不能更换技术经纪人")
    before = deal.broker_id
    deal.broker_id, deal.broker_assigned_at = broker.id, utcnow()
    _record(deal, "broker", actor)
    audit.record(actor, "deal.assign", "deal", deal.id, {"broker_id": [before, broker.id]})
    _announce("deal.broker_assigned", deal, actor, f"管理员指派{broker.display_name}为对接经纪人：{deal.title[:50]}")
    return deal


@unit_of_work
def request_broker(actor, deal_id, broker_id) -> Deal:
    """A party asks a particular broker to take the deal; the broker can then claim it."""
    deal = get_deal(actor, deal_id)
    if not (is_party(actor, deal) or is_admin(actor)):
        raise PermissionDenied("只有对接双方可以邀请技术经纪人")
    errors: dict = {}
    broker = _broker_user(broker_id, errors, "broker_id")
    if broker is None and not errors:
        errors["broker_id"] = "请选择技术经纪人"
    if errors:
        raise ValidationFailed(errors)
    if deal.broker_id is not None or not deal.is_open:
        raise InvalidTransition("该对接已有技术经纪人或已结束")
    deal.requested_broker_id = broker.id
    _record(deal, "broker", actor)
    audit.record(actor, "deal.request_broker", "deal", deal.id, {"requested_broker_id": broker.id})
    events.record("deal.broker_requested", deal_id=deal.id, broker_id=broker.id,
                  title=f"有机构请您担任对接经纪人：{deal.title[:50]}")
    return deal


# ---- stages ------------------------------------------------------------------------------------------

@unit_of_work
def move_stage(actor, deal_id, to: str, reason: str | None = None, note: str | None = None) -> Deal:
    """Move a deal one stage on, or end it with a reason; 签约 opens a prefilled contract draft."""
    deal = get_deal(actor, deal_id)
    if not can_act(actor, deal):
        raise PermissionDenied("只有对接双方、技术经纪人或管理员可以推进对接")
    if not isinstance(to, str) or to not in DEAL_STAGES:  # a JSON list or object is unhashable
        raise ValidationFailed({"stage": "阶段无效，可选：" + "、".join(DEAL_STAGES.values())})
    if to not in TRANSITIONS[deal.stage]:
        if to == "registered":
            raise InvalidTransition("合同登记后对接自动进入“登记”阶段")
        raise InvalidTransition(f"对接处于“{deal.stage_label}”阶段，不能变为“{DEAL_STAGES[to]}”")
    if to == "terminated":
        c = Cleaner({"reason": reason, "note": note})
        c.choice("reason", "终止原因", tuple(DEAL_TERMINATION_REASONS),
                 synonyms={v: k for k, v in DEAL_TERMINATION_REASONS.items()}, required=True)
        c.text("note", "说明", max_len=500, multiline=True)
        values = c.done()
        deal.termination_reason, deal.termination_note = values["reason"], values.get("note")
    before = deal.stage
    if to == "signing":
        try:
            deal.contract_id = _contract_draft(actor, deal).id
        except ValidationFailed as exc:  # e.g. a party lost its verification: say why, not which form field
            raise InvalidTransition("无法生成合同草稿：" + "；".join(exc.fields.values())) from None
    deal.stage, deal.stage_changed_at = to, utcnow()
    _record(deal, "stage", actor, before, to)
    audit.record(actor, "deal.stage", "deal", deal.id, {"stage": [before, to], "reason": deal.termination_reason})
    _announce("deal.stage_changed", deal, actor, f"对接“{deal.title[:50]}”进入{deal.stage_label}阶段")
    return deal


def _contract_draft(actor, deal: Deal) -> Contract:
    """The contract draft a deal opens at 签约: parties, listings, broker and field filled in."""
    field = deal.field.name if deal.field else "其他"
    achievement = deal.achievement
    return write_contract_draft(actor, {
        "number": f"DJ-{deal.id}", "title": deal.title[:200], "contract_type": "transfer" if achievement else "development",
        "subtype": "patent" if achievement and achievement.patent_numbers else ("know_how" if achievement else None),
        "seller_org_id": deal.seller_org_id, "buyer_org_id": deal.buyer_org_id, "broker_id": deal.broker_id,
        "achievement_id": deal.achievement_id, "demand_id": deal.demand_id,
        "amount": str(fen_to_yuan(achievement.price_fen)) if achievement and achievement.price_fen else "0",
        "payment_mode": "lump_sum", "signed_on": date.today().isoformat(), "field": field,
    })


@events.subscribe("contract.registered")
def follow_contract_registration(payload: dict) -> None:
    """The deal that opened a contract reaches 登记 when the register registers it."""
    contract = db.session.get(Contract, payload["contract_id"])
    deal = db.session.scalar(select(Deal).where(Deal.contract_id == contract.id)) if contract else None
    if deal is None or deal.stage != "signing" or contract.status != "registered":
        return
    actor = db.session.get(User, payload["actor_id"]) if payload.get("actor_id") else None
    at = contract.registered_at or utcnow()
    deal.stage, deal.stage_changed_at = "registered", at
    _record(deal, "stage", actor, "signing", "registered", at=at)
    audit.record(actor, "deal.stage", "deal", deal.id, {"stage": ["signing", "registered"],
                                                       "registration_number": contract.registration_number})
    _notify(deal, getattr(actor, "id", None), f"对接“{deal.title[:50]}”的合同已登记")


@unit_of_work
def set_next_action(actor, deal_id, data: dict) -> Deal:
    """The broker (or an admin) notes the next step and when it is due."""
    deal = get_deal(actor, deal_id)
    if not (is_deal_broker(actor, deal) or is_admin(actor)):
        raise PermissionDenied("只有该对接的技术经纪人可以安排下一步")
    c = Cleaner(data or {})
    c.text("next_action", "下一步", max_len=200)
    c.date("next_action_due", "截止日期")
    values = c.done()
    changes = audit.diff(deal, values)
    for name, value in values.items():
        setattr(deal, name, value)
    deal.last_activity_at = utcnow()
    audit.record(actor, "deal.next_action", "deal", deal.id, changes)
    return deal


# ---- messages, notes, NDA ------------------------------------------------------------------------------

def _check_file(filename: str, content: bytes) -> tuple[str, str]:
    name = os.path.basename((filename or "").replace("\\", "/")).strip()[:200]
    extension = Path(name).suffix.lower()
    if extension not in FILE_SIGNATURES:
        raise ValidationFailed({"file": "附件只接受 PDF、PNG、JPG、Word/Excel/PPT（docx/xlsx/pptx）或 txt 文件"})
    if len(content) > MAX_FILE_BYTES:
        raise ValidationFailed({"file": f"附件不能超过 {MAX_FILE_BYTES // 1024 // 1024} MB"})
    signatures = FILE_SIGNATURES[extension]
    if signatures and not content.startswith(signatures):
        raise ValidationFailed({"file": "文件内容与扩展名不符"})
    if extension == ".txt" and b"\x00" in content:
        raise ValidationFailed({"file": "文件内容与扩展名不符"})
    return name, f"{uuid.uuid4().hex}{extension}"


@unit_of_work
def post_message(actor, deal_id, body: str, filename: str | None = None, content: bytes | None = None) -> DealMessage:
    """A message (and optionally a file) in the deal's thread; the others are notified."""
    deal = get_deal(actor, deal_id)
    if not can_act(actor, deal):
        raise PermissionDenied("只有对接双方、技术经纪人或管理员可以留言")
    c = Cleaner({"body": body})
    c.text("body", "留言", max_len=MAX_MESSAGE_CHARS, multiline=True)
    values = c.done()
    has_file = bool(content)
    if filename and content is not None and not content:
        raise ValidationFailed({"file": "文件为空，请重新选择"})
    if not values.get("body") and not has_file:
        raise ValidationFailed({"body": "请填写留言或选择附件"})
    message = DealMessage(deal_id=deal.id, author_id=actor.id, kind="message", body=values.get("body") or "")
    if has_file:
        name, stored = _check_file(filename, content)
        folder = attachment_dir("deals")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / stored
        on_rollback(path.unlink, missing_ok=True)  # before writing: a write that fails halfway leaves nothing either
        path.write_bytes(content)
        message.filename, message.stored_name, message.size = name, stored, len(content)
    db.session.add(message)
    db.session.flush()
    _record(deal, "message", actor)
    audit.record(actor, "deal.message", "deal", deal.id, {"message_id": message.id, "file": message.filename,
                                                          "sha256": hashlib.sha256(content).hexdigest() if has_file else None})
    _announce("deal.message_posted", deal, actor, f"对接“{deal.title[:40]}”有新留言")
    return message


@unit_of_work
def add_note(actor, deal_id, kind: str, body: str) -> DealMessage:
    """The broker's one-click note of a call or meeting (seen by the broker and admins only)."""
    deal = get_deal(actor, deal_id)
    if not (is_deal_broker(actor, deal) or is_admin(actor)):
        raise PermissionDenied("只有该对接的技术经纪人可以记录沟通")
    c = Cleaner({"kind": kind, "body": body})
    c.choice("kind", "记录类型", tuple(DEAL_NOTE_KINDS), synonyms={v: k for k, v in DEAL_NOTE_KINDS.items()}, required=True)
    c.text("body", "内容", max_len=MAX_MESSAGE_CHARS, multiline=True)
    values = c.done()
    note = DealMessage(deal_id=deal.id, author_id=actor.id, kind=values["kind"],
                       body=values.get("body") or DEAL_NOTE_KINDS[values["kind"]])
    db.session.add(note)
    db.session.flush()
    _record(deal, "note", actor)
    return note


def thread(actor, deal_id) -> list[DealMessage]:
    """The deal's messages, oldest first; brokers' notes only for the broker and admins."""
    deal = get_deal(actor, deal_id)
    query = select(DealMessage).where(DealMessage.deal_id == deal.id).options(selectinload(DealMessage.author))
    if not (is_deal_broker(actor, deal) or is_admin(actor)):
        query = query.where(DealMessage.kind == "message")
    return list(db.session.scalars(query.order_by(DealMessage.created_at, DealMessage.id)))


def message_file(actor, deal_id, message_id) -> tuple[DealMessage, Path]:
    """A file posted in a deal the actor takes part in."""
    deal = get_deal(actor, deal_id)
    row_id = parse_row_id(message_id)
    message = db.session.get(DealMessage, row_id) if row_id else None
    if message is None or message.deal_id != deal.id or not message.stored_name or message.kind != "message":
        raise NotFound("该附件不存在")
    path = attachment_dir("deals") / message.stored_name
    if not path.is_file():
        raise NotFound("附件文件已丢失")
    return message, path


@unit_of_work
def accept_nda(actor, deal_id) -> DealNda:
    """A party accepts the confidentiality agreement (click-through, timestamped) for its organisation."""
    deal = get_deal(actor, deal_id)
    if not is_party(actor, deal):
        raise PermissionDenied("只有对接双方可以签署保密协议")
    existing = db.session.scalar(select(DealNda).where(DealNda.deal_id == deal.id,
                                                       DealNda.org_id == actor.organisation_id))
    if existing is not None:
        return existing
    if not deal.is_open:  # a closed deal unlocks nothing new
        raise InvalidTransition("对接已结束，不能再签署保密协议")
    nda = DealNda(deal_id=deal.id, org_id=actor.organisation_id, user_id=actor.id, text_version=NDA_VERSION)
    db.session.add(nda)
    db.session.flush()
    _record(deal, "nda", actor)
    audit.record(actor, "deal.nda", "deal", deal.id, {"org_id": actor.organisation_id, "version": NDA_VERSION})
    return nda


def nda_accepted(deal: Deal, org_id: int | None) -> DealNda | None:
    return db.session.scalar(select(DealNda).where(DealNda.deal_id == deal.id, DealNda.org_id == org_id)) if org_id else None


def can_see_confidential(actor, achievement: Achievement) -> bool:
    """A result's confidential details: its owner and admins, or a party of a deal on it whose
    organisation accepted the confidentiality agreement there."""
    if can_manage(actor, achievement):
        return True
    if not (is_signed_in(actor) and actor.organisation_id and actor.role != "viewer"):  # a viewer is never a party
        return False
    return db.session.scalar(select(func.count()).select_from(DealNda).join(Deal, Deal.id == DealNda.deal_id).where(
        Deal.achievement_id == achievement.id, DealNda.org_id == actor.organisation_id,
        or_(Deal.seller_org_id == actor.organisation_id, Deal.buyer_org_id == actor.organisation_id))) > 0


# ---- lists -------------------------------------------------------------------------------------------

def stale_days() -> int:
    return deal_stale_days()


def visible_deals(actor):
    """A select of the deals the actor takes part in (all, for admins)."""
    query = select(Deal)
    if is_admin(actor):
        return query
    if not is_signed_in(actor) or actor.role == "viewer":
        return query.where(False)
    mine = [Deal.broker_id == actor.id]
    if actor.organisation_id is not None:
        mine += [Deal.seller_org_id == actor.organisation_id, Deal.buyer_org_id == actor.organisation_id]
    return query.where(or_(*mine))


def list_deals(actor, filters: dict, page=1, per_page=20) -> Page:
    """The actor's deals, latest activity first; filter by stage, or only the stale ones."""
    query = visible_deals(actor).options(selectinload(Deal.seller), selectinload(Deal.buyer), selectinload(Deal.broker))
    stage = str((filters or {}).get("stage") or "")
    if stage in DEAL_STAGES:
        query = query.where(Deal.stage == stage)
    elif stage == "open":
        query = query.where(Deal.stage.in_(OPEN_STAGES))
    if str((filters or {}).get("stale") or "") in ("1", "true"):
        query = query.where(Deal.stage.in_(OPEN_STAGES), Deal.last_activity_at < utcnow() - timedelta(days=stale_days()))
    return paginate(query.order_by(Deal.last_activity_at.desc(), Deal.id.desc()), page, per_page)


def board(actor, per_stage: int = 50) -> dict[str, list[Deal]]:
    """The actor's deals by stage (the board view), most recent activity first, at most per_stage per column."""
    result = {}
    for stage in DEAL_STAGES:
        query = visible_deals(actor).where(Deal.stage == stage).order_by(Deal.last_activity_at.desc(), Deal.id.desc())
        result[stage] = list(db.session.scalars(query.options(selectinload(Deal.seller), selectinload(Deal.buyer))
                                                .limit(per_stage)))
    return result


def is_stale(deal: Deal, now: datetime | None = None, days: int | None = None) -> bool:
    days = stale_days() if days is None else days
    return deal.is_open and deal.last_activity_at < (now or utcnow()) - timedelta(days=days)


@unit_of_work
def notify_stale_deals() -> int:
    """Tell each open deal's broker (or, without one, its parties) once per quiet spell that it went quiet."""
    days = stale_days()
    cutoff = utcnow() - timedelta(days=days)
    sent = 0
    for deal in db.session.scalars(select(Deal).where(Deal.stage.in_(OPEN_STAGES), Deal.last_activity_at < cutoff)):
        key = f"deal-stale:{deal.id}:{deal.last_activity_at.date().isoformat()}"
        if deal.broker_id:
            users = [deal.broker_id]
        else:
            users = list(db.session.scalars(select(User.id).where(
                User.organisation_id.in_([deal.seller_org_id, deal.buyer_org_id]), User.active.is_(True),
                User.role != "viewer")))
        sent += add_notifications(users, "deal", title=f"对接“{deal.title[:40]}”已 {days} 天没有进展",
                                  link=f"/deals/{deal.id}", dedupe_key=key)
    return sent


# ---- broker performance (考核) ------------------------------------------------------------------------

def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _moments(start: date, end: date) -> tuple[datetime, datetime]:
    from datetime import time, timezone

    return (datetime.combine(start, time.min, tzinfo=timezone.utc),
            datetime.combine(end, time.max, tzinfo=timezone.utc))


def broker_figures(broker_id: int, start: date, end: date) -> dict:
    """One broker's figures for deals assigned within [start, end]: opened, reached each stage, median days
    in each stage, median hours to the first reply, and the registered contract volume signed in the period."""
    since, until = _moments(start, end)
    deal_rows = list(db.session.execute(select(Deal.id, Deal.broker_assigned_at, Deal.created_at).where(
        Deal.broker_id == broker_id, func.coalesce(Deal.broker_assigned_at, Deal.created_at) >= since,
        func.coalesce(Deal.broker_assigned_at, Deal.created_at) <= until)))
    ids = [row.id for row in deal_rows]
    events = list(db.session.execute(select(DealEvent.deal_id, DealEvent.kind, DealEvent.to_stage, DealEvent.actor_id,
                                            DealEvent.created_at).where(DealEvent.deal_id.in_(ids or [-1]))
                                     .order_by(DealEvent.deal_id, DealEvent.created_at, DealEvent.id)))
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
        replies = [e.created_at for e in rows if e.kind in ("message", "note") and e.actor_id == broker_id
                   and e.created_at >= assigned[deal_id]]
        if replies:
            first_reply.append((replies[0] - assigned[deal_id]).total_seconds() / 3600)
    volume = db.session.execute(select(func.count(), func.coalesce(func.sum(Contract.amount_fen), 0)).where(
        Contract.broker_id == broker_id, Contract.status == "registered", Contract.signed_on >= start,
        Contract.signed_on <= end)).one()
    opened = len(ids)
    return {
        "opened": opened,
        "reached": reached,
        "conversion": {stage: (reached[stage] / opened if opened else None) for stage in ("negotiation", "signing", "registered")},
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
