"""Matchmaking over JSON: suggestions for a listing, the brokers' queue and decisions, weekly precision.

Suggestions are for the listing's organisation, brokers and admins: a token is asked for first (401),
then the service decides (404 for what the actor cannot see, 403 for what they may not see matched).
"""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import json_body, page_envelope, reject_unknown_fields, require_actor
from market.api.listings import dump_listing
from market.errors import ValidationFailed
from market.schemas import MatchDecisionIn, MatchDecisionOut, MatchPrecisionOut
from market.services import matching

KINDS = {"demands": "demand", "achievements": "achievement"}
QUEUE_PER_PAGE = 10


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


def _score(value):
    """The suggestion's score as sent, or None; anything but a number in 0–1 is refused."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValidationFailed({"score": "匹配度必须是 0 到 1 之间的数字"})
    return float(value)


def _texts(data: dict, *names: str) -> None:
    bad = {
        name: "必须是文字" for name in names if data.get(name) is not None and not isinstance(data[name], str)
    }
    if bad:
        raise ValidationFailed(bad)


@api_bp.post("/match-decisions")
def create_match_decision():
    user = require_actor()
    data = json_body()
    reject_unknown_fields(data, MatchDecisionIn().fields)
    _texts(data, "decision", "reason_code", "note")
    decision = matching.decide_match(
        user,
        data.get("demand_id"),
        data.get("achievement_id"),
        data.get("decision"),
        reason_code=data.get("reason_code"),
        note=data.get("note"),
        score=_score(data.get("score")),
    )
    return jsonify(MatchDecisionOut().dump(decision)), 201


@api_bp.get("/admin/match-precision")
def get_match_precision():
    actor = require_actor()
    weeks = matching.decision_precision(actor)
    return jsonify(
        {"items": MatchPrecisionOut(many=True).dump(weeks), "weights": matching.fusion_weights_report(actor)}
    )
