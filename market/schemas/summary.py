"""The home page's numbers: live listings of each kind and the latest few."""

from marshmallow import Schema, fields

from market.schemas.core import AchievementOut, BeijingDateTime, DemandOut, EquipmentOut, Yuan


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


# ---- GET /home: the home page's figures (services/home.HomeFigures) --------------------------------------


class HomeOrganisation(Schema):
    id = fields.Integer()
    name = fields.String()
    verified = fields.Boolean()


class HomeListing(Schema):
    id = fields.Integer()
    title = fields.String()
    organisation = fields.Nested(HomeOrganisation)
    field = fields.String(allow_none=True)
    published_at = BeijingDateTime(allow_none=True)


class HomeOpenCall(HomeListing):
    reward_yuan = Yuan("reward_fen", metadata={"description": "揭榜奖励，元；null 为未填写"})
    deadline = fields.Date(allow_none=True)
    challenge_id = fields.Integer(
        attribute="call_id",
        allow_none=True,
        metadata={"description": "揭榜挂帅榜单编号（GET /challenges/{id}）；没有榜单的需求为 null"},
    )


class HomeResult(HomeListing):
    maturity = fields.String(allow_none=True)
    price_yuan = Yuan("price_fen", metadata={"description": "null 表示面议"})


class HomeMonth(Schema):
    month = fields.String(attribute="key", metadata={"description": "YYYY-MM（北京时间）"})
    count = fields.Integer()
    amount_yuan = Yuan("amount_fen")


class HomeContracts(Schema):
    year = fields.Integer(metadata={"description": "本年（北京时间）"})
    count = fields.Integer(metadata={"description": "本年签订、已登记的技术合同数"})
    amount_yuan = Yuan("amount_fen", metadata={"description": "其合同成交额之和（技术合同交易额），元"})
    target_yuan = Yuan("target_fen", metadata={"description": "规划的本年目标，元；没有设定时为 null"})
    target_name = fields.String(allow_none=True)
    target_source = fields.String(allow_none=True)
    progress = fields.Float(allow_none=True, metadata={"description": "完成比例（可超过 1）"})
    elapsed = fields.Float(metadata={"description": "本年已过去的比例"})
    months = fields.List(fields.Nested(HomeMonth), metadata={"description": "1月到本月，每月一项"})


class HomeCounts(Schema):
    achievements = fields.Integer(attribute="achievement")
    demands = fields.Integer(attribute="demand")
    equipment = fields.Integer()


class HomeNew(Schema):
    achievements = fields.Integer(attribute="achievement")
    demands = fields.Integer(attribute="demand")


class HomeField(Schema):
    name = fields.String()
    achievements = fields.Integer()
    demands = fields.Integer()
    equipment = fields.Integer()


class HomeOut(Schema):
    """The home page's figures, computed at most once a minute."""

    computed_at = BeijingDateTime(metadata={"description": "这些数字的计算时间（最多缓存 60 秒）"})
    contracts = fields.Nested(HomeContracts)
    counts = fields.Nested(
        HomeCounts, attribute="live", metadata={"description": "各库已发布（征集中）的数量"}
    )
    new_this_month = fields.Nested(
        HomeNew, metadata={"description": "本月（北京时间）新发布且仍在展示的数量"}
    )
    brokers = fields.Integer(metadata={"description": "技术经纪人数"})
    fields_ = fields.List(fields.Nested(HomeField), data_key="fields", attribute="fields")
    open_calls = fields.List(fields.Nested(HomeOpenCall), metadata={"description": "最新的揭榜挂帅需求"})
    featured = fields.List(
        fields.Nested(HomeResult), metadata={"description": "精选成果：已认证单位的最新成果"}
    )
