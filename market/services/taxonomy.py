"""The admin-editable technical-field taxonomy."""

from sqlalchemy import func, select

from market.errors import NotFound, ValidationFailed
from market.extensions import db
from market.inputs.taxonomy import FieldIn, FieldUpdateIn
from market.models import Field
from market.models.vocab import DEFAULT_FIELDS
from market.services import audit
from market.services.base import parse_row_id, unit_of_work
from market.services.permissions import require_admin


def list_fields(active_only: bool = True) -> list[Field]:
    """Fields in display order."""
    query = select(Field).order_by(Field.position, Field.id)
    if active_only:
        query = query.where(Field.active.is_(True))
    return list(db.session.scalars(query))


def list_all_fields(actor) -> list[Field]:
    """Every field, retired ones included, for the admin."""
    require_admin(actor)
    return list_fields(active_only=False)


def field_names() -> list[str]:
    return [f.name for f in list_fields()]


def find_field(name: str) -> Field | None:
    """An active field by its exact name."""
    return db.session.scalar(select(Field).where(Field.name == name, Field.active.is_(True)))


def ensure_default_fields() -> None:
    """Insert the plan's priority fields if the taxonomy is empty (caller commits)."""
    if db.session.scalar(select(func.count()).select_from(Field)):
        return
    for position, name in enumerate(DEFAULT_FIELDS):
        db.session.add(Field(name=name, position=position))
    db.session.flush()


def _clean_field(data: dict, update: bool = False) -> dict:
    """A new field needs a name; an update changes only the attributes given, active included."""
    return (FieldUpdateIn if update else FieldIn).clean(data)


def _check_unique(name: str, exclude_id: int | None = None) -> None:
    existing = db.session.scalar(select(Field).where(Field.name == name))
    if existing and existing.id != exclude_id:
        raise ValidationFailed({"name": "该领域已存在"})


@unit_of_work
def create_field(actor, data: dict) -> Field:
    """Add a field to the taxonomy."""
    require_admin(actor)
    values = _clean_field(data)
    _check_unique(values["name"])
    if values.get("position") is None:
        values["position"] = (db.session.scalar(select(func.max(Field.position))) or 0) + 1
    field = Field(**values)
    db.session.add(field)
    db.session.flush()
    audit.record(actor, "field.create", "field", field.id, values)
    return field


@unit_of_work
def update_field(actor, field_id: int, data: dict) -> Field:
    """Rename, reorder, activate or retire a field (retired fields stay on old listings)."""
    require_admin(actor)
    row_id = parse_row_id(field_id)
    field = db.session.get(Field, row_id) if row_id else None
    if field is None:
        raise NotFound("该领域不存在")
    values = _clean_field(data, update=True)
    if "name" in values:
        _check_unique(values["name"], exclude_id=field.id)
    if values.get("position") is None:
        values.pop("position", None)
    audit.record(actor, "field.update", "field", field.id, audit.diff(field, values))
    for key, value in values.items():
        setattr(field, key, value)
    return field
