"""Deals (对接): the deal, its thread, the confidentiality agreement and the brokers' performance figures."""

from marshmallow import Schema, fields
from marshmallow.utils import get_value

from market.inputs.deals import (  # noqa: F401 (declared with their rules)
    DealBrokerIn,
    DealIn,
    DealMessageIn,
    DealNextActionIn,
    DealNoteIn,
    DealStageIn,
)
from market.models.vocab import DEAL_NOTE_KINDS, DEAL_STAGES, DEAL_TERMINATION_REASONS
from market.money import fen_to_yuan
from market.schemas.contracts import ContractBroker, ContractParty
from market.schemas.core import BeijingDateTime, FieldName, Yuan

MESSAGE_KINDS = {"message": "留言", **DEAL_NOTE_KINDS}


def _choices(vocabulary) -> str:
    return "；".join(f"{key} {label}" for key, label in vocabulary.items())


class Itself(fields.Nested):
    """A nested object read from the object itself (e.g. the links of a deal)."""

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self._serialize(obj, attr, obj, **kwargs)


class YuanOf(Yuan):
    """Yuan read from integer fen in a dict or an object (the performance figures are dicts)."""

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self._serialize(fen_to_yuan(get_value(obj, self.fen_attr)), attr, obj, **kwargs)


class DealPerson(Schema):
    id = fields.Integer(metadata={"description": "用户编号"})
    name = fields.String(attribute="display_name")


class DealListing(Schema):
    id = fields.Integer()
    title = fields.String()


class DealAchievement(DealListing):
    confidential_details = fields.String(
        allow_none=True,
        metadata={
            "description": "成果的保密信息：成果发布单位、管理员，"
            "以及本单位已在该成果的对接中签署保密协议时返回（未填写时为空串）；"
            "否则为 null"
        },
    )


class DealLinks(Schema):
    self = fields.Function(lambda deal: f"/api/v1/deals/{deal.id}", metadata={"type": "string"})
    messages = fields.Function(
        lambda deal: f"/api/v1/deals/{deal.id}/messages",
        metadata={"type": "string", "description": "对接留言（需令牌）"},
    )
    page = fields.Function(
        lambda deal: f"/deals/{deal.id}", metadata={"type": "string", "description": "网页版对接页面"}
    )


class DealNdaAcceptance(Schema):
    org = fields.Nested(ContractParty, metadata={"description": "签署保密协议的单位"})
    at = BeijingDateTime(metadata={"description": "签署时间"})


class DealNdaStatus(Schema):
    text = fields.String(metadata={"description": "保密协议全文"})
    version = fields.String(metadata={"description": "保密协议版本"})
    accepted_by_my_org = fields.Boolean(metadata={"description": "本单位是否已签署"})
    accepted = fields.List(fields.Nested(DealNdaAcceptance), metadata={"description": "已签署的单位及时间"})


class DealOut(Schema):
    id = fields.Integer()
    title = fields.String()
    stage = fields.String(metadata={"enum": list(DEAL_STAGES), "description": _choices(DEAL_STAGES)})
    stage_label = fields.String()
    stage_changed_at = BeijingDateTime()
    seller = fields.Nested(ContractParty, metadata={"description": "技术提供方（成果方）"})
    buyer = fields.Nested(ContractParty, metadata={"description": "技术需求方（受让方）"})
    achievement = fields.Nested(
        DealAchievement, allow_none=True, metadata={"description": "对接的科技成果，没有时为 null"}
    )
    demand = fields.Nested(
        DealListing, allow_none=True, metadata={"description": "对接的技术需求，没有时为 null"}
    )
    field = FieldName(metadata={"description": "技术领域"})
    broker = fields.Nested(
        ContractBroker, allow_none=True, metadata={"description": "技术经纪人，没有时为 null"}
    )
    requested_broker = fields.Nested(
        ContractBroker,
        allow_none=True,
        metadata={"description": "当事方邀请的技术经纪人（认领前），没有时为 null"},
    )
    next_action = fields.String(allow_none=True, metadata={"description": "经纪人安排的下一步"})
    next_action_due = fields.Date(allow_none=True)
    last_activity_at = BeijingDateTime()
    stale = fields.Boolean(metadata={"description": "进行中且超过平台设定天数没有进展"})
    termination_reason = fields.String(
        allow_none=True,
        metadata={
            "enum": [*DEAL_TERMINATION_REASONS, None],
            "description": "终止原因：" + _choices(DEAL_TERMINATION_REASONS),
        },
    )
    termination_reason_label = fields.String(attribute="termination_label", allow_none=True)
    termination_note = fields.String(allow_none=True)
    contract_id = fields.Integer(
        allow_none=True, metadata={"description": "签约时生成的合同（GET /contracts/{id}）"}
    )
    nda = fields.Nested(DealNdaStatus, metadata={"description": "本次对接的保密协议"})
    links = Itself(DealLinks)
    created_at = BeijingDateTime()


