"""The fields of who someone is: an e-mail address, a password, a unified social credit code (read with
market/services/codes.py). Re-exported by market/inputs/fields.py."""

from email_validator import EmailNotValidError, validate_email
from marshmallow import ValidationError, fields

from market.inputs.base import _Input
from market.services.codes import credit_code_error, normalise_code


class CreditCode(_Input, fields.String):
    """A unified social credit code (统一社会信用代码, GB 32100-2015) as people type it: full-width
    characters, spaces and dashes are read (market/services/codes.py), the check character is verified."""

    def describe(self, label):
        return f"18位{label}"

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(f"{self.label}必须是文字")
        code = normalise_code(value)
        if not code:
            return self.empty()
        if message := credit_code_error(code):
            raise ValidationError(message)
        return code


def email_error(email: str) -> str | None:
    """Why a (normalised) e-mail address cannot be an account's, or None."""
    if len(email) > 254:
        return "邮箱过长"
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return "邮箱格式不正确"
    return None


class Email(_Input, fields.String):
    """An e-mail address, trimmed and lower-cased; anything but text reads as empty. `checked=False` reads
    it only (signing in or asking for a reset judges an address without saying whether it exists)."""

    def __init__(self, label: str, *, checked: bool = True, **kwargs):
        self.checked = checked
        super().__init__(label, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        email = value.strip().lower() if isinstance(value, str) else ""
        if not email:
            return self.empty()
        if self.checked and (message := email_error(email)):
            raise ValidationError(message)
        return email


class Password(_Input, fields.String):
    """A password, read exactly as typed (never trimmed); anything but text reads as empty. Its strength
    depends on the account's e-mail, so the service judges it (market/services/accounts.password_error)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return value if isinstance(value, str) and value else self.empty()
