"""The PDFs of the programme (揭榜方案 now; progress reports and acceptance material use the same rows):
checked uploads kept beside their row under the instance folder (services/uploads), fetched only by those
who may see the application they belong to."""

from pathlib import Path

from sqlalchemy import select

from market.errors import NotFound, ValidationFailed
from market.extensions import db
from market.models.challenge_application import ChallengeApplication, ChallengeDocument
from market.services import audit, uploads
from market.services.base import parse_row_id
from market.services.challenges.access import can_view_application

AREA = "challenges"  # the folder under the attachment root (market/storage.py)
MAX_DOCUMENT_BYTES = uploads.MAX_FILE_BYTES


def check_pdf(filename: str | None, content: bytes | None, field: str = "plan_file") -> str:
    """The display name of a PDF upload, or ValidationFailed on `field` (judged by size and first bytes)."""
    name = uploads.clean_filename(filename, "揭榜方案.pdf")
    if not content:
        raise ValidationFailed({field: "请选择要上传的 PDF 文件"})
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed({field: uploads.too_large_message(MAX_DOCUMENT_BYTES)})
    if not uploads.is_pdf(content) or not name.lower().endswith(".pdf"):
        raise ValidationFailed({field: "只接受 PDF 文件"})
    return name


def plan_document(application: ChallengeApplication) -> ChallengeDocument | None:
    """The application's 揭榜方案 PDF, if one was uploaded."""
    return db.session.scalar(
        select(ChallengeDocument).where(
            ChallengeDocument.application_id == application.id, ChallengeDocument.purpose == "plan"
        )
    )


def store_plan(actor, application: ChallengeApplication, filename: str | None, content: bytes | None):
    """Keep the application's plan PDF (replacing the one before) within the caller's unit of work."""
    name = check_pdf(filename, content)
    previous = plan_document(application)
    stored = uploads.new_stored_name(".pdf")
    uploads.keep_file(AREA, stored, content)
    document = ChallengeDocument(
        application_id=application.id,
        purpose="plan",
        filename=name,
        stored_name=stored,
        size=len(content),
        sha256=uploads.sha256(content),
        uploaded_by_id=actor.id,
    )
    if previous is not None:
        uploads.discard_file(AREA, previous.stored_name)  # once the commit is done
        db.session.delete(previous)
    db.session.add(document)
    db.session.flush()
    audit.record(
        actor,
        "challenge.upload_plan",
        "challenge_application",
        application.id,
        {"file": name, "size": len(content), "sha256": document.sha256},
    )
    return document


def get_document(actor, document_id) -> tuple[ChallengeDocument, Path]:
    """A document and its file, for those who may see its application (everyone else: 404)."""
    row_id = parse_row_id(document_id)
    document = db.session.get(ChallengeDocument, row_id) if row_id else None
    application = db.session.get(ChallengeApplication, document.application_id) if document else None
    if application is None or not can_view_application(actor, application):
        raise NotFound("该文件不存在")
    path = uploads.file_path(AREA, document.stored_name)
    if not path.is_file():
        raise NotFound("该文件不存在")
    return document, path
