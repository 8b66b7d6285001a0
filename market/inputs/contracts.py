"""The inputs of the contract register (技术合同登记): a contract, its registration, its return, a correction
and the reason of an attachment's correction."""

from market.inputs.fields import Choice, Date, InputSchema, Money, RowId, Text
from market.models.vocab import CONTRACT_SUBTYPES, CONTRACT_TYPES, PAYMENT_MODES, PROVINCES

MAX_CORRECTION_REASON = 500
YUAN = "（字符串，最多两位小数，可带单位如“150万”“12.5万元”；也接受 JSON 数字）"
EXAMPLE = {"example": "1500000.00"}


def _choices(vocabulary) -> str:
    return "；".join(f"{key} {label}" for key, label in vocabulary.items())


class ContractIn(InputSchema):
    """The parties must be verified organisations and the linked rows exist, the subtype goes with 转让/许可,
    the dates and amounts agree: the service checks those (they need the database or several fields)."""

    number = Text("合同编号", required=True, max_len=60)
    title = Text("合同名称", required=True, max_len=200)
    contract_type = Choice(
        "合同类型", CONTRACT_TYPES, required=True, description=_choices(CONTRACT_TYPES) + "（也接受中文名）"
    )
    subtype = Choice(
        "转让/许可标的",
        CONTRACT_SUBTYPES,
        description="技术转让、技术许可必填：" + _choices(CONTRACT_SUBTYPES) + "；其他类型忽略",
    )
    seller_org_id = RowId(
        "卖方（已登记的机构）",
        required=True,
        unknown="请选择卖方（已登记的机构）",
        description="卖方机构编号",
    )
    buyer_org_id = RowId(
        "买方（已登记的机构）",
        required=True,
        unknown="请选择买方（已登记的机构）",
        description="买方机构编号",
    )
    broker_id = RowId(
        "技术经纪人", unknown="技术经纪人不存在", description="技术经纪人的用户编号；经纪人登记时默认本人"
    )
    achievement_id = RowId("关联科技成果", unknown="关联科技成果不存在", description="关联科技成果编号")
    demand_id = RowId("关联技术需求", unknown="关联技术需求不存在", description="关联技术需求编号")
    amount = Money(
        "合同金额",
        required=True,
        positive=True,
        attribute="amount_fen",
        description="合同金额，元，大于0" + YUAN,
        metadata=EXAMPLE,
    )
    payment_mode = Choice("支付方式", PAYMENT_MODES, required=True, description=_choices(PAYMENT_MODES))
    signed_on = Date("签订日期", required=True, description="签订日期，不晚于今天")
    term_start = Date("合同起始日期")
    term_end = Date("合同截止日期")
    field = Text("技术领域", required=True, max_len=40)
    buyer_province = Choice("买方所在省份", PROVINCES, description="买方所在省份，默认陕西省")
    note = Text("备注", max_len=2000, multiline=True)


class ContractRegistrationIn(InputSchema):
    recognised_amount = Money(
        "核定技术交易额",
        required=True,
        attribute="recognised_fen",
        description="核定技术交易额，元；不高于合同金额" + YUAN,
        metadata=EXAMPLE,
    )
    registration_number = Text("登记编号", max_len=40, description="登记编号；不填自动编号")


class ContractReturnIn(InputSchema):
    reason = Text("退回原因", required=True, max_len=500, multiline=True)


class ContractCorrectionIn(ContractIn):
    """A correction may change any field of a contract (only those sent are read; one sent may not be empty)
    and the registration; the reason is required and kept in the contract's history."""

    reason = Text(
        "更正原因",
        required=True,
        max_len=MAX_CORRECTION_REASON,
        multiline=True,
        description=f"更正原因，最多{MAX_CORRECTION_REASON}字（记入合同历史）",
    )
    recognised_amount = Money(
        "核定技术交易额",
        required=True,
        attribute="recognised_fen",
        description="核定技术交易额，元" + YUAN,
        metadata=EXAMPLE,
    )
    registration_number = Text("登记编号", required=True, max_len=40)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", tuple(name for name in self._declared_fields if name != "reason"))
        super().__init__(*args, **kwargs)


class AttachmentCorrectionIn(InputSchema):
    """The reason of a PDF added to a registered contract (a page's upload; not in the API)."""

    reason = Text("更正原因", required=True, max_len=MAX_CORRECTION_REASON, multiline=True)
