"""Technology contracts, their registration and history, contract statistics and the KPI table."""

from decimal import Decimal

from marshmallow import Schema, fields

from market.inputs.contracts import (  # noqa: F401 (declared with their rules)
    ContractCorrectionIn,
    ContractIn,
    ContractRegistrationIn,
    ContractReturnIn,
)
from market.inputs.kpis import KpiEntryIn, KpiIn  # noqa: F401 (declared with their rules)
from market.models.vocab import (
    CONTRACT_STATUSES,
    CONTRACT_SUBTYPES,
    CONTRACT_TYPES,
    KPI_PERIOD_KINDS,
    PAYMENT_MODES,
)
from market.models.vocab import KPI_METRICS as METRICS
from market.money import fen_to_yuan
from market.schemas.core import BeijingDateTime, Yuan
from market.services.contract_stats import GROUPS

HISTORY_ACTIONS = {
    "contract.create": "登记草稿",
    "contract.update": "修改",
    "contract.delete": "删除草稿",
    "contract.submit": "提交登记",
    "contract.register": "登记",
    "contract.return": "退回",
    "contract.correct": "更正",
    "contract.attach": "上传附件",
    "contract.detach": "删除附件",
    "contract.attach_correction": "更正：补充附件",
}


def _choices(vocabulary) -> str:
    return "；".join(f"{key} {label}" for key, label in vocabulary.items())


class ContractParty(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(
        metadata={"description": "university / institute / enterprise / intermediary / government"}
    )


class ContractBroker(Schema):
    id = fields.Integer(metadata={"description": "经纪人的用户编号"})
    name = fields.String(attribute="display_name")


class PersonRef(Schema):
    id = fields.Integer(metadata={"description": "用户编号"})
    name = fields.String(attribute="display_name")


class AttachmentCorrectionOut(Schema):
    """Read from the attachment itself: a file added by a correction carries its reason."""

    reason = fields.String(attribute="correction_reason", metadata={"description": "更正原因"})
    by = fields.Nested(
        PersonRef,
        attribute="uploaded_by",
        allow_none=True,
        metadata={"description": "作出更正的管理员；账号已删除时为 null"},
    )
    at = BeijingDateTime(attribute="created_at", metadata={"description": "更正时间"})


class CorrectionOf(fields.Nested):
    """The attachment's correction record, or null for a file uploaded before registration."""

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self._serialize(obj if obj.correction_reason else None, attr, obj, **kwargs)


class ContractAttachmentOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    size = fields.Integer(metadata={"description": "字节数"})
    url = fields.Function(
        lambda attachment: f"/api/v1/contracts/{attachment.contract_id}/attachments/{attachment.id}",
        metadata={"type": "string", "description": "下载地址（需令牌）"},
    )
    sha256 = fields.String(metadata={"description": "文件内容的 SHA-256，可用于核对下载的文件未被改动"})
    uploaded_at = BeijingDateTime(attribute="created_at")
    uploaded_by = fields.Nested(
        PersonRef, allow_none=True, metadata={"description": "上传人；账号已删除时为 null"}
    )
    correction = CorrectionOf(
        AttachmentCorrectionOut,
        allow_none=True,
        metadata={
            "description": "登记后由管理员通过更正补充的附件：更正原因、操作人和时间；登记前上传的附件为 null"
        },
    )


class ContractOut(Schema):
    id = fields.Integer()
    number = fields.String(metadata={"description": "合同编号（当事方自编）"})
    title = fields.String()
    contract_type = fields.String(
        metadata={"enum": list(CONTRACT_TYPES), "description": _choices(CONTRACT_TYPES)}
    )
    contract_type_label = fields.String(attribute="type_label")
    subtype = fields.String(
        allow_none=True, metadata={"description": "转让/许可的标的：" + _choices(CONTRACT_SUBTYPES)}
    )
    subtype_label = fields.String(allow_none=True)
    seller = fields.Nested(ContractParty, metadata={"description": "卖方（技术提供方）"})
    buyer = fields.Nested(ContractParty, metadata={"description": "买方（技术受让方）"})
    broker = fields.Nested(
        ContractBroker, allow_none=True, metadata={"description": "技术经纪人，没有时为 null"}
    )
    achievement_id = fields.Integer(allow_none=True)
    demand_id = fields.Integer(allow_none=True)
    amount = Yuan("amount_fen", metadata={"description": "合同金额（成交额），元"})
    amount_fen = fields.Integer(metadata={"description": "合同金额，分"})
    recognised_amount = Yuan("recognised_fen", metadata={"description": "核定技术交易额，元；登记前为 null"})
    recognised_fen = fields.Integer(
        allow_none=True, metadata={"description": "核定技术交易额，分；登记前为 null"}
    )
    payment_mode = fields.String(
        metadata={"enum": list(PAYMENT_MODES), "description": _choices(PAYMENT_MODES)}
    )
    payment_mode_label = fields.String(attribute="payment_label")
    signed_on = fields.Date()
    term_start = fields.Date(allow_none=True)
    term_end = fields.Date(allow_none=True)
    field = fields.String(metadata={"description": "技术领域"})
    seller_region = fields.String(metadata={"description": "卖方所在区域（写入合同时的快照）"})
    seller_kind = fields.String(metadata={"description": "卖方单位类型（写入合同时的快照）"})
    buyer_province = fields.String(metadata={"description": "买方所在省份；陕西省为省内"})
    note = fields.String()
    status = fields.String(
        metadata={"enum": list(CONTRACT_STATUSES), "description": _choices(CONTRACT_STATUSES)}
    )
    status_label = fields.String()
    registration_number = fields.String(allow_none=True, metadata={"description": "登记编号，登记后才有"})
    return_reason = fields.String(allow_none=True, metadata={"description": "最近一次退回的原因"})
    submitted_at = BeijingDateTime(allow_none=True)
    registered_at = BeijingDateTime(allow_none=True)
    attachments = fields.List(
        fields.Nested(ContractAttachmentOut), metadata={"description": "合同扫描件（PDF）"}
    )
    created_at = BeijingDateTime()
    updated_at = BeijingDateTime()


class ContractHistoryOut(Schema):
    id = fields.Integer()
    action = fields.String(metadata={"enum": list(HISTORY_ACTIONS), "example": "contract.correct"})
    action_label = fields.Function(
        lambda entry: HISTORY_ACTIONS.get(entry.action, entry.action),
        metadata={"type": "string", "example": "更正"},
    )
    actor = fields.Function(
        lambda entry: entry.actor.display_name if entry.actor else None,
        allow_none=True,
        metadata={"type": "string", "description": "操作人姓名；null 为系统操作"},
    )
    at = BeijingDateTime(attribute="created_at")
    changes = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "变更内容：修改和更正为 {字段: [旧值, 新值]}，金额以分计；更正另有 reason（原因）"
        },
    )


