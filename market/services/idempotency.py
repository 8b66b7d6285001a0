"""Requests sent again with the same key: find the first one's record, keep its response, forget old keys."""

import hashlib
from datetime import timedelta

from sqlalchemy import select, update

from market.extensions import db
from market.models import IdempotencyKey
from market.models.base import utcnow

KEEP = timedelta(hours=24)  # a client retries within minutes; a day covers a night's outage
MAX_BODY_CHARS = 65_536


def request_hash(*parts: bytes | str) -> str:
    """A fingerprint of what a request asked for, to tell a retry from another request under the same key."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def find_key(scope: str, key: str) -> IdempotencyKey | None:
    """The record of an earlier request with this key, if any."""
    return db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    )


def record_response(key_id: int, status_code: int, location: str | None, body: str | None) -> None:
    """Keep the response the first request got, for the retries to receive."""
    db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == key_id)
        .values(
            status_code=status_code,
            location=(location or None) and location[:500],
            response_body=body if body is not None and len(body) <= MAX_BODY_CHARS else None,
        )
    )
    db.session.commit()


def prune_idempotency_keys(now=None) -> int:
    """Forget keys older than a day (the worker's sweep)."""
    result = db.session.execute(
        IdempotencyKey.__table__.delete().where(IdempotencyKey.created_at < (now or utcnow()) - KEEP)
    )
    db.session.commit()
    return result.rowcount or 0
