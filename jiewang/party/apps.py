from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    """Party building as the axis (党建扎桩): party organizations on the area tree, co-building units,
    party members and their report-in to the community where they live (双报到), service hours and the
    yearly evaluation sent back to the member's unit."""

    name = "jiewang.party"
    label = "party"
    verbose_name = _("Party building")

    def ready(self):
        from jiewang.core.worker import register_periodic

        from . import action_table, formulas, permissions

        permissions.register()
        formulas.register()
        action_table.register_rows()
        register_periodic("party.elections_due", 3600, "jiewang.party.services.elections:elections_sweep")
        register_periodic("party.followups_due", 3600, "jiewang.party.services.conference:followups_sweep")
