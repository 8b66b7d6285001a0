"""The listing lifecycle (draft → pending → published → withdrawn/expired) and listing queries."""

from datetime import date

from sqlalchemy import and_, func, or_, select

from market import events
from market.clock import today_in_beijing
from market.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.listings import StatusNoteIn
from market.models import LISTING_MODELS, Equipment, EquipmentFee, Field, Organisation
from market.models.base import utcnow
from market.models.challenge import Challenge
from market.models.vocab import LISTING_KINDS, LISTING_STATUSES, REGIONS
from market.services import audit
from market.services.base import Page, paginate, parse_row_id, unit_of_work
from market.services.listing_gallery import remove_listing_files
from market.services.listing_rules import clean_listing
from market.services.permissions import can_create, can_manage, can_view, is_admin, require_admin
from market.services.settings import auto_publish_verified

KIND_LABELS = LISTING_KINDS

# action → (states it may start from, state it leads to)
TRANSITIONS = {
    "submit": ({"draft"}, "pending"),
    "approve": ({"pending"}, "published"),
    "reject": ({"pending"}, "draft"),
    "withdraw": ({"pending", "published"}, "withdrawn"),
    "reopen": ({"withdrawn", "expired"}, "draft"),
    "expire": ({"published"}, "expired"),
}
EDITABLE_STATES = {"draft", "pending", "published", "withdrawn"}
DELETABLE_STATES = {"draft", "withdrawn"}
ACTION_LABELS = {
    "submit": "提交",
    "approve": "审核通过",
    "reject": "退回",
    "withdraw": "撤回",
    "reopen": "重新编辑",
    "expire": "过期",
}


def today() -> date:
    """Today as people in the market count days: the Beijing date."""
    return today_in_beijing()


def model_for(kind: str):
    try:
        return LISTING_MODELS[kind]
    except KeyError:
        raise NotFound("未知的类型") from None


def _load(kind: str, listing_id) -> object:
    model = model_for(kind)
    row_id = parse_row_id(listing_id)
    listing = db.session.get(model, row_id) if row_id else None
    if listing is None:
        raise NotFound(f"该{KIND_LABELS[kind]}不存在")
    return listing


def get_listing(actor, kind: str, listing_id) -> object:
    """A listing the actor may see; drafts of others look like they do not exist."""
    listing = _load(kind, listing_id)
    if not can_view(actor, listing):
        raise NotFound(f"该{KIND_LABELS[kind]}不存在")
    return listing


def get_managed_listing(actor, kind: str, listing_id) -> object:
    """A listing the actor may change."""
    listing = _load(kind, listing_id)
    if not can_view(actor, listing):
        raise NotFound(f"该{KIND_LABELS[kind]}不存在")
    if not can_manage(actor, listing):
        raise PermissionDenied("只能修改本单位发布的内容")
    return listing


def _transition(actor, listing, action: str, note: str | None = None) -> None:
    sources, target = TRANSITIONS[action]
    if listing.status not in sources:
        raise InvalidTransition(f"当前状态为“{listing.status_label}”，不能{ACTION_LABELS[action]}")
    if action == "submit" and _publishes_directly(actor, listing):
        target = "published"
    if target == "published":
        if getattr(listing, "deadline", None) and listing.deadline < today():
            raise ValidationFailed({"deadline": "截止日期已过，请先修改截止日期"}, "截止日期已过，不能发布")
        listing.published_at = utcnow()
    audit.record(
        actor,
        f"{listing.kind}.{action}",
        listing.kind,
        listing.id,
        {"status": [listing.status, target], **({"note": note} if note else {})},
    )
    listing.status = target
    listing.review_note = note if action == "reject" else None
    if target == "published":  # followers of its organisation and field hear of it (services/follows)
        events.record("listing.published", kind=listing.kind, listing_id=listing.id)
    if action in ("approve", "reject") and is_call(listing):  # its owner hears of it (services/challenges)
        events.record("challenge.reviewed", demand_id=listing.id, decision=action)


def _publishes_directly(actor, listing) -> bool:
    if is_call(listing):  # a 揭榜挂帅 call always waits for an admin's review
        return False
    return is_admin(actor) or (auto_publish_verified() and listing.organisation.is_verified)


def is_call(listing) -> bool:
    """A demand carrying a 揭榜挂帅 call: changed, withdrawn and cancelled on the call's pages only."""
    return (
        listing.kind == "demand"
        and listing.id is not None
        and bool(db.session.scalar(select(Challenge.id).where(Challenge.demand_id == listing.id)))
    )


def _refuse_call(listing) -> None:
    if is_call(listing):
        raise InvalidTransition("这是揭榜挂帅榜单，请在榜单页面（/challenges）修改或终止")


