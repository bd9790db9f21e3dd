"""Sending one email through an SMTP server."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from fitflow.config import SmtpSettings


async def send(settings: SmtpSettings, *, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.from_address
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="fitflow")
    message.set_content(body)
    await aiosmtplib.send(
        message,
        hostname=settings.host,
        port=settings.port,
        username=settings.username,
        password=settings.password.get_secret_value() if settings.password else None,
        use_tls=settings.use_tls,
        start_tls=settings.start_tls,
        timeout=settings.timeout_seconds,
    )
