"""Backups: a consistent copy of the database and of the uploaded files, with a manifest; and restoring one.

A backup directory holds manifest.json, the database (database.sqlite3, written by SQLite's online backup API,
or database.dump, written by pg_dump --format=custom) and attachments/ (every file under
storage.attachment_root()). The manifest gives, read from the same snapshot as the copy, the alembic revision,
the rows of every table and the contract totals in fen, and the size and SHA-256 of every file. A restore
checks all of it before changing anything. The search index is not copied: a restore rebuilds it from the
database.
"""

from market.services.backups.common import BackupFailed, BackupRefused  # noqa: F401
from market.services.backups.create import create_backup  # noqa: F401
from market.services.backups.restore import restore_backup, verify_backup  # noqa: F401
