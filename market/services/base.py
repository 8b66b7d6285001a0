"""Unit-of-work decorator and pagination shared by all services."""

import math
from dataclasses import dataclass
from functools import wraps

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from market.errors import Conflict
from market.extensions import db
from market.models import IdempotencyKey

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


def upsert_insert(model):
    """An INSERT with ON CONFLICT for this database (both speak it): a concurrent writer's row wins
    quietly."""
    return {"postgresql": pg_insert, "sqlite": sqlite_insert}[db.engine.dialect.name](model)


_commit_hooks: list = []


def after_every_commit(hook) -> None:
    """Call hook() after each outermost unit of work commits (the test suite's inline worker; idempotent)."""
    if hook not in _commit_hooks:
        _commit_hooks.append(hook)


def expect_idempotency_key(scope: str, key: str, request_hash: str) -> None:
    """The next unit of work claims this key in its own transaction: a retry with the same key then finds it
    taken instead of writing again."""
    db.session.info["idempotency_key"] = (scope, key, request_hash)


def claimed_idempotency_key():
    """The key the committed unit of work claimed in this request, if any."""
    return db.session.info.get("idempotency_claimed")


def forget_idempotency_key() -> None:
    """Between requests: no key expected, none claimed."""
    db.session.info.pop("idempotency_key", None)
    db.session.info.pop("idempotency_claimed", None)


def _resource_of(result) -> str | None:
    """ "deals:12" for a service that returned a row (or a tuple starting with one)."""
    first = result[0] if isinstance(result, tuple) and result else result
    table, row_id = getattr(first, "__tablename__", None), getattr(first, "id", None)
    return f"{table}:{row_id}" if table and isinstance(row_id, int) else None


def _claim_idempotency_key(result) -> None:
    pending = db.session.info.pop("idempotency_key", None)
    if pending is None:
        return
    scope, key, request_hash = pending
    db.session.flush()  # the result's id
    row = IdempotencyKey(scope=scope, key=key, request_hash=request_hash, resource=_resource_of(result))
    db.session.add(row)
    try:
        db.session.flush()  # a concurrent request with the same key fails here, before anything is committed
    except IntegrityError:
        raise Conflict("同一请求正在处理或已处理，请勿重复提交") from None
    db.session.info["idempotency_claimed"] = row.id


def unit_of_work(fn):
    """Commit when the outermost service returns, roll back when it raises; a service called by another joins
    its transaction."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        info = db.session.info
        depth = info.get("unit_of_work_depth", 0)
        if depth:
            info["unit_of_work_depth"] = depth + 1
            try:
                return fn(*args, **kwargs)
            finally:
                info["unit_of_work_depth"] = depth
        info["unit_of_work_depth"] = 1
        try:
            result = fn(*args, **kwargs)
            _claim_idempotency_key(result)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            for name in ("search_outbox_written", "events_recorded", "after_commit", "idempotency_key"):
                info.pop(name, None)
            _run(info.pop("on_rollback", None))
            raise
        finally:
            info["unit_of_work_depth"] = 0
        info.pop("on_rollback", None)
        _run(info.pop("after_commit", None))
        for hook in _commit_hooks:
            hook()
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


def empty_page(per_page) -> Page:
    """No rows for this actor: the first page, its size read as paginate reads it (the API says integers)."""
    return Page(items=[], page=1, per_page=clamp_paging(1, per_page)[1], total=0)
