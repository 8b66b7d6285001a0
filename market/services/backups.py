"""Backups: a consistent copy of the database and of the uploaded files, with a manifest; and restoring one.

A backup directory holds manifest.json, the database (database.sqlite3, written by SQLite's online backup API, or
database.dump, written by pg_dump --format=custom) and attachments/ (every file under storage.attachment_root()).
The manifest gives, read from the same snapshot as the copy, the alembic revision, the rows of every table and the
contract totals in fen, and the size and SHA-256 of every file. A restore checks all of it before changing anything.
The search index is not copied: a restore rebuilds it from the database.
"""
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import column, create_engine, func, inspect, select, table, text

from market.config import PROJECT_ROOT
from market.errors import DomainError
from market.extensions import db
from market.services import indexing
from market.storage import attachment_root

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
ATTACHMENTS = "attachments"
KIND_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
BEIJING = timezone(timedelta(hours=8))  # Asia/Shanghai has no daylight saving: a fixed offset is exact
CHUNK = 1024 * 1024
REPORT_EVERY = 100  # progress lines while copying attachments: one per this many files, and the last
# pg_restore waits this long for a table that a running web process or worker still holds, then gives up (and,
# being one transaction, leaves the database as it was) instead of stalling every request behind its lock.
PG_LOCK_TIMEOUT = "30s"


class BackupRefused(DomainError):
    """The target directory or the backup is not what it must be; nothing was changed."""
    code, status = "backup_refused", 409


class BackupFailed(DomainError):
    """A copy or a database tool failed part way."""
    code, status = "backup_failed", 500


# ---- backup ----------------------------------------------------------------------------------------------------

def create_backup(target, progress=None) -> dict:
    """Copy the database (one consistent snapshot), every attachment and a manifest into a new or empty directory."""
    say = progress or (lambda _text: None)
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise BackupRefused(f"{target} 是文件，不是目录")
    if target.exists() and any(target.iterdir()):
        raise BackupRefused(f"目标目录 {target} 已存在且不为空：请指定一个新的或空的目录（备份不覆盖任何文件）")
    kind = _database_kind()
    if _live_revision() is None:
        raise BackupRefused("数据库中没有结构版本（alembic_version 表）：请先运行 flask --app wsgi db upgrade")
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    try:
        database_file = target / DATABASE_FILES[kind]
        say(f"复制数据库（{KIND_LABELS[kind]}）…")
        figures = _copy_sqlite(database_file) if kind == "sqlite" else _dump_postgresql(database_file)
        files = {DATABASE_FILES[kind]: _file_entry(database_file)}
        say(f"  数据库：{database_file.name}（{_size(files[DATABASE_FILES[kind]]['size'])}，"
            f"{len(figures['tables'])} 张表，{sum(figures['tables'].values())} 行）")
        # After the database: a file uploaded meanwhile is only an extra file; one deleted meanwhile is skipped.
        files.update(_copy_attachments(target / ATTACHMENTS, say))
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(BEIJING).isoformat(timespec="seconds"),
            "database": {"kind": kind, "file": DATABASE_FILES[kind], "alembic_revision": figures["alembic_revision"]},
            "app": _app_version(),
            "tables": figures["tables"],
            "contracts": figures["contracts"],
            "files": files,
        }
        _write_json(target / MANIFEST, manifest)
    except BaseException:
        _remove_partial(target, created)
        raise
    total = sum(entry["size"] for entry in files.values())
    say(f"备份完成：{target}（{len(files)} 个文件，共 {_size(total)}）")
    return manifest


def _database_kind() -> str:
    kind = db.engine.dialect.name
    if kind not in DATABASE_FILES:
        raise BackupRefused(f"不支持备份 {kind} 数据库（只支持 SQLite 和 PostgreSQL）")
    return kind


def _live_revision() -> str | None:
    with db.engine.connect() as connection:
        return _revision(connection, inspect(connection).get_table_names())


def _revision(connection, tables) -> str | None:
    if "alembic_version" not in tables:
        return None
    return ",".join(sorted(connection.scalars(text("SELECT version_num FROM alembic_version")))) or None


def _figures(connection) -> dict:
    """The alembic revision, rows per table and the contract totals in fen, as this connection sees them."""
    names = sorted(inspect(connection).get_table_names())
    counts = {name: connection.scalar(select(func.count()).select_from(table(name))) for name in names}
    contracts = None
    if "contracts" in names:
        c = table("contracts", column("amount_fen"), column("recognised_fen"), column("status"))
        registered = c.c.status == "registered"
        row = connection.execute(select(
            func.count(), func.sum(c.c.amount_fen), func.count().filter(registered),
            func.sum(c.c.amount_fen).filter(registered), func.sum(c.c.recognised_fen).filter(registered))).one()
        # PostgreSQL sums BIGINT as NUMERIC (a Decimal): int() keeps it exact
        keys = ("count", "amount_fen", "registered", "registered_amount_fen", "registered_recognised_fen")
        contracts = dict(zip(keys, (int(value or 0) for value in row)))
    return {"alembic_revision": _revision(connection, names), "tables": counts, "contracts": contracts}


