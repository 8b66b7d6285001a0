"""`market setup`, the first thing `make run` does: on an empty database it applies the migrations, loads the
demo data and builds the search index, saying which step it is on; run again, it changes nothing."""

import itertools
import logging

import pytest
from sqlalchemy import func, select

from market import create_app, search
from market.extensions import db
from market.models import Achievement, User
from market.services.search import search_catalogue
from tests.conftest import BACKENDS
from tests.search.support import tolerate_leaked_files

_names = itertools.count(1)


@pytest.fixture(params=BACKENDS)
def fresh_install(request, tmp_path):
    """A database without tables and an instance folder without an index, as a first `make run` finds them."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'market.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database(f"setup_{next(_names)}")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test-" + "x" * 32, "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@tolerate_leaked_files
def test_setup_prepares_a_fresh_install_step_by_step_and_then_changes_nothing(fresh_install, caplog):
    runner = fresh_install.test_cli_runner()
    with caplog.at_level(logging.INFO):
        first = runner.invoke(args=["market", "setup"])
    assert first.exit_code == 0, first.output
    steps = [line[:5] for line in first.output.splitlines() if line.startswith("[")]
    assert steps == ["[1/3]", "[1/3]", "[2/3]", "[2/3]", "[3/3]", "[3/3]"]  # each step announced and finished
    assert "成果 41/41" in first.output and "技术合同 62/62" in first.output
    assert "已写入演示数据" in first.output and "已索引" in first.output and "准备完成" in first.output
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert search.backend().is_built() and search.backend().is_healthy()
    found = search_catalogue(None, {"q": "正极材料"})
    assert found.hits and found.notice is None  # searches read the index from the first request on
    counts = (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Achievement)),
    )

    again = runner.invoke(args=["market", "setup"])
    assert again.exit_code == 0, again.output
    assert "演示数据已存在，未做修改" in again.output and "索引已就绪" in again.output
    assert (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Achievement)),
    ) == counts
