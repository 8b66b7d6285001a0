"""揭榜挂帅 over JSON: calls (发榜), applications (揭榜), suggested applicants and invitations. Statuses
travel as codes with their Chinese labels; money as *_yuan strings."""

from marshmallow import Schema, fields

from market.inputs.challenges import (  # noqa: F401 (declared with their rules)
    ChallengeApplicationIn,
    ChallengeApplicationUpdateIn,
    ChallengeCancelIn,
    ChallengeClarificationIn,
    ChallengeIn,
    ChallengeInvitationIn,
    ChallengeUpdateIn,
)
from market.models.challenge_vocab import (
    APPLICATION_STATUSES,
    CHALLENGE_PHASES,
    CHALLENGE_PUBLIC_STATUSES,
    MILESTONE_KINDS,
    SELECTION_MODES,
)
from market.models.vocab import LISTING_STATUSES
from market.schemas.core import BeijingDateTime, Contact, OrganisationBrief, Yuan
from market.services.challenges.documents import plan_document
from market.services.challenges.status import days_left, public_status, public_status_label


def _choices(vocabulary: dict) -> str:
    return "；".join(f"{code} {label}" for code, label in vocabulary.items())


class FromDemand(fields.Field):
    """A value read from the call's demand (its title, text, field, status)."""

    def __init__(self, read, **kwargs):
        self.read = read
        super().__init__(**kwargs)

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self.read(obj.demand)


class Computed(fields.Field):
    def __init__(self, compute, **kwargs):
        self.compute = compute
        super().__init__(**kwargs)

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self.compute(obj)


class WithheldContact(fields.Nested):
    """The call's contact: null unless the handler fills it in for a reader who may see it."""

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return None


class CallFundingShareOut(Schema):
    source = fields.String()
    percent = fields.Integer()


class CallCriterionOut(Schema):
    id = fields.Integer()
    name = fields.String()
    weight = fields.Integer(metadata={"description": "权重（%），合计为100"})
    description = fields.String(allow_none=True)


class CallMilestoneOut(Schema):
    id = fields.Integer(
        metadata={"description": "里程碑编号：揭榜方案的进度安排以此对应（schedule[].milestone_id）"}
    )
    kind = fields.String(metadata={"enum": list(MILESTONE_KINDS), "description": _choices(MILESTONE_KINDS)})
    kind_label = Computed(lambda m: MILESTONE_KINDS.get(m.kind, m.kind), metadata={"type": "string"})
    title = fields.String()
    deliverable = fields.String(allow_none=True)
    due_on = fields.Date()
    tranche_percent = fields.Integer(metadata={"description": "验收通过后拨付的榜额比例（%）"})


class ChallengeHistoryOut(Schema):
    kind = fields.String(
        metadata={"description": "submitted、published、updated、clarification、cancelled 等"}
    )
    text = fields.String()
    at = BeijingDateTime(attribute="created_at")


class ChallengeOut(Schema):
    id = fields.Integer()
    demand_id = fields.Integer(metadata={"description": "对应的技术需求编号（/demands/{id}）"})
    title = FromDemand(lambda d: d.title, metadata={"type": "string"})
    description = FromDemand(lambda d: d.description, metadata={"type": "string"})
    field = FromDemand(lambda d: d.field.name if d.field else None, metadata={"type": "string"})
    organisation = fields.Nested(OrganisationBrief, attribute="demand.organisation")
    programme = fields.String(allow_none=True, metadata={"description": "所属榜单/专项"})
    reward_yuan = Computed(
        lambda c: Yuan("reward_fen").serialize("reward_yuan", c.demand),
        metadata={"type": "string", "format": "decimal", "description": "榜额，元"},
    )
    indicators = fields.String(metadata={"description": "考核指标"})
    funding_shares = fields.List(
        fields.Nested(CallFundingShareOut), metadata={"description": "出资构成，比例合计100"}
    )
    eligible_org_kinds = fields.List(
        fields.String(),
        metadata={"description": "可揭榜单位类型（university / institute / enterprise）；空为不限"},
    )
    eligible_regions = fields.List(fields.String(), metadata={"description": "可揭榜单位所在区域；空为不限"})
    qualifications = fields.String(allow_none=True)
    applications_open_on = fields.Date()
    applications_close_on = fields.Date(metadata={"description": "征集截止日期（北京时间，当天可提交）"})
    days_left = Computed(
        lambda c: days_left(c) if public_status(c) == "collecting" else None,
        metadata={
            "type": "integer",
            "nullable": True,
            "description": "距截止还有几天（截止当天为0）；不在征集中为 null",
        },
    )
    selection_mode = fields.String(
        metadata={"enum": list(SELECTION_MODES), "description": _choices(SELECTION_MODES)}
    )
    selection_mode_label = fields.String()
    race_teams = fields.Integer(allow_none=True, metadata={"description": "赛马制并行攻关的团队数"})
    status = FromDemand(
        lambda d: d.status,
        metadata={
            "type": "string",
            "description": "审核状态（技术需求的状态）：" + _choices(LISTING_STATUSES),
        },
    )
    status_label = FromDemand(lambda d: d.status_label, metadata={"type": "string"})
    review_note = FromDemand(lambda d: d.review_note, metadata={"type": "string", "nullable": True})
    phase = fields.String(
        metadata={"enum": list(CHALLENGE_PHASES), "description": _choices(CHALLENGE_PHASES)}
    )
    phase_label = fields.String()
    public_status = Computed(
        public_status,
        metadata={
            "type": "string",
            "enum": list(CHALLENGE_PUBLIC_STATUSES),
            "description": "公开状态：" + _choices(CHALLENGE_PUBLIC_STATUSES),
        },
    )
    public_status_label = Computed(public_status_label, metadata={"type": "string"})
    criteria = fields.List(fields.Nested(CallCriterionOut))
    milestones = fields.List(fields.Nested(CallMilestoneOut))
    published_at = FromDemand(
        lambda d: BeijingDateTime().serialize("published_at", d),
        metadata={"type": "string", "nullable": True},
    )
    created_at = BeijingDateTime()
    contact = WithheldContact(
        Contact,
        allow_none=True,
        metadata={"description": "联系方式：仅对已认证单位的登录用户和管理员返回，其他为 null"},
    )


