"""Full-text search behind one interface; the only package that imports whoosh."""

import os

from flask import Flask, current_app

from market.search.base import (  # noqa: F401  (the interface other layers use)
    KINDS,
    Hit,
    IndexBusy,
    IndexUnavailable,
    SearchDocument,
    SearchRequest,
    SearchResult,
    batched,
)


def init_app(app: Flask) -> None:
    """Choose the engine from SEARCH_BACKEND ('whoosh' on disk, 'memory'); nothing is opened yet. Stops on a
    Whoosh other than the pinned one (see market/search/whoosh_internals)."""
    from market.search.analysis import keep_dictionary_in
    from market.search.whoosh_backend import WhooshBackend
    from market.search.whoosh_internals import check_version

    check_version()

    kind = app.config.get("SEARCH_BACKEND", "whoosh")
    path = app.config.get("SEARCH_PATH") or os.path.join(app.instance_path, "search")
    backend = WhooshBackend(None if kind == "memory" else path)
    app.extensions["search"] = backend
    keep_dictionary_in(path)  # the segmenter's prepared dictionary lives beside the index


def prepare_dictionary() -> None:
    """Load the segmenter's dictionary, preparing and keeping it beside the index if it is not there yet (each
    process then reads it in a fraction of a second on its first search)."""
    from market.search.analysis import segmenter

    segmenter()


def backend():
    """The current app's search engine."""
    return current_app.extensions["search"]


def general_frequency(word: str) -> float:
    """How often a word appears in general Chinese writing, per million words (the segmenter's dictionary)."""
    from market.search.analysis import segmenter

    tokenizer = segmenter()
    return tokenizer.FREQ.get(word, 0) * 1_000_000 / tokenizer.total


def query_words(text: str) -> list[str]:
    """Words of a text as the index segments them (for explanations and duplicate checks)."""
    from market.search.analysis import query_words as words

    return words(text)


def clean_query(text: str) -> tuple[str, str | None]:
    """A query as the index reads it (normalised, quotes as ASCII, cut at 200 characters) and the notice if
    cut."""
    from market.search.analysis import clean_query as clean

    return clean(text)
