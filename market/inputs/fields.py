"""The fields inputs are declared with, and InputSchema, which loads them (see market/inputs)."""

import re
from datetime import date
from decimal import Decimal as _Decimal
from decimal import InvalidOperation

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load

from market.errors import ValidationFailed
from market.money import MoneyError, parse_yuan

TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LIST_SPLIT = re.compile(r"[,，;；、\n]+")
TRUE_WORDS = ("1", "true", "on", "yes", "y", "是")
FALSE_WORDS = ("", "0", "false", "off", "no", "n", "否")
NUL_MESSAGE = "不能包含空字符（NUL）"


class InputSchema(Schema):
    """An input. Fields not declared are ignored (a page sends its buttons too); the API refuses them."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _absent_is_empty(self, data, partial=False, **kwargs):
        """Unless partial, a field not sent reads as empty (None): required ones are then refused, others
        take their empty value (one that refuses null is left out)."""
        if partial or not isinstance(data, dict):
            return data
        absent = {
            field.data_key or name: None
            for name, field in self.load_fields.items()
            if field.required or field.allow_none
        }
        return {**absent, **data}

    @classmethod
    def clean(cls, data: dict | None, *, partial: bool = False) -> dict:
        """The typed values of `data`, or ValidationFailed with the first message of each wrong field. With
        `partial`, only the fields present are read (an update)."""
        try:
            return cls().load(data or {}, partial=partial)
        except ValidationError as exc:
            errors = {name: _first(message) for name, message in exc.messages.items()}
            raise ValidationFailed(errors) from None


def _first(message) -> str:
    while isinstance(message, (list, dict)):
        message = message[0] if isinstance(message, list) else next(iter(message.values()))
    return str(message)


class _Input:
    """What every input field shares: a Chinese label, "required" as "not empty", and how it is documented."""

    ask = "请填写"  # 请选择 for choices

    def __init__(self, label: str, *, required: bool = False, description: str | None = None, **kwargs):
        self.label, self.needed = label, required
        message = f"{self.ask}{label}"
        metadata = {"description": description or self.describe(label), **kwargs.pop("metadata", {})}
        kwargs["required"] = required
        kwargs.setdefault(
            "allow_none", not required
        )  # False: null is refused even where the field may be left out
        super().__init__(error_messages={"required": message, "null": message}, metadata=metadata, **kwargs)

    def describe(self, label: str) -> str:
        return label

    def empty(self):
        """The value of an empty input: refused when required."""
        if self.needed:
            raise ValidationError(f"{self.ask}{self.label}")
        return None


class Text(_Input, fields.String):
    """Text typed by a person: trimmed, control characters removed, spaces folded unless `multiline`, no
    HTML."""

    def __init__(self, label: str, *, max_len: int = 200, multiline: bool = False, **kwargs):
        self.max_len, self.multiline = max_len, multiline
        super().__init__(label, **kwargs)

    def describe(self, label):
        return f"{label}，最多{self.max_len}字"

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValidationError(f"{self.label}必须是文字")
            value = str(value)
        if "\x00" in value:  # binary or broken input (PostgreSQL cannot store it): refuse, don't guess
            raise ValidationError(f"{self.label}{NUL_MESSAGE}")
        text = CONTROL.sub("", value).strip()
        if not self.multiline:
            text = re.sub(r"\s+", " ", text)
        if not text:
            return self.empty()
        if len(text) > self.max_len:
            raise ValidationError(f"{self.label}不能超过{self.max_len}个字（现有{len(text)}个字）")
        if TAG.search(text):
            raise ValidationError(f"{self.label}不能包含HTML标签（如需尖括号请用全角“＜＞”）")
        return text


class Choice(_Input, fields.String):
    """One of `choices`: codes, or a dict of code → label (a label is then read as its code too), or a
    callable giving either (for lists kept elsewhere); `synonyms` maps other spellings onto a code."""

    ask = "请选择"

    def __init__(self, label: str, choices, *, synonyms: dict | None = None, **kwargs):
        self._choices, self._synonyms = choices, synonyms or {}
        super().__init__(label, **kwargs)

    def _vocabulary(self):
        return self._choices() if callable(self._choices) else self._choices

    @property
    def choices(self) -> tuple:
        return tuple(self._vocabulary())

    def labelled_choices(self) -> list[tuple[str, str]]:
        """(code, label) pairs, for a page's <select>."""
        vocabulary = self._vocabulary()
        if isinstance(vocabulary, dict):
            return [(code, str(label)) for code, label in vocabulary.items()]
        return [(code, code) for code in vocabulary]

    @property
    def synonyms(self) -> dict:
        vocabulary = self._vocabulary()
        by_label = (
            {str(label): code for code, label in vocabulary.items()} if isinstance(vocabulary, dict) else {}
        )
        return {**by_label, **self._synonyms}

    def describe(self, label):
        vocabulary = self._vocabulary()
        if isinstance(vocabulary, dict):
            return f"{label}：" + "；".join(f"{code} {text}" for code, text in vocabulary.items())
        return f"{label}：{'、'.join(vocabulary)}"

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not value.strip():
            return self.empty()
        if not isinstance(value, str):
            raise ValidationError(f"{self.label}必须是文字")
        chosen = self.synonyms.get(value.strip(), value.strip())
        if chosen not in self.choices:
            raise ValidationError(f"{self.label}“{chosen[:20]}”无效，可选：{'、'.join(self.choices)}")
        return chosen


class Integer(_Input, fields.Integer):
    """A whole number from `low` to `high`; text such as " 2026 " is read too."""

    def __init__(self, label: str, *, low: int, high: int, **kwargs):
        self.low, self.high = low, high
        super().__init__(label, **kwargs)
        self.metadata.setdefault("minimum", low)
        self.metadata.setdefault("maximum", high)

    def describe(self, label):
        return f"{label}，{self.low}–{self.high}"

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "":
            return self.empty()
        if isinstance(value, bool):
            raise ValidationError(f"{self.label}必须是整数")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValidationError(f"{self.label}必须是整数") from None
        if not self.low <= number <= self.high:
            raise ValidationError(f"{self.label}应在{self.low}到{self.high}之间")
        return number


class Boolean(_Input, fields.Boolean):
    """Yes or no: true/false, or the words a form or a person sends (on, 是, 否, …); empty is no."""

    def empty(self):
        return False

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            word = value.strip().lower()
            if word not in TRUE_WORDS + FALSE_WORDS:
                raise ValidationError(f"{self.label}必须是是/否（true 或 false）")
            return word in TRUE_WORDS
        raise ValidationError(f"{self.label}必须是是/否")

    def deserialize(self, value, attr=None, data=None, **kwargs):
        return False if value is None else super().deserialize(value, attr, data, **kwargs)


class Date(_Input, fields.Date):
    """A calendar day, 2026-12-31 (2026/12/31 is read too)."""

    def describe(self, label):
        return f"{label}，年-月-日"

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "":
            return self.empty()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip().replace("/", "-"))
        except ValueError:
            raise ValidationError(f"{self.label}格式应为 年-月-日，例如 2026-12-31") from None


class Money(_Input, fields.Decimal):
    """An amount in yuan to the fen, as text ("1500000.00") or a JSON number; loaded as integer fen."""

    def __init__(self, label: str, **kwargs):
        super().__init__(label, as_string=True, **kwargs)

    def describe(self, label):
        return f"{label}（元，字符串，最多两位小数；也接受 JSON 数字）"

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            fen = parse_yuan(value)
        except MoneyError as exc:
            raise ValidationError(f"{self.label}：{exc}") from None
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