# ---- statistics ------------------------------------------------------------------------------------


class StatsRowOut(Schema):
    key = fields.String(
        metadata={"description": "分组值：类型代码、领域、区域、YYYY-MM、单位类型、in/out 或编号"}
    )
    label = fields.String(metadata={"description": "中文名称"})
    count = fields.Integer()
    amount = Yuan("amount_fen", metadata={"description": "合同成交额，元"})
    amount_fen = fields.Integer()
    recognised_amount = Yuan("recognised_fen", metadata={"description": "核定技术交易额，元"})
    recognised_fen = fields.Integer()


class YuanAt(Yuan):
    """Yuan read from a dotted path of integer fen (e.g. totals.amount_fen)."""

    def serialize(self, attr, obj, accessor=None, **kwargs):
        value = obj
        for part in self.fen_attr.split("."):
            value = getattr(value, part)
        return self._serialize(fen_to_yuan(value), attr, obj, **kwargs)


class StatsMetaOut(Schema):
    """Read from contract_stats.Overview, which carries at most the one breakdown asked for."""

    from_ = fields.Date(attribute="period.start", data_key="from")
    to = fields.Date(attribute="period.end")
    label = fields.String(attribute="period.label", metadata={"example": "2026年"})
    group_by = fields.Function(
        lambda overview: next(iter(overview.breakdowns), None),
        allow_none=True,
        metadata={"type": "string", "enum": list(GROUPS)},
    )
    count = fields.Integer(attribute="totals.count")
    amount = YuanAt("totals.amount_fen", metadata={"description": "已登记合同成交额合计，元"})
    amount_fen = fields.Integer(attribute="totals.amount_fen")
    recognised_amount = YuanAt("totals.recognised_fen", metadata={"description": "核定技术交易额合计，元"})
    recognised_fen = fields.Integer(attribute="totals.recognised_fen")
    previous_count = fields.Integer(attribute="previous.count", metadata={"description": "上年同期合同数"})
    previous_amount = YuanAt("previous.amount_fen", metadata={"description": "上年同期成交额，元"})
    previous_amount_fen = fields.Integer(attribute="previous.amount_fen")
    yoy = fields.Float(
        allow_none=True, metadata={"description": "成交额同比变化（0.25 为增长25%）；上年同期为0时为 null"}
    )


