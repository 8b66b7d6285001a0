"""What the Whoosh engine looks for: a query string as groups of words with their synonyms, the ranking that
puts documents with every group first, candidates found by meaning, and "did you mean" for words no document
has."""

import re
import threading
from dataclasses import dataclass, field

from whoosh import query

from market.search.analysis import query_words, segmenter
from market.search.synonyms import Words, thesaurus
from market.search.whoosh_internals.matchers import SynonymTerm, matching_documents

SEARCH_FIELDS = ("title", "body", "keywords", "org_name")
CORRECTION_FIELDS = ("title", "body", "keywords")
SYNONYM_WEIGHT = 0.9  # a synonym scores a little below the word the user typed
PHRASES = re.compile(r'"([^"]*)"')
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


@dataclass
class Plan:
    """A query string as the index looks for it: one group per word, listed term or quoted phrase (a document
    has a group when it has the words or one of their synonyms)."""

    text: str = ""
    groups: list = field(default_factory=list)
    words: list[Words] = field(default_factory=list)  # per group: the words typed (a phrase's, or one word)
    highlight: set[str] = field(default_factory=set)  # the words and synonyms to mark in hits
    typed: list[Words] = field(default_factory=list)  # the unquoted words as typed, for "did you mean"
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # a listed term → the synonyms searched too

    @property
    def every_group(self):
        return self.groups[0] if len(self.groups) == 1 else query.And(self.groups)

    @property
    def some_group(self):
        """Documents with at least one group, where a lone Chinese character only counts beside a longer word
        (alone it is in half the catalogue) unless the query has nothing else."""
        return self.partial([_lone_character(words) for words in self.words]) or _either(self.groups)

    def partial(self, common: list[bool]):
        """Documents with at least one group that is not `common`, which then only add to the score; None when
        every group is common."""
        if len(self.groups) == 1:
            return self.groups[0]
        telling = [group for group, flag in zip(self.groups, common) if not flag]
        other = [group for group, flag in zip(self.groups, common) if flag]
        if not telling:
            return None
        return query.AndMaybe(_either(telling), _either(other)) if other else _either(telling)

    def add(self, group, words: Words) -> None:
        self.groups.append(group)
        self.words.append(words)


def _lone_character(words: Words) -> bool:
    return len(words) == 1 and len(words[0]) == 1 and bool(_HAN.match(words[0]))


def common_groups(searcher, plan: Plan, share: float, least: int) -> list[bool]:
    """Per group: a lone Chinese character, or a single word in more than `share` of the documents and more
    than `least` of them (技术, 应用 in a large catalogue): on its own such a group does not make a listing a
    partial match, and would make the query scan most of the index."""
    common = max(share * searcher.doc_count(), least)
    return [
        _lone_character(words)
        or (
            len(words) == 1 and max(searcher.doc_frequency(name, words[0]) for name in SEARCH_FIELDS) > common
        )
        for words in plan.words
    ]


def _either(groups):
    return groups[0] if len(groups) == 1 else query.Or(groups)


def plan_query(text: str) -> Plan:
    """Groups for a cleaned query string (quotes balanced): quoted words as a phrase, other words with
    synonyms."""
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
            # Each word of a listed term stays a group of its own (a listing with some of them is a partial
            # match); a synonym of the whole term stands for every one of them, its weight shared out between
            # them.
            weight = SYNONYM_WEIGHT / len(span.words)
            for word in span.words:
                plan.add(
                    query.Or(
                        [
                            words_query((word,)),
                            *(words_query(other, weight, span.words) for other in span.alternatives),
                        ]
                    ),
                    (word,),
                )
    return plan


def words_query(words: Words, weight: float = 1.0, typed: Words | None = None):
    """The words in any searched field: one word as a term, several as a phrase. A synonym of `typed` words
    scores times `weight` and as if it were no rarer than they are."""
    if len(words) > 1:
        return query.Or([query.Phrase(name, list(words), boost=weight) for name in SEARCH_FIELDS])
    if typed is None:
        return query.Or([query.Term(name, words[0]) for name in SEARCH_FIELDS])
    return query.Or([SynonymTerm(name, words[0], typed, weight) for name in SEARCH_FIELDS])


# ---- did you mean ------------------------------------------------------------------------------------------

GUESSES = 3  # words looked up one character off, at most, per query


