"""Small helpers shared by the HTML blueprints."""

from urllib.parse import urlsplit

from flask import current_app, request

COLLECTIONS = {"achievements": "achievement", "demands": "demand", "equipment": "equipment"}
KIND_COLLECTIONS = {kind: collection for collection, kind in COLLECTIONS.items()}
KIND_NAMES = {"achievement": "科技成果", "demand": "技术需求", "equipment": "仪器设备"}


def page_args() -> tuple:
    return request.args.get("page", 1), current_app.config["PER_PAGE"]


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site relative paths are followed after login (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return fallback
    return target
