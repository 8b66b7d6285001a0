"""Keeping the search index in step with the database through the outbox.

Every flush that touches something searchable appends outbox rows in the same transaction
(`record_changes`), so a rollback leaves nothing behind and a crash after commit loses nothing.
After commit the worker (`market index-worker`) applies the pending rows (`drain`); requests never touch the
index writer. Each index keeps its cursor beside it; outbox rows are pruned once every index registered in
search_index_cursors, and the matching vectors (VECTOR_CURSOR), have passed them. An index that is missing or
unreadable is rebuilt by the worker (`heal_index`), asked for by any process that failed to read it.
"""

import logging
import socket
from datetime import datetime, timedelta

from sqlalchemy import event, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from market import search
from market.clock import beijing_day_start
from market.extensions import db
from market.models import (
    Achievement,
    BrokerProfile,
    Demand,
    Equipment,
    EquipmentFee,
    Field,
    Organisation,
    Policy,
    SearchIndexCursor,
    SearchOutboxEntry,
    User,
)
from market.models.base import utcnow
from market.search import SearchDocument

log = logging.getLogger(__name__)
VECTOR_CURSOR = "matching-vectors"  # the matching vectors follow the outbox under this name
GAP_GRACE = timedelta(seconds=30)  # a missing sequence number older than this was a rollback
DRAIN_BATCH = 500
LISTING_MODELS = {"achievement": Achievement, "demand": Demand, "equipment": Equipment}
LISTING_TARGETS = {
    column: [(kind, model, column) for kind, model in LISTING_MODELS.items()]
    for column in ("org_id", "field_id")
}
CASCADES = (
    (Organisation, LISTING_TARGETS["org_id"]),
    (Field, LISTING_TARGETS["field_id"]),
    (User, [("broker", BrokerProfile, "user_id")]),
)
INDEXED = {
    Achievement: "achievement",
    Demand: "demand",
    Equipment: "equipment",
    Policy: "policy",
    BrokerProfile: "broker",
}


# ---- recording changes (inside the caller's transaction) -------------------------------------------


def _changed_keys(session: Session) -> set[tuple[str, int]]:
    keys = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        kind = INDEXED.get(type(obj))
        if kind and obj.id is not None:
            keys.add((kind, obj.id))
        elif isinstance(obj, EquipmentFee) and obj.equipment_id is not None:
            keys.add(("equipment", obj.equipment_id))
    return keys


def _record_changes(session: Session, _flush_context) -> None:
    """Append outbox rows for everything searchable this flush touched (same transaction)."""
    keys = _changed_keys(session)
    connection = session.connection()
    # Organisation names and regions, field names and broker users show in other objects' documents.
    cascades = [(obj, targets) for obj in session.dirty for cls, targets in CASCADES if isinstance(obj, cls)]
    for obj, targets in cascades:
        for kind, model, column in targets:
            connection.execute(
                insert(SearchOutboxEntry).from_select(
                    ["kind", "object_id", "created_at"],
                    select(
                        literal(kind), model.id, literal(utcnow(), SearchOutboxEntry.created_at.type)
                    ).where(getattr(model, column) == obj.id),
                )
            )
    if keys:
        now = utcnow()
        connection.execute(
            insert(SearchOutboxEntry),
            [{"kind": kind, "object_id": object_id, "created_at": now} for kind, object_id in sorted(keys)],
        )
    if keys or cascades:
        session.info["search_outbox_written"] = True


def install() -> None:
    """Listen to every session's flushes (idempotent)."""
    if not event.contains(Session, "after_flush", _record_changes):
        event.listen(Session, "after_flush", _record_changes)


# ---- documents -------------------------------------------------------------------------------------


