"""The process's copy of the stored passage vectors, one matrix per kind, reloaded when rows change."""
import threading

import numpy as np
from flask import current_app
from sqlalchemy import func, select

from market.extensions import db
from market.matching import embedding
from market.models import ListingVector


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
        stamp = (db.session.scalar(select(func.count()).select_from(ListingVector).where(of_kind)),
                 db.session.scalar(select(func.max(ListingVector.updated_at)).where(of_kind)))
        with self._lock:
            cached = self._kinds.get(kind)
            if cached and cached[0] == stamp:
                return cached[1], cached[2]
        rows = db.session.execute(select(ListingVector.object_id, ListingVector.as_passage)
                                  .where(ListingVector.kind == kind, ListingVector.model == embedding.MODEL_NAME)
                                  .order_by(ListingVector.object_id)).all()
        ids = np.array([r.object_id for r in rows], dtype=np.int64)
        matrix = (np.vstack([embedding.from_bytes(r.as_passage) for r in rows]) if rows
                  else np.zeros((0, embedding.DIMENSIONS), dtype=np.float32))
        with self._lock:
            self._kinds[kind] = (stamp, ids, matrix)
        return ids, matrix


def cache() -> VectorCache:
    """This app's vector cache."""
    return current_app.extensions.setdefault("matching_vectors", VectorCache())


def notify_enabled() -> bool:
    """Whether strong matches of newly published listings notify (off while evaluating)."""
    return current_app.config.get("MATCHING_NOTIFY", True)


def fusion_weights_cache() -> dict:
    """This process's learned fusion weights and the state of the decisions they were learned from."""
    return current_app.extensions.setdefault("market.fusion_weights", {})
