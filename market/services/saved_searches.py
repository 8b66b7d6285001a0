"""Saved searches: a user's /search query kept by name; new published listings for it become notifications."""

import logging
import re
from datetime import datetime, timezone
from urllib.parse import urlencode

from sqlalchemy import func, select

from market import search
from market.errors import NotFound, ValidationFailed
from market.extensions import db
from market.inputs.saved_searches import SavedSearchIn, SavedSearchUpdateIn
from market.models import LISTING_MODELS, SavedSearch, SearchOutboxEntry, User
from market.models.base import utcnow
from market.services.base import parse_row_id, unit_of_work
from market.services.indexing import GAP_GRACE
from market.services.notifications import add_notifications
from market.services.permissions import require_signed_in
from market.services.search import PUBLIC_STATUSES, build_request, search_catalogue

log = logging.getLogger(__name__)

MAX_SAVED = 50
QUERY_KEYS = ("q", "kind", "field", "maturity", "region", "status", "min", "max", "date_from", "date_to")
IGNORED_KEYS = ("sort", "page", "per_page")  # how results are shown, not what is searched for
SAVED_KINDS = tuple(LISTING_MODELS)  # only listings have a publication time to be "new" by
MAX_VALUE_CHARS = 100
CHECK_PAGE_SIZE = 50
CHECK_MAX_PAGES = 4  # at most 200 new results are counted per search and run
MAX_LINK_CHARS = 300  # notifications.link column
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_query(actor, query: dict) -> dict:
    """The search conditions worth keeping, as /search reads them, or ValidationFailed; `query` is an object
    (SavedSearchIn has checked)."""
    errors, cleaned = {}, {}
    for key, raw in query.items():
        if key in IGNORED_KEYS:
            continue
        if key not in QUERY_KEYS:
            errors[str(key)[:40]] = "不支持的搜索条件"
            continue
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            raw = str(raw)
        if raw is None:
            continue
        if not isinstance(raw, str):
            errors[key] = "搜索条件必须是文字"
            continue
        if "\x00" in raw:
            errors[key] = "搜索条件不能包含空字符（NUL）"
            continue
        value = re.sub(r"\s+", " ", _CONTROL.sub(" ", raw)).strip()
        if len(value) > MAX_VALUE_CHARS:
            errors[key] = f"搜索条件不能超过{MAX_VALUE_CHARS}个字"
        elif value:
            cleaned[key] = value
    if cleaned.get("kind") and cleaned["kind"] not in SAVED_KINDS:
        errors["kind"] = "只能保存成果、需求或设备的搜索（achievement、demand、equipment）"
    if cleaned.get("status") and cleaned["status"] not in PUBLIC_STATUSES:
        errors["status"] = "状态只能是 published（已发布）或 expired（已过期）"
    if not errors:
        try:
            build_request(actor, cleaned)  # amounts and dates exactly as /search judges them
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors, "搜索条件有误")
    return cleaned


def describe_query(query: dict) -> str:
    """A default name for a query: its words, or 全部."""
    return (query.get("q") or "").strip()[:MAX_VALUE_CHARS] or "全部"


def search_link(query: dict) -> str:
    """The /search address showing a saved query's results, newest first."""
    return "/search?" + urlencode(sorted({**query, "sort": "date"}.items()))


def list_saved_searches(actor) -> list[SavedSearch]:
    """The actor's saved searches, newest first."""
    require_signed_in(actor)
    return list(
        db.session.scalars(
            select(SavedSearch)
            .where(SavedSearch.user_id == actor.id)
            .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())
        )
    )


def get_saved_search(actor, saved_search_id) -> SavedSearch:
    """One of the actor's saved searches; anyone else's is NotFound."""
    require_signed_in(actor)
    row_id = parse_row_id(saved_search_id)
    saved = db.session.get(SavedSearch, row_id) if row_id else None
    if saved is None or saved.user_id != actor.id:
        raise NotFound("该搜索不存在或已删除")
    return saved


@unit_of_work
def save_search(actor, name, query) -> SavedSearch:
    """Keep a query under a name; new results are notified from now on."""
    require_signed_in(actor)
    errors: dict = {}
    values = SavedSearchIn.clean({"name": name, "query": query}, errors=errors)
    if "query" in values:
        try:
            cleaned = clean_query(actor, values["query"])
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    mine = list_saved_searches(actor)
    if len(mine) >= MAX_SAVED:
        message = f"最多只能保存{MAX_SAVED}个搜索，请先删除不再需要的"
        raise ValidationFailed({"name": message}, message)
    for other in mine:
        if other.query == cleaned:
            raise ValidationFailed({"query": f"已保存过相同条件的搜索「{other.name}」"})
    saved = SavedSearch(
        user_id=actor.id, name=values["name"], query=cleaned, notify=True, last_checked_at=utcnow()
    )
    db.session.add(saved)
    db.session.flush()
    return saved


