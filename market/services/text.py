"""Cleaning of user-typed fields into plain values, collecting per-field Chinese messages."""

import re
from datetime import date

from market.errors import ValidationFailed
from market.inputs.fields import CONTROL, FALSE_WORDS, LIST_SPLIT, NUL_MESSAGE, TAG, TRUE_WORDS
from market.money import MoneyError, parse_yuan


class Cleaner:
    """Reads fields from a dict of input, remembering the first error for each field."""

    def __init__(self, data: dict, partial: bool = False):
        self.data = data or {}
        self.partial = partial
        self.errors: dict[str, str] = {}
        self.values: dict = {}

    def present(self, name: str) -> bool:
        return not self.partial or name in self.data

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name, label, *, required=False, max_len=200, multiline=False, attr=None):
        if not self.present(name):
            return
        raw = self.data.get(name)
        if raw is not None and not isinstance(raw, str):
            if isinstance(raw, (int,)) and not isinstance(raw, bool):
                raw = str(raw)
            else:
                return self.fail(name, f"{label}必须是文字")
        if raw and "\x00" in raw:
            # A NUL byte means binary or broken input (PostgreSQL cannot store it): refuse, don't guess.
            return self.fail(name, f"{label}{NUL_MESSAGE}")
        value = CONTROL.sub("", (raw or "")).strip()
        if not multiline:
            value = re.sub(r"\s+", " ", value)
        if required and not value:
            return self.fail(name, f"请填写{label}")
        if len(value) > max_len:
            return self.fail(name, f"{label}不能超过{max_len}个字（现有{len(value)}个字）")
        if TAG.search(value):
            return self.fail(name, f"{label}不能包含HTML标签（如需尖括号请用全角“＜＞”）")
        self.values[attr or name] = value or (None if not required else value)

    def choice(self, name, label, choices, *, required=False, synonyms=None, attr=None):
        if not self.present(name):
            return
        raw = self.data.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                return self.fail(name, f"请选择{label}")
            self.values[attr or name] = None
            return
        if not isinstance(raw, str):
            return self.fail(name, f"{label}必须是文字")
        value = raw.strip()
        value = (synonyms or {}).get(value, value)
        if value not in choices:
            return self.fail(name, f"{label}“{value[:20]}”无效，可选：{'、'.join(choices)}")
        self.values[attr or name] = value

    def text_list(
        self,
        name,
        label,
        *,
        max_items=20,
        max_len=40,
        choices=None,
        synonyms=None,
        normalise=None,
        item_error=None,
        attr=None,
    ):
        if not self.present(name):
            return
        raw = self.data.get(name)
        if raw is None:
            raw = []
        if isinstance(raw, str):
            raw = LIST_SPLIT.split(raw)
        if not isinstance(raw, (list, tuple)) or any(not isinstance(x, str) for x in raw):
            return self.fail(name, f"{label}必须是文字列表")
        if any("\x00" in x for x in raw):
            return self.fail(name, f"{label}{NUL_MESSAGE}")
        items = []
        for item in raw:
            item = CONTROL.sub("", item).strip()
            if normalise:
                item = normalise(item)
            item = (synonyms or {}).get(item, item)
            if not item or item in items:
                continue
            if len(item) > max_len:
                return self.fail(name, f"{label}中的每一项不能超过{max_len}个字")
            if TAG.search(item):
                return self.fail(name, f"{label}不能包含HTML标签")
            if choices and item not in choices:
                return self.fail(name, f"{label}“{item[:20]}”无效，可选：{'、'.join(choices)}")
            if item_error and (message := item_error(item)):
                return self.fail(name, message)
            items.append(item)
        if len(items) > max_items:
            return self.fail(name, f"{label}最多{max_items}项")
        self.values[attr or name] = items

    def money(self, name, label, *, required=False, attr=None):
        if not self.present(name):
            return
        try:
            fen = parse_yuan(self.data.get(name))
        except MoneyError as exc:
            return self.fail(name, f"{label}：{exc}")
        if required and fen is None:
            return self.fail(name, f"请填写{label}")
        self.values[attr or name] = fen

    def integer(self, name, label, *, low, high, required=False, attr=None):
        if not self.present(name):
            return
        raw = self.data.get(name)
        if raw is None or raw == "":
            if required:
                return self.fail(name, f"请填写{label}")
            self.values[attr or name] = None
            return
        if isinstance(raw, bool):
            return self.fail(name, f"{label}必须是整数")
        try:
            value = int(str(raw).strip())
        except ValueError:
            return self.fail(name, f"{label}必须是整数")
        if not low <= value <= high:
            return self.fail(name, f"{label}应在{low}到{high}之间")
        self.values[attr or name] = value

    def boolean(self, name, label, *, default=False, attr=None):
        if not self.present(name):
            return
        raw = self.data.get(name, default)
        if isinstance(raw, str):
            word = raw.strip().lower()
            if word not in TRUE_WORDS + FALSE_WORDS:
                return self.fail(name, f"{label}必须是是/否（true 或 false）")
            raw = word in TRUE_WORDS
        elif raw is None:
            raw = False
        elif not isinstance(raw, bool):
            return self.fail(name, f"{label}必须是是/否")
        self.values[attr or name] = raw

    def date(self, name, label, *, required=False, attr=None):
        if not self.present(name):
            return
        raw = self.data.get(name)
        if raw is None or raw == "":
            if required:
                return self.fail(name, f"请填写{label}")
            self.values[attr or name] = None
            return
        if isinstance(raw, date):
            self.values[attr or name] = raw
            return
        try:
            self.values[attr or name] = date.fromisoformat(str(raw).strip().replace("/", "-"))
        except ValueError:
            self.fail(name, f"{label}格式应为 年-月-日，例如 2026-12-31")

    def done(self) -> dict:
        """The cleaned values, or ValidationFailed with every field's message."""
        if self.errors:
            raise ValidationFailed(self.errors)
        return self.values
