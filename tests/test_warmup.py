"""A web process warms up on a background thread once it has answered its first request (market/warmup.py):
searches answer the same while it runs and without it; it starts once, and not in tests unless asked."""

import re

import pytest

from market import create_app, warmup
from market.extensions import db
from tests.conftest import _test_config

RESULTS = ["锂电池正极材料单晶化技术", "废旧锂电池回收再利用工艺", "固态锂电池电解质薄膜"]


def _found(client) -> tuple[list[str], list[str]]:
    """The titles the search page and the search API list for 锂电池."""
    page = client.get("/search?q=锂电池")
    assert page.status_code == 200
    hits = re.findall(r'data-testid="hit".*?<a [^>]*>(.*?)</a>', page.get_data(as_text=True), re.S)
    api = client.get("/api/v1/search?q=锂电池")
    assert api.status_code == 200
    return [re.sub(r"<[^>]+>", "", h).strip() for h in hits], [i["title"] for i in api.get_json()["items"]]


@pytest.mark.slow  # the warm-up thread reads the database on a connection of its own
def test_searches_answer_the_same_while_the_warm_up_runs_and_without_it(app, make_user, make_listing):
    owner = make_user("university")
    for title in RESULTS:
        make_listing("achievement", owner, title=title)
    client = app.test_client()
    without = _found(client)
    assert sorted(without[0]) == sorted(RESULTS) and sorted(without[1]) == sorted(RESULTS)

    thread = warmup.start(app)
    while_warming = [_found(client) for _ in range(3)]
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert all(found == without for found in while_warming)
    assert _found(client) == without

    # each step loads what it should without failing (a failed step is logged and left out)
    assert set(warmup.warm_up(app)) == {"search", "templates", "api description"}


@pytest.mark.slow  # a second app
def test_the_first_answer_of_a_web_process_starts_the_warm_up_once(
    backend, database_urls, tmp_path, monkeypatch
):
    started = []
    monkeypatch.setattr(warmup, "start", started.append)
    app = create_app({**_test_config(database_urls[backend], str(tmp_path)), "SEARCH_WARMUP": True})
    client = app.test_client()
    with client.get("/") as first:
        assert first.status_code == 200
        assert started == []  # the first page goes out before the warm-up begins
    assert started == [app]
    for path in ("/search?q=锂电池", "/api/v1/search?q=锂电池", "/"):
        with client.get(path):
            pass
    assert started == [app]
    with app.app_context():
        db.engine.dispose()


def test_tests_and_commands_do_not_warm_up_unless_asked(app, client, monkeypatch):
    started = []
    monkeypatch.setattr(warmup, "start", started.append)
    with client.get("/"), client.get("/search?q=锂电池"):
        pass
    assert app.testing and app.config["SEARCH_WARMUP"] is None and started == []
