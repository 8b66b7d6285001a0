"""揭榜挂帅 over JSON with the pages' rules: calls (发榜), applications (揭榜), suggested applicants and
invitations. A call or application the reader may not see is 404, an action they may not take 403, a step its
state does not allow 409."""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import actor, json_body, page_envelope, paging, reject_unknown_fields, require_actor
from market.api.docs import ALL_ERRORS, PAGING, items_of, json_of, operation, page_of, query_params
from market.downloads import send_stored_file
from market.errors import NotFound
from market.schemas import (
    ChallengeApplicationIn,
    ChallengeApplicationOut,
    ChallengeApplicationUpdateIn,
    ChallengeCancelIn,
    ChallengeClarificationIn,
    ChallengeDocumentOut,
    ChallengeHistoryOut,
    ChallengeIn,
    ChallengeInvitationIn,
    ChallengeInvitationOut,
    ChallengeOut,
    ChallengeUpdateIn,
    Contact,
    OrganisationBrief,
)
from market.services import challenges
from market.services.challenges.documents import MAX_DOCUMENT_BYTES
from market.services.permissions import can_see_contact

PDF = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
UPLOAD = {
    "type": "object",
    "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "PDF 文件，最大 10 MB"}},
}
CALL_ID = {"id": "榜单编号"}
APPLICATION_ID = {"id": "揭榜方案编号"}


def _body(schema) -> dict:
    data = json_body()
    reject_unknown_fields(data, schema().fields)
    return data


def dump_call(challenge, viewer) -> dict:
    out = ChallengeOut().dump(challenge)
    if can_see_contact(viewer):
        out["contact"] = Contact().dump(challenge.demand)
    return out


def dump_application(application, viewer) -> dict:
    out = ChallengeApplicationOut().dump(application)
    out["editable"] = challenges.can_change(viewer, application)
    return out


# ---- 发榜 ------------------------------------------------------------------------------------------------


@api_bp.get("/challenges")
@operation(
    "揭榜挂帅榜单：已发布的（含已终止、已验收），新发布的在前；mine=1（需令牌）为本单位的全部榜单（管理员为全部）",
    query=query_params(
        (
            "status",
            "string",
            "公开状态：upcoming / collecting / reviewing / selected / running / accepted / cancelled",
        ),
        ("field", "string", "技术领域"),
        ("mine", "boolean", "本单位的全部榜单，含待审核、被退回的（需令牌）"),
        *PAGING,
    ),
    responses={"200": page_of("ChallengeOut")},
)
def list_challenges():
    viewer = actor()
    page, per_page = paging()
    if request.args.get("mine") in ("1", "true"):
        found = challenges.list_managed_calls(require_actor(), page, per_page)
    else:
        found = challenges.list_public_calls(request.args, page, per_page)
    return jsonify(page_envelope(found, lambda c: dump_call(c, viewer)))


@api_bp.post("/challenges")
@operation(
    "发榜（已认证企业；管理员可代政府项目或其他单位发榜，org_id 与 programme）：榜单与其技术需求一并写入，"
    "一律进入平台审核（POST /demands/{demand_id}/approve 或 reject）",
    secured=True,
    body="ChallengeIn",
    responses={"201": json_of("ChallengeOut", "已提交审核")},
    errors=("403", "422"),
)
def create_challenge():
    user = require_actor()
    return jsonify(dump_call(challenges.create_call(user, _body(ChallengeIn)), user)), 201


@api_bp.get("/challenges/<int:challenge_id>")
@operation(
    "榜单详情（含公开的历史记录 history）",
    responses={"200": "ChallengeDetailOut"},
    errors=("404",),
    path_descriptions=CALL_ID,
)
def get_challenge(challenge_id):
    viewer = actor()
    challenge = challenges.get_challenge(viewer, challenge_id)
    out = dump_call(challenge, viewer)
    out["history"] = ChallengeHistoryOut(many=True).dump(challenges.history(challenge))
    return jsonify(out)


@api_bp.patch("/challenges/<int:challenge_id>")
@operation(
    "修改榜单（发榜单位、管理员；尚无单位提交揭榜方案时；只改所发字段）：修改后重新进入平台审核。"
    "已有揭榜方案时请发布补充说明（POST /challenges/{id}/clarifications）",
    secured=True,
    body="ChallengeUpdateIn",
    responses={"200": "ChallengeOut"},
    errors=ALL_ERRORS,
    path_descriptions=CALL_ID,
)
def update_challenge(challenge_id):
    user = require_actor()
    data = _body(ChallengeUpdateIn)
    return jsonify(dump_call(challenges.update_call(user, challenge_id, data, partial=True), user))