def _apply(listing, values: dict) -> None:
    fee_items = values.pop("fee_items", None)
    for key, value in values.items():
        setattr(listing, key, value)
    if fee_items is not None:
        listing.fee_items = [EquipmentFee(position=i, **item) for i, item in enumerate(fee_items)]


def _owner_org_id(actor, data: dict) -> int:
    """Admins may publish for any organisation; everyone else publishes for their own."""
    if is_admin(actor) and data.get("org_id"):
        org_id = parse_row_id(data["org_id"]) if not isinstance(data["org_id"], bool) else None
        org = db.session.get(Organisation, org_id) if org_id else None
        if org is None:
            raise ValidationFailed({"org_id": "所属单位不存在"})
        return org.id
    if data.get("org_id") not in (None, "", actor.organisation_id, str(actor.organisation_id)):
        raise ValidationFailed({"org_id": "只有管理员可以代其他单位发布"})
    return actor.organisation_id


def _clean(kind: str, data: dict, partial: bool = False) -> dict:
    return clean_listing(kind, data, partial, today=today() if kind == "demand" else None)


def check_listing(actor, kind: str, data: dict) -> None:
    """Raise what create_listing would raise for this input, without writing anything."""
    model_for(kind)
    if not can_create(actor, kind):
        raise PermissionDenied(f"当前身份不能发布{KIND_LABELS[kind]}")
    _clean(kind, data)


@unit_of_work
def create_listing(actor, kind: str, data: dict, submit: bool = True) -> object:
    """Create a listing for the actor's organisation; submitting publishes or queues it for review."""
    model = model_for(kind)
    if not can_create(actor, kind):
        raise PermissionDenied(f"当前身份不能发布{KIND_LABELS[kind]}")
    values = _clean(kind, data)
    listing = model(org_id=_owner_org_id(actor, data), created_by_id=actor.id, status="draft")
    _apply(listing, values)
    db.session.add(listing)
    db.session.flush()
    db.session.refresh(listing)
    audit.record(actor, f"{kind}.create", kind, listing.id, {"title": listing.title})
    if submit:
        _transition(actor, listing, "submit")
    return listing


@unit_of_work
def update_listing(actor, kind: str, listing_id, data: dict, partial: bool = False) -> object:
    """Change a listing's content; a published one goes back to review unless its organisation skips
    review."""
    listing = get_managed_listing(actor, kind, listing_id)
    _refuse_call(listing)
    require_editable(listing)
    values = _clean(kind, data, partial)
    changes = audit.diff(listing, {k: v for k, v in values.items() if k != "fee_items"})
    if "fee_items" in values:
        changes["fee_items"] = "updated"
    if "confidential_details" in changes:  # the audit log must not become a way around the NDA
        changes["confidential_details"] = "updated"
    _apply(listing, values)
    audit.record(actor, f"{kind}.update", kind, listing.id, changes)
    back_to_review(actor, listing)
    return listing


def require_editable(listing) -> None:
    """Only a listing in an editable state changes (an expired one is reopened first)."""
    if listing.status not in EDITABLE_STATES:
        raise InvalidTransition(f"当前状态为“{listing.status_label}”，请先重新编辑再修改")


def back_to_review(actor, listing) -> None:
    """A published listing that changed goes back to review unless its organisation skips review."""
    if listing.status == "published" and not _publishes_directly(actor, listing):
        audit.record(
            actor, f"{listing.kind}.resubmit", listing.kind, listing.id, {"status": ["published", "pending"]}
        )
        listing.status = "pending"


@unit_of_work
def change_status(actor, kind: str, listing_id, action: str, note: str = "") -> object:
    """Move a listing through its lifecycle: submit, withdraw, reopen (owners); approve, reject (admins)."""
    if action not in ("submit", "withdraw", "reopen", "approve", "reject"):
        raise InvalidTransition("未知的操作")
    if action in ("approve", "reject"):
        if not is_admin(actor):
            get_listing(actor, kind, listing_id)  # others' unpublished listings look like they do not exist
        require_admin(actor)
        listing = _load(kind, listing_id)
    else:
        listing = get_managed_listing(actor, kind, listing_id)
        _refuse_call(listing)
    note = StatusNoteIn.clean({"note": note}).get("note") or ""
    if action == "reject" and not note:
        raise ValidationFailed({"note": "请填写退回原因"})
    _transition(actor, listing, action, note or None)
    return listing


