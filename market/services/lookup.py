"""Pick by typing: the results, demands, deals, organisations and brokers a person may see whose name has the
words typed (or whose number it is), for the inputs that name a related row (a contract's 关联科技成果 and
关联技术需求, its seller, buyer and broker).

Organisations are the verified ones (their pages are public); brokers are the active ones of the public broker
directory, named with their organisation. Neither carries a contact detail. Every kind is one statement with a
LIMIT: never a whole table."""

from sqlalchemy import case, or_, select

from market.errors import ValidationFailed
from market.extensions import db
from market.models import Achievement, Demand, Organisation, User
from market.models.vocab import ORG_KINDS
from market.services.deals.lists import visible_deals
from market.services.filters import query_text
from market.services.permissions import is_admin, is_signed_in

KINDS = {
    "achievement": "科技成果",
    "demand": "技术需求",
    "deal": "对接",
    "organisation": "已认证机构",
    "broker": "技术经纪人",
}
MAX_LIMIT = 20


def _listings(actor, model):
    """The listings of this kind the actor may see: the published (and expired) ones, and every one of their
    own organisation's; admins see all."""
    query = select(model.id, model.title, Organisation.name).join(
        Organisation, model.org_id == Organisation.id
    )
    if is_admin(actor):
        return query, model.id, [model.title]
    seen = model.status.in_(("published", "expired"))
    if is_signed_in(actor) and actor.organisation_id is not None:
        seen = or_(seen, model.org_id == actor.organisation_id)
    return query.where(seen), model.id, [model.title]


def _deals(actor):
    """The deals the actor takes part in (all, for admins), named with the seller's organisation."""
    deals = visible_deals(actor).subquery()
    query = select(deals.c.id, deals.c.title, Organisation.name).join(
        Organisation, deals.c.seller_org_id == Organisation.id
    )
    return query, deals.c.id, [deals.c.title]


def _organisations():
    """Verified organisations, named by themselves, with their kind and region."""
    query = select(
        Organisation.id, Organisation.name, Organisation.name, Organisation.kind, Organisation.region
    ).where(Organisation.verification_state == "verified")
    return query, Organisation.id, [Organisation.name]


def _brokers():
    """Active brokers (as in the public directory), with their organisation's name; found by either."""
    query = (
        select(User.id, User.display_name, Organisation.name)
        .outerjoin(Organisation, User.organisation_id == Organisation.id)
        .where(User.role == "broker", User.active.is_(True))
    )
    return query, User.id, [User.display_name, Organisation.name]


def _query(actor, kind):
    if kind == "deal":
        return _deals(actor)
    if kind == "organisation":
        return _organisations()
    if kind == "broker":
        return _brokers()
    return _listings(actor, Achievement if kind == "achievement" else Demand)


def lookup(actor, kind, text, limit=10) -> list[dict]:
    """Up to `limit` rows of this kind the actor may see: the one whose number is the text typed, then those
    whose name starts with it, then those whose name contains it (newest first; organisations and brokers by
    name). Each is {id, title, org, label, detail}; organisations add kind, kind_label and region."""
    if kind not in KINDS:
        raise ValidationFailed({"kind": f"类型应为 {' / '.join(KINDS)}"})
    try:
        limit = max(1, min(int(limit), MAX_LIMIT))
    except (TypeError, ValueError):
        raise ValidationFailed({"limit": f"数量必须是 1 到 {MAX_LIMIT} 之间的整数"}) from None
    words = query_text(text)[:100].strip()
    if not words:
        return []
    query, id_column, names = _query(actor, kind)
    matches = [name.contains(words, autoescape=True) for name in names]
    number = words.removeprefix("#")
    number = int(number) if number.isdigit() and len(number) <= 12 else None
    if number is not None:
        matches.append(id_column == number)
    order = [
        (id_column == (number or 0)).desc(),
        case((names[0].startswith(words, autoescape=True), 0), else_=1),
    ]
    if kind in ("organisation", "broker"):
        order.append(names[0])
    rows = db.session.execute(query.where(or_(*matches)).order_by(*order, id_column.desc()).limit(limit))
    return [_item(kind, row) for row in rows]


def _item(kind: str, row) -> dict:
    row_id, title, org = row[0], row[1], row[2] or ""
    if kind == "organisation":
        kind_label = ORG_KINDS.get(row[3], row[3])
        detail = f"{kind_label} · {row[4]}"
        return {
            "id": row_id,
            "title": title,
            "org": org,
            "kind": row[3],
            "kind_label": kind_label,
            "region": row[4],
            "label": f"{title}（{kind_label}）",
            "detail": f"{detail} · 编号 {row_id}",
        }
    if kind == "broker":
        label = f"{title}（{org}）" if org else title
        return {
            "id": row_id,
            "title": title,
            "org": org,
            "label": label,
            "detail": f"{org or '技术经纪人'} · 编号 {row_id}",
        }
    return {
        "id": row_id,
        "title": title,
        "org": org,
        "label": f"{title}（{org}）",
        "detail": f"{org} · 编号 {row_id}",
    }


def describe(actor, kind: str, row_id) -> str | None:
    """The name a picked row is shown with on a form ("标题（单位）"), if the actor may see it."""
    if kind not in KINDS or not str(row_id or "").isdigit():
        return None
    found = [item for item in lookup(actor, kind, str(row_id), limit=1) if item["id"] == int(row_id)]
    return found[0]["label"] if found else None