def _as_datetime(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return beijing_day_start(value)  # a day means the Beijing day


def _listing_document(listing) -> SearchDocument:
    org = listing.organisation
    common = dict(
        kind=listing.kind,
        object_id=listing.id,
        org_name=org.name if org else "",
        field=listing.field.name if listing.field else None,
        region=org.region if org else None,
        status=listing.status,
        org_id=listing.org_id,
        date=listing.published_at or listing.created_at,
    )
    if listing.kind == "achievement":
        return SearchDocument(
            title=listing.title,
            body=listing.summary,
            keywords=list(listing.keywords or []),
            maturity=listing.maturity,
            amount_min=listing.price_fen,
            amount_max=listing.price_fen,
            **common,
        )
    if listing.kind == "demand":
        return SearchDocument(
            title=listing.title,
            body=listing.description,
            keywords=[listing.cooperation_mode or ""],
            amount_min=listing.budget_min_fen,
            amount_max=listing.budget_max_fen,
            **common,
        )
    fees = " ".join(f.label for f in listing.fee_items)
    return SearchDocument(
        title=listing.name,
        body=f"{listing.model or ''} {listing.description or ''} {fees}",
        keywords=[listing.category],
        **common,
    )


def _policy_document(policy: Policy) -> SearchDocument:
    return SearchDocument(
        kind="policy",
        object_id=policy.id,
        title=policy.title,
        body=f"{policy.summary}\n{policy.body}",
        keywords=list(policy.tags or []) + [policy.doc_number or ""],
        org_name=policy.issuer,
        status="published",
        date=_as_datetime(policy.published_on),
    )


def _broker_document(profile: BrokerProfile) -> SearchDocument | None:
    user = profile.user
    if user is None or not user.active or user.role != "broker":
        return None
    org = user.organisation
    return SearchDocument(
        kind="broker",
        object_id=profile.id,
        title=user.display_name,
        body=profile.bio or "",
        keywords=[f.name for f in profile.specialties] + [profile.certification_label],
        org_name=org.name if org else "",
        region=org.region if org else None,
        status="published",
        org_id=user.organisation_id,
        date=profile.created_at,
    )


def load_documents(kind: str, ids, session=None) -> dict[int, SearchDocument]:
    """Current documents for these objects; an id missing from the result is to be deleted."""
    session = session or db.session
    ids = list(ids)
    if kind in LISTING_MODELS:
        model = LISTING_MODELS[kind]
        return {
            o.id: _listing_document(o)
            for o in session.scalars(select(model).where(model.id.in_(ids))).unique()
        }
    if kind == "policy":
        return {o.id: _policy_document(o) for o in session.scalars(select(Policy).where(Policy.id.in_(ids)))}
    documents = {}
    for profile in session.scalars(select(BrokerProfile).where(BrokerProfile.id.in_(ids))):
        document = _broker_document(profile)
        if document:
            documents[profile.id] = document
    return documents


SOURCES = {**LISTING_MODELS, "policy": Policy, "broker": BrokerProfile}


def count_documents() -> int:
    """How many objects a rebuild reads (an upper bound on the documents it writes)."""
    return sum(db.session.scalar(select(func.count()).select_from(model)) for model in SOURCES.values())


def all_documents():
    """Every searchable object, for a rebuild, read in batches through a session of its own."""
    with Session(db.engine) as session:
        for kind, model in SOURCES.items():
            last = 0
            while True:
                ids = list(
                    session.scalars(select(model.id).where(model.id > last).order_by(model.id).limit(500))
                )
                if not ids:
                    break
                documents = load_documents(kind, ids, session)
                yield from (documents[i] for i in ids if i in documents)
                last = ids[-1]
                session.expunge_all()  # keep memory flat on large catalogues


# ---- applying the outbox -----------------------------------------------------------------------------


def safe_cursor(cursor: int, rows, now: datetime) -> int:
    """The highest sequence number below which nothing can still appear (pure, unit-tested).

    Sequence numbers are handed out before commit, so a lower one may commit after a higher one: a gap
    younger than GAP_GRACE holds the cursor back, and the rows after it are applied again next time.
    """
    expected, safe = cursor + 1, cursor
    for seq, created_at in rows:
        if seq != expected and now - created_at < GAP_GRACE:
            break
        safe, expected = seq, seq + 1
    return safe


def drain(
    timeout: float = 5.0, max_batches: int | None = None, merge: bool = True, report: bool = True
) -> int:
    """Apply pending outbox rows to this process's index; returns how many rows the cursor moved past (rows
    after a young gap are applied again next time and count then). report=False leaves telling
    search_index_cursors (which only pruning reads) for later: one write less for a worker draining many times
    a second."""
    engine = search.backend()
    applied = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        pending = db.session.scalar(
            select(SearchOutboxEntry.seq).where(SearchOutboxEntry.seq > engine.read_cursor()).limit(1)
        )
        if pending is None:  # an idle worker opens no writer: every commit would make readers reopen
            db.session.rollback()
            break
        with engine.writer(timeout=timeout, merge=merge) as writer:
            rows = db.session.execute(
                select(
                    SearchOutboxEntry.seq,
                    SearchOutboxEntry.kind,
                    SearchOutboxEntry.object_id,
                    SearchOutboxEntry.created_at,
                )
                .where(SearchOutboxEntry.seq > writer.cursor)
                .order_by(SearchOutboxEntry.seq)
                .limit(DRAIN_BATCH)
            ).all()
            if not rows:
                break
            by_kind: dict[str, set[int]] = {}
            for row in rows:
                by_kind.setdefault(row.kind, set()).add(row.object_id)
            for kind, ids in by_kind.items():
                documents = load_documents(kind, ids)
                for object_id in ids:
                    if object_id in documents:
                        writer.upsert(documents[object_id])
                    else:
                        writer.delete(kind, object_id)
            new_cursor = safe_cursor(writer.cursor, [(r.seq, r.created_at) for r in rows], utcnow())
            stuck = new_cursor == writer.cursor
            writer.cursor = new_cursor
            applied += sum(1 for r in rows if r.seq <= new_cursor)
        db.session.rollback()  # end the read transaction; nothing was written here
        batches += 1
        if stuck or len(rows) < DRAIN_BATCH:
            break
    if applied and report:
        report_cursor()
    return applied


def index_name() -> str:
    """This host's index, as known in search_index_cursors."""
    return f"{socket.gethostname()}:{getattr(search.backend(), 'path', None) or 'memory'}"


def report_cursor() -> None:
    """Tell search_index_cursors how far this host's index has come (pruning waits for every index)."""
    _report_cursor(search.backend().read_cursor())


def _report_cursor(seq: int) -> None:
    for attempt in range(2):
        row = db.session.get(SearchIndexCursor, index_name()) or SearchIndexCursor(name=index_name())
        row.seq = seq
        db.session.add(row)
        try:
            db.session.commit()
            return
        except IntegrityError:  # another process on this host registered the index first: update its row
            db.session.rollback()
            if attempt:
                raise


def prune_outbox() -> int:
    """Delete outbox rows every registered index, and the matching vectors, have applied."""
    if db.session.get(SearchIndexCursor, VECTOR_CURSOR) is None:  # vectors have not started following yet
        return 0
    lowest = db.session.scalar(select(func.min(SearchIndexCursor.seq)))
    if not lowest:
        return 0
    result = db.session.execute(SearchOutboxEntry.__table__.delete().where(SearchOutboxEntry.seq <= lowest))
    db.session.commit()
    return result.rowcount or 0


def rebuild_index(progress=None, processes: int = 1, unless_healthy: bool = False) -> int:
    """Rebuild this host's index from the database into a fresh directory swapped in atomically;
    processes > 1 writes in that many worker processes."""
    rows = db.session.execute(
        select(SearchOutboxEntry.seq, SearchOutboxEntry.created_at).order_by(SearchOutboxEntry.seq)
    ).all()
    cursor = safe_cursor(0, [(r.seq, r.created_at) for r in rows], utcnow())
    count = search.backend().rebuild(all_documents(), cursor, progress, processes, unless_healthy)
    db.session.rollback()
    _report_cursor(cursor)
    return count


def heal_index(check: bool = True) -> bool:
    """Rebuild this host's index from the database if a process asked for it or (check) it is missing, corrupt
    or outdated; True if it was rebuilt. Searches answer from the database meanwhile."""
    engine = search.backend()
    if not engine.rebuild_requested() and (not check or engine.is_healthy()):
        return False
    where = {"event": "index_rebuild", "path": str(getattr(engine, "path", None) or "memory")}
    if engine.is_built():
        log.warning("search index unusable: rebuilding from the database", extra=where)
    else:  # a fresh install (or a new host): nothing is wrong
        log.info("building the search index from the database (there is none yet)", extra=where)
    rebuild_index()
    return True


def outbox_lag() -> dict:
    """This host's index cursor, the outbox rows past it and the age of the oldest (two indexed queries)."""
    cursor = search.backend().read_cursor()
    pending = db.session.scalar(
        select(func.count()).select_from(SearchOutboxEntry).where(SearchOutboxEntry.seq > cursor)
    )
    oldest = db.session.scalar(
        select(func.min(SearchOutboxEntry.created_at)).where(SearchOutboxEntry.seq > cursor)
    )
    return {
        "cursor": cursor,
        "pending": pending,
        "oldest_pending_seconds": int((utcnow() - oldest).total_seconds()) if oldest else 0,
    }


def index_status() -> dict:
    """outbox_lag and documents per kind in this host's index (None when the index cannot be read)."""
    return {**outbox_lag(), "documents": _counts_or_none(search.backend())}


def _counts_or_none(engine) -> dict | None:
    try:
        return engine.counts()
    except search.IndexUnavailable:
        return None
