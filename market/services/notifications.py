"""In-app notifications: added inside other units of work, read and dismissed by their owner."""

from datetime import datetime

from sqlalchemy import func, select, update

from market.errors import NotFound
from market.extensions import db
from market.models import Notification
from market.models.base import utcnow
from market.services.base import Page, clamp_paging, paginate, parse_row_id, unit_of_work, upsert_insert
from market.services.permissions import require_signed_in

CATEGORIES = {
    "match": "匹配推荐",
    "saved_search": "保存的搜索",
    "contract": "技术合同",
    "deal": "对接",
    "booking": "仪器预约",
}
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
    """Add one notification per user, skipping users who already have `dedupe_key`; flushes, never commits."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown notification category {category!r}")
    if link is not None and not _is_site_path(link):
        raise ValueError("notification links must be site-relative paths")  # never an open redirect
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
        for user_id in dict.fromkeys(user_ids)
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
