"""The fields of amounts: money (read with market/money.py) and other numbers people type. Re-exported by
market/inputs/fields.py."""

from decimal import Decimal as _Decimal
from decimal import InvalidOperation

from marshmallow import ValidationError, fields

from market.inputs.base import _Input
from market.money import MoneyError, parse_yuan


class Money(_Input, fields.Decimal):
    """An amount in yuan to the fen, as people write it ("1500000.00", "150万", "12.5 万元", "1,200,000",
    "100000元"; market/money.read_yuan) or a JSON number; loaded as integer fen. `positive`: 0 is refused."""

    def __init__(self, label: str, *, positive: bool = False, **kwargs):
        self.positive = positive
        super().__init__(label, as_string=True, **kwargs)

    def describe(self, label):
        return f"{label}（元，字符串，最多两位小数，可带单位如“150万”；也接受 JSON 数字）"

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            fen = parse_yuan(value)
        except MoneyError as exc:
            raise ValidationError(f"{self.label}：{exc}") from None
        if fen == 0 and self.positive:
            raise ValidationError(f"{self.label}必须大于0")
        return self.empty() if fen is None else fen


class Quantity(_Input, fields.Decimal):
    """A non-negative number typed by a person (12.5, "1,200"), at most four decimals, kept as exact text."""

    LIMIT = _Decimal("1e12")

    def __init__(self, label: str, **kwargs):
        super().__init__(label, as_string=True, **kwargs)

    def describe(self, label):
        return f"{label}（字符串，最多四位小数；也接受 JSON 数字）"

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip().replace(",", "").replace("，", "")
        if not text:
            return self.empty()
        try:
            number = _Decimal(text)
        except InvalidOperation:
            raise ValidationError(f"{self.label}必须是数字，例如 230 或 12.5") from None
        if not number.is_finite() or number < 0:
            raise ValidationError(f"{self.label}必须是不小于0的数字")
        if number > self.LIMIT:
            raise ValidationError(f"{self.label}不能超过1万亿")
        if number != number.quantize(_Decimal("0.0001")):
            raise ValidationError(f"{self.label}最多保留四位小数")
        return format(number.normalize(), "f")
