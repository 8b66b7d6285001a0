"""Tables as files people open in Excel or WPS: CSV (UTF-8 with BOM) and XLSX (openpyxl).

Pure functions: column headers and rows of plain values in, bytes out. Amounts arrive as exact
Decimal yuan and leave as numbers with two decimals (never text, never a float computed here);
Chinese headers, a bold frozen header row and widths that fit the content.
"""

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from market.clock import beijing_iso, in_beijing
from market.money import fen_to_yuan

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
KINDS = ("text", "int", "money", "date", "percent")
NUMBER_FORMATS = {"int": "#,##0", "money": "#,##0.00", "date": "yyyy-mm-dd", "percent": "0.00%"}
DEFAULT_WIDTHS = {"int": 10, "money": 18, "date": 12, "percent": 10, "text": 16}
MAX_WIDTH = 60
MAX_XLSX_ROWS = 1_048_576 - 2  # Excel's limit, less the header and a closing note
# A cell starting with one of these is a formula to Excel: user text must never run as one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"  # text | int | money (Decimal yuan) | date | percent (a fraction, 0.25 = 25%)
    width: float | None = None


def as_columns(headers: Sequence) -> list[Column]:
    """Plain strings are text columns."""
    return [h if isinstance(h, Column) else Column(str(h)) for h in headers]


def _money(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(value).quantize(CENTS, ROUND_HALF_UP)


def display_width(text: str) -> float:
    """Width in Excel character units: CJK characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# ---- CSV -----------------------------------------------------------------------------------------------


def _csv_value(column: Column, value) -> str:
    if value is None:
        return ""
    if column.kind == "money":
        return format(_money(value), "f")
    if column.kind == "percent":
        return f"{Decimal(str(value)) * 100:.2f}%"
    if isinstance(value, datetime):
        return beijing_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if column.kind == "int" or isinstance(value, (int, Decimal)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_chunks(headers: Sequence, rows: Iterable[Sequence], rows_per_chunk: int = 500) -> Iterator[bytes]:
    """The CSV file piece by piece (for streaming responses): BOM and header first, then rows."""
    cols = as_columns(headers)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([c.title for c in cols])
    pending = 0
    for row in rows:
        writer.writerow([_csv_value(c, v) for c, v in zip(cols, row)])
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


def to_csv(headers: Sequence, rows: Iterable[Sequence]) -> bytes:
    """A whole CSV file: UTF-8 with a BOM so that Excel reads the Chinese correctly."""
    return b"".join(csv_chunks(headers, rows))


# ---- XLSX ----------------------------------------------------------------------------------------------


def _xlsx_cell(sheet, column: Column, value) -> WriteOnlyCell:
    if column.kind == "money":
        value = _money(value)
    elif column.kind == "percent" and value is not None:
        value = Decimal(str(value)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    elif column.kind == "text" and value is not None and not isinstance(value, str):
        value = str(value)
    elif isinstance(value, datetime):
        value = in_beijing(value).replace(tzinfo=None)  # Excel keeps no time zone: Beijing time, as shown
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if value is not None and column.kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[column.kind]
    return cell


def _widths(cols: list[Column], rows) -> list[float]:
    widths = []
    for n, col in enumerate(cols):
        if col.width:
            widths.append(col.width)
            continue
        width = max(display_width(col.title) + 2, DEFAULT_WIDTHS[col.kind])
        if isinstance(rows, Sequence) and col.kind == "text":  # a list we may read twice: fit its content
            width = max([width] + [display_width(str(r[n])) + 2 for r in rows[:2000] if r[n] is not None])
        widths.append(min(width, MAX_WIDTH))
    return widths


def to_xlsx(headers: Sequence, rows: Iterable[Sequence], sheet_title: str = "数据") -> bytes:
    """An XLSX workbook of one sheet: bold frozen header row, numbers as numbers, fitted widths."""
    cols = as_columns(headers)
    book = Workbook(write_only=True)  # rows go straight to a temporary file: large lists stay small in memory
    sheet = book.create_sheet(title=sheet_title[:31] or "数据")
    for n, width in enumerate(_widths(cols, rows), start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "A2"
    bold, centred = Font(bold=True), Alignment(horizontal="center", vertical="center")
    header = []
    for col in cols:
        cell = WriteOnlyCell(sheet, value=col.title)
        cell.font, cell.alignment = bold, centred
        header.append(cell)
    sheet.append(header)
    for count, row in enumerate(rows, start=1):
        if count > MAX_XLSX_ROWS:
            sheet.append(
                [WriteOnlyCell(sheet, value="已达到 Excel 单表行数上限，其余记录未导出；请改用 CSV 导出")]
            )
            break
        sheet.append([_xlsx_cell(sheet, c, v) for c, v in zip(cols, row)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- file names ----------------------------------------------------------------------------------------


def content_disposition(filename: str, fallback: str) -> str:
    """An attachment header with the Chinese name (RFC 5987 filename*) and an ASCII name for old clients."""
    ascii_name = "".join(ch for ch in fallback if 32 < ord(ch) < 127 and ch not in '"\\;') or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def safe_filename(text: str) -> str:
    """Text usable in a file name on Windows, macOS and Linux."""
    return "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in text).replace(" ", "")


# ---- the tables the dashboard exports ------------------------------------------------------------------


def breakdown_table(
    rows: Iterable, group_title: str, total_amount_fen: int
) -> tuple[list[Column], list[list]]:
    """Columns and rows of one breakdown (contract_stats.Row): count, amounts in yuan and share of the
    total."""
    columns = [
        Column(group_title),
        Column("合同数（项）", "int"),
        Column("合同成交额（元）", "money"),
        Column("核定技术交易额（元）", "money"),
        Column("占成交额比例", "percent"),
    ]
    records = [
        [
            row.label,
            row.count,
            fen_to_yuan(row.amount_fen),
            fen_to_yuan(row.recognised_fen),
            share(row.amount_fen, total_amount_fen),
        ]
        for row in rows
    ]
    return columns, records


def share(part_fen: int, total_fen: int) -> Decimal | None:
    """part / total as an exact fraction to four places (0.1234 = 12.34%), None without a total."""
    if not total_fen:
        return None
    return (Decimal(part_fen) / Decimal(total_fen)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


CONTRACT_COLUMNS = [
    Column("合同编号", width=18),
    Column("登记编号", width=20),
    Column("合同名称", width=40),
    Column("合同类型", width=10),
    Column("标的类型", width=14),
    Column("卖方", width=30),
    Column("买方", width=30),
    Column("技术经纪人", width=12),
    Column("合同金额（元）", "money"),
    Column("核定技术交易额（元）", "money"),
    Column("支付方式", width=10),
    Column("签订日期", "date"),
    Column("技术领域", width=14),
    Column("卖方区域", width=10),
    Column("买方省份", width=12),
    Column("状态", width=8),
]


def contract_record(contract) -> list:
    """One contract as a row of CONTRACT_COLUMNS."""
    return [
        contract.number,
        contract.registration_number,
        contract.title,
        contract.type_label,
        contract.subtype_label,
        contract.seller.name if contract.seller else None,
        contract.buyer.name if contract.buyer else None,
        contract.broker.display_name if contract.broker else None,
        fen_to_yuan(contract.amount_fen),
        fen_to_yuan(contract.recognised_fen),
        contract.payment_label,
        contract.signed_on,
        contract.field,
        contract.seller_region,
        contract.buyer_province,
        contract.status_label,
    ]
