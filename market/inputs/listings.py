"""The listings (科技成果, 技术需求, 仪器设备): what their owners write. The rules that need the database or
several fields (the technical field's name, a stage against its TRL, budgets, the deadline, a reward only for
an open call) are the listing service's (market/services/listing_rules.py)."""

from marshmallow import ValidationError, fields

from market.inputs.contacts import ContactEmail, Phone
from market.inputs.fields import (
    Boolean,
    Choice,
    Date,
    InputSchema,
    Integer,
    Money,
    RowId,
    Text,
    TextList,
    _Input,
)
from market.models.vocab import (
    ACHIEVEMENT_FORMS,
    ACHIEVEMENT_TRANSFER_SYNONYMS,
    COOPERATION_MODES,
    EQUIPMENT_CATEGORIES,
    FEE_UNITS,
    FORM_SYNONYMS,
    MATURITY_STAGES,
    OTHER_APPLIED,
    STAGE_SYNONYMS,
    TRANSFER_MODES,
)
from market.services.codes import normalise_patent_number, patent_number_error

MAX_FEE_ITEMS = 20
DEADLINE_YEARS = 3  # a deadline further off is a typo (2999-12-31), not a plan
CONFIDENTIAL_MAX_CHARS = 5000
# Read by the API (draft) and by the listing service (org_id, which only admins may set), not as content.
NOT_CONTENT = ("org_id", "draft")


def _yuan(label: str, description: str, attribute: str, positive: bool = False) -> Money:
    return Money(
        label,
        attribute=attribute,
        positive=positive,
        metadata={"example": "1500000.00"},
        description=f"{description}（字符串，最多两位小数，可带单位如“150万”；"
        "也接受 JSON 数字；null 为面议）",
    )


class FieldName(_Input, fields.String):
    """The name of a technical field (技术领域); the service looks it up."""

    ask = "请选择"
    UNKNOWN = "技术领域不存在，请从列表中选择"

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not value.strip():
            return self.empty()
        # A NUL byte can never name a field, and PostgreSQL refuses it even in a query.
        if not isinstance(value, str) or "\x00" in value:
            raise ValidationError(self.UNKNOWN)
        return value.strip()


class Maturity(Choice):
    """A stage, a synonym people write, or a TRL number 1–9 (loaded as that number; the service stores
    both)."""

    def _deserialize(self, value, attr, data, **kwargs):
        is_number = isinstance(value, int) and not isinstance(value, bool)
        if is_number or (isinstance(value, str) and value.strip().isdigit()):
            try:
                trl = int(str(value).strip())
            except ValueError:
                raise ValidationError("技术成熟度必须是整数") from None
            if not 1 <= trl <= 9:
                raise ValidationError("技术成熟度应在1到9之间")
            return trl
        return super()._deserialize(value, attr, data, **kwargs)


