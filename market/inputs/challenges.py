"""揭榜挂帅 calls (发榜), applications (揭榜) and invitations: what the owner and the applicants write.
The rules that need today, the database or several fields (the window, weights adding to 100, milestones
after the window, eligibility, the applicant's own results) are the services' (services/challenges)."""

from marshmallow import ValidationError, fields

from market.inputs.contacts import ContactEmail, Phone
from market.inputs.fields import (
    Choice,
    Date,
    InputSchema,
    Integer,
    Money,
    RowId,
    Text,
    TextList,
    _Input,
)
from market.inputs.listings import FieldName
from market.models.challenge_vocab import MAX_RACE_TEAMS, MILESTONE_KINDS, SELECTION_MODES
from market.models.vocab import ORG_KINDS, REGIONS

# Who may take up a call: verified universities, institutes and enterprises (ORG_KINDS codes).
APPLICANT_KINDS = {kind: ORG_KINDS[kind] for kind in ("university", "institute", "enterprise")}
MAX_CRITERIA = 10
MAX_MILESTONES = 12
MAX_FUNDING_SHARES = 6
MAX_TEAM = 30
MAX_PRIOR_RESULTS = 20


class Rows(_Input, fields.List):
    """Repeatable rows (a form's fixed number of rows, or a JSON list of objects), each read by `row`; rows
    whose `keys` are all empty (a form's spare rows) are dropped; a wrong row is reported as 第n项：its
    messages."""

    def __init__(self, label: str, row: type[InputSchema], *, keys: tuple, max_rows: int, **kwargs):
        self.row, self.keys, self.max_rows = row, keys, max_rows
        super().__init__(label, fields.Nested(row), **kwargs)

    def describe(self, label):
        return f"{label}，最多{self.max_rows}项"

    def empty(self):
        super().empty()
        return []

    def _deserialize(self, value, attr, data, **kwargs):
        if not value:
            return self.empty()
        if not isinstance(value, list) or any(not isinstance(item, dict) for item in value):
            raise ValidationError(f"{self.label}格式不正确，应为对象列表")
        rows = []
        for number, item in enumerate(value, start=1):
            if not any(str(item.get(key) if item.get(key) is not None else "").strip() for key in self.keys):
                continue  # a spare row of the form
            errors: dict = {}
            row = self.row.clean(item, errors=errors)
            if errors:
                raise ValidationError(f"{self.label}第{number}项：" + "；".join(errors.values()))
            rows.append(row)
        if len(rows) > self.max_rows:
            raise ValidationError(f"{self.label}最多{self.max_rows}项")
        return rows or self.empty()


class RowIds(_Input, fields.List):
    """Ids of rows (a list of numbers, or text such as "12, 15"); the service looks them up."""

    def __init__(self, label: str, *, max_items: int, **kwargs):
        self.max_items = max_items
        super().__init__(label, fields.Integer(), **kwargs)

    def describe(self, label):
        return f"{label}的编号列表，最多{self.max_items}个"

    def empty(self):
        super().empty()
        return []

    def _deserialize(self, value, attr, data, **kwargs):
        items = [part for part in value.replace("，", ",").split(",")] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise ValidationError(f"{self.label}必须是编号列表")
        ids = []
        for item in items:
            if isinstance(item, str) and not item.strip():
                continue
            text = str(item).strip() if isinstance(item, (int, str)) and not isinstance(item, bool) else ""
            if not text.isdigit() or not 0 < int(text) < 2**31:
                raise ValidationError(f"{self.label}中的“{str(item)[:20]}”不是有效的编号")
            if int(text) not in ids:
                ids.append(int(text))
        if len(ids) > self.max_items:
            raise ValidationError(f"{self.label}最多{self.max_items}个")
        return ids or self.empty()


# ---- 发榜 ------------------------------------------------------------------------------------------------


class CallFundingShareIn(InputSchema):
    """Who pays which share of the 榜额."""

    source = Text("出资方", required=True, max_len=60)
    percent = Integer("出资比例（%）", low=1, high=100, required=True)


class CallCriterionIn(InputSchema):
    """One evaluation criterion and its weight; a call's weights add up to exactly 100."""

    name = Text("评审标准", required=True, max_len=60)
    weight = Integer("权重（%）", low=1, high=100, required=True)
    description = Text("评分说明", max_len=300)


class CallMilestoneIn(InputSchema):
    """A milestone the call asks for: due after the window closes, in order; its tranche is a share of the
    榜额 paid when it is accepted (all tranches together at most 100)."""

    kind = Choice("节点类型", MILESTONE_KINDS, required=True)
    title = Text("节点名称", required=True, max_len=100)
    deliverable = Text("交付成果/考核方式", max_len=500)
    due_on = Date("完成日期", required=True, within_years=8)
    tranche_percent = Integer("拨付比例（%）", low=0, high=100)


