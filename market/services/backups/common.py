"""What backing up and restoring share: the format's names, the errors, the database tools and file
helpers."""

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import column, func, inspect, select, table, text

from market.config import PROJECT_ROOT
from market.errors import DomainError
from market.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
ATTACHMENTS = "attachments"
KIND_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
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


def database_kind() -> str:
    kind = db.engine.dialect.name
    if kind not in DATABASE_FILES:
        raise BackupRefused(f"不支持备份 {kind} 数据库（只支持 SQLite 和 PostgreSQL）")
    return kind


def recorded_revision(connection, tables) -> str | None:
    if "alembic_version" not in tables:
        return None
    return ",".join(sorted(connection.scalars(text("SELECT version_num FROM alembic_version")))) or None


def snapshot_figures(connection) -> dict:
    """The alembic revision, rows per table and the contract totals in fen, as this connection sees them."""
    names = sorted(inspect(connection).get_table_names())
    counts = {name: connection.scalar(select(func.count()).select_from(table(name))) for name in names}
    contracts = None
    if "contracts" in names:
        c = table("contracts", column("amount_fen"), column("recognised_fen"), column("status"))
        registered = c.c.status == "registered"
        row = connection.execute(
            select(
                func.count(),
                func.sum(c.c.amount_fen),
                func.count().filter(registered),
                func.sum(c.c.amount_fen).filter(registered),
                func.sum(c.c.recognised_fen).filter(registered),
            )
        ).one()
        # PostgreSQL sums BIGINT as NUMERIC (a Decimal): int() keeps it exact
        keys = ("count", "amount_fen", "registered", "registered_amount_fen", "registered_recognised_fen")
        contracts = dict(zip(keys, (int(value or 0) for value in row)))
    return {
        "alembic_revision": recorded_revision(connection, names),
        "tables": counts,
        "contracts": contracts,
    }


def sqlite_path() -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupRefused("只能备份和恢复文件形式的 SQLite 数据库（当前是内存数据库或 URI）")
    return Path(name).resolve()


def pg_tool(name: str) -> str:
    """The newest PostgreSQL client of that name (it must not be older than the server), else the one on
    PATH."""
    bindirs = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()),
        key=lambda p: int(p.parent.name),
        reverse=True,
    )
    for bindir in bindirs:
        if (bindir / name).is_file():
            return str(bindir / name)
    found = shutil.which(name)
    if not found:
        raise BackupFailed(
            f"找不到 {name}：请安装 PostgreSQL 客户端（postgresql-client-15 或更新），或把它加入 PATH"
        )
    return found


def libpq_target() -> tuple[str, dict]:
    """The database as a libpq URL without the password, and an environment that carries it (not on `ps`)."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def run_tool(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-1000:]
        raise BackupFailed(f"{Path(command[0]).name} 失败（退出码 {result.returncode}）：{detail}")


def schema_script() -> ScriptDirectory:
    return ScriptDirectory(str(PROJECT_ROOT / "migrations"))


def walk_files(root: Path, skip_partial: bool = False):
    """Relative POSIX paths of the files under root (uploads still being written end in .part: skipped if
    asked)."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if skip_partial and name.endswith(".part"):
                continue
            yield (Path(folder) / name).relative_to(root).as_posix()


def copy_file(source: Path, destination: Path) -> dict:
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


def file_entry(path: Path) -> dict:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as reader:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def write_json(path: Path, data: dict) -> None:
    aside = path.with_name(path.name + ".tmp")
    with open(aside, "w", encoding="utf-8") as writer:
        json.dump(data, writer, ensure_ascii=False, indent=2)
        writer.write("\n")
        writer.flush()
        os.fsync(writer.fileno())
    os.replace(aside, path)  # the manifest appears last and whole: a backup without one is unfinished


def readable_size(count: int) -> str:
    """A byte count for people: 532 B, 15.2 KB, 3.4 MB, 1.20 GB."""
    if count < 1024:
        return f"{count} B"
    if count < 1024**2:
        return f"{count / 1024:.1f} KB"
    if count < 1024**3:
        return f"{count / 1024**2:.1f} MB"
    return f"{count / 1024**3:.2f} GB"
