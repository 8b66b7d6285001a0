"""Audit trail; entries join the caller's transaction."""

from market.extensions import db
from market.models import AuditEntry


def record(actor, action: str, obj_type: str, obj_id: int | None, changes: dict | None = None) -> None:
    """Add an audit entry for a change the current unit of work is making."""
    db.session.add(
        AuditEntry(
            actor_id=getattr(actor, "id", None),
            action=action,
            object_type=obj_type,
            object_id=obj_id,
            changes=_jsonable(changes or {}),
        )
    )


def diff(obj, values: dict) -> dict:
    """Old and new values of the attributes a change touches."""
    return {k: [getattr(obj, k, None), v] for k, v in values.items() if getattr(obj, k, None) != v}


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
