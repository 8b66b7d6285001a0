"""Pictures and PDF documents shown on a result, demand or instrument; the files live under the instance
folder (market/storage.py), never under static/, and are served by a view that checks the listing's
visibility."""

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base, TimestampMixin

FILE_KINDS = {"image": "图片", "pdf": "PDF 文档"}


class ListingFile(TimestampMixin, Base):
    """One file of one listing (achievement, demand or equipment: `listing_kind` names the table). An image
    is kept re-encoded twice, in full (`stored_name`) and as a thumbnail (`thumb_name`); a PDF as uploaded.
    Files are shown by `position`; the first image is the listing's cover."""

    __tablename__ = "listing_files"
    __table_args__ = (Index("ix_listing_files_listing", "listing_kind", "listing_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_kind: Mapped[str] = mapped_column(String(20))  # achievement | demand | equipment
    listing_id: Mapped[int]
    file_kind: Mapped[str] = mapped_column(String(10))  # image | pdf
    original_name: Mapped[str] = mapped_column(String(200))  # as uploaded, for display only
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    thumb_name: Mapped[str | None] = mapped_column(String(80))  # images only
    size: Mapped[int]  # bytes of the stored file (an image's full size as re-encoded)
    content_type: Mapped[str] = mapped_column(String(50))  # image/jpeg, image/png or application/pdf
    sha256: Mapped[str] = mapped_column(String(64))  # of the stored file
    width: Mapped[int | None]  # images only, of the stored full size
    height: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    caption: Mapped[str | None] = mapped_column(String(100))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    uploaded_by = relationship("User")

    @property
    def is_image(self) -> bool:
        return self.file_kind == "image"

    @property
    def download_name(self) -> str:
        """The uploaded name with the extension of what is served (a PNG uploaded as "x.pdf" is shown as an
        image and downloads as "x.png" or "x.jpg")."""
        stem, dot, extension = self.original_name.rpartition(".")
        wanted = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}[self.content_type]
        if dot and stem and extension.lower() in ("jpg", "jpeg") and wanted == "jpg":
            return self.original_name
        return f"{stem if dot and stem else self.original_name}.{wanted}"
