"""Administration over JSON: organisations, users, the field taxonomy, settings, the audit trail, the review
queue.

The services check that the actor is an admin; handlers only ask for a token first (401 before 403).
"""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import (
    json_body,
    optional_json_body,
    page_envelope,
    paging,
    reject_unknown_fields,
    require_actor,
)
from market.api.docs import (
    ALL_ERRORS,
    PAGING,
    items_of,
    json_of,
    object_of,
    operation,
    page_of,
    query_params,
    ref,
)
from market.api.listings import COLLECTIONS, LISTING_COLLECTIONS, dump_listing
from market.schemas import (
    AuditEntryOut,
    DecisionIn,
    EventJobOut,
    FieldIn,
    FieldOut,
    FieldUpdateIn,
    OrganisationAdminOut,
    OrganisationUpdateIn,
    SettingsIn,
    SettingsOut,
    UserOut,
    UserUpdateIn,
)
from market.services import (
    accounts,
    audit_log,
    event_jobs,
    listings,
    mailbox,
    organisations,
    settings,
    taxonomy,
)

DECISIONS = {"verify": "认证通过", "reject": "认证不通过（需 note）"}  # as the document names them
JOB_COUNTS = ("pending", "due", "parked", "oldest_pending_seconds")
JOBS_PAGE = {
    "type": "object",
    "required": ["items", "meta"],
    "properties": {
        "items": {"type": "array", "items": ref("EventJobOut")},
        "meta": {
            "type": "object",
            "required": ["page", "per_page", "total", "counts"],
            "properties": {
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
                "counts": {
                    "type": "object",
                    "properties": {name: {"type": "integer"} for name in JOB_COUNTS},
                },
            },
        },
    },
}


def _body(schema) -> dict:
    data = json_body()
    reject_unknown_fields(data, schema().fields)
    return data


# ---- organisations ---------------------------------------------------------------------------------


@api_bp.get("/organisations")
@operation(
    "单位列表（管理员；待认证的排在前面）",
    secured=True,
    query=query_params(("state", "string", "pending / verified / rejected；不填为全部"), *PAGING),
    responses={"200": page_of("OrganisationAdminOut")},
    errors=("403",),
)
def list_organisations():
    result = organisations.list_organisations(require_actor(), request.args.get("state", ""), *paging())
    return jsonify(page_envelope(result, OrganisationAdminOut().dump))


@api_bp.patch("/organisations/<int:org_id>")
@operation(
    "修改单位资料（管理员）",
    secured=True,
    body="OrganisationUpdateIn",
    responses={"200": "OrganisationAdminOut"},
    errors=("403", "404", "422"),
)
def update_organisation(org_id):
    user = require_actor()
    org = organisations.update_organisation_profile(user, org_id, _body(OrganisationUpdateIn))
    return jsonify(OrganisationAdminOut().dump(org))


@api_bp.post("/organisations/<int:org_id>/<any(verify, reject):decision>")
@operation(
    secured=True,
    body="DecisionIn",
    body_required=False,
    responses={"200": "OrganisationAdminOut"},
    errors=ALL_ERRORS,
    vary=lambda decision: {"summary": f"单位{DECISIONS[decision]}（管理员）"},
)
def decide_organisation(org_id, decision):
    user = require_actor()
    data = optional_json_body()
    reject_unknown_fields(data, DecisionIn().fields)
    org = organisations.decide_verification(user, org_id, decision == "verify", data.get("note"))
    return jsonify(OrganisationAdminOut().dump(org))


# ---- users -----------------------------------------------------------------------------------------


@api_bp.get("/users")
@operation(
    "用户列表（管理员）",
    secured=True,
    query=query_params(
        ("q", "string", "邮箱、姓名或单位名称包含的文字"),
        ("role", "string", "university / enterprise / broker / admin"),
        *PAGING,
    ),
    responses={"200": page_of("UserOut")},
    errors=("403",),
)
def list_users():
    result = accounts.list_users(
        require_actor(), request.args.get("q", ""), request.args.get("role", ""), *paging()
    )
    return jsonify(page_envelope(result, UserOut().dump))


@api_bp.patch("/users/<int:user_id>")
@operation(
    "修改用户身份或停用/恢复（管理员，不能改自己）",
    secured=True,
    body="UserUpdateIn",
    responses={"200": "UserOut"},
    errors=("403", "404", "422"),
)
def update_user(user_id):
    user = require_actor()
    return jsonify(UserOut().dump(accounts.update_user(user, user_id, _body(UserUpdateIn))))


@api_bp.post("/users/<int:user_id>/sign-out")
@operation(
    "让该用户在所有设备上退出登录并作废其 API 令牌（管理员）",
    secured=True,
    responses={"200": "UserOut"},
    errors=("403", "404"),
)
def sign_out_user(user_id):
    """End every session of the user and revoke their API tokens."""
    return jsonify(UserOut().dump(accounts.sign_out_everywhere(require_actor(), user_id)))


