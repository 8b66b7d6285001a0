"""The Whoosh engine, on disk (one directory swapped atomically on rebuild) or in memory (tests)."""

import fcntl
import gc
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import weakref
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index, query
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.index import LockError

from market.search.analysis import analyzer, dictionary_version
from market.search.base import IndexBusy, IndexUnavailable, SearchDocument
from market.search.whoosh_internals import speedups
from market.search.whoosh_internals.bulk import BulkMpWriter, BulkSegmentWriter
from market.search.whoosh_reading import Reading

speedups.install()

log = logging.getLogger(__name__)
MAX_UNMERGED_SEGMENTS = 24  # the index worker merges; this bounds the count when it lags
SEGMENT_POSTINGS = 16_000_000  # a rebuild's postings held in memory before a segment is written
SNIPPET_CHARS = 400


# Bump when make_schema changes: an index built with another schema is rebuilt at start.
SCHEMA_VERSION = 2


def index_version() -> str:
    """What an index must have been built with to be used: this schema and today's user dictionary."""
    return f"{SCHEMA_VERSION}-{dictionary_version()}"


def make_schema() -> Schema:
    """Numbers that are only shown or matched exactly are stored or kept as IDs: a NUMERIC field writes
    a posting per precision step, which made up a third of all postings."""
    text = analyzer()
    return Schema(
        doc_id=ID(unique=True, stored=True),
        kind=ID(stored=True, sortable=True),
        object_id=STORED(),
        title=TEXT(analyzer=text, stored=True, field_boost=3.0),
        body=TEXT(analyzer=text),
        snippet=STORED(),  # the start of the body, for highlighted snippets
        keywords=TEXT(analyzer=text, field_boost=2.0),
        org_name=TEXT(analyzer=text, stored=True),
        field=ID(stored=True, sortable=True),
        maturity=ID(stored=True, sortable=True),
        region=ID(stored=True, sortable=True),
        status=ID(stored=True, sortable=True),
        org_id=ID(),
        amount_min=NUMERIC(stored=True, bits=64, shift_step=8),
        amount_max=NUMERIC(stored=True, bits=64, shift_step=8),
        date=NUMERIC(stored=True, bits=64, shift_step=8, sortable=True),
    )


def _fields(doc: SearchDocument) -> dict:
    values = {
        "doc_id": doc.doc_id,
        "kind": doc.kind,
        "object_id": doc.object_id,
        "title": doc.title or "",
        "body": doc.body or "",
        "snippet": (doc.body or "")[:SNIPPET_CHARS],
        "keywords": " ".join(doc.keywords or []),
        "org_name": doc.org_name or "",
        "status": doc.status,
    }
    for name in ("field", "maturity", "region"):
        if getattr(doc, name):
            values[name] = getattr(doc, name)
    if doc.org_id is not None:
        values["org_id"] = str(doc.org_id)
    for name in ("amount_min", "amount_max"):
        if getattr(doc, name) is not None:
            values[name] = getattr(doc, name)
    values["date"] = int((doc.date or datetime(1970, 1, 1, tzinfo=timezone.utc)).timestamp())
    return values


@contextmanager
def _cyclic_gc_paused():
    """No cyclic garbage collection while a rebuild holds millions of postings: they form no cycles, and
    the collector walked them again and again (a tenth of a rebuild at 155,000 documents)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _PrivateRamStorage(RamStorage):
    """Whoosh puts an in-memory writer's scratch files in /tmp/MAIN.tmp, shared by every process, and
    deletes that directory when a writer finishes: another index's writer then loses its files."""

    def __init__(self):
        super().__init__()
        self._scratch = tempfile.mkdtemp(prefix="market-search-")
        weakref.finalize(self, shutil.rmtree, self._scratch, True)

    def temp_storage(self, name=None):
        return FileStorage(os.path.join(self._scratch, name or "scratch.tmp")).create()

    def lock(self, name):
        # Whoosh polls acquire() until the writer's timeout; a plain thread lock would block forever.
        lock = super().lock(name)
        return type(
            "TryLock",
            (),
            {
                "acquire": lambda self, blocking=False: lock.acquire(blocking),
                "release": lambda self: lock.release(),
            },
        )()