class ChallengeIn(InputSchema):
    """A call as its owner writes it: the demand's text and the call's own rules."""

    org_id = RowId(
        "发榜单位",
        allow_none=False,
        description="仅管理员：代政府项目或其他单位发榜时的发榜单位编号（默认为管理员所在的平台运营单位）",
    )
    programme = Text("所属榜单/专项", max_len=100, description="如：西咸新区2026年第一批重大技术需求榜单")
    title = Text("榜单名称", required=True, max_len=200)
    description = Text("需求描述（待解决的问题）", required=True, max_len=20000, multiline=True)
    field = FieldName("技术领域", required=True, description="技术领域名称，见 GET /api/v1/fields")
    reward_yuan = Money(
        "榜额",
        attribute="reward_fen",
        positive=True,
        required=True,
        metadata={"example": "3000000.00"},
        description="榜额（揭榜奖励或合同金额），元，大于0（字符串，最多两位小数，可带单位如“300万”）",
    )
    indicators = Text("考核指标", required=True, max_len=5000, multiline=True)
    funding_shares = Rows(
        "出资构成", CallFundingShareIn, keys=("source", "percent"), max_rows=MAX_FUNDING_SHARES, required=True
    )
    eligible_org_kinds = TextList(
        "揭榜单位类型",
        choices=tuple(APPLICANT_KINDS),
        synonyms={label: code for code, label in APPLICANT_KINDS.items()},
        max_items=3,
        allow_none=False,
        description="可揭榜的单位类型：university 高校、institute 科研院所、enterprise 企业；不填为不限",
    )
    eligible_regions = TextList(
        "揭榜单位所在区域",
        choices=REGIONS,
        max_items=len(REGIONS),
        allow_none=False,
        description=f"可揭榜单位所在区域：{'、'.join(REGIONS)}；不填为不限",
    )
    qualifications = Text("资质要求", max_len=2000, multiline=True)
    applications_open_on = Date("征集开始日期", required=True, within_years=2)
    applications_close_on = Date("征集截止日期", required=True, within_years=3)
    criteria = Rows(
        "评审标准", CallCriterionIn, keys=("name", "weight"), max_rows=MAX_CRITERIA, required=True
    )
    milestones = Rows(
        "里程碑",
        CallMilestoneIn,
        keys=("title", "due_on", "deliverable"),
        max_rows=MAX_MILESTONES,
        required=True,
    )
    selection_mode = Choice("揭榜方式", SELECTION_MODES, required=True)
    race_teams = Integer(
        "赛马团队数", low=2, high=MAX_RACE_TEAMS, description="赛马制：并行攻关的团队数，2–10"
    )
    contact_name = Text("联系人", max_len=60)
    contact_phone = Phone("联系电话", max_len=30)
    contact_email = ContactEmail("联系邮箱", max_len=254)


class ChallengeUpdateIn(ChallengeIn):
    """A change of a call before any application is submitted: only the fields sent change."""

    updates = True


class ChallengeClarificationIn(InputSchema):
    """A public clarification of a call that applications have already answered (its rules stay)."""

    text = Text("补充说明", required=True, max_len=300, multiline=True)


class ChallengeCancelIn(InputSchema):
    reason = Text("终止原因", required=True, max_len=500, multiline=True)


# ---- 揭榜 ------------------------------------------------------------------------------------------------


class ApplicationTeamMemberIn(InputSchema):
    name = Text("姓名", required=True, max_len=40)
    title = Text("职称/职务", max_len=40)
    role = Text("分工", max_len=60)


class ApplicationScheduleItemIn(InputSchema):
    """When the team plans to reach one of the call's milestones."""

    milestone_id = RowId(
        "里程碑", required=True, description="榜单里程碑的编号（GET /challenges/{id} 的 milestones）"
    )
    planned_on = Date("计划完成日期", required=True, within_years=8)
    note = Text("说明", max_len=300)


class ChallengeApplicationIn(InputSchema):
    """An organisation's 揭榜方案 (the PDF is uploaded beside it)."""

    plan = Text("揭榜方案", required=True, max_len=20000, multiline=True)
    budget_yuan = Money(
        "项目预算",
        attribute="budget_fen",
        positive=True,
        required=True,
        metadata={"example": "2500000.00"},
        description="项目预算，元，大于0（字符串，最多两位小数，可带单位如“250万”）",
    )
    team = Rows(
        "团队成员",
        ApplicationTeamMemberIn,
        keys=("name", "title", "role"),
        max_rows=MAX_TEAM,
        allow_none=False,
    )
    schedule = Rows(
        "进度安排", ApplicationScheduleItemIn, keys=("planned_on", "note"), max_rows=30, allow_none=False
    )
    prior_achievement_ids = RowIds(
        "前期成果",
        max_items=MAX_PRIOR_RESULTS,
        allow_none=False,
        description="本单位已发布的科技成果（成果库）编号",
    )


class ChallengeApplicationUpdateIn(ChallengeApplicationIn):
    updates = True


class ChallengeInvitationIn(InputSchema):
    org_id = RowId("受邀单位", required=True, unknown="受邀单位不存在")
    achievement_id = RowId(
        "相关成果", unknown="该科技成果不存在", description="受邀单位的一项已发布成果（可选）"
    )
    message = Text("邀请留言", max_len=500, multiline=True)
