"""What the Whoosh engine looks for: a query string as groups of words with their synonyms, the ranking that puts
documents with every group first, candidates found by meaning, and "did you mean" for words no document has."""
import re
import threading
from dataclasses import dataclass, field

from whoosh import matching, query
from whoosh.scoring import BM25F, BM25FScorer

from market.search.analysis import query_words, segmenter
from market.search.synonyms import Words, thesaurus

SEARCH_FIELDS = ("title", "body", "keywords", "org_name")
CORRECTION_FIELDS = ("title", "body", "keywords")
SYNONYM_WEIGHT = 0.9  # a synonym scores a little below the word the user typed
EVERY_WORD_BONUS = 1e6  # added to the score of a document with every group: it ranks above those with some
PHRASES = re.compile(r'"([^"]*)"')
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


@dataclass
class Plan:
    """A query string as the index looks for it: one group per word, listed term or quoted phrase (a document has
    a group when it has the words or one of their synonyms)."""

    text: str = ""
    groups: list = field(default_factory=list)
    minor: list[bool] = field(default_factory=list)  # per group: a lone Chinese character (钠 of 钠 电池)
    highlight: set[str] = field(default_factory=set)  # the words and synonyms to mark in hits
    typed: list[Words] = field(default_factory=list)  # the unquoted words as typed, for "did you mean"
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # a listed term → the synonyms searched too

    @property
    def every_group(self):
        return self.groups[0] if len(self.groups) == 1 else query.And(self.groups)

    @property
    def some_group(self):
        """Documents with at least one group; a lone Chinese character only counts beside a longer word (alone it
        is in half the catalogue), unless the query has nothing else."""
        if len(self.groups) == 1:
            return self.groups[0]
        major = [group for group, minor in zip(self.groups, self.minor) if not minor]
        minor = [group for group, minor in zip(self.groups, self.minor) if minor]
        if not major or not minor:
            return query.Or(self.groups)
        return query.AndMaybe(_either(major), _either(minor))

    def add(self, group, words: Words) -> None:
        self.groups.append(group)
        self.minor.append(len(words) == 1 and len(words[0]) == 1 and bool(_HAN.match(words[0])))


def _either(groups):
    return groups[0] if len(groups) == 1 else query.Or(groups)


def plan_query(text: str) -> Plan:
    """Groups for a cleaned query string (quotes balanced): quoted words as a phrase, other words with synonyms."""
    plan, known = Plan(text), thesaurus()
    for n, part in enumerate(PHRASES.split(text)):
        words = tuple(query_words(part))
        if not words:
            continue
        plan.highlight.update(words)
        if n % 2:  # inside quotes: these words in this order, no synonyms
            plan.add(words_query(words), words)
            continue
        for span in known.spans(list(words)):
            plan.typed.append(span.words)
            if not span.alternatives:
                plan.add(words_query(span.words), span.words)
                continue
            plan.synonyms[known.spell(span.words)] = [known.spell(other) for other in span.alternatives]
            plan.highlight.update(word for other in span.alternatives for word in other)
            # Each word of a listed term stays a group of its own (a listing with some of them is a partial match);
            # a synonym of the whole term stands for every one of them, its weight shared out between them.
            weight = SYNONYM_WEIGHT / len(span.words)
            for word in span.words:
                plan.add(query.Or([words_query((word,)), *(words_query(other, weight, span.words)
                                                           for other in span.alternatives)]), (word,))
    return plan


def words_query(words: Words, weight: float = 1.0, typed: Words | None = None):
    """The words in any searched field: one word as a term, several as a phrase. A synonym of `typed` words scores
    times `weight` and as if it were no rarer than they are."""
    if len(words) > 1:
        return query.Or([query.Phrase(name, list(words), boost=weight) for name in SEARCH_FIELDS])
    if typed is None:
        return query.Or([query.Term(name, words[0]) for name in SEARCH_FIELDS])
    return query.Or([SynonymTerm(name, words[0], typed, weight) for name in SEARCH_FIELDS])


class _CappedIdf(BM25F):
    """BM25F whose idf is at most that of the rarest word typed: a rare spelling (an abbreviation, an old name)
    must not outweigh the word the user wrote."""

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


class _Unscored(matching.ListMatcher):
    """A list of documents that adds nothing to a score (ListMatcher would add 1 for each)."""

    def score(self):
        return 0.0

    def copy(self):
        return self.__class__(self._ids, position=self._i)


class EveryGroupFirst(query.WrappingQuery):
    """The child query, with EVERY_WORD_BONUS added to the score of the documents in `full` (index-wide numbers):
    one ranked list in which documents with every group come first, those with some of them after."""

    def __init__(self, child, full):
        super().__init__(child)
        self.full = frozenset(full)

    def _rewrap(self, child):
        return self.__class__(child, self.full)

    def __eq__(self, other):
        return type(other) is type(self) and other.child == self.child and other.full == self.full

    def __hash__(self):
        return hash((self.child, self.full))

    def matcher(self, searcher, context=None):
        child = self.child.matcher(searcher, context)
        if context is not None and context.weighting is None:
            return child
        local = set(_local(searcher, self.full))
        return _BonusMatcher(child, local) if local else child


