"""The policy library: admins write, everyone reads."""

from sqlalchemy import or_, select

from market.errors import NotFound, ValidationFailed
from market.extensions import db
from market.inputs.policies import PolicyIn
from market.models import Policy
from market.services import audit
from market.services.base import Page, paginate, parse_row_id, unit_of_work
from market.services.filters import query_text
from market.services.permissions import require_admin


def clean_policy(data: dict, partial: bool = False) -> dict:
    """Column values of a policy (PolicyIn), or ValidationFailed; a whole policy's texts and tags left out
    are empty."""
    errors: dict = {}
    values = PolicyIn.clean(data, partial=partial, errors=errors)
    start, end = values.get("effective_on"), values.get("expires_on")
    if start and end and end < start:
        errors.setdefault("expires_on", "失效日期不能早于生效日期")
    if errors:
        raise ValidationFailed(errors)
    if not partial:
        values = {"summary": None, "body": None, "tags": [], **values}
    for key in ("summary", "body"):
        if key in values and values[key] is None:
            values[key] = ""
    return values


def get_policy(policy_id) -> Policy:
    row_id = parse_row_id(policy_id)
    policy = db.session.get(Policy, row_id) if row_id else None
    if policy is None:
        raise NotFound("该政策不存在")
    return policy


def list_policies(filters: dict, page=1, per_page=20) -> Page:
    """Policies, newest first, filtered by words in title or issuer and by tag."""
    query = select(Policy).order_by(Policy.published_on.desc().nulls_last(), Policy.id.desc())
    if q := query_text(filters.get("q"))[:100]:
        query = query.where(
            or_(Policy.title.contains(q, autoescape=True), Policy.issuer.contains(q, autoescape=True))
        )
    if issuer := query_text(filters.get("issuer")):
        query = query.where(Policy.issuer == issuer)
    policies = paginate(query, page, per_page)
    if tag := query_text(filters.get("tag")):
        # Tags are a JSON list; filter in Python on the page of candidates would skew paging, so
        # filter on the whole (small) library instead.
        matching = [p for p in db.session.scalars(query) if tag in (p.tags or [])]
        start = (policies.page - 1) * policies.per_page
        policies = Page(
            matching[start : start + policies.per_page], policies.page, policies.per_page, len(matching)
        )
    return policies


@unit_of_work
def create_policy(actor, data: dict) -> Policy:
    """Add a policy to the library."""
    require_admin(actor)
    policy = Policy(created_by_id=actor.id, **clean_policy(data))
    db.session.add(policy)
    db.session.flush()
    audit.record(actor, "policy.create", "policy", policy.id, {"title": policy.title})
    return policy


@unit_of_work
def update_policy(actor, policy_id, data: dict, partial: bool = False) -> Policy:
    """Change a policy."""
    require_admin(actor)
    policy = get_policy(policy_id)
    values = clean_policy(data, partial)
    audit.record(actor, "policy.update", "policy", policy.id, audit.diff(policy, values))
    for key, value in values.items():
        setattr(policy, key, value)
    return policy


@unit_of_work
def delete_policy(actor, policy_id) -> None:
    """Remove a policy from the library."""
    require_admin(actor)
    policy = get_policy(policy_id)
    audit.record(actor, "policy.delete", "policy", policy.id, {"title": policy.title})
    db.session.delete(policy)