@api_bp.post("/challenges/<int:challenge_id>/clarifications")
@operation(
    "发布补充说明（发榜单位、管理员；已发布、尚未定榜的榜单）：写入公开历史，并通知各揭榜单位",
    secured=True,
    body="ChallengeClarificationIn",
    responses={"201": json_of("ChallengeOut", "已发布")},
    errors=ALL_ERRORS,
    path_descriptions=CALL_ID,
)
def clarify_challenge(challenge_id):
    user = require_actor()
    challenges.clarify_call(user, challenge_id, _body(ChallengeClarificationIn))
    return jsonify(dump_call(challenges.get_challenge(user, challenge_id), user)), 201


@api_bp.post("/challenges/<int:challenge_id>/cancel")
@operation(
    "终止榜单（发榜单位、管理员；定榜前；需 reason）：通知各揭榜单位，原因不公开",
    secured=True,
    body="ChallengeCancelIn",
    responses={"200": "ChallengeOut"},
    errors=ALL_ERRORS,
    path_descriptions=CALL_ID,
)
def cancel_challenge(challenge_id):
    user = require_actor()
    return jsonify(dump_call(challenges.cancel_call(user, challenge_id, _body(ChallengeCancelIn)), user))


# ---- 揭榜 ------------------------------------------------------------------------------------------------


@api_bp.get("/challenges/<int:challenge_id>/applications")
@operation(
    "榜单的揭榜方案：发榜单位和管理员看到已提交的全部；揭榜单位只看到本单位的（含草稿）",
    secured=True,
    query=query_params(*PAGING),
    responses={"200": page_of("ChallengeApplicationOut")},
    errors=("403", "404"),
    path_descriptions=CALL_ID,
)
def list_challenge_applications(challenge_id):
    user = require_actor()
    page, per_page = paging()
    found = challenges.list_applications(user, challenge_id, page, per_page)
    return jsonify(page_envelope(found, lambda a: dump_application(a, user)))


@api_bp.post("/challenges/<int:challenge_id>/applications")
@operation(
    "揭榜（已认证的高校、科研院所、企业，符合榜单的单位类型和区域；征集期内；每个单位一份）：先存为草稿，"
    "上传方案 PDF（POST /challenge-applications/{id}/plan）后提交（…/submit）",
    secured=True,
    body="ChallengeApplicationIn",
    responses={"201": json_of("ChallengeApplicationOut", "已保存草稿")},
    errors=ALL_ERRORS,
    path_descriptions=CALL_ID,
)
def create_challenge_application(challenge_id):
    user = require_actor()
    application = challenges.create_application(user, challenge_id, _body(ChallengeApplicationIn))
    return jsonify(dump_application(application, user)), 201


@api_bp.get("/challenge-applications/<int:application_id>")
@operation(
    "揭榜方案（揭榜单位、发榜单位、管理员、已声明无利益冲突的评审专家）",
    secured=True,
    responses={"200": "ChallengeApplicationOut"},
    errors=("404",),
    path_descriptions=APPLICATION_ID,
)
def get_challenge_application(application_id):
    user = require_actor()
    return jsonify(dump_application(challenges.get_application(user, application_id), user))


@api_bp.patch("/challenge-applications/<int:application_id>")
@operation(
    "修改揭榜方案（揭榜单位；征集截止日当天及之前；只改所发字段）",
    secured=True,
    body="ChallengeApplicationUpdateIn",
    responses={"200": "ChallengeApplicationOut"},
    errors=ALL_ERRORS,
    path_descriptions=APPLICATION_ID,
)
def update_challenge_application(application_id):
    user = require_actor()
    data = _body(ChallengeApplicationUpdateIn)
    application = challenges.update_application(user, application_id, data, partial=True)
    return jsonify(dump_application(application, user))


def _no_body() -> None:
    if request.get_data(cache=True):
        reject_unknown_fields(json_body(), ())


@api_bp.post("/challenge-applications/<int:application_id>/submit")
@operation(
    "提交揭榜方案（草稿或已撤回的；需已上传方案 PDF、填写团队和每个里程碑的计划日期）：通知发榜单位",
    secured=True,
    responses={"200": "ChallengeApplicationOut"},
    errors=ALL_ERRORS,
    path_descriptions=APPLICATION_ID,
)
def submit_challenge_application(application_id):
    user = require_actor()
    _no_body()
    return jsonify(dump_application(challenges.submit_application(user, application_id), user))


@api_bp.post("/challenge-applications/<int:application_id>/withdraw")
@operation(
    "撤回揭榜方案（征集截止日当天及之前；撤回后仍可再次提交）",
    secured=True,
    responses={"200": "ChallengeApplicationOut"},
    errors=ALL_ERRORS,
    path_descriptions=APPLICATION_ID,
)
def withdraw_challenge_application(application_id):
    user = require_actor()
    _no_body()
    return jsonify(dump_application(challenges.withdraw_application(user, application_id), user))