class _BonusMatcher(matching.WrappingMatcher):
    def __init__(self, child, full: set):
        super().__init__(child)
        self.full = full

    def copy(self):
        return self.__class__(self.child.copy(), self.full)

    def _replacement(self, newchild):
        return self.__class__(newchild, self.full)

    def score(self):
        score = self.child.score()
        return score + EVERY_WORD_BONUS if self.child.id() in self.full else score

    def max_quality(self):
        return self.child.max_quality() + EVERY_WORD_BONUS

    def block_quality(self):
        return self.child.block_quality() + EVERY_WORD_BONUS

    def skip_to_quality(self, minquality):
        return self.child.skip_to_quality(minquality - EVERY_WORD_BONUS)


# ---- did you mean ------------------------------------------------------------------------------------------

def correction(searcher, plan: Plan, near_misses: bool) -> str | None:
    """The query text with its words that no document has replaced: by their most used synonym; with near_misses
    (no document has every word) also by the closest indexed word: Latin letters within two edits, Chinese words of
    three or more characters one character off (石墨稀 → 石墨烯), also where jieba cut the unknown word into known
    pieces (石墨 + 稀). Quoted phrases stay as they are; None when nothing changes."""
    typed, replacements, at = plan.typed, [], 0
    while at < len(typed):
        if near_misses and (fixed := _split_near_miss(searcher, typed, at)):
            length, word = fixed
            replacements.append((tuple(words[0] for words in typed[at:at + length]), word))
            at += length
            continue
        words = typed[at]
        if not all(_frequency(searcher, word) for word in words):
            replacement = _common_synonym(searcher, words)
            if replacement is None and near_misses and len(words) == 1:
                replacement = _near_miss(searcher, words[0])
            if replacement is not None:
                replacements.append((words, replacement))
        at += 1
    return _replaced(plan.text, replacements)


def _replaced(text: str, replacements: list[tuple[Words, str]]) -> str | None:
    """The words of the text (punctuation and quotes dropped) with each (words, new) replaced in turn."""
    text, out, cursor = " ".join(re.sub(r"[^\w.]+|_", " ", text).split()), [], 0
    for words, new in replacements:
        found = re.compile(r"\W*".join(re.escape(word) for word in words)).search(text, cursor)
        if found:
            out += [text[cursor:found.start()], new]
            cursor = found.end()
    corrected = " ".join("".join(out + [text[cursor:]]).split())
    return corrected if out else None


def _frequency(searcher, word: str) -> int:
    return max(searcher.doc_frequency(name, word) for name in CORRECTION_FIELDS)


def _common_synonym(searcher, words: Words) -> str | None:
    """The synonym of `words` that most documents have (every word of it), if any has it."""
    known = thesaurus()
    best, most = None, 0
    for other in known.others(words):
        count = min(_frequency(searcher, word) for word in other)
        if count > most:
            best, most = known.spell(other), count
    return best


def _near_miss(searcher, word: str) -> str | None:
    if word.isascii():
        if len(word) < 3:  # within two edits of any short word
            return None
        suggestions = [suggestion for name in ("title", "body")
                       for suggestion in searcher.corrector(name).suggest(word, limit=3, maxdist=2)
                       if suggestion.isascii()]
        return suggestions[0] if suggestions else None
    return _one_character_off(searcher, word)


def _split_near_miss(searcher, typed: list[Words], at: int) -> tuple[int, str] | None:
    """An unknown word jieba cut into known pieces and a lone character (石墨稀 → 石墨 + 稀): the window of typed
    words starting at `at` that, joined, is one character off an indexed word; (its length, that word)."""
    for length in (3, 2):
        window = typed[at:at + length]
        if len(window) < length or any(len(words) != 1 for words in window):
            continue
        pieces = [words[0] for words in window]
        joined = "".join(pieces)
        if not (3 <= len(joined) <= 6 and _HAN.match(joined)) or all(len(p) > 1 for p in pieces):
            continue
        if any(True for _ in searcher.docs_for_query(words_query(tuple(pieces)))):
            continue  # the pieces stand together in some listing: a way of writing, not a typo
        word = _one_character_off(searcher, joined)
        if word:
            return length, word
    return None


def _one_character_off(searcher, word: str) -> str | None:
    """The dictionary word, one character different from `word` and of its length, that most documents have."""
    if len(word) < 3 or not _HAN.match(word):
        return None  # between two-character words one character changes the meaning, not the spelling
    dictionary = segmenter().FREQ
    best, most = None, 0
    for at, current in enumerate(word):
        for character in _common_characters():
            if character == current:
                continue
            candidate = word[:at] + character + word[at + 1:]
            if dictionary.get(candidate):
                count = _frequency(searcher, candidate)
                if count > most:
                    best, most = candidate, count
    return best


_characters: tuple[str, ...] | None = None
_characters_lock = threading.Lock()
COMMON_CHARACTERS = 4500


def _common_characters() -> tuple[str, ...]:
    """The Chinese characters jieba's dictionary uses most: what a mistyped character is replaced with."""
    global _characters
    if _characters is None:
        with _characters_lock:
            counts: dict[str, int] = {}
            for word, frequency in segmenter().FREQ.items():
                if frequency and _HAN.match(word):
                    for character in word:
                        counts[character] = counts.get(character, 0) + 1
            _characters = tuple(sorted(counts, key=counts.get, reverse=True)[:COMMON_CHARACTERS])
    return _characters
