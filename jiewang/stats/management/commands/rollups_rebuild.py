"""``manage.py rollups_rebuild``: count every event again into the rollups (jiewang.stats)."""

from django.core.management.base import BaseCommand

from jiewang.stats.services.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Rebuild the situation rollups from the events (drops and recounts them in one transaction)."

    def handle(self, *args, **options):
        n = rollups_rebuild()
        self.stdout.write(f"rollups rebuilt from {n} events")
