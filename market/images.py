"""Pictures people upload, made safe to show: read by Pillow from their bytes (never by name or the browser's
word), turned upright by their EXIF orientation, re-encoded without any metadata (EXIF, GPS, XMP, comments)
into a bounded full size and a thumbnail. Plain bytes in, plain bytes out: no app, no database."""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

FORMATS = ("JPEG", "PNG", "GIF", "WEBP")  # what is accepted, by what Pillow reads in the bytes
FULL_SIDE = 1600  # the longest side of the picture shown in full
THUMB_SIDE = 320  # the longest side of a thumbnail
# Above this many pixels a picture is refused before it is decoded: a small file can declare a huge canvas (a
# "decompression bomb") that would take gigabytes to decode. 60 million covers a 48-megapixel phone photo.
MAX_PIXELS = 60_000_000
JPEG_QUALITY = 85


class ImageRefused(ValueError):
    """The bytes are not a picture this site takes; the message says why, in Chinese, for the uploader."""


@dataclass(frozen=True)
class Picture:
    full: bytes
    thumbnail: bytes
    width: int  # of the full picture as stored
    height: int
    content_type: str  # image/jpeg, or image/png for a picture with transparency
    extension: str  # ".jpg" or ".png"


def looks_like_image(content: bytes) -> bool:
    """Whether Pillow recognises the bytes as a picture of an accepted format (from the header only)."""
    try:
        with Image.open(io.BytesIO(content), formats=FORMATS):
            return True
    except Image.DecompressionBombError:
        return True  # a picture, if far too large: prepare() says so
    except Exception:  # noqa: BLE001 - any reader error means "not a picture we read"
        return False


def prepare(content: bytes) -> Picture:
    """The picture upright, without metadata, at most FULL_SIDE and THUMB_SIDE on its longest side; raises
    ImageRefused for anything else (not a picture, damaged, too many pixels)."""
    with warnings.catch_warnings():
        # Pillow warns (it does not refuse) between its own limit and twice it: refuse there too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(content), formats=FORMATS) as opened:
                _check_pixels(*opened.size)
                opened.draft("RGB", (FULL_SIDE, FULL_SIDE))  # JPEG: decode at a smaller scale, much faster
                opened.load()
                upright = ImageOps.exif_transpose(opened)
                transparent = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
                picture = upright.convert("RGBA" if transparent else "RGB")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused(_too_many_pixels_message()) from exc
        except ImageRefused:
            raise
        except Image.UnidentifiedImageError as exc:
            raise ImageRefused("无法识别的文件：只接受 JPG、PNG、GIF、WebP 图片或 PDF 文件") from exc
        except Exception as exc:  # noqa: BLE001 - a damaged file breaks Pillow's readers in many ways
            raise ImageRefused("图片文件已损坏或不完整，请重新导出后上传") from exc
    picture.info = {}  # EXIF, XMP, ICC, comments, text chunks: none of it is written again
    full = _bounded(picture, FULL_SIDE)
    thumbnail = _bounded(picture, THUMB_SIDE)
    return Picture(
        full=_encode(full, transparent),
        thumbnail=_encode(thumbnail, transparent),
        width=full.width,
        height=full.height,
        content_type="image/png" if transparent else "image/jpeg",
        extension=".png" if transparent else ".jpg",
    )


def _too_many_pixels_message() -> str:
    return f"图片像素过多（超过 {MAX_PIXELS // 10_000} 万像素），请缩小后再上传"


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImageRefused(
            f"图片像素过多（{width}×{height}，超过 {MAX_PIXELS // 10_000} 万像素），请缩小后再上传"
        )
    if width < 1 or height < 1:
        raise ImageRefused("图片文件已损坏或不完整，请重新导出后上传")


def _bounded(picture: Image.Image, side: int) -> Image.Image:
    copy = picture.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    return copy


def _encode(picture: Image.Image, transparent: bool) -> bytes:
    """Fresh bytes from the pixels alone: nothing of the upload's metadata is passed on."""
    out = io.BytesIO()
    if transparent:
        picture.save(out, "PNG", optimize=True)
    else:
        picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()
