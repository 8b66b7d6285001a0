"""Where uploaded files live: under the instance folder (or ATTACHMENT_PATH), never under static/."""

from pathlib import Path

from flask import current_app


def attachment_root() -> Path:
    """The folder that holds every kind of upload (what a backup copies)."""
    return Path(current_app.config.get("ATTACHMENT_PATH") or Path(current_app.instance_path) / "attachments")


def attachment_dir(kind: str) -> Path:
    """The folder for one kind of upload (contracts, deals, …); created by the caller when it writes."""
    return attachment_root() / kind


def file_size(size: int) -> str:
    """A file's size for people: 532 字节, 15 KB, 3.4 MB."""
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