@unit_of_work
def delete_listing(actor, kind: str, listing_id) -> None:
    """Delete a draft or withdrawn listing for good, with its pictures and documents."""
    listing = get_managed_listing(actor, kind, listing_id)
    _refuse_call(listing)
    if listing.status not in DELETABLE_STATES:
        raise InvalidTransition("只能删除草稿或已撤回的内容，已发布的请先撤回")
    files = remove_listing_files(kind, listing.id)
    audit.record(
        actor,
        f"{kind}.delete",
        kind,
        listing.id,
        {"title": listing.title, **({"files": files} if files else {})},
    )
    db.session.delete(listing)


@unit_of_work
def expire_overdue_listings(on: date | None = None) -> int:
    """Mark published demands whose deadline has passed as expired; returns how many."""
    on = on or today()
    model = model_for("demand")
    overdue = list(db.session.scalars(select(model).where(model.status == "published", model.deadline < on)))
    for listing in overdue:
        _transition(None, listing, "expire")
    return len(overdue)


# ---- queries -------------------------------------------------------------------------------------


def _public_condition(model, status: str):
    """Published means live: a demand past its deadline counts as expired even before the sweep."""
    if model.kind != "demand":
        return model.status == ("expired" if status == "expired" else "published")
    live = and_(model.status == "published", or_(model.deadline.is_(None), model.deadline >= today()))
    if status == "expired":
        return or_(model.status == "expired", and_(model.status == "published", model.deadline < today()))
    return live


def live_condition(model):
    """The listings everyone sees as current: published (a demand also before its deadline)."""
    return _public_condition(model, "published")


def _filtered(model, filters: dict):
    query = select(model).join(Organisation, model.org_id == Organisation.id)
    if (org_id := filters.get("org_id")) is not None:  # an organisation's page, never from the query string
        query = query.where(model.org_id == org_id)
    if name := filters.get("field"):
        query = query.join(Field, model.field_id == Field.id).where(Field.name == name)
    if (region := filters.get("region")) in REGIONS:
        query = query.where(Organisation.region == region)
    if q := (filters.get("q") or "").strip()[:100]:
        title_col = model.name if model is Equipment else model.title
        query = query.where(title_col.contains(q, autoescape=True))
    if model.kind == "achievement":
        if filters.get("maturity"):
            query = query.where(model.maturity == filters["maturity"])
        if (max_price := filters.get("price_max_fen")) is not None:
            query = query.where(model.price_fen <= max_price)
    if model.kind == "demand":
        if (low := filters.get("budget_min_fen")) is not None:
            query = query.where(or_(model.budget_max_fen.is_(None), model.budget_max_fen >= low))
        if (high := filters.get("budget_max_fen")) is not None:
            query = query.where(or_(model.budget_min_fen.is_(None), model.budget_min_fen <= high))
        if filters.get("open_call"):
            query = query.where(model.open_call.is_(True))
    if model.kind == "equipment":
        if filters.get("category"):
            query = query.where(model.category == filters["category"])
        if filters.get("open_for_booking"):
            query = query.where(model.open_for_booking.is_(True))
    return query


def list_public_listings(kind: str, filters: dict, page=1, per_page=20) -> Page:
    """Published (or, on request, expired) listings for everyone, newest first."""
    model = model_for(kind)
    query = _filtered(model, filters).where(_public_condition(model, filters.get("status", "published")))
    return paginate(query.order_by(model.published_at.desc(), model.id.desc()), page, per_page)


def list_managed_listings(actor, kind: str, filters: dict, page=1, per_page=20) -> Page:
    """The listings of the actor's organisation in every state (all listings for admins)."""
    model = model_for(kind)
    query = _filtered(model, filters)
    if not is_admin(actor):
        query = query.where(model.org_id == actor.organisation_id)
    if (status := filters.get("status")) in LISTING_STATUSES:
        query = query.where(model.status == status)
    return paginate(query.order_by(model.updated_at.desc(), model.id.desc()), page, per_page)


def review_queue(actor, kind: str, page=1, per_page=20) -> Page:
    """Listings waiting for review, oldest first."""
    require_admin(actor)
    model = model_for(kind)
    return paginate(
        select(model).where(model.status == "pending").order_by(model.updated_at, model.id), page, per_page
    )


def pending_counts(actor) -> dict:
    require_admin(actor)
    return {
        kind: db.session.scalar(select(func.count()).select_from(m).where(m.status == "pending"))
        for kind, m in LISTING_MODELS.items()
    }


def home_summary() -> dict:
    """Counts of live listings and the latest few of each kind for the home page."""
    summary = {}
    for kind, model in LISTING_MODELS.items():
        condition = _public_condition(model, "published")
        summary[kind] = {
            "count": db.session.scalar(select(func.count()).select_from(model).where(condition)),
            "latest": list(
                db.session.scalars(
                    select(model)
                    .where(condition)
                    .order_by(model.published_at.desc(), model.id.desc())
                    .limit(6)
                ).unique()
            ),
        }
    return summary
