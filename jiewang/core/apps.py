from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared bases with no domain models: errors, scope restriction, crypto, time."""

    name = "jiewang.core"
    label = "core"
