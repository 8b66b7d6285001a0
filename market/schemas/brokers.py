"""The broker directory (技术经纪人)."""

from marshmallow import Schema, fields

from market.inputs.brokers import BrokerProfileIn  # noqa: F401 (declared with its rules)
from market.schemas.core import BeijingDateTime, FieldOut, OrganisationBrief, Yuan


class BrokerContact(Schema):
    email = fields.String()


class BrokerTrackRecord(Schema):
    deals_closed = fields.Integer(metadata={"description": "由其担任技术经纪人、已进入“登记”阶段的对接数"})
    contracts_registered = fields.Integer(
        attribute="contracts", metadata={"description": "由其担任技术经纪人的已登记技术合同数"}
    )
    contract_amount_fen = fields.Integer(
        attribute="amount_fen", metadata={"description": "这些合同的合同金额之和，分"}
    )
    contract_amount_yuan = Yuan("amount_fen", metadata={"description": "同上，元（精确到分的字符串）"})
    contracts_via_deals = fields.Integer(
        metadata={"description": "这些已登记合同中经平台对接达成的数（contracts_registered 的一部分）"}
    )


class BrokerOut(Schema):
    id = fields.Integer(metadata={"description": "经纪人资料编号（不是用户编号）"})
    display_name = fields.String(attribute="user.display_name")
    organisation = fields.Nested(OrganisationBrief, attribute="user.organisation", allow_none=True)
    certification_level = fields.String(metadata={"description": "junior / intermediate / senior"})
    certification_label = fields.String()
    bio = fields.String()
    specialties = fields.Pluck(FieldOut, "name", many=True, metadata={"description": "擅长的技术领域名称"})
    updated_at = BeijingDateTime()
    track_record = fields.Nested(BrokerTrackRecord, metadata={"description": "成交记录（全部时间）"})
    contact = fields.Nested(
        BrokerContact,
        attribute="user",
        metadata={"description": "联系方式：仅对已认证单位的登录用户（及管理员）返回"},
    )
