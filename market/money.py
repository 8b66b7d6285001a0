"""Exact money: amounts live as integer fen; parsing and display never use floats."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MAX_YUAN = Decimal("1000000000000")  # 1万亿元: above any real technology contract


class MoneyError(ValueError):
    pass


def parse_yuan(value) -> int | None:
    """Turn a yuan amount (str, int or Decimal; '' or None for 面议) into integer fen."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise MoneyError("金额必须是数字")
    # A JSON number arrives as float; its shortest repr is the digits the client sent.
    text = repr(value) if isinstance(value, float) else str(value)
    text = text.strip().replace(",", "").replace("，", "").replace("元", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise MoneyError("金额必须是数字，例如 150000 或 150000.50") from None
    if not amount.is_finite():
        raise MoneyError("金额必须是数字")
    if amount < 0:
        raise MoneyError("金额不能为负数")
    if amount > MAX_YUAN:
        raise MoneyError("金额过大")
    if amount != amount.quantize(Decimal("0.01")):
        raise MoneyError("金额最多保留两位小数（精确到分）")
    return int(amount * 100)


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
