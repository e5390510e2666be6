"""``manage.py seed_boards [--town CODE]``: give every town (or one) its four boards and the seeded
posts and stations (jiewang.accounts.board_seed.TOWN_POSTS); idempotent, a town's own edits stay."""

from django.core.management.base import BaseCommand, CommandError

from jiewang.accounts.services import board_seed_town
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area


class Command(BaseCommand):
    help = "Seed the four boards and their posts and stations in every town (or one, --town CODE)."

    def add_arguments(self, parser):
        parser.add_argument("--town", default="", help="the town's area code (default: every town)")

    def handle(self, *args, town="", **options):
        towns = Area.objects.filter(level=AreaLevel.TOWN, valid_to__isnull=True)
        if town:
            towns = towns.filter(code=town)
            if not towns.exists():
                raise CommandError(f"no town with code {town}")
        created = sum(len(board_seed_town(actor=None, town=t)) for t in towns.order_by("path"))
        self.stdout.write(f"{towns.count()} towns, {created} posts created")
