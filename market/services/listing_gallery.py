"""What pictures and documents a listing has, read without permission checks (the caller has already shown
the listing), and their removal with the listing. Changing them is market/services/listing_files.py."""

from sqlalchemy import select

from market.extensions import db
from market.models import ListingFile
from market.services import uploads

AREA = "listings"  # the folder under the attachment root (market/storage.py)


def files_of(kind: str, listing_id: int) -> list[ListingFile]:
    """A listing's files in the order they are shown."""
    return list(
        db.session.scalars(
            select(ListingFile)
            .where(ListingFile.listing_kind == kind, ListingFile.listing_id == listing_id)
            .order_by(ListingFile.position, ListingFile.id)
        )
    )


def covers(kind: str, listing_ids) -> dict[int, ListingFile]:
    """The cover (first image) of each of these listings that has one: one query for a page of cards."""
    ids = sorted({i for i in listing_ids if i is not None})
    if not ids:
        return {}
    rows = db.session.scalars(
        select(ListingFile)
        .where(
            ListingFile.listing_kind == kind,
            ListingFile.listing_id.in_(ids),
            ListingFile.file_kind == "image",
        )
        .order_by(ListingFile.listing_id, ListingFile.position, ListingFile.id)
    )
    found: dict[int, ListingFile] = {}
    for row in rows:
        found.setdefault(row.listing_id, row)
    return found


def stored_names(row: ListingFile) -> list[str]:
    """The names on disk of one file: the file itself and, for an image, its thumbnail."""
    return [name for name in (row.stored_name, row.thumb_name) if name]


def remove_listing_files(kind: str, listing_id: int) -> int:
    """Delete a listing's file rows in the caller's unit of work; the files go once it has committed.
    Returns how many."""
    rows = files_of(kind, listing_id)
    for row in rows:
        for name in stored_names(row):
            uploads.discard_file(AREA, name)
        db.session.delete(row)
    return len(rows)


def cover_id(rows: list[ListingFile]) -> int | None:
    """The id of the cover among a listing's files in order: its first picture."""
    return next((row.id for row in rows if row.file_kind == "image"), None)
