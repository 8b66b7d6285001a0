"""揭榜挂帅 定榜, 攻关与验收 and the dashboard over JSON, with the pages' permissions.

A token is asked for first (401). A call the actor cannot see, or a project that is not theirs to see, is
404; deciding without owning the call 403; a step the call's or milestone's state does not allow 409; bad
input 422 with every field's message.
"""

from types import SimpleNamespace

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import json_body, reject_unknown_fields, require_actor
from market.api.docs import ALL_ERRORS, json_of, operation, query_params
from market.downloads import send_stored_file
from market.errors import ValidationFailed
from market.schemas import (
    ChallengeSelectionOut,
    ChallengeStatsOut,
    EliminationIn,
    ProjectMilestoneOut,
    ProjectOut,
    ProjectReportOut,
    SelectionApplicationOut,
    SelectionIn,
    TranchePaymentIn,
    TranchePaymentOut,
)
from market.services import challenges, uploads

PDF_FILES = {
    "type": "array",
    "items": {"type": "string", "format": "binary"},
    "description": "PDF 附件，可多个（字段 files 重复），每个最大 10 MB，"
    f"每次最多 {challenges.MAX_FILES} 个；按文件内容判定类型",
}
REPORT_FORM = {
    "type": "object",
    "required": ["text"],
    "properties": {
        "text": {"type": "string", "description": "进展报告正文，最多10000字"},
        "files": PDF_FILES,
    },
}
DECISION_FORM = {
    "type": "object",
    "required": ["decision", "note"],
    "properties": {
        "decision": {
            "type": "string",
            "enum": ["accepted", "rejected"],
            "description": "accepted 通过 / rejected 不通过",
        },
        "note": {"type": "string", "description": "检查或验收意见，最多2000字"},
        "files": PDF_FILES,
    },
}
PDF = {
    "description": "PDF 文件（作为附件下载）",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}


def _body(schema) -> dict:
    data = json_body()
    reject_unknown_fields(data, schema().fields)
    return data


def _form_and_files(fields: tuple) -> tuple[dict, list]:
    """A multipart form's fields and PDFs (at most one byte past the size limit of each is read), or a JSON
    body without files."""
    if request.is_json:
        data = json_body()
        reject_unknown_fields(data, fields)
        return data, []
    received = request.files.getlist("files")
    files = [(item.filename or "", item.stream.read(uploads.MAX_FILE_BYTES + 1)) for item in received]
    return {name: request.form.get(name) for name in fields}, files


def _selection(state) -> dict:
    challenge = state.challenge
    return ChallengeSelectionOut().dump(
        SimpleNamespace(
            challenge_id=challenge.id,
            selection_mode=challenge.selection_mode,
            race_teams=challenge.race_teams,
            phase=challenge.phase,
            phase_label=challenge.phase_label,
            window_closed=state.window_closed,
            can=SimpleNamespace(select=state.can_select, race=state.can_race, eliminate=state.can_eliminate),
            candidates=state.candidates,
            decided=[*state.selected, *state.racing, *state.others],
        )
    )


def _project(view) -> dict:
    application = view.application
    return ProjectOut().dump(
        SimpleNamespace(
            application_id=application.id,
            challenge_id=application.challenge_id,
            call_title=challenges.call_title(application.challenge),
            phase=application.challenge.phase,
            phase_label=application.challenge.phase_label,
            team=application.organisation,
            status=application.status,
            status_label=application.status_label,
            deal_id=application.deal_id,
            contract_id=application.contract_id,
            committed_fen=view.committed_fen,
            paid_fen=view.paid_fen,
            overdue_count=view.overdue_count,
            milestones=view.milestones,
            can=SimpleNamespace(report=view.can_report, decide=view.can_decide, pay=view.can_pay),
            application_page=f"/challenges/applications/{application.id}",
            page=f"/challenges/applications/{application.id}/project",
        )
    )


# ---- 定榜 ------------------------------------------------------------------------------------------------


@api_bp.get("/challenges/<int:challenge_id>/selection")
@operation(
    "定榜情况（发榜单位、管理员）：可入选的方案、赛马中的团队、已作出的决定，以及现在能做什么",
    secured=True,
    responses={"200": "ChallengeSelectionOut"},
    errors=("403", "404"),
)
def get_challenge_selection(challenge_id):
    return jsonify(_selection(challenges.selection_state(require_actor(), challenge_id)))


@api_bp.post("/challenges/<int:challenge_id>/selection")
@operation(
    "定榜（发榜单位、管理员；征集期结束后）：action=select 确定揭榜方"
    "（单一揭榜方 1 个；赛马制从赛马团队中选），action=race 赛马制确定入围攻关的团队"
    "（不超过 race_teams）。入选团队自动生成对接（签约阶段）、"
    "技术开发合同草稿和里程碑；其余方案为未入选，各自收到致谢通知（不含理由和分数）",
    secured=True,
    body="SelectionIn",
    responses={"200": "ChallengeSelectionOut"},
    errors=ALL_ERRORS,
)
def decide_challenge_selection(challenge_id):
    user = require_actor()
    challenges.decide_selection(user, challenge_id, _body(SelectionIn))
    return jsonify(_selection(challenges.selection_state(user, challenge_id)))


