"""The demo's pictures and brochures, drawn with Pillow when the seed runs (the repository holds no binary
files).

Every picture says what it is: a card in the colour of the listing's technical field with its title and the
label 示意图 · 演示数据, or a flow of its keywords; a brochure is an A4 page of the listing's own text. The
title is written in a Chinese font when the machine has one (Noto CJK, WenQuanYi, Droid, PingFang, YaHei…);
without one the same cards are drawn with Latin text only, never with missing-glyph boxes.
"""

import functools
import hashlib
import io
import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CARD = (960, 720)  # 4:3, as the cards' covers show it
# The gallery crops a 4:3 picture to its middle (tiles 150 px high): text keeps this far from top and bottom
SAFE = 72
PAGE = (827, 1169)  # A4 at 100 dpi
LABEL = "示意图 · 演示数据"
FIELD_COLOURS = {
    "人工智能": (58, 87, 168),
    "光子": (111, 66, 193),
    "氢能": (13, 138, 156),
    "新材料": (32, 107, 196),
    "生物医药": (25, 135, 84),
    "高端装备": (80, 93, 110),
    "电子信息": (13, 110, 153),
    "新能源与节能": (196, 120, 10),
    "现代农业": (78, 140, 44),
    "环境保护": (30, 128, 105),
    "航空航天": (40, 70, 130),
    "其他": (108, 117, 125),
}
KIND_LABELS = {"achievement": "科技成果", "demand": "技术需求", "equipment": "科研仪器", "plan": "揭榜方案"}
KIND_LATIN = {
    "achievement": "RESEARCH RESULT",
    "demand": "TECHNOLOGY DEMAND",
    "equipment": "INSTRUMENT",
    "plan": "CHALLENGE PLAN",
}
WHITE = (255, 255, 255)
INK = (33, 37, 41)
MUTED = (108, 117, 125)

# (regular, bold) font files, the first found is used; a .ttc holds several faces (the SC one is taken)
_FONT_FILES = (
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    ),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
    (
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
    ),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", None),
    ("/System/Library/Fonts/PingFang.ttc", None),
    ("/System/Library/Fonts/STHeiti Medium.ttc", None),
    ("C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/msyhbd.ttc"),
    ("C:/Windows/Fonts/simhei.ttf", None),
)