class AchievementForm(Choice):
    """Our forms and the registration-form terms people copy, e.g. "其他应用技术 计算机软件"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and value.strip().startswith(OTHER_APPLIED):
            rest = value.strip()[len(OTHER_APPLIED) :].strip()
            form = FORM_SYNONYMS.get(rest, rest)
            value = form if form in ACHIEVEMENT_FORMS else "其他"
        return super()._deserialize(value, attr, data, **kwargs)


class YesNo(Boolean):
    """A yes/no documented as never null, yet read as no when a page or a service gives None."""

    def reads_none_as_empty(self) -> bool:
        return True


class _Listing(InputSchema):
    contact_name = Text("联系人", max_len=60)
    contact_phone = Phone("联系电话", max_len=30)
    contact_email = ContactEmail("联系邮箱", max_len=254)
    org_id = RowId("所属单位", allow_none=False, description="仅管理员：代指定单位发布")
    draft = YesNo("只存草稿", allow_none=False, description="true 时只保存草稿，不提交")


class AchievementIn(_Listing):
    title = Text("成果名称", required=True, max_len=200)
    summary = Text("成果简介", required=True, max_len=20000, multiline=True)
    field = FieldName("技术领域", required=True, description="技术领域名称，见 GET /api/v1/fields")
    keywords = TextList("关键词", max_items=20, max_len=30, allow_none=False)
    maturity = Maturity(
        "成熟度",
        MATURITY_STAGES,
        synonyms=STAGE_SYNONYMS,
        allow_none=False,
        description="实验室/小试/中试/产业化，或 TRL 数字 1–9",
    )
    trl = Integer("技术成熟度等级(TRL)", low=1, high=9)
    form = AchievementForm("成果形式", ACHIEVEMENT_FORMS, synonyms=FORM_SYNONYMS)
    patent_numbers = TextList(
        "专利号",
        max_items=50,
        max_len=40,
        normalise=normalise_patent_number,
        item_error=patent_number_error,
        allow_none=False,
    )
    transfer_modes = TextList(
        "转化方式", choices=TRANSFER_MODES, synonyms=ACHIEVEMENT_TRANSFER_SYNONYMS, allow_none=False
    )
    price_yuan = _yuan("意向价格", "意向价格，元，大于0", "price_fen", positive=True)
    # Shown only to the owner, admins and the parties of a deal on this result who accepted its NDA.
    confidential_details = Text(
        "保密信息",
        max_len=CONFIDENTIAL_MAX_CHARS,
        multiline=True,
        description="保密信息（最多5000字）：不公开、不进入搜索，仅本单位、"
        "管理员和在对接中签署保密协议的单位可见",
    )


class DemandIn(_Listing):
    title = Text("需求名称", required=True, max_len=200)
    description = Text("需求描述", required=True, max_len=20000, multiline=True)
    field = FieldName("技术领域", required=True)
    budget_min_yuan = _yuan("预算下限", "预算下限，元", "budget_min_fen")
    budget_max_yuan = _yuan("预算上限", "预算上限，元", "budget_max_fen")
    deadline = Date("截止日期", within_years=DEADLINE_YEARS)
    cooperation_mode = Choice("合作方式", COOPERATION_MODES)
    open_call = YesNo("揭榜挂帅", allow_none=False)
    reward_yuan = _yuan("揭榜奖励", "揭榜奖励（仅揭榜挂帅需求），元，大于0", "reward_fen", positive=True)


class FeeItemIn(InputSchema):
    """One fee of an instrument; a price is required unless the unit is 面议 (the service checks)."""

    id = RowId(
        "收费项目",
        description="读取时返回的收费项目编号；"
        "可原样带回，提交时忽略（收费标准按提交的各项整体替换，id 重新生成）",
    )
    label = Text("收费项目", required=True, max_len=100)
    unit = Choice("计费单位", FEE_UNITS, required=True)
    price_yuan = _yuan("价格", "价格，元", "price_fen")
    internal_price_yuan = _yuan("内部价格", "内部价格，元", "internal_price_fen")
    note = Text("备注", max_len=200)


class FeeItems(_Input, fields.List):
    """An instrument's fees: each row read by FeeItemIn (its id ignored), empty rows from a form dropped; a
    wrong row is reported as 第n项：its messages."""

    def __init__(self, label: str, **kwargs):
        super().__init__(label, fields.Nested(FeeItemIn), **kwargs)

    def empty(self):
        return []

    def _deserialize(self, value, attr, data, **kwargs):
        if not value:
            return self.empty()
        if not isinstance(value, list) or any(not isinstance(item, dict) for item in value):
            raise ValidationError(f"{self.label}格式不正确")
        if len(value) > MAX_FEE_ITEMS:
            raise ValidationError(f"收费项目最多{MAX_FEE_ITEMS}项")
        items = []
        for number, item in enumerate(value, start=1):
            if not any(str(v or "").strip() for v in item.values()):
                continue  # an empty row from the form
            errors: dict = {}
            row = FeeItemIn.clean({k: v for k, v in item.items() if k != "id"}, errors=errors)
            row.pop("id", None)
            if row.get("unit") and row["unit"] != "面议" and row.get("price_fen") is None:
                errors.setdefault("price_yuan", "请填写价格，或将计费单位选为“面议”")
            if errors:
                raise ValidationError(f"第{number}项：" + "；".join(errors.values()))
            items.append(row)
        return items


class EquipmentIn(_Listing):
    name = Text("仪器名称", required=True, max_len=200)
    model = Text("型号", max_len=100)
    category = Choice("仪器类别", EQUIPMENT_CATEGORIES, required=True)
    field = FieldName("技术领域")
    location = Text("放置地点", max_len=200)
    open_for_booking = YesNo("开放预约", allow_none=False)
    description = Text("仪器介绍", max_len=20000, multiline=True, allow_none=False)
    fee_items = FeeItems("收费标准", allow_none=False)


class StatusNoteIn(InputSchema):
    """The note of a listing's status change; required when an admin sends it back (the service checks)."""

    note = Text("说明", max_len=500, multiline=True)


LISTING_INPUTS = {"achievement": AchievementIn, "demand": DemandIn, "equipment": EquipmentIn}
