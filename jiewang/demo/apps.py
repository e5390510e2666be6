from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo city generator (``manage.py seed_demo``). No models."""

    name = "jiewang.demo"
    label = "demo"
    verbose_name = "Demo data"
