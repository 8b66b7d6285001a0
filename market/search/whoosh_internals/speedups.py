"""Fixes to Whoosh that change its speed, not its output.

- Postings that overflow memory are written to sorted runs one pickle call per posting; writing and
  reading them in chunks does the same work in C.
- While a segment is flushed, the length of every posting's field is looked up, and for fields that keep
  no lengths (ID, NUMERIC) the missing column file is looked for on disk again for every posting.
- Every search with facets opened each facet's column of each segment again, reading all its offsets (a fifth
  of a search's time): a segment reader now keeps the column readers it opened (segments never change, and
  each thread has its own searcher, so its readers are not shared).

Found by profiling a rebuild and searches (docs/benchmarks.md); the backend contract tests cover the output.
"""

from pickle import HIGHEST_PROTOCOL, dump, load

from whoosh import reading
from whoosh.codec import whoosh3
from whoosh.writing import PostingPool

_column_reader = reading.SegmentReader.column_reader
_ORIGINALS = (whoosh3.W3PerDocReader._cached_reader, _column_reader)

RUN_CHUNK = 20_000


class ChunkedPostingPool(PostingPool):
    """A posting pool whose sorted runs are pickled in chunks of RUN_CHUNK postings."""

    def _write_run(self, f, items):
        for start in range(0, len(items), RUN_CHUNK):
            dump(items[start : start + RUN_CHUNK], f, HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path):
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


def _cached_reader(self, fieldname, column):
    """Whoosh's own, except that "this field keeps no column" is remembered as well."""
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


def _kept_column_reader(self, fieldname, column=None, reverse=False, translate=True):
    """SegmentReader.column_reader, the plain (not reversed) ones kept per reader: a reversed reader is a
    changed one, and stays the caller's."""
    if reverse:
        return _column_reader(self, fieldname, column, reverse, translate)
    kept = self.__dict__.setdefault("_market_columns", {})
    key = (fieldname, column, translate)
    found = kept.get(key)
    if found is None:
        found = kept[key] = _column_reader(self, fieldname, column, reverse, translate)
    return found


def install() -> None:
    """Apply the column fixes (idempotent); the pool is chosen per writer, see use_chunked_pool."""
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    reading.SegmentReader.column_reader = _kept_column_reader


def uninstall() -> None:
    """Whoosh's own column readers again (bench/search_bench.py --plain-whoosh measures what the fixes are
    worth)."""
    whoosh3.W3PerDocReader._cached_reader, reading.SegmentReader.column_reader = _ORIGINALS


def use_chunked_pool(writer) -> None:
    """Swap a fresh SegmentWriter's posting pool for the chunked one (before any document is added)."""
    pool = writer.pool
    if type(pool) is PostingPool and not pool.current and not pool.runs:
        pool.__class__ = ChunkedPostingPool
