"""Checking a backup against its manifest, and restoring one over the current database and files."""

import json
import os
import sqlite3
from pathlib import Path

from sqlalchemy import inspect, text

from market.extensions import db
from market.services import indexing
from market.services.backups.common import (
    ATTACHMENTS,
    DATABASE_FILES,
    FORMAT,
    KIND_LABELS,
    MANIFEST,
    PG_LOCK_TIMEOUT,
    REPORT_EVERY,
    BackupFailed,
    BackupRefused,
    copy_file,
    database_kind,
    file_entry,
    libpq_target,
    pg_tool,
    readable_size,
    run_tool,
    schema_script,
    snapshot_figures,
    sqlite_path,
    walk_files,
)
from market.storage import attachment_root


def verify_backup(source, progress=None) -> dict:
    """The backup's manifest, once every file matches it and it suits this installation; else
    BackupRefused."""
    say = progress or (lambda _text: None)
    source = Path(source)
    if not source.is_dir():
        raise BackupRefused(f"备份目录 {source} 不存在")
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupRefused(f"{source} 中没有 manifest.json：这不是备份目录，或者备份没有完成") from None
    except (ValueError, UnicodeDecodeError):
        raise BackupRefused("manifest.json 无法解析：备份已损坏") from None
    if not (
        isinstance(manifest, dict)
        and manifest.get("format") == FORMAT
        and isinstance(manifest.get("files"), dict)
        and isinstance(manifest.get("database"), dict)
        and isinstance(manifest.get("tables"), dict)
    ):
        raise BackupRefused("manifest.json 的格式不对：不是本系统的备份，或来自不兼容的版本")
    problems = {}
    kind, database = database_kind(), manifest["database"]
    if database.get("kind") != kind:
        problems["数据库类型"] = (
            f"备份来自 {KIND_LABELS.get(database.get('kind'), database.get('kind'))}，"
            f"当前配置的是 {KIND_LABELS[kind]}"
        )
    elif database.get("file") != DATABASE_FILES[kind] or DATABASE_FILES[kind] not in manifest["files"]:
        problems["数据库文件"] = f"清单中没有数据库文件 {DATABASE_FILES[kind]}"
    revision = database.get("alembic_revision")
    known = {script.revision for script in schema_script().walk_revisions()}
    if not revision or not set(str(revision).split(",")) <= known:
        problems["数据库结构版本"] = (
            f"备份的版本 {revision} 不是本程序的迁移版本（备份来自更新或不同的程序？）"
        )
    found = {name for name in walk_files(source) if name != MANIFEST}
    listed = set(manifest["files"])
    say(f"校验备份：{len(listed)} 个文件")
    for name in sorted(listed - found):
        problems[name] = "缺少此文件"
    for name in sorted(found - listed):
        problems[name] = "清单中没有此文件（多出的文件）"
    for name in sorted(listed & found):
        entry = manifest["files"][name]
        if name != database.get("file") and not name.startswith(ATTACHMENTS + "/"):
            problems[name] = "清单中的文件既不是数据库也不是附件"
        elif (source / name).is_symlink():
            problems[name] = "是符号链接，不是备份写下的文件"
        elif not isinstance(entry, dict) or file_entry(source / name) != {
            "size": entry.get("size"),
            "sha256": entry.get("sha256"),
        }:
            problems[name] = "大小或 SHA-256 校验和与清单不符（文件已被修改或损坏）"
    if problems:
        raise BackupRefused("备份校验未通过，未做任何修改", problems)
    return manifest


