"""Pluggable senders for SMS and email. A deployment points ``settings.NOTIFICATION_SENDERS`` at
its own classes (the government SMS gateway, an SMTP relay); the default writes to the log."""

from __future__ import annotations

import logging

log = logging.getLogger("jiewang.notifications")


class Sender:
    """Send one message; raise to have it retried later."""

    def send(self, *, address: str, subject: str, body: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSender(Sender):
    """Logs the message (default; closed networks without a gateway). Addresses are masked."""

    sent: list = []  # kept for tests and the demo

    def send(self, *, address: str, subject: str, body: str) -> None:
        from jiewang.core.crypto import mask_phone

        ConsoleSender.sent.append((address, subject, body))
        log.info("notify %s: %s %s", mask_phone(address) if address.isdigit() else address, subject, body)


class DjangoEmailSender(Sender):
    """Email through Django's configured email backend (SMTP in production)."""

    def send(self, *, address: str, subject: str, body: str) -> None:
        from django.core.mail import send_mail

        send_mail(subject or body[:40], body, None, [address], fail_silently=False)
