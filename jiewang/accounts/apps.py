from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Users, the four boards and their posts, departments, and roles granted on area nodes."""

    name = "jiewang.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self):
        from . import permissions

        permissions.register()
