"""Technology contracts over JSON, with the same rules as the pages.

A token is asked for first (401); the services then decide: a contract the actor may not see is 404,
an action they may not take 403, a step the status does not allow 409.
"""

from flask import jsonify, request, send_file

from market.api.blueprint import api_bp
from market.api.common import (
    json_body,
    optional_json_body,
    page_envelope,
    paging,
    reject_unknown_fields,
    require_actor,
)
from market.api.docs import ALL_ERRORS, PAGING, items_of, json_of, operation, page_of, query_params
from market.schemas import (
    ContractAttachmentOut,
    ContractCorrectionIn,
    ContractHistoryOut,
    ContractIn,
    ContractOut,
    ContractRegistrationIn,
    ContractReturnIn,
)
from market.services import contracts

PDF_FILE = {"type": "string", "format": "binary", "description": "PDF 文件，最大 10 MB"}
UPLOAD = {"type": "object", "required": ["file"], "properties": {"file": PDF_FILE}}
CORRECTION_UPLOAD = {
    "type": "object",
    "required": ["file", "reason"],
    "properties": {
        "file": PDF_FILE,
        "reason": {
            "type": "string",
            "maxLength": contracts.MAX_CORRECTION_REASON,
            "description": "更正原因，必填，最多500字；与文件一起保存（附件的 correction），"
            "并记入合同历史和操作日志",
        },
    },
}


def _body(schema) -> dict:
    data = json_body()
    reject_unknown_fields(data, schema().fields)
    return data


def _dump(contract) -> dict:
    return ContractOut().dump(contract)


@api_bp.get("/contracts")
@operation(
    "我可以查看的技术合同（当事方、其经纪人；管理员全部；政府观察员仅已登记的），签订日期新的在前",
    secured=True,
    query=query_params(
        ("status", "string", "draft 草稿 / submitted 待登记 / returned 已退回 / registered 已登记"),
        ("type", "string", "合同类型：development / transfer / licence / consulting / service"),
        ("field", "string", "技术领域"),
        ("from", "string", "签订日期起 YYYY-MM-DD"),
        ("to", "string", "签订日期止 YYYY-MM-DD"),
        ("q", "string", "合同名称、合同编号或登记编号包含的文字"),
        *PAGING,
    ),
    responses={"200": page_of("ContractOut")},
)
def list_contracts():
    user = require_actor()
    page, per_page = paging()
    return jsonify(page_envelope(contracts.list_contracts(user, request.args, page, per_page), _dump))


@api_bp.post("/contracts")
@operation(
    "登记合同草稿（已认证机构的用户、技术经纪人、管理员；本机构须是买方或卖方，经纪人须是本人经办）",
    secured=True,
    body="ContractIn",
    responses={"201": json_of("ContractOut", "已创建")},
    errors=("403", "422"),
)
def create_contract():
    user = require_actor()
    return jsonify(_dump(contracts.create_contract(user, _body(ContractIn)))), 201


@api_bp.get("/contracts/<int:contract_id>")
@operation("合同详情", secured=True, responses={"200": "ContractOut"}, errors=("404",))
def get_contract(contract_id):
    return jsonify(_dump(contracts.get_contract(require_actor(), contract_id)))


@api_bp.patch("/contracts/<int:contract_id>")
@operation(
    "修改草稿或已退回的合同（部分字段；已登记的合同请用 /correct）",
    secured=True,
    body="ContractIn",
    responses={"200": "ContractOut"},
    errors=ALL_ERRORS,
)
def update_contract(contract_id):
    user = require_actor()
    return jsonify(_dump(contracts.update_contract(user, contract_id, _body(ContractIn))))


@api_bp.delete("/contracts/<int:contract_id>")
@operation(
    "删除草稿（提交过的合同保留记录）",
    secured=True,
    responses={"204": {"description": "已删除"}},
    errors=("403", "404", "409"),
)
def delete_contract(contract_id):
    contracts.delete_contract(require_actor(), contract_id)
    return "", 204


# ---- registration workflow ---------------------------------------------------------------------------


@api_bp.post("/contracts/<int:contract_id>/submit")
@operation(
    "提交登记（当事方、其技术经纪人或管理员；草稿或已退回的合同）",
    secured=True,
    responses={"200": "ContractOut"},
    errors=ALL_ERRORS,
)
def submit_contract(contract_id):
    user = require_actor()
    reject_unknown_fields(optional_json_body(), ())
    return jsonify(_dump(contracts.submit_contract(user, contract_id)))


