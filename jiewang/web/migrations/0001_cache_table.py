"""The database cache table (``settings.CACHES``: ``DatabaseCache`` in ``jiewang_cache``).

The web app has no models; this migration only runs what ``manage.py createcachetable`` does, so
that every database (tests included) has the table the resident portal's rate limits use.
"""

from django.db import migrations

TABLE = "jiewang_cache"


def create(apps, schema_editor):
    from django.core.management.commands.createcachetable import Command

    if TABLE in schema_editor.connection.introspection.table_names():
        return
    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    if TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies: list = []
    operations = [migrations.RunPython(create, drop)]
