"""Instrument bookings (仪器预约): the week's availability, booking rules, maintenance blocks, bookings and
utilisation.

Times travel in Beijing time with their offset ("2026-12-03T09:00:00+08:00"); input times without an offset
are read as Beijing time.
"""

from datetime import timedelta

from marshmallow import Schema, fields

from market.clock import beijing_iso
from market.inputs.bookings import (  # noqa: F401 (declared with their rules)
    OPENING_HOURS,
    BlockIn,
    BookingAnswerIn,
    BookingCancelIn,
    BookingCompleteIn,
    BookingDecisionIn,
    BookingIn,
    BookingRulesIn,
)
from market.models.vocab import BOOKING_KINDS, BOOKING_STATUSES
from market.schemas.core import BeijingDateTime, OrganisationBrief
from market.schemas.deals import YuanOf
from market.services.bookings import SLOT_MINUTES

STATES = {"closed": "不开放", "free": "空闲", "booked": "已被预约", "blocked": "停机", "mine": "我的预约"}


def _choices(vocabulary) -> str:
    return "；".join(f"{key} {label}" for key, label in vocabulary.items())


class WithheldNested(fields.Nested):
    """A nested object the schema never reads: null, unless the handler fills it in for a reader who may see
    it."""

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return None


class BookingEquipmentRef(Schema):
    id = fields.Integer()
    name = fields.String()


class BookingFeeItemRef(Schema):
    id = fields.Integer()
    label = fields.String()
    unit = fields.String(metadata={"description": "元/小时、元/样、元/天、元/次 或 面议"})


class BookingRequesterOut(Schema):
    id = fields.Integer(metadata={"description": "用户编号"})
    name = fields.String(attribute="display_name")
    organisation = fields.Nested(OrganisationBrief, allow_none=True)


class BookingOut(Schema):
    id = fields.Integer()
    equipment = fields.Nested(BookingEquipmentRef)
    kind = fields.String(metadata={"enum": list(BOOKING_KINDS), "description": _choices(BOOKING_KINDS)})
    kind_label = fields.String()
    purpose = fields.String()
    starts_at = BeijingDateTime(
        allow_none=True, metadata={"description": "开始时间（北京时间）；送样检测为 null"}
    )
    ends_at = BeijingDateTime(
        allow_none=True, metadata={"description": "结束时间（北京时间）；送样检测为 null"}
    )
    samples = fields.Integer(allow_none=True, metadata={"description": "送样数量；机时预约为 null"})
    fee_item = fields.Nested(
        BookingFeeItemRef, allow_none=True, metadata={"description": "收费项目，未选时为 null"}
    )
    status = fields.String(
        metadata={"enum": list(BOOKING_STATUSES), "description": _choices(BOOKING_STATUSES)}
    )
    status_label = fields.String()
    proposed_starts_at = BeijingDateTime(
        allow_none=True, metadata={"description": "管理方建议的开始时间（待答复时）"}
    )
    proposed_ends_at = BeijingDateTime(
        allow_none=True, metadata={"description": "管理方建议的结束时间（待答复时）"}
    )
    reason = fields.String(allow_none=True, metadata={"description": "拒绝、改期或取消的原因"})
    actual_minutes = fields.Integer(allow_none=True, metadata={"description": "登记的实际使用分钟数"})
    actual_samples = fields.Integer(allow_none=True, metadata={"description": "登记的实际检测样品数"})
    tier = fields.String(
        allow_none=True,
        metadata={
            "enum": ["internal", "external", None],
            "description": "计费价格档：internal 内部价 / external 对外价；未计费时为 null",
        },
    )
    fee = YuanOf("fee_fen", metadata={"description": "按收费标准计算的费用，元；未登记或面议时为 null"})
    fee_fen = fields.Integer(allow_none=True)
    requester = WithheldNested(
        BookingRequesterOut,
        allow_none=True,
        metadata={"description": "预约人：仅预约人本人、仪器所属单位和管理员可见；其他读者为 null"},
    )
    created_at = BeijingDateTime()


class AvailabilitySlotOut(Schema):
    start = BeijingDateTime()
    end = fields.Function(
        lambda cell: beijing_iso(cell.start + timedelta(minutes=SLOT_MINUTES)),
        metadata={"type": "string", "format": "date-time"},
    )
    state = fields.String(metadata={"enum": list(STATES), "description": _choices(STATES)})


class AvailabilityDayOut(Schema):
    date = fields.Date()
    slots = fields.List(
        fields.Nested(AvailabilitySlotOut),
        attribute="cells",
        metadata={"description": "开放时间内的时段（不开放的时间不列出）"},
    )


class AvailabilityOut(Schema):
    """Read from bookings.week()."""

    equipment_id = fields.Function(lambda view: view["equipment"].id, metadata={"type": "integer"})
    week = fields.Date(attribute="monday", metadata={"description": "这一周的周一"})
    slot_minutes = fields.Function(
        lambda _view: SLOT_MINUTES, metadata={"type": "integer", "description": "每个时段的分钟数"}
    )
    days = fields.List(fields.Nested(AvailabilityDayOut))


class BookingRulesOut(Schema):
    equipment_id = fields.Integer(attribute="id")
    opening_hours = fields.Dict(
        keys=fields.String(), values=fields.List(fields.List(fields.String())), metadata=OPENING_HOURS
    )
    training_required = fields.Boolean(metadata={"description": "需培训后方可使用"})
    sample_types = fields.String(metadata={"description": "可接收的样品类型"})
    booking_rules = fields.String(metadata={"description": "使用须知"})
    cancel_hours = fields.Integer(metadata={"description": "预约人可在开始前多少小时之前取消已批准的预约"})


class BlockOut(Schema):
    id = fields.Integer()
    equipment_id = fields.Integer()
    starts_at = BeijingDateTime()
    ends_at = BeijingDateTime()
    reason = fields.String()
    created_at = BeijingDateTime()


class UtilisationOut(Schema):
    """Read from bookings.utilisation_table(): one dict per instrument."""

    equipment = fields.Nested(BookingEquipmentRef)
    month = fields.Function(lambda row: row["month"].strftime("%Y-%m"), metadata={"type": "string"})
    booked_minutes = fields.Integer(metadata={"description": "已批准和已完成的机时预约在本月的分钟数"})
    open_minutes = fields.Integer(metadata={"description": "本月按每周开放时间计算的分钟数"})
    blocked_minutes = fields.Integer(metadata={"description": "开放时间中停机（维护、校准）占去的分钟数"})
    available_minutes = fields.Integer(metadata={"description": "可预约的分钟数 = 开放分钟 − 停机分钟"})
    utilisation = fields.Float(
        allow_none=True,
        metadata={"description": "使用率 = 预约分钟 / 可预约分钟（0.5 为50%）；无可预约时间时为 null"},
    )
    revenue = YuanOf("revenue_fen", metadata={"description": "本月完成登记的预约的费用合计，元"})
    revenue_fen = fields.Integer()
