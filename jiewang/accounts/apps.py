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
        # django-axes (the sign-in lockout) names its app "Axes" and has no zh-Hans translation: the
        # admin shows this name instead (its models' names are translated in our .po).
        from django.apps import apps

        if apps.is_installed("axes"):
            apps.get_app_config("axes").verbose_name = _("Sign-in lockouts")
