"""Search and duplicate checks over JSON."""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import actor, json_body, reject_unknown_fields
from market.errors import ValidationFailed
from market.services.search import find_possible_duplicates, search_catalogue

DUPLICATE_KINDS = ("achievement", "demand", "equipment")


def _hit(hit) -> dict:
    return {
        "kind": hit.kind,
        "id": hit.object_id,
        "title": hit.title,
        "score": round(hit.score, 4),
        "highlights": hit.highlights,
    }


@api_bp.get("/search")
def search_listings():
    result = search_catalogue(actor(), request.args)
    return jsonify(
        {
            "items": [_hit(h) for h in result.hits],
            "meta": {
                "page": result.page,
                "per_page": result.per_page,
                "total": result.total,
                "facets": result.facets,
                "correction": result.correction,
                "relaxed": result.relaxed,
                "notice": result.notice,
                "synonyms": result.synonyms,
                "by_meaning": result.by_meaning,
            },
        }
    )


@api_bp.post("/duplicates")
def check_duplicates():
    data = json_body()
    reject_unknown_fields(data, {"kind", "title", "text"})
    kind, title, text = data.get("kind"), data.get("title"), data.get("text") or ""
    errors = {}
    if kind not in DUPLICATE_KINDS:
        errors["kind"] = f"类型应为：{'、'.join(DUPLICATE_KINDS)}"
    if not isinstance(title, str) or not title.strip():
        errors["title"] = "请填写标题"
    if not isinstance(text, str):
        errors["text"] = "内容必须是文字"
    if errors:
        raise ValidationFailed(errors)
    return jsonify({"items": [_hit(h) for h in find_possible_duplicates(kind, title, text[:2000])]})
