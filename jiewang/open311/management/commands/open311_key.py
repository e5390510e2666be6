"""manage.py open311_key NAME [--organization ORG]: create an Open311 API key and print it once."""

from django.core.management.base import BaseCommand

from jiewang.open311.services import api_key_create


class Command(BaseCommand):
    help = "Create an Open311 API key for one client and print the clear key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="who the key is for, e.g. the app's name")
        parser.add_argument("--organization", default="", help="the organization or channel behind the client")

    def handle(self, *args, name, organization, **options):
        key, clear = api_key_create(actor=None, name=name, organization=organization)
        self.stderr.write(f"Created Open311 API key #{key.pk} {key.name!r} ({key.prefix}…). "
                          "Store it now: only its hash is kept.")
        self.stdout.write(clear)
