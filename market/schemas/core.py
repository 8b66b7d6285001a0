"""Schemas the areas share: money fields, organisations, fields, listings, policies and the current user."""

from marshmallow import Schema, fields

from market.clock import beijing_iso
from market.inputs.accounts import TokenIn  # noqa: F401 (declared with its rules)
from market.inputs.listings import AchievementIn, DemandIn, EquipmentIn, FeeItemIn  # noqa: F401 (declared with their rules)
from market.inputs.policies import PolicyIn  # noqa: F401 (declared with its rules)
from market.money import fen_to_yuan


class BeijingDateTime(fields.DateTime):
    """A stored UTC moment written in Beijing time with its +08:00 offset (2026-12-07T16:30:00+08:00)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return beijing_iso(value)


class Yuan(fields.Decimal):
    """An exact yuan amount read from an integer-fen attribute, written as a string like "1500.00"."""

    def __init__(self, fen_attr: str, **kwargs):
        kwargs["metadata"] = {
            "pattern": r"^\d+\.\d{2}$",
            "example": "1500000.00",
            **kwargs.get("metadata", {}),
        }
        super().__init__(places=2, as_string=True, allow_none=True, **kwargs)
        self.fen_attr = fen_attr

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self._serialize(fen_to_yuan(getattr(obj, self.fen_attr)), attr, obj, **kwargs)


class YuanIn(fields.Decimal):
    """An input amount in yuan: a string like "1500000.00" (a JSON number is accepted too); null for 面议."""

    def __init__(self, negotiable: bool = True, **kwargs):
        description = kwargs.get("metadata", {}).get("description", "元")
        tail = "；null 为面议" if negotiable else ""
        kwargs["metadata"] = {
            "example": "1500000.00",
            **kwargs.get("metadata", {}),
            "description": f"{description}（字符串，最多两位小数；也接受 JSON 数字{tail}）",
        }
        super().__init__(allow_none=negotiable, as_string=True, **kwargs)


class ListingItself(fields.Nested):
    """A nested object read from the listing itself (e.g. its contact columns)."""

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self._serialize(obj, attr, obj, **kwargs)


class OrganisationBrief(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    region = fields.String()
    verified = fields.Boolean(attribute="is_verified")


class Contact(Schema):
    name = fields.String(attribute="contact_name", allow_none=True)
    phone = fields.String(attribute="contact_phone", allow_none=True)
    email = fields.String(attribute="contact_email", allow_none=True)


class ListingOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    organisation = fields.Nested(OrganisationBrief)
    published_at = BeijingDateTime(allow_none=True)
    created_at = BeijingDateTime()
    updated_at = BeijingDateTime()
    review_note = fields.String(allow_none=True)
    contact = ListingItself(
        Contact, metadata={"description": "联系方式：仅对已认证单位的登录用户（及管理员）返回"}
    )


class FieldName(fields.String):
    """The name of the listing's technical field (null for an instrument without one)."""

    def __init__(self, **kwargs):
        super().__init__(allow_none=True, **kwargs)

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return obj.field.name if obj.field else None


class Withheld(fields.String):
    """A value the schema never reads from the object: null, unless the handler fills it in for a reader who
    may see it (so that any other schema nesting this one cannot leak it)."""

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return None


class AchievementOut(ListingOut):
    title = fields.String()
    summary = fields.String()
    field = FieldName()
    keywords = fields.List(fields.String())
    maturity = fields.String(allow_none=True)
    trl = fields.Integer(allow_none=True)
    form = fields.String(allow_none=True)
    patent_numbers = fields.List(fields.String())
    transfer_modes = fields.List(fields.String())
    price_yuan = Yuan("price_fen", metadata={"description": "null 表示面议"})
    confidential_details = Withheld(
        allow_none=True,
        metadata={
            "description": "保密信息：成果发布单位和管理员"
            "（单条读取时还有在该成果的对接中签署了保密协议的单位）可见，"
            "未填写时为空串；其他读者和公开列表中为 null"
        },
    )


class DemandOut(ListingOut):
    title = fields.String()
    description = fields.String()
    field = FieldName()
    budget_min_yuan = Yuan("budget_min_fen")
    budget_max_yuan = Yuan("budget_max_fen")
    deadline = fields.Date(allow_none=True)
    cooperation_mode = fields.String(allow_none=True)
    open_call = fields.Boolean()
    reward_yuan = Yuan("reward_fen")


class FeeItemOut(Schema):
    id = fields.Integer(
        metadata={"description": "收费项目编号：预约仪器时作为 fee_item_id 提交（POST /bookings）"}
    )
    label = fields.String()
    unit = fields.String()
    price_yuan = Yuan("price_fen")
    internal_price_yuan = Yuan("internal_price_fen")
    note = fields.String(allow_none=True)


class EquipmentOut(ListingOut):
    name = fields.String()
    title = fields.String()
    model = fields.String(allow_none=True)
    category = fields.String()
    field = FieldName()
    location = fields.String(allow_none=True)
    open_for_booking = fields.Boolean()
    description = fields.String()
    fee_items = fields.List(
        fields.Nested(FeeItemOut),
        metadata={
            "description": "收费标准；每项的 id 即预约时的 fee_item_id。修改仪器时提交了 fee_items 的，"
            "各项重新生成，id 随之改变"
        },
    )


class PolicyOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    issuer = fields.String()
    doc_number = fields.String(allow_none=True)
    published_on = fields.Date(allow_none=True)
    effective_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    summary = fields.String()
    body = fields.String()
    tags = fields.List(fields.String())
    link = fields.String(allow_none=True)
    created_at = BeijingDateTime()
    updated_at = BeijingDateTime()


OUTPUT_SCHEMAS = {"achievement": AchievementOut, "demand": DemandOut, "equipment": EquipmentOut}


# ---- input: the fields each POST/PATCH accepts (the services validate their values) ---------------


INPUT_SCHEMAS = {
    "achievement": AchievementIn,
    "demand": DemandIn,
    "equipment": EquipmentIn,
    "policy": PolicyIn,
}


class TokenOut(Schema):
    token = fields.String()
    expires_in_days = fields.Integer()


class ErrorBody(Schema):
    code = fields.String()
    message = fields.String()
    fields = fields.Dict(keys=fields.String(), values=fields.String())


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody)


class PageMeta(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class FieldOut(Schema):
    id = fields.Integer()
    name = fields.String()
    position = fields.Integer()
    active = fields.Boolean(metadata={"description": "false 为已停用（停用的领域只在管理员 ?all=1 时列出）"})


class OrganisationOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    region = fields.String()
    verification_state = fields.String(metadata={"description": "pending / verified / rejected"})


class MeOut(Schema):
    id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    role = fields.String()
    verified = fields.Boolean(attribute="is_verified")
    organisation = fields.Nested(OrganisationOut, allow_none=True)
