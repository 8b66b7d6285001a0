"""Exact money: amounts live as integer fen; parsing and display never use floats."""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

MAX_YUAN = Decimal("1000000000000")  # 1万亿元: above any real technology contract


class MoneyError(ValueError):
    pass


UNITS = (
    ("亿元", Decimal("100000000")),
    ("亿", Decimal("100000000")),
    ("万元", Decimal("10000")),
    ("万", Decimal("10000")),
    ("元", Decimal("1")),
)
UNIT_FACTORS = {"元": Decimal("1"), "万元": Decimal("10000")}
EXAMPLES = "例如 150000、15万、12.5万元 或 1,200,000"


def read_yuan(value) -> Decimal | None:
    """A yuan amount as people and clients write it, as an exact Decimal of yuan (None for empty, 面议):
    a number (str, int, Decimal, or a JSON number's float), with thousands separators, full-width digits,
    spaces, a leading ¥ and a unit 元, 万/万元 or 亿/亿元 ("10万", "12.5 万元", "1,200,000", "100000元")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise MoneyError("金额必须是数字")
    # A JSON number arrives as float; its shortest repr is the digits the client sent.
    text = repr(value) if isinstance(value, float) else str(value)
    text = re.sub(r"[\s,_]", "", unicodedata.normalize("NFKC", text)).removeprefix("¥").removeprefix("￥")
    factor = Decimal("1")
    for unit, times in UNITS:
        if text.endswith(unit):
            text, factor = text[: -len(unit)], times
            break
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        raise MoneyError(f"金额必须是数字，{EXAMPLES}")
    amount = Decimal(text) * factor
    if amount < 0:
        raise MoneyError("金额不能为负数")
    if amount > MAX_YUAN:
        raise MoneyError("金额过大")
    if amount != amount.quantize(Decimal("0.01")):
        raise MoneyError("金额最多保留两位小数（精确到分）")
    return amount


def parse_yuan(value) -> int | None:
    """Turn a yuan amount (see read_yuan; '' or None for 面议) into integer fen."""
    amount = read_yuan(value)
    return None if amount is None else int(amount * 100)


def fen_to_yuan(fen: int | None) -> Decimal | None:
    """Integer fen as an exact Decimal yuan amount with two places."""
    if fen is None:
        return None
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_fen(fen: int | None, negotiable_label: str = "面议") -> str:
    """Human display: 元 below 1万, 万元 below 1亿, 亿元 above; rounded half-up."""
    if fen is None:
        return negotiable_label
    yuan = Decimal(fen) / 100
    if yuan >= Decimal("100000000"):
        return f"{_trim((yuan / Decimal('100000000')).quantize(Decimal('0.01'), ROUND_HALF_UP))}亿元"
    if yuan >= Decimal("10000"):
        return f"{_trim((yuan / Decimal('10000')).quantize(Decimal('0.01'), ROUND_HALF_UP))}万元"
    return f"{_trim(yuan.quantize(Decimal('0.01'), ROUND_HALF_UP))}元"


def _trim(amount: Decimal) -> str:
    text = f"{amount:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
