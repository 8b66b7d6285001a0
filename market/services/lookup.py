"""Pick by typing: the results, demands and deals a person may see whose name has the words typed (or whose
number it is), for the inputs that name a related row (a contract's 关联科技成果 and 关联技术需求)."""

from sqlalchemy import or_, select

from market.errors import ValidationFailed
from market.extensions import db
from market.models import Achievement, Demand, Organisation
from market.services.deals.lists import visible_deals
from market.services.filters import query_text
from market.services.permissions import is_admin, is_signed_in

KINDS = {"achievement": "科技成果", "demand": "技术需求", "deal": "对接"}
MAX_LIMIT = 20


def _listings(actor, model):
    """The listings of this kind the actor may see: the published (and expired) ones, and every one of their
    own organisation's; admins see all."""
    query = select(model.id, model.title, Organisation.name).join(
        Organisation, model.org_id == Organisation.id
    )
    if is_admin(actor):
        return query, model
    seen = model.status.in_(("published", "expired"))
    if is_signed_in(actor) and actor.organisation_id is not None:
        seen = or_(seen, model.org_id == actor.organisation_id)
    return query.where(seen), model


def _deals(actor):
    """The deals the actor takes part in (all, for admins), named with the seller's organisation."""
    deals = visible_deals(actor).subquery()
    query = select(deals.c.id, deals.c.title, Organisation.name).join(
        Organisation, deals.c.seller_org_id == Organisation.id
    )
    return query, deals.c


def lookup(actor, kind, text, limit=10) -> list[dict]:
    """Up to `limit` rows of this kind the actor may see, newest first: those whose number is the text typed,
    then those whose title contains it. Each is {id, title, org}."""
    if kind not in KINDS:
        raise ValidationFailed({"kind": f"类型应为 {' / '.join(KINDS)}"})
    try:
        limit = max(1, min(int(limit), MAX_LIMIT))
    except (TypeError, ValueError):
        raise ValidationFailed({"limit": f"数量必须是 1 到 {MAX_LIMIT} 之间的整数"}) from None
    words = query_text(text)[:100].strip()
    if not words:
        return []
    if kind == "deal":
        query, columns = _deals(actor)
    else:
        query, columns = _listings(actor, Achievement if kind == "achievement" else Demand)
    matches = [columns.title.contains(words, autoescape=True)]
    number = words.removeprefix("#")
    if number.isdigit() and len(number) <= 12:
        matches.append(columns.id == int(number))
    rows = db.session.execute(
        query.where(or_(*matches))
        .order_by((columns.id == _number(number)).desc(), columns.id.desc())
        .limit(limit)
    )
    return [{"id": row_id, "title": title, "org": org} for row_id, title, org in rows]


def _number(text: str) -> int:
    return int(text) if text.isdigit() and len(text) <= 12 else 0


def describe(actor, kind: str, row_id) -> str | None:
    """The name a picked row is shown with on a form ("标题（单位）"), if the actor may see it."""
    if kind not in KINDS or not str(row_id or "").isdigit():
        return None
    found = [item for item in lookup(actor, kind, str(row_id), limit=1) if item["id"] == int(row_id)]
    return f"{found[0]['title']}（{found[0]['org']}）" if found else None
