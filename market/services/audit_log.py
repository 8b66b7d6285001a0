"""Reading the audit trail (admins only)."""
from sqlalchemy import select

from market.models import AuditEntry
from market.services.base import Page, paginate
from market.services.filters import query_text
from market.services.permissions import require_admin


def list_audit_entries(actor, object_type: str = "", page=1, per_page=50) -> Page:
    """Newest audit entries first, optionally for one kind of object."""
    require_admin(actor)
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if object_type := query_text(object_type):
        query = query.where(AuditEntry.object_type == object_type)
    return paginate(query, page, per_page)
