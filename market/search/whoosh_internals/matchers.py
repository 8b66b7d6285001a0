"""Whoosh queries, matchers and a scorer of our own; they reach into Whoosh's matcher and scorer internals
(`_replacement`, `_ids`, `_maxquality`, `subsearchers`), which is why they live here."""

import heapq

from whoosh import matching, query
from whoosh.scoring import BM25F, BM25FScorer

from market.search.synonyms import Words

EVERY_WORD_BONUS = 1e6  # added to the score of a document with every group: it ranks above those with some


class _CappedIdf(BM25F):
    """BM25F whose idf is at most that of the rarest word typed: a rare spelling (an abbreviation, an old
    name) must not outweigh the word the user wrote."""

    def __init__(self, typed: Words):
        super().__init__()
        self.typed = typed

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf)
        if isinstance(scorer, BM25FScorer):
            parent = searcher.get_parent()
            cap = max(parent.idf(fieldname, word) for word in self.typed)
            if cap < scorer.idf:
                scorer.idf = cap
                info = searcher.term_info(fieldname, text)
                scorer._maxquality = scorer._score(info.max_weight(), info.min_length())
        return scorer


class SynonymTerm(query.Term):
    """A synonym of the words typed, scored with _CappedIdf and its weight."""

    def __init__(self, fieldname, text, typed: Words, weight: float):
        super().__init__(fieldname, text, boost=weight)
        self.typed = typed

    def matcher(self, searcher, context=None):
        if context is None:
            context = searcher.context()
        if context.weighting is not None:  # None: only which documents match is asked
            context = context.set(weighting=_CappedIdf(self.typed))
        return super().matcher(searcher, context)


def matching_documents(searcher, q):
    """The index-wide numbers of the documents `q` matches, walking its matcher (Whoosh's own docs_for_query
    intersects by collecting every id of both sides, which walks all of a common word's postings)."""
    for leaf, offset in searcher.leaf_searchers():
        matcher = q.matcher(leaf, leaf.boolean_context())
        while matcher.is_active():
            yield matcher.id() + offset
            matcher.next()


def segment_offset(searcher) -> int:
    """Where a segment's document numbers start in the whole index (Whoosh builds matchers per segment)."""
    parent = searcher.get_parent()
    if parent is searcher:
        return 0
    for sub, offset in parent.subsearchers:
        if sub is searcher:
            return offset
    raise LookupError("searcher is not a segment of its parent")


def _local(searcher, docnums) -> list[int]:
    offset, count = segment_offset(searcher), searcher.doc_count_all()
    return sorted(d - offset for d in docnums if offset <= d < offset + count)


class Documents(query.Query):
    """These documents (index-wide numbers), scoring 0: candidates found by meaning, not by words."""

    def __init__(self, docnums):
        self.docnums = frozenset(docnums)

    def __eq__(self, other):
        return type(other) is type(self) and other.docnums == self.docnums

    def __hash__(self):
        return hash(self.docnums)

    def __repr__(self):
        return f"Documents({sorted(self.docnums)[:5]}…{len(self.docnums)})"

    def is_leaf(self):
        return True

    def estimate_size(self, ixreader):
        return len(self.docnums)

    def matcher(self, searcher, context=None):
        local = _local(searcher, self.docnums)
        return _Unscored(local) if local else matching.NullMatcher()


class Recorded(query.WrappingQuery):
    """The child query, writing the score of each of `docnums` (index-wide numbers) it scores into `scores`:
    the tiers of candidates that rank below the first page, without walking the query again."""

    def __init__(self, child, docnums, scores: dict):
        super().__init__(child)
        self.docnums, self.scores = frozenset(docnums), scores

    def _rewrap(self, child):
        return self.__class__(child, self.docnums, self.scores)

    def __eq__(self, other):
        return type(other) is type(self) and (other.child, other.docnums) == (self.child, self.docnums)

    def __hash__(self):
        return hash((self.child, self.docnums))

    def matcher(self, searcher, context=None):
        child = self.child.matcher(searcher, context)
        offset = segment_offset(searcher)
        local = set(_local(searcher, self.docnums))
        return _RecordingMatcher(child, local, offset, self.scores) if local else child


