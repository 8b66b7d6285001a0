"""Organisations: their profile and their verification by admins."""

from sqlalchemy import select

from market.errors import InvalidTransition, NotFound, ValidationFailed
from market.extensions import db
from market.inputs.organisations import DecisionIn, OrganisationUpdateIn
from market.models import Organisation, User
from market.models.base import utcnow
from market.models.vocab import ORG_KINDS, ROLE_ORG_KINDS, ROLES, VERIFICATION_STATES
from market.services import audit
from market.services.base import Page, paginate, parse_row_id, unit_of_work
from market.services.permissions import require_admin


def list_organisations(actor, state: str = "", page=1, per_page=20) -> Page:
    """Organisations for the admin, pending ones first."""
    require_admin(actor)
    query = select(Organisation).order_by(
        Organisation.verification_state != "pending", Organisation.id.desc()
    )
    if state in VERIFICATION_STATES:
        query = query.where(Organisation.verification_state == state)
    return paginate(query, page, per_page)


def get_organisation(org_id: int) -> Organisation:
    row_id = parse_row_id(org_id)
    org = db.session.get(Organisation, row_id) if row_id else None
    if org is None:
        raise NotFound("该单位不存在")
    return org


def pages_by_name(names) -> dict[str, tuple[int, bool]]:
    """Organisation name → (id, verified), for linking names that a search hit stores as text (names are
    unique)."""
    wanted = sorted({n for n in names if n})
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Organisation.name, Organisation.id, Organisation.verification_state).where(
            Organisation.name.in_(wanted)
        )
    )
    return {name: (org_id, state == "verified") for name, org_id, state in rows}


@unit_of_work
def decide_verification(actor, org_id: int, approve: bool, note: str = "") -> Organisation:
    """Verify an organisation, or reject it with a reason."""
    require_admin(actor)
    org = get_organisation(org_id)
    target = "verified" if approve else "rejected"
    if org.verification_state == target:
        raise InvalidTransition(f"该单位已是“{VERIFICATION_STATES[target]}”状态")
    note = DecisionIn.clean({"note": note}).get("note") or ""
    if not approve and not note:
        raise ValidationFailed({"note": "请填写未通过的原因"})
    audit.record(
        actor,
        "organisation.verify",
        "organisation",
        org.id,
        {"verification_state": [org.verification_state, target], "note": note},
    )
    org.verification_state, org.verification_note = target, note or None
    org.verified_at, org.verified_by_id = (utcnow(), actor.id) if approve else (None, None)
    return org


@unit_of_work
def update_organisation_profile(actor, org_id: int, data: dict) -> Organisation:
    """Admin corrects an organisation's name, kind, unified social credit code or region (fields given
    only)."""
    require_admin(actor)
    org = get_organisation(org_id)
    values = OrganisationUpdateIn.clean(data)
    errors = {}
    if (name := values.get("name")) and db.session.scalar(
        select(Organisation.id).where(Organisation.name == name, Organisation.id != org.id)
    ):
        errors["name"] = "已有同名单位"
    if (code := values.get("credit_code")) and db.session.scalar(
        select(Organisation.id).where(Organisation.credit_code == code, Organisation.id != org.id)
    ):
        errors["credit_code"] = "该统一社会信用代码已被其他单位使用"
    if (kind := values.get("kind")) and kind != org.kind:
        roles = set(db.session.scalars(select(User.role).where(User.organisation_id == org.id)))
        if wrong := sorted(r for r in roles if kind not in ROLE_ORG_KINDS.get(r, ())):
            errors["kind"] = (
                f"本单位有{'、'.join(ROLES[r] for r in wrong)}账号，单位类型不能改为“{ORG_KINDS[kind]}”"
            )
    if errors:
        raise ValidationFailed(errors)
    changes = audit.diff(org, values)
    audit.record(actor, "organisation.update", "organisation", org.id, changes)
    for key, value in values.items():
        setattr(org, key, value)
    return org