@api_bp.post("/challenge-applications/<int:application_id>/eliminate")
@operation(
    "赛马制淘汰一支赛马团队（发榜单位、管理员；须填理由，至少保留一支团队）；团队收到致谢通知",
    secured=True,
    body="EliminationIn",
    responses={"200": "SelectionApplicationOut"},
    errors=ALL_ERRORS,
)
def eliminate_challenge_team(application_id):
    application = challenges.eliminate(require_actor(), application_id, _body(EliminationIn))
    return jsonify(SelectionApplicationOut().dump(application))


# ---- 攻关与验收 ------------------------------------------------------------------------------------------


@api_bp.get("/challenge-applications/<int:application_id>/project")
@operation(
    "攻关项目（入选或赛马团队、发榜单位、管理员）：里程碑（应完成日期、状态、是否逾期、拨付额与已拨付）、"
    "进展报告、检查与验收结论、拨付记录",
    secured=True,
    responses={"200": "ProjectOut"},
    errors=("404",),
)
def get_challenge_project(application_id):
    return jsonify(_project(challenges.project(require_actor(), application_id)))


@api_bp.get("/challenge-applications/<int:application_id>/project/documents/<int:document_id>")
@operation(
    "下载进展报告或验收材料（PDF；能看到该项目的人）", secured=True, responses={"200": PDF}, errors=("404",)
)
def get_challenge_project_document(application_id, document_id):
    document, path = challenges.get_project_document(require_actor(), application_id, document_id)
    return send_stored_file(
        path, "application/pdf", inline=False, download_name=document.filename, public=False
    )


def _milestone_view(user, milestone):
    view = challenges.project(user, milestone.application_id)
    return next(m for m in view.milestones if m.milestone.id == milestone.id)


@api_bp.post("/project-milestones/<int:milestone_id>/reports")
@operation(
    "提交里程碑进展报告（入选或赛马团队；正文和 PDF 附件；未通过的里程碑可重新提交）",
    secured=True,
    body={"multipart/form-data": REPORT_FORM, "application/json": "ProgressReportIn"},
    responses={"201": json_of("ProjectReportOut", "已提交")},
    errors=ALL_ERRORS,
)
def submit_project_report(milestone_id):
    user = require_actor()
    data, files = _form_and_files(("text",))
    report = challenges.submit_report(user, milestone_id, data, files)
    milestone = _milestone_view(user, challenges.get_milestone(user, milestone_id))
    (shown,) = [r for r in milestone.reports if r.report.id == report.id]
    return jsonify(ProjectReportOut().dump(shown)), 201


@api_bp.post("/project-milestones/<int:milestone_id>/decision")
@operation(
    "中期检查或验收结论（发榜单位、管理员；揭榜团队提交报告后）："
    "accepted 通过 / rejected 不通过（团队可重新提交），须填意见，可附 PDF；"
    "全部入选团队的里程碑通过后榜单为已验收",
    secured=True,
    body={"multipart/form-data": DECISION_FORM, "application/json": "MilestoneDecisionIn"},
    responses={"200": "ProjectMilestoneOut"},
    errors=ALL_ERRORS,
)
def decide_project_milestone(milestone_id):
    user = require_actor()
    data, files = _form_and_files(("decision", "note"))
    milestone = challenges.decide_milestone(user, milestone_id, data, files)
    return jsonify(ProjectMilestoneOut().dump(_milestone_view(user, milestone)))


@api_bp.post("/project-milestones/<int:milestone_id>/payments")
@operation(
    "登记拨付（发榜单位、管理员）：只能对已通过的里程碑，金额大于0且不超过该期尚未拨付的部分，日期不晚于今天",
    secured=True,
    body="TranchePaymentIn",
    responses={"201": json_of("TranchePaymentOut", "已登记")},
    errors=ALL_ERRORS,
)
def record_project_payment(milestone_id):
    payment = challenges.record_payment(require_actor(), milestone_id, _body(TranchePaymentIn))
    return jsonify(TranchePaymentOut().dump(payment)), 201


# ---- the dashboard -------------------------------------------------------------------------------------


@api_bp.get("/stats/challenges")
@operation(
    "揭榜挂帅年度统计（管理员、政府观察员）：发布榜单、被揭榜的榜单、攻关中和已验收的项目、承诺与已拨付金额，"
    "对照年度目标（榜单≥10、项目≥30）",
    secured=True,
    query=query_params(("year", "integer", "年份（北京时间），默认今年", {"minimum": 2000, "maximum": 2100})),
    responses={"200": "ChallengeStatsOut"},
    errors=("403", "422"),
)
def get_challenge_stats():
    user = require_actor()
    raw = request.args.get("year", "").strip()
    if raw and not (raw.isdigit() and 2000 <= int(raw) <= 2100):
        raise ValidationFailed({"year": "年份应为2000到2100之间的整数"})
    return jsonify(ChallengeStatsOut().dump(challenges.challenge_figures(user, int(raw) if raw else None)))
