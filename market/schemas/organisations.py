"""An organisation's public page (GET /orgs/<id>)."""

from marshmallow import Schema, fields

from market.schemas.core import BeijingDateTime


class OrganisationContact(Schema):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class OrganisationCounts(Schema):
    achievements = fields.Integer(attribute="achievement", metadata={"description": "已发布的科技成果数"})
    demands = fields.Integer(attribute="demand", metadata={"description": "征集中的技术需求数"})
    equipment = fields.Integer(metadata={"description": "已发布的仪器设备数"})


class OrganisationPageOut(Schema):
    """Read from organisation_pages.get_organisation_page(): the organisation, its counts and contacts."""

    id = fields.Integer(attribute="organisation.id")
    name = fields.String(attribute="organisation.name")
    kind = fields.String(attribute="organisation.kind")
    kind_label = fields.String(attribute="organisation.kind_label")
    region = fields.String(attribute="organisation.region")
    credit_code = fields.String(attribute="organisation.credit_code", allow_none=True)
    verified = fields.Boolean(attribute="organisation.is_verified")
    verification_state = fields.String(
        attribute="organisation.verification_state", metadata={"description": "pending / verified / rejected"}
    )
    verified_at = BeijingDateTime(attribute="organisation.verified_at", allow_none=True)
    created_at = BeijingDateTime(attribute="organisation.created_at")
    counts = fields.Nested(OrganisationCounts)
    is_member = fields.Boolean(metadata={"description": "调用者是本单位成员"})
    contracts_visible = fields.Boolean(
        attribute="sees_contracts",
        metadata={"description": "调用者（本单位成员或管理员）可读取 GET /orgs/{id}/contracts"},
    )
    contacts = fields.List(
        fields.Nested(OrganisationContact),
        metadata={
            "description": "联系方式（取自该单位已发布内容的联系人）："
            "仅对已认证单位的登录用户（及管理员）返回"
        },
    )
