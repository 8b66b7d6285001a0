"""CSV and XLSX exports read back to exactly what went in: Chinese headers, exact amounts as numbers."""

import csv
import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import unquote

from openpyxl import load_workbook

from market.exports import (
    BOM,
    Column,
    breakdown_table,
    content_disposition,
    csv_chunks,
    safe_filename,
    share,
    to_csv,
    to_xlsx,
)

HEADERS = [
    Column("合同名称"),
    Column("合同数（项）", "int"),
    Column("合同金额（元）", "money"),
    Column("签订日期", "date"),
    Column("占比", "percent"),
]
ROWS = [
    ["高镍正极材料包覆技术转让合同", 3, Decimal("12345678.91"), date(2026, 3, 15), Decimal("0.9999")],
    ["小额技术咨询", 1, Decimal("0.01"), date(2025, 12, 31), Decimal("0.0001")],
    ["未核定", 0, None, None, None],
]


def test_csv_starts_with_a_bom_and_reads_back_the_same_rows():
    data = to_csv(HEADERS, ROWS)
    assert data.startswith(BOM.encode("utf-8"))
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["合同名称", "合同数（项）", "合同金额（元）", "签订日期", "占比"]
    assert rows[1] == ["高镍正极材料包覆技术转让合同", "3", "12345678.91", "2026-03-15", "99.99%"]
    assert rows[2] == ["小额技术咨询", "1", "0.01", "2025-12-31", "0.01%"]
    assert rows[3] == ["未核定", "0", "", "", ""]
    assert Decimal(rows[1][2]) == Decimal("12345678.91")


def test_csv_streams_in_chunks_that_join_to_the_whole_file():
    rows = [[f"合同{n}", n, Decimal(n) / 100, None, None] for n in range(1, 1202)]
    chunks = list(csv_chunks(HEADERS, iter(rows), rows_per_chunk=500))
    assert len(chunks) == 3
    assert chunks[0].startswith(BOM.encode()) and not chunks[1].startswith(BOM.encode())
    back = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert len(back) == 1202 and back[-1][:3] == ["合同1201", "1201", "12.01"]


def test_text_that_looks_like_a_formula_is_not_run_by_spreadsheets():
    rows = [
        ['=HYPERLINK("http://evil","点击")', 1, Decimal("1"), None, None],
        ["-2+3", 1, Decimal("1"), None, None],
    ]
    back = list(csv.reader(io.StringIO(to_csv(HEADERS, rows).decode("utf-8-sig"))))
    assert back[1][0] == '\'=HYPERLINK("http://evil","点击")' and back[2][0] == "'-2+3"

    sheet = load_workbook(io.BytesIO(to_xlsx(HEADERS, rows))).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == '=HYPERLINK("http://evil","点击")'


def test_xlsx_round_trip_keeps_headers_and_exact_amounts_as_numbers():
    book = load_workbook(io.BytesIO(to_xlsx(HEADERS, ROWS, "合同类型")))
    sheet = book.active
    assert sheet.title == "合同类型"
    header = [c.value for c in sheet[1]]
    assert header == ["合同名称", "合同数（项）", "合同金额（元）", "签订日期", "占比"]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"

    amount, small = sheet["C2"], sheet["C3"]
    assert amount.data_type == "n" and small.data_type == "n"
    assert Decimal(str(amount.value)) == Decimal("12345678.91") and amount.value == 12345678.91
    assert Decimal(str(small.value)) == Decimal("0.01")
    assert amount.number_format == "#,##0.00"
    assert sheet["B2"].value == 3 and sheet["D2"].value.date() == date(2026, 3, 15)
    assert sheet["E2"].value == 0.9999 and sheet["E2"].number_format == "0.00%"
    assert sheet["C4"].value is None and sheet["A4"].value == "未核定"
    assert sheet.max_row == 4


def test_xlsx_columns_are_wide_enough_for_chinese_text():
    sheet = load_workbook(io.BytesIO(to_xlsx(HEADERS, ROWS))).active
    # 14 Chinese characters are about 28 character widths in Excel.
    assert sheet.column_dimensions["A"].width >= 28
    assert sheet.column_dimensions["C"].width >= 14


def test_xlsx_of_a_streamed_list_uses_default_widths():
    sheet = load_workbook(io.BytesIO(to_xlsx(HEADERS, iter(ROWS)))).active
    assert [c.value for c in sheet["A"]][1:] == [r[0] for r in ROWS]
    assert sheet.column_dimensions["A"].width >= 10


def test_breakdown_table_gives_yuan_and_shares_of_the_period_total():
    rows = [
        SimpleNamespace(label="技术开发", count=2, amount_fen=150_000_000, recognised_fen=120_000_000),
        SimpleNamespace(label="技术服务", count=1, amount_fen=1, recognised_fen=1),
    ]
    columns, records = breakdown_table(rows, "合同类型", total_amount_fen=300_000_000)
    assert [c.title for c in columns] == [
        "合同类型",
        "合同数（项）",
        "合同成交额（元）",
        "核定技术交易额（元）",
        "占成交额比例",
    ]
    assert records[0] == ["技术开发", 2, Decimal("1500000.00"), Decimal("1200000.00"), Decimal("0.5000")]
    assert records[1][2] == Decimal("0.01")
    assert share(1, 0) is None


def test_attachment_header_carries_the_chinese_name_and_an_ascii_fallback():
    header = content_disposition("技术合同交易额-类型-2026年.xlsx", "contract-stats-type-2026.xlsx")
    assert header.startswith("attachment; filename=\"contract-stats-type-2026.xlsx\"; filename*=UTF-8''")
    assert unquote(header.split("UTF-8''")[1]) == "技术合同交易额-类型-2026年.xlsx"
    assert safe_filename("2026-01-01 至 2026-03-31") == "2026-01-01至2026-03-31"
    assert safe_filename('a/b:c"d') == "a_b_c_d"