class ContractStatsOut(Schema):
    items = fields.List(
        fields.Nested(StatsRowOut), metadata={"description": "各组，金额大的在前（按月时按月份先后）"}
    )
    meta = fields.Nested(StatsMetaOut)


# ---- KPI table -------------------------------------------------------------------------------------


class KpiEntryOut(Schema):
    id = fields.Integer()
    value = fields.String(metadata={"example": "12.5"})
    as_of = fields.Date(metadata={"description": "数据日期"})
    note = fields.String()
    entered_by = fields.Function(
        lambda entry: entry.entered_by.display_name if entry.entered_by else None,
        allow_none=True,
        metadata={"type": "string", "description": "填报人姓名"},
    )
    entered_at = BeijingDateTime(attribute="created_at")


class KpiOut(Schema):
    id = fields.Integer()
    name = fields.String()
    unit = fields.String()
    baseline_value = fields.String(allow_none=True, metadata={"description": "基期值（精确的十进制文字）"})
    baseline_year = fields.Integer(allow_none=True)
    target_value = fields.String(metadata={"description": "目标值（精确的十进制文字）"})
    target_year = fields.Integer()
    start_year = fields.Integer(metadata={"description": "考核起始年份"})
    period_kind = fields.String(
        metadata={"enum": list(KPI_PERIOD_KINDS), "description": _choices(KPI_PERIOD_KINDS)}
    )
    source = fields.String(metadata={"description": "来源文件"})
    metric = fields.String(
        allow_none=True,
        metadata={
            "enum": [*METRICS, None],
            "description": "自动计算口径："
            + "；".join(f"{k} {v[0]}（{v[1]}）" for k, v in METRICS.items())
            + "；null 为手工填报",
        },
    )
    sort_order = fields.Integer()


def _exact(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


class KpiProgressOut(Schema):
    """Read from kpis.Progress: the KPI, its measured period and how far along it is."""

    id = fields.Integer(attribute="kpi.id")
    name = fields.String(attribute="kpi.name")
    unit = fields.String(attribute="kpi.unit")
    baseline_value = fields.String(attribute="kpi.baseline_value", allow_none=True)
    baseline_year = fields.Integer(attribute="kpi.baseline_year", allow_none=True)
    target_value = fields.String(attribute="kpi.target_value")
    target_year = fields.Integer(attribute="kpi.target_year")
    start_year = fields.Integer(attribute="kpi.start_year")
    period_kind = fields.String(attribute="kpi.period_kind", metadata={"enum": list(KPI_PERIOD_KINDS)})
    source = fields.String(attribute="kpi.source")
    metric = fields.String(attribute="kpi.metric", allow_none=True, metadata={"enum": [*METRICS, None]})
    sort_order = fields.Integer(attribute="kpi.sort_order")
    actual = fields.Function(
        lambda progress: _exact(progress.actual),
        allow_none=True,
        metadata={
            "type": "string",
            "description": "实际值（精确的十进制文字，单位同指标）；手工指标未填报时为 null",
        },
    )
    achieved = fields.Float(
        allow_none=True, metadata={"description": "实际值 / 目标值（可超过1）；没有实际值时为 null"}
    )
    elapsed = fields.Float(metadata={"description": "考核期已过去的比例 0–1"})
    on_track = fields.Boolean(allow_none=True, metadata={"description": "完成比例不低于时间进度"})
    period_start = fields.Date(attribute="start")
    period_end = fields.Date(attribute="end")
    last_entry = fields.Nested(
        KpiEntryOut,
        attribute="entry",
        allow_none=True,
        metadata={"description": "实际值所取的手工填报；自动计算的指标为 null"},
    )
