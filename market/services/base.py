"""Unit-of-work decorator and pagination shared by all services."""
import math
from dataclasses import dataclass
from functools import wraps

from sqlalchemy import func, select

from market.extensions import db


MAX_ROW_ID = 2**31 - 1  # primary keys are INTEGER columns on PostgreSQL


def parse_row_id(value) -> int | None:
    """A primary key taken from user input, or None when it cannot name a row (not a number, out of range)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ROW_ID else None


def after_commit(fn, *args, **kwargs) -> None:
    """Run fn once the current unit of work has committed (file removals that must not precede the commit)."""
    db.session.info.setdefault("after_commit", []).append((fn, args, kwargs))


def on_rollback(fn, *args, **kwargs) -> None:
    """Run fn if the current unit of work rolls back (undo a file written during it)."""
    db.session.info.setdefault("on_rollback", []).append((fn, args, kwargs))


def _run(callbacks) -> None:
    for fn, args, kwargs in callbacks or ():
        fn(*args, **kwargs)


def unit_of_work(fn):
    """Commit when the service returns, roll back when it raises."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            db.session.info.pop("search_outbox_written", None)
            db.session.info.pop("after_commit", None)
            _run(db.session.info.pop("on_rollback", None))
            raise
        db.session.info.pop("on_rollback", None)
        _run(db.session.info.pop("after_commit", None))
        if db.session.info.pop("search_outbox_written", False) and not db.session.info.get("defer_indexing"):
            from market.services.indexing import drain_after_commit

            drain_after_commit()
        return result

    return wrapper


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


MAX_PAGE = 1_000_000


def clamp_paging(page, per_page, default=20, maximum=100) -> tuple[int, int]:
    """Bad paging input falls back to sane values instead of failing."""
    try:
        page = min(MAX_PAGE, max(1, int(page)))  # an offset past 64 bits overflows the database driver
    except (TypeError, ValueError):
        page = 1
    try:
        per_page = min(maximum, max(1, int(per_page)))
    except (TypeError, ValueError):
        per_page = default
    return page, per_page


def paginate(query, page, per_page) -> Page:
    """Run a select for one page plus its total count."""
    page, per_page = clamp_paging(page, per_page)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items=items, page=page, per_page=per_page, total=total)
