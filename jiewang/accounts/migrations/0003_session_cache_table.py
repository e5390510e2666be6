"""The session cache table (``settings.CACHES["sessions"]``: ``DatabaseCache`` in
``jiewang_session_cache``), read by Django's ``cached_db`` session engine.

Sessions get their own table: the database cache counts its rows on every write and culls a third
of them past ``MAX_ENTRIES``, so the resident portal's rate-limit counters (``jiewang_cache``)
and the sessions do not evict each other. This migration runs what ``manage.py createcachetable``
does, so that every database (tests included) has the table.
"""

from django.db import migrations

TABLE = "jiewang_session_cache"


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
    dependencies = [("accounts", "0002_initial")]
    operations = [migrations.RunPython(create, drop)]
