"""The mail the platform kept instead of sending (no SMTP configured), for admins to read."""

from market import mail
from market.errors import NotFound
from market.services.permissions import require_admin


def kept_mail(actor, limit: int = 100) -> list[mail.StoredMail]:
    """The newest kept messages, newest first."""
    require_admin(actor)
    return mail.kept(limit)


def kept_message(actor, name: str) -> mail.StoredMail:
    """One kept message by its file name."""
    require_admin(actor)
    message = mail.read(name)
    if message is None:
        raise NotFound("该邮件不存在")
    return message
