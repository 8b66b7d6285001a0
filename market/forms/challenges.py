"""The 揭榜挂帅 pages' forms: a call with its repeatable rows (funding shares, criteria, milestones: a fixed
number of rows that works without JavaScript; empty rows are dropped by the input), an application, an
invitation, a clarification and a cancellation. The services judge what they send."""

from flask_wtf.file import FileField
from wtforms import FieldList, Form, FormField, HiddenField, StringField, TextAreaField

from market.forms import ChoiceField, MultiCheckboxField, ServiceForm
from market.forms.money import MoneyField
from market.inputs.challenges import APPLICANT_KINDS
from market.models.challenge_vocab import MILESTONE_KINDS, SELECTION_MODES
from market.models.vocab import REGIONS

SHARE_ROWS, CRITERION_ROWS, MILESTONE_ROWS, TEAM_ROWS = 4, 6, 6, 6


class FundingShareForm(Form):
    source = StringField("出资方")
    percent = StringField("比例（%）", render_kw={"inputmode": "numeric"})


class CriterionForm(Form):
    name = StringField("评审标准")
    weight = StringField("权重（%）", render_kw={"inputmode": "numeric"})
    description = StringField("评分说明")


class MilestoneForm(Form):
    kind = ChoiceField("类型", choices=list(MILESTONE_KINDS.items()))
    title = StringField("节点名称")
    deliverable = StringField("交付成果/考核方式")
    due_on = StringField("完成日期", render_kw={"type": "date"})
    tranche_percent = StringField("拨付比例（%）", render_kw={"inputmode": "numeric"})


def _rows(rows) -> list[dict]:
    return [dict(row) for row in rows]


class ChallengeForm(ServiceForm):
    org_id = ChoiceField("发榜单位", choices=[], description="代政府项目或其他单位发榜时选择（仅管理员）")
    programme = StringField(
        "所属榜单/专项", description="如：西咸新区2026年第一批重大技术需求榜单；政府项目必填"
    )
    title = StringField("榜单名称")
    description = TextAreaField("需求描述（待解决的问题）", render_kw={"rows": 6})
    field = ChoiceField("技术领域", choices=[])
    reward_yuan = MoneyField("榜额", description="揭榜奖励或合同金额")
    indicators = TextAreaField("考核指标", render_kw={"rows": 4}, description="可量化、可检测的技术指标")
    funding_shares = FieldList(FormField(FundingShareForm), label="出资构成", min_entries=SHARE_ROWS)
    eligible_org_kinds = MultiCheckboxField(
        "揭榜单位类型（不选为不限）", choices=list(APPLICANT_KINDS.items())
    )
    eligible_regions = MultiCheckboxField("揭榜单位所在区域（不选为不限）", choices=[(r, r) for r in REGIONS])
    qualifications = TextAreaField("资质要求", render_kw={"rows": 3})
    applications_open_on = StringField("征集开始日期", render_kw={"type": "date"})
    applications_close_on = StringField(
        "征集截止日期", render_kw={"type": "date"}, description="截止当天仍可提交"
    )
    criteria = FieldList(FormField(CriterionForm), label="评审标准", min_entries=CRITERION_ROWS)
    milestones = FieldList(FormField(MilestoneForm), label="里程碑", min_entries=MILESTONE_ROWS)
    selection_mode = ChoiceField("揭榜方式", choices=list(SELECTION_MODES.items()))
    race_teams = StringField("赛马团队数（2–10）", render_kw={"inputmode": "numeric"})
    contact_name = StringField("联系人")
    contact_phone = StringField("联系电话")
    contact_email = StringField("联系邮箱")

    def to_data(self) -> dict:
        data = super().to_data()
        for name in ("funding_shares", "criteria", "milestones"):
            data[name] = _rows(data[name])
        return data


class TeamMemberForm(Form):
    name = StringField("姓名")
    title = StringField("职称/职务")
    role = StringField("分工")


class ScheduleForm(Form):
    milestone_id = HiddenField()
    planned_on = StringField("计划完成日期", render_kw={"type": "date"})
    note = StringField("说明")


class ApplicationForm(ServiceForm):
    plan = TextAreaField(
        "揭榜方案", render_kw={"rows": 8}, description="技术路线、如何达到考核指标、风险与对策"
    )
    plan_file = FileField("揭榜方案 PDF", description="PDF，最大 10 MB；再次上传会替换之前的文件")
    budget_yuan = MoneyField("项目预算")
    team = FieldList(FormField(TeamMemberForm), label="团队成员", min_entries=TEAM_ROWS)
    schedule = FieldList(FormField(ScheduleForm), label="进度安排")
    prior_achievement_ids = MultiCheckboxField("前期成果（本单位已发布的科技成果）", choices=[])

    def to_data(self) -> dict:
        data = {k: v for k, v in super().to_data().items() if k != "plan_file"}
        data["team"], data["schedule"] = _rows(data["team"]), _rows(data["schedule"])
        return data


class InvitationForm(ServiceForm):
    org_id = HiddenField()
    achievement_id = HiddenField()
    message = TextAreaField("邀请留言", render_kw={"rows": 2})


class ClarificationForm(ServiceForm):
    text = TextAreaField(
        "补充说明", render_kw={"rows": 3}, description="公开显示在榜单历史中，并通知各揭榜单位；最多300字"
    )


class CancelForm(ServiceForm):
    reason = TextAreaField("终止原因", render_kw={"rows": 3}, description="告知各揭榜单位，不公开显示")