@api_bp.post("/challenge-applications/<int:application_id>/plan")
@operation(
    "上传揭榜方案 PDF（揭榜单位；征集截止日当天及之前；替换之前上传的）",
    secured=True,
    body={"multipart/form-data": UPLOAD},
    responses={"201": json_of("ChallengeDocumentOut", "已上传")},
    errors=ALL_ERRORS,
    path_descriptions=APPLICATION_ID,
)
def upload_challenge_plan(application_id):
    user = require_actor()
    upload = request.files.get("file")
    content = upload.stream.read(MAX_DOCUMENT_BYTES + 1) if upload else b""
    document = challenges.upload_plan(user, application_id, upload.filename if upload else "", content)
    return jsonify(ChallengeDocumentOut().dump(document)), 201


@api_bp.get("/challenge-applications/<int:application_id>/plan")
@operation(
    "下载揭榜方案 PDF（能查看该方案的人）",
    secured=True,
    responses={"200": {"description": "PDF 文件", "content": PDF}},
    errors=("404",),
    path_descriptions=APPLICATION_ID,
)
def download_challenge_plan(application_id):
    user = require_actor()
    application = challenges.get_application(user, application_id)
    document = challenges.plan_document(application)
    if document is None:
        raise NotFound("尚未上传揭榜方案文件")
    document, path = challenges.get_document(user, document.id)
    return send_stored_file(
        path, "application/pdf", inline=False, download_name=document.filename, public=False
    )


@api_bp.get("/my/challenge-applications")
@operation(
    "本单位的揭榜方案（各种状态），最近修改的在前",
    secured=True,
    query=query_params(*PAGING),
    responses={"200": page_of("ChallengeApplicationOut")},
)
def list_my_challenge_applications():
    user = require_actor()
    page, per_page = paging()
    found = challenges.list_own_applications(user, page, per_page)
    return jsonify(page_envelope(found, lambda a: dump_application(a, user)))


# ---- 推荐与邀请 ------------------------------------------------------------------------------------------


@api_bp.get("/challenges/<int:challenge_id>/suggestions")
@operation(
    "推荐揭榜单位（发榜单位、管理员）：匹配引擎推荐的已发布成果，按单位归并，只含符合揭榜条件的单位；"
    "band 为“弱”的仅供参考",
    secured=True,
    query=query_params(("limit", "integer", "单位数，1–50，默认10", {"minimum": 1, "maximum": 50})),
    responses={"200": items_of("ChallengeSuggestionOut")},
    errors=("403", "404", "422"),
    path_descriptions=CALL_ID,
)
def list_challenge_suggestions(challenge_id):
    user = require_actor()
    _call, suggested = challenges.suggested_applicants(user, challenge_id, request.args.get("limit", 10))
    items = [
        {
            "organisation": OrganisationBrief().dump(entry.organisation),
            "band": entry.best.band,
            "invited": entry.invited,
            "applied": entry.applied,
            "results": [
                {"id": r.id, "title": r.title, "band": s.band, "score": s.score, "reasons": s.reasons}
                for r, s in entry.results
            ],
        }
        for entry in suggested
    ]
    return jsonify({"items": items})


@api_bp.get("/challenges/<int:challenge_id>/invitations")
@operation(
    "榜单发出的揭榜邀请（发榜单位、管理员），最新在前",
    secured=True,
    query=query_params(*PAGING),
    responses={"200": page_of("ChallengeInvitationOut")},
    errors=("403", "404"),
    path_descriptions=CALL_ID,
)
def list_challenge_invitations(challenge_id):
    user = require_actor()
    page, per_page = paging()
    found = challenges.list_invitations(user, challenge_id, page, per_page)
    return jsonify(page_envelope(found, ChallengeInvitationOut().dump))


@api_bp.post("/challenges/<int:challenge_id>/invitations")
@operation(
    "邀请单位揭榜（发榜单位、管理员；已发布且仍在征集的榜单；每个单位一次）：通知该单位的用户",
    secured=True,
    body="ChallengeInvitationIn",
    responses={"201": json_of("ChallengeInvitationOut", "已邀请")},
    errors=ALL_ERRORS,
    path_descriptions=CALL_ID,
)
def create_challenge_invitation(challenge_id):
    user = require_actor()
    invitation = challenges.invite(user, challenge_id, _body(ChallengeInvitationIn))
    return jsonify(ChallengeInvitationOut().dump(invitation)), 201


@api_bp.get("/my/challenge-invitations")
@operation(
    "本单位收到的揭榜邀请，最新在前",
    secured=True,
    query=query_params(*PAGING),
    responses={"200": page_of("ChallengeInvitationOut")},
)
def list_my_challenge_invitations():
    user = require_actor()
    page, per_page = paging()
    found = challenges.received_invitations(user, page, per_page)
    return jsonify(page_envelope(found, lambda pair: ChallengeInvitationOut().dump(pair[0])))
