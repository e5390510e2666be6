"""A database trigger that enforces "a child sits exactly one level below its parent".

A CHECK constraint cannot look at another row, so the rule is a trigger, written for each
supported database. Services check the same rule first to give a friendly error; the trigger is
the guarantee for every other path (bulk loads, the shell, raw SQL).
"""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER IF NOT EXISTS area_level_parent_insert BEFORE INSERT ON areas_area
    WHEN NEW.parent_id IS NOT NULL
     AND (SELECT level FROM areas_area WHERE id = NEW.parent_id) != NEW.level - 1
    BEGIN SELECT RAISE(ABORT, 'area_level_parent: a child must be one level below its parent'); END;
    """,
    """
    CREATE TRIGGER IF NOT EXISTS area_level_parent_update BEFORE UPDATE OF level, parent_id ON areas_area
    WHEN (NEW.parent_id IS NOT NULL
          AND (SELECT level FROM areas_area WHERE id = NEW.parent_id) != NEW.level - 1)
      OR EXISTS (SELECT 1 FROM areas_area c WHERE c.parent_id = NEW.id AND c.level != NEW.level + 1)
    BEGIN SELECT RAISE(ABORT, 'area_level_parent: a child must be one level below its parent'); END;
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS area_level_parent_insert;",
    "DROP TRIGGER IF EXISTS area_level_parent_update;",
]

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION area_level_parent_check() RETURNS trigger AS $$
    BEGIN
      IF NEW.parent_id IS NOT NULL AND
         (SELECT level FROM areas_area WHERE id = NEW.parent_id) <> NEW.level - 1 THEN
        RAISE EXCEPTION 'area_level_parent: a child must be one level below its parent'
          USING ERRCODE = '23514';
      END IF;
      IF TG_OP = 'UPDATE' AND NEW.level <> OLD.level AND EXISTS (
           SELECT 1 FROM areas_area c WHERE c.parent_id = NEW.id AND c.level <> NEW.level + 1) THEN
        RAISE EXCEPTION 'area_level_parent: a child must be one level below its parent'
          USING ERRCODE = '23514';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER area_level_parent BEFORE INSERT OR UPDATE OF level, parent_id ON areas_area
    FOR EACH ROW EXECUTE FUNCTION area_level_parent_check();
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS area_level_parent ON areas_area;",
    "DROP FUNCTION IF EXISTS area_level_parent_check();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("areas", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
