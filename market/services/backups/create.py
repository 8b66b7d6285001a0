"""Writing a backup: the database from one snapshot, the attachments, and the manifest that describes them."""

import platform
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from market.clock import BEIJING
from market.config import PROJECT_ROOT
from market.extensions import db
from market.services.backups.common import (
    ATTACHMENTS,
    DATABASE_FILES,
    FORMAT,
    KIND_LABELS,
    MANIFEST,
    REPORT_EVERY,
    BackupRefused,
    copy_file,
    database_kind,
    file_entry,
    libpq_target,
    pg_tool,
    readable_size,
    recorded_revision,
    run_tool,
    schema_script,
    snapshot_figures,
    sqlite_path,
    walk_files,
    write_json,
)
from market.storage import attachment_root


def create_backup(target, progress=None) -> dict:
    """Copy the database (one consistent snapshot), every attachment and a manifest into a new or empty
    directory."""
    say = progress or (lambda _text: None)
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise BackupRefused(f"{target} 是文件，不是目录")
    if target.exists() and any(target.iterdir()):
        raise BackupRefused(
            f"目标目录 {target} 已存在且不为空：请指定一个新的或空的目录（备份不覆盖任何文件）"
        )
    kind = database_kind()
    if _live_revision() is None:
        raise BackupRefused(
            "数据库中没有结构版本（alembic_version 表）：请先运行 flask --app wsgi db upgrade"
        )
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    try:
        database_file = target / DATABASE_FILES[kind]
        say(f"复制数据库（{KIND_LABELS[kind]}）…")
        figures = _copy_sqlite(database_file) if kind == "sqlite" else _dump_postgresql(database_file)
        files = {DATABASE_FILES[kind]: file_entry(database_file)}
        say(
            f"  数据库：{database_file.name}（{readable_size(files[DATABASE_FILES[kind]]['size'])}，"
            f"{len(figures['tables'])} 张表，{sum(figures['tables'].values())} 行）"
        )
        # After the database: a file uploaded meanwhile is only an extra file; one deleted meanwhile is
        # skipped.
        files.update(_copy_attachments(target / ATTACHMENTS, say))
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(BEIJING).isoformat(timespec="seconds"),
            "database": {
                "kind": kind,
                "file": DATABASE_FILES[kind],
                "alembic_revision": figures["alembic_revision"],
            },
            "app": _app_version(),
            "tables": figures["tables"],
            "contracts": figures["contracts"],
            "files": files,
        }
        write_json(target / MANIFEST, manifest)
    except BaseException:
        _remove_partial(target, created)
        raise
    total = sum(entry["size"] for entry in files.values())
    say(f"备份完成：{target}（{len(files)} 个文件，共 {readable_size(total)}）")
    return manifest


def _live_revision() -> str | None:
    with db.engine.connect() as connection:
        return recorded_revision(connection, inspect(connection).get_table_names())


def _copy_sqlite(destination: Path) -> dict:
    source = sqlite3.connect(sqlite_path().as_uri() + "?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(destination)
    try:
        source.backup(copy)  # one consistent snapshot, while the web processes keep writing
    finally:
        source.close()
        copy.close()
    engine = create_engine(f"sqlite:///{destination}")
    try:
        with engine.connect() as connection:
            figures = snapshot_figures(connection)
    finally:
        engine.dispose()
    copy = sqlite3.connect(destination)
    try:
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file: no -wal or -shm beside it
    finally:
        copy.close()
    return figures


def _dump_postgresql(destination: Path) -> dict:
    pg_dump = pg_tool("pg_dump")
    target, env = libpq_target()
    # pg_dump reads the snapshot this transaction exported, so the figures and the dump see the same rows.
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        figures = snapshot_figures(connection)
        run_tool(
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={destination}",
                f"--dbname={target}",
            ],
            env,
        )
        connection.rollback()
    return figures


def _copy_attachments(destination: Path, say) -> dict:
    root = attachment_root()
    names = sorted(walk_files(root, skip_partial=True)) if root.is_dir() else []
    say(f"复制附件：{len(names)} 个文件（{root}）")
    files, copied = {}, 0
    for number, name in enumerate(names, start=1):
        try:
            entry = copy_file(root / name, destination / name)
        except (
            FileNotFoundError
        ):  # deleted after the database was copied: its row is gone from later backups too
            say(f"  {name} 在复制前已被删除，跳过")
            continue
        files[f"{ATTACHMENTS}/{name}"] = entry
        copied += entry["size"]
        if number % REPORT_EVERY == 0 or number == len(names):
            say(f"  已复制 {number}/{len(names)} 个附件，{readable_size(copied)}")
    return files


def _app_version() -> dict:
    """The code that made the backup: its git commit when it runs from a checkout."""
    try:
        result = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
        commit = result.stdout.strip() if result.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {
        "commit": commit,
        "schema_head": schema_script().get_current_head(),
        "python": platform.python_version(),
    }


def _remove_partial(target: Path, created: bool) -> None:
    """Undo a backup that failed half way (the directory was new or empty, so all of it is ours)."""
    if created:
        shutil.rmtree(target, ignore_errors=True)
        return
    for child in target.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