def _sqlite_path() -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupRefused("只能备份和恢复文件形式的 SQLite 数据库（当前是内存数据库或 URI）")
    return Path(name).resolve()


def _copy_sqlite(destination: Path) -> dict:
    source = sqlite3.connect(_sqlite_path().as_uri() + "?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(destination)
    try:
        source.backup(copy)  # one consistent snapshot, while the web processes keep writing
    finally:
        source.close()
        copy.close()
    engine = create_engine(f"sqlite:///{destination}")
    try:
        with engine.connect() as connection:
            figures = _figures(connection)
    finally:
        engine.dispose()
    copy = sqlite3.connect(destination)
    try:
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file: no -wal or -shm beside it
    finally:
        copy.close()
    return figures


def _dump_postgresql(destination: Path) -> dict:
    pg_dump = _pg_tool("pg_dump")
    target, env = _libpq_target()
    # pg_dump reads the snapshot this transaction exported, so the figures and the dump see the same rows.
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        figures = _figures(connection)
        _run_tool([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={destination}",
                   f"--dbname={target}"], env)
        connection.rollback()
    return figures


def _pg_tool(name: str) -> str:
    """The newest PostgreSQL client of that name (it must not be older than the server), else the one on PATH."""
    bindirs = sorted((p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()),
                     key=lambda p: int(p.parent.name), reverse=True)
    for bindir in bindirs:
        if (bindir / name).is_file():
            return str(bindir / name)
    found = shutil.which(name)
    if not found:
        raise BackupFailed(f"找不到 {name}：请安装 PostgreSQL 客户端（postgresql-client-15 或更新），或把它加入 PATH")
    return found


def _libpq_target() -> tuple[str, dict]:
    """The database as a libpq URL without the password, and an environment that carries it (not on `ps`)."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run_tool(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-1000:]
        raise BackupFailed(f"{Path(command[0]).name} 失败（退出码 {result.returncode}）：{detail}")


def _copy_attachments(destination: Path, say) -> dict:
    root = attachment_root()
    names = sorted(_walk(root, skip_partial=True)) if root.is_dir() else []
    say(f"复制附件：{len(names)} 个文件（{root}）")
    files, copied = {}, 0
    for number, name in enumerate(names, start=1):
        try:
            entry = _copy_file(root / name, destination / name)
        except FileNotFoundError:  # deleted after the database was copied: its row is gone from later backups too
            say(f"  {name} 在复制前已被删除，跳过")
            continue
        files[f"{ATTACHMENTS}/{name}"] = entry
        copied += entry["size"]
        if number % REPORT_EVERY == 0 or number == len(names):
            say(f"  已复制 {number}/{len(names)} 个附件，{_size(copied)}")
    return files


def _app_version() -> dict:
    """The code that made the backup: its git commit when it runs from a checkout."""
    try:
        result = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10)
        commit = result.stdout.strip() if result.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"commit": commit, "schema_head": _schema_script().get_current_head(), "python": platform.python_version()}


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


# ---- restore ---------------------------------------------------------------------------------------------------

def verify_backup(source, progress=None) -> dict:
    """The backup's manifest, once every file matches it and it suits this installation; else BackupRefused."""
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
    if not (isinstance(manifest, dict) and manifest.get("format") == FORMAT and isinstance(manifest.get("files"), dict)
            and isinstance(manifest.get("database"), dict) and isinstance(manifest.get("tables"), dict)):
        raise BackupRefused("manifest.json 的格式不对：不是本系统的备份，或来自不兼容的版本")
    problems = {}
    kind, database = _database_kind(), manifest["database"]
    if database.get("kind") != kind:
        problems["数据库类型"] = (f"备份来自 {KIND_LABELS.get(database.get('kind'), database.get('kind'))}，"
                             f"当前配置的是 {KIND_LABELS[kind]}")
    elif database.get("file") != DATABASE_FILES[kind] or DATABASE_FILES[kind] not in manifest["files"]:
        problems["数据库文件"] = f"清单中没有数据库文件 {DATABASE_FILES[kind]}"
    revision = database.get("alembic_revision")
    known = {script.revision for script in _schema_script().walk_revisions()}
    if not revision or not set(str(revision).split(",")) <= known:
        problems["数据库结构版本"] = f"备份的版本 {revision} 不是本程序的迁移版本（备份来自更新或不同的程序？）"
    found = {name for name in _walk(source) if name != MANIFEST}
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
        elif not isinstance(entry, dict) or _file_entry(source / name) != {"size": entry.get("size"),
                                                                           "sha256": entry.get("sha256")}:
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
    pg_restore = _pg_tool("pg_restore") if kind == "postgresql" else None
    target = _sqlite_path() if kind == "sqlite" else None
    if confirm is not None and not confirm(manifest):
        raise BackupRefused("已取消，未做任何修改")
    # The database is replaced underneath this process: no connection of ours may hold it open or keep stale rows.
    db.session.remove()
    db.engine.dispose()
    say(f"恢复数据库（{KIND_LABELS[kind]}）…")
    if kind == "sqlite":
        _restore_sqlite(source / manifest["database"]["file"], target)
    else:
        _restore_postgresql(pg_restore, source / manifest["database"]["file"], manifest, say)
    db.engine.dispose()
    revision, head = manifest["database"]["alembic_revision"], _schema_script().get_current_head()
    if revision != head:
        from flask_migrate import upgrade

        say(f"备份的数据库结构版本为 {revision}，升级到 {head} …")
        upgrade()
    with db.engine.connect() as connection:
        figures = _figures(connection)  # before the index rebuild writes its cursor row
    restored = _restore_attachments(source, manifest, say)
    say("重建搜索索引…")
    indexed = indexing.rebuild_index(processes=processes)
    say(f"  已索引 {indexed} 条")
    names = sorted(set(manifest["tables"]) | set(figures["tables"]))
    tables = [(name, manifest["tables"].get(name), figures["tables"].get(name)) for name in names]
    # a table the backup lacks was made by the upgrade (with the migration's rows): not a difference
    matches = all(a is None or a == b for _, a, b in tables) and manifest.get("contracts") == figures["contracts"]
    return {"manifest": manifest, "tables": tables, "contracts": (manifest.get("contracts"), figures["contracts"]),
            "attachments": restored, "indexed": indexed, "upgraded_from": revision if revision != head else None,
            "matches": matches}


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
    target, env = _libpq_target()
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={PG_LOCK_TIMEOUT}".strip()
    try:
        _run_tool([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                   f"--dbname={target}", str(dump)], env)
    except BackupFailed as exc:
        raise BackupFailed(f"{exc.message}\n（整个恢复在一个事务中，数据库未被修改；若是锁等待超时，"
                           "请先停止 market-web 和 market-worker）") from None


def _restore_attachments(source: Path, manifest: dict, say) -> dict:
    """Put the backup's files in place (each written aside, then renamed) and remove the files it does not have."""
    root = attachment_root()
    prefix = ATTACHMENTS + "/"
    wanted = {name[len(prefix):]: entry for name, entry in manifest["files"].items() if name.startswith(prefix)}
    total = sum(entry["size"] for entry in wanted.values())
    say(f"恢复附件：{len(wanted)} 个文件，共 {_size(total)} → {root}")
    copied = 0
    for number, (name, entry) in enumerate(sorted(wanted.items()), start=1):
        destination = root / name
        aside = destination.with_name(destination.name + ".restoring")
        if _copy_file(source / prefix / name, aside) != {"size": entry["size"], "sha256": entry["sha256"]}:
            aside.unlink(missing_ok=True)
            raise BackupFailed(f"附件 {name} 在校验后被改动，恢复中止；请重新运行恢复")
        os.replace(aside, destination)
        copied += entry["size"]
        if number % REPORT_EVERY == 0 or number == len(wanted):
            say(f"  已恢复 {number}/{len(wanted)} 个附件，{_size(copied)}")
    stale = sorted(set(_walk(root)) - set(wanted)) if root.is_dir() else []
    for name in stale:  # uploaded after the backup: their rows are gone with the restored database
        (root / name).unlink()
    if stale:
        say(f"  删除了备份中没有的 {len(stale)} 个附件文件")
    return {"files": len(wanted), "bytes": total, "removed": len(stale)}


# ---- shared ----------------------------------------------------------------------------------------------------

def _schema_script() -> ScriptDirectory:
    return ScriptDirectory(str(PROJECT_ROOT / "migrations"))


def _walk(root: Path, skip_partial: bool = False):
    """Relative POSIX paths of the files under root (uploads still being written end in .part: skipped if asked)."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if skip_partial and name.endswith(".part"):
                continue
            yield (Path(folder) / name).relative_to(root).as_posix()


def _copy_file(source: Path, destination: Path) -> dict:
    """Copy and hash in one read; the copy is on disk (fsync) before this returns."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with open(source, "rb") as reader, open(destination, "wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    return {"size": size, "sha256": digest.hexdigest()}


def _file_entry(path: Path) -> dict:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as reader:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def _write_json(path: Path, data: dict) -> None:
    aside = path.with_name(path.name + ".tmp")
    with open(aside, "w", encoding="utf-8") as writer:
        json.dump(data, writer, ensure_ascii=False, indent=2)
        writer.write("\n")
        writer.flush()
        os.fsync(writer.fileno())
    os.replace(aside, path)  # the manifest appears last and whole: a backup without one is unfinished


def _size(count: int) -> str:
    """A byte count for people: 532 B, 15.2 KB, 3.4 MB, 1.20 GB."""
    if count < 1024:
        return f"{count} B"
    if count < 1024 ** 2:
        return f"{count / 1024:.1f} KB"
    if count < 1024 ** 3:
        return f"{count / 1024 ** 2:.1f} MB"
    return f"{count / 1024 ** 3:.2f} GB"
