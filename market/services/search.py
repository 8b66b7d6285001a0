"""Searching the catalogue as a given person may see it."""

from datetime import date

from market import search, vectors
from market.clock import beijing_day_end, beijing_day_start
from market.errors import ValidationFailed
from market.matching import embedding
from market.money import MoneyError, parse_yuan
from market.search import KINDS, IndexUnavailable, SearchRequest, SearchResult
from market.search.hybrid import Close, nearest, ranked_search
from market.services import organisations
from market.services.permissions import CREATOR_ROLES, is_admin, is_signed_in
from market.services.search_fallback import database_search

SORTS = ("relevance", "date")
PUBLIC_STATUSES = ("published", "expired")
MAX_PER_PAGE = 50
EMBEDDED_KINDS = ("achievement", "demand")  # the kinds with stored passage vectors
ORGANISATION_KINDS = ("achievement", "demand", "equipment", "broker")  # org_name is an organisation's name
# A listing whose passage stands out this far among the query's cosines (standard deviations above the usual
# one) and is at least this close (e5 query → passage) is a result even without the query's words. Chosen on
# the search relevance set (bench/search_relevance.py --floors; docs/benchmarks.md), both halves of its
# queries.
MEANING_SPREAD = 3.0
MEANING_FLOOR = 0.85
WARM_UP_QUERY = "锂电池正极材料"


def _date(value, label, errors, end_of_day=False):
    if not value:
        return None
    try:
        day = date.fromisoformat(str(value).strip())
    except ValueError:
        errors[label] = "日期格式应为 年-月-日，例如 2026-01-31"
        return None
    return beijing_day_end(day) if end_of_day else beijing_day_start(day)


def build_request(actor, params) -> SearchRequest:
    """A search request from query-string parameters, with the actor's visibility applied."""
    errors = {}
    kind = (params.get("kind") or "").strip()
    if kind and kind not in KINDS:
        errors["kind"] = f"类型应为：{'、'.join(KINDS)}"
    amounts = {}
    for name in ("min", "max"):
        try:
            amounts[name] = parse_yuan(params.get(name))
        except MoneyError as exc:
            errors[name] = f"金额{exc}"
    sort = params.get("sort") or "relevance"
    if sort not in SORTS:
        errors["sort"] = "排序应为 relevance 或 date"
    try:
        page = max(1, int(params.get("page") or 1))
        per_page = min(MAX_PER_PAGE, max(1, int(params.get("per_page") or 20)))
    except ValueError:
        errors["page"] = "页码必须是整数"
        page, per_page = 1, 20
    date_from = _date(params.get("date_from"), "date_from", errors)
    date_to = _date(params.get("date_to"), "date_to", errors, end_of_day=True)
    if errors:
        raise ValidationFailed(errors, "搜索条件有误")
    filters = {
        name: params.get(name).strip()
        for name in ("field", "maturity", "region", "status")
        if (params.get(name) or "").strip()
    }
    request = SearchRequest(
        q=params.get("q") or "",
        kinds=(kind,) if kind else (),
        filters=filters,
        amount_min=amounts["min"],
        amount_max=amounts["max"],
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        page=page,
        per_page=per_page,
    )
    if is_admin(actor):
        request.all_statuses = True
    else:
        if filters.get("status") in PUBLIC_STATUSES:
            request.visible_statuses = (filters["status"],)
        if (
            is_signed_in(actor)
            and actor.organisation_id
            and any(actor.role in r for r in CREATOR_ROLES.values())
        ):
            request.also_org_id = actor.organisation_id
    return request


def search_catalogue(actor, params) -> SearchResult:
    """Ranked, highlighted, faceted results by words and by meaning; drafts and withdrawn listings only for
    their owners and admins. While the index cannot be read, title matches from the database, marked as
    reduced."""
    request = build_request(actor, params)
    try:
        result = ranked_search(search.backend(), request, close_in_meaning(request))
    except IndexUnavailable:
        result = database_search(request)
    return _with_organisation_pages(result)


def warm_up(sample: str = WARM_UP_QUERY) -> SearchResult:
    """Run one search as a visitor would, so that this process has loaded what searching needs (the
    segmenter's dictionary, the index, the query model, the stored vectors) before someone waits for it; the
    calling thread's index reader is closed afterwards."""
    try:
        return search_catalogue(None, {"q": sample})
    finally:
        search.backend().release_reader()


def _with_organisation_pages(result: SearchResult) -> SearchResult:
    """Each hit's organisation (stored as its name) gets org_id, and org_verified, so pages can link it."""
    hits = [hit for hit in result.hits if hit.kind in ORGANISATION_KINDS]
    found = organisations.pages_by_name(hit.stored.get("org_name") for hit in hits)
    for hit in hits:
        if (page := found.get(hit.stored.get("org_name"))) is not None:
            hit.stored = {**hit.stored, "org_id": page[0], "org_verified": page[1]}
    return result


def close_in_meaning(request: SearchRequest) -> list[Close]:
    """The results and demands whose stored passage is close to the query, closest first (sorted by relevance,
    words not quoted; nothing while no vectors are stored). The request's filters apply later, in the
    engine."""
    text, _ = search.clean_query(request.q)
    if request.sort != "relevance" or '"' in text or not search.query_words(text):
        return []
    matrices = {
        kind: vectors.cache().matrix(kind) for kind in request.kinds or KINDS if kind in EMBEDDED_KINDS
    }
    if not any(len(ids) for ids, _ in matrices.values()):
        return []
    return nearest(embedding.embed(text, as_query=True), matrices, MEANING_FLOOR, MEANING_SPREAD)


def find_possible_duplicates(kind: str, title: str, text: str, exclude_id: int | None = None, limit: int = 5):
    """Published listings of the same kind whose title and summary look like this one."""
    words = set(search.query_words(title or ""))
    if not words:
        return []
    try:
        hits = search.backend().similar(kind, f"{title} {title} {text or ''}"[:600], limit=limit * 2)
    except IndexUnavailable:
        return []  # the duplicate check is advice; publishing goes on
    duplicates = []
    for hit in hits:
        if hit.object_id == exclude_id:
            continue
        theirs = set(search.query_words(hit.title))
        overlap = len(words & theirs) / max(1, len(words | theirs))
        if overlap >= 0.34:
            duplicates.append(hit)
    return duplicates[:limit]
