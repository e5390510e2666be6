"""Notifications to the people who must act.

A :class:`Notification` is a line in a user's in-app inbox. An :class:`OutboundMessage` is an SMS
or email waiting in the outbox: written in the same transaction as the change that caused it
(so it exists exactly when the change committed) and sent afterwards by the worker through the
sender configured for its channel (``settings.NOTIFICATION_SENDERS``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiewang.core.crypto import EncryptedTextField


class Notification(models.Model):
    """One line in a user's in-app inbox: what happened and where to act on it."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                                  db_index=False)  # indexed by inbox_idx (recipient, read_at, -created_at)
    kind = models.CharField(max_length=32)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    url = models.CharField(max_length=200, blank=True, default="")
    event_number = models.CharField(max_length=40, blank=True, default="")  # shown, never searched
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="inbox_idx")]

    def __str__(self) -> str:
        return self.title


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundMessage(models.Model):
    """An SMS or email waiting in the outbox (or sent, or failed); the worker sends it after commit."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=8)  # "sms" | "email"
    address = EncryptedTextField()
    subject = models.CharField(max_length=200, blank=True, default="")
    body = models.TextField()
    status = models.CharField(max_length=8, choices=OutboundStatus.choices, default=OutboundStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:  # never the address: it is personal data
        return f"{self.channel} #{self.pk} ({self.status})"
