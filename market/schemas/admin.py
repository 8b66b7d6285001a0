"""Administration: the field taxonomy, settings and the audit trail."""

from marshmallow import Schema, fields

from market.inputs.settings import SettingsIn  # noqa: F401 (declared with their rules)
from market.inputs.taxonomy import FieldIn, FieldUpdateIn  # noqa: F401
from market.schemas.core import BeijingDateTime


class SettingsOut(Schema):
    auto_publish_verified = fields.Boolean(metadata={"description": "已认证单位发布的内容是否免审核直接发布"})
    deal_stale_days = fields.Integer(
        metadata={"description": "对接停滞提醒天数：未结束的对接连续多少天没有进展即标为停滞并提醒"}
    )


class AuditActor(Schema):
    id = fields.Integer()
    email = fields.String()
    display_name = fields.String()


class AuditChangeOut(Schema):
    field = fields.String(metadata={"description": "字段代码（同 changes 的键）", "example": "amount_fen"})
    label = fields.String(
        metadata={"description": "字段中文名；没有中文名的为字段代码", "example": "合同金额"}
    )
    before = fields.String(
        allow_none=True,
        metadata={
            "description": "原值（文字：金额按元/万元，时间为北京时间，编号附名称）；新增或记录的事实为 null",
            "example": "150万元",
        },
    )
    after = fields.String(
        allow_none=True, metadata={"description": "新值（文字）；删除类操作为 null", "example": "160万元"}
    )


class AuditEntryOut(Schema):
    id = fields.Integer()
    created_at = BeijingDateTime()
    actor = fields.Nested(AuditActor, allow_none=True, metadata={"description": "null 为系统操作"})
    action = fields.String(metadata={"example": "organisation.verify"})
    action_label = fields.String(
        metadata={"description": "操作的中文名；未知的操作代码原样返回", "example": "审核单位认证"}
    )
    object_type = fields.String(metadata={"example": "organisation"})
    object_type_label = fields.String(metadata={"example": "单位"})
    object_id = fields.Integer(allow_none=True)
    changes = fields.Dict(
        keys=fields.String(), metadata={"description": "变更内容（原始记录），如 {字段: [旧值, 新值]}"}
    )
    readable_changes = fields.List(
        fields.Nested(AuditChangeOut),
        metadata={"description": "changes 的可读形式，每个字段一项：中文字段名和文字的原值、新值"},
    )


class EventJobOut(Schema):
    id = fields.Integer()
    event = fields.String(metadata={"example": "contract.registered"})
    handler = fields.String(metadata={"example": "market.services.deals.stages:follow_contract_registration"})
    payload = fields.Dict(keys=fields.String())
    status = fields.String(
        metadata={"description": "pending 待处理 / done 已完成 / parked 已搁置（多次失败，待管理员重试）"}
    )
    status_label = fields.String()
    attempts = fields.Integer()
    run_after = BeijingDateTime(metadata={"description": "下次尝试的时间"})
    last_error = fields.String(allow_none=True)
    created_at = BeijingDateTime()
    finished_at = BeijingDateTime(allow_none=True)
