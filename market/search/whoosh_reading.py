"""Reading a Whoosh index: searches with facets and partial matches, candidates found by meaning, fetches by
key, similar documents, word frequencies and highlighted hits. WhooshBackend (whoosh_backend.py) mixes this
in."""

import html
import math
from collections import OrderedDict

from whoosh import query, sorting
from whoosh.idsets import BitSet
from whoosh.scoring import BM25F
from whoosh.searching import ResultsPage

from market.search.analysis import clean_query, normalise, query_words
from market.search.base import (
    EVERY_WORD,
    FACETS,
    NO_WORDS,
    SOME_WORDS,
    Hit,
    Ranked,
    SearchRequest,
    SearchResult,
)
from market.search.whoosh_internals.matchers import EVERY_WORD_BONUS, Documents, Groups, Recorded
from market.search.whoosh_query import Plan, common_groups, correction, plan_query

# A word in more than this share of the documents (技术, 应用) makes no partial match on its own: a listing
# with only that word of the query is not one the user meant, and such words would make a query score most of
# the index.
COMMON_SHARE, COMMON_LEAST = 0.03, 500


def mark(text: str, terms: set[str], width: int | None = None) -> str:
    """HTML-escaped text with <mark> around every matched term; with width, a window around the first.

    Terms are found in the normalised text, which has the same length as the original, so traditional or
    full-width writing is marked too, and sub-words (电池 in 锂电池) light up without re-segmenting.
    """
    folded = normalise(text)
    spans = []
    for term in sorted(terms, key=len, reverse=True):
        start = folded.find(term)
        while term and start != -1:
            end = start + len(term)
            if not any(s < end and start < e for s, e in spans) and _stands_alone(folded, start, end):
                spans.append((start, end))
            start = folded.find(term, end)
    spans.sort()
    lo, hi = 0, len(text)
    if width is not None and len(text) > width:
        lo = max(0, (spans[0][0] - width // 4) if spans else 0)
        hi = min(len(text), lo + width)
        spans = [(s, e) for s, e in spans if s >= lo and e <= hi]
    out, index_ = ["…" if lo else ""], lo
    for s, e in spans:
        out += [html.escape(text[index_:s]), "<mark>", html.escape(text[s:e]), "</mark>"]
        index_ = e
    out += [html.escape(text[index_:hi]), "…" if hi < len(text) else ""]
    return "".join(out)


def _stands_alone(folded: str, start: int, end: int) -> bool:
    """Latin letters are marked as a word, not inside a longer one (ai not in email); Chinese anywhere."""

    def letter(at):
        return 0 <= at < len(folded) and folded[at].isascii() and folded[at].isalpha()

    return not ((letter(start) and letter(start - 1)) or (letter(end - 1) and letter(end)))


class Reading:
    """The read side of WhooshBackend; it needs the backend's _open, _read and _local (a thread-local)."""

    FILTER_CACHE_SIZE = 64

    def _searcher(self):
        """This thread's searcher, reopened only when the index changed: opening one reads every sortable
        column from disk, which cost more than the query itself."""
        ix, local = self._open(), self._local
        current = getattr(local, "searcher", None)
        if current is None or local.index is not ix:
            if current is not None:
                current.close()
            current, local.index, local.filters = ix.searcher(weighting=BM25F()), ix, OrderedDict()
        elif not current.up_to_date():
            # Not refresh(): Whoosh-Reloaded's reader reuse keeps a segment's old deletions and fails on
            # an empty index.
            current.close()
            current, local.filters = ix.searcher(weighting=BM25F()), OrderedDict()
        local.searcher = current
        return current

    def release_reader(self) -> None:
        """Close this thread's searcher (the index stays open for the other threads)."""
        searcher = getattr(self._local, "searcher", None)
        self._local.searcher = None
        if searcher is not None:
            searcher.close()

    def _filter_docs(self, searcher, filter_query):
        """The document numbers a filter allows, remembered until the index changes (the visibility and
        kind filters match most of the index and would otherwise be walked on every query)."""
        if filter_query is None:
            return None
        cache, key = self._local.filters, repr(filter_query)
        docs = cache.get(key)
        if docs is None:
            docs = cache[key] = BitSet(searcher.docs_for_query(filter_query), size=searcher.doc_count_all())
            if len(cache) > self.FILTER_CACHE_SIZE:
                cache.popitem(last=False)
        else:
            cache.move_to_end(key)
        return docs

    def counts(self) -> dict[str, int]:
        return self._read(self._counts)

    def _counts(self) -> dict[str, int]:
        with self._open().searcher() as searcher:
            # doc_frequency would also count replaced and deleted documents until segments merge
            return {
                kind: sum(1 for _ in searcher.docs_for_query(query.Term("kind", kind)))
                for kind in ("achievement", "demand", "equipment", "policy", "broker")
            }

    def _filter(self, request: SearchRequest):
        parts = []
        if request.kinds:
            parts.append(query.Or([query.Term("kind", k) for k in request.kinds]))
        for name, value in request.filters.items():
            if value:
                parts.append(query.Term(name, value))
        if not request.all_statuses:
            visible = query.Or([query.Term("status", s) for s in request.visible_statuses])
            if request.also_org_id is not None:
                visible = query.Or([visible, query.Term("org_id", str(request.also_org_id))])
            parts.append(visible)
        if request.amount_min is not None:
            parts.append(query.NumericRange("amount_max", request.amount_min, None))
        if request.amount_max is not None:
            parts.append(query.NumericRange("amount_min", None, request.amount_max))
        if request.date_from or request.date_to:
            parts.append(
                query.NumericRange(
                    "date",
                    int(request.date_from.timestamp()) if request.date_from else None,
                    int(request.date_to.timestamp()) if request.date_to else None,
                )
            )
        return query.And(parts) if parts else None

    def search(self, request: SearchRequest) -> SearchResult:
        return self._read(self._search, request)

    def _search(self, request: SearchRequest) -> SearchResult:
        text, notice = clean_query(request.q)
        searcher = self._searcher()
        allowed = self._filter_docs(searcher, self._filter(request))
        nothing = SearchResult([], 0, request.page, request.per_page, {}, None, False, notice)
        if allowed is not None and not allowed:  # Whoosh reads an empty filter as "no filter"
            return nothing
        facets = {name: sorting.FieldFacet(name, maptype=sorting.Count) for name in FACETS}
        by_date = dict(filter=allowed, groupedby=facets, sortedby="date", reverse=True)
        if not text:
            results = searcher.search(query.Every(), limit=request.page * request.per_page, **by_date)
            return self._result(results, request, set(), notice, scored=False)
        plan = plan_query(text)
        if not plan.groups:  # punctuation or stop words only
            return nothing
        if request.sort == "date":
            return self._by_date(searcher, plan, request, by_date, notice)
        # optimize=False: facets visit every match anyway, and block skipping would make Whoosh walk the query
        # a second time to count them
        scored = dict(filter=allowed, groupedby=facets, optimize=False)
        return self._by_relevance(searcher, plan, request, scored, allowed, notice)

    def _by_date(self, searcher, plan: Plan, request: SearchRequest, kwargs: dict, notice) -> SearchResult:
        """Newest first among the documents with every group; when there are none, among those with some."""
        limit = request.page * request.per_page
        results = searcher.search(plan.every_group, limit=limit, **kwargs)
        relaxed = False
        if results.is_empty() and len(plan.groups) > 1:
            results = searcher.search(plan.some_group, limit=limit, **kwargs)
            relaxed = not results.is_empty()
        result = self._result(results, request, plan.highlight, notice, scored=False)
        result.correction = correction(searcher, plan, near_misses=relaxed or results.is_empty())
        result.relaxed, result.synonyms = relaxed, plan.synonyms
        return result

    def _by_relevance(self, searcher, plan: Plan, request: SearchRequest, kwargs: dict, allowed, notice):
        """One ranked list: documents with every group (or a synonym of it) by BM25, then those with some of
        them (one at least that is not common), then the request's candidates found by meaning only. When
        every group is common, the documents with all of them, else (relaxed) those with some, as before
        partial matches ranked."""
        candidates = self._candidates(searcher, request.candidates, allowed)
        limit = max(request.window, request.page * request.per_page)
        common = (
            common_groups(searcher, plan, COMMON_SHARE, COMMON_LEAST) if len(plan.groups) > 1 else [False]
        )
        if len(plan.groups) == 1:
            words, tiers = plan.groups[0], _Tiers()
        elif not all(common):
            words, tiers = Groups(plan.groups, common), _Tiers(partial=True)
        else:
            words, tiers = plan.every_group, _Tiers()
        scores: dict[int, float] = {}  # the candidates' scores, written while the search scores them
        results = searcher.search(self._with(words, candidates, scores), limit=limit, **kwargs)
        if len(plan.groups) > 1 and all(common) and not _best(results):
            words, tiers, scores = plan.some_group, _Tiers(relaxed=True), {}
            results = searcher.search(self._with(words, candidates, scores), limit=limit, **kwargs)
        best = _best(results)
        every = tiers.of_score(best) == EVERY_WORD
        result = self._result(results, request, plan.highlight, notice)
        result.correction = correction(searcher, plan, near_misses=not every)
        result.relaxed, result.synonyms = best > 0 and not every, plan.synonyms
        result.by_meaning = bool(results.top_n) and not best
        if request.window or candidates:
            result.ranking = self._ranking(searcher, results, request.window, tiers, candidates, scores)
        return result

    @staticmethod
    def _with(words, candidates: dict, scores: dict):
        """The words' query, matching the candidates too and noting their scores."""
        if not candidates:
            return words
        return Recorded(query.Or([words, Documents(candidates.values())]), candidates.values(), scores)

    def _candidates(self, searcher, keys, allowed) -> dict[str, int]:
        """The document numbers of the candidates that exist and pass the request's filter."""
        found = {}
        for key in dict.fromkeys(keys):
            docnum = searcher.document_number(doc_id=key)
            if docnum is not None and (allowed is None or docnum in allowed):
                found[key] = docnum
        return found

    @staticmethod
    def _ranking(
        searcher, results, window: int, tiers: "_Tiers", candidates: dict, scores: dict
    ) -> list[Ranked]:
        """The first `window` documents as ranked, then the candidates found beyond them, each with its
        tier."""
        ranking, seen = [], set()
        for position, (score, docnum) in enumerate(results.top_n[:window]):
            seen.add(docnum)
            ranking.append(
                Ranked(
                    searcher.stored_fields(docnum)["doc_id"],
                    tiers.of_score(score),
                    score % EVERY_WORD_BONUS,
                    position,
                )
            )
        ranking += [
            Ranked(key, tiers.of_score(scores.get(docnum, 0.0)), scores.get(docnum, 0.0) % EVERY_WORD_BONUS)
            for key, docnum in candidates.items()
            if docnum not in seen
        ]
        return ranking

    def _result(self, results, request: SearchRequest, terms: set[str], notice, scored=True) -> SearchResult:
        """A page of results with facets; a hit's score is its BM25 score (0 when sorted by date)."""
        page = ResultsPage(results, request.page, request.per_page)
        hits = [
            self._hit(
                dict(hit.fields()), float(hit.score or 0.0) % EVERY_WORD_BONUS if scored else 0.0, terms
            )
            for hit in page
        ]
        facet_counts = {
            name: {value: n for value, n in results.groups(name).items() if value} for name in FACETS
        }
        return SearchResult(
            hits, page.total, page.pagenum, request.per_page, facet_counts, None, False, notice
        )

    def fetch(self, request: SearchRequest, keys: list[str]) -> list[Hit]:
        return self._read(self._fetch, request, keys)

    def _fetch(self, request: SearchRequest, keys: list[str]) -> list[Hit]:
        text, _ = clean_query(request.q)
        searcher = self._searcher()
        allowed = self._filter_docs(searcher, self._filter(request))
        terms = plan_query(text).highlight if text else set()
        hits = []
        for key in keys:
            docnum = searcher.document_number(doc_id=key)
            if docnum is not None and (allowed is None or docnum in allowed):
                hits.append(self._hit(searcher.stored_fields(docnum), 0.0, terms))
        return hits

    @staticmethod
    def _hit(stored: dict, score: float, terms: set[str]) -> Hit:
        highlights = {
            "title": mark(stored.get("title", ""), terms),
            "body": mark(stored.get("snippet", ""), terms, width=160),
        }
        return Hit(stored["kind"], stored["object_id"], stored.get("title", ""), score, highlights, stored)

    def similar(self, kind: str, text: str, limit: int = 5) -> list[Hit]:
        """Published documents of one kind that share the most distinctive words with `text`.

        Only the KEY_TERMS rarest words of the text are searched (as Whoosh's more_like_this does): an OR of
        every word of a long description matches most of a large catalogue and takes seconds."""
        return self._read(self._similar, kind, text, limit)

    def _similar(self, kind: str, text: str, limit: int) -> list[Hit]:
        self._open()
        searcher = self._searcher()
        terms = key_terms(searcher, normalise(text or ""), KEY_TERMS)
        if not terms:
            return []
        flt = self._filter_docs(
            searcher, query.And([query.Term("kind", kind), query.Term("status", "published")])
        )
        if not flt:
            return []
        wanted = query.Or([query.Term(name, term) for term in terms for name in SIMILAR_FIELDS])
        wanted.matcher_type = (
            query.Or.ARRAY_MATCHER
        )  # adds up scores in arrays; a tree of unions is 2-4× slower
        return [
            self._hit(dict(hit.fields()), float(hit.score or 0.0), set())
            for hit in searcher.search(wanted, limit=limit, filter=flt)
        ]

    def document_frequencies(self, words) -> tuple[int, dict[str, int]]:
        """How many documents the index holds, and in how many of them each word appears (title, body or
        keywords)."""
        return self._read(self._document_frequencies, list(words))

    def _document_frequencies(self, words: list[str]) -> tuple[int, dict[str, int]]:
        self._open()
        searcher = self._searcher()
        return searcher.doc_count(), {
            word: max(searcher.doc_frequency(name, word) for name in SIMILAR_FIELDS) for word in words
        }


class _Tiers:
    """How many of a query's groups a ranked document has, from its score: with one group, or searching for
    all of them, every match has every group; with partial matches (Groups), those with every group were
    lifted by EVERY_WORD_BONUS; relaxed, none has them all."""

    def __init__(self, partial: bool = False, relaxed: bool = False):
        self.partial, self.relaxed = partial, relaxed

    def of_score(self, score: float) -> int:
        if score <= 0:
            return NO_WORDS
        if self.relaxed or (self.partial and score < EVERY_WORD_BONUS):
            return SOME_WORDS
        return EVERY_WORD


def _best(results) -> float:
    return results.top_n[0][0] if results.top_n else 0.0


KEY_TERMS = 16
SIMILAR_FIELDS = ("title", "body", "keywords")


def key_terms(searcher, text: str, count: int) -> list[str]:
    """The `count` words of `text` that weigh most by tf·idf in the index; a lone Chinese character counts
    half (the index holds single characters as leftovers of longer words, so their rarity misleads)."""
    frequency: dict[str, int] = {}
    for word in query_words(text):
        frequency[word] = frequency.get(word, 0) + 1
    documents = max(searcher.doc_count(), 1)
    weighted = []
    for word, tf in frequency.items():
        df = max(searcher.doc_frequency(name, word) for name in SIMILAR_FIELDS)
        if not df:
            continue
        weight = (1 + math.log(tf)) * math.log(1 + documents / df)
        if len(word) == 1 and not word.isascii():
            weight /= 2
        weighted.append((-weight, word))
    weighted.sort()
    return [word for _, word in weighted[:count]]