class DealMessageFile(Schema):
    filename = fields.String()
    size = fields.Integer(metadata={"description": "字节数"})
    url = fields.Function(
        lambda message: f"/api/v1/deals/{message.deal_id}/messages/{message.id}/file",
        metadata={"type": "string", "description": "下载地址（需令牌）"},
    )


class AttachedFile(fields.Nested):
    """The message's file, or null when it has none."""

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self._serialize(obj if obj.stored_name else None, attr, obj, **kwargs)


class DealMessageOut(Schema):
    id = fields.Integer()
    kind = fields.String(
        metadata={
            "enum": list(MESSAGE_KINDS),
            "description": "message 为留言；"
            + _choices(DEAL_NOTE_KINDS)
            + " 为经纪人的沟通记录（仅经纪人和管理员可见）",
        }
    )
    kind_label = fields.Function(
        lambda message: MESSAGE_KINDS.get(message.kind, message.kind), metadata={"type": "string"}
    )
    body = fields.String()
    author = fields.Nested(
        DealPerson, allow_none=True, metadata={"description": "发言人；账号已删除时为 null"}
    )
    file = AttachedFile(DealMessageFile, allow_none=True, metadata={"description": "附件，没有时为 null"})
    created_at = BeijingDateTime()


class DealNdaOut(Schema):
    """Read from a dict: the acceptance, its organisation and the person who accepted."""

    accepted_at = BeijingDateTime()
    org = fields.Nested(ContractParty)
    user = fields.Nested(DealPerson, allow_none=True, metadata={"description": "签署人；账号已删除时为 null"})
    version = fields.String(metadata={"description": "签署的保密协议版本"})


class DealStageCounts(Schema):
    intent = fields.Integer()
    negotiation = fields.Integer()
    signing = fields.Integer()
    registered = fields.Integer()
    terminated = fields.Integer()


class DealStageConversion(Schema):
    negotiation = fields.Float(allow_none=True)
    signing = fields.Float(allow_none=True)
    registered = fields.Float(allow_none=True)


class DealStageMedians(Schema):
    intent = fields.Float(allow_none=True)
    negotiation = fields.Float(allow_none=True)
    signing = fields.Float(allow_none=True)


class BrokerPerformanceOut(Schema):
    """Read from deals.broker_performance: one dict per broker."""

    broker = fields.Nested(ContractBroker)
    opened = fields.Integer(metadata={"description": "期间内接手（或发起）的对接数"})
    reached = fields.Nested(DealStageCounts, metadata={"description": "其中到达各阶段的对接数"})
    conversion = fields.Nested(
        DealStageConversion,
        metadata={"description": "阶段转化率：到达该阶段的对接数 / 对接数（0.5 为50%）；没有对接时为 null"},
    )
    median_days = fields.Nested(
        DealStageMedians, metadata={"description": "在各阶段停留天数的中位数；没有数据时为 null"}
    )
    median_first_reply_hours = fields.Float(
        allow_none=True, metadata={"description": "接手后首次回复（留言或沟通记录）小时数的中位数"}
    )
    contracts = fields.Integer(metadata={"description": "期间内签订并已登记的合同数"})
    contract_amount = YuanOf("contract_amount_fen", metadata={"description": "已登记合同成交额，元"})
    contract_amount_fen = fields.Integer()
