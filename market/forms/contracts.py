"""Forms of the contract register (技术合同登记). They carry what the browser sends; the contract service
judges it."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField

from market.forms import ChoiceField, ServiceForm
from market.forms.money import MoneyField
from market.models.vocab import CONTRACT_SUBTYPES, CONTRACT_TYPES, PAYMENT_MODES, PROVINCES


def _labelled(mapping: dict, blank: str = "请选择") -> list:
    return [("", blank)] + list(mapping.items())


class ContractForm(ServiceForm):
    """The input fields of a contract, named as contracts.create_contract/update_contract read them."""

    number = StringField("合同编号", description="当事方自己的合同编号，如 HT-2026-001")
    title = StringField("合同名称")
    contract_type = ChoiceField("合同类型", choices=_labelled(CONTRACT_TYPES))
    subtype = ChoiceField(
        "转让/许可标的",
        choices=_labelled(CONTRACT_SUBTYPES, "（非转让/许可合同不填）"),
        description="仅技术转让、技术许可合同需要填写（专利权、技术秘密等）；其他类型的合同不填，填了也不会保存",
    )
    seller_org_id = StringField(
        "卖方（技术提供方）", description="一般为高校或科研院所；输入名称，从已认证机构中选择"
    )
    buyer_org_id = StringField("买方（技术需求方）", description="输入名称，从已认证机构中选择")
    broker_id = StringField(
        "技术经纪人", description="可不填；输入姓名或单位查找。经纪人登记的合同须由本人担任经纪人"
    )
    achievement_id = StringField("关联科技成果", description="可不填；输入成果名称，从列表中选择")
    demand_id = StringField("关联技术需求", description="可不填；输入需求名称，从列表中选择")
    amount = MoneyField("合同金额", description="可直接写“150万”“1,500,000元”；精确到分")
    payment_mode = ChoiceField("支付方式", choices=_labelled(PAYMENT_MODES))
    signed_on = StringField("签订日期", render_kw={"type": "date"})
    term_start = StringField("合同起始日期", description="可不填", render_kw={"type": "date"})
    term_end = StringField("合同截止日期", description="可不填", render_kw={"type": "date"})
    field = ChoiceField("技术领域", choices=[])
    buyer_province = ChoiceField(
        "买方所在省份", choices=[(p, p) for p in PROVINCES], description="用于统计省内/省外技术交易"
    )
    note = TextAreaField("备注", render_kw={"rows": 3})


class CorrectionForm(ContractForm):
    """An admin's correction of a registered contract: the fields, the registration and the reason."""

    recognised_amount = MoneyField("核定技术交易额", description="不能高于合同金额")
    registration_number = StringField("登记编号")
    reason = TextAreaField(
        "更正原因", description="必填；会与更正前后的数值一起记入合同历史", render_kw={"rows": 3}
    )

    def to_data(self) -> dict:
        data = super().to_data()
        data.pop("reason", None)
        return data


class RegisterForm(ServiceForm):
    recognised_amount = MoneyField("核定技术交易额", description="不能高于合同金额")
    registration_number = StringField(
        "登记编号", description="可不填，不填由系统按“年份+611100+序号”自动编号"
    )


class ReturnForm(ServiceForm):
    reason = TextAreaField(
        "退回原因", description="必填，当事方会在合同页面和通知中看到", render_kw={"rows": 2}
    )


class AttachmentForm(FlaskForm):
    file = FileField("合同扫描件（PDF）", render_kw={"accept": "application/pdf,.pdf"})


class AttachmentCorrectionForm(FlaskForm):
    """An admin adds a file to a registered contract: the PDF and why (the service requires the reason)."""

    file = FileField("补充的附件（PDF）", render_kw={"accept": "application/pdf,.pdf"})
    reason = TextAreaField(
        "更正原因",
        description="必填，最多500字；与文件一起保存，记入合同历史和操作日志",
        render_kw={"rows": 2},
    )
