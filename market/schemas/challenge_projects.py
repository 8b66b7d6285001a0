"""揭榜挂帅 定榜, 攻关与验收 and the dashboard: a call's selection, a team's project (milestones, reports,
decisions, payments and their documents), and the yearly figures."""

from marshmallow import Schema, fields

from market.inputs.challenge_projects import (  # noqa: F401 (declared with their rules)
    EliminationIn,
    MilestoneDecisionIn,
    ProgressReportIn,
    SelectionIn,
    TranchePaymentIn,
)
from market.models.challenge_vocab import (
    APPLICATION_STATUSES,
    CHALLENGE_PHASES,
    MILESTONE_KINDS,
    MILESTONE_STATUSES,
    SELECTION_MODES,
)
from market.schemas.contracts import ContractParty
from market.schemas.core import BeijingDateTime, Yuan


def _choices(vocabulary) -> str:
    return "；".join(f"{key} {label}" for key, label in vocabulary.items())


def _application_page(application) -> str:
    return f"/challenges/applications/{application.id}"


class ProjectDocumentOut(Schema):
    id = fields.Integer()
    purpose = fields.String(metadata={"description": "report 进展报告 / acceptance 检查或验收材料"})
    filename = fields.String(metadata={"description": "上传时的文件名，仅供显示"})
    size = fields.Integer(metadata={"description": "字节数"})
    uploaded_at = BeijingDateTime(attribute="created_at")
    url = fields.Function(
        lambda d: f"/challenges/applications/{d.application_id}/project/documents/{d.id}",
        metadata={"type": "string", "description": "网页下载地址（登录靠 Cookie）"},
    )
    api_url = fields.Function(
        lambda d: f"/api/v1/challenge-applications/{d.application_id}/project/documents/{d.id}",
        metadata={"type": "string", "description": "API 下载地址（需令牌）"},
    )


class ProjectReportOut(Schema):
    id = fields.Integer()
    text = fields.String(metadata={"description": "进展报告正文"})
    submitted_at = BeijingDateTime(attribute="created_at")
    submitted_by = fields.Function(
        lambda r: r.submitted_by.display_name if r.submitted_by else None,
        allow_none=True,
        metadata={"type": "string", "nullable": True, "description": "提交人"},
    )
    documents = fields.List(fields.Nested(ProjectDocumentOut), metadata={"description": "PDF 附件"})


class TranchePaymentOut(Schema):
    id = fields.Integer()
    milestone_id = fields.Integer()
    amount = Yuan("amount_fen", metadata={"description": "拨付金额（元）"})
    paid_on = fields.Date(metadata={"description": "拨付日期"})
    reference = fields.String(allow_none=True, metadata={"description": "拨付凭证号"})
    recorded_at = BeijingDateTime(attribute="created_at")


class ProjectMilestoneOut(Schema):
    id = fields.Integer()
    position = fields.Integer(metadata={"description": "顺序，从 0 开始"})
    kind = fields.String(metadata={"enum": list(MILESTONE_KINDS), "description": _choices(MILESTONE_KINDS)})
    kind_label = fields.String()
    title = fields.String()
    deliverable = fields.String(allow_none=True, metadata={"description": "交付物"})
    due_on = fields.Date(metadata={"description": "应完成日期（北京时间）"})
    status = fields.String(
        metadata={"enum": list(MILESTONE_STATUSES), "description": _choices(MILESTONE_STATUSES)}
    )
    status_label = fields.String()
    overdue = fields.Boolean(metadata={"description": "已过应完成日期仍未通过（团队仍在攻关时）"})
    tranche = Yuan("tranche_fen", metadata={"description": "本期拨付额（元）"})
    paid = Yuan("paid_fen", metadata={"description": "已拨付（元）"})
    remaining = Yuan("remaining_fen", metadata={"description": "尚未拨付（元）"})
    decision_note = fields.String(allow_none=True, metadata={"description": "最近一次检查或验收意见"})
    decided_at = BeijingDateTime(allow_none=True)
    reports = fields.List(fields.Nested(ProjectReportOut), metadata={"description": "进展报告，先交的在前"})
    decision_documents = fields.List(
        fields.Nested(ProjectDocumentOut), metadata={"description": "检查或验收材料"}
    )
    payments = fields.List(fields.Nested(TranchePaymentOut))


class ProjectPermissions(Schema):
    report = fields.Boolean(metadata={"description": "可提交进展报告（入选团队）"})
    decide = fields.Boolean(metadata={"description": "可作出检查或验收结论（发榜单位、管理员）"})
    pay = fields.Boolean(metadata={"description": "可登记拨付（发榜单位、管理员）"})


