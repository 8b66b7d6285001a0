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


def _body(schema) -> dict:
    data = json_body()
    reject_unknown_fields(data, schema().fields)
    return data


def _dump(contract) -> dict:
    return ContractOut().dump(contract)


@api_bp.get("/contracts")
def list_contracts():
    user = require_actor()
    page, per_page = paging()
    return jsonify(page_envelope(contracts.list_contracts(user, request.args, page, per_page), _dump))


@api_bp.post("/contracts")
def create_contract():
    user = require_actor()
    return jsonify(_dump(contracts.create_contract(user, _body(ContractIn)))), 201


@api_bp.get("/contracts/<int:contract_id>")
def get_contract(contract_id):
    return jsonify(_dump(contracts.get_contract(require_actor(), contract_id)))


@api_bp.patch("/contracts/<int:contract_id>")
def update_contract(contract_id):
    user = require_actor()
    return jsonify(_dump(contracts.update_contract(user, contract_id, _body(ContractIn))))


@api_bp.delete("/contracts/<int:contract_id>")
def delete_contract(contract_id):
    contracts.delete_contract(require_actor(), contract_id)
    return "", 204


# ---- registration workflow ---------------------------------------------------------------------------


@api_bp.post("/contracts/<int:contract_id>/submit")
def submit_contract(contract_id):
    user = require_actor()
    reject_unknown_fields(optional_json_body(), ())
    return jsonify(_dump(contracts.submit_contract(user, contract_id)))


@api_bp.post("/contracts/<int:contract_id>/register")
def register_contract(contract_id):
    user = require_actor()
    return jsonify(_dump(contracts.register_contract(user, contract_id, _body(ContractRegistrationIn))))


@api_bp.post("/contracts/<int:contract_id>/return")
def return_contract(contract_id):
    user = require_actor()
    data = _body(ContractReturnIn)
    return jsonify(_dump(contracts.return_contract(user, contract_id, data.get("reason"))))


@api_bp.post("/contracts/<int:contract_id>/correct")
def correct_contract(contract_id):
    user = require_actor()
    data = _body(ContractCorrectionIn)
    reason = data.pop("reason", None)
    return jsonify(_dump(contracts.correct_contract(user, contract_id, data, reason)))


@api_bp.get("/contracts/<int:contract_id>/history")
def list_contract_history(contract_id):
    entries = contracts.contract_history(require_actor(), contract_id)
    return jsonify({"items": ContractHistoryOut(many=True).dump(entries)})


# ---- attachments (PDF scans) ---------------------------------------------------------------------------


@api_bp.post("/contracts/<int:contract_id>/attachments")
def add_contract_attachment(contract_id):
    user = require_actor()
    upload = request.files.get("file")
    # One byte past the limit is enough for the service to refuse an oversized file without reading it all.
    content = upload.stream.read(contracts.MAX_ATTACHMENT_BYTES + 1) if upload else b""
    attachment = contracts.add_attachment(user, contract_id, upload.filename if upload else "", content)
    return jsonify(ContractAttachmentOut().dump(attachment)), 201


@api_bp.post("/contracts/<int:contract_id>/correct/attachments")
def add_contract_attachment_correction(contract_id):
    user = require_actor()
    upload = request.files.get("file")
    content = upload.stream.read(contracts.MAX_ATTACHMENT_BYTES + 1) if upload else b""
    attachment = contracts.add_attachment_correction(
        user, contract_id, upload.filename if upload else "", content, request.form.get("reason")
    )
    return jsonify(ContractAttachmentOut().dump(attachment)), 201


@api_bp.get("/contracts/<int:contract_id>/attachments/<int:attachment_id>")
def get_contract_attachment(contract_id, attachment_id):
    attachment, path = contracts.get_attachment(require_actor(), contract_id, attachment_id)
    response = send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=attachment.filename, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@api_bp.delete("/contracts/<int:contract_id>/attachments/<int:attachment_id>")
def delete_contract_attachment(contract_id, attachment_id):
    contracts.delete_attachment(require_actor(), contract_id, attachment_id)
    return "", 204
