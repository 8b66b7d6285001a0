"""Searching without the index: titles matched in the database while the index is rebuilt.

Reduced on purpose and said so on the page: every word of the query must appear in the title (or a broker's
name); kind, status, field, region and maturity filters apply; amounts and dates do not; newest first; no
facets.
"""

from markupsafe import escape
from sqlalchemy import desc, func, or_, select

from market.extensions import db
from market.models import Achievement, BrokerProfile, Demand, Equipment, Field, Organisation, Policy, User
from market.search import KINDS, Hit, SearchRequest, SearchResult
from market.services.indexing import load_documents

NOTICE = "搜索索引正在重建，当前为简化搜索：只按标题匹配，金额和日期筛选暂不生效，结果可能不完整。"
LISTINGS = {
    "achievement": (Achievement, Achievement.title),
    "demand": (Demand, Demand.title),
    "equipment": (Equipment, Equipment.name),
}


def _like(column, word: str):
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _listing_query(kind: str, request: SearchRequest, words: list[str]):
    model, title = LISTINGS[kind]
    query = select(model.id, func.coalesce(model.published_at, model.created_at).label("moment"))
    query = query.where(*[_like(title, w) for w in words])
    if not request.all_statuses:
        visible = model.status.in_(request.visible_statuses)
        query = query.where(
            or_(visible, model.org_id == request.also_org_id) if request.also_org_id else visible
        )
    filters = request.filters
    if filters.get("status"):
        query = query.where(model.status == filters["status"])
    if filters.get("field"):
        query = query.join(Field, Field.id == model.field_id).where(Field.name == filters["field"])
    if filters.get("region"):
        query = query.join(Organisation, Organisation.id == model.org_id).where(
            Organisation.region == filters["region"]
        )
    if filters.get("maturity"):
        if kind != "achievement":
            return None
        query = query.where(Achievement.maturity == filters["maturity"])
    return query


def _other_query(kind: str, request: SearchRequest, words: list[str]):
    if set(request.filters) - {"status"} or request.filters.get("status", "published") != "published":
        return None  # policies and brokers have no field, region or maturity of their own in the index
    if kind == "policy":
        return select(Policy.id, Policy.created_at.label("moment")).where(
            *[_like(Policy.title, w) for w in words]
        )
    return (
        select(BrokerProfile.id, BrokerProfile.created_at.label("moment"))
        .join(User, User.id == BrokerProfile.user_id)
        .where(User.active.is_(True), User.role == "broker", *[_like(User.display_name, w) for w in words])
    )


def database_search(request: SearchRequest) -> SearchResult:
    """Title matches from the database, newest first, in the shape of an index search."""
    words = [w for w in (request.q or "").split() if w][:8]
    kinds = request.kinds or KINDS
    wanted = request.page * request.per_page
    rows, total = [], 0
    for kind in kinds:
        query = (
            _listing_query(kind, request, words) if kind in LISTINGS else _other_query(kind, request, words)
        )
        if query is None:
            continue
        total += db.session.scalar(select(func.count()).select_from(query.subquery()))
        rows += [
            (moment, kind, object_id)
            for object_id, moment in db.session.execute(query.order_by(desc("moment")).limit(wanted))
        ]
    rows.sort(key=lambda row: row[0], reverse=True)
    chosen = rows[(request.page - 1) * request.per_page : wanted]
    documents = {}
    for kind in {kind for _, kind, _ in chosen}:
        ids = [object_id for _, k, object_id in chosen if k == kind]
        documents.update({(kind, i): d for i, d in load_documents(kind, ids).items()})
    hits = []
    for _, kind, object_id in chosen:
        document = documents.get((kind, object_id))
        if document is None:
            continue
        stored = {
            "kind": kind,
            "object_id": object_id,
            "title": document.title,
            "org_name": document.org_name,
            "field": document.field,
            "region": document.region,
            "status": document.status,
            "maturity": document.maturity,
        }
        hits.append(
            Hit(
                kind,
                object_id,
                document.title,
                0.0,
                {"title": str(escape(document.title)), "body": str(escape((document.body or "")[:160]))},
                stored,
            )
        )
    return SearchResult(hits, total, request.page, request.per_page, {}, None, False, NOTICE)
