"""Forms of the instrument booking pages (仪器预约). They carry what the browser sends; the booking service
judges it."""

from datetime import date, timedelta

from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, StringField, TextAreaField

from market.forms import ChoiceField, ServiceForm

HALF_HOURS = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)]
START_CHOICES = [("", "请选择")] + [(t, t) for t in HALF_HOURS]
END_CHOICES = [("", "请选择")] + [(t, t) for t in HALF_HOURS[1:] + ["24:00"]]
TIME_HINT = {"placeholder": "09:00", "inputmode": "numeric", "size": 5}


class _ErrorsByName:
    """Service field names (starts_at, fee_item_id …) onto this form's fields."""

    SERVICE_NAMES: dict = {}

    def apply_errors(self, fields: dict) -> None:
        super().apply_errors(
            {self.SERVICE_NAMES.get(name, name): message for name, message in fields.items()}
        )


class SlotRequestForm(_ErrorsByName, ServiceForm):
    """机时预约: one day, a start and an end on the half hour (Beijing time)."""

    SERVICE_NAMES = {"starts_at": "start", "ends_at": "end"}

    day = StringField("日期", render_kw={"type": "date"})
    start = ChoiceField("开始时间", choices=START_CHOICES)
    end = ChoiceField("结束时间", choices=END_CHOICES)
    fee_item_id = ChoiceField("收费项目", choices=[])
    purpose = TextAreaField(
        "用途说明",
        render_kw={"rows": 2},
        description="简要说明测试内容、样品情况等，便于管理方审批",
    )

    def to_data(self) -> dict:
        day, start, end = (self.day.data or "").strip(), self.start.data or "", self.end.data or ""
        starts_at = f"{day}T{start}" if day and start else ""
        ends_at = ""
        if day and end == "24:00":
            try:
                ends_at = f"{(date.fromisoformat(day) + timedelta(days=1)).isoformat()}T00:00"
            except ValueError:
                ends_at = f"{day}T{end}"
        elif day and end:
            ends_at = f"{day}T{end}"
        return {
            "kind": "slot",
            "starts_at": starts_at,
            "ends_at": ends_at,
            "fee_item_id": self.fee_item_id.data or "",
            "purpose": self.purpose.data or "",
        }


class SamplesRequestForm(_ErrorsByName, ServiceForm):
    """送样检测: how many samples, which fee item, what for."""

    samples = StringField("样品数量", render_kw={"inputmode": "numeric"})
    fee_item_id = ChoiceField("收费项目", choices=[], id="samples-fee_item_id")
    purpose = TextAreaField(
        "用途说明",
        id="samples-purpose",
        render_kw={"rows": 2},
        description="样品类型、检测项目和要求",
    )

    def to_data(self) -> dict:
        return {
            "kind": "samples",
            "samples": (self.samples.data or "").strip(),
            "fee_item_id": self.fee_item_id.data or "",
            "purpose": self.purpose.data or "",
        }


class DayHoursForm(Form):
    open1 = StringField("开始", render_kw=TIME_HINT)
    close1 = StringField("结束", render_kw=TIME_HINT)
    open2 = StringField("开始", render_kw=TIME_HINT)
    close2 = StringField("结束", render_kw=TIME_HINT)


class OpeningHoursForm(ServiceForm):
    """One row per weekday (Monday first), up to two intervals each; an empty row means closed that day."""

    days = FieldList(FormField(DayHoursForm), min_entries=7, max_entries=7)

    def to_data(self) -> dict:
        hours = {}
        for n, row in enumerate(self.days.entries[:7]):
            pairs = []
            for opens, closes in (
                (row.form.open1.data, row.form.close1.data),
                (row.form.open2.data, row.form.close2.data),
            ):
                opens, closes = (opens or "").strip(), (closes or "").strip()
                if opens or closes:
                    pairs.append([opens, closes])
            if pairs:
                hours[str(n)] = pairs
        return {"opening_hours": hours}

    @staticmethod
    def data_of(opening_hours: dict) -> dict:
        rows = []
        for n in range(7):
            intervals = (opening_hours or {}).get(str(n), []) + [["", ""], ["", ""]]
            rows.append(
                {
                    "open1": intervals[0][0],
                    "close1": intervals[0][1],
                    "open2": intervals[1][0],
                    "close2": intervals[1][1],
                }
            )
        return {"days": rows}


class RulesForm(ServiceForm):
    training_required = BooleanField("需培训后方可上机")
    sample_types = StringField("可接收样品", description="例如：固体粉末、薄膜；不接收液体")
    booking_rules = TextAreaField("使用须知", render_kw={"rows": 3})
    cancel_hours = StringField(
        "取消时限（小时）",
        render_kw={"inputmode": "numeric"},
        description="已批准的预约须在开始前这么多小时之前取消",
    )


class BlockForm(ServiceForm):
    """停机: a period (Beijing time, on the half hour) and why."""

    starts_at = StringField("开始", id="block-starts_at", render_kw={"type": "datetime-local", "step": 1800})
    ends_at = StringField("结束", id="block-ends_at", render_kw={"type": "datetime-local", "step": 1800})
    reason = StringField("原因", id="block-reason", render_kw={"placeholder": "例如：年度校准"})


class RejectForm(ServiceForm):
    reason = TextAreaField("拒绝原因", id="reject-reason", render_kw={"rows": 2})


class ProposeForm(ServiceForm):
    starts_at = StringField(
        "建议开始", id="propose-starts_at", render_kw={"type": "datetime-local", "step": 1800}
    )
    ends_at = StringField(
        "建议结束", id="propose-ends_at", render_kw={"type": "datetime-local", "step": 1800}
    )
    reason = TextAreaField("改期说明（可不填）", id="propose-reason", render_kw={"rows": 2})


class CompleteForm(ServiceForm):
    actual_minutes = StringField("实际使用时长（分钟）", render_kw={"inputmode": "numeric"})
    actual_samples = StringField("实际检测样品数", render_kw={"inputmode": "numeric"})


class CancelForm(ServiceForm):
    reason = TextAreaField(
        "取消原因",
        id="cancel-reason",
        render_kw={"rows": 2},
        description="预约人取消可不填；管理方取消他人的预约须填写原因",
    )


class AnswerForm(ServiceForm):
    accept = HiddenField()