@api_bp.post("/contracts/<int:contract_id>/register")
@operation(
    "登记（管理员）：核定技术交易额，分配或填写登记编号",
    secured=True,
    body="ContractRegistrationIn",
    responses={"200": "ContractOut"},
    errors=ALL_ERRORS,
)
def register_contract(contract_id):
    user = require_actor()
    return jsonify(_dump(contracts.register_contract(user, contract_id, _body(ContractRegistrationIn))))


@api_bp.post("/contracts/<int:contract_id>/return")
@operation(
    "退回待登记的合同（管理员，需原因）",
    secured=True,
    body="ContractReturnIn",
    responses={"200": "ContractOut"},
    errors=ALL_ERRORS,
)
def return_contract(contract_id):
    user = require_actor()
    data = _body(ContractReturnIn)
    return jsonify(_dump(contracts.return_contract(user, contract_id, data.get("reason"))))


@api_bp.post("/contracts/<int:contract_id>/correct")
@operation(
    "更正已登记的合同（管理员，需原因；旧值记入合同历史）",
    secured=True,
    body="ContractCorrectionIn",
    responses={"200": "ContractOut"},
    errors=ALL_ERRORS,
)
def correct_contract(contract_id):
    user = require_actor()
    data = _body(ContractCorrectionIn)
    reason = data.pop("reason", None)
    return jsonify(_dump(contracts.correct_contract(user, contract_id, data, reason)))


@api_bp.get("/contracts/<int:contract_id>/history")
@operation(
    "合同历史：登记流程各步骤、修改和更正（最新在前）",
    secured=True,
    responses={"200": items_of("ContractHistoryOut")},
    errors=("404",),
)
def list_contract_history(contract_id):
    entries = contracts.contract_history(require_actor(), contract_id)
    return jsonify({"items": ContractHistoryOut(many=True).dump(entries)})


# ---- attachments (PDF scans) ---------------------------------------------------------------------------


@api_bp.post("/contracts/<int:contract_id>/attachments")
@operation(
    "上传合同扫描件（PDF；当事方、其经纪人或管理员，仅限登记前；每份合同最多10个）。"
    "已登记的合同不能直接上传（管理员 409），请用 POST /contracts/{id}/correct/attachments",
    secured=True,
    body={"multipart/form-data": UPLOAD},
    responses={"201": json_of("ContractAttachmentOut", "已上传")},
    errors=ALL_ERRORS,
)
def add_contract_attachment(contract_id):
    user = require_actor()
    upload = request.files.get("file")
    # One byte past the limit is enough for the service to refuse an oversized file without reading it all.
    content = upload.stream.read(contracts.MAX_ATTACHMENT_BYTES + 1) if upload else b""
    attachment = contracts.add_attachment(user, contract_id, upload.filename if upload else "", content)
    return jsonify(ContractAttachmentOut().dump(attachment)), 201


@api_bp.post("/contracts/<int:contract_id>/correct/attachments")
@operation(
    "更正：为已登记的合同补充附件（管理员，须填更正原因；未登记的合同 409）",
    secured=True,
    body={"multipart/form-data": CORRECTION_UPLOAD},
    responses={"201": json_of("ContractAttachmentOut", "已补充")},
    errors=ALL_ERRORS,
)
def add_contract_attachment_correction(contract_id):
    user = require_actor()
    upload = request.files.get("file")
    content = upload.stream.read(contracts.MAX_ATTACHMENT_BYTES + 1) if upload else b""
    attachment = contracts.add_attachment_correction(
        user, contract_id, upload.filename if upload else "", content, request.form.get("reason")
    )
    return jsonify(ContractAttachmentOut().dump(attachment)), 201


@api_bp.get("/contracts/<int:contract_id>/attachments/<int:attachment_id>")
@operation(
    "下载合同扫描件",
    secured=True,
    responses={
        "200": {
            "description": "PDF 文件",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    errors=("404",),
)
def get_contract_attachment(contract_id, attachment_id):
    attachment, path = contracts.get_attachment(require_actor(), contract_id, attachment_id)
    response = send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=attachment.filename, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@api_bp.delete("/contracts/<int:contract_id>/attachments/<int:attachment_id>")
@operation(
    "删除合同扫描件（当事方在登记前，或管理员在登记前）；已登记合同的附件任何人都不能删除（409）",
    secured=True,
    responses={"204": {"description": "已删除"}},
    errors=("403", "404", "409"),
)
def delete_contract_attachment(contract_id, attachment_id):
    contracts.delete_attachment(require_actor(), contract_id, attachment_id)
    return "", 204
