"""Organisations and their verification by admins."""
from sqlalchemy import select

from market.errors import InvalidTransition, NotFound, ValidationFailed
from market.extensions import db
from market.models import Organisation
from market.models.base import utcnow
from market.models.vocab import VERIFICATION_STATES
from market.services import audit
from market.services.base import Page, paginate, unit_of_work
from market.services.permissions import require_admin


def list_organisations(actor, state: str = "", page=1, per_page=20) -> Page:
    """Organisations for the admin, pending ones first."""
    require_admin(actor)
    query = select(Organisation).order_by(Organisation.verification_state != "pending", Organisation.id.desc())
    if state in VERIFICATION_STATES:
        query = query.where(Organisation.verification_state == state)
    return paginate(query, page, per_page)


def get_organisation(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound("该单位不存在")
    return org


@unit_of_work
def decide_verification(actor, org_id: int, approve: bool, note: str = "") -> Organisation:
    """Verify an organisation, or reject it with a reason."""
    require_admin(actor)
    org = get_organisation(org_id)
    target = "verified" if approve else "rejected"
    if org.verification_state == target:
        raise InvalidTransition(f"该单位已是“{VERIFICATION_STATES[target]}”状态")
    note = (note or "").strip()[:500]
    if not approve and not note:
        raise ValidationFailed({"note": "请填写未通过的原因"})
    audit.record(actor, "organisation.verify", "organisation", org.id,
                 {"verification_state": [org.verification_state, target], "note": note})
    org.verification_state, org.verification_note = target, note or None
    org.verified_at, org.verified_by_id = (utcnow(), actor.id) if approve else (None, None)
    return org
