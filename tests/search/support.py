"""Helpers shared by the search tests."""

import pytest
from sqlalchemy import text

# Whoosh leaves the files of an index it failed to open to the garbage collector.
tolerate_leaked_files = pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)


def restart_outbox_numbering(db) -> None:
    """What TRUNCATE … RESTART IDENTITY does on PostgreSQL: a fresh index (cursor 0) sees no gap below row 1.

    tests/conftest.py empties SQLite tables with DELETE, which keeps AUTOINCREMENT counting.
    """
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DELETE FROM sqlite_sequence WHERE name = 'search_outbox'"))
        db.session.commit()