def restore_backup(source, confirm=None, progress=None, processes: int = 1) -> dict:
    """Check a backup, ask confirm(manifest), replace the database and the attachments with it and rebuild the
    search index; returns the restored figures beside the manifest's."""
    say = progress or (lambda _text: None)
    source = Path(source)
    manifest = verify_backup(source, say)
    kind = manifest["database"]["kind"]
    pg_restore = pg_tool("pg_restore") if kind == "postgresql" else None
    target = sqlite_path() if kind == "sqlite" else None
    if confirm is not None and not confirm(manifest):
        raise BackupRefused("已取消，未做任何修改")
    # The database is replaced underneath this process: no connection of ours may hold it open or keep stale
    # rows.
    db.session.remove()
    db.engine.dispose()
    say(f"恢复数据库（{KIND_LABELS[kind]}）…")
    if kind == "sqlite":
        _restore_sqlite(source / manifest["database"]["file"], target)
    else:
        _restore_postgresql(pg_restore, source / manifest["database"]["file"], manifest, say)
    db.engine.dispose()
    revision, head = manifest["database"]["alembic_revision"], schema_script().get_current_head()
    if revision != head:
        from flask_migrate import upgrade

        say(f"备份的数据库结构版本为 {revision}，升级到 {head} …")
        upgrade()
    with db.engine.connect() as connection:
        figures = snapshot_figures(connection)  # before the index rebuild writes its cursor row
    restored = _restore_attachments(source, manifest, say)
    say("重建搜索索引…")
    indexed = indexing.rebuild_index(processes=processes)
    say(f"  已索引 {indexed} 条")
    names = sorted(set(manifest["tables"]) | set(figures["tables"]))
    tables = [(name, manifest["tables"].get(name), figures["tables"].get(name)) for name in names]
    # a table the backup lacks was made by the upgrade (with the migration's rows): not a difference
    matches = (
        all(a is None or a == b for _, a, b in tables) and manifest.get("contracts") == figures["contracts"]
    )
    return {
        "manifest": manifest,
        "tables": tables,
        "contracts": (manifest.get("contracts"), figures["contracts"]),
        "attachments": restored,
        "indexed": indexed,
        "upgraded_from": revision if revision != head else None,
        "matches": matches,
    }


def _restore_sqlite(backup_file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(backup_file.resolve().as_uri() + "?mode=ro", uri=True)
    destination = sqlite3.connect(target, timeout=30)
    try:
        source.backup(destination)  # page by page under SQLite's locks: other connections see all or nothing
    finally:
        source.close()
        destination.close()


def _restore_postgresql(pg_restore: str, dump: Path, manifest: dict, say) -> None:
    # pg_restore --clean drops only what the dump holds: tables that later migrations added would stay, with
    # foreign keys into the restored ones, and the upgrade would then fail to create them.
    with db.engine.begin() as connection:
        extra = sorted(set(inspect(connection).get_table_names()) - set(manifest["tables"]))
        quote = connection.dialect.identifier_preparer.quote
        for name in extra:
            connection.execute(text(f"DROP TABLE IF EXISTS {quote(name)} CASCADE"))
    if extra:
        say(f"  已删除备份中没有的表：{'、'.join(extra)}")
    db.engine.dispose()
    target, env = libpq_target()
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={PG_LOCK_TIMEOUT}".strip()
    try:
        run_tool(
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={target}",
                str(dump),
            ],
            env,
        )
    except BackupFailed as exc:
        raise BackupFailed(
            f"{exc.message}\n（整个恢复在一个事务中，数据库未被修改；若是锁等待超时，"
            "请先停止 market-web 和 market-worker）"
        ) from None


def _restore_attachments(source: Path, manifest: dict, say) -> dict:
    """Put the backup's files in place (each written aside, then renamed) and remove the files it does not
    have."""
    root = attachment_root()
    prefix = ATTACHMENTS + "/"
    wanted = {
        name[len(prefix) :]: entry for name, entry in manifest["files"].items() if name.startswith(prefix)
    }
    total = sum(entry["size"] for entry in wanted.values())
    say(f"恢复附件：{len(wanted)} 个文件，共 {readable_size(total)} → {root}")
    copied = 0
    for number, (name, entry) in enumerate(sorted(wanted.items()), start=1):
        destination = root / name
        aside = destination.with_name(destination.name + ".restoring")
        if copy_file(source / prefix / name, aside) != {"size": entry["size"], "sha256": entry["sha256"]}:
            aside.unlink(missing_ok=True)
            raise BackupFailed(f"附件 {name} 在校验后被改动，恢复中止；请重新运行恢复")
        os.replace(aside, destination)
        copied += entry["size"]
        if number % REPORT_EVERY == 0 or number == len(wanted):
            say(f"  已恢复 {number}/{len(wanted)} 个附件，{readable_size(copied)}")
    stale = sorted(set(walk_files(root)) - set(wanted)) if root.is_dir() else []
    for name in stale:  # uploaded after the backup: their rows are gone with the restored database
        (root / name).unlink()
    if stale:
        say(f"  删除了备份中没有的 {len(stale)} 个附件文件")
    return {"files": len(wanted), "bytes": total, "removed": len(stale)}
