"""The inputs of instrument bookings (仪器预约): a request, the owner's decision, the requester's answer, a
cancellation, the use recorded, the booking rules and a maintenance block. Times are Beijing time."""

from datetime import time

from marshmallow import ValidationError, fields

from market.inputs.fields import BeijingTime, Boolean, Choice, InputSchema, Integer, RowId, Text, _Input
from market.models.vocab import BOOKING_KINDS

SLOT_MINUTES = 30
MAX_BOOKING_DAYS = 14
MAX_SAMPLES = 10_000
TIME_INPUT = "北京时间 年-月-日T时:分，例如 2026-12-03T09:00（整点或半点；带 +08:00 等时区也可）"
OPENING_HOURS = {
    "description": "开放时间（北京时间）：键为星期 0（周一）到 6（周日），值为 [开始, 结束] 时段列表，"
    '例如 {"0": [["09:00", "12:00"], ["14:00", "17:30"]]}；结束可为 24:00'
}


def _choices(vocabulary) -> str:
    return "；".join(f"{key} {label}" for key, label in vocabulary.items())


class OpeningHours(_Input, fields.Dict):
    """{"0": [["09:00", "12:00"], ["14:00", "17:30"]], …}: weekdays 0–6, times on the half hour, no
    overlaps; a weekday without hours is left out."""

    def __init__(self, label: str, **kwargs):
        super().__init__(
            label, keys=fields.String(), values=fields.List(fields.List(fields.String())), **kwargs
        )

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("开放时间格式不正确")
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        out = {}
        for key, intervals in value.items():
            if str(key) not in {str(n) for n in range(7)} or not isinstance(intervals, list):
                raise ValidationError("开放时间须按周一（0）到周日（6）填写")
            cleaned = sorted(_interval(pair) for pair in intervals)
            for (_, first_end), (second_start, _) in zip(cleaned, cleaned[1:]):
                if second_start < first_end:
                    raise ValidationError("同一天的开放时间段不能重叠")
            if cleaned:
                out[str(key)] = cleaned
        return out


def _interval(pair) -> list[str]:
    if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
        raise ValidationError('每段开放时间须为 [开始, 结束]，例如 ["09:00", "17:00"]')
    opens, closes = pair[0].strip(), pair[1].strip()
    try:
        start = time.fromisoformat(opens)
        end = time(23, 59) if closes == "24:00" else time.fromisoformat(closes)
    except ValueError:
        raise ValidationError(f"时间“{opens[:8]}–{closes[:8]}”格式应为 时:分") from None
    if (
        start.minute % SLOT_MINUTES
        or (closes != "24:00" and end.minute % SLOT_MINUTES)
        or (closes != "24:00" and end <= start)
    ):
        raise ValidationError(f"开放时间“{opens}–{closes}”须为整点或半点，且结束晚于开始")
    return [start.strftime("%H:%M"), "24:00" if closes == "24:00" else end.strftime("%H:%M")]


class BookingRulesIn(InputSchema):
    """An update: only the fields sent change."""

    updates = True

    opening_hours = OpeningHours("开放时间", allow_none=False, metadata=OPENING_HOURS)
    training_required = Boolean("需培训后使用", allow_none=False)
    sample_types = Text("可接收样品", max_len=300)
    booking_rules = Text("使用须知", max_len=2000, multiline=True)
    cancel_hours = Integer("可取消时限（小时）", low=0, high=720, allow_none=False)


class BlockIn(InputSchema):
    starts_at = BeijingTime("开始时间", required=True, description=TIME_INPUT)
    ends_at = BeijingTime("结束时间", required=True, description=TIME_INPUT)
    reason = Text("原因", required=True, max_len=200, description="停机原因，最多200字")


class BookingIn(InputSchema):
    """The times are read for a slot, the number of samples for a test (the service asks for them)."""

    equipment_id = RowId("仪器", required=True, unknown="该仪器不存在")
    kind = Choice(
        "预约类型", BOOKING_KINDS, required=True, description=_choices(BOOKING_KINDS) + "（也接受中文名）"
    )
    purpose = Text("用途说明", required=True, max_len=1000, multiline=True)
    starts_at = BeijingTime("开始时间", allow_none=False, description="机时预约的开始时间，" + TIME_INPUT)
    ends_at = BeijingTime("结束时间", allow_none=False, description="机时预约的结束时间，" + TIME_INPUT)
    samples = Integer(
        "样品数量", low=1, high=MAX_SAMPLES, allow_none=False, description="送样检测的样品数量 1–10000"
    )
    fee_item_id = RowId(
        "收费项目",
        unknown="收费项目不属于该仪器",
        description="收费项目编号（该仪器的收费标准之一）：取 GET /equipment/{id} 返回的 fee_items[].id",
    )


class BookingDecisionIn(InputSchema):
    """A reason is required to reject; a proposal needs its times (the service asks for them)."""

    decision = Choice(
        "处理决定",
        ("approve", "reject", "propose"),
        required=True,
        description="approve 批准 / reject 拒绝（须填原因）/ propose 建议改期",
    )
    reason = Text("原因", max_len=500, multiline=True, description="拒绝原因或改期说明，最多500字")
    starts_at = BeijingTime(
        "建议开始时间", allow_none=False, description="建议的开始时间（propose），" + TIME_INPUT
    )
    ends_at = BeijingTime(
        "建议结束时间", allow_none=False, description="建议的结束时间（propose），" + TIME_INPUT
    )


class BookingProposalIn(BookingDecisionIn):
    """The same body when proposing another time: its reason reads as 改期说明 (not in the API's document)."""

    reason = Text("改期说明", max_len=500, multiline=True)


class Answer(Boolean):
    """A yes or no that must be answered true or false: anything else asks again."""

    def asking(self) -> str:
        return f"请答复是否{self.label}（true 或 false）"

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError(self.asking())
        return value


class BookingAnswerIn(InputSchema):
    accept = Answer(
        "接受建议的时间",
        required=True,
        description="true 接受建议的时间（预约即批准）；false 谢绝（预约取消）",
    )


class BookingCancelIn(InputSchema):
    """The owner cancelling someone else's booking must give a reason (the service asks for it)."""

    reason = Text(
        "取消原因",
        max_len=500,
        multiline=True,
        description="取消原因，最多500字（管理方取消他人的预约时必填）",
    )


class BookingCompleteIn(InputSchema):
    """Minutes for a slot, samples for a test: the service asks for the one the booking needs."""

    actual_minutes = Integer(
        "实际使用时长（分钟）",
        low=1,
        high=MAX_BOOKING_DAYS * 1440,
        allow_none=False,
        description="机时预约：实际使用分钟数",
    )
    actual_samples = Integer(
        "实际检测样品数", low=1, high=MAX_SAMPLES, allow_none=False, description="送样检测：实际检测样品数"
    )