def correction(searcher, plan: Plan, near_misses: bool) -> str | None:
    """The query text with its words that no document has replaced: by their most used synonym; with
    near_misses (no document has every word) also by the closest indexed word: Latin letters within two edits,
    Chinese words of three or more characters one character off (石墨稀 → 石墨烯), also where jieba cut the
    unknown word into known pieces (石墨 + 稀) — a guess kept only if the corrected query finds a listing with
    every word. Quoted phrases stay as they are; None when nothing changes."""
    typed, replacements, guesses, at = plan.typed, [], [GUESSES], 0
    while at < len(typed):
        if near_misses and (fixed := _split_near_miss(searcher, typed, at, guesses)):
            length, word = fixed
            replacements.append((tuple(words[0] for words in typed[at : at + length]), word, True))
            at += length
            continue
        words = typed[at]
        if not all(_frequency(searcher, word) for word in words):
            replacement, guessed = _common_synonym(searcher, words), False
            if replacement is None and near_misses and len(words) == 1:
                replacement, guessed = _near_miss(searcher, words[0], guesses), True
            if replacement is not None:
                replacements.append((words, replacement, guessed))
        at += 1
    corrected = _replaced(plan.text, replacements)
    if (
        corrected
        and any(guessed for *_, guessed in replacements)
        and not _finds_every_word(searcher, corrected)
    ):
        corrected = _replaced(plan.text, [replacement for replacement in replacements if not replacement[2]])
    return corrected


def _finds_every_word(searcher, text: str) -> bool:
    plan = plan_query(text)
    return bool(plan.groups) and any(True for _ in matching_documents(searcher, plan.every_group))


def _replaced(text: str, replacements: list[tuple[Words, str, bool]]) -> str | None:
    """The words of the text (punctuation and quotes dropped) with each (words, new, …) replaced in turn."""
    text, out, cursor = " ".join(re.sub(r"[^\w.]+|_", " ", text).split()), [], 0
    for words, new, _ in replacements:
        found = re.compile(r"\W*".join(re.escape(word) for word in words)).search(text, cursor)
        if found:
            out += [text[cursor : found.start()], new]
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


def _near_miss(searcher, word: str, guesses: list[int]) -> str | None:
    if word.isascii():
        if len(word) < 3:  # within two edits of any short word
            return None
        suggestions = [
            suggestion
            for name in ("title", "body")
            for suggestion in searcher.corrector(name).suggest(word, limit=3, maxdist=2)
            if suggestion.isascii()
        ]
        return suggestions[0] if suggestions else None
    return _one_character_off(searcher, word, guesses)


def _split_near_miss(searcher, typed: list[Words], at: int, guesses: list[int]) -> tuple[int, str] | None:
    """An unknown word jieba cut into known pieces and a lone character (石墨稀 → 石墨 + 稀): the window of
    typed words starting at `at` that, joined, is one character off an indexed word; (its length, that
    word)."""
    for length in (3, 2):
        window = typed[at : at + length]
        if len(window) < length or any(len(words) != 1 for words in window):
            continue
        pieces = [words[0] for words in window]
        joined = "".join(pieces)
        if not (3 <= len(joined) <= 6 and _HAN.match(joined)) or all(len(p) > 1 for p in pieces):
            continue
        if any(True for _ in matching_documents(searcher, words_query(tuple(pieces)))):
            continue  # the pieces stand together in some listing: a way of writing, not a typo
        word = _one_character_off(searcher, joined, guesses)
        if word:
            return length, word
    return None


def _one_character_off(searcher, word: str, guesses: list[int]) -> str | None:
    """The dictionary word, one character different from `word` and of its length, that most documents have
    (guesses: how many more words may be looked up for this query; counted down). Candidates come from the
    index's terms that share the characters before the changed one, or, for the first character, from common
    characters."""
    if len(word) < 3 or not _HAN.match(word) or guesses[0] <= 0:
        return None  # between two-character words one character changes the meaning, not the spelling
    guesses[0] -= 1
    dictionary, reader = segmenter().FREQ, searcher.reader()
    candidates = {character + word[1:] for character in _common_characters()}
    for at in range(1, len(word)):
        head, tail = word[:at], word[at + 1 :]
        for name in CORRECTION_FIELDS:
            for term in reader.expand_prefix(name, head):
                term = term.decode("utf-8") if isinstance(term, bytes) else term
                if len(term) == len(word) and term.endswith(tail):
                    candidates.add(term)
    candidates.discard(word)
    counted = [
        (_frequency(searcher, candidate), candidate) for candidate in candidates if dictionary.get(candidate)
    ]
    count, best = max(counted, default=(0, None))
    return best if count else None


_characters: tuple[str, ...] | None = None
_characters_lock = threading.Lock()
COMMON_CHARACTERS = 4500


def _common_characters() -> tuple[str, ...]:
    """The Chinese characters jieba's dictionary counts most often: what a mistyped character is replaced
    with."""
    global _characters
    if _characters is None:
        with _characters_lock:
            frequency = segmenter().FREQ
            singles = [
                word for word, count in frequency.items() if count and len(word) == 1 and _HAN.match(word)
            ]
            _characters = tuple(sorted(singles, key=frequency.get, reverse=True)[:COMMON_CHARACTERS])
    return _characters
