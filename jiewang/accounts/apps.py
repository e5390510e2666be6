from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Users, the four boards and their posts, departments, and roles granted on area nodes."""

    name = "jiewang.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self):
        from jiewang.core.worker import register_periodic

        from . import permissions

        permissions.register()
        register_periodic("accounts.sessions_clear_expired", 3600, "jiewang.accounts.services:sessions_clear_expired")
