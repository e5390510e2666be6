from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared bases with no domain models: errors, scope restriction, crypto, time."""

    name = "jiewang.core"
    label = "core"
    verbose_name = _("Working calendar")  # its models: workday overrides, holiday arrangements

    def ready(self):
        from django.apps import apps

        from .i18n import translate_automatic_verbose_names

        translate_automatic_verbose_names(c for c in apps.get_app_configs() if c.name.startswith("jiewang."))
