"""The fields inputs are declared with (see market/inputs); InputSchema, which loads them, is in
market/inputs/base.py."""

import math
import re
from datetime import date, datetime, timezone

from marshmallow import ValidationError, fields

from market.clock import BEIJING, today_in_beijing
from market.inputs.base import InputSchema, _Input  # noqa: F401 (InputSchema: declared with these fields)
from market.services.base import MAX_ROW_ID

TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LIST_SPLIT = re.compile(r"[,，;；、\n]+")
TRUE_WORDS = ("1", "true", "on", "yes", "y", "是")
FALSE_WORDS = ("", "0", "false", "off", "no", "n", "否")
NUL_MESSAGE = "不能包含空字符（NUL）"


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
    """Yes or no: true/false, or the words a form or a person sends (on, 是, 否, …); empty is no. When
    required or refusing null (allow_none=False), null or nothing sent is refused: the answer must be given,
    and null never switches something off."""

    ask = "请选择"

    def asking(self) -> str:
        return f"请选择{self.label}（true 或 false）"

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

    def reads_none_as_empty(self) -> bool:
        return self.allow_none


class Date(_Input, fields.Date):
    """A calendar day, 2026-12-31 (2026/12/31 is read too). `within_years`: a deadline, no later than that
    many years from today (Beijing)."""

    def __init__(self, label: str, *, within_years: int | None = None, **kwargs):
        self.within_years = within_years
        super().__init__(label, **kwargs)

    def describe(self, label):
        limit = f"，不晚于{self.within_years}年后的今天" if self.within_years else ""
        return f"{label}，年-月-日{limit}"

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "":
            return self.empty()
        if isinstance(value, date):
            day = value
        else:
            try:
                day = date.fromisoformat(str(value).strip().replace("/", "-"))
            except ValueError:
                raise ValidationError(f"{self.label}格式应为 年-月-日，例如 2026-12-31") from None
        if self.within_years and day > (limit := years_from_today(self.within_years)):
            raise ValidationError(
                f"{self.label}不能晚于{limit.isoformat()}（最多{self.within_years}年后），请核对年份"
            )
        return day


def years_from_today(years: int) -> date:
    """The same day `years` years after today in Beijing (28 February for 29 February)."""
    today = today_in_beijing()
    try:
        return today.replace(year=today.year + years)
    except ValueError:
        return today.replace(year=today.year + years, day=28)


class Url(Text):
    """A web address: text beginning with http:// or https:// and naming a host."""

    PATTERN = re.compile(r"^https?://[^\s/]+\.[^\s]+$")

    def __init__(self, label: str, *, max_len: int = 500, **kwargs):
        super().__init__(label, max_len=max_len, **kwargs)

    def describe(self, label):
        return f"{label}，以 http:// 或 https:// 开头，最多{self.max_len}字"

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text and not self.PATTERN.match(text):
            raise ValidationError(f"{self.label}应为以 http:// 或 https:// 开头的网址")
        return text


