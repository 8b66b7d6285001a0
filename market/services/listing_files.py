"""Pictures and PDF documents on results, demands and instruments: upload (several at once), caption,
reorder (the first picture is the cover), delete, and the file a reader may fetch.

Who may change them is who may edit the listing (its organisation's publishers, admins), in the states the
listing is edited in; a change to a published listing sends it back to review as an edit does. Who may fetch
them is who may see the listing: a draft's files exist for its managers and admins only (NotFound for
everyone else). The type is read from the bytes: Pillow must open a picture (market/images.py re-encodes it
without metadata), a PDF must start with %PDF-; names and the browser's content type are never believed."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from market import images
from market.errors import InvalidTransition, NotFound, ValidationFailed
from market.extensions import db
from market.inputs.listing_files import MAX_FILES, ListingFileIn, ListingFileOrderIn
from market.models import ListingFile
from market.models.challenge import Challenge
from market.services import audit, challenges, listings, uploads
from market.services.base import parse_row_id, unit_of_work
from market.services.listing_gallery import AREA, files_of, stored_names

MAX_FILE_BYTES = uploads.MAX_FILE_BYTES
ACCEPTED = "只接受 JPG、PNG、GIF、WebP 图片或 PDF 文件"
MOVES = ("up", "down", "first")


@dataclass(frozen=True)
class Upload:
    """One file as a page or the API received it: the name it was sent with and its bytes."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class ServedFile:
    """A file a reader may fetch: where it is, what it is, and whether its listing is public (caching)."""

    file: ListingFile
    path: Path
    content_type: str
    public: bool


def list_files(actor, kind: str, listing_id) -> list[ListingFile]:
    """The files of a listing the actor may see, in the order they are shown."""
    listing = listings.get_listing(actor, kind, listing_id)
    return files_of(kind, listing.id)


def _editable(actor, kind: str, listing_id):
    listing = listings.get_managed_listing(actor, kind, listing_id)
    listings.require_editable(listing)
    return listing


@dataclass
class _Checked:
    name: str
    file_kind: str
    content_type: str
    extension: str
    content: bytes
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None


def _check(upload: Upload) -> _Checked:
    """What the bytes are, re-encoded if a picture; ValueError (images.ImageRefused) with the reason if
    refused."""
    name = uploads.clean_filename(upload.filename, "未命名文件")
    content = upload.content or b""
    if not content:
        raise ValueError("文件是空的，请重新选择")
    if len(content) > MAX_FILE_BYTES:
        raise ValueError(uploads.too_large_message(MAX_FILE_BYTES))
    if uploads.is_pdf(content):
        return _Checked(name, "pdf", "application/pdf", ".pdf", content)
    if not images.looks_like_image(content):
        raise ValueError(ACCEPTED)
    picture = images.prepare(content)
    return _Checked(
        name,
        "image",
        picture.content_type,
        picture.extension,
        picture.full,
        picture.thumbnail,
        picture.width,
        picture.height,
    )


@unit_of_work
def add_files(actor, kind: str, listing_id, files: list[Upload]) -> list[ListingFile]:
    """Store pictures and PDFs on a listing; one wrong file refuses them all, each named with its reason."""
    listing = _editable(actor, kind, listing_id)
    if reason := _call_block(listing):
        raise InvalidTransition(reason)
    files = [f for f in files if f.filename or f.content]
    if not files:
        raise ValidationFailed({"files": "请选择要上传的图片或 PDF 文件"})
    existing = files_of(kind, listing.id)
    if len(existing) + len(files) > MAX_FILES:
        room = MAX_FILES - len(existing)
        raise ValidationFailed(
            {
                "files": f"每条内容最多 {MAX_FILES} 个图片或文件：已有 {len(existing)} 个，"
                + (f"本次最多还能上传 {room} 个" if room > 0 else "请先删除不需要的再上传")
            }
        )
    checked, problems = [], []
    for upload in files:
        try:
            checked.append(_check(upload))
        except ValueError as exc:
            problems.append(f"{uploads.clean_filename(upload.filename, '未命名文件')}：{exc}")
    if problems:
        raise ValidationFailed({"files": "；".join(problems)}, "文件未上传：" + "；".join(problems))
    position = max((f.position for f in existing), default=-1) + 1
    added = []
    for offset, item in enumerate(checked):
        added.append(_store(actor, listing, item, position + offset))
    listings.back_to_review(actor, listing)
    return added


def _call_block(listing) -> str | None:
    """A 揭榜挂帅 call's demand takes new files only while the call itself may change: new files send it back
    to the admin's review, which would hide a call that applicants have answered or teams are working on."""
    if not listings.is_call(listing):
        return None
    return challenges.edit_block(
        db.session.scalar(select(Challenge).where(Challenge.demand_id == listing.id))
    )


