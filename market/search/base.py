"""The search interface: plain documents in, ranked hits with highlights and facets out."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Iterator, Protocol

KINDS = ("achievement", "demand", "equipment", "policy", "broker")
FACETS = ("kind", "field", "maturity", "region", "status")


@dataclass
class SearchDocument:
    """What the index knows about one listing, policy or broker."""

    kind: str
    object_id: int
    title: str
    body: str = ""
    keywords: list[str] = field(default_factory=list)
    org_name: str = ""
    field: str | None = None
    maturity: str | None = None
    region: str | None = None
    status: str = "published"
    org_id: int | None = None
    amount_min: int | None = None  # fen: price, or budget range
    amount_max: int | None = None
    date: datetime | None = None

    @property
    def doc_id(self) -> str:
        return f"{self.kind}:{self.object_id}"


@dataclass
class SearchRequest:
    q: str = ""
    kinds: tuple[str, ...] = ()
    filters: dict = field(default_factory=dict)  # field, maturity, region, status: exact values
    amount_min: int | None = None
    amount_max: int | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    sort: str = "relevance"  # or "date"
    page: int = 1
    per_page: int = 20
    visible_statuses: tuple[str, ...] = ("published",)
    also_org_id: int | None = None  # this organisation's listings in any status
    all_statuses: bool = False  # admins
    # Documents found by meaning ("kind:id"): they match without the words, under the same filters, and rank
    # after every document with some of the words (relevance sort only).
    candidates: tuple[str, ...] = ()
    window: int = (
        0  # SearchResult.ranking: the first `window` documents of the ranking, and every candidate found
    )


EVERY_WORD, SOME_WORDS, NO_WORDS = 2, 1, 0  # Ranked.tier


@dataclass(frozen=True)
class Ranked:
    """A document in the ranking by words: its "kind:id", how many of the query's words it has (tier), its
    BM25 score and its place (from 0; None for a candidate found beyond the window)."""

    key: str
    tier: int
    score: float = 0.0
    position: int | None = None


@dataclass
class Hit:
    kind: str
    object_id: int
    title: str
    score: float
    highlights: dict
    stored: dict


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict
    correction: str | None = None
    relaxed: bool = False  # no document had every word: showing those with some of them
    notice: str | None = None
    ranking: list[Ranked] = field(default_factory=list)  # see SearchRequest.window
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # query term → the synonyms searched as well
    by_meaning: bool = False  # no document has the words: these are close in meaning only


class IndexWriter(Protocol):
    cursor: int

    def upsert(self, document: SearchDocument) -> None: ...

    def delete(self, kind: str, object_id: int) -> None: ...


class SearchBackend(Protocol):
    """Every engine behind the search service implements this (see tests/search/test_backend_contract.py)."""

    def writer(self, timeout: float = 5.0, merge: bool = True):
        """Context manager holding the single writer lock; yields an IndexWriter, commits on exit."""

    def read_cursor(self) -> int: ...

    def search(self, request: SearchRequest) -> SearchResult: ...

    def fetch(self, request: SearchRequest, keys: list[str]) -> list[Hit]:
        """The hits for these documents ("kind:id"), in this order, highlighted for the request's words;
        documents gone or outside the request's filters are left out."""

    def counts(self) -> dict[str, int]: ...

    def is_healthy(self) -> bool: ...

    def is_built(self) -> bool:
        """Whether this host has an index at all (a fresh install has none until it is first built)."""

    def request_rebuild(self) -> None:
        """Ask the worker to rebuild this host's index (a reader found it unusable)."""

    def rebuild_requested(self) -> bool: ...

    def rebuild(
        self,
        documents: Iterable[SearchDocument],
        cursor: int,
        progress=None,
        processes: int = 1,
        unless_healthy: bool = False,
    ) -> int: ...

    def similar(self, kind: str, text: str, limit: int = 5) -> list[Hit]: ...

    def document_frequencies(self, words) -> tuple[int, dict[str, int]]:
        """The number of documents, and in how many each word appears (for how distinctive a word is)."""

    def release_reader(self) -> None:
        """Close the reader the calling thread keeps between searches (a thread that is about to end)."""


class IndexBusy(Exception):
    """Another process holds the writer lock; the outbox keeps the change for later."""


class IndexUnavailable(Exception):
    """The index cannot be read (missing, corrupt, being replaced): callers answer without it."""


def batched(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