class TextList(_Input, fields.List):
    """Short texts: a list, or one text separated by commas, semicolons, 、 or new lines. Each item is
    trimmed; empty and repeated items are dropped; `normalise` and `synonyms` rewrite an item, `choices`
    limits it, `item_error` may refuse it with a message. Empty is the empty list."""

    def __init__(
        self,
        label: str,
        *,
        max_items: int = 20,
        max_len: int = 40,
        choices=None,
        synonyms: dict | None = None,
        normalise=None,
        item_error=None,
        **kwargs,
    ):
        self.max_items, self.max_len, self.choices = max_items, max_len, choices
        self.synonyms, self.normalise, self.item_error = synonyms or {}, normalise, item_error
        super().__init__(label, fields.String(), **kwargs)

    def describe(self, label):
        return f"{label}，最多{self.max_items}项，每项最多{self.max_len}字"

    def empty(self):
        super().empty()
        return []

    def _deserialize(self, value, attr, data, **kwargs):
        raw = LIST_SPLIT.split(value) if isinstance(value, str) else value
        if not isinstance(raw, (list, tuple)) or any(not isinstance(item, str) for item in raw):
            raise ValidationError(f"{self.label}必须是文字列表")
        if any("\x00" in item for item in raw):
            raise ValidationError(f"{self.label}{NUL_MESSAGE}")
        items = []
        for item in raw:
            item = CONTROL.sub("", item).strip()
            if self.normalise:
                item = self.normalise(item)
            item = self.synonyms.get(item, item)
            if not item or item in items:
                continue
            if len(item) > self.max_len:
                raise ValidationError(f"{self.label}中的每一项不能超过{self.max_len}个字")
            if TAG.search(item):
                raise ValidationError(f"{self.label}不能包含HTML标签")
            if self.choices and item not in self.choices:
                raise ValidationError(f"{self.label}“{item[:20]}”无效，可选：{'、'.join(self.choices)}")
            if self.item_error and (message := self.item_error(item)):
                raise ValidationError(message)
            items.append(item)
        if len(items) > self.max_items:
            raise ValidationError(f"{self.label}最多{self.max_items}项")
        return items or self.empty()


class RowId(_Input, fields.Integer):
    """The id of a row a page or a client names (text such as "12" is read too); the service looks the row
    up. `unknown` is the message for an id that can name no row: the one the service gives when the row does
    not exist."""

    ask = "请选择"

    def __init__(self, label: str, *, unknown: str | None = None, **kwargs):
        self.unknown = unknown or f"{label}不存在"
        super().__init__(label, **kwargs)

    def describe(self, label):
        return f"{label}的编号"

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "":
            return self.empty()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        try:
            number = int(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else 0
        except ValueError:
            number = 0
        if not 0 < number <= MAX_ROW_ID:
            raise ValidationError(self.unknown)
        return number


class Number(_Input, fields.Float):
    """A number from `low` to `high`, such as 0.8; text such as "0.8" is read too."""

    def __init__(self, label: str, *, low: float, high: float, **kwargs):
        self.low, self.high = low, high
        super().__init__(label, **kwargs)

    def describe(self, label):
        return f"{label}，{self.low}–{self.high}"

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "":
            return self.empty()
        try:
            number = float(str(value).strip()) if not isinstance(value, (bool, list, dict)) else math.nan
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValidationError(f"{self.label}必须是数字")
        if not self.low <= number <= self.high:
            raise ValidationError(f"{self.label}应在{self.low}到{self.high}之间")
        return number


class Object(_Input, fields.Dict):
    """A JSON object whose keys and values the service judges (search conditions, which only the search can
    check); `example` shows one in the message for anything else."""

    def __init__(self, label: str, *, example: str | None = None, **kwargs):
        self.example = example
        super().__init__(label, keys=fields.String(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            example = f"（如 {self.example}）" if self.example else ""
            raise ValidationError(f"{self.label}必须是对象{example}")
        return dict(value)


class BeijingTime(_Input, fields.String):
    """A moment typed in Beijing time, 2026-12-03T09:00 (a space for the T is read too; an offset such as
    +08:00 is honoured); loaded as an aware UTC datetime."""

    def describe(self, label):
        return f"{label}，北京时间 年-月-日T时:分，例如 2026-12-03T09:00"

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=BEIJING)
            return moment.astimezone(timezone.utc)
        text = str(value).strip().replace(" ", "T")
        if not text:
            return self.empty()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(f"{self.label}格式应为 年-月-日T时:分，例如 2026-12-03T09:00") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BEIJING)
        return moment.astimezone(timezone.utc)


# Amounts (market/inputs/amounts.py) and identities: an e-mail, a password, a 统一社会信用代码
# (market/inputs/identities.py). A contact's e-mail and phone are in market/inputs/contacts.py.
from market.inputs.amounts import Money, Quantity  # noqa: E402, F401
from market.inputs.identities import CreditCode, Email, Password, email_error  # noqa: E402, F401
