"""Uploaded files, for every area that takes them (contracts, deals, listings): one size limit, the checks
made on the bytes (never the name or the browser's word), and files written beside their row: gone again if
the unit of work rolls back, removed only once the commit that deleted their row is done.

Where the files live is market/storage.py (under the instance folder, never under static/)."""

import hashlib
import os
import re
import uuid
from pathlib import Path

from market.services.base import after_commit, on_rollback
from market.storage import attachment_dir

MAX_FILE_BYTES = 10 * 1024 * 1024
PDF_SIGNATURE = b"%PDF-"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # never in a name that goes into a header (Content-Disposition)


def too_large_message(limit: int = MAX_FILE_BYTES, what: str = "文件") -> str:
    return f"{what}不能超过 {limit // 1024 // 1024} MB"


def clean_filename(filename: str | None, default: str = "") -> str:
    """The name an upload is shown by: its last path part (a browser may send C:\\…\\x.pdf) without control
    characters, at most 200 characters."""
    name = CONTROL.sub("", os.path.basename((filename or "").replace("\\", "/")))
    return name.strip()[:200] or default


def is_pdf(content: bytes) -> bool:
    """A PDF by its first bytes."""
    return content.startswith(PDF_SIGNATURE)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def new_stored_name(extension: str) -> str:
    """A fresh name on disk that says nothing of the upload: 32 hex digits and the extension (".pdf")."""
    return f"{uuid.uuid4().hex}{extension}"


def file_path(area: str, stored_name: str) -> Path:
    """Where a stored file of an area (contracts, deals, listings) is."""
    return attachment_dir(area) / stored_name


def keep_file(area: str, stored_name: str, content: bytes) -> Path:
    """Write a file of the current unit of work: it appears whole under its name (written aside, then
    renamed) and is removed again if the unit of work rolls back."""
    path = file_path(area, stored_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    on_rollback(partial.unlink, missing_ok=True)  # a write that fails halfway leaves nothing either
    on_rollback(path.unlink, missing_ok=True)
    partial.write_bytes(content)
    os.replace(partial, path)
    return path


def discard_file(area: str, stored_name: str) -> None:
    """Remove a stored file once the current unit of work has committed (a rolled-back delete keeps it)."""
    after_commit(file_path(area, stored_name).unlink, missing_ok=True)
