"""A contract's files: checked uploads, kept beside the row; a registered contract's files are never deleted
and are added only by a correction with its reason."""

from pathlib import Path

from market.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.contracts import AttachmentCorrectionIn
from market.models.contract import Contract, ContractAttachment
from market.services import audit, uploads
from market.services.base import parse_row_id, unit_of_work
from market.services.contracts.queries import get_contract
from market.services.contracts.rules import EDITABLE, is_party
from market.services.permissions import is_admin, require_admin

MAX_ATTACHMENT_BYTES = uploads.MAX_FILE_BYTES
AREA = "contracts"  # the folder under the attachment root (market/storage.py)


MAX_ATTACHMENTS = 10


REGISTERED_ATTACHMENTS_STAY = (
    "已登记合同的附件不能删除（任何人，包括管理员）：登记材料须与登记时一致；"
    "如有错漏，请由管理员通过更正补充附件并填写更正原因"
)


def _attachment_path(stored_name: str) -> Path:
    return uploads.file_path(AREA, stored_name)


def _lock(contract: Contract) -> None:
    """Re-read the contract under a row lock: a registration committing meanwhile is seen before files change
    (PostgreSQL; SQLite runs one writer at a time)."""
    db.session.refresh(contract, with_for_update=True)


def _clean_upload(filename: str, content: bytes | None, contract: Contract) -> tuple[str, dict]:
    """The display name of an upload and what is wrong with it (checked by size and first bytes, not by
    name)."""
    name = uploads.clean_filename(filename, "合同扫描件.pdf")
    if content is None or len(content) == 0:
        return name, {"file": "请选择要上传的文件"}
    if len(content) > MAX_ATTACHMENT_BYTES:
        return name, {"file": uploads.too_large_message(MAX_ATTACHMENT_BYTES)}
    if not uploads.is_pdf(content) or not name.lower().endswith(".pdf"):
        return name, {"file": "只接受 PDF 文件（合同扫描件）"}
    if len(contract.attachments) >= MAX_ATTACHMENTS:
        return name, {"file": f"每份合同最多 {MAX_ATTACHMENTS} 个附件"}
    return name, {}


def _store_attachment(
    actor, contract: Contract, name: str, content: bytes, reason: str | None
) -> ContractAttachment:
    """Write the file and its row (no file without its row: a rollback removes it)."""
    stored = uploads.new_stored_name(".pdf")
    uploads.keep_file(AREA, stored, content)
    attachment = ContractAttachment(
        contract_id=contract.id,
        filename=name,
        stored_name=stored,
        size=len(content),
        sha256=uploads.sha256(content),
        uploaded_by_id=actor.id,
        correction_reason=reason,
    )
    db.session.add(attachment)
    db.session.flush()
    if reason is None:
        audit.record(actor, "contract.attach", "contract", contract.id, {"file": name, "size": len(content)})
    else:
        audit.record(
            actor,
            "contract.attach_correction",
            "contract",
            contract.id,
            {"file": name, "size": len(content), "sha256": attachment.sha256, "reason": reason},
        )
    return attachment


@unit_of_work
def add_attachment(actor, contract_id, filename: str, content: bytes) -> ContractAttachment:
    """Store a PDF scan of a contract that is not registered yet (a registered one takes files only by
    correction)."""
    contract = get_contract(actor, contract_id)
    if not (is_admin(actor) or (is_party(actor, contract) and contract.status != "registered")):
        raise PermissionDenied("只有合同当事方、其技术经纪人（登记前）或管理员可以上传附件")
    _lock(contract)
    if contract.status == "registered":
        raise InvalidTransition("已登记的合同不能直接上传附件：请通过更正补充附件，并填写更正原因")
    name, errors = _clean_upload(filename, content, contract)
    if errors:
        raise ValidationFailed(errors)
    return _store_attachment(actor, contract, name, content, None)


@unit_of_work
def add_attachment_correction(
    actor, contract_id, filename: str, content: bytes, reason
) -> ContractAttachment:
    """An admin adds a PDF to a registered contract as a correction; the reason stays with the file and in the
    log."""
    require_admin(actor)
    contract = get_contract(actor, contract_id)
    if contract.status != "registered":
        raise InvalidTransition("只有已登记的合同需要通过更正补充附件；未登记的合同请直接上传")
    reason_errors = {}
    values = AttachmentCorrectionIn.clean({"reason": reason}, errors=reason_errors)
    name, errors = _clean_upload(filename, content, contract)
    if errors or reason_errors:
        raise ValidationFailed({**reason_errors, **errors})
    return _store_attachment(actor, contract, name, content, values["reason"])


def get_attachment(actor, contract_id, attachment_id) -> tuple[ContractAttachment, Path]:
    """An attachment of a contract the actor may see, with the path of its file."""
    contract = get_contract(actor, contract_id)
    row_id = parse_row_id(attachment_id)
    attachment = db.session.get(ContractAttachment, row_id) if row_id else None
    if attachment is None or attachment.contract_id != contract.id:
        raise NotFound("该附件不存在")
    path = _attachment_path(attachment.stored_name)
    if not path.is_file():
        raise NotFound("附件文件已丢失，请重新上传")
    return attachment, path


@unit_of_work
def delete_attachment(actor, contract_id, attachment_id) -> None:
    """Remove an attachment from a contract that is not registered yet; nobody, admins included, removes one
    after."""
    contract = get_contract(actor, contract_id)
    if not (is_admin(actor) or is_party(actor, contract)):
        raise PermissionDenied("只有合同当事方在登记前或管理员可以删除附件")
    _lock(contract)
    if contract.status == "registered":
        raise InvalidTransition(REGISTERED_ATTACHMENTS_STAY)
    if not (is_admin(actor) or contract.status in EDITABLE):
        raise PermissionDenied("只有合同当事方在登记前或管理员可以删除附件")
    row_id = parse_row_id(attachment_id)
    attachment = db.session.get(ContractAttachment, row_id) if row_id else None
    if attachment is None or attachment.contract_id != contract.id:
        raise NotFound("该附件不存在")
    audit.record(actor, "contract.detach", "contract", contract.id, {"file": attachment.filename})
    stored = attachment.stored_name
    db.session.delete(attachment)
    db.session.flush()
    uploads.discard_file(AREA, stored)  # a rolled-back delete keeps its file
