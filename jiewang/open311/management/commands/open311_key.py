"""manage.py open311_key NAME [--organization ORG] [--area CODE]: create an Open311 API key and print
it once. ``--area`` binds the key to a town (or higher) by its code: a key bound to a town may post
requests located by an address only (they wait in that town's command center to be placed)."""

from django.core.management.base import BaseCommand, CommandError

from jiewang.areas.models import Area
from jiewang.core.errors import ApplicationError
from jiewang.open311.services import api_key_create


class Command(BaseCommand):
    help = "Create an Open311 API key for one client and print the clear key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="who the key is for, e.g. the app's name")
        parser.add_argument("--organization", default="", help="the organization or channel behind the client")
        parser.add_argument("--area", default="", metavar="CODE",
                            help="bind the key to this area (a town or higher, by its current code); bound to a "
                                 "town, the client may send an address instead of lat/long")

    def handle(self, *args, name, organization, area, **options):
        bound = None
        if area:
            matches = list(Area.objects.current().filter(code=area.strip())[:2])
            if len(matches) != 1:
                raise CommandError(f"no single current area with code {area!r}" if not matches
                                   else f"several current areas have code {area!r}")
            bound = matches[0]
        try:
            key, clear = api_key_create(actor=None, name=name, organization=organization, area=bound)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from None
        where = f", bound to {bound.name} ({bound.code})" if bound is not None else ""
        self.stderr.write(f"Created Open311 API key #{key.pk} {key.name!r} ({key.prefix}…){where}. "
                          "Store it now: only its hash is kept.")
        self.stdout.write(clear)