# ---- mail kept instead of sent (no SMTP configured) --------------------------------------------------


@api_bp.get("/admin/mail")
@operation(
    "未配置 SMTP 时保存在本机的邮件，最新的 100 封（管理员）",
    secured=True,
    responses={"200": items_of("KeptMailOut")},
    errors=("403",),
)
def list_kept_mail():
    return jsonify({"items": [_mail(m) for m in mailbox.kept_mail(require_actor())]})


@api_bp.get("/admin/mail/<name>")
@operation(
    "一封保存在本机的邮件（管理员）",
    secured=True,
    responses={"200": "KeptMailOut"},
    errors=("403", "404"),
    path_descriptions={"id": "邮件的文件名"},
)
def get_kept_mail(name):
    return jsonify(_mail(mailbox.kept_message(require_actor(), name)))


def _mail(message) -> dict:
    return {
        "name": message.name,
        "to": message.to,
        "subject": message.subject,
        "body": message.body,
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
    }


# ---- technical fields (GET /fields is in listings.py) ---------------------------------------------


@api_bp.post("/fields")
@operation(
    "新增技术领域（管理员）",
    secured=True,
    body="FieldIn",
    responses={"201": json_of("FieldOut", "已创建")},
    errors=("403", "422"),
)
def create_field():
    user = require_actor()
    return jsonify(FieldOut().dump(taxonomy.create_field(user, _body(FieldIn)))), 201


@api_bp.patch("/fields/<int:field_id>")
@operation(
    "修改技术领域：名称、排序、停用/启用（管理员）",
    secured=True,
    body="FieldUpdateIn",
    responses={"200": "FieldOut"},
    errors=("403", "404", "422"),
)
def update_field(field_id):
    user = require_actor()
    return jsonify(FieldOut().dump(taxonomy.update_field(user, field_id, _body(FieldUpdateIn))))


# ---- settings, audit trail, review queue -----------------------------------------------------------


@api_bp.get("/settings")
@operation("平台设置（管理员）", secured=True, responses={"200": "SettingsOut"}, errors=("403",))
def get_settings():
    return jsonify(SettingsOut().dump(settings.get_settings(require_actor())))


@api_bp.put("/settings")
@operation(
    "修改平台设置（管理员）",
    secured=True,
    body="SettingsIn",
    responses={"200": "SettingsOut"},
    errors=("403", "422"),
)
def update_settings():
    user = require_actor()
    return jsonify(SettingsOut().dump(settings.update_settings(user, _body(SettingsIn))))


@api_bp.get("/audit")
@operation(
    "操作日志（管理员，最新在前）：action_label 为操作的中文名，"
    "readable_changes 为逐字段的原值、新值（文字）；changes 为原始记录",
    secured=True,
    query=query_params(("type", "string", "对象类型，如 organisation、user、achievement、setting"), *PAGING),
    responses={"200": page_of("AuditEntryOut")},
    errors=("403",),
)
def list_audit_entries():
    result = audit_log.list_audit_entries(require_actor(), request.args.get("type", ""), *paging())
    return jsonify(page_envelope(result, AuditEntryOut().dump))


@api_bp.get("/review/<any(achievements, demands, equipment):collection>")
@operation(
    secured=True,
    query=query_params(*PAGING),
    errors=("403",),
    vary=lambda collection: {
        "summary": f"待审核的{LISTING_COLLECTIONS[collection][2]}（管理员，最早提交的在前；"
        f"审核用 POST /{collection}/{{id}}/approve|reject）",
        "responses": {"200": page_of(LISTING_COLLECTIONS[collection][0])},
    },
)
def list_review_queue(collection):
    user = require_actor()
    result = listings.review_queue(user, COLLECTIONS[collection], *paging())
    return jsonify(page_envelope(result, lambda listing: dump_listing(listing, user)))


# ---- the worker's jobs --------------------------------------------------------------------------------


@api_bp.get("/admin/jobs")
@operation(
    "后台任务（管理员）：默认列出多次失败后被搁置的任务；meta.counts 为各状态数量",
    secured=True,
    query=query_params(("status", "string", "parked（默认）/ pending / done"), *PAGING),
    responses={"200": object_of(JOBS_PAGE)},
    errors=("403",),
)
def list_event_jobs():
    result = event_jobs.list_jobs(require_actor(), request.args.get("status", "parked"), *paging())
    envelope = page_envelope(result, EventJobOut().dump)
    envelope["meta"]["counts"] = event_jobs.job_counts()
    return jsonify(envelope)


@api_bp.post("/admin/jobs/<int:job_id>/retry")
@operation(
    "重试一个已搁置的后台任务（管理员）",
    secured=True,
    responses={"200": "EventJobOut"},
    errors=("403", "404", "409"),
)
def retry_event_job(job_id):
    return jsonify(EventJobOut().dump(event_jobs.retry_job(require_actor(), job_id)))
