"""The fields of how to reach someone: a contact's e-mail address and phone number (listings' 联系方式)."""

import re
import unicodedata

from marshmallow import ValidationError

from market.inputs.fields import Text, email_error


class ContactEmail(Text):
    """A contact's e-mail address on a listing: checked like an account's, kept as typed."""

    def _deserialize(self, value, attr, data, **kwargs):
        email = super()._deserialize(value, attr, data, **kwargs)
        if email and email_error(email):
            raise ValidationError(f"{self.label}格式不正确")
        return email


# A Chinese phone number as people write it (spaces dropped first): a mobile 1[3-9]xxxxxxxxx, a landline with
# its area code (029-12345678, (029)1234567, an extension after 转/-/#), or a 400/800 service number; +86 or
# 0086 before any of them (the area code's 0 may then be left out).
_MOBILE = r"1[3-9]\d-?\d{4}-?\d{4}"
_LANDLINE = r"(?:\(0\d{2,3}\)|0\d{2,3}-?)\d{3,4}-?\d{4}(?:(?:-|转|分机|#|ext\.?)\d{1,6})?"
_SERVICE = r"[48]00-?\d{3}-?\d{4}"
_ABROAD = r"(?:\+|00)86-?(?:1[3-9]\d-?\d{4}-?\d{4}|\(?0?\d{2,3}\)?-?\d{3,4}-?\d{4})"
PHONE = re.compile(rf"(?:{_MOBILE}|{_LANDLINE}|{_SERVICE}|{_ABROAD})", re.IGNORECASE)
PHONE_SPLIT = re.compile(r"[/、,;；]+")
DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "‐": "-", "−": "-"})


def phone_error(text: str) -> str | None:
    """Why a phone number (or several, separated by / or 、) does not look like one, or None."""
    numbers = [n for n in PHONE_SPLIT.split(text) if n.strip()]
    for number in numbers:
        compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", number).translate(DASHES))
        if not PHONE.fullmatch(compact):
            return f"“{number.strip()[:30]}”不像电话号码"
    return None


class Phone(Text):
    """A contact's phone number, kept as typed (spaces and dashes as people like them), refused unless it
    looks like a Chinese mobile, a landline with its area code or a 400/800 number."""

    def describe(self, label):
        return f"{label}：手机号（如 13800000000）或带区号的固定电话（如 029-12345678），可加 +86"

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text and (problem := phone_error(text)):
            raise ValidationError(
                f"{self.label}格式不正确：{problem}，请填写手机号（如 13800000000）"
                "或带区号的固定电话（如 029-12345678）"
            )
        return text
