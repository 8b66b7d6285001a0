"""Matchmaking over JSON: suggestions for a listing, the brokers' queue and decisions, weekly precision.

Suggestions are for the listing's organisation, brokers and admins: a token is asked for first (401),
then the service decides (404 for what the actor cannot see, 403 for what they may not see matched).
"""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import json_body, page_envelope, reject_unknown_fields, require_actor
from market.api.docs import json_of, object_of, operation, query_params, ref
from market.api.listings import dump_listing
from market.schemas import MatchDecisionIn, MatchDecisionOut, MatchPrecisionOut
from market.services import matching

KINDS = {"demands": "demand", "achievements": "achievement"}
QUEUE_PER_PAGE = 10
# collection → (the suggestions' kind, their schema, what the document calls them)
SUGGESTED = {
    "demands": ("achievement", "AchievementOut", "需求的推荐成果"),
    "achievements": ("demand", "DemandOut", "成果可服务的需求"),
}


def _match_item(kind: str, schema: str) -> dict:
    """The documented shape of one suggestion (dump_match)."""
    return {
        "type": "object",
        "required": [kind, "score", "probability", "band", "reasons"],
        "properties": {
            kind: ref(schema),
            "score": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "匹配度，等于 probability",
            },
            "probability": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "技术经纪人会促成双方对接的估计概率（按已评判的配对校准）",
            },
            "band": {
                "type": "string",
                "enum": ["强", "中", "弱"],
                "description": "强：概率 ≥ 0.8；中：≥ 0.5；弱：更低（仅在 min_band=弱 时返回）",
            },
            "reasons": {"type": "array", "items": {"type": "string"}, "description": "推荐理由（中文）"},
        },
    }


def _matches(kind: str, schema: str) -> dict:
    return {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": _match_item(kind, schema)},
            "note": {"type": "string", "description": "没有达到最低等级的推荐时的说明"},
        },
    }


QUEUE_ENTRY = {
    "type": "object",
    "required": ["demand", "matches"],
    "properties": {
        "demand": ref("DemandOut"),
        "note": {"type": "string", "nullable": True, "description": "没有“中”及以上推荐时的说明"},
        "matches": {"type": "array", "items": _match_item("achievement", "AchievementOut")},
    },
}
QUEUE_PAGE = {
    "type": "object",
    "required": ["items", "meta"],
    "properties": {"items": {"type": "array", "items": QUEUE_ENTRY}, "meta": ref("PageMeta")},
}
WEIGHTS = {"type": "object", "additionalProperties": {"type": "number"}}
PRECISION = {
    "type": "object",
    "required": ["items", "weights"],
    "properties": {
        "items": {"type": "array", "items": ref("MatchPrecisionOut")},
        "weights": {
            "type": "object",
            "description": "推荐排序的融合权重：默认、当前（从经纪人处理中学习）",
            "properties": {
                "prior": WEIGHTS,
                "current": WEIGHTS,
                "labels": {"type": "integer", "description": "记录了证据的处理数"},
                "min_labels": {"type": "integer"},
                "learned": {"type": "boolean"},
            },
        },
    },
}


def dump_match(candidate, suggestion, viewer) -> dict:
    """One suggestion: the other listing under its kind's name, with probability (also as score), band and
    reasons."""
    return {
        candidate.kind: dump_listing(candidate, viewer),
        "score": suggestion.score,
        "probability": round(suggestion.probability, 4),
        "band": suggestion.band,
        "reasons": list(suggestion.reasons),
    }


@api_bp.get("/<any(demands, achievements):collection>/<int:listing_id>/matches")
@operation(
    secured=True,
    query=query_params(
        ("limit", "integer", "条数 1–50，默认 10", {"minimum": 1, "maximum": 50}),
        ("min_band", "string", "最低匹配等级：强、中（默认）或 弱（返回完整排序，含弱匹配）"),
    ),
    errors=("403", "404", "422"),
    vary=lambda collection: {
        "summary": f"{SUGGESTED[collection][2]}（发布单位、技术经纪人、管理员；最匹配的在前）",
        "responses": {"200": object_of(_matches(*SUGGESTED[collection][:2]))},
    },
)
def list_matches(collection, listing_id):
    user = require_actor()
    _listing, suggestions = matching.suggestions_for(
        user, KINDS[collection], listing_id, request.args.get("limit", 10), request.args.get("min_band")
    )
    body = {"items": [dump_match(candidate, suggestion, user) for candidate, suggestion in suggestions]}
    if not suggestions:
        body["note"] = matching.NO_GOOD_MATCH
    return jsonify(body)


@api_bp.get("/match-queue")
@operation(
    "匹配工作台：已发布需求（最新在前）及其尚未处理的最佳推荐（技术经纪人、管理员）",
    secured=True,
    query=query_params(
        ("page", "integer", "页码，从 1 开始"),
        ("per_page", "integer", "每页需求数，默认 10"),
        ("min_band", "string", "最低匹配等级：中（默认）或 弱（另附每个需求最好的几条弱匹配）"),
    ),
    responses={"200": object_of(QUEUE_PAGE)},
    errors=("403", "422"),
)
def list_match_queue():
    user = require_actor()
    weak_too = matching.band_filter(request.args.get("min_band")) == "弱"
    result = matching.match_queue(
        user, request.args.get("page", 1), request.args.get("per_page", QUEUE_PER_PAGE)
    )
    return jsonify(
        page_envelope(
            result,
            lambda entry: {
                "demand": dump_listing(entry["demand"], user),
                "matches": [
                    dump_match(achievement, suggestion, user)
                    for achievement, suggestion in entry["matches"] + (entry["weak"] if weak_too else [])
                ],
                "note": entry["note"],
            },
        )
    )


@api_bp.post("/match-decisions")
@operation(
    "接受或拒绝一条推荐（技术经纪人、管理员；拒绝须选原因；同一对再次决定会覆盖）",
    secured=True,
    body="MatchDecisionIn",
    responses={"201": json_of("MatchDecisionOut", "已记录")},
    errors=("403", "422"),
)
def create_match_decision():
    user = require_actor()
    data = json_body()
    reject_unknown_fields(data, MatchDecisionIn().fields)
    decision = matching.decide_match(
        user,
        data.get("demand_id"),
        data.get("achievement_id"),
        data.get("decision"),
        reason_code=data.get("reason_code"),
        note=data.get("note"),
        score=data.get("score"),
    )
    return jsonify(MatchDecisionOut().dump(decision)), 201


@api_bp.get("/admin/match-precision")
@operation(
    "每周推荐准确率：接受数 / 处理数（管理员，最近 12 周，最新在前）",
    secured=True,
    responses={"200": object_of(PRECISION)},
    errors=("403",),
)
def get_match_precision():
    actor = require_actor()
    weeks = matching.decision_precision(actor)
    return jsonify(
        {"items": MatchPrecisionOut(many=True).dump(weeks), "weights": matching.fusion_weights_report(actor)}
    )