class ChallengeDetailOut(ChallengeOut):
    history = fields.List(
        fields.Nested(ChallengeHistoryOut), metadata={"description": "公开的历史记录，不含保密内容"}
    )


class ChallengeAchievementRef(Schema):
    id = fields.Integer()
    title = fields.String()


class ApplicationTeamMemberOut(Schema):
    name = fields.String()
    title = fields.String()
    role = fields.String()


class ApplicationScheduleItemOut(Schema):
    milestone_id = fields.Integer()
    planned_on = fields.String(metadata={"format": "date"})
    note = fields.String()


class ChallengeDocumentOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    size = fields.Integer(metadata={"description": "字节数"})
    sha256 = fields.String()
    url = fields.Function(
        lambda document: f"/api/v1/challenge-applications/{document.application_id}/plan",
        metadata={"type": "string", "description": "下载地址（需令牌）"},
    )
    uploaded_at = BeijingDateTime(attribute="created_at")


class PlanFile(fields.Nested):
    """The application's plan PDF, read from its documents."""

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self._serialize(plan_document(obj), attr, obj, **kwargs)


class ChallengeApplicationOut(Schema):
    id = fields.Integer()
    challenge_id = fields.Integer()
    organisation = fields.Nested(OrganisationBrief)
    status = fields.String(
        metadata={"enum": list(APPLICATION_STATUSES), "description": _choices(APPLICATION_STATUSES)}
    )
    status_label = fields.String()
    plan = fields.String(metadata={"description": "揭榜方案"})
    budget_yuan = Yuan("budget_fen", metadata={"description": "项目预算，元"})
    team = fields.List(fields.Nested(ApplicationTeamMemberOut))
    schedule = fields.List(
        fields.Nested(ApplicationScheduleItemOut), metadata={"description": "对应榜单里程碑的计划完成日期"}
    )
    prior_achievement_ids = fields.List(
        fields.Integer(), metadata={"description": "前期成果（本单位已发布的科技成果）"}
    )
    plan_file = PlanFile(
        ChallengeDocumentOut, allow_none=True, metadata={"description": "揭榜方案 PDF；未上传为 null"}
    )
    submitted_at = BeijingDateTime(allow_none=True)
    created_at = BeijingDateTime()
    updated_at = BeijingDateTime()
    editable = fields.Function(
        lambda application: False,  # the handler says it for the reader
        metadata={
            "type": "boolean",
            "description": "当前用户现在能否修改、提交或撤回（揭榜单位，征集截止日当天及之前）",
        },
    )


class ChallengeInvitationOut(Schema):
    id = fields.Integer()
    challenge_id = fields.Integer()
    organisation = fields.Nested(OrganisationBrief)
    achievement = fields.Nested(
        ChallengeAchievementRef, allow_none=True, metadata={"description": "邀请所针对的成果"}
    )
    message = fields.String(allow_none=True)
    created_at = BeijingDateTime()


class ChallengeSuggestedResultOut(Schema):
    id = fields.Integer(metadata={"description": "科技成果编号"})
    title = fields.String()
    band = fields.String(metadata={"description": "匹配强度：强 / 中 / 弱"})
    score = fields.Float(metadata={"description": "匹配度（0–1）"})
    reasons = fields.List(fields.String())


class ChallengeSuggestionOut(Schema):
    organisation = fields.Nested(OrganisationBrief)
    band = fields.String(metadata={"description": "该单位最佳成果的匹配强度"})
    invited = fields.Boolean()
    applied = fields.Boolean(metadata={"description": "已揭榜（含草稿）"})
    results = fields.List(fields.Nested(ChallengeSuggestedResultOut))
