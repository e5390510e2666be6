from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionConfig(AppConfig):
    """The duty admission list (职责事项准入) and the tasks pushed down to grids through it."""

    name = "jiewang.admission"
    label = "admission"
    verbose_name = _("Duty admission")

    def ready(self):
        from jiewang.dispatching.gate import register_push_gate

        from . import permissions
        from .services.rule import check_push, item_choices

        permissions.register()
        register_push_gate(check_push, item_choices=item_choices)
