"""API keys of Open311 clients and the record of each request they submitted.

Reading through Open311 is public; writing (``POST requests``) needs an :class:`ApiKey`. The clear
key is shown once, when it is made (``manage.py open311_key NAME`` or the admin), and only its
SHA-256 is stored: the keys are 256-bit random strings, so a fast hash is enough and lookups stay
one indexed query.

A key may be bound to an area (a town or higher). A client whose key is bound to a town may post a
request with an address only (``address_string``/``address_id``, no ``lat``/``long``): it lands
in that town's command center as "to be placed" (待定位, see
:mod:`jiewang.events.services.placing`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiewang.core.crypto import EncryptedTextField


class ApiKey(models.Model):
    """A key given to one Open311 client (a resident app, a city tool, a partner organization).
    Deactivate it to cut the client off; its past submissions stay attributed to it."""

    name = models.CharField(_("name"), max_length=100)
    organization = models.CharField(_("organization / channel"), max_length=200, blank=True, default="")
    # The first characters of the clear key, to recognise a key in lists and logs.
    prefix = models.CharField(_("key prefix"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Optional: the area (a town or higher) the client serves. Bound to a town, the key may post
    # requests located by an address only; they wait in that town's command center to be placed.
    area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("area"),
                             help_text=_("A town (or higher). Bound to a town, the client may send an address "
                                         "instead of lat/long; the town's command center places it on the map."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["name", "id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class Submission(models.Model):
    """One event created through ``POST requests``: which key sent it, the retry key it was
    deduplicated on, and the Open311 fields our events have no column for (contact e-mail,
    device and account ids, a media URL hosted by the client)."""

    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, related_name="open311_submission")
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="submissions")
    idempotency_key = models.CharField(max_length=80, blank=True, default="")
    # SHA-256 of the canonical form body (without api_key): a reused Idempotency-Key with another
    # body is refused instead of silently answering with the first event.
    body_sha256 = models.CharField(max_length=64)
    device_id = models.CharField(max_length=128, blank=True, default="")
    account_id = models.CharField(max_length=128, blank=True, default="")
    email = EncryptedTextField(blank=True, default="")
    media_url = models.URLField(max_length=1000, blank=True, default="")
    # The client's own address id (GeoReport ``address_id``): we keep it and show it back.
    address_id = models.CharField(max_length=128, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["api_key", "created_at"])]
        constraints = [models.UniqueConstraint(fields=["idempotency_key"], condition=~models.Q(idempotency_key=""),
                                               name="open311_submission_key_unique")]

    def __str__(self):
        return f"{self.api_key.name} → {self.event_id}"
