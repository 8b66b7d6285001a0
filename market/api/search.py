"""Search and duplicate checks over JSON."""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import actor, json_body, reject_unknown_fields
from market.api.docs import object_of, operation, query_params
from market.errors import ValidationFailed
from market.services.search import find_possible_duplicates, search_catalogue

DUPLICATE_KINDS = ("achievement", "demand", "equipment")
HIT = {  # _hit
    "type": "object",
    "required": ["kind", "id", "title", "score", "highlights"],
    "properties": {
        "kind": {"type": "string", "enum": ["achievement", "demand", "equipment", "policy", "broker"]},
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "score": {"type": "number", "description": "相关度，只用于比较同一次搜索中的结果"},
        "highlights": {
            "type": "object",
            "description": "HTML：已转义，仅 <mark> 标记命中词",
            "additionalProperties": {"type": "string"},
        },
    },
}
SEARCH_META = {
    "type": "object",
    "required": ["page", "per_page", "total", "facets"],
    "properties": {
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "total": {"type": "integer"},
        "facets": {
            "type": "object",
            "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
        "correction": {"type": "string", "nullable": True, "description": "您是不是要找：改正后的查询"},
        "relaxed": {"type": "boolean", "description": "没有结果包含全部关键词，结果只含部分关键词"},
        "notice": {"type": "string", "nullable": True},
        "synonyms": {
            "type": "object",
            "description": "查询中的术语 → 同时搜索的同义词、全称或缩写",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "by_meaning": {"type": "boolean", "description": "没有结果包含这些词，结果按语义相近列出"},
    },
}
SEARCH_PAGE = {
    "type": "object",
    "required": ["items", "meta"],
    "properties": {"items": {"type": "array", "items": HIT}, "meta": SEARCH_META},
}


def _hit(hit) -> dict:
    return {
        "kind": hit.kind,
        "id": hit.object_id,
        "title": hit.title,
        "score": round(hit.score, 4),
        "highlights": hit.highlights,
    }


@api_bp.get("/search")
@operation(
    "全站搜索（成果、需求、设备、政策、经纪人）",
    query=query_params(
        ("q", "string", '查询词；支持 "短语"'),
        ("kind", "string", "achievement/demand/equipment/policy/broker"),
        ("field", "string", "技术领域"),
        ("maturity", "string", "成熟度"),
        ("region", "string", "区域"),
        ("status", "string", "published 或 expired（本单位与管理员可查其他状态）"),
        ("min", "string", "金额下限（元）"),
        ("max", "string", "金额上限（元）"),
        ("date_from", "string", "发布日期起 YYYY-MM-DD"),
        ("date_to", "string", "发布日期止 YYYY-MM-DD"),
        ("sort", "string", "relevance 或 date"),
        ("page", "integer", "页码"),
        ("per_page", "integer", "每页条数，最多 50（更大的按 50）"),
    ),
    responses={"200": object_of(SEARCH_PAGE)},
    errors=("422",),
)
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
@operation(
    "发布前检查可能重复的已发布内容",
    body={
        "application/json": {
            "type": "object",
            "required": ["kind", "title"],
            "properties": {
                "kind": {"type": "string", "enum": list(DUPLICATE_KINDS)},
                "title": {"type": "string"},
                "text": {"type": "string"},
            },
        }
    },
    responses={
        "200": object_of(
            {
                "type": "object",
                "required": ["items"],
                "properties": {"items": {"type": "array", "items": HIT}},
            }
        )
    },
    errors=("422",),
)
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
