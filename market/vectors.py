"""The process's copy of the stored passage vectors (one matrix per kind, reloaded when rows change) and the
app settings matching reads; kept out of market.matching, which works on plain values only."""

import threading
import time

import numpy as np
from flask import current_app
from sqlalchemy import func, select

from market.extensions import db
from market.matching import embedding
from market.models import ListingVector

FULL_RELOAD_SECONDS = 600  # a row committed late with an older timestamp is picked up by then at the latest


class VectorCache:
    """Each process keeps the passage vectors of one kind as a matrix, reloaded when rows change."""

    def __init__(self):
        self._lock = threading.Lock()
        self._kinds: dict[str, tuple] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._kinds.clear()

    def matrix(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """The ids (ascending) and passage vectors of one kind's stored rows."""
        # two queries, each answered from the (kind, updated_at) index: together SQLite walks it twice as long
        of_kind = ListingVector.kind == kind
        stamp = (
            db.session.scalar(select(func.count()).select_from(ListingVector).where(of_kind)),
            db.session.scalar(select(func.max(ListingVector.updated_at)).where(of_kind)),
        )
        with self._lock:
            cached = self._kinds.get(kind)
        if cached and cached[0] == stamp:
            return cached[1], cached[2]
        added = self._added(kind, cached, stamp) if cached else None
        if added is None:
            (ids, matrix), loaded_at = self._rows(kind), time.monotonic()
        else:
            (ids, matrix), loaded_at = added, cached[3]
        with self._lock:
            self._kinds[kind] = (stamp, ids, matrix, loaded_at)
        return ids, matrix

    def _rows(self, kind: str, since=None) -> tuple[np.ndarray, np.ndarray]:
        query = (
            select(ListingVector.object_id, ListingVector.as_passage)
            .where(ListingVector.kind == kind, ListingVector.model == embedding.MODEL_NAME)
            .order_by(ListingVector.object_id)
        )
        if since is not None:
            query = query.where(ListingVector.updated_at >= since)
        rows = db.session.execute(query).all()
        ids = np.array([r.object_id for r in rows], dtype=np.int64)
        matrix = (
            np.vstack([embedding.from_bytes(r.as_passage) for r in rows])
            if rows
            else np.zeros((0, embedding.DIMENSIONS), dtype=np.float32)
        )
        return ids, matrix

    def _added(self, kind: str, cached, stamp) -> tuple[np.ndarray, np.ndarray] | None:
        """The cached matrix with the rows written since it was read (a new listing's vectors cost one row,
        not the whole table); None when that cannot be trusted: rows were deleted, or the matrix is old."""
        (old_count, old_latest), ids, matrix, loaded_at = cached
        if old_latest is None or stamp[0] < old_count or time.monotonic() - loaded_at > FULL_RELOAD_SECONDS:
            return None
        new_ids, vectors = self._rows(kind, since=old_latest)
        at = np.searchsorted(ids, new_ids)
        known = at < len(ids)
        known[known] = ids[at[known]] == new_ids[known]
        matrix = matrix.copy()  # other threads may be reading the cached one
        matrix[at[known]] = vectors[known]
        ids = np.insert(ids, at[~known], new_ids[~known])
        matrix = np.insert(matrix, at[~known], vectors[~known], axis=0)
        return (ids, matrix) if len(ids) == stamp[0] else None


def cache() -> VectorCache:
    """This app's vector cache."""
    return current_app.extensions.setdefault("matching_vectors", VectorCache())


def notify_enabled() -> bool:
    """Whether strong matches of newly published listings notify (off while evaluating)."""
    return current_app.config.get("MATCHING_NOTIFY", True)


def model_cache() -> dict:
    """This process's refitted relevance model and the state of the decisions it was refitted to."""
    return current_app.extensions.setdefault("market.relevance_model", {})


def band_thresholds() -> tuple[float, float]:
    """The probabilities at which a suggestion is 强 and 中 (settings, by default 0.8 and 0.5)."""
    return (
        float(current_app.config.get("MATCH_STRONG_PROBABILITY", 0.8)),
        float(current_app.config.get("MATCH_MEDIUM_PROBABILITY", 0.5)),
    )
