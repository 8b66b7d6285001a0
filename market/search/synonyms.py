"""Synonyms and abbreviations of technical terms (synonyms.txt), applied to queries, never to the index."""

import threading
from dataclasses import dataclass
from pathlib import Path

from market.search.analysis import query_words

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")

Words = tuple[str, ...]  # a term as the index segments it: 无人驾驶航空器 → ("无人驾驶", "航空器")


@dataclass(frozen=True)
class Span:
    """Query words that stand together: one word, or a listed term; with the other spellings of its group."""

    words: Words
    alternatives: tuple[Words, ...] = ()


@dataclass(frozen=True)
class _Entry:
    words: Words
    spelling: str  # as the file writes it: AI, NB-IoT
    lookup_only: bool  # written in parentheses: it finds its group but is never added to a query


def parse_groups(lines) -> list[list[_Entry]]:
    """Groups of entries from the file's lines: one group a line, '#' starts a comment, '(AR)' is
    lookup-only."""
    groups = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        entries = []
        for term in line.split():
            lookup_only = term.startswith("(") and term.endswith(")")
            spelling = term.strip("()")
            words = tuple(query_words(spelling))
            if words:
                entries.append(_Entry(words, spelling, lookup_only))
        if len(entries) > 1:
            groups.append(entries)
    return groups


class Thesaurus:
    """Finds listed terms in a query's words, longest first, and what else they are called."""

    def __init__(self, groups: list[list[_Entry]]):
        self._others: dict[Words, list[Words]] = {}
        self._spelling: dict[Words, str] = {}
        for group in groups:
            for entry in group:
                self._spelling.setdefault(entry.words, entry.spelling)
                others = self._others.setdefault(entry.words, [])
                others += [
                    e.words
                    for e in group
                    if e.words != entry.words and not e.lookup_only and e.words not in others
                ]
        self._longest = max((len(words) for words in self._others), default=1)

    def __len__(self) -> int:
        return len(self._others)

    def spans(self, words: list[str]) -> list[Span]:
        """The query's words as spans: a run of words that spells a listed term is one span."""
        spans, at = [], 0
        while at < len(words):
            for length in range(min(self._longest, len(words) - at), 0, -1):
                run = tuple(words[at : at + length])
                if run in self._others:
                    spans.append(Span(run, tuple(self._others[run])))
                    at += length
                    break
            else:
                spans.append(Span((words[at],)))
                at += 1
        return spans

    def spell(self, words: Words) -> str:
        """How a term is written: as the file lists it, else its words run together."""
        return self._spelling.get(tuple(words)) or "".join(words)

    def others(self, words: Words) -> list[Words]:
        """The other spellings of a term ([] when it is not listed)."""
        return list(self._others.get(tuple(words), []))


_thesaurus: Thesaurus | None = None
_lock = threading.Lock()


def thesaurus() -> Thesaurus:
    """The process's thesaurus, read from synonyms.txt once."""
    global _thesaurus
    if _thesaurus is None:
        with _lock:
            if _thesaurus is None:
                with SYNONYMS_FILE.open(encoding="utf-8") as lines:
                    _thesaurus = Thesaurus(parse_groups(lines))
    return _thesaurus