@functools.cache
def chinese_font_files() -> tuple[str, str] | None:
    """The (regular, bold) files of a Chinese font on this machine, or None."""
    for regular, bold in _FONT_FILES:
        if Path(regular).is_file():
            return regular, bold if bold and Path(bold).is_file() else regular
    if shutil.which("fc-match"):  # fontconfig knows fonts in places the list above does not
        try:
            found = subprocess.run(
                ["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True, timeout=5
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and Path(found).suffix.lower() in (".ttf", ".ttc", ".otf") and Path(found).is_file():
            return found, found
    return None


def _face_index(path: str) -> int:
    """The simplified-Chinese face of a collection (Noto CJK puts JP first), else the first."""
    if not path.lower().endswith(".ttc"):
        return 0
    for index in range(8):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0]
        except OSError:
            break
        if family.endswith((" SC", " GB")) or "简" in family:
            return index
    return 0


@functools.cache
def _font(size: int, bold: bool = False, chinese: bool = True):
    files = chinese_font_files() if chinese else None
    if files is None:
        return ImageFont.load_default(size)
    path = files[1] if bold else files[0]
    return ImageFont.truetype(path, size, index=_face_index(path))


class _Writer:
    """Text in Chinese when a Chinese font is there, else its Latin stand-in."""

    def __init__(self, chinese: bool | None = None):
        self.chinese = chinese_font_files() is not None if chinese is None else chinese

    def font(self, size: int, bold: bool = False):
        return _font(size, bold, self.chinese)

    def text(self, chinese: str, latin: str) -> str:
        return chinese if self.chinese else latin

    def wrap(self, text: str, font, width: int, lines: int) -> list[str]:
        """Lines of at most `width` pixels, character by character (Chinese has no spaces), the last one
        ending in … if the text is longer."""
        out, line = [], ""
        for char in text:
            if font.getlength(line + char) > width:
                out.append(line)
                line = char.lstrip()
                if len(out) == lines:
                    break
            else:
                line += char
        else:
            out.append(line)
            return [item for item in out if item]
        last = out[lines - 1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        return out[: lines - 1] + [last + "…"]


def _lighter(colour, amount: float):
    return tuple(round(c + (255 - c) * amount) for c in colour)


def _darker(colour, amount: float):
    return tuple(round(c * (1 - amount)) for c in colour)


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def _label(draw: ImageDraw.ImageDraw, writer: _Writer, right: int, bottom: int, size: int = 24) -> None:
    """The honest label in the bottom right corner."""
    font = writer.font(size)
    text = writer.text(LABEL, "ILLUSTRATION · DEMO DATA")
    width = font.getlength(text)
    pad = size // 2
    box = (right - width - 2 * pad, bottom - size - 2 * pad, right, bottom)
    draw.rounded_rectangle(box, radius=pad, fill=(0, 0, 0))
    draw.text((box[0] + pad, box[1] + pad * 0.6), text, font=font, fill=WHITE)


def _jpeg(image: Image.Image) -> bytes:
    """The upload re-encodes it (market/images.py): a quick JPEG here is enough (PNG took 5× as long)."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def cover_card(
    kind: str, title: str, field: str, org: str, subtitle: str = "", chinese: bool | None = None
) -> bytes:
    """A 960×720 JPEG card: the field's colour, the kind, the title, the field and organisation, the label."""
    writer = _Writer(chinese)
    colour = FIELD_COLOURS.get(field, FIELD_COLOURS["其他"])
    image = Image.new("RGB", CARD, colour)
    draw = ImageDraw.Draw(image)
    width, height = CARD
    turn = _seed(title)
    # a few soft circles, placed by the title, so that cards of one field are told apart at a glance
    for n in range(3):
        radius = 208 + (turn >> (4 * n)) % 176
        x = width - 96 - (turn >> (3 * n + 1)) % 416
        y = 64 + (turn >> (5 * n + 2)) % 496
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=_lighter(colour, 0.08 + 0.05 * n))
    draw.rectangle((0, 0, 20, height), fill=_darker(colour, 0.25))
    margin = 72
    kind_text = writer.text(KIND_LABELS[kind], KIND_LATIN[kind])
    draw.text((margin, SAFE + 8), kind_text, font=writer.font(36, True), fill=WHITE)
    if writer.chinese:
        font = writer.font(58, True)
        y = 200
        for line in writer.wrap(title, font, width - 2 * margin, 3):
            draw.text((margin, y), line, font=font, fill=WHITE)
            y += 80
        small = writer.font(30)
        details = "　".join(item for item in (field, subtitle) if item)
        draw.text((margin, y + 24), details, font=small, fill=_lighter(colour, 0.75))
        draw.text((margin, y + 72), org, font=small, fill=_lighter(colour, 0.75))
    _label(draw, writer, width - 32, height - SAFE)
    return _jpeg(image)


def keyword_card(
    title: str, field: str, keywords: list[str], heading: str = "技术关键词", chinese: bool | None = None
) -> bytes:
    """A 960×720 JPEG of up to four of the listing's terms as tiles under its title and a heading, with the
    label."""
    writer = _Writer(chinese)
    colour = FIELD_COLOURS.get(field, FIELD_COLOURS["其他"])
    image = Image.new("RGB", CARD, WHITE)
    draw = ImageDraw.Draw(image)
    width, height = CARD
    draw.rectangle((0, 0, width, SAFE + 120), fill=colour)
    title_font = writer.font(36, True)
    if writer.chinese:
        draw.text(
            (48, SAFE + 8), writer.wrap(title, title_font, width - 96, 1)[0], font=title_font, fill=WHITE
        )
    draw.text(
        (48, SAFE + 64), writer.text(heading, "KEY TERMS"), font=writer.font(28), fill=_lighter(colour, 0.8)
    )
    terms = keywords[:4] or [title]
    tile_w, tile_h, gap = 400, 150, 28
    left, top = (width - 2 * tile_w - gap) // 2, SAFE + 152
    font = writer.font(42, True)
    for n, term in enumerate(terms):
        x, y = left + (n % 2) * (tile_w + gap), top + (n // 2) * (tile_h + gap)
        draw.rounded_rectangle(
            (x, y, x + tile_w, y + tile_h), radius=20, fill=_lighter(colour, 0.88), outline=colour, width=4
        )
        text = writer.wrap(term, font, tile_w - 48, 1)[0] if writer.chinese else f"{n + 1}"
        draw.text((x + tile_w / 2, y + tile_h / 2), text, font=font, fill=_darker(colour, 0.3), anchor="mm")
    _label(draw, writer, width - 32, height - SAFE)
    return _jpeg(image)


def brochure_page(
    kind: str,
    title: str,
    org: str,
    field: str,
    facts: list[tuple[str, str]],
    text: str,
    chinese: bool | None = None,
) -> Image.Image:
    """An A4 page (100 dpi): a band in the field's colour, the title and organisation, a table of facts, the
    listing's own description, and a footer saying it is generated demo material."""
    writer = _Writer(chinese)
    colour = FIELD_COLOURS.get(field, FIELD_COLOURS["其他"])
    page = Image.new("RGB", PAGE, WHITE)
    draw = ImageDraw.Draw(page)
    width, height = PAGE
    margin = 64
    draw.rectangle((0, 0, width, 230), fill=colour)
    draw.text(
        (margin, 40),
        writer.text(KIND_LABELS[kind] + ("（演示）" if kind == "plan" else "推介资料"), KIND_LATIN[kind]),
        font=writer.font(24, True),
        fill=_lighter(colour, 0.8),
    )
    y = 84
    if writer.chinese:
        for line in writer.wrap(title, writer.font(36, True), width - 2 * margin, 2):
            draw.text((margin, y), line, font=writer.font(36, True), fill=WHITE)
            y += 50
        draw.text((margin, 184), org, font=writer.font(22), fill=_lighter(colour, 0.85))
    y = 270
    body = writer.font(20)
    if writer.chinese:
        for name, value in facts:
            draw.text((margin, y), name, font=writer.font(20, True), fill=MUTED)
            for line in writer.wrap(value, body, width - 2 * margin - 160, 2):
                draw.text((margin + 160, y), line, font=body, fill=INK)
                y += 32
            draw.line((margin, y + 4, width - margin, y + 4), fill=(222, 226, 230), width=1)
            y += 18
        y += 20
        for paragraph in text.split("\n"):
            for line in writer.wrap(paragraph, body, width - 2 * margin, 12):
                draw.text((margin, y), line, font=body, fill=INK)
                y += 34
            y += 12
            if y > height - 200:
                break
    footer = writer.text(
        "本资料由演示数据自动生成，仅用于展示平台功能，内容以页面信息为准。",
        "Generated from the demo data to show the platform's features.",
    )
    draw.line((margin, height - 110, width - margin, height - 110), fill=colour, width=2)
    draw.text((margin, height - 92), footer, font=writer.font(18), fill=MUTED)
    _label(draw, writer, width - margin, height - 24, size=18)
    return page


def brochure_pdf(
    kind: str, title: str, org: str, field: str, facts, text: str, chinese: bool | None = None
) -> bytes:
    """The brochure page as a one-page PDF."""
    page = brochure_page(kind, title, org, field, facts, text, chinese)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=100.0, title=title, author=org)
    return out.getvalue()