class ProjectOut(Schema):
    application_id = fields.Integer()
    challenge_id = fields.Integer()
    call_title = fields.String(metadata={"description": "榜单名称"})
    phase = fields.String(
        metadata={"enum": list(CHALLENGE_PHASES), "description": _choices(CHALLENGE_PHASES)}
    )
    phase_label = fields.String()
    team = fields.Nested(ContractParty, metadata={"description": "揭榜团队所在单位"})
    status = fields.String(
        metadata={"enum": list(APPLICATION_STATUSES), "description": _choices(APPLICATION_STATUSES)}
    )
    status_label = fields.String()
    deal_id = fields.Integer(allow_none=True, metadata={"description": "定榜生成的对接（GET /deals/{id}）"})
    contract_id = fields.Integer(
        allow_none=True, metadata={"description": "定榜生成的技术开发合同草稿（GET /contracts/{id}）"}
    )
    committed = Yuan("committed_fen", metadata={"description": "各期拨付额合计（元）"})
    paid = Yuan("paid_fen", metadata={"description": "已拨付合计（元）"})
    overdue_count = fields.Integer(metadata={"description": "逾期的里程碑数"})
    milestones = fields.List(fields.Nested(ProjectMilestoneOut))
    can = fields.Nested(ProjectPermissions, metadata={"description": "当前用户可做的操作"})
    application_page = fields.String(metadata={"description": "揭榜方案网页"})
    page = fields.String(metadata={"description": "攻关项目网页"})


class SelectionApplicationOut(Schema):
    id = fields.Integer()
    team = fields.Nested(ContractParty, attribute="organisation", metadata={"description": "揭榜单位"})
    status = fields.String(
        metadata={"enum": list(APPLICATION_STATUSES), "description": _choices(APPLICATION_STATUSES)}
    )
    status_label = fields.String()
    budget = Yuan("budget_fen", metadata={"description": "团队预算（元）"})
    decision_reason = fields.String(
        allow_none=True, metadata={"description": "定榜或淘汰理由（仅发榜单位、管理员）"}
    )
    decided_at = BeijingDateTime(allow_none=True)
    deal_id = fields.Integer(allow_none=True)
    contract_id = fields.Integer(allow_none=True)
    page = fields.Function(_application_page, metadata={"type": "string", "description": "揭榜方案网页"})


class SelectionPermissions(Schema):
    select = fields.Boolean(metadata={"description": "现在可以定榜（单一揭榜方，或从赛马团队中选）"})
    race = fields.Boolean(metadata={"description": "现在可以确定赛马团队"})
    eliminate = fields.Boolean(metadata={"description": "现在可以淘汰赛马团队（至少两支赛马中）"})


class ChallengeSelectionOut(Schema):
    challenge_id = fields.Integer()
    selection_mode = fields.String(
        metadata={"enum": list(SELECTION_MODES), "description": _choices(SELECTION_MODES)}
    )
    race_teams = fields.Integer(allow_none=True, metadata={"description": "赛马制团队数上限"})
    phase = fields.String(
        metadata={"enum": list(CHALLENGE_PHASES), "description": _choices(CHALLENGE_PHASES)}
    )
    phase_label = fields.String()
    window_closed = fields.Boolean(metadata={"description": "征集期已结束（结束后才能定榜）"})
    can = fields.Nested(SelectionPermissions)
    candidates = fields.List(
        fields.Nested(SelectionApplicationOut), metadata={"description": "可入选的方案（已提交、入围答辩）"}
    )
    decided = fields.List(
        fields.Nested(SelectionApplicationOut),
        metadata={"description": "已作出决定的方案：已揭榜、赛马中、已淘汰、未入选"},
    )


class ChallengeStatsOut(Schema):
    year = fields.Integer(metadata={"description": "统计年度（北京时间）"})
    calls_published = fields.Integer(metadata={"description": "发布的揭榜挂帅榜单"})
    calls_target = fields.Integer(metadata={"description": "年度目标（榜单）"})
    calls_taken_up = fields.Integer(metadata={"description": "当年有团队揭榜或入围赛马的榜单"})
    projects = fields.Integer(metadata={"description": "当年启动的揭榜挂帅/赛马制项目（攻关中 + 已验收）"})
    projects_target = fields.Integer(metadata={"description": "年度目标（项目）"})
    projects_running = fields.Integer(metadata={"description": "攻关中"})
    projects_accepted = fields.Integer(metadata={"description": "已验收"})
    committed = Yuan("committed_fen", metadata={"description": "承诺拨付（这些项目各期拨付额合计，元）"})
    paid = Yuan("paid_fen", metadata={"description": "已拨付（这些项目已登记的拨付合计，元）"})
    committed_wan = fields.String(
        attribute="committed_text", metadata={"description": "承诺拨付，万元，精确到分"}
    )
    paid_wan = fields.String(attribute="paid_text", metadata={"description": "已拨付，万元，精确到分"})
