from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Append-only audit entries, written by services of every app."""

    name = "jiewang.audit"
    label = "audit"
    verbose_name = _("Audit")
