"""Outgoing mail: through SMTP when MARKET_MAIL_SERVER is set, otherwise written to <instance>/mail/ as .eml
files (development and tests), where admins can read them (/admin/mail) so that every mail flow is testable
end to end."""

import os
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid, parsedate_to_datetime
from pathlib import Path

from flask import current_app


@dataclass
class StoredMail:
    """A message kept in the instance folder."""

    name: str
    to: str
    subject: str
    sent_at: datetime | None
    body: str


def send(to: str, subject: str, body: str) -> None:
    """Send one plain-text message (or keep it in the instance folder when no SMTP server is configured)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="market.local")
    message.set_content(body)
    if not config.get("MAIL_SERVER"):
        _keep(message)
        return
    connect = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    with connect(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 0), timeout=20) as smtp:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def _folder() -> Path:
    return Path(current_app.instance_path) / "mail"


def _keep(message: EmailMessage) -> None:
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{datetime.now():%Y%m%d-%H%M%S-%f}-{os.getpid()}.eml"
    (folder / name).write_bytes(message.as_bytes())


def kept(limit: int = 100) -> list[StoredMail]:
    """The newest messages kept in the instance folder, newest first."""
    folder = _folder()
    names = sorted((p.name for p in folder.glob("*.eml")), reverse=True)[:limit] if folder.is_dir() else []
    return [read(name) for name in names]


def read(name: str) -> StoredMail | None:
    """One kept message by file name (nothing outside the mail folder)."""
    if not name.endswith(".eml") or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = _folder() / name
    if not path.is_file():
        return None
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    try:
        sent_at = parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        sent_at = None
    body = message.get_body(("plain",))
    return StoredMail(
        name=name,
        to=str(message["To"] or ""),
        subject=str(message["Subject"] or ""),
        sent_at=sent_at,
        body=body.get_content() if body else "",
    )
