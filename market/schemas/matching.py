"""Matchmaking: brokers' decisions on suggested pairs and the precision they add up to."""

from marshmallow import Schema, fields

from market.inputs.matching import MatchDecisionIn  # noqa: F401 (declared with its rules)
from market.models.vocab import MATCH_REJECT_REASONS as REJECT_REASONS
from market.schemas.core import BeijingDateTime


class MatchDecisionOut(Schema):
    id = fields.Integer()
    demand_id = fields.Integer()
    achievement_id = fields.Integer()
    decision = fields.String(metadata={"description": "accepted / rejected"})
    reason_code = fields.String(allow_none=True)
    reason = fields.Function(
        lambda decision: REJECT_REASONS.get(decision.reason_code or ""),
        allow_none=True,
        metadata={"type": "string", "description": "拒绝原因（中文），接受时为 null"},
    )
    note = fields.String(allow_none=True)
    score = fields.Float(allow_none=True)
    decided_by_id = fields.Integer(allow_none=True)
    created_at = BeijingDateTime()
    updated_at = BeijingDateTime()


class MatchPrecisionOut(Schema):
    week = fields.String(metadata={"example": "2026-W49", "description": "ISO 周"})
    acted = fields.Integer(metadata={"description": "经纪人处理的推荐数"})
    accepted = fields.Integer(metadata={"description": "其中接受的数量"})
    precision = fields.Float(metadata={"description": "接受数 / 处理数（0–1）"})