@unit_of_work
def set_saved_search_notify(actor, saved_search_id, notify) -> SavedSearch:
    """Turn notifications of a saved search on or off; back on, only results from now on count."""
    saved = get_saved_search(actor, saved_search_id)
    notify = SavedSearchUpdateIn.clean({"notify": notify})["notify"]
    if notify and not saved.notify:
        saved.last_checked_at = utcnow()
    saved.notify = notify
    return saved


@unit_of_work
def delete_saved_search(actor, saved_search_id) -> None:
    """Forget a saved search."""
    db.session.delete(get_saved_search(actor, saved_search_id))


# ---- checking for new results -------------------------------------------------------------------------


def _settled_until(now: datetime) -> datetime:
    """The publication time up to which this host's index surely has every listing.

    A listing is published (published_at) a moment before its outbox row is written, and it reaches the
    index only once that row is applied; a transaction still open is invisible. So trust nothing newer
    than the oldest outbox row the index has not applied, minus the grace the outbox gives open transactions.
    """
    cursor = search.backend().read_cursor()
    oldest = db.session.scalar(
        select(func.min(SearchOutboxEntry.created_at)).where(SearchOutboxEntry.seq > cursor)
    )
    return min(now, oldest or now) - GAP_GRACE


def _candidates(owner, query: dict, since: datetime) -> dict[str, set[int]]:
    """Listings the index has for the query with a date at or after `since` (to the second), by kind."""
    floor = int(since.timestamp())
    found: dict[str, set[int]] = {}
    for page in range(1, CHECK_MAX_PAGES + 1):
        params = {**query, "sort": "date", "page": str(page), "per_page": str(CHECK_PAGE_SIZE)}
        result = search_catalogue(owner, params)
        if result.relaxed:  # only some of the words matched: not a result of this query
            return found
        for hit in result.hits:
            if (hit.stored.get("date") or 0) < floor:
                return found  # newest first: the rest are older
            if hit.kind in LISTING_MODELS:
                found.setdefault(hit.kind, set()).add(hit.object_id)
        if page * CHECK_PAGE_SIZE >= result.total:
            break
    return found


def _new_listings(owner, candidates: dict[str, set[int]], since: datetime, until: datetime) -> list:
    """The candidates really published in (since, until], as the database says, not the owner's own."""
    listings = []
    for kind, ids in candidates.items():
        model = LISTING_MODELS[kind]
        query = select(model).where(
            model.id.in_(ids),
            model.status == "published",
            model.published_at > since,
            model.published_at <= until,
        )
        if owner.organisation_id is not None:
            query = query.where(model.org_id != owner.organisation_id)
        listings += db.session.scalars(query).unique()
    return sorted(listings, key=lambda listing: listing.published_at, reverse=True)


@unit_of_work
def check_saved_searches(now: datetime | None = None) -> int:
    """Notify owners of saved searches about listings published since the last check; returns notifications
    added."""
    now = now or utcnow()
    until = _settled_until(now)
    added = 0
    rows = db.session.execute(
        select(SavedSearch, User)
        .join(User, User.id == SavedSearch.user_id)
        .where(SavedSearch.notify.is_(True), User.active.is_(True))
        .order_by(SavedSearch.id)
    ).all()
    for saved, owner in rows:
        since = saved.last_checked_at
        if until <= since:
            continue
        try:
            new = _new_listings(owner, _candidates(owner, saved.query or {}, since), since, until)
        except ValidationFailed:
            log.warning("saved search %s has a query /search no longer accepts; skipped", saved.id)
            new = []
        if new:
            newest = new[0].published_at
            link = search_link(saved.query or {})
            body = "最新：" + "；".join(listing.title for listing in new[:3]) + ("等" if len(new) > 3 else "")
            added += add_notifications(
                [owner.id],
                "saved_search",
                f"「{saved.name}」有 {len(new)} 条新结果",
                body=body,
                link=link if len(link) <= MAX_LINK_CHARS else "/my/saved-searches",
                data={
                    "saved_search_id": saved.id,
                    "count": len(new),
                    "items": [{"kind": listing.kind, "id": listing.id} for listing in new[:20]],
                },
                dedupe_key=f"saved:{saved.id}:{int(newest.astimezone(timezone.utc).timestamp())}",
            )
        saved.last_checked_at = until
    return added
