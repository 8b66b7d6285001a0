"""A fresh install has no search index yet: that is said calmly (INFO), searches answer from the database, and
the index is built; an index that breaks later is still a WARNING."""

import logging
import shutil

import pytest

from market import search
from market.search.whoosh_backend import WhooshBackend
from market.services import indexing
from market.services.search import search_catalogue
from tests.search.support import tolerate_leaked_files

pytestmark = tolerate_leaked_files


@pytest.fixture
def fresh_disk_index(app, tmp_path, worker_off):
    """This host's index on disk, never built, and the worker not running yet (the app fixture puts the
    in-memory index back afterwards)."""
    app.extensions["search"] = WhooshBackend(str(tmp_path / "search"))
    return search.backend()


def _loud(records):
    return [f"{r.levelname} {r.name}: {r.getMessage()}" for r in records if r.levelno >= logging.WARNING]


def test_a_fresh_install_builds_its_index_without_a_warning(
    fresh_disk_index, make_user, make_listing, caplog
):
    make_listing("achievement", make_user("university"), title="首次启动的钙钛矿成果")
    with caplog.at_level(logging.INFO):
        assert not fresh_disk_index.is_built() and not fresh_disk_index.is_healthy()
        result = search_catalogue(None, {"q": "钙钛矿"})  # before the worker's first pass
        assert [h.title for h in result.hits] == ["首次启动的钙钛矿成果"] and result.notice
        assert indexing.heal_index() is True
        assert indexing.heal_index() is False  # built: nothing more to do
    assert _loud(caplog.records) == []
    assert any("none yet" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)
    assert fresh_disk_index.is_healthy()
    found = search_catalogue(None, {"q": "钙钛矿"})
    assert [h.title for h in found.hits] == ["首次启动的钙钛矿成果"] and found.notice is None


def test_an_index_lost_after_it_was_built_is_still_a_warning(
    fresh_disk_index, make_user, make_listing, caplog
):
    make_listing("achievement", make_user("university"), title="失而复得的钙钛矿成果")
    indexing.heal_index()
    shutil.rmtree((fresh_disk_index.path / "current").resolve())
    with caplog.at_level(logging.INFO):
        assert indexing.heal_index() is True
    assert any("unusable" in line for line in _loud(caplog.records))
    assert fresh_disk_index.is_healthy()