class _RecordingMatcher(matching.WrappingMatcher):
    def __init__(self, child, local: set, offset: int, scores: dict):
        super().__init__(child)
        self._local, self._offset, self._scores = local, offset, scores

    def copy(self):
        return self.__class__(self.child.copy(), self._local, self._offset, self._scores)

    def _replacement(self, newchild):
        return self.__class__(newchild, self._local, self._offset, self._scores)

    def score(self):
        score = self.child.score()
        at = self.child.id()
        if at in self._local:
            self._scores[at + self._offset] = score
        return score


class _Unscored(matching.ListMatcher):
    """A list of documents that adds nothing to a score (ListMatcher would add 1 for each)."""

    def score(self):
        return 0.0

    def copy(self):
        return self.__class__(self._ids, position=self._i)


class Groups(query.Query):
    """The documents with at least one of the groups that are not common, scored as the sum of the groups they
    have plus EVERY_WORD_BONUS when they have all of them: one ranked list with the documents that have every
    group first. Common groups (words in a large share of the index) are looked up only at those documents."""

    def __init__(self, groups, common: list[bool]):
        self.groups, self.common = list(groups), list(common)

    def __eq__(self, other):
        return type(other) is type(self) and (other.groups, other.common) == (self.groups, self.common)

    def __hash__(self):
        return hash((tuple(self.groups), tuple(self.common)))

    def __repr__(self):
        return f"Groups({self.groups!r}, common={self.common!r})"

    def children(self):
        return list(self.groups)

    def estimate_size(self, ixreader):
        return sum(
            group.estimate_size(ixreader) for group, common in zip(self.groups, self.common) if not common
        )

    def matcher(self, searcher, context=None):
        leaves = [
            [m for m in (leaf.matcher(searcher, context) for leaf in group.leaves()) if m.is_active()]
            for group in self.groups
        ]
        return _GroupsMatcher(leaves, [not common for common in self.common])


class _GroupsMatcher(matching.Matcher):
    """The documents of the telling groups' term and phrase matchers, merged with a heap; at each document the
    others (common groups) are moved there to score and count them."""

    def __init__(self, leaves: list[list], telling: list[bool]):
        self._leaves, self._telling = leaves, telling
        self._heap = [
            (m.id(), n, group, m)
            for n, (group, m) in enumerate(
                (group, m) for group, ms in enumerate(leaves) if telling[group] for m in ms
            )
        ]
        heapq.heapify(self._heap)
        self._here, self._id = [], None
        self._settle()

    def _settle(self):
        """Take the matchers at the lowest document off the heap: they are `here`."""
        heap, here = self._heap, []
        self._id = heap[0][0] if heap else None
        while heap and heap[0][0] == self._id:
            here.append(heapq.heappop(heap))
        self._here = here

    def _push(self, entry):
        _, n, group, m = entry
        if m.is_active():
            heapq.heappush(self._heap, (m.id(), n, group, m))

    def is_active(self):
        return self._id is not None

    def id(self):
        return self._id

    def next(self):
        if self._id is None:
            raise matching.ReadTooFar
        for entry in self._here:
            entry[3].next()
            self._push(entry)
        self._settle()

    def skip_to(self, target):
        if self._id is None:
            raise matching.ReadTooFar
        if target <= self._id:
            return
        behind = self._here
        while self._heap and self._heap[0][0] < target:
            behind.append(heapq.heappop(self._heap))
        for entry in behind:
            entry[3].skip_to(target)
            self._push(entry)
        self._settle()

    def score(self):
        at = self._id
        total = sum(entry[3].score() for entry in self._here)
        found = {entry[2] for entry in self._here}
        for group, leaves in enumerate(self._leaves):
            if self._telling[group]:
                continue
            for m in leaves:
                if m.is_active() and m.id() < at:
                    m.skip_to(at)
                if m.is_active() and m.id() == at:
                    total += m.score()
                    found.add(group)
        return total + EVERY_WORD_BONUS if len(found) == len(self._leaves) else total

    def children(self):
        return [m for leaves in self._leaves for m in leaves]

    def copy(self):
        return self.__class__([[m.copy() for m in leaves] for leaves in self._leaves], self._telling)

    def supports_block_quality(self):
        return False