def _store(actor, listing, item: _Checked, position: int) -> ListingFile:
    stored = uploads.new_stored_name(item.extension)
    uploads.keep_file(AREA, stored, item.content)
    thumb = None
    if item.thumbnail is not None:
        thumb = stored.replace(item.extension, ".thumb" + item.extension)
        uploads.keep_file(AREA, thumb, item.thumbnail)
    row = ListingFile(
        listing_kind=listing.kind,
        listing_id=listing.id,
        file_kind=item.file_kind,
        original_name=item.name,
        stored_name=stored,
        thumb_name=thumb,
        size=len(item.content),
        content_type=item.content_type,
        sha256=uploads.sha256(item.content),
        width=item.width,
        height=item.height,
        position=position,
        uploaded_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        f"{listing.kind}.add_file",
        listing.kind,
        listing.id,
        {"file": item.name, "size": row.size, "sha256": row.sha256},
    )
    return row


def _file_of(listing, file_id) -> ListingFile:
    row_id = parse_row_id(file_id)
    row = db.session.get(ListingFile, row_id) if row_id else None
    if row is None or row.listing_kind != listing.kind or row.listing_id != listing.id:
        raise NotFound("该图片或文件不存在")
    return row


@unit_of_work
def delete_file(actor, kind: str, listing_id, file_id) -> None:
    """Remove one file from a listing (the file on disk goes once the change is committed)."""
    listing = _editable(actor, kind, listing_id)
    row = _file_of(listing, file_id)
    audit.record(actor, f"{kind}.delete_file", kind, listing.id, {"file": row.original_name})
    for name in stored_names(row):
        uploads.discard_file(AREA, name)
    db.session.delete(row)
    db.session.flush()
    _renumber(files_of(kind, listing.id))


def _renumber(rows: list[ListingFile]) -> None:
    for position, row in enumerate(rows):
        row.position = position


@unit_of_work
def reorder_files(actor, kind: str, listing_id, ids) -> list[ListingFile]:
    """Show a listing's files in this order (every file once); the first picture becomes the cover."""
    listing = _editable(actor, kind, listing_id)
    wanted = ListingFileOrderIn.clean({"ids": ids})["ids"]
    rows = files_of(kind, listing.id)
    by_id = {row.id: row for row in rows}
    if sorted(wanted) != sorted(by_id):
        raise ValidationFailed({"ids": "请按顺序列出该内容的全部图片和文件的编号，每个一次"})
    return _apply_order(actor, listing, rows, [by_id[i] for i in wanted])


def _apply_order(actor, listing, before: list[ListingFile], after: list[ListingFile]) -> list[ListingFile]:
    if [row.id for row in before] != [row.id for row in after]:
        audit.record(
            actor,
            f"{listing.kind}.reorder_files",
            listing.kind,
            listing.id,
            {"files_order": [[r.original_name for r in before], [r.original_name for r in after]]},
        )
        _renumber(after)
    return after


@unit_of_work
def move_file(actor, kind: str, listing_id, file_id, where: str) -> list[ListingFile]:
    """Move one file up, down, or first (a picture moved first is the cover)."""
    listing = _editable(actor, kind, listing_id)
    row = _file_of(listing, file_id)
    if where not in MOVES:
        raise ValidationFailed({"where": "未知的移动方式"})
    rows = files_of(kind, listing.id)
    order = [r for r in rows if r.id != row.id]
    index = rows.index(row)
    target = {"up": max(index - 1, 0), "down": min(index + 1, len(order)), "first": 0}[where]
    order.insert(target, row)
    return _apply_order(actor, listing, rows, order)


@unit_of_work
def set_caption(actor, kind: str, listing_id, file_id, caption) -> ListingFile:
    """Change (or clear) the caption shown under a file."""
    listing = _editable(actor, kind, listing_id)
    row = _file_of(listing, file_id)
    value = ListingFileIn.clean({"caption": caption}).get("caption") or None
    if value != row.caption:
        audit.record(
            actor,
            f"{kind}.update_file",
            kind,
            listing.id,
            {"file": row.original_name, "caption": [row.caption, value]},
        )
        row.caption = value
    return row


def get_file(actor, kind: str, listing_id, file_id, thumbnail: bool = False) -> ServedFile:
    """A file of a listing the actor may see (a draft's: its managers and admins); NotFound otherwise."""
    listing = listings.get_listing(actor, kind, listing_id)
    row = _file_of(listing, file_id)
    if thumbnail and not row.thumb_name:
        raise NotFound("该文件没有缩略图")
    path = uploads.file_path(AREA, row.thumb_name if thumbnail else row.stored_name)
    if not path.is_file():
        raise NotFound("文件已丢失，请重新上传")
    return ServedFile(row, path, row.content_type, listing.is_public)


def read_uploads(received) -> list[Upload]:
    """Uploads from what a page or the API received (objects with .filename and .stream): at most one byte
    past the limit of each is read, enough to refuse an oversized file."""
    return [Upload(item.filename or "", item.stream.read(MAX_FILE_BYTES + 1)) for item in received]
