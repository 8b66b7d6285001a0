"""In-app notifications: added inside other units of work, read and dismissed by their owner."""

from datetime import datetime

from sqlalchemy import func, select, update

from market.errors import NotFound
from market.extensions import db
from market.inputs.follows import NotificationSettingsIn
from market.models import Notification, NotificationSetting
from market.models.base import utcnow
from market.services.base import Page, clamp_paging, paginate, parse_row_id, unit_of_work, upsert_insert
from market.services.permissions import require_signed_in

CATEGORIES = {
    "match": "匹配推荐",
    "saved_search": "保存的搜索",
    "contract": "技术合同",
    "deal": "对接",
    "booking": "仪器预约",
    "follow": "关注动态",
    "challenge": "揭榜挂帅",
}
# The categories a user may switch off (通知设置); the others concern the user's own deals, contracts and
# bookings and are always sent. No setting stored means on.
SWITCHABLE = {"follow": "关注动态"}
MAX_PAGE = 100_000  # an absurd page number must not overflow the database's OFFSET


def _is_site_path(link: str) -> bool:
    return link.startswith("/") and not link.startswith("//") and "\\" not in link


def add_notifications(
    user_ids,
    category: str,
    title: str,
    body: str | None = None,
    link: str | None = None,
    data: dict | None = None,
    dedupe_key: str | None = None,
) -> int:
    """Add one notification per user, skipping users who already have `dedupe_key` or switched the category
    off; flushes, never commits."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown notification category {category!r}")
    if link is not None and not _is_site_path(link):
        raise ValueError("notification links must be site-relative paths")  # never an open redirect
    user_ids = list(dict.fromkeys(user_ids))
    if category in SWITCHABLE and user_ids:
        off = set(
            db.session.scalars(
                select(NotificationSetting.user_id).where(
                    NotificationSetting.category == category,
                    NotificationSetting.enabled.is_(False),
                    NotificationSetting.user_id.in_(user_ids),
                )
            )
        )
        user_ids = [user_id for user_id in user_ids if user_id not in off]
    now = utcnow()
    rows = [
        {
            "user_id": user_id,
            "category": category,
            "title": title[:200],
            "body": body[:1000] if body else None,
            "link": link,
            "data": dict(data or {}),
            "dedupe_key": dedupe_key,
            "created_at": now,
        }
        for user_id in user_ids
    ]
    if not rows:
        return 0
    if dedupe_key is None:
        db.session.add_all(Notification(**row) for row in rows)
        db.session.flush()
        return len(rows)
    # ON CONFLICT DO NOTHING: a concurrent writer with the same key cannot make the caller's commit fail.
    statement = (
        upsert_insert(Notification)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
        .returning(Notification.id)
    )  # rowcount is -1 for multi-row inserts on psycopg
    return len(db.session.execute(statement).all())


def _visible(actor):
    return select(Notification).where(Notification.user_id == actor.id, Notification.dismissed_at.is_(None))


def list_notifications(actor, page=1, per_page=20, unread_only: bool = False) -> Page:
    """The actor's notifications, newest first; dismissed ones are gone."""
    require_signed_in(actor)
    page, per_page = clamp_paging(page, per_page)
    query = _visible(actor)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return paginate(
        query.order_by(Notification.created_at.desc(), Notification.id.desc()), min(page, MAX_PAGE), per_page
    )


def unread_count(actor) -> int:
    """How many of the actor's notifications are neither read nor dismissed (one COUNT query)."""
    require_signed_in(actor)
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == actor.id,
            Notification.read_at.is_(None),
            Notification.dismissed_at.is_(None),
        )
    )


def get_notification(actor, notification_id) -> Notification:
    """One of the actor's own visible notifications; anyone else's is NotFound, never forbidden."""
    require_signed_in(actor)
    row_id = parse_row_id(notification_id)
    notification = db.session.get(Notification, row_id) if row_id else None
    if notification is None or notification.user_id != actor.id or notification.dismissed_at is not None:
        raise NotFound("该通知不存在或已删除")
    return notification


@unit_of_work
def mark_read(actor, notification_id) -> Notification:
    """Mark one notification read (again is harmless)."""
    notification = get_notification(actor, notification_id)
    notification.read_at = notification.read_at or utcnow()
    return notification


@unit_of_work
def mark_all_read(actor, now: datetime | None = None) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    require_signed_in(actor)
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == actor.id,
            Notification.read_at.is_(None),
            Notification.dismissed_at.is_(None),
        )
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


@unit_of_work
def dismiss(actor, notification_id) -> None:
    """Hide a notification for good (it also stops counting as unread)."""
    notification = get_notification(actor, notification_id)
    now = utcnow()
    notification.dismissed_at = now
    notification.read_at = notification.read_at or now


# ---- settings ----------------------------------------------------------------------------------------


def notification_settings(actor) -> dict[str, bool]:
    """Whether each switchable category is notified to the actor (SWITCHABLE's order)."""
    require_signed_in(actor)
    stored = dict(
        db.session.execute(
            select(NotificationSetting.category, NotificationSetting.enabled).where(
                NotificationSetting.user_id == actor.id
            )
        ).all()
    )
    return {category: stored.get(category, True) for category in SWITCHABLE}


@unit_of_work
def update_notification_settings(actor, data: dict) -> dict[str, bool]:
    """Switch categories on or off for the actor (only those sent change); returns every setting."""
    require_signed_in(actor)
    values = NotificationSettingsIn.clean(data)
    now = utcnow()
    for category, enabled in values.items():
        db.session.execute(
            upsert_insert(NotificationSetting)
            .values(user_id=actor.id, category=category, enabled=enabled, updated_at=now)
            .on_conflict_do_update(
                index_elements=["user_id", "category"], set_={"enabled": enabled, "updated_at": now}
            )
        )
    return notification_settings(actor)
