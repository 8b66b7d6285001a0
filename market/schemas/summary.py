"""The home page's numbers: live listings of each kind and the latest few."""

from marshmallow import Schema, fields

from market.schemas.core import AchievementOut, DemandOut, EquipmentOut


class AchievementSummary(Schema):
    count = fields.Integer()
    latest = fields.List(fields.Nested(AchievementOut))


class DemandSummary(Schema):
    count = fields.Integer()
    latest = fields.List(fields.Nested(DemandOut))


class EquipmentSummary(Schema):
    count = fields.Integer()
    latest = fields.List(fields.Nested(EquipmentOut))


class SummaryOut(Schema):
    """Read from listings.home_summary(), which is keyed by kind; written keyed by collection like the
    URLs."""

    achievements = fields.Nested(AchievementSummary, attribute="achievement")
    demands = fields.Nested(DemandSummary, attribute="demand")
    equipment = fields.Nested(EquipmentSummary, attribute="equipment")
