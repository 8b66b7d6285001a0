"""A web process warms up in the background: what its first search would otherwise wait for (the segmenter's
dictionary, the search index, the query model and the stored vectors, the compiled search page, the API's
description) is loaded on a thread of its own, started when the process has answered its first request (a
look at the home page, a health check), so that neither start-up nor that first page waits for it and the
search that follows answers at once.
Commands never serve a request and never warm up; tests do only when SEARCH_WARMUP is set (off with TESTING).
docs/benchmarks.md has the first-search times with and without it (bench/first_search.py).
"""

import logging
import threading
import time

from flask import Flask
from jinja2 import meta

from market.api import conformance
from market.extensions import db
from market.services import search as search_service

log = logging.getLogger(__name__)
THREAD_NAME = "market-warm-up"
PAGES = ("search/results.html",)  # compiled with every template they extend, import or include


def install(app: Flask) -> None:
    """Warm the process up on its first request, unless SEARCH_WARMUP is off (None: off under TESTING)."""
    enabled = app.config.get("SEARCH_WARMUP")
    if not (not app.testing if enabled is None else enabled):
        return
    lock, started = threading.Lock(), []

    @app.after_request
    def _warm_up_once(response):
        if not started:
            with lock:
                if not started:
                    started.append(True)
                    # once the response has gone out: the first page does not share the CPU with the warm-up
                    response.call_on_close(lambda: start(app))
        return response


def start(app: Flask) -> threading.Thread:
    """Warm up on a daemon thread (the process does not wait for it to exit); returns the thread."""
    thread = threading.Thread(target=warm_up, args=(app,), name=THREAD_NAME, daemon=True)
    thread.start()
    return thread


def warm_up(app: Flask) -> dict[str, float]:
    """Load what the first search needs, step by step; returns the seconds each step took. A step that fails
    is logged and skipped: the first search then loads what it needs itself, as it always could."""
    timings: dict[str, float] = {}
    steps = (
        ("search", search_service.warm_up),
        ("api description", conformance.prepare),
        ("templates", lambda: _compile(app, PAGES)),
    )
    with app.app_context():
        for name, step in steps:
            began = time.perf_counter()
            try:
                step()
            except Exception:  # noqa: BLE001 - warming up is an optimisation, never an outage
                log.warning("warm-up step %r failed", name, exc_info=True, extra={"event": "warm_up_failed"})
                db.session.rollback()
                continue
            timings[name] = round(time.perf_counter() - began, 3)
        db.session.remove()
    log.info("warmed up: %s", timings, extra={"event": "warmed_up", "seconds": timings})
    return timings


def _compile(app: Flask, names) -> int:
    """Compile templates and those they use into the app's template cache; returns how many."""
    environment, seen, todo = app.jinja_env, set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source = environment.loader.get_source(environment, name)[0]
        environment.get_template(name)
        todo.extend(n for n in meta.find_referenced_templates(environment.parse(source)) if n)
    return len(seen)
