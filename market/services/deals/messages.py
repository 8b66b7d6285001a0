"""A deal's thread: messages with checked attachments, and the broker's notes."""

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from market.errors import NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.deals import DealMessageIn, DealNoteIn
from market.models.deal import DealMessage
from market.models.vocab import DEAL_NOTE_KINDS
from market.services import audit, uploads
from market.services.base import parse_row_id, unit_of_work
from market.services.deals.access import can_act, get_deal, is_deal_broker
from market.services.deals.activity import _announce, _record
from market.services.permissions import is_admin

MAX_FILE_BYTES = uploads.MAX_FILE_BYTES
AREA = "deals"  # the folder under the attachment root (market/storage.py)


# First bytes of the file types a deal's thread accepts: PDF, PNG, JPEG, Office documents (zip), plain text.
FILE_SIGNATURES = {
    ".pdf": (uploads.PDF_SIGNATURE,),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".txt": (),
}


def _check_file(filename: str, content: bytes) -> tuple[str, str]:
    name = uploads.clean_filename(filename)
    extension = Path(name).suffix.lower()
    if extension not in FILE_SIGNATURES:
        raise ValidationFailed(
            {"file": "附件只接受 PDF、PNG、JPG、Word/Excel/PPT（docx/xlsx/pptx）或 txt 文件"}
        )
    if len(content) > MAX_FILE_BYTES:
        raise ValidationFailed({"file": uploads.too_large_message(MAX_FILE_BYTES, "附件")})
    signatures = FILE_SIGNATURES[extension]
    if signatures and not content.startswith(signatures):
        raise ValidationFailed({"file": "文件内容与扩展名不符"})
    if extension == ".txt" and b"\x00" in content:
        raise ValidationFailed({"file": "文件内容与扩展名不符"})
    return name, uploads.new_stored_name(extension)


@unit_of_work
def post_message(
    actor, deal_id, body: str, filename: str | None = None, content: bytes | None = None
) -> DealMessage:
    """A message (and optionally a file) in the deal's thread; the others are notified."""
    deal = get_deal(actor, deal_id)
    if not can_act(actor, deal):
        raise PermissionDenied("只有对接双方、技术经纪人或管理员可以留言")
    values = DealMessageIn.clean({"body": body})
    has_file = bool(content)
    if filename and content is not None and not content:
        raise ValidationFailed({"file": "文件为空，请重新选择"})
    if not values.get("body") and not has_file:
        raise ValidationFailed({"body": "请填写留言或选择附件"})
    message = DealMessage(deal_id=deal.id, author_id=actor.id, kind="message", body=values.get("body") or "")
    if has_file:
        name, stored = _check_file(filename, content)
        uploads.keep_file(AREA, stored, content)
        message.filename, message.stored_name, message.size = name, stored, len(content)
    db.session.add(message)
    db.session.flush()
    _record(deal, "message", actor)
    audit.record(
        actor,
        "deal.message",
        "deal",
        deal.id,
        {
            "message_id": message.id,
            "file": message.filename,
            "sha256": uploads.sha256(content) if has_file else None,
        },
    )
    _announce("deal.message_posted", deal, actor, f"对接“{deal.title[:40]}”有新留言")
    return message


@unit_of_work
def add_note(actor, deal_id, kind: str, body: str) -> DealMessage:
    """The broker's one-click note of a call or meeting (seen by the broker and admins only)."""
    deal = get_deal(actor, deal_id)
    if not (is_deal_broker(actor, deal) or is_admin(actor)):
        raise PermissionDenied("只有该对接的技术经纪人可以记录沟通")
    values = DealNoteIn.clean({"kind": kind, "body": body})
    note = DealMessage(
        deal_id=deal.id,
        author_id=actor.id,
        kind=values["kind"],
        body=values.get("body") or DEAL_NOTE_KINDS[values["kind"]],
    )
    db.session.add(note)
    db.session.flush()
    _record(deal, "note", actor)
    return note


def thread(actor, deal_id) -> list[DealMessage]:
    """The deal's messages, oldest first; brokers' notes only for the broker and admins."""
    deal = get_deal(actor, deal_id)
    query = (
        select(DealMessage).where(DealMessage.deal_id == deal.id).options(selectinload(DealMessage.author))
    )
    if not (is_deal_broker(actor, deal) or is_admin(actor)):
        query = query.where(DealMessage.kind == "message")
    return list(db.session.scalars(query.order_by(DealMessage.created_at, DealMessage.id)))


def message_file(actor, deal_id, message_id) -> tuple[DealMessage, Path]:
    """A file posted in a deal the actor takes part in."""
    deal = get_deal(actor, deal_id)
    row_id = parse_row_id(message_id)
    message = db.session.get(DealMessage, row_id) if row_id else None
    if message is None or message.deal_id != deal.id or not message.stored_name or message.kind != "message":
        raise NotFound("该附件不存在")
    path = uploads.file_path(AREA, message.stored_name)
    if not path.is_file():
        raise NotFound("附件文件已丢失")
    return message, path
