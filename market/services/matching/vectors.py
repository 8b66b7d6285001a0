"""Listing vectors: embedded by the worker as the search outbox moves (its own cursor), backfilled by
`flask market embed`; a request never waits on the model."""

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from market import vectors
from market.extensions import db
from market.matching import embedding
from market.models import Achievement, Demand, ListingVector, SearchIndexCursor, SearchOutboxEntry
from market.models.base import utcnow
from market.services.indexing import VECTOR_CURSOR, safe_cursor
from market.services.matching.evidence import MATCHED, OTHER
from market.services.matching.suggestions import _notify_strong_matches

log = logging.getLogger(__name__)


def _listing_text(listing) -> str:
    return embedding.listing_text(listing.title, listing.keyword_list, listing.body)


def _title_text(listing) -> str:
    return embedding.listing_text(listing.title, getattr(listing, "keywords", None) or [])


def _new_vectors(listing) -> dict | None:
    """The listing's vector values if its text changed since they were stored (computing, not writing)."""
    text, title = _listing_text(listing), _title_text(listing)
    digest = embedding.text_hash(f"{title}\n{text}")
    current = db.session.scalar(
        select(ListingVector.text_hash).where(
            ListingVector.kind == listing.kind, ListingVector.object_id == listing.id
        )
    )
    if current == digest:
        return None
    return dict(
        model=embedding.MODEL_NAME,
        text_hash=digest,
        updated_at=utcnow(),
        as_query=embedding.to_bytes(embedding.embed(text, as_query=True)),
        title_as_query=embedding.to_bytes(embedding.embed(title, as_query=True)),
        as_passage=embedding.to_bytes(embedding.embed(text, as_query=False)),
    )


def _write_vectors(listing, values: dict) -> None:
    row = db.session.get(ListingVector, (listing.kind, listing.id))
    if row is None:
        db.session.add(ListingVector(kind=listing.kind, object_id=listing.id, **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)


def store_vector(listing) -> bool:
    """Compute and keep a published listing's vectors unless its text is unchanged; True if computed."""
    values = _new_vectors(listing)
    if values is not None:
        _write_vectors(listing, values)
    return values is not None


def refresh_vectors(max_rows: int = 200) -> int:
    """Follow the outbox: embed newly published or edited results and demands; returns how many.

    Several processes may run this at once; one that loses the race (a vector stored or the database
    locked by another) rolls back and leaves the rows to the next run.
    """
    try:
        fresh = _refresh_vectors(max_rows)
    except (IntegrityError, OperationalError) as exc:
        db.session.rollback()
        log.info("matching vectors left for the next run: %s", exc.__class__.__name__)
        return 0
    for listing in fresh:  # the vector cache notices the new rows itself and reads only them
        _notify_strong_matches(listing)
    return len(fresh)


def _refresh_vectors(max_rows: int) -> list:
    cursor_row = db.session.get(SearchIndexCursor, VECTOR_CURSOR)
    cursor = cursor_row.seq if cursor_row else 0
    rows = db.session.execute(
        select(
            SearchOutboxEntry.seq,
            SearchOutboxEntry.kind,
            SearchOutboxEntry.object_id,
            SearchOutboxEntry.created_at,
        )
        .where(SearchOutboxEntry.seq > cursor, SearchOutboxEntry.kind.in_(tuple(MATCHED)))
        .order_by(SearchOutboxEntry.seq)
        .limit(max_rows)
    ).all()
    if not rows:
        return []
    # Embed first, write after: on SQLite the first write locks the database for everyone until commit.
    fresh, gone = [], []
    for kind, object_id in dict.fromkeys((r.kind, r.object_id) for r in rows):
        listing = db.session.get(MATCHED[OTHER[kind]], object_id)
        if listing is None:
            gone.append((kind, object_id))
        elif listing.status == "published":
            values = _new_vectors(listing)
            if values is not None:
                fresh.append((listing, values))
    for kind, object_id in gone:
        db.session.execute(
            ListingVector.__table__.delete().where(
                ListingVector.kind == kind, ListingVector.object_id == object_id
            )
        )
    for listing, values in fresh:
        _write_vectors(listing, values)
    # Rows of other kinds between ours are skipped by the query, so the cursor may jump over them.
    all_seqs = db.session.execute(
        select(SearchOutboxEntry.seq, SearchOutboxEntry.created_at)
        .where(SearchOutboxEntry.seq > cursor, SearchOutboxEntry.seq <= rows[-1].seq)
        .order_by(SearchOutboxEntry.seq)
    ).all()
    cursor_row = cursor_row or SearchIndexCursor(name=VECTOR_CURSOR, seq=0)
    cursor_row.seq = safe_cursor(cursor, [(r.seq, r.created_at) for r in all_seqs], utcnow())
    db.session.add(cursor_row)
    db.session.commit()
    return [listing for listing, _ in fresh]


def backfill_vectors(progress=None) -> int:
    """Vectors for every published result and demand that lacks a current one (after an upgrade);
    progress(n) is told after every n listings checked."""
    done = 0
    for model in (Achievement, Demand):
        ids = list(db.session.scalars(select(model.id).where(model.status == "published").order_by(model.id)))
        for start in range(0, len(ids), 50):
            batch = ids[start : start + 50]
            for listing in db.session.scalars(select(model).where(model.id.in_(batch))):
                done += store_vector(listing)
            db.session.commit()
            if progress:
                progress(len(batch))
    vectors.cache().invalidate()
    return done
