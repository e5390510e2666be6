from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from jiewang.events.docs import as_markdown


class Command(BaseCommand):
    help = "Write docs/lifecycle.md from the lifecycle tables and the action registry."

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / "docs" / "lifecycle.md"
        path.write_text(as_markdown(), encoding="utf-8")
        self.stdout.write(f"wrote {path}")