class _Writer:
    def __init__(self, backend, writer, cursor):
        self._backend, self._writer, self.cursor = backend, writer, cursor

    def upsert(self, document: SearchDocument) -> None:
        self._writer.update_document(**_fields(document))

    def delete(self, kind: str, object_id: int) -> None:
        self._writer.delete_by_term("doc_id", f"{kind}:{object_id}")


class WhooshBackend(Reading):
    """path=None keeps the index in memory (tests); otherwise `path/current` points at the live index."""

    def __init__(self, path: str | None = None):
        self.path = Path(path) if path else None
        self._ram = _PrivateRamStorage() if path is None else None
        self._ram_cursor = 0
        self._ram_rebuild_requested = False
        self._index = None
        self._local = threading.local()  # each thread keeps its own searcher between requests

    # ---- storage ---------------------------------------------------------------------------------

    @property
    def _current(self) -> Path:
        return self.path / "current"

    def _cursor_file(self, directory: Path) -> Path:
        return directory / "market-cursor.json"

    def _open(self):
        if self._ram is not None:
            if self._index is None:
                self._index = self._ram.create_index(make_schema())
            return self._index
        directory = self._current.resolve()
        if self._index is None or getattr(self, "_opened_dir", None) != directory:
            self._index = index.open_dir(str(directory))
            self._opened_dir = directory
        return self._index

    def read_cursor(self) -> int:
        if self._ram is not None:
            return self._ram_cursor
        return self._read_meta(self._current.resolve()).get("cursor", 0)

    def _read_meta(self, directory: Path) -> dict:
        try:
            return json.loads(self._cursor_file(directory).read_text())
        except (OSError, ValueError):
            return {}

    def _write_cursor(self, directory: Path | None, cursor: int) -> None:
        if directory is None:
            self._ram_cursor = cursor
            return
        meta = {"cursor": cursor, "dictionary": index_version()}
        tmp = self._cursor_file(directory).with_suffix(".tmp")
        tmp.write_text(json.dumps(meta))
        os.replace(tmp, self._cursor_file(directory))

    def is_built(self) -> bool:
        """Whether an index was ever built here (`current` exists, even if what it points at is gone)."""
        return self._ram is not None or os.path.lexists(self._current)

    def is_healthy(self) -> bool:
        """The index opens, its postings and stored fields read, and it was built with today's user
        dictionary."""
        if self._ram is not None:
            return not self._ram_rebuild_requested
        if not self.is_built():  # a fresh install: expected, nothing is wrong
            log.info("no search index at %s yet: it is built from the database", self.path)
            return False
        try:
            directory = self._current.resolve(strict=True)
            if self._read_meta(directory).get("dictionary") != index_version():
                return False
            with self._open().searcher() as searcher:
                total = searcher.doc_count_all()
                list(searcher.search(query.Term("status", "published"), limit=1))
                if total:
                    searcher.stored_fields(total - 1)
            return True
        except Exception as exc:  # any failure to read means: rebuild from the database
            # the message only, not the exception: its traceback holds files a failed open leaves to the
            # collector
            log.warning("search index at %s is unusable (%s: %s)", self.path, type(exc).__name__, str(exc))
            self._index = None
            return False

    @property
    def _rebuild_marker(self) -> Path:
        return self.path / "rebuild-requested"

    def request_rebuild(self) -> None:
        """Leave word for the worker on this host that the index must be rebuilt."""
        if self._ram is not None:
            self._ram_rebuild_requested = True
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._rebuild_marker.touch()
        except OSError:
            log.exception("could not ask for a search index rebuild at %s", self.path)

    def rebuild_requested(self) -> bool:
        if self._ram is not None:
            return self._ram_rebuild_requested
        return self._rebuild_marker.exists()

    def _forget_readers(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        self._local.searcher = None
        self._index = None
        if searcher is not None:
            try:
                searcher.close()
            except Exception:  # noqa: BLE001 (a broken reader may fail to close; it is dropped either way)
                pass

    def _read(self, fn, *args):
        """Run a read; if it fails, retry once on a freshly opened index (a reader closed under it, an index
        swapped), then report IndexUnavailable, asking for a rebuild when the index itself is at fault."""
        try:
            return fn(*args)
        except Exception:  # noqa: BLE001
            self._forget_readers()
        try:
            return fn(*args)
        except Exception as exc:  # noqa: BLE001
            self._forget_readers()
            if (
                not self.is_built()
            ):  # a fresh install: expected; the database answers until the worker builds it
                self.request_rebuild()
                raise IndexUnavailable("no search index yet") from exc
            log.error(
                "search index read failed twice: %s: %s",
                type(exc).__name__,
                str(exc),
                extra={"event": "index_read_failed"},
            )
            if not self.is_healthy():
                self.request_rebuild()
            raise IndexUnavailable(f"{type(exc).__name__}: {exc}") from exc

    # ---- writing ---------------------------------------------------------------------------------

    @contextmanager
    def writer(self, timeout: float = 5.0, merge: bool = True):
        """Hold the single writer lock (waiting up to timeout); commit and advance the cursor on exit.

        merge=False skips merging small segments (the quick path right after a user's commit) unless
        MAX_UNMERGED_SEGMENTS have piled up: every write and search costs a little more per segment.
        """
        ix = self._open()
        try:
            whoosh_writer = ix.writer(timeout=timeout)
        except LockError:
            raise IndexBusy("search index is locked by another writer") from None
        speedups.use_chunked_pool(whoosh_writer)
        directory = None if self._ram is not None else self._current.resolve()
        wrapper = _Writer(self, whoosh_writer, self.read_cursor())
        try:
            yield wrapper
        except BaseException:
            whoosh_writer.cancel()
            raise
        whoosh_writer.commit(merge=merge or len(whoosh_writer.segments) >= MAX_UNMERGED_SEGMENTS)
        self._write_cursor(directory, wrapper.cursor)

    def rebuild(
        self, documents, cursor: int, progress=None, processes: int = 1, unless_healthy: bool = False
    ) -> int:
        """Write every document into a fresh index, then swap it in atomically; returns the count.

        processes > 1 segments and writes in that many worker processes (on disk only), one segment each.
        unless_healthy skips the work when another process finished a rebuild while this one waited.
        """
        if self._ram is not None:
            return self._rebuild(documents, cursor, progress)
        # One rebuild at a time per host: a finished rebuild deletes the other index directories, and
        # several workers finding the index missing all start one.
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / "rebuild.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if unless_healthy and self.is_healthy():
                return 0
            return self._rebuild(documents, cursor, progress, processes)

    def _rebuild(self, documents, cursor: int, progress=None, processes: int = 1) -> int:
        if self._ram is not None:
            fresh = _PrivateRamStorage()  # swapped in once complete, as a directory is on disk
            ix, target = fresh.create_index(make_schema()), None
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            target = (
                self.path
                / f"index-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 10**9:09d}-{os.getpid()}"
            )
            target.mkdir()
            ix = index.create_in(str(target), make_schema())
        parallel = processes > 1 and target is not None
        writer = BulkMpWriter(ix, procs=processes) if parallel else BulkSegmentWriter(ix)
        count = 0
        try:
            with _cyclic_gc_paused():
                for document in documents:
                    writer.add_document(**_fields(document))
                    count += 1
                    if progress and count % 500 == 0:
                        progress(count)
                    if not parallel and writer.posting_count >= SEGMENT_POSTINGS:
                        writer.commit(merge=False)  # a segment per SEGMENT_POSTINGS keeps memory bounded
                        writer = BulkSegmentWriter(ix)
        except BaseException:
            writer.cancel()
            if target:
                shutil.rmtree(target, ignore_errors=True)
            raise
        with _cyclic_gc_paused():
            writer.commit(merge=False)
        written = ix.doc_count_all()
        if written != count:  # an indexing process that died takes its segment with it
            if target:
                shutil.rmtree(target, ignore_errors=True)
            raise RuntimeError(f"rebuild wrote {written} of {count} documents; the old index stays")
        self._write_cursor(target, cursor)
        if target is not None:
            self._swap_in(target)
            self._rebuild_marker.unlink(missing_ok=True)
        else:
            self._ram, self._index, self._ram_rebuild_requested = fresh, ix, False
        return count

    def _swap_in(self, target: Path) -> None:
        link = self.path / "current.tmp"
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(target.name, link)
        os.replace(link, self._current)
        self._index = None
        # Keep the previous index for searches still reading it; remove older ones.
        old = sorted(p for p in self.path.glob("index-*") if p != target)
        for stale in old[:-1]:
            shutil.rmtree(stale, ignore_errors=True)
