"""The process's passage matrix follows the stored vectors: new and changed rows are read alone, deletions in
full."""

from datetime import timedelta

import numpy as np
import pytest

from market import vectors
from market.matching import embedding
from market.models import ListingVector
from market.models.base import utcnow


def store(db, object_id: int, value: float, when=None) -> None:
    vector = np.zeros(embedding.DIMENSIONS, dtype=np.float32)
    vector[object_id % embedding.DIMENSIONS] = value
    row = db.session.get(ListingVector, ("achievement", object_id))
    blob = embedding.to_bytes(vector)
    if row is None:
        db.session.add(
            ListingVector(
                kind="achievement",
                object_id=object_id,
                model=embedding.MODEL_NAME,
                text_hash="t",
                as_query=blob,
                title_as_query=blob,
                as_passage=blob,
                updated_at=when or utcnow(),
            )
        )
    else:
        row.as_passage, row.updated_at = blob, when or utcnow()
    db.session.commit()


@pytest.fixture
def cache(app):
    return vectors.VectorCache()


def column(matrix, ids, object_id):
    return float(matrix[list(ids).index(object_id), object_id % embedding.DIMENSIONS])


def test_new_and_changed_rows_are_merged_in_order_without_reading_the_rest(cache, db, monkeypatch):
    for object_id in (3, 7, 11):
        store(db, object_id, 1.0, utcnow() - timedelta(minutes=1))
    ids, matrix = cache.matrix("achievement")
    assert ids.tolist() == [3, 7, 11]
    reads = []
    real = cache._rows
    monkeypatch.setattr(cache, "_rows", lambda kind, since=None: reads.append(since) or real(kind, since))
    store(db, 5, 1.0)
    store(db, 7, 0.5)
    ids, matrix = cache.matrix("achievement")
    assert ids.tolist() == [3, 5, 7, 11] and column(matrix, ids, 7) == 0.5 and column(matrix, ids, 5) == 1.0
    assert reads and all(since is not None for since in reads)  # only the rows written since


def test_a_deleted_row_makes_it_read_everything_again(cache, db):
    for object_id in (3, 7):
        store(db, object_id, 1.0)
    cache.matrix("achievement")
    db.session.execute(ListingVector.__table__.delete().where(ListingVector.object_id == 3))
    db.session.commit()
    ids, _ = cache.matrix("achievement")
    assert ids.tolist() == [7]


def test_a_row_committed_late_with_an_older_time_is_not_lost(cache, db):
    store(db, 3, 1.0)
    cache.matrix("achievement")
    store(db, 4, 1.0)
    store(db, 9, 1.0, utcnow() - timedelta(hours=1))  # written earlier, committed after the newest one
    ids, _ = cache.matrix("achievement")
    assert ids.tolist() == [3, 4, 9]
