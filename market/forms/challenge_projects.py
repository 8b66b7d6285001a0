"""Forms of the 定榜 and 攻关与验收 pages. They carry what the browser sends; the services judge it
(market/inputs/challenge_projects.py). `confirmed` is the second step of a decision that cannot be undone:
the first post shows what will happen, the second does it."""

from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, StringField, TextAreaField

from market.forms import ChoiceField, MultiCheckboxField, ServiceForm
from market.forms.money import MoneyField
from market.inputs.challenge_projects import MILESTONE_DECISIONS

PDF_HINT = "PDF，可多选，每个不超过 10 MB，每次最多 5 个"


class SelectionForm(ServiceForm):
    """定榜: the chosen applications (radios for one winner, boxes for several), the reason, the step."""

    action = HiddenField()
    application_ids = MultiCheckboxField("入选的揭榜方案", choices=[])
    reason = TextAreaField(
        "定榜理由", description="仅发榜单位和管理员可见；其他揭榜方只收到致谢通知", render_kw={"rows": 4}
    )
    confirmed = HiddenField()

    def to_data(self) -> dict:
        return {
            "action": self.action.data,
            "application_ids": self.application_ids.data or [],
            "reason": self.reason.data,
        }


class EliminationForm(ServiceForm):
    reason = TextAreaField("淘汰理由", description="仅发榜单位和管理员可见", render_kw={"rows": 3})
    stage = StringField("阶段（可不填）", description="如“中期检查”，会出现在公开的榜单进展中")
    confirmed = HiddenField()

    def to_data(self) -> dict:
        return {"reason": self.reason.data, "stage": self.stage.data}


class ReportForm(ServiceForm):
    text = TextAreaField("进展报告", description="完成了什么、考核指标的达成情况", render_kw={"rows": 5})
    files = MultipleFileField("附件（可不选）", description=PDF_HINT, render_kw={"accept": ".pdf"})

    def to_data(self) -> dict:
        return {"text": self.text.data}


class DecisionForm(ServiceForm):
    decision = ChoiceField("结论", choices=[("", "请选择"), *MILESTONE_DECISIONS.items()])
    note = TextAreaField("检查意见", description="揭榜团队可见", render_kw={"rows": 3})
    files = MultipleFileField("检查或验收材料（可不选）", description=PDF_HINT, render_kw={"accept": ".pdf"})

    def to_data(self) -> dict:
        return {"decision": self.decision.data, "note": self.note.data}


class PaymentForm(ServiceForm):
    amount = MoneyField("拨付金额")
    paid_on = StringField("拨付日期", render_kw={"type": "date"})
    reference = StringField("拨付凭证号", description="转账流水号或凭证号")
