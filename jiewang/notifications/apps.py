from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The in-app inbox and the outbox of SMS/email messages, sent by the worker after commit
    through pluggable senders."""

    name = "jiewang.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from jiewang.core.worker import register_periodic

        register_periodic("notifications.send_pending", 2, "jiewang.notifications.services:outbox_send_pending")
